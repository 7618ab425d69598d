// The one place the UI talks to the Rust shell. Components import these
// functions, never `invoke` itself, so tests can replace the backend and the
// command names stay in one list (mirrored by src-tauri/command_names.rs).
import { invoke } from "@tauri-apps/api/core";

export interface AppInfo {
  name: string;
  version: string;
}

/** True inside the Tauri window; false in a plain browser or under vitest. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export async function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}
