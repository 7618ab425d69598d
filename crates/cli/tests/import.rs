//! `epicrisis import` on a checkpoint folder written by `import::testing`:
//! the file and its report, JSON output, and the exit codes of a bad folder
//! (2) and a failed import (1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use engine::Architecture;
use import::testing::{self, CheckpointSpec};

mod common;
use common::{epicrisis, root};

fn checkpoint(dir: &Path, name: &str) -> PathBuf {
    let folder = dir.join(name);
    testing::write_checkpoint(
        &CheckpointSpec::tiny(Architecture::Qwen3),
        &testing::qwen_tokenizer_dir(&root()),
        &folder,
    )
    .unwrap();
    folder
}

#[test]
fn imports_a_folder_and_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let folder = checkpoint(dir.path(), "qwen3-epicrisis");
    let out_dir = dir.path().join("modelos");
    std::fs::create_dir_all(&out_dir).unwrap();
    let text = dir.path().join("informe.txt");
    let out = epicrisis(&[
        "import",
        folder.to_str().unwrap(),
        "--type",
        "q8_0,q4_k_m",
        "--out-dir",
        out_dir.to_str().unwrap(),
        "--report-text",
        text.to_str().unwrap(),
        "--threads",
        "2",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Qwen3ForCausalLM") && stderr.contains("Q4_K_M escrito"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Informe de calidad de «qwen3-epicrisis»"),
        "{stdout}"
    );
    assert!(stdout.contains("Q8_0") && stdout.contains("KL media"));
    assert!(std::fs::read_to_string(&text)
        .unwrap()
        .contains("Recomendación"));
    for f in [
        "qwen3-epicrisis-q8_0.gguf",
        "qwen3-epicrisis-q4_k_m.gguf",
        "qwen3-epicrisis-q8_0.informe.json",
    ] {
        assert!(out_dir.join(f).is_file(), "{f} missing");
    }
    let info = epicrisis(&[
        "model-info",
        out_dir.join("qwen3-epicrisis-q8_0.gguf").to_str().unwrap(),
    ]);
    assert_eq!(info.status.code(), Some(0));

    // JSON, one type, a named file, no report.
    let named = dir.path().join("propio.gguf");
    let out = epicrisis(&[
        "import",
        folder.to_str().unwrap(),
        "--type",
        "bf16",
        "--out",
        named.to_str().unwrap(),
        "--no-report",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["outputs"][0]["file_type"], "bf16");
    assert!(json["report"].is_null());
    assert!(named.is_file());
}

#[test]
fn a_bad_folder_exits_2_and_a_failed_import_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = epicrisis(&[
        "import",
        dir.path().to_str().unwrap(),
        "--type",
        "q8_0",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "falta_config");

    let out = epicrisis(&["import", dir.path().to_str().unwrap(), "--type", "q3_k"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("q4_k_m"));

    // The output exists already: the import itself fails.
    let folder = checkpoint(dir.path(), "m");
    let taken = dir.path().join("ocupado.gguf");
    std::fs::write(&taken, b"no tocar").unwrap();
    let out = epicrisis(&[
        "import",
        folder.to_str().unwrap(),
        "--type",
        "q8_0",
        "--out",
        taken.to_str().unwrap(),
        "--no-report",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ya existe"));
    assert_eq!(std::fs::read(&taken).unwrap(), b"no tocar");
}
