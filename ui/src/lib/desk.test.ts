// The desk's actions with the Rust shell replaced: what each sends, and
// what the window shows from the answers.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { GenerationEvent, OpenedDraft, SectionAsk, VersionView, Written } from "./backend";

const calls: string[] = [];
let opened: OpenedDraft;
let nextWritten: Written;
let deltas: string[] = [];
let checkProblems: { path: string; message: string; severity: "error" | "advertencia" }[] = [];

function version(draft: number, number: number, text: string): VersionView {
  return {
    draft_id: draft,
    number,
    origin: "modelo",
    state: "completa",
    text,
    findings: [],
    model_file: "m.gguf",
    model_sha256: null,
    restored_from: null,
    timings: null,
    created_at: 0,
    template: null,
    section: null,
    instruction: null,
    shortening: null,
    sections: [],
  };
}

vi.mock("./backend", async (original) => {
  const real = await original<typeof import("./backend")>();
  return {
    ...real,
    episodeCheck: vi.fn(async () => {
      calls.push("episode_check");
      return { problems: checkProblems, has_errors: checkProblems.some((p) => p.severity === "error") };
    }),
    formSave: vi.fn(async () => calls.push("form_save")),
    draftsList: vi.fn(async () => {
      calls.push("drafts_list");
      return [];
    }),
    draftOpen: vi.fn(async (id: number) => {
      calls.push(`draft_open ${id}`);
      return opened;
    }),
    templatesList: vi.fn(async (service: string | null) => {
      calls.push(`templates_list ${service}`);
      return { templates: [], for_service: null };
    }),
    generateSection: vi.fn(async (ask: SectionAsk, onEvent: (e: GenerationEvent) => void) => {
      calls.push(`generate_section ${JSON.stringify(ask)}`);
      onEvent({ event: "delta", text: "Estable.", tokens: 1, elapsed_ms: 5, tokens_per_s: 200 });
      return nextWritten;
    }),
    generate: vi.fn(async (_json: string, draftId: number | null, template: string | null, onEvent: (e: GenerationEvent) => void) => {
      calls.push(`generate ${draftId} ${template}`);
      let tokens = 0;
      for (const text of deltas) {
        tokens += 1;
        onEvent({ event: "delta", text, tokens, elapsed_ms: 10 * tokens, tokens_per_s: 100 });
      }
      return nextWritten;
    }),
    draftDeterministic: vi.fn(async (_json: string, draftId: number | null, template: string | null) => {
      calls.push(`draft_deterministic ${draftId} ${template}`);
      return nextWritten;
    }),
  };
});

const { Desk } = await import("./desk.svelte");

function draftWith(id: number, versions: VersionView[]): OpenedDraft {
  return {
    summary: {
      id,
      status: "borrador",
      patient_name: "Ana",
      rut: "",
      id_atencion: "A-1",
      discharge_date: null,
      diagnoses: "",
      versions: versions.length,
      interrupted: false,
      deleted: false,
      updated_at: "2026-10-05T12:00:00Z",
    },
    parent_draft_id: null,
    episode_json: "{}",
    versions,
  };
}

describe("the desk", () => {
  beforeEach(() => {
    calls.length = 0;
    deltas = [];
    checkProblems = [];
  });

  it("streams the model's text and then shows the version the command returned", async () => {
    const desk = new Desk();
    desk.draft = draftWith(4, [version(4, 1, "primera")]);
    desk.version = desk.draft.versions[0];
    desk.episode = JSON.parse(desk.draft.episode_json);
    deltas = ["Paciente ", "de 67 años."];
    const seen: (string | null)[] = [];
    const { generate } = await import("./backend");
    vi.mocked(generate).mockImplementationOnce(async (_json, draftId, _template, onEvent) => {
      calls.push(`generate ${draftId}`);
      onEvent({ event: "delta", text: "Paciente ", tokens: 1, elapsed_ms: 5, tokens_per_s: 200 });
      seen.push(desk.streaming);
      onEvent({ event: "delta", text: "de 67 años.", tokens: 2, elapsed_ms: 9, tokens_per_s: 220 });
      seen.push(desk.streaming);
      return nextWritten;
    });
    nextWritten = { draft_id: 4, version: version(4, 2, "Paciente de 67 años."), reason: "eos", stats: null };
    await desk.generate();
    expect(seen).toEqual(["Paciente ", "Paciente de 67 años."]);
    expect(desk.live).toEqual({ tokens: 2, elapsedMs: 9, tokensPerS: 220 });
    expect(desk.streaming).toBeNull();
    expect(desk.version?.number).toBe(2);
    expect(desk.draft?.versions.map((v) => v.number)).toEqual([1, 2]);
    expect(desk.draft?.summary.versions).toBe(2);
    expect(desk.lastReason).toBe("eos");
    // The answer was enough: the draft was not read again.
    expect(calls.filter((c) => c.startsWith("draft_open"))).toEqual([]);
    expect(calls).toContain("generate 4");
  });

  it("opens the draft the text went into when it is another one", async () => {
    const desk = new Desk();
    desk.draft = draftWith(4, [version(4, 1, "primera")]);
    desk.episode = JSON.parse(desk.draft.episode_json);
    opened = draftWith(9, [version(9, 1, "nueva")]);
    nextWritten = { draft_id: 9, version: version(9, 1, "nueva"), reason: null, stats: null };
    await desk.deterministic();
    expect(calls).toContain("draft_deterministic 4 null");
    expect(calls).toContain("draft_open 9");
    expect(desk.draft?.summary.id).toBe(9);
    expect(desk.version?.text).toBe("nueva");
  });

  it("says a stopped generation kept its text", async () => {
    const desk = new Desk();
    desk.draft = draftWith(4, []);
    desk.episode = JSON.parse(desk.draft.episode_json);
    nextWritten = { draft_id: 4, version: version(4, 1, "Paciente"), reason: "cancelled", stats: null };
    await desk.generate();
    expect(desk.notice?.text).toContain("Generación detenida");
    expect(desk.version?.number).toBe(1);
  });

  it("does not generate from an episode with errors", async () => {
    const desk = new Desk();
    checkProblems = [{ path: "paciente.nombre", message: "falta", severity: "error" }];
    await desk.check();
    expect(desk.hasErrors).toBe(true);
    await desk.generate();
    await desk.deterministic();
    expect(calls.filter((c) => c.startsWith("generate") || c.startsWith("draft_deterministic"))).toEqual([]);
  });

  it("shows an error's Spanish message and stays quiet on a cancelled dialog", async () => {
    const desk = new Desk();
    desk.fail({ kind: "cancelado", message: "Operación cancelada." });
    expect(desk.notice).toBeNull();
    desk.fail({ kind: "sin_modelo", message: "No hay un modelo cargado" });
    expect(desk.notice).toEqual({ tone: "error", text: "No hay un modelo cargado" });
    desk.fail(new Error("boom"));
    expect(desk.notice?.text).toContain("Error inesperado");
  });

  it("refuses pasted text that is not JSON and keeps the form", async () => {
    const desk = new Desk();
    const before = desk.json();
    expect(desk.pasteJson("{ no es json")).toBe(false);
    expect(desk.notice?.tone).toBe("error");
    expect(desk.notice?.text).toContain("no es JSON válido");
    expect(desk.json()).toBe(before);
  });

  it("rewrites one section with the instruction and the chosen template", async () => {
    const desk = new Desk();
    desk.draft = draftWith(4, [version(4, 1, "Evolución\nFebril.")]);
    desk.version = desk.draft.versions[0];
    desk.episode = JSON.parse(desk.draft.episode_json);
    desk.templateId = "medicina";
    const during: (string | null)[] = [];
    const { generateSection } = await import("./backend");
    vi.mocked(generateSection).mockImplementationOnce(async (ask, onEvent) => {
      calls.push(`generate_section ${JSON.stringify(ask)}`);
      onEvent({ event: "delta", text: "Estable.", tokens: 1, elapsed_ms: 5, tokens_per_s: 200 });
      during.push(desk.rewriting, desk.streaming);
      return nextWritten;
    });
    nextWritten = { draft_id: 4, version: { ...version(4, 2, "Evolución\nEstable."), section: "evolucion" }, reason: "eos", stats: null };
    await desk.regenerateSection("evolucion", "  más breve ");
    expect(calls).toContain(
      'generate_section {"draftId":4,"version":1,"section":"evolucion","instruction":"más breve","template":"medicina"}',
    );
    expect(during).toEqual(["evolucion", "Estable."]);
    expect(desk.rewriting).toBeNull();
    expect(desk.version?.number).toBe(2);
  });

  it("starts calm and shows every problem once the clinician asks to write", async () => {
    const desk = new Desk();
    checkProblems = [
      { path: "paciente.sexo", message: "falta el sexo", severity: "error" },
      { path: "atencion.fecha_alta", message: "falta el alta", severity: "error" },
    ];
    await desk.check();
    expect(desk.shownProblems).toEqual([]);
    expect(desk.pendingErrors).toHaveLength(2);
    desk.changed(false, "paciente.sexo");
    expect(desk.shownProblems.map((p) => p.path)).toEqual(["paciente.sexo"]);
    await desk.generate();
    expect(desk.shownProblems).toHaveLength(2);
    expect(desk.pendingErrors).toEqual([]);
    await desk.newEpisode().catch(() => {});
  });
});
