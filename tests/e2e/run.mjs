// Runs the real-window tests: under xvfb-run when there is no display, and
// always through node's own test runner, so that a missing driver is a
// failure and never a silent skip.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { appBinary, driverPaths } from "./webdriver.mjs";

const here = dirname(fileURLToPath(import.meta.url));

try {
  appBinary();
  driverPaths();
} catch (error) {
  console.error(`test:e2e: ${error.message}`);
  process.exit(1);
}

const specs = readdirSync(here)
  .filter((name) => name.endsWith(".test.mjs"))
  .map((name) => join(here, name));
const nodeArgs = ["--test", "--test-concurrency=1", ...specs];

const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const [command, args] = hasDisplay
  ? [process.execPath, nodeArgs]
  : ["xvfb-run", ["-a", "-s", "-screen 0 1440x900x24", process.execPath, ...nodeArgs]];

const result = spawnSync(command, args, { stdio: "inherit" });
if (result.error) {
  console.error(`test:e2e: no se pudo ejecutar ${command}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
