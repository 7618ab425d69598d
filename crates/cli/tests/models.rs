//! `generate`, `model-info` and `perplexity` on tiny random-weight models
//! that carry the real Qwen tokenizer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

mod common;
use common::{epicrisis, root};

/// The JSON a successful run printed; fails with its stderr otherwise.
fn json_success(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tiny_model() -> &'static Path {
    // Under cargo's `target/tmp`, replaced each run: a `TempDir` in a static
    // is never dropped and would leave the model in `/tmp` after every run.
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-models");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("diminuto.gguf");
        engine::synthetic::write_tiny_chat_model(&root(), &path).unwrap();
        path
    })
}

fn episode() -> String {
    root()
        .join("tests/data/episodes/neumonia.json")
        .display()
        .to_string()
}

#[test]
fn generate_json_has_the_finished_text_findings_model_and_timings() {
    let model = tiny_model().display().to_string();
    let out = epicrisis(&[
        "generate",
        &episode(),
        "--model",
        &model,
        "--max-tokens",
        "12",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    let v = json_success(&out);
    assert_eq!(v["origen"], "modelo");
    assert!(v["texto"]
        .as_str()
        .unwrap()
        .starts_with("Paciente femenina de 75 años"));
    assert!(v["texto"].as_str().unwrap().contains("Controles:"));
    assert_eq!(v["tiempos"]["generated_tokens"], 12);
    for key in [
        "load_ms",
        "prompt_tokens",
        "ttft_ms",
        "prefill_tok_s",
        "decode_tok_s",
    ] {
        assert!(v["tiempos"][key].is_number(), "{key}");
    }
    assert_eq!(v["modelo"]["facts"]["architecture"], "qwen2");
    assert!(v["hallazgos"].as_array().is_some());
    assert_eq!(v["perfil"], "instruct");
}

#[test]
fn generate_streams_text_to_stdout() {
    let model = tiny_model().display().to_string();
    let out = epicrisis(&[
        "generate",
        &episode(),
        "--model",
        &model,
        "--max-tokens",
        "8",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Paciente femenina"), "{text}");
    assert!(text.trim_end().ends_with("6 semanas"), "{text}");
}

#[test]
fn a_failed_generation_prints_the_deterministic_draft_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("roto.gguf");
    std::fs::write(&broken, b"no es un modelo").unwrap();
    let out = epicrisis(&[
        "generate",
        &episode(),
        "--model",
        &broken.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("roto.gguf") && stderr.contains("determinista"),
        "{stderr}"
    );
    let golden =
        std::fs::read_to_string(root().join("tests/data/golden/draft/neumonia.txt")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), golden);
}

#[test]
fn generate_refuses_an_invalid_episode_with_exit_2() {
    let model = tiny_model().display().to_string();
    let bad = root().join("tests/data/bad/fechas_invertidas.json");
    let out = epicrisis(&["generate", &bad.display().to_string(), "--model", &model]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn model_info_describes_a_good_file_and_exits_2_for_a_bad_one() {
    let model = tiny_model().display().to_string();
    let out = epicrisis(&["model-info", &model, "--format", "json"]);
    let v = json_success(&out);
    assert_eq!(v["utilizable"], true);
    assert_eq!(v["modelo"]["architecture"], "qwen2");
    // Padded to the embedding table with `[PAD…]`, as llama.cpp's converter
    // writes Qwen files.
    assert_eq!(v["modelo"]["vocabulary_size"], 151_936);
    assert!(v["memoria"]["total_bytes"].as_u64().unwrap() > 0);

    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(tiny_model()).unwrap();
    let cut = dir.path().join("cortado.gguf");
    std::fs::write(&cut, &whole[..whole.len() / 2 + 200_000]).unwrap();
    let out = epicrisis(&["model-info", &cut.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("incompleto"));
}

#[test]
fn perplexity_reports_tokens_and_perplexity_as_json() {
    let model = tiny_model().display().to_string();
    let corpus =
        std::fs::read_to_string(root().join("crates/engine/tests/data/corpus_clinico.txt"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("texto.txt");
    std::fs::write(
        &text,
        corpus.lines().take(40).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let out = epicrisis(&[
        "perplexity",
        "--model",
        &model,
        "--text",
        &text.display().to_string(),
        "--context",
        "64",
        "--format",
        "json",
    ]);
    let v = json_success(&out);
    let ppl = v["perplexity"].as_f64().unwrap();
    // Random weights: near-uniform over the 151,936 rows, never below 1.
    assert!(ppl > 1.0 && ppl.is_finite(), "{ppl}");
    assert!(v["tokens"].as_u64().unwrap() > 600);
    assert_eq!(v["scored_tokens"], v["windows"].as_u64().unwrap() * 31);
}

#[test]
fn generate_save_keeps_the_version_as_the_app_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.sqlite3");
    let model = tiny_model().display().to_string();
    let out = epicrisis(&[
        "generate",
        &episode(),
        "--model",
        &model,
        "--max-tokens",
        "6",
        "--save",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json_success(&out);
    let draft = v["borrador"].as_i64().expect("a draft id");
    let shown = epicrisis(&[
        "drafts",
        "show",
        &draft.to_string(),
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let shown = json_success(&shown);
    let version = &shown["version"];
    assert_eq!(version["origin"], "modelo", "{shown}");
    assert_eq!(version["model_file"], "diminuto.gguf", "{shown}");
    let hash = engine::fingerprint::sha256_file(tiny_model()).unwrap();
    assert_eq!(version["model_sha256"], hash.as_str(), "{shown}");
    assert_eq!(version["seed"], 42, "{shown}");
    assert_eq!(version["text"], v["texto"], "{shown}");
}

#[test]
fn batch_drafts_a_folder_skips_bad_files_and_what_is_already_drafted() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("altas");
    std::fs::create_dir(&folder).unwrap();
    for name in ["neumonia.json", "colecistitis.json"] {
        std::fs::copy(
            root().join("tests/data/episodes").join(name),
            folder.join(name),
        )
        .unwrap();
    }
    std::fs::copy(
        root().join("tests/data/bad/fechas_invertidas.json"),
        folder.join("b_con_errores.json"),
    )
    .unwrap();
    std::fs::write(folder.join("c_roto.json"), "{ no es json").unwrap();
    std::fs::write(folder.join("notas.txt"), "no es un episodio").unwrap();
    let db = dir.path().join("e.sqlite3");
    let model = tiny_model().display().to_string();
    let run = |extra: &[&str]| {
        let args = [
            "batch",
            folder.to_str().unwrap(),
            "--model",
            &model,
            "--max-tokens",
            "6",
            "--save",
            "--db",
            db.to_str().unwrap(),
            "--format",
            "json",
        ];
        epicrisis(&[&args[..], extra].concat())
    };
    let out = run(&[]);
    // Bad files make the exit 1, after every good one was drafted.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[1/4] b_con_errores.json: omitido"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[4/4] neumonia.json: redactado"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = report["episodios"].as_array().unwrap();
    let outcome = |name: &str| {
        rows.iter()
            .find(|r| r["archivo"] == name)
            .map(|r| r["resultado"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(outcome("neumonia.json"), "redactado");
    assert_eq!(outcome("colecistitis.json"), "redactado");
    assert_eq!(outcome("b_con_errores.json"), "omitido");
    assert_eq!(outcome("c_roto.json"), "omitido");
    assert!(rows.iter().all(|r| r["archivo"] != "notas.txt"));

    let listed = epicrisis(&[
        "drafts",
        "list",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let listed = json_success(&listed);
    let names: Vec<&str> = listed["borradores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["patient_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{listed}");
    assert!(names.contains(&"María Inés Soto Carrasco"), "{names:?}");

    // A rerun drafts nothing again.
    let again = run(&[]);
    let (redone, report) = drafted(&again);
    assert_eq!(redone, 0, "{report}");
    let listed = epicrisis(&[
        "drafts",
        "list",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        json_success(&listed)["borradores"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Another template is another epicrisis: drafted again.
    let template = dir.path().join("plantilla.json");
    std::fs::write(
        &template,
        r#"{"id": "breve", "nombre": "Breve", "perfil": "instruct",
            "secciones": ["evolucion", "indicaciones"], "estilo": "lista", "extension": "breve"}"#,
    )
    .unwrap();
    let with_template = run(&["--template", template.to_str().unwrap()]);
    let (redone, report) = drafted(&with_template);
    assert_eq!(redone, 2, "{report}");
}

/// How many episodes a batch's JSON report says it drafted, and the report.
fn drafted(out: &Output) -> (usize, serde_json::Value) {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let count = report["episodios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resultado"] == "redactado")
        .count();
    (count, report)
}

#[test]
fn batch_names_a_missing_folder() {
    let out = epicrisis(&["batch", "/no/existe", "--model", "m.gguf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/existe"));
}
