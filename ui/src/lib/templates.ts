// Service templates, seen from the window: section titles, the template a
// generation will use, and the words for what a version records (the
// shortening, the figures). Pure functions, tested in templates.test.ts.
import type { SectionKey, Shortening, Template, TemplateList, VersionView } from "./backend";

/** The headings as `clinical::Section::title` writes them. */
export const SECTION_TITLES: Record<SectionKey, string> = {
  identificacion: "Identificación",
  periodo: "Período de hospitalización",
  motivo_ingreso: "Motivo de ingreso y antecedentes",
  diagnosticos_ingreso: "Diagnósticos de ingreso",
  procedimientos: "Procedimientos",
  tratamiento: "Tratamiento intrahospitalario",
  evolucion: "Evolución",
  examenes: "Exámenes relevantes",
  diagnosticos_egreso: "Diagnósticos de egreso",
  condicion_alta: "Condición al alta",
  indicaciones: "Indicaciones al alta",
};

export const SECTION_KEYS = Object.keys(SECTION_TITLES) as SectionKey[];

/** The template a generation uses: the one chosen beside Generar; else the
 * service's; else none (the built-in for the model, decided in Rust). */
export function effectiveTemplate(list: TemplateList | null, chosen: string | null): Template | null {
  if (!list) return null;
  const id = chosen ?? list.for_service;
  return list.templates.find((t) => t.id === id) ?? null;
}

/** The words of the "automatic" choice in the template menu. */
export function automaticLabel(list: TemplateList | null): string {
  const service = effectiveTemplate(list, null);
  return service ? `Según el servicio (${service.nombre})` : "Según el modelo";
}

/** "Se omitieron N de M notas de evolución…", naming the notes. */
export function shorteningNotice(s: Shortening): string {
  const omitted = s.notes_total - s.notes_kept;
  const which = s.omitted_notes.length ? `: ${s.omitted_notes.join(", ")}` : "";
  return (
    `Se omitieron ${omitted} de ${s.notes_total} notas de evolución para caber en el contexto del modelo${which}. ` +
    `Las incluidas se recortaron a ${s.clipped_to_chars} caracteres.`
  );
}

const number = (n: number, digits = 0) => n.toLocaleString("es-CL", { maximumFractionDigits: digits });

/** A model version's figures, as label/value pairs for its details. */
export function statsRows(version: VersionView): [string, string][] {
  const rows: [string, string][] = [];
  const t = version.timings;
  const s = t && "estadisticas" in t ? t.estadisticas : null;
  if (s) {
    const seconds = (s.prefill_ms + s.decode_ms) / 1000;
    rows.push(["Velocidad", `${number(s.decode_tok_s, 1)} tokens/s`]);
    rows.push(["Tiempo", `${number(seconds, 1)} s`]);
    rows.push(["Tokens generados", number(s.generated_tokens)]);
    rows.push(["Tokens del prompt", number(s.prompt_tokens)]);
    rows.push(["Tokens reutilizados", number(s.reused_tokens)]);
  }
  if (t && "mensaje" in t) rows.push(["Error", t.mensaje]);
  if (version.template) rows.push(["Plantilla", version.template]);
  if (version.section) rows.push(["Sección regenerada", SECTION_TITLES[version.section] ?? version.section]);
  if (version.instruction) rows.push(["Indicación", version.instruction]);
  if (version.model_file) rows.push(["Modelo", version.model_file]);
  return rows;
}

/** A template as the shell takes it, from a row of the list: a deep copy
 * (JSON, not structuredClone: the list on screen is reactive state, a
 * Proxy, which structuredClone refuses) without the list's `builtin`,
 * which the Rust side would refuse as an unknown field. */
export function plainTemplate(row: Template & { builtin?: boolean }): Template {
  const { builtin: _, ...copy } = JSON.parse(JSON.stringify(row));
  return copy;
}

/** A new template from a copy of another, with an id that is free. */
export function copyOf(template: Template & { builtin?: boolean }, taken: string[]): Template {
  let id = `${template.id}-copia`;
  for (let n = 2; taken.includes(id); n += 1) id = `${template.id}-copia-${n}`;
  return { ...plainTemplate(template), id, nombre: `${template.nombre} (copia)` };
}

/** The first thing the form of a template gets wrong, with its field, as
 * the Rust check says it (the save is checked there again). */
export function templateProblem(t: Template): { field: string; message: string } | null {
  if (!/^[a-z0-9-]{1,40}$/.test(t.id)) {
    return { field: "id", message: "Use de 1 a 40 minúsculas sin tilde, dígitos o guiones, por ejemplo «medicina-interna»." };
  }
  if (t.id === "general" || t.id === "ajustado") {
    return { field: "id", message: "Ese identificador es de una plantilla incorporada; elija otro." };
  }
  if (!t.nombre.trim() || t.nombre.length > 80) {
    return { field: "nombre", message: "Escriba un nombre de 1 a 80 caracteres." };
  }
  if (t.secciones.length === 0) {
    return { field: "secciones", message: "Elija al menos una sección." };
  }
  const missing = t.texto_fijo.find((f) => !t.secciones.includes(f.seccion));
  if (missing) {
    return { field: "texto_fijo", message: `El texto fijo de «${SECTION_TITLES[missing.seccion]}» necesita esa sección.` };
  }
  if (t.texto_fijo.some((f) => !f.texto.trim())) {
    return { field: "texto_fijo", message: "Un texto fijo está vacío; escríbalo o quítelo." };
  }
  return null;
}
