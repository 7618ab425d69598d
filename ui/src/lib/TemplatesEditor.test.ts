// The templates in Ajustes with the shell replaced: a built-in is copied,
// edited and saved under a free id; a wrong id is said before saving; a
// refusal from Rust is shown with its field.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { GENERAL } from "./test_fixtures";
import type { Template } from "./backend";

const general: Template = GENERAL;
let stored: Template[] = [];
const saved: Template[] = [];
let refuse: { kind: string; message: string } | null = null;

vi.mock("@tauri-apps/api/core", () => ({
  Channel: class {},
  invoke: vi.fn(async (command: string, args: Record<string, unknown>) => {
    if (command === "templates_list") {
      return {
        templates: [{ ...general, builtin: true }, ...stored.map((t) => ({ ...t, builtin: false }))],
        for_service: null,
      };
    }
    if (command === "template_save") {
      if (refuse) throw refuse;
      const template = args.template as Template;
      saved.push(template);
      stored = [...stored.filter((t) => t.id !== template.id), template];
      return null;
    }
    throw { kind: "interno", message: `sin respuesta para ${command}` };
  }),
}));

const { default: TemplatesEditor } = await import("./TemplatesEditor.svelte");

describe("the templates in Ajustes", () => {
  afterEach(() => {
    cleanup();
    stored = [];
    saved.length = 0;
    refuse = null;
  });

  it("copies a built-in, edits it and saves it under a free id", async () => {
    const messages: string[] = [];
    const changed = vi.fn();
    render(TemplatesEditor, { onsaved: (m: string) => messages.push(m), onchanged: changed });
    const copy = await screen.findAllByRole("button", { name: "Duplicar" });
    await fireEvent.click(copy[0]);
    const name = screen.getByTestId("plantilla-nombre") as HTMLInputElement;
    expect(name.value).toBe("General (modelos de instrucciones) (copia)");
    await fireEvent.input(name, { target: { value: "Pediatría" } });
    await fireEvent.input(screen.getByTestId("plantilla-servicios"), { target: { value: "Pediatría\n\nNeonatología" } });
    await fireEvent.click(screen.getByRole("button", { name: "Quitar Motivo de ingreso y antecedentes" }));
    await fireEvent.click(screen.getByTestId("guardar-plantilla"));
    await screen.findByTestId("plantilla-general-copia");
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({
      id: "general-copia",
      nombre: "Pediatría",
      servicios: ["Pediatría", "Neonatología"],
      secciones: ["evolucion", "indicaciones"],
    });
    expect(saved[0]).not.toHaveProperty("builtin");
    expect(messages).toEqual(["Plantilla «Pediatría» guardada."]);
    expect(changed).toHaveBeenCalled();

    // A service's own template is edited in place, under its id.
    await fireEvent.click(screen.getByRole("button", { name: "Editar" }));
    expect((screen.getByTestId("plantilla-id") as HTMLInputElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("plantilla-pie"), { target: { value: "Equipo de Pediatría" } });
    await fireEvent.click(screen.getByTestId("guardar-plantilla"));
    await screen.findByText("Plantilla «Pediatría» guardada.", {}, { timeout: 50 }).catch(() => null);
    expect(saved[1]).toMatchObject({ id: "general-copia", pie: "Equipo de Pediatría" });
    expect(saved[1]).not.toHaveProperty("builtin");
  });

  it("says what is wrong before saving, and shows Rust's refusal", async () => {
    render(TemplatesEditor, { onsaved: () => {}, onchanged: () => {} });
    await fireEvent.click((await screen.findAllByRole("button", { name: "Duplicar" }))[0]);
    const id = screen.getByTestId("plantilla-id");
    await fireEvent.input(id, { target: { value: "Medicina Interna" } });
    expect(screen.getByTestId("problema-plantilla").textContent).toContain("minúsculas");
    expect((screen.getByTestId("guardar-plantilla") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(id, { target: { value: "medicina" } });
    refuse = { kind: "plantilla_invalida", message: "plantilla, campo «pie»: tiene más de 2000 caracteres; acórtelo" };
    await fireEvent.click(screen.getByTestId("guardar-plantilla"));
    expect((await screen.findByTestId("error-plantilla")).textContent).toContain("campo «pie»");
    expect(saved).toEqual([]);
  });
});
