// Tauri's beforeBundleCommand: builds the `epicrisis` command-line binary in
// the same profile as the app being bundled and puts it where
// tauri.conf.json's `bundle.linux.*.files` expect it, so the .deb (and the
// AppImage) install it as /usr/bin/epicrisis beside the app.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Tauri sets TAURI_ENV_DEBUG for `tauri build --debug`.
const debug = process.env.TAURI_ENV_DEBUG === "true";
const exe = process.platform === "win32" ? ".exe" : "";
const args = ["build", "-j2", "-p", "epicrisis-cli", ...(debug ? [] : ["--release"])];

const built = spawnSync("cargo", args, { cwd: root, stdio: "inherit" });
if (built.status !== 0) {
  console.error(`stage-cli: "cargo ${args.join(" ")}" failed`);
  process.exit(built.status ?? 1);
}
const from = join(root, "target", debug ? "debug" : "release", `epicrisis${exe}`);
const stage = join(root, "target", "bundle-cli");
mkdirSync(stage, { recursive: true });
copyFileSync(from, join(stage, `epicrisis${exe}`));
console.log(`stage-cli: ${from} staged for the bundle`);
