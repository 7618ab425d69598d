// `npm run bundle`: the installable bundles for this platform.
//
//   npm run bundle                      release .deb and .AppImage (Linux)
//   npm run bundle -- --debug --only deb  the debug .deb CI installs and tests
//
// The .deb is built by Tauri's bundler alone. The AppImage needs tools the
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

const platformBundles = { linux: ["deb", "appimage"], win32: ["msi"], darwin: ["app", "dmg"] }[process.platform];
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

const failed = [];
const skipped = [];
for (const kind of wanted) {
  const args = ["build", "--bundles", kind, ...(debug ? ["--debug"] : [])];
  console.log(`\nbundle: tauri ${args.join(" ")}`);
  const run = await tauriBuild(args);
  if (run.status === 0) continue;
  if (needsDownloads.has(kind) && /failed to lookup address|dns error|connection refused|network is unreachable|timed out/i.test(run.stderr ?? "")) {
    skipped.push(`${kind}: Tauri's bundler could not download its ${kind} tools (no internet access here); see docs/bundling.md`);
  } else {
    failed.push(kind);
  }
}

const out = join(root, "target", debug ? "debug" : "release", "bundle");
for (const dir of existsSync(out) ? readdirSync(out) : []) {
  for (const file of readdirSync(join(out, dir))) {
    const path = join(out, dir, file);
    const stat = statSync(path);
    if (stat.isFile()) console.log(`bundle: ${path} ${(stat.size / 2 ** 20).toFixed(1)} MiB`);
  }
}
for (const line of skipped) console.log(`bundle: skipped ${line}`);
if (failed.length) {
  console.error(`bundle: failed: ${failed.join(", ")}`);
  process.exit(1);
}
