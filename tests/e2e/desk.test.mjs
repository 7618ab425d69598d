// The desk a ward uses every day, in the real window: a calm first screen
// with DD/MM/AAAA dates, a service template imported in Ajustes and chosen
// by the episode's service, the shortening notice for a long stay (the e2e
// model's context is small on purpose), F8 through the findings with the
// unreviewed count, one section regenerated with an instruction while the
// rest stays byte for byte, the version's figures, and the dark theme.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AppSession, E2E_OUT, dominantColourShare } from "./webdriver.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const WORK = join(E2E_OUT, "escritorio");
const DIALOGS = join(WORK, "dialogos");
const ENV = {
  EPICRISIS_DB: join(WORK, "epicrisis.sqlite3"),
  EPICRISIS_E2E_DIALOGS: DIALOGS,
  XDG_DATA_HOME: join(WORK, "datos"),
  XDG_CONFIG_HOME: join(WORK, "config"),
};
const FOOTER = "Servicio de Medicina Interna — Hospital Base";

function writeFiles() {
  const synth = join(ROOT, "target", "debug", "examples", "synth_model");
  assert.ok(existsSync(synth), `falta ${synth}: ejecute "npm run build:e2e"`);
  const made = spawnSync(synth, ["e2e", "q8_0", join(DIALOGS, "modelo.gguf")], { stdio: "inherit" });
  assert.equal(made.status, 0, "no se pudo escribir el modelo de prueba");
  // A long stay: more course notes than the model's context holds.
  const episode = JSON.parse(readFileSync(join(ROOT, "tests", "data", "episodes", "neumonia.json"), "utf8"));
  const first = episode.evolucion_resumen[0];
  episode.evolucion_resumen = Array.from({ length: 60 }, (_, i) => ({
    dia: i + 1,
    texto: `Día ${i + 1} de hospitalización. ${first.texto} Se mantiene tratamiento y control de signos vitales cada seis horas, sin incidentes.`,
  }));
  writeFileSync(join(DIALOGS, "episodio.json"), JSON.stringify(episode, null, 2));
  writeFileSync(
    join(DIALOGS, "plantilla.json"),
    JSON.stringify({
      id: "medicina-interna",
      nombre: "Medicina Interna",
      servicios: ["Medicina Interna"],
      perfil: "instruct",
      secciones: ["motivo_ingreso", "evolucion", "diagnosticos_egreso", "indicaciones"],
      estilo: "lista",
      extension: "breve",
      instrucciones: "Menciona siempre la función renal.",
      texto_fijo: [{ seccion: "indicaciones", texto: "Ante fiebre o dificultad respiratoria, consultar en urgencia." }],
      pie: FOOTER,
    }),
  );
}

const text = (app, css) => app.innerText(css);
const count = async (app, css) => (await app.findAll(css)).length;
/** Sets a <select> as a person would, firing the change Svelte listens to. */
const choose = (app, css, value) =>
  app.execute(
    "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));",
    [css, value],
  );

describe("the desk a ward uses every day", () => {
  let app;

  before(async () => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(DIALOGS, { recursive: true });
    writeFiles();
    app = await AppSession.start({ env: ENV });
  });

  after(async () => {
    await app?.quit();
  });

  it("opens calm: no errors before anything is typed, dates as DD/MM/AAAA", async () => {
    await (await app.find('[data-testid="bienvenida-elegir-modelo"]')).click();
    await (await app.find('[data-testid="cargar-modelo"]')).click();
    await app.until("el modelo cargado", async () => /Q8_0 · CPU/.test(await text(app, '[data-testid="model-status"]')), 60_000);
    assert.match(await text(app, '[data-testid="completar"]'), /Complete los campos marcados/);
    assert.equal(await count(app, '[data-testid="formulario"] [data-testid="problemas"]'), 0, "errores antes de escribir");
    assert.ok((await count(app, ".needed")) > 0, "ningún campo marcado como necesario");
    const { path, png } = await app.screenshot("10-primera-pantalla");
    const { share } = dominantColourShare(png);
    assert.ok(share < 0.9, `${path} parece vacía`);

    const admission = await app.find("#campo-atencion-fecha_ingreso");
    assert.equal(await admission.attribute("placeholder"), "DD/MM/AAAA");
    await admission.type("2/10/2026");
    await app.until("la fecha en DD/MM/AAAA", async () =>
      (await app.execute("return document.querySelector('#campo-atencion-fecha_ingreso').value;")) === "02/10/2026",
    );
    // Asking to write shows every problem the episode still has.
    await (await app.find('[data-testid="determinista"]')).click();
    await app.until("los errores al pedir redactar", async () => (await count(app, '[data-testid="formulario"] [data-testid="problemas"]')) > 0);
    assert.match(await text(app, '[data-testid="bloqueado"]'), /Corrija los errores/);
  });

  it("imports a service template in Ajustes and lists the shortcuts", async () => {
    await (await app.find('[data-testid="abrir-ajustes"]')).click();
    await app.find('[data-testid="atajos"]'); // once the settings are read
    assert.match(await text(app, '[data-testid="atajos"]'), /Ctrl\+Shift\+E\s+Exportar PDF/);
    await (await app.find('[data-testid="importar-plantilla"]')).click();
    await app.find('[data-testid="plantilla-medicina-interna"]');
    // A built-in is duplicated and edited in the window, then saved.
    await (await app.find('[data-testid="plantilla-general"] button')).click();
    await app.find('[data-testid="plantilla-nombre"]');
    await app.execute(
      "const i = document.querySelector('[data-testid=\"plantilla-nombre\"]'); i.value = 'Cirugía'; i.dispatchEvent(new Event('input', { bubbles: true }));",
    );
    await choose(app, '[data-testid="plantilla-estilo"]', "lista");
    await app.screenshot("11-editor-plantilla");
    await (await app.find('[data-testid="guardar-plantilla"]')).click();
    await app.find('[data-testid="plantilla-general-copia"]');
    assert.match(await text(app, '[data-testid="plantilla-general-copia"]'), /Cirugía/);
    await app.screenshot("11-plantillas");
    await app.chord("\uE00C"); // Esc closes the dialog
    await app.until("Ajustes cerrado", async () => (await count(app, '[data-testid="ajustes"]')) === 0);
  });

  it("chooses the template by the episode's service and says what was left out to fit", async () => {
    await (await app.find('[data-testid="importar"]')).click();
    await app.until("el episodio importado", async () =>
      (await app.execute("return document.querySelector('#campo-atencion-fecha_ingreso').value;")) === "02/10/2026",
    );
    await app.until("la plantilla del servicio", async () =>
      /Según el servicio \(Medicina Interna\)/.test(
        await app.execute("return document.querySelector('[data-testid=\"plantilla\"]').selectedOptions[0].text;"),
      ),
    );
    await (await app.find('[data-testid="generar"]')).click();
    await app.until("texto en curso", async () => (await text(app, '[data-testid="texto-en-curso"]')).replace("▍", "").trim().length > 20, 120_000, 100);
    await app.chord("\uE00C"); // Esc stops
    const notice = await app.until("el aviso de recorte", () => text(app, '[data-testid="aviso-recorte"]'), 20_000);
    assert.match(notice, /Se omitieron \d+ de 60 notas de evolución para caber en el contexto del modelo: día \d+/);
    await (await app.find('[data-testid="detalles-version"] summary')).click();
    const details = await text(app, '[data-testid="detalles-version"]');
    assert.match(details, /Plantilla\s+medicina-interna/);
    assert.match(details, /Tokens del prompt/);
    await app.screenshot("12-recorte");
  });

  it("regenerates one section with an instruction and keeps the rest byte for byte", async () => {
    const versions = await count(app, '[data-testid="version"]');
    // Chosen in the menu beside Generar (the service's would be the same).
    await choose(app, '[data-testid="plantilla"]', "medicina-interna");
    await (await app.find('[data-testid="determinista"]')).click();
    await app.until("el borrador de la plantilla", async () => (await count(app, '[data-testid="version"]')) === versions + 1);
    const before = await text(app, '[data-testid="texto-epicrisis"]');
    assert.match(before, /^Motivo de ingreso y antecedentes\n/);
    assert.ok(before.trimEnd().endsWith(FOOTER), before.slice(-200));
    assert.match(before, /Indicaciones al alta\n[\s\S]*Ante fiebre o dificultad respiratoria/);

    await choose(app, '[data-testid="seccion"]', "evolucion");
    await (await app.find('[data-testid="indicacion"]')).type("más breve");
    await (await app.find('[data-testid="regenerar-seccion-ir"]')).click();
    await app.until("la sección en curso", async () => /Reescribiendo «Evolución»/.test(await text(app, '[data-testid="reescribiendo"]')), 20_000);
    await app.until("texto de la sección", async () => (await text(app, '[data-testid="texto-en-curso"]')).replace("▍", "").trim().length > 10, 120_000);
    await app.chord("\uE00C");
    await app.until("la versión de la sección", async () => (await count(app, '[data-testid="version"]')) === versions + 2, 20_000);
    const after = await text(app, '[data-testid="texto-epicrisis"]');
    const head = (t) => t.slice(0, t.indexOf("Evolución\n") + "Evolución\n".length);
    const tail = (t) => t.slice(t.indexOf("\nDiagnósticos de egreso\n"));
    assert.equal(head(after), head(before));
    assert.equal(tail(after), tail(before));
    assert.notEqual(after, before);
    assert.match(await text(app, '[data-testid="version-seccion"]'), /reescribió «Evolución» con la indicación «más breve»/);
    await (await app.find('[data-testid="detalles-version"] summary')).click();
    assert.match(await text(app, '[data-testid="detalles-version"]'), /Sección regenerada\s+Evolución/);
    await app.screenshot("14-seccion-regenerada");
  });

  it("walks the findings with F8 beside the text and counts those not yet reviewed", async () => {
    // An edit that contradicts the episode: the check flags it.
    await (await app.find('[data-testid="editar"]')).click();
    const editor = await app.find('[data-testid="editor"]');
    await editor.type(" Paciente masculino de 40 años, alérgico a la penicilina.");
    await (await app.find("#buscar-borradores")).click(); // blur saves at once
    await (await app.find('[data-testid="editar"]')).click(); // back to the review
    const before = await app.until("los hallazgos de la edición", () => text(app, '[data-testid="sin-revisar"]'), 20_000);
    const total = Number(/(\d+) sin revisar/.exec(before)?.[1]);
    assert.ok(total >= 1, before);
    const [list, body] = await Promise.all([
      (await app.find('[data-testid="hallazgos"]')).rect(),
      (await app.find('[data-testid="texto-epicrisis"]')).rect(),
    ]);
    assert.ok(list.x > body.x + body.width - 1, `la lista no está al lado del texto: ${JSON.stringify({ list, body })}`);
    await app.execute("document.activeElement?.blur();");
    await app.chord("\uE038"); // F8
    await app.until("un hallazgo revisado", async () => {
      const now = await text(app, '[data-testid="sin-revisar"]');
      return total === 1 ? /Todos los hallazgos revisados/.test(now) : now.includes(`${total - 1} sin revisar`);
    });
    assert.notEqual(await app.execute("return document.activeElement.getAttribute('data-finding');"), null);
    await app.screenshot("13-hallazgos-al-lado");
  });

  it("follows the system's dark theme", async () => {
    await app.quit();
    app = await AppSession.start({ env: { ...ENV, GTK_THEME: "Adwaita:dark" } });
    const dark = await app.until("el tema oscuro", () =>
      app.execute("return window.matchMedia('(prefers-color-scheme: dark)').matches;"),
    );
    assert.equal(dark, true);
    const background = await app.execute("return getComputedStyle(document.documentElement).backgroundColor;");
    assert.equal(background, "rgb(18, 24, 28)");
    await (await app.find('[data-testid="borrador"] .open-draft')).click();
    await app.find('[data-testid="texto-epicrisis"]');
    await app.screenshot("15-tema-oscuro");
  });
});
