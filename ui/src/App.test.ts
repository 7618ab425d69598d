import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import App from "./App.svelte";

describe("first screen", () => {
  afterEach(cleanup);

  it("shows the app name and that no model is loaded", () => {
    render(App);
    expect(screen.getByRole("heading", { level: 1, name: "Epicrisis" })).toBeTruthy();
    expect(screen.getByTestId("model-status").textContent).toContain("Sin modelo cargado");
  });

  it("has the three work regions with their empty states", () => {
    render(App);
    for (const [name, empty] of [
      ["Epicrisis", "La epicrisis aparecerá aquí"],
      ["Borradores", "No hay borradores guardados"],
    ]) {
      expect(screen.getByRole("region", { name }).textContent).toContain(empty);
    }
    expect(screen.getByRole("region", { name: "Episodio" }).textContent).toContain("Diagnósticos de egreso");
  });

  it("labels every form input", () => {
    render(App);
    const inputs = screen.getByTestId("formulario").querySelectorAll("input, select, textarea");
    expect(inputs.length).toBeGreaterThan(10);
    for (const input of inputs) {
      const id = input.getAttribute("id");
      expect(id && document.querySelector(`label[for="${id}"]`), `input ${id} has no label`).toBeTruthy();
    }
  });

  it("adds, reorders and removes items of a list section", async () => {
    render(App);
    const section = screen.getByTestId("lista-indicaciones_alta-controles");
    await fireEvent.click(screen.getByRole("button", { name: "+ Agregar control" }));
    await fireEvent.click(screen.getByRole("button", { name: "+ Agregar control" }));
    const inputs = () => section.querySelectorAll("input");
    expect(inputs()).toHaveLength(2);
    await fireEvent.input(inputs()[0], { target: { value: "Control en APS en 7 días" } });
    await fireEvent.click(screen.getByRole("button", { name: "Bajar control 1" }));
    expect((inputs()[1] as HTMLInputElement).value).toBe("Control en APS en 7 días");
    await fireEvent.click(screen.getByRole("button", { name: "Quitar control 1" }));
    expect(inputs()).toHaveLength(1);
  });
});
