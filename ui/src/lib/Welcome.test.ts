import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Welcome from "./Welcome.svelte";
import type { StartChoice } from "./backend";

describe("first-run welcome", () => {
  afterEach(cleanup);

  function show() {
    const chosen: StartChoice[] = [];
    render(Welcome, {
      database: "/home/medico/.local/share/epicrisis/epicrisis.sqlite3",
      onchoose: (choice: StartChoice) => chosen.push(choice),
    });
    return chosen;
  }

  it("says where the data lives and that nothing leaves the computer", () => {
    show();
    const dialog = screen.getByRole("dialog", { name: "Bienvenido a Epicrisis" });
    expect(screen.getByTestId("ruta-base").textContent).toBe("/home/medico/.local/share/epicrisis/epicrisis.sqlite3");
    expect(dialog.textContent).toContain("Ningún dato del paciente sale del equipo");
    expect(dialog.textContent).toContain("Desinstalar la aplicación no borra ese archivo");
  });

  it("offers a model or the deterministic draft, and Esc means no model", async () => {
    const chosen = show();
    await fireEvent.click(screen.getByRole("button", { name: "Elegir modelo…" }));
    await fireEvent.click(screen.getByRole("button", { name: "Continuar sin modelo (borrador determinista)" }));
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(chosen).toEqual(["model", "deterministic", "deterministic"]);
  });
});
