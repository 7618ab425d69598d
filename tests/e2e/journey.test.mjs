// The clinician's whole job in the real window, with a small random model
// the test writes itself (its text is nonsense; the mechanics are real):
// first-run welcome → model chosen there, copied and loaded with progress →
// import → validation warning → stream → stop → regenerate → findings →
// edit → restart → export a PDF → copy the text, export Markdown → zoom →
// the support log holds none of the patient's strings.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AppSession, E2E_OUT, sleep } from "./webdriver.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const WORK = join(E2E_OUT, "recorrido");
const DIALOGS = join(WORK, "dialogos");
const DATA = join(WORK, "datos");
const ENV = {
  EPICRISIS_DB: join(WORK, "epicrisis.sqlite3"),
  EPICRISIS_E2E_DIALOGS: DIALOGS,
  // The support log and the window's geometry go here, not to the
  // developer's own folders.
  XDG_DATA_HOME: DATA,
  XDG_CONFIG_HOME: join(WORK, "config"),
};
const LOGS = join(DATA, "cl.epicrisis.app", "logs");

function writeModel() {
  const synth = join(ROOT, "target", "debug", "examples", "synth_model");
  assert.ok(existsSync(synth), `falta ${synth}: ejecute "npm run build:e2e"`);
  const made = spawnSync(synth, ["e2e", "q8_0", join(DIALOGS, "modelo.gguf")], { stdio: "inherit" });
  assert.equal(made.status, 0, "no se pudo escribir el modelo de prueba");
}

function writeEpisode() {
  const episode = JSON.parse(readFileSync(join(ROOT, "tests", "data", "episodes", "neumonia.json"), "utf8"));
  // A discharge drug without its dose: a warning, which must not block.
  delete episode.indicaciones_alta.medicamentos[1].dosis;
  writeFileSync(join(DIALOGS, "episodio.json"), JSON.stringify(episode, null, 2));
  return episode;
}

const text = (app, css) => app.innerText(css);

describe("the clinician's journey", () => {
  let app;
  let episode;

  before(async () => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(DIALOGS, { recursive: true });
    writeModel();
    episode = writeEpisode();
    app = await AppSession.start({ env: ENV });
  });

  after(async () => {
    await app?.quit();
  });

  it("welcomes a first run, where the model is chosen, copied on request and loaded with progress", async () => {
    const welcome = await app.find('[data-testid="bienvenida"]');
    assert.match(await welcome.text(), /Ningún dato del paciente sale del equipo/);
    assert.equal(await text(app, '[data-testid="ruta-base"]'), ENV.EPICRISIS_DB);
    await app.screenshot("00-bienvenida");
    await (await app.find('[data-testid="bienvenida-elegir-modelo"]')).click();
    const facts = await app.find('[data-testid="vista-modelo"]');
    assert.match(await facts.text(), /Q8_0/);
    assert.match(await text(app, '[data-testid="memoria-necesaria"]'), /MB/);
    await (await app.find('[data-testid="copiar-modelo"]')).click();
    await app.screenshot("02-vista-modelo");
    await (await app.find('[data-testid="cargar-modelo"]')).click();
    const status = await app.until("el modelo cargado", async () => {
      const t = await text(app, '[data-testid="model-status"]');
      return /Q8_0 · CPU/.test(t) && t;
    });
    assert.match(status, /Q8_0/);
    const reports = Number(await (await app.find('[data-testid="model-status"]')).attribute("data-progress-reports"));
    assert.ok(reports > 5, `la barra recibió ${reports} avances`);
    // Copied because the box was ticked; the original stays where it was.
    const copy = join(WORK, "modelos", "modelo", "modelo.gguf");
    assert.ok(existsSync(copy), `no se copió el modelo a ${copy}`);
    assert.equal(statSync(copy).size, statSync(join(DIALOGS, "modelo.gguf")).size);
    assert.ok(existsSync(join(DIALOGS, "modelo.gguf")));
  });

  it("imports an episode and shows its validation warning beside the field", async () => {
    await (await app.find('[data-testid="importar"]')).click();
    const summary = await app.until("la advertencia de validación", async () => {
      const t = await text(app, '[data-testid="resumen-validacion"]');
      return /advertencia/.test(t) && !/error/.test(t) && t;
    });
    assert.match(summary, /1 advertencia/);
    const field = await app.find("#campo-indicaciones_alta-medicamentos-1--dosis-problemas");
    assert.match(await field.text(), /Advertencia/);
    const name = await app.find("#campo-paciente-nombre");
    assert.equal(await name.attribute("value"), episode.paciente.nombre);
    await app.screenshot("01-episodio-importado");
  });

  it("streams the text, stops within moments, and regenerates to the end", async () => {
    await (await app.find("#campo-paciente-nombre")).click();
    await app.chord("\uE009", "\uE007"); // Ctrl+Enter
    const seen = new Set();
    await app.until("tres textos parciales sucesivos", async () => {
      const partial = await text(app, '[data-testid="texto-en-curso"]');
      if (partial.replace("▍", "").trim()) seen.add(partial);
      return seen.size >= 3;
    }, 60_000, 50);
    await app.screenshot("03-generando");
    await (await app.find('[data-testid="detener"]')).click();
    const stats = await app.until("la detención", async () => {
      const t = await text(app, '[data-testid="estadisticas"]');
      return /detenida/.test(t) && t;
    }, 5_000, 50);
    assert.match(stats, /tokens\/s/);
    const stopped = await text(app, '[data-testid="texto-epicrisis"]');
    await sleep(700);
    assert.equal(await text(app, '[data-testid="texto-epicrisis"]'), stopped, "el texto siguió creciendo");
    await app.screenshot("04-detenida");

    await (await app.find('[data-testid="generar"]')).click();
    await app.until("el fin de la regeneración", async () => {
      const t = await text(app, '[data-testid="estadisticas"]');
      return /terminada|máximo/.test(t) && t;
    }, 240_000, 250);
    const versions = await app.findAll('[data-testid="version"]');
    assert.equal(versions.length, 2);
  });

  it("lists the findings and marks them in the text", async () => {
    const findings = await text(app, '[data-testid="hallazgos"]');
    assert.match(findings, /Revisión contra el episodio \(\d+\)/);
    assert.match(findings, /diagn/i);
    const body = await text(app, '[data-testid="texto-epicrisis"]');
    assert.match(body, /^Paciente femenina de 75 años/, "falta la línea del paciente");
    assert.match(body, /Controles:\n- Control en policlínico de Medicina Interna en 7 días/, "faltan los controles");
    // Source links: the patient line the app writes is confirmed against the
    // episode, and says where ("Coincide con el episodio (paciente.sexo)").
    const confirmed = await app.until("los datos confirmados", async () => {
      const spans = await app.findAll("[data-confirmed]");
      return spans.length > 0 && spans;
    }, 15_000);
    const titles = await Promise.all(confirmed.map((c) => c.attribute("title")));
    assert.ok(titles.some((t) => /^Coincide con el episodio \(paciente\.(sexo|edad)\)/.test(t)), titles.join(" | "));
    // F8 walks the findings that have a place in the text.
    if ((await app.findAll("mark[data-finding]")).length > 0) {
      await app.chord("\uE038");
      const focused = await app.execute("return document.activeElement.getAttribute('data-finding')");
      assert.notEqual(focused, null, "F8 no llevó a un hallazgo");
    }
    await app.screenshot("05-hallazgos");
  });

  it("records which weights wrote the text", async () => {
    const hash = createHash("sha256").update(readFileSync(join(DIALOGS, "modelo.gguf"))).digest("hex");
    const shown = await app.until("la huella del modelo", () =>
      app.execute(`return [...document.querySelectorAll('[data-testid="huella-modelo"]')].map((e) => e.textContent);`),
    );
    assert.ok(shown.length >= 1, "ninguna versión muestra su modelo");
    for (const value of shown) assert.equal(value, hash);
  });

  it("keeps an edit as a new version", async () => {
    await (await app.find('[data-testid="editar"]')).click();
    const editor = await app.find('[data-testid="editor"]');
    await editor.type(" Evoluciona favorablemente.");
    await (await app.find("#buscar-borradores")).click(); // blur saves at once
    await app.until("la versión de la edición", async () => (await app.findAll('[data-testid="version"]')).length === 3);
    assert.match(await text(app, '[data-testid="historial"]'), /v3 · Edición/);
    await app.screenshot("06-editada");
  });

  it("finds the draft after a restart and exports it as PDF", async () => {
    await app.quit();
    app = await AppSession.start({ env: ENV });
    const draft = await app.until("el borrador en la lista", async () => {
      const drafts = await app.findAll('[data-testid="borrador"]');
      return drafts.length === 1 && drafts[0];
    });
    assert.match(await draft.text(), /María Inés Soto Carrasco/);
    assert.equal((await app.findAll('[data-testid="bienvenida"]')).length, 0, "la bienvenida volvió a aparecer");
    await (await app.find('[data-testid="borrador"] .open-draft')).click();
    await app.until("la epicrisis abierta", async () => /Evoluciona favorablemente/.test(await text(app, '[data-testid="texto-epicrisis"]')));
    await (await app.find('[data-testid="exportar-pdf"]')).click();
    const pdf = join(DIALOGS, `${episode.id_atencion}.pdf`);
    try {
      await app.until("el PDF exportado", async () => existsSync(pdf) && /exportada/.test(await text(app, '[data-testid="aviso"]')), 60_000);
    } catch (error) {
      await app.screenshot("07-exportacion-fallida");
      throw error;
    }
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), "%PDF-");
    await app.screenshot("07-exportada");
  });

  it("copies the text for the clinical record and exports Markdown", async () => {
    const shown = await text(app, '[data-testid="texto-epicrisis"]');
    await (await app.find('[data-testid="copiar-texto"]')).click();
    const copied = join(DIALOGS, "portapapeles.txt");
    await app.until("el texto copiado", async () => existsSync(copied) && /copiado al portapapeles/.test(await text(app, '[data-testid="aviso"]')));
    const pasted = readFileSync(copied, "utf8");
    assert.match(pasted, /Evoluciona favorablemente/);
    const words = (t) => t.split(/\s+/).filter(Boolean).join(" ");
    assert.equal(words(pasted), words(shown), "lo copiado no es el texto mostrado");
    await (await app.find('[data-testid="exportar-markdown"]')).click();
    const md = join(DIALOGS, `${episode.id_atencion}.md`);
    await app.until("el Markdown exportado", async () => existsSync(md));
    assert.match(readFileSync(md, "utf8"), /^# EPICRISIS$/m);
  });

  it("zooms with Ctrl +, − and 0", async () => {
    const width = () => app.execute("return window.innerWidth;");
    const normal = await width();
    await app.chord("\uE009", "=");
    await app.until("la ventana ampliada", async () => (await width()) < normal);
    await app.chord("\uE009", "0");
    await app.until("el tamaño normal", async () => (await width()) === normal);
    await app.chord("\uE009", "-");
    await app.until("la ventana reducida", async () => (await width()) > normal);
    await app.chord("\uE009", "0");
    await app.until("el tamaño normal otra vez", async () => (await width()) === normal);
  });

  it("shows the versions and the log folder in Ajustes → Diagnóstico", async () => {
    await (await app.find('[data-testid="abrir-ajustes"]')).click();
    const diag = await app.find('[data-testid="diagnostico"]');
    await app.until("las versiones", async () => /Motor de inferencia/.test(await diag.text()));
    const shown = await diag.text();
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    assert.equal(await text(app, '[data-testid="version-app"]'), version);
    assert.match(shown, /esquema \d+/);
    assert.ok(shown.includes(LOGS), `no muestra ${LOGS}:\n${shown}`);
    await (await app.find('[data-testid="abrir-registros"]')).click();
    await app.until("la carpeta de registros", async () => (await text(app, '[data-testid="aviso"]')).includes(LOGS));
    await app.screenshot("08-diagnostico");
  });

  it("logs what support needs and nothing of the patient", async () => {
    await app.quit();
    app = null;
    const files = existsSync(LOGS) ? readdirSync(LOGS).filter((f) => f.endsWith(".log")) : [];
    assert.ok(files.length >= 1, `no hay registro en ${LOGS}`);
    const log = files.map((f) => readFileSync(join(LOGS, f), "utf8")).join("\n");
    for (const expected of [/model loaded: .*Q8_0/, /generation finished/, /store opened/, /export written: .*pdf/i, /text copied/]) {
      assert.match(log, expected);
    }
    const narrative = readFileSync(join(DIALOGS, "portapapeles.txt"), "utf8");
    const patient = [
      episode.paciente.nombre,
      ...episode.paciente.nombre.split(/\s+/).filter((w) => w.length > 3),
      episode.paciente.rut,
      episode.paciente.rut.replace(/\./g, ""),
      String(episode.id_atencion),
      episode.motivo_ingreso,
      ...episode.diagnostico_egreso.map((d) => d.nombre),
      // Any stretch of the generated and edited text.
      ...narrative.split(/\n+/).filter((l) => l.length > 24).map((l) => l.slice(0, 24)),
    ].filter(Boolean);
    for (const secret of patient) {
      assert.ok(!log.includes(secret), `el registro contiene «${secret}»`);
    }
  });
});
