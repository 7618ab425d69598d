//! The desktop shell of Epicrisis.
//!
//! This crate only translates between the web UI and the library crates
//! (`clinical`, `engine`, `store`, `export`, through `pipeline`): it holds no
//! clinical, inference or storage logic of its own, so that everything worth
//! testing builds and runs without a window or WebKit.
//!
//! Where to start reading: `commands/` (one module per area of the window),
//! `state.rs` (what lives between commands), `error.rs` (the only error the
//! UI sees).
//!
//! ```no_run
//! // src-tauri/main.rs does exactly this.
//! epicrisis_app::run().expect("the window could not be opened");
//! ```

mod commands;
mod dialogs;
mod error;
mod state;
mod view;

mod command_names {
    include!("command_names.rs");
}

pub use command_names::COMMANDS;
pub use error::UiError;
pub use state::Desk;

/// Opens the main window and blocks until the user closes it.
pub fn run() -> Result<(), tauri::Error> {
    builder(tauri::Builder::default(), Desk::open(None)).run(tauri::generate_context!())
}

/// Registers plugins, state and commands on any runtime, so that tests can
/// build the same app on Tauri's mock runtime with a database of their own.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>, desk: Desk) -> tauri::Builder<R> {
    use commands::{app, drafts, episode, generation, import, model, settings};
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(desk)
        .invoke_handler(tauri::generate_handler![
            app::app_info,
            app::welcome_choose,
            episode::episode_check,
            episode::episode_import,
            episode::episode_export_json,
            episode::form_load,
            episode::form_save,
            episode::form_clear,
            model::model_choose,
            model::model_inspect,
            model::model_load,
            model::model_copy,
            model::model_cancel_load,
            model::model_status,
            model::model_unload,
            import::import_choose,
            import::import_inspect,
            import::import_run,
            generation::generate,
            generation::generate_stop,
            generation::draft_deterministic,
            drafts::drafts_list,
            drafts::draft_open,
            drafts::draft_duplicate,
            drafts::draft_delete,
            drafts::draft_undelete,
            drafts::draft_set_status,
            drafts::edit_save,
            drafts::version_restore,
            drafts::version_review,
            drafts::interrupted_resume,
            drafts::interrupted_discard,
            drafts::export_version,
            drafts::backup_create,
            settings::settings_get,
            settings::settings_save,
        ])
}
