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

#[cfg(test)]
mod bindings;
mod clipboard;
mod commands;
mod dialogs;
mod error;
mod logging;
mod state;
mod view;

mod command_names {
    include!("command_names.rs");
}

pub use command_names::COMMANDS;
pub use error::UiError;
pub use state::Desk;

/// The command-line arguments when this executable was started as the
/// `epicrisis` command: under that name (a link or a copy), or as
/// `epicrisis-app cli …` (what the installed `/usr/bin/epicrisis` launcher
/// runs). `None` starts the window.
pub fn command_line(args: &[std::ffi::OsString]) -> Option<Vec<std::ffi::OsString>> {
    let stem = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .map(|s| s.to_string_lossy().to_lowercase());
    if stem.as_deref() == Some("epicrisis") {
        return Some(args.to_vec());
    }
    if args.get(1).is_some_and(|a| a == "cli") {
        let mut rest = vec![std::ffi::OsString::from("epicrisis")];
        rest.extend(args[2..].iter().cloned());
        return Some(rest);
    }
    None
}

/// Opens the main window and blocks until the user closes it.
///
/// The plugins that act on the whole process live here rather than in
/// [`builder`], which the tests call many times in one process: the
/// single-instance lock (registered first, so a second launch hands over
/// before it opens a database or loads a model), the log (one global
/// logger) and the remembered window geometry.
pub fn run() -> Result<(), tauri::Error> {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main_window(app);
        }))
        .plugin(logging::plugin())
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(window_state_flags())
                .build(),
        );
    // The database opens in the setup hook, after the plugins: a second
    // launch has handed over and exited by then, so it never opens the
    // database (where it would mark the first window's generation in
    // progress as interrupted), and the log is up to record what opening
    // found.
    let app = app.setup(|app| {
        use tauri::Manager;
        let desk = Desk::open(None);
        match &desk.opened {
            Some(report) => report.log(),
            None => log::warn!("store could not be opened; the app only drafts"),
        }
        app.manage(desk);
        warn_about_the_cpu(app.handle());
        keep_window_state_saved(app.handle());
        Ok(())
    });
    with_commands(app).run(tauri::generate_context!())
}

/// Size, position and maximised state; not visibility or decorations,
/// which the app always sets itself.
fn window_state_flags() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// On a CPU without what the model path needs (AVX2, FMA, F16C), says so
/// in a native dialog before the clinician tries; the window still opens,
/// and the deterministic draft, the store and export work as anywhere.
/// The executable is built for baseline x86-64, so this code runs on any
/// 64-bit PC; only the kernels choose AVX2 or AVX-512 at run time.
fn warn_about_the_cpu<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    let Some(problem) = engine::cpu_problem() else {
        log::info!("cpu: kernels {}", engine::cpu_kernels());
        return;
    };
    log::warn!(
        "cpu lacks {:?}: models disabled",
        engine::device::missing_cpu_features()
    );
    app.dialog()
        .message(format!(
            "{problem}\n\nPuede seguir usando Epicrisis sin modelo: el borrador determinista, los borradores guardados y la exportación funcionan en este equipo."
        ))
        .title("Epicrisis: procesador sin soporte para modelos")
        .kind(MessageDialogKind::Warning)
        .show(|_| {});
}

/// The window-state plugin writes the geometry only when the app exits
/// normally; a shared ward PC is often switched off with the app open.
/// Save it within a second of each move or resize instead.
fn keep_window_state_saved<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use tauri::Manager;
    use tauri_plugin_window_state::AppHandleExt;
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let changed = Arc::new(AtomicBool::new(false));
    let flag = changed.clone();
    window.on_window_event(move |event| {
        if matches!(
            event,
            tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
        ) {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("epicrisis-ventana".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if changed.swap(false, Ordering::Relaxed) {
                if let Err(e) = app.save_window_state(window_state_flags()) {
                    log::warn!("window state not saved: {e}");
                }
            }
        });
    if let Err(e) = spawned {
        log::warn!("window state saver not started: {e}");
    }
}

/// A second launch brings the running window forward instead of starting
/// another process that would load the model again.
///
/// On Linux the plugin finds the first instance by its D-Bus name. A launch
/// in the few milliseconds while a closing instance still holds the name
/// gets no reply and the plugin refuses to start ("failed to forward
/// arguments"); launching again works.
fn focus_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    log::info!("second launch: focusing the running window");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Registers plugins, state and commands on any runtime, so that tests can
/// build the same app on Tauri's mock runtime with a database of their own.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>, desk: Desk) -> tauri::Builder<R> {
    with_commands(builder).manage(desk)
}

/// The window's plugins and commands, without the state they need.
fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    use commands::{app, drafts, episode, generation, import, model, settings, templates};
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .invoke_handler(tauri::generate_handler![
            app::app_info,
            app::welcome_choose,
            app::diagnostics,
            app::logs_open,
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
            generation::generate_section,
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
            drafts::version_copy_text,
            drafts::backup_create,
            settings::settings_get,
            settings::settings_save,
            templates::templates_list,
            templates::template_save,
            templates::template_delete,
            templates::template_export,
            templates::template_import,
        ])
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::command_line;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_executable_is_the_command_line_when_asked() {
        // The installed launcher: `epicrisis-app cli …`.
        assert_eq!(
            command_line(&args(&["/usr/bin/epicrisis-app", "cli", "draft", "e.json"])),
            Some(args(&["epicrisis", "draft", "e.json"]))
        );
        // Started under the command's own name (a link, or a copy on Windows).
        assert_eq!(
            command_line(&args(&["/usr/local/bin/epicrisis", "--version"])),
            Some(args(&["/usr/local/bin/epicrisis", "--version"]))
        );
        assert_eq!(
            command_line(&args(&["/opt/EPICRISIS.exe", "check", "e.json"])).map(|a| a.len()),
            Some(3)
        );
        // The window: no arguments, or arguments that are not `cli` first.
        assert_eq!(command_line(&args(&["/usr/bin/epicrisis-app"])), None);
        assert_eq!(command_line(&args(&["epicrisis-app", "draft"])), None);
        assert_eq!(command_line(&[]), None);
    }
}
