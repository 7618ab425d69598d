import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import App from "./App.svelte";

describe("first screen", () => {
  afterEach(cleanup);

  it("shows the app name and that no model is loaded", () => {
    render(App);
    expect(screen.getByRole("heading", { level: 1, name: "Epicrisis" })).toBeTruthy();
    expect(screen.getByTestId("model-status").textContent).toContain("Sin modelo cargado");
  });

  it("has the three work regions with headings and empty states", () => {
    render(App);
    for (const [name, empty] of [
      ["Episodio", "Aún no hay un episodio abierto"],
      ["Epicrisis", "La epicrisis aparecerá aquí"],
      ["Borradores", "No hay borradores guardados"],
    ]) {
      const region = screen.getByRole("region", { name });
      expect(region.textContent).toContain(empty);
    }
  });
});
