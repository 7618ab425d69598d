import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import type { ModelPreview } from "./backend";

const GIB = 2 ** 30;
let answer: ModelPreview;

vi.mock("@tauri-apps/api/core", () => ({
  Channel: class {},
  invoke: vi.fn(async (command: string) => {
    if (command === "model_inspect") return answer;
    if (command === "model_choose") return answer.path;
    throw { kind: "interno", message: `sin respuesta para ${command}` };
  }),
}));

const { default: ModelPanel } = await import("./ModelPanel.svelte");

function preview(fits: boolean, freed: number): ModelPreview {
  return {
    path: "/modelos/qwen2.5-1.5b-instruct-q4_k_m.gguf",
    facts: {
      file_name: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
      file_size: GIB,
      architecture: "qwen2",
      name: null,
      parameters: 1.5e9,
      quantization: "Q4_K_M",
      context_length: 32768,
    },
    memory: { context: 4096, weights_bytes: GIB, kv_cache_bytes: GIB / 8, total_bytes: 1.5 * GIB },
    available_bytes: GIB,
    freed_bytes: freed,
    fits,
  } as unknown as ModelPreview;
}

describe("the memory guard before a load", () => {
  afterEach(cleanup);

  it("warns and offers «Cargar de todos modos» when the model does not fit", async () => {
    answer = preview(false, 0);
    const panel = render(ModelPanel, { loaded: null, modelsFolder: null, onerror: () => {} });
    await panel.component.offer(answer.path);
    expect((await screen.findByRole("alert")).textContent).toContain("necesita más memoria");
    expect(screen.getByTestId("cargar-modelo").textContent?.trim()).toBe("Cargar de todos modos");
  });

  it("counts the model it replaces as memory given back", async () => {
    answer = preview(true, 2 * GIB);
    const panel = render(ModelPanel, { loaded: null, modelsFolder: null, onerror: () => {} });
    await panel.component.choose();
    expect((await screen.findByTestId("memoria-disponible")).textContent).toMatch(/más 2(,0)? GB del modelo actual/);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByTestId("cargar-modelo").textContent?.trim()).toBe("Cargar modelo");
  });
});
