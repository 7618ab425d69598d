// Keep Windows release builds from opening a console next to the window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // One executable for both: `epicrisis …` (a link named so, or the
    // installed launcher's `epicrisis-app cli …`) is the command line.
    if let Some(cli) = epicrisis_app::command_line(&args) {
        return epicrisis_cli::main_with(cli);
    }
    match epicrisis_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("epicrisis: la aplicación no pudo iniciarse: {error}");
            ExitCode::FAILURE
        }
    }
}
