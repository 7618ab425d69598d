// Keep Windows release builds from opening a console next to the window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = epicrisis_app::run() {
        eprintln!("epicrisis: la aplicación no pudo iniciarse: {error}");
        std::process::exit(1);
    }
}
