//! `epicrisis` for development and tests; the installers ship the same
//! code inside the app's executable (see `epicrisis_cli::main_with`).

fn main() -> std::process::ExitCode {
    epicrisis_cli::main_with(std::env::args_os())
}
