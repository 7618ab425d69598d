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

/** The package of `kind` ("deb" or "rpm") from `npm run build:e2e`, or the
 * one EPICRISIS_DEB / EPICRISIS_RPM names. */
function packagePath(kind) {
  const given = process.env[`EPICRISIS_${kind.toUpperCase()}`];
  if (given) return given;
  const dir = join(ROOT, "target", "debug", "bundle", kind);
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(`.${kind}`)) : [];
  assert.equal(found.length, 1, `se esperaba un .${kind} en ${dir}: ejecute "npm run build:e2e"`);
  return join(dir, found[0]);
}

/** Bytes of every regular file under `dir`: the installed size. */
function treeBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

// What both packages install, and the files that must not be there twice.
const INSTALLED = [
  "usr/bin/epicrisis-app",
  "usr/bin/epicrisis",
  "usr/share/applications/Epicrisis.desktop",
  "usr/share/icons/hicolor/128x128/apps/epicrisis-app.png",
  "usr/share/icons/hicolor/512x512/apps/epicrisis-app.png",
  "usr/share/doc/epicrisis/copyright",
];

/** `/usr/bin/epicrisis` is the launcher of the one executable, not a
 * second copy of candle, typst and the fonts. */
function assertOneBinary(root) {
  const app = statSync(join(root, "usr/bin/epicrisis-app")).size;
  const cli = statSync(join(root, "usr/bin/epicrisis")).size;
  assert.ok(cli < 4096, `usr/bin/epicrisis ocupa ${cli} bytes: debe ser el lanzador, no otro binario`);
  assert.match(readFileSync(join(root, "usr/bin/epicrisis"), "utf8"), /epicrisis-app" cli "\$@"/);
  const elves = INSTALLED.filter((f) => readFileSync(join(root, f)).subarray(0, 4).toString("latin1") === "\x7fELF");
  assert.deepEqual(elves, ["usr/bin/epicrisis-app"], "un solo ejecutable en el paquete");
  return app;
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
    deb = packagePath("deb");
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(HOME, { recursive: true });
    run("dpkg-deb", ["-x", deb, INSTALL]);
  });

  after(() => {
    const size = statSync(deb).size;
    const figures = { deb, deb_bytes: size, installed_bytes: treeBytes(INSTALL), ...timings };
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
    for (const file of INSTALLED) {
      assert.ok(existsSync(join(INSTALL, file)), `falta ${file} en el paquete`);
    }
    assertOneBinary(INSTALL);
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

  it("starts on a CPU without AVX, drafts, and refuses models in Spanish", () => {
    // qemu's user-mode Nehalem (2008): SSE4.2, no AVX, AVX2, FMA or F16C,
    // like the Celeron and Pentium PCs of many public hospitals. The
    // executable is the one the window runs; its first instructions must
    // not need more than baseline x86-64.
    const qemu = spawnSync("sh", ["-c", "command -v qemu-x86_64"], { encoding: "utf8" }).stdout.trim();
    assert.ok(qemu, 'falta qemu-x86_64 (paquete "qemu-user"; scripts/bootstrap.sh lo instala)');
    const app = join(INSTALL, "usr/bin/epicrisis-app");
    const old = (args) => spawnSync(qemu, ["-cpu", "Nehalem", app, "cli", ...args], { encoding: "utf8", env: { ...process.env, ...ENV } });
    const episode = join(ROOT, "tests", "data", "episodes", "neumonia.json");
    const drafted = old(["draft", episode]);
    assert.equal(drafted.status, 0, `sin AVX: ${drafted.stderr} (señal ${drafted.signal})`);
    assert.match(drafted.stdout, /^Paciente femenina de 75 años/m);
    const pdf = join(WORK, "sin-avx.pdf");
    const exported = old(["export", episode, "--pdf", pdf]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), "%PDF-");
    const generated = old(["generate", episode, "--model", join(WORK, "no-importa.gguf")]);
    assert.equal(generated.status, 1, generated.stderr);
    assert.match(generated.stderr, /no tiene las instrucciones AVX2, FMA, F16C/);
    assert.match(generated.stdout, /^Paciente femenina de 75 años/m, "la epicrisis determinista se entrega igual");
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

  it("builds an .rpm with the same files, one binary and its dependencies declared", () => {
    const rpm = packagePath("rpm");
    const query = (format) => run("rpm", ["-qp", "--nosignature", "--queryformat", format, rpm]).trim();
    assert.equal(query("%{NAME}"), "epicrisis");
    assert.equal(query("%{VERSION}"), VERSION);
    assert.match(query("%{SUMMARY}"), /Epicrisis/);
    const listed = run("rpm", ["-qpl", "--nosignature", rpm]).split("\n").filter(Boolean);
    for (const file of INSTALLED) assert.ok(listed.includes(`/${file}`), `falta /${file} en el .rpm:\n${listed.join("\n")}`);
    const requires = run("rpm", ["-qpR", "--nosignature", rpm]);
    assert.match(requires, /webkit2gtk4\.1|libwebkit2gtk-4\.1/);
    const root = join(WORK, "raiz-rpm");
    mkdirSync(root, { recursive: true });
    run("sh", ["-c", `cd "${root}" && rpm2cpio "${rpm}" | cpio -idm --quiet`]);
    assertOneBinary(root);
    assert.equal(run(join(root, "usr/bin/epicrisis"), ["--version"]).trim(), `epicrisis ${VERSION}`);
    timings.rpm_bytes = statSync(rpm).size;
    timings.rpm_installed_bytes = treeBytes(root);
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
