//! The support log: the platform's log folder, rotated by size.
//!
//! The rule (ARCHITECTURE.md, "Logs"): no episode text, patient names, RUTs
//! or generated text ever reach it. What is logged is what support needs to
//! tell a slow machine from a bad file: model facts and timings, the device
//! and why, generation statistics, what opening the store found, where an
//! export went, and every error's kind.

use tauri_plugin_log::{RotationStrategy, Target, TargetKind};

/// About 1 MiB a file, the current one and four older ones.
const MAX_FILE_BYTES: u128 = 1024 * 1024;
const KEPT_FILES: usize = 4;
pub const FILE_NAME: &str = "epicrisis";

/// Our crates at `info`; every dependency (Tauri, WebKit glue, typst) at
/// `warn`, so that no library's debug output (an IPC payload, a path with a
/// patient's name in it) is written.
pub fn plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    let mut builder = tauri_plugin_log::Builder::new()
        .clear_targets()
        .target(Target::new(TargetKind::LogDir {
            file_name: Some(FILE_NAME.into()),
        }))
        .target(Target::new(TargetKind::Stderr))
        .max_file_size(MAX_FILE_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(KEPT_FILES))
        .timezone_strategy(tauri_plugin_log::TimezoneStrategy::UseLocal)
        .level(log::LevelFilter::Warn);
    for ours in OUR_CRATES {
        builder = builder.level_for(*ours, log::LevelFilter::Info);
    }
    builder.build()
}

/// The `log` targets (module paths) of the workspace's crates.
pub const OUR_CRATES: &[&str] = &[
    "epicrisis_app",
    "engine",
    "store",
    "export",
    "pipeline",
    "import",
    "clinical",
];
