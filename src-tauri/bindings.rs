//! The window's TypeScript types, written from the Rust types the commands
//! take and return into `ui/src/lib/bindings.ts` (ts-rs), so the UI's
//! idea of a version, a setting or a finding cannot drift from what the
//! shell serialises: a field added, renamed or retyped in any crate fails
//! the test below until the file is written again
//! (`EPICRISIS_BLESS=1 cargo test --features custom-protocol --lib bindings`),
//! and then svelte-check fails wherever the UI reads the old shape.
//!
//! ts-rs rather than tauri-specta: the command list is already one Rust
//! list checked against `backend.ts` (`command_names.rs`), and the gap was
//! the types; ts-rs is a stable release that follows serde's attributes on
//! types of every crate, where tauri-specta is a release candidate pinned
//! to specta's and would also take over how commands are registered.

use std::collections::BTreeSet;

use ts_rs::{Config, TS};

/// Each type the window names: its TypeScript name, its declaration, and
/// the names it refers to.
struct Declared {
    name: String,
    decl: String,
    uses: Vec<String>,
}

fn declared<T: TS + 'static>(cfg: &Config) -> Declared {
    Declared {
        name: T::ident(cfg),
        decl: T::decl(cfg),
        uses: T::dependencies(cfg)
            .into_iter()
            .map(|d| d.ts_name)
            .collect(),
    }
}

macro_rules! types {
    ($cfg:expr; $($ty:ty),+ $(,)?) => {
        vec![$(declared::<$ty>($cfg)),+]
    };
}

/// The types, grouped by the crate that owns them; each type another one
/// refers to must be here too (the test checks it).
fn every_type(cfg: &Config) -> Vec<Declared> {
    types![cfg;
        // The shell's answers.
        crate::error::UiError,
        crate::commands::app::AppInfo,
        crate::commands::app::Diagnostics,
        crate::commands::episode::Checked,
        crate::commands::episode::Imported,
        crate::commands::model::ModelPreview,
        crate::commands::generation::GenerationEvent,
        crate::commands::generation::Written,
        crate::commands::drafts::OpenedDraft,
        crate::commands::templates::TemplateList,
        crate::commands::templates::TemplateView,
        crate::commands::import::ImportPreview,
        crate::commands::import::ImportDone,
        crate::dialogs::FolderKind,
        crate::view::VersionView,
        crate::view::FindingView,
        crate::view::ConfirmedView,
        crate::view::ReviewView,
        // pipeline
        pipeline::Settings,
        pipeline::SamplingSettings,
        pipeline::StartChoice,
        pipeline::Timings,
        pipeline::Format,
        // store
        store::DraftSummary,
        store::Status,
        store::Origin,
        store::VersionState,
        store::OpenReport,
        store::Interrupted,
        // clinical
        clinical::Problem,
        clinical::Severity,
        clinical::FindingKind,
        clinical::Gravedad,
        clinical::Shortening,
        clinical::Section,
        clinical::Template,
        clinical::Profile,
        clinical::template::Style,
        clinical::template::Length,
        clinical::template::FixedText,
        // engine
        engine::ModelFacts,
        engine::MemoryEstimate,
        engine::LoadedInfo,
        engine::Stats,
        engine::FinishReason,
        engine::DeviceChoice,
        engine::Architecture,
        engine::facts::Hyper,
        engine::tokenizer::TokenizerSource,
        engine::writer::FileType,
        // export
        export::Paper,
        // import
        import::CheckpointSummary,
        import::AdapterSummary,
        import::Estimate,
        import::ImportProgress,
        import::Stage,
        import::QualityReport,
        import::quality::Reference,
        import::OutputQuality,
    ]
}

/// The window's numbers are JavaScript numbers: ids, byte counts and
/// milliseconds stay far below 2^53.
fn config() -> Config {
    Config::new().with_large_int("number")
}

/// The file's text: a header, then each declaration exported.
fn bindings() -> String {
    let cfg = config();
    let mut ts = String::from(
        "// Generated from the Rust types the commands take and return\n\
         // (src-tauri/bindings.rs) by\n\
         // `EPICRISIS_BLESS=1 cargo test --features custom-protocol --lib bindings`.\n\
         // Do not edit: the test fails when this file and the types differ.\n\
         import type { ErrorKind } from \"./error_kinds\";\n",
    );
    for declared in every_type(&cfg) {
        ts.push_str("\nexport ");
        ts.push_str(&declared.decl);
        ts.push('\n');
    }
    ts
}

/// Fails unless the file at `relative` (from the repository root) holds
/// `text`; with `EPICRISIS_BLESS` set, writes it first. `filter` names the
/// test to rerun.
pub(crate) fn assert_generated(relative: &str, text: &str, filter: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("EPICRISIS_BLESS").is_some() {
        if let Err(e) = std::fs::write(&path, text) {
            panic!("{}: {e}", path.display());
        }
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == text,
        "{} is not what the Rust code gives; run `EPICRISIS_BLESS=1 cargo test --features custom-protocol --lib {filter}`",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_the_window_names_is_declared_once() {
        let all = every_type(&config());
        let names: BTreeSet<&str> = all.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names.len(), all.len(), "a TypeScript name is used twice");
        for declared in &all {
            for used in &declared.uses {
                assert!(
                    names.contains(used.as_str()),
                    "{} refers to {used}, which is not in every_type",
                    declared.name
                );
            }
        }
    }

    #[test]
    fn the_ui_types_are_generated_from_the_rust_types() {
        assert_generated("ui/src/lib/bindings.ts", &bindings(), "bindings");
    }
}
