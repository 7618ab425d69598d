// The .deb as a clinician's machine gets it: unpacked into a clean root
// (dpkg-deb -x, the same files dpkg -i would place), then the *installed*
// binary started in the real window with an empty home, so the first-run
// welcome shows and the default database location is used. Also measures
// the cold start, launch to a usable form, for docs/benchmarks.md.
//
// The package comes from `npm run build:e2e` (a debug .deb); set
// EPICRISIS_DEB to test another, e.g. the release one from `npm run bundle`.
// EPICRISIS_COLD=1 (root only) empties the page cache before the first
// launch, so the first start reads the app and WebKit from disk.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AppSession, E2E_OUT } from "./webdriver.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const WORK = join(E2E_OUT, "instalado");
const INSTALL = join(WORK, "raiz");
const HOME = join(WORK, "home");
const DATABASE = join(HOME, ".local", "share", "cl.epicrisis.app", "epicrisis.sqlite3");
// A clean user: nothing from the developer's own database or settings.
const ENV = {
  HOME,
  XDG_DATA_HOME: join(HOME, ".local", "share"),
  XDG_CONFIG_HOME: join(HOME, ".config"),
  XDG_CACHE_HOME: join(HOME, ".cache"),
  EPICRISIS_DB: "",
  EPICRISIS_E2E_DIALOGS: "",
};

function debPath() {
  if (process.env.EPICRISIS_DEB) return process.env.EPICRISIS_DEB;
  const dir = join(ROOT, "target", "debug", "bundle", "deb");
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".deb")) : [];
  assert.equal(found.length, 1, `se esperaba un .deb en ${dir}: ejecute "npm run build:e2e"`);
  return join(dir, found[0]);
}

function run(command, args) {
  const done = spawnSync(command, args, { encoding: "utf8" });
  assert.equal(done.status, 0, `${command} ${args.join(" ")}: ${done.stderr}`);
  return done.stdout;
}

/** Milliseconds from launch until the form takes typing. */
async function formReady(app) {
  const field = await app.find("#campo-paciente-nombre", 30_000);
  await app.until("el formulario habilitado", async () => await field.enabled());
  return performance.now() - app.launchedAt;
}

describe("the installed package", () => {
  let deb;
  const timings = {};

  before(() => {
    deb = debPath();
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(HOME, { recursive: true });
    run("dpkg-deb", ["-x", deb, INSTALL]);
  });

  after(() => {
    const size = statSync(deb).size;
    const figures = { deb, deb_bytes: size, ...timings };
    writeFileSync(join(WORK, "arranque.json"), JSON.stringify(figures, null, 2));
    console.log(`installed package: ${deb} ${(size / 2 ** 20).toFixed(1)} MiB; cold start ${JSON.stringify(timings)}`);
  });

  it("declares what it is and what it needs, all present on this system", () => {
    const field = (name) => run("dpkg-deb", ["-f", deb, name]).trim();
    assert.equal(field("Package"), "epicrisis");
    assert.equal(field("Version"), VERSION);
    assert.equal(field("Section"), "science");
    assert.match(field("Description"), /ningún dato del paciente sale del equipo/);
    const depends = field("Depends").split(",").map((d) => d.trim().split(" ")[0]);
    assert.ok(depends.includes("libwebkit2gtk-4.1-0"), `Depends: ${depends}`);
    // The same check dpkg -i makes: every dependency is installed here.
    const missing = depends.filter((name) => {
      const q = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
      return !/install ok installed/.test(q.stdout);
    });
    assert.deepEqual(missing, [], "dependencias sin instalar");
  });

  it("installs the app, the command-line tool, the menu entry, icons and the license", () => {
    for (const file of [
      "usr/bin/epicrisis-app",
      "usr/bin/epicrisis",
      "usr/share/applications/Epicrisis.desktop",
      "usr/share/icons/hicolor/128x128/apps/epicrisis-app.png",
      "usr/share/icons/hicolor/512x512/apps/epicrisis-app.png",
      "usr/share/doc/epicrisis/copyright",
    ]) {
      assert.ok(existsSync(join(INSTALL, file)), `falta ${file} en el paquete`);
    }
    const desktop = readFileSync(join(INSTALL, "usr/share/applications/Epicrisis.desktop"), "utf8");
    assert.match(desktop, /^Name=Epicrisis$/m);
    assert.match(desktop, /^Exec=epicrisis-app$/m);
    assert.match(desktop, /^Icon=epicrisis-app$/m);
    assert.match(desktop, /^Categories=Office;Science;MedicalSoftware;$/m);
    run("desktop-file-validate", [join(INSTALL, "usr/share/applications/Epicrisis.desktop")]);
    assert.match(readFileSync(join(INSTALL, "usr/share/doc/epicrisis/copyright"), "utf8"), /License: MIT or Apache-2.0/);
  });

  it("runs the installed command-line tool", () => {
    const cli = join(INSTALL, "usr/bin/epicrisis");
    assert.equal(run(cli, ["--version"]).trim(), `epicrisis ${VERSION}`);
    const text = run(cli, ["draft", join(ROOT, "tests", "data", "episodes", "neumonia.json")]);
    assert.match(text, /^Paciente femenina de 75 años/m);
  });

  it("opens the installed app's window with the first-run welcome", async () => {
    if (process.env.EPICRISIS_COLD === "1") {
      run("sh", ["-c", "sync && echo 3 > /proc/sys/vm/drop_caches"]);
      timings.page_cache = "dropped";
    }
    const app = await AppSession.start({ application: join(INSTALL, "usr/bin/epicrisis-app"), env: ENV });
    try {
      assert.equal(await app.title(), "Epicrisis");
      await app.find('[data-testid="bienvenida"]', 30_000);
      timings.first_launch_to_welcome_ms = Math.round(performance.now() - app.launchedAt);
      const welcome = await app.innerText('[data-testid="bienvenida"]');
      assert.match(welcome, /Ningún dato del paciente sale del equipo/);
      assert.equal(await app.innerText('[data-testid="ruta-base"]'), DATABASE);
      await app.screenshot("instalado-bienvenida");
      await (await app.find('[data-testid="continuar-sin-modelo"]')).click();
      await app.until("la bienvenida cerrada", async () => (await app.findAll('[data-testid="bienvenida"]')).length === 0);
      await (await app.find("#campo-paciente-nombre")).type("Prueba");
    } finally {
      await app.quit();
    }
    assert.ok(existsSync(DATABASE), `la base de datos no quedó en ${DATABASE}`);
  });

  it("remembers the answer: the next start goes straight to the form", async () => {
    const app = await AppSession.start({ application: join(INSTALL, "usr/bin/epicrisis-app"), env: ENV });
    try {
      timings.launch_to_form_ms = Math.round(await formReady(app));
      assert.equal((await app.findAll('[data-testid="bienvenida"]')).length, 0, "la bienvenida volvió a aparecer");
      assert.match(await app.innerText('[data-testid="model-status"]'), /Sin modelo cargado/);
      await app.screenshot("instalado-formulario");
    } finally {
      await app.quit();
    }
  });
});
