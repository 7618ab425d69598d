//! Build script of the desktop shell: compiles tauri.conf.json and the
//! capability files into the binary.
//!
//! The app manifest names every command the shell exposes. Tauri then
//! generates one `allow-<command>` permission per command and denies any
//! command that no capability lists, so the UI reaches exactly what
//! `capabilities/main.json` grants and nothing else.

include!("command_names.rs");

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script can only report failure by panicking.
        panic!("tauri-build failed: {error:#}");
    }
}
