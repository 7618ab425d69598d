// The episode form's shape: which sections Episode JSON v1 has, which
// fields each list item carries, and how a validation problem's JSON path
// finds the field it belongs beside. The rules themselves live in Rust
// (`clinical::validate`), reached through `episode_check`.
import type { Problem } from "./backend";

// Episode JSON is open-ended (unknown keys are kept), so the form handles
// it as plain JSON values.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export type FieldKind = "text" | "date" | "number" | "value" | "textarea";

export interface Field {
  key: string; // may be dotted: "ingreso.valor"
  label: string;
  kind?: FieldKind;
  wide?: boolean;
}

export interface ListSection {
  path: string; // dotted path of the array in the episode
  title: string;
  item: string; // "diagnóstico", for "Agregar diagnóstico"
  fields: Field[] | null; // null: a list of plain strings
}

const drug: Field[] = [
  { key: "nombre", label: "Nombre", wide: true },
  { key: "codigo", label: "Código ATC" },
  { key: "dosis", label: "Dosis" },
  { key: "via", label: "Vía" },
  { key: "frecuencia", label: "Frecuencia" },
];

const diagnosis: Field[] = [
  { key: "codigo", label: "CIE-10" },
  { key: "nombre", label: "Diagnóstico", wide: true },
];

export const LISTS: Record<string, ListSection> = {
  medicos: { path: "antecedentes.medicos", title: "Antecedentes médicos", item: "antecedente", fields: null },
  quirurgicos: { path: "antecedentes.quirurgicos", title: "Antecedentes quirúrgicos", item: "antecedente", fields: null },
  habitos: { path: "antecedentes.habitos", title: "Hábitos", item: "hábito", fields: null },
  alergias: { path: "antecedentes.alergias", title: "Alergias", item: "alergia", fields: null },
  diagnostico_ingreso: {
    path: "diagnostico_ingreso",
    title: "Diagnósticos de ingreso",
    item: "diagnóstico",
    fields: diagnosis,
  },
  procedimientos: {
    path: "procedimientos",
    title: "Procedimientos",
    item: "procedimiento",
    fields: [
      { key: "nombre", label: "Procedimiento", wide: true },
      { key: "codigo", label: "Código" },
      { key: "fecha", label: "Fecha", kind: "date" },
    ],
  },
  tratamientos_intrahosp: {
    path: "tratamientos_intrahosp",
    title: "Tratamiento intrahospitalario",
    item: "fármaco",
    fields: [...drug, { key: "inicio", label: "Inicio", kind: "date" }, { key: "fin", label: "Fin", kind: "date" }],
  },
  evolucion_resumen: {
    path: "evolucion_resumen",
    title: "Evolución",
    item: "nota",
    fields: [
      { key: "dia", label: "Día", kind: "number" },
      { key: "fecha", label: "Fecha", kind: "date" },
      { key: "texto", label: "Nota", kind: "textarea", wide: true },
    ],
  },
  laboratorios_resumen: {
    path: "laboratorios_resumen",
    title: "Exámenes de laboratorio",
    item: "examen",
    fields: [
      { key: "prueba", label: "Examen", wide: true },
      { key: "unidad", label: "Unidad" },
      { key: "ingreso.valor", label: "Valor ingreso", kind: "value" },
      { key: "ingreso.fecha", label: "Fecha ingreso", kind: "date" },
      { key: "alta.valor", label: "Valor alta", kind: "value" },
      { key: "alta.fecha", label: "Fecha alta", kind: "date" },
    ],
  },
  diagnostico_egreso: {
    path: "diagnostico_egreso",
    title: "Diagnósticos de egreso",
    item: "diagnóstico",
    fields: diagnosis,
  },
  medicamentos: {
    path: "indicaciones_alta.medicamentos",
    title: "Medicamentos al alta",
    item: "medicamento",
    fields: [...drug, { key: "duracion", label: "Duración" }],
  },
  controles: { path: "indicaciones_alta.controles", title: "Controles", item: "control", fields: null },
  cuidados: { path: "indicaciones_alta.cuidados", title: "Cuidados", item: "cuidado", fields: null },
  signos_alarma: {
    path: "indicaciones_alta.signos_alarma",
    title: "Signos de alarma",
    item: "signo de alarma",
    fields: null,
  },
};

export function emptyEpisode(): Json {
  return withSections({ version: 1 });
}

/** Reads a dotted path ("paciente.rut", "ingreso.valor"). */
export function getPath(object: Json, path: string): Json {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
}

/** Writes a dotted path, creating objects on the way. An empty value
 * removes the key, so validation reports a missing field as missing. */
export function setPath(object: Json, path: string, value: Json): void {
  const keys = path.split(".");
  let target = object;
  for (const key of keys.slice(0, -1)) {
    if (target[key] == null || typeof target[key] !== "object") target[key] = {};
    target = target[key];
  }
  const last = keys[keys.length - 1];
  if (value === undefined || value === "") delete target[last];
  else target[last] = value;
}

/** The list at `path` (present once `withSections` has run). */
export function listAt(episode: Json, path: string): Json[] {
  const list = getPath(episode, path);
  return Array.isArray(list) ? list : [];
}

/** An imported or restored episode with every object and list the form
 * edits in place; keys the form does not know are kept as they are. */
export function withSections(source: Json): Json {
  const episode = source && typeof source === "object" && !Array.isArray(source) ? source : {};
  for (const key of ["paciente", "atencion", "antecedentes", "indicaciones_alta"]) {
    if (!episode[key] || typeof episode[key] !== "object") episode[key] = {};
  }
  for (const section of Object.values(LISTS)) {
    if (!Array.isArray(getPath(episode, section.path))) setPath(episode, section.path, []);
  }
  return episode;
}

/** What the user typed, as the format wants it: numbers for numeric kinds
 * ("7,5" accepted), text otherwise. */
export function parseInput(kind: FieldKind, raw: string): Json {
  const text = raw.trim();
  if (text === "") return undefined;
  if (kind === "number" || kind === "value") {
    const n = Number(text.replace(",", "."));
    if (Number.isFinite(n) && /^-?\d+([.,]\d+)?$/.test(text)) return n;
    return kind === "value" ? text : raw;
  }
  return raw;
}

/** Validation paths look like `diagnostico_egreso[0].codigo`; a field's
 * path is written the same way. */
export function fieldPath(list: string, index: number, key: string): string {
  return `${list}[${index}].${key}`;
}

/** Problems that belong exactly to `path`. */
export function problemsAt(problems: Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path);
}

/** Problems under `path` that no field shows (the list as a whole). */
export function problemsUnder(problems: Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path || p.path.startsWith(`${path}[`) && !/\]\./.test(p.path.slice(path.length)));
}

/** A file name for the episode: the attention id when there is one. */
export function suggestedName(episode: Json, extension: string): string {
  const id = String(episode?.id_atencion ?? "episodio").replace(/[^\p{L}\p{N}_-]+/gu, "-");
  return `${id}.${extension}`;
}

/** Whether a problem at `problem` belongs to the field or list at `touched`
 * (the same path, one inside the other). */
function related(problem: string, touched: string): boolean {
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return problem !== "" && (inside(problem, touched) || inside(touched, problem));
}

/** The problems to show now. A new, empty episode is calm: a field's
 * problems appear once it was touched, and every problem once the
 * clinician asks to write (or the episode came from a file). */
export function shownProblems(problems: Problem[], touched: string[], revealAll: boolean): Problem[] {
  if (revealAll) return problems;
  return problems.filter((p) => touched.some((t) => related(p.path, t)));
}

/** The errors not shown yet: their fields are marked as needed. */
export function pendingErrors(problems: Problem[], touched: string[], revealAll: boolean): Problem[] {
  if (revealAll) return [];
  const shown = new Set(shownProblems(problems, touched, false));
  return problems.filter((p) => p.severity === "error" && !shown.has(p));
}
