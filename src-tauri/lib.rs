//! The desktop shell of Epicrisis.
//!
//! This crate only translates between the web UI and the library crates
//! (`clinical`, `engine`, `store`, `export`, through `pipeline`): it holds no
//! clinical, inference or storage logic of its own, so that everything worth
//! testing builds and runs without a window or WebKit.
//!
//! ```no_run
//! // src-tauri/main.rs does exactly this.
//! epicrisis_app::run().expect("the window could not be opened");
//! ```

mod commands;

mod command_names {
    include!("command_names.rs");
}

pub use command_names::COMMANDS;

/// Opens the main window and blocks until the user closes it.
pub fn run() -> Result<(), tauri::Error> {
    builder(tauri::Builder::default()).run(tauri::generate_context!())
}

/// Registers plugins and commands on any runtime, so that tests can build the
/// same app on Tauri's mock runtime.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![commands::app_info])
}
