// `npm run bundle`: the installable bundles for this platform.
//
//   npm run bundle                          release .deb, .rpm and .AppImage (Linux)
//   npm run bundle -- --debug --only deb,rpm  the debug packages CI installs and tests
//
// The .deb and the .rpm are built by Tauri's bundler alone (no rpmbuild). The AppImage needs tools the
// bundler downloads on first use (linuxdeploy and its GTK plugin, AppRun)
// into ~/.cache/tauri; on a machine that cannot fetch them the AppImage is
// reported as skipped, with the reason, and the .deb still counts.
// On Windows and macOS the same command builds what tauri.conf.json
// configures there (.msi, .dmg).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const debug = argv.includes("--debug");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : null;

const platformBundles = { linux: ["deb", "rpm", "appimage"], win32: ["msi"], darwin: ["app", "dmg"] }[process.platform];
if (!platformBundles) {
  console.error(`bundle: no bundles are configured for ${process.platform}`);
  process.exit(1);
}
const wanted = only ? only.split(",") : platformBundles;
// Bundles the build cannot do without tools fetched from the internet.
const needsDownloads = new Set(["appimage"]);

const tauri = join(root, "node_modules", ".bin", process.platform === "win32" ? "tauri.cmd" : "tauri");
if (!existsSync(tauri)) {
  console.error('bundle: the Tauri CLI is missing; run "npm ci" first');
  process.exit(1);
}

/** Runs the Tauri CLI, passing its stderr through as it comes and keeping
 * a copy to tell why it failed. */
function tauriBuild(args) {
  return new Promise((done) => {
    const child = spawn(tauri, args, {
      cwd: root,
      stdio: ["ignore", "inherit", "pipe"],
      env: { CARGO_BUILD_JOBS: "2", ...process.env },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      stderr += chunk;
    });
    child.on("error", (error) => done({ status: 1, stderr: String(error) }));
    child.on("close", (status) => done({ status, stderr }));
  });
}

// Where the Tauri bundler writes each kind, under target/<profile>/bundle/.
const outDir = { deb: "deb", rpm: "rpm", appimage: "appimage", msi: "msi", app: "macos", dmg: "dmg" };
const out = join(root, "target", debug ? "debug" : "release", "bundle");
const started = Date.now();
/** The files (or .app folders) this run wrote for `kind`. */
function written(kind) {
  const dir = join(out, outDir[kind]);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).mtimeMs >= started)
    // the bundles themselves, not the .deb's staging folder
    .filter((path) => statSync(path).isFile() || path.endsWith(".app"));
}

// One Tauri run for every kind: the app is compiled (and, in release,
// link-time optimised) once. A kind that could not be built is then told
// apart by what the run wrote.
// The debug packages (what CI installs and drives) are built with the test
// fixtures' features, the feature set `cargo test --workspace` resolves, so
// that they reuse the test build instead of compiling the engine again. The
// release packages, what clinicians install, leave the fixtures out.
const fixtures = ["--features", "engine/synthetic,import/testing"];
const args = ["build", "--bundles", wanted.join(","), ...(debug ? ["--debug", ...fixtures] : [])];
console.log(`bundle: tauri ${args.join(" ")}`);
const run = await tauriBuild(args);
const offline = /failed to lookup address|dns error|connection refused|network is unreachable|timed out/i.test(run.stderr);
const failed = [];
const skipped = [];
for (const kind of wanted) {
  const files = written(kind);
  for (const path of files) {
    const stat = statSync(path);
    const size = stat.isFile() ? ` ${(stat.size / 2 ** 20).toFixed(1)} MiB` : "";
    console.log(`bundle: ${path}${size}`);
  }
  if (files.length) continue;
  if (needsDownloads.has(kind) && offline) {
    skipped.push(`${kind}: Tauri's bundler could not download its ${kind} tools (no internet access here); see docs/bundling.md`);
  } else {
    failed.push(kind);
  }
}
for (const line of skipped) console.log(`bundle: skipped ${line}`);
if (failed.length || (run.status !== 0 && !skipped.length)) {
  console.error(`bundle: failed: ${failed.join(", ") || `tauri exited with ${run.status}`}`);
  process.exit(1);
}
