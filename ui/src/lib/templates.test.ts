import { describe, expect, it } from "vitest";
import { GENERAL } from "./test_fixtures";
import type { Template, TemplateList, VersionView } from "./backend";
import {
  automaticLabel,
  copyOf,
  effectiveTemplate,
  SECTION_TITLES,
  shorteningNotice,
  statsRows,
  templateProblem,
} from "./templates";

const general: Template = GENERAL;
const medicina: Template = { ...general, id: "medicina", nombre: "Medicina Interna", servicios: ["Medicina Interna"] };

function list(forService: string | null): TemplateList {
  return {
    templates: [
      { ...general, builtin: true },
      { ...medicina, builtin: false },
    ],
    for_service: forService,
  };
}

describe("templates", () => {
  it("uses the chosen template, else the service's, else the model's", () => {
    expect(effectiveTemplate(list("medicina"), null)?.id).toBe("medicina");
    expect(effectiveTemplate(list("medicina"), "general")?.id).toBe("general");
    expect(effectiveTemplate(list(null), null)).toBeNull();
    expect(automaticLabel(list("medicina"))).toBe("Según el servicio (Medicina Interna)");
    expect(automaticLabel(list(null))).toBe("Según el modelo");
  });

  it("names every section as the Rust headings do", () => {
    expect(SECTION_TITLES.evolucion).toBe("Evolución");
    expect(SECTION_TITLES.indicaciones).toBe("Indicaciones al alta");
    expect(Object.keys(SECTION_TITLES)).toHaveLength(11);
  });

  it("says which notes the shortening left out", () => {
    const text = shorteningNotice({
      notes_total: 12,
      notes_kept: 9,
      omitted: [3, 4, 7],
      omitted_notes: ["día 4", "día 5", "día 8 (09/10/2026)"],
      clipped_to_chars: 300,
    });
    expect(text).toBe(
      "Se omitieron 3 de 12 notas de evolución para caber en el contexto del modelo: día 4, día 5, día 8 (09/10/2026). Las incluidas se recortaron a 300 caracteres.",
    );
  });

  it("lists a model version's figures and what it was written with", () => {
    const version = {
      timings: {
        fin: "eos",
        estadisticas: {
          prompt_tokens: 812,
          reused_tokens: 790,
          generated_tokens: 120,
          ttft_ms: 40,
          prefill_ms: 500,
          decode_ms: 4000,
          decode_tok_s: 30.04,
          lookup_drafted: 0,
          lookup_accepted: 0,
        },
      },
      template: "medicina",
      section: "evolucion",
      instruction: "más breve",
      model_file: "qwen.gguf",
    } as unknown as VersionView;
    const rows = Object.fromEntries(statsRows(version));
    expect(rows["Velocidad"]).toBe("30 tokens/s");
    expect(rows["Tiempo"]).toBe("4,5 s");
    expect(rows["Tokens reutilizados"]).toBe("790");
    expect(rows["Sección regenerada"]).toBe("Evolución");
    expect(rows["Indicación"]).toBe("más breve");
  });

  it("copies under a free id and finds the first wrong field", () => {
    const copy = copyOf(general, ["general", "general-copia"]);
    expect(copy.id).toBe("general-copia-2");
    expect(templateProblem(copy)).toBeNull();
    expect(templateProblem({ ...copy, id: "Medicina Interna" })?.field).toBe("id");
    expect(templateProblem({ ...copy, id: "general" })?.field).toBe("id");
    expect(templateProblem({ ...copy, secciones: [] })?.field).toBe("secciones");
    expect(
      templateProblem({ ...copy, texto_fijo: [{ seccion: "examenes", texto: "x" }] })?.message,
    ).toContain("Exámenes relevantes");
  });
});
