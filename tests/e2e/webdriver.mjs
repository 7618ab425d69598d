// A minimal W3C WebDriver client for the real Epicrisis window.
//
// tauri-driver speaks WebDriver and forwards to WebKitWebDriver, which drives
// the WebKitGTK view inside our binary. We talk to it with plain fetch so the
// end-to-end tests need no browser-automation framework (and download none).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const E2E_OUT = join(ROOT, "target", "e2e");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

function which(name) {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** The app binary built with the UI embedded (`npm run build:e2e`). */
export function appBinary() {
  const path = process.env.EPICRISIS_APP ?? join(ROOT, "target", "debug", "epicrisis-app");
  if (!existsSync(path)) {
    throw new Error(`No existe el binario de la aplicación en ${path}: ejecute "npm run build:e2e" antes de "npm run test:e2e".`);
  }
  return path;
}

/** tauri-driver and WebKitWebDriver must both be present: a missing driver fails the run, never skips it. */
export function driverPaths() {
  const tauriDriver =
    process.env.TAURI_DRIVER ?? which("tauri-driver") ?? join(homedir(), ".cargo", "bin", "tauri-driver");
  if (!existsSync(tauriDriver)) {
    throw new Error("tauri-driver no está instalado: ejecute \"cargo install --locked tauri-driver\".");
  }
  const webkitDriver = which("WebKitWebDriver");
  if (!webkitDriver) {
    throw new Error("WebKitWebDriver no está instalado: instale el paquete Debian \"webkit2gtk-driver\".");
  }
  return { tauriDriver, webkitDriver };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Running processes of `executable` (Linux /proc; the harness runs under Xvfb). */
function processesOf(executable) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) === executable) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Waits up to `ms` for `executable` to have no process; returns those left. */
async function exited(executable, ms) {
  const deadline = Date.now() + ms;
  while (processesOf(executable).length && Date.now() < deadline) await sleep(100);
  return processesOf(executable);
}

/** Signals `pids`, ignoring those already gone. */
function signal(pids, name) {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

async function waitForDriver(base, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const response = await fetch(`${base}/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`tauri-driver no respondió en ${base}`);
    await sleep(100);
  }
}

export class AppSession {
  constructor(base, sessionId, driver, launchedAt, application) {
    this.base = base;
    this.sessionId = sessionId;
    this.driver = driver;
    this.application = realpathSync(application);
    /** performance.now() just before the driver was asked to start the app. */
    this.launchedAt = launchedAt;
  }

  /** Starts `application` (the build tree's binary unless told otherwise,
   * e.g. an installed one) with `env` added to this process's environment. */
  static async start({ env = {}, application = appBinary() } = {}) {
    const { tauriDriver, webkitDriver } = driverPaths();
    const port = await freePort();
    const nativePort = await freePort();
    const driver = spawn(
      tauriDriver,
      ["--port", String(port), "--native-port", String(nativePort), "--native-driver", webkitDriver],
      { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } },
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForDriver(base, 15_000);
      const launchedAt = performance.now();
      const created = await request(base, "POST", "/session", {
        capabilities: { alwaysMatch: { "tauri:options": { application } } },
      });
      return new AppSession(base, created.sessionId, driver, launchedAt, application);
    } catch (error) {
      driver.kill("SIGTERM");
      throw error;
    }
  }

  command(method, path, body) {
    return request(this.base, method, `/session/${this.sessionId}${path}`, body);
  }

  title() {
    return this.command("GET", "/title");
  }

  /** Waits until an element matching `css` exists, as the UI renders asynchronously. */
  async find(css, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const found = await this.command("POST", "/element", { using: "css selector", value: css });
        return new Element(this, found[ELEMENT]);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no apareció el elemento ${css}: ${error.message}`);
        await sleep(150);
      }
    }
  }

  /** The rendered text of the first element matching `css`, as the user
   * reads it (WebKitWebDriver's element text is empty for some live
   * regions); throws while there is none. */
  async innerText(css) {
    const value = await this.execute(
      "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
      [css],
    );
    if (value === null) throw new Error(`no existe el elemento ${css}`);
    return value;
  }

  /** Every element matching `css` now (possibly none). */
  async findAll(css) {
    const found = await this.command("POST", "/elements", { using: "css selector", value: css });
    return found.map((f) => new Element(this, f[ELEMENT]));
  }

  /** Waits until `predicate()` returns a truthy value, polling. */
  async until(what, predicate, timeoutMs = 15_000, everyMs = 100) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let value;
      try {
        value = await predicate();
      } catch {
        value = undefined;
      }
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`no ocurrió a tiempo: ${what}`);
      await sleep(everyMs);
    }
  }

  execute(script, args = []) {
    return this.command("POST", "/execute/sync", { script, args });
  }

  /** Presses `keys` together and releases them (WebDriver key codes:
   * "\uE009" Control, "\uE007" Enter, "\uE00C" Escape). */
  chord(...keys) {
    const down = keys.map((value) => ({ type: "keyDown", value }));
    const up = [...keys].reverse().map((value) => ({ type: "keyUp", value }));
    return this.command("POST", "/actions", {
      actions: [{ type: "key", id: "teclado", actions: [...down, ...up] }],
    });
  }

  /** Saves a PNG of the window under target/e2e/ and returns its decoded pixels. */
  async screenshot(name) {
    // WebKit paints after the command that changed the page returns; a
    // capture taken at once can show an older frame. Wait for two frames.
    await this.command("POST", "/execute/async", {
      script: "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
      args: [],
    });
    await sleep(200);
    const base64 = await this.command("GET", "/screenshot");
    const bytes = Buffer.from(base64, "base64");
    mkdirSync(E2E_OUT, { recursive: true });
    const path = join(E2E_OUT, `${name}.png`);
    writeFileSync(path, bytes);
    return { path, png: PNG.sync.read(bytes) };
  }

  /** Ends the session and makes sure the app is gone: WebKitWebDriver
   * ends the app it launched, but not when it is itself stopped first, and
   * an app left running would hold the test runner's output open (a run
   * that never ends) and the database the next test opens. */
  async quit() {
    try {
      await request(this.base, "DELETE", `/session/${this.sessionId}`);
    } finally {
      const left = await exited(this.application, 5_000);
      if (left.length) console.log(`quit: ${this.application} still running 5 s after the session ended; ending it`);
      signal(left, "SIGTERM");
      signal(await exited(this.application, 3_000), "SIGKILL");
      this.driver.kill("SIGTERM");
    }
  }
}

class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  text() {
    return this.session.command("GET", `/element/${this.id}/text`);
  }
  displayed() {
    return this.session.command("GET", `/element/${this.id}/displayed`);
  }
  rect() {
    return this.session.command("GET", `/element/${this.id}/rect`);
  }
  click() {
    return this.session.command("POST", `/element/${this.id}/click`, {});
  }
  type(text) {
    return this.session.command("POST", `/element/${this.id}/value`, { text });
  }
  attribute(name) {
    return this.session.command("GET", `/element/${this.id}/attribute/${name}`);
  }
  enabled() {
    return this.session.command("GET", `/element/${this.id}/enabled`);
  }
}

async function request(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok || payload?.value?.error) {
    const detail = payload?.value?.message ?? response.statusText;
    throw new Error(`WebDriver ${method} ${path}: ${detail}`);
  }
  return payload.value;
}

/**
 * How much of a screenshot is one colour. A blank (white, black or
 * unpainted) window is close to 1.0; our first screen is far below.
 */
export function dominantColourShare(png) {
  const counts = new Map();
  const { data } = png;
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = Math.max(...counts.values());
  return { share: top / (data.length / 4), colours: counts.size };
}
