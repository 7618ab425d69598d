// The real application window, started by tauri-driver under Xvfb.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AppSession, E2E_OUT, dominantColourShare } from "./webdriver.mjs";

// package.json and Cargo.toml carry the same version.
const VERSION = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url))).version;

describe("the Epicrisis window", () => {
  let app;

  before(async () => {
    // A database of its own, so nothing from another run shows.
    const work = join(E2E_OUT, "ventana");
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    app = await AppSession.start({ env: { EPICRISIS_DB: join(work, "epicrisis.sqlite3") } });
  });

  after(async () => {
    await app?.quit();
  });

  it('is titled "Epicrisis"', async () => {
    assert.equal(await app.title(), "Epicrisis");
  });

  it("welcomes a first run and closes the welcome on the clinician's answer", async () => {
    const welcome = await app.find('[data-testid="bienvenida"]');
    assert.match(await welcome.text(), /Ningún dato del paciente sale del equipo/);
    assert.equal(await app.innerText('[data-testid="ruta-base"]'), join(E2E_OUT, "ventana", "epicrisis.sqlite3"));
    await (await app.find('[data-testid="continuar-sin-modelo"]')).click();
    await app.until("la bienvenida cerrada", async () => (await app.findAll('[data-testid="bienvenida"]')).length === 0);
  });

  it("shows the header, the model status and the three regions", async () => {
    const heading = await app.find("h1");
    assert.equal(await heading.text(), "Epicrisis");
    // The version comes from the `app_info` command: this proves the IPC
    // path and the capability work in the real window.
    const version = await app.find(".version");
    assert.equal(await version.text(), `v${VERSION}`);
    assert.match(await app.innerText('[data-testid="model-status"]'), /Sin modelo cargado/);
    for (const [id, title] of [
      ["region-episodio", "Episodio"],
      ["region-epicrisis", "Epicrisis"],
      ["region-borradores", "Borradores"],
    ]) {
      const region = await app.find(`#${id}`);
      assert.equal(await region.displayed(), true, `${id} is not visible`);
      const rect = await region.rect();
      assert.ok(rect.width > 150 && rect.height > 150, `${id} is too small: ${JSON.stringify(rect)}`);
      const heading = await app.find(`#${id}-title`);
      assert.equal(await heading.text(), title);
    }
  });

  it("paints a non-blank first screen", async () => {
    const { path, png } = await app.screenshot("first-screen");
    const { share, colours } = dominantColourShare(png);
    console.log(`screenshot ${path}: ${png.width}x${png.height}, ${colours} colours, dominant ${(share * 100).toFixed(1)}%`);
    assert.ok(png.width >= 800 && png.height >= 500, `window too small: ${png.width}x${png.height}`);
    assert.ok(share < 0.9 && colours > 50, `the window looks blank (${colours} colours, dominant ${share})`);
  });
});
