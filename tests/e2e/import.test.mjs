// The hospital's own fine-tune in the real window: a Hugging Face folder
// the test writes itself (random weights, the real Qwen tokenizer) is
// picked, imported with progress, its quality report read, the result
// loaded and used to write an epicrisis.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AppSession, E2E_OUT } from "./webdriver.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const WORK = join(E2E_OUT, "importacion");
const DIALOGS = join(WORK, "dialogos");
const ENV = { EPICRISIS_DB: join(WORK, "epicrisis.sqlite3"), EPICRISIS_E2E_DIALOGS: DIALOGS };

function writeCheckpoint() {
  const bench = join(ROOT, "target", "debug", "examples", "import_bench");
  assert.ok(existsSync(bench), `falta ${bench}: ejecute "npm run build:e2e"`);
  const made = spawnSync(bench, ["checkpoint", join(DIALOGS, "modelo-afinado"), "tiny-qwen2"], { stdio: "inherit" });
  assert.equal(made.status, 0, "no se pudo escribir el modelo afinado de prueba");
}

const text = (app, css) => app.innerText(css);

describe("importing a fine-tuned model", () => {
  let app;

  before(async () => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(DIALOGS, { recursive: true });
    writeCheckpoint();
    const episode = readFileSync(join(ROOT, "tests", "data", "episodes", "neumonia.json"), "utf8");
    writeFileSync(join(DIALOGS, "episodio.json"), episode);
    app = await AppSession.start({ env: ENV });
  });

  after(async () => {
    await app?.quit();
  });

  it("imports the folder with progress and a quality report, then loads and uses it", async () => {
    await (await app.find('[data-testid="continuar-sin-modelo"]')).click();
    await (await app.find('[data-testid="importar-modelo"]')).click();
    await (await app.find('[data-testid="elegir-afinado"]')).click();
    const summary = await app.until("lo encontrado en la carpeta", async () => {
      const t = await text(app, '[data-testid="resumen-afinado"]');
      return /Qwen2ForCausalLM/.test(t) && t;
    });
    assert.match(summary, /tensores en BF16/);
    assert.match(summary, /con plantilla de chat/);
    await app.screenshot("10-importar-resumen");
    await (await app.find('[data-testid="tipo-q8_0"]')).click();
    await (await app.find('[data-testid="iniciar-importacion"]')).click();
    let reports = 0;
    const report = await app.until("el informe de calidad", async () => {
      const bar = await app.findAll('[data-testid="progreso-importacion"]');
      if (bar.length) reports = Math.max(reports, Number(await bar[0].attribute("data-progress-reports")));
      const found = await app.findAll('[data-testid="informe-calidad"]');
      return found.length > 0 && (await found[0].text());
    }, 240_000, 100);
    assert.ok(reports > 3, `la barra recibió ${reports} avances`);
    assert.match(report, /Q8_0/);
    assert.match(report, /Recomendación|pruebe/);
    await app.screenshot("11-importar-informe");
    const folder = join(WORK, "modelos", "modelo-afinado-q8_0");
    assert.deepEqual(readdirSync(folder).sort(), ["modelo-afinado-q8_0.gguf", "modelo-afinado-q8_0.informe.json"]);
    // The source folder is as the test wrote it.
    assert.deepEqual(readdirSync(join(DIALOGS, "modelo-afinado")).sort(), [
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);

    await (await app.find('[data-testid="cargar-importado"]')).click();
    await app.until("el modelo importado cargado", async () => {
      const t = await text(app, '[data-testid="model-status"]');
      return /modelo-afinado · Q8_0 · CPU/.test(t) && t;
    }, 60_000);

    await (await app.find('[data-testid="importar"]')).click();
    await app.until("el episodio importado", async () => /Soto/.test(await (await app.find("#campo-paciente-nombre")).attribute("value")));
    // Validation runs after the import; the button is enabled once it has.
    const generate = await app.until("el botón Generar habilitado", async () => {
      const button = await app.find('[data-testid="generar"]');
      return (await button.enabled()) && button;
    });
    await generate.click();
    let stats;
    try {
      stats = await app.until("el fin de la redacción", async () => {
        const t = await text(app, '[data-testid="estadisticas"]');
        return /terminada|máximo/.test(t) && t;
      }, 240_000, 250);
    } catch (error) {
      await app.screenshot("12-importado-redaccion-fallida");
      throw error;
    }
    assert.match(stats, /tokens\/s/);
    assert.equal((await app.findAll('[data-testid="version"]')).length, 1);
    await app.screenshot("12-importado-redacta");
  });
});
