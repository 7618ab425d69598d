import { describe, expect, it } from "vitest";
import type { Problem } from "./backend";
import {
  emptyEpisode,
  getPath,
  parseInput,
  pendingErrors,
  problemsUnder,
  setPath,
  shownProblems,
  suggestedName,
  withSections,
} from "./episode";

describe("episode helpers", () => {
  it("gives an imported episode every section and keeps unknown keys", () => {
    const episode = withSections({ id_atencion: 7, extra_del_hospital: { cama: 12 } });
    expect(episode.extra_del_hospital).toEqual({ cama: 12 });
    expect(episode.indicaciones_alta.signos_alarma).toEqual([]);
    expect(episode.antecedentes.alergias).toEqual([]);
    expect(emptyEpisode().version).toBe(1);
  });

  it("writes dotted paths and removes emptied fields", () => {
    const item: Record<string, unknown> = {};
    setPath(item, "ingreso.valor", 186);
    expect(getPath(item, "ingreso.valor")).toBe(186);
    setPath(item, "ingreso.valor", undefined);
    expect(getPath(item, "ingreso")).toEqual({});
  });

  it("reads numbers the Chilean way and keeps text values", () => {
    expect(parseInput("value", "7,5")).toBe(7.5);
    expect(parseInput("value", "negativo")).toBe("negativo");
    expect(parseInput("number", "75")).toBe(75);
    expect(parseInput("text", "  ")).toBeUndefined();
  });

  it("finds the problems of a list but not those of its fields", () => {
    const problems = [
      { path: "diagnostico_egreso", message: "falta", severity: "error" as const },
      { path: "diagnostico_egreso[0]", message: "vacío", severity: "advertencia" as const },
      { path: "diagnostico_egreso[0].codigo", message: "código", severity: "advertencia" as const },
    ];
    expect(problemsUnder(problems, "diagnostico_egreso").map((p) => p.message)).toEqual(["falta", "vacío"]);
  });

  it("names files after the attention id", () => {
    expect(suggestedName({ id_atencion: "HBL-2026/004812" }, "json")).toBe("HBL-2026-004812.json");
    expect(suggestedName({}, "pdf")).toBe("episodio.pdf");
  });

  it("keeps a new episode calm: problems appear per touched field, all once asked", () => {
    const problems: Problem[] = [
      { path: "paciente.sexo", message: "falta el sexo", severity: "error" },
      { path: "atencion.fecha_alta", message: "falta la fecha de alta", severity: "error" },
      { path: "diagnostico_egreso", message: "falta un diagnóstico", severity: "error" },
      { path: "diagnostico_egreso[0].codigo", message: "código extraño", severity: "advertencia" },
      { path: "", message: "episodio vacío", severity: "error" },
    ];
    expect(shownProblems(problems, [], false)).toEqual([]);
    expect(pendingErrors(problems, [], false)).toHaveLength(4);
    const touched = ["paciente.sexo", "diagnostico_egreso"];
    expect(shownProblems(problems, touched, false).map((p) => p.path)).toEqual([
      "paciente.sexo",
      "diagnostico_egreso",
      "diagnostico_egreso[0].codigo",
    ]);
    expect(pendingErrors(problems, touched, false).map((p) => p.path)).toEqual(["atencion.fecha_alta", ""]);
    expect(shownProblems(problems, [], true)).toEqual(problems);
    expect(pendingErrors(problems, [], true)).toEqual([]);
  });
});
