//! Every kind of bad model file gets its own Spanish error naming the file,
//! never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use engine::synthetic::Spec;
use engine::{inspect, Architecture, CancelToken, Engine, LoadOptions};

fn kind_and_message(path: &Path) -> (String, String) {
    let err = inspect(path, None).unwrap_err();
    (err.kind().to_string(), err.to_string())
}

/// A GGUF header written by hand: one metadata string, one tensor.
fn handmade(arch: &str, tensor_type: u32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(b"GGUF");
    b.extend(3u32.to_le_bytes());
    b.extend(1u64.to_le_bytes()); // tensors
    b.extend(1u64.to_le_bytes()); // metadata
    let key = b"general.architecture";
    b.extend((key.len() as u64).to_le_bytes());
    b.extend(key);
    b.extend(8u32.to_le_bytes());
    b.extend((arch.len() as u64).to_le_bytes());
    b.extend(arch.as_bytes());
    let name = b"token_embd.weight";
    b.extend((name.len() as u64).to_le_bytes());
    b.extend(name);
    b.extend(2u32.to_le_bytes());
    b.extend(256u64.to_le_bytes());
    b.extend(4u64.to_le_bytes());
    b.extend(tensor_type.to_le_bytes());
    b.extend(0u64.to_le_bytes());
    while b.len() % 32 != 0 {
        b.push(0);
    }
    b.extend(vec![0u8; 4096]);
    b
}

#[test]
fn missing_directory_empty_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-existe.gguf");
    let (kind, msg) = kind_and_message(&missing);
    assert_eq!(kind, "modelo_inexistente");
    assert!(msg.contains("no-existe.gguf"), "{msg}");

    assert_eq!(kind_and_message(dir.path()).0, "modelo_es_carpeta");

    let empty = dir.path().join("vacio.gguf");
    std::fs::write(&empty, b"").unwrap();
    let (kind, msg) = kind_and_message(&empty);
    assert_eq!(kind, "modelo_vacio");
    assert!(
        msg.contains("vacio.gguf") && msg.contains("0 bytes"),
        "{msg}"
    );

    let pdf = dir.path().join("epicrisis.gguf");
    std::fs::write(&pdf, b"%PDF-1.7\n...").unwrap();
    let (kind, msg) = kind_and_message(&pdf);
    assert_eq!(kind, "no_es_gguf");
    assert!(msg.contains("%PDF"), "{msg}");

    let tiny = dir.path().join("xyz.gguf");
    std::fs::write(&tiny, b"GG").unwrap();
    assert_eq!(kind_and_message(&tiny).0, "no_es_gguf");
}

#[test]
fn a_truncated_copy_names_the_tensor_and_the_sizes() {
    let whole = std::fs::read(common::tiny(Architecture::Qwen2)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cortado.gguf");
    std::fs::write(&cut, &whole[..whole.len() - 1000]).unwrap();
    let (kind, msg) = kind_and_message(&cut);
    assert_eq!(kind, "gguf_incompleto");
    assert!(
        msg.contains("cortado.gguf") && msg.contains(&(whole.len() - 1000).to_string()),
        "{msg}"
    );

    // Cut inside the header: damaged, not a panic.
    let head = dir.path().join("cabecera.gguf");
    std::fs::write(&head, &whole[..100_000]).unwrap();
    assert_eq!(kind_and_message(&head).0, "gguf_danado");
}

#[test]
fn an_architecture_we_do_not_run_is_named_with_the_supported_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mamba.gguf");
    std::fs::write(&path, handmade("mamba", 0)).unwrap();
    let (kind, msg) = kind_and_message(&path);
    assert_eq!(kind, "arquitectura_no_soportada");
    assert!(
        msg.contains("«mamba»") && msg.contains("qwen2") && msg.contains("llama"),
        "{msg}"
    );
}

#[test]
fn an_unsupported_tensor_type_names_the_tensor_and_the_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iq2.gguf");
    std::fs::write(&path, handmade("qwen2", 16)).unwrap();
    let (kind, msg) = kind_and_message(&path);
    assert_eq!(kind, "tipo_tensor_no_soportado");
    assert!(
        msg.contains("token_embd.weight") && msg.contains("IQ2_XXS"),
        "{msg}"
    );
}

#[test]
fn a_tokenizer_larger_than_the_embedding_table_is_refused() {
    let spec = Spec {
        embedding_rows: 1024,
        ..Spec::tiny(Architecture::Qwen2)
    };
    let path = common::custom("vocab-small", &spec);
    let (kind, msg) = kind_and_message(&path);
    assert_eq!(kind, "vocabulario_distinto");
    assert!(msg.contains("151669") && msg.contains("1024"), "{msg}");
}

#[test]
fn a_context_beyond_the_models_is_refused_before_loading() {
    let err = Engine::start(
        LoadOptions {
            model: common::tiny(Architecture::Qwen2),
            context: Some(100_000),
            ..LoadOptions::default()
        },
        CancelToken::new(),
    )
    .err()
    .unwrap();
    assert_eq!(err.kind(), "contexto_excesivo");
    assert!(
        err.to_string().contains("100000") && err.to_string().contains("512"),
        "{err}"
    );
}

#[test]
fn a_good_file_reports_its_facts_without_loading() {
    let facts = inspect(&common::tiny(Architecture::Qwen3), None).unwrap();
    assert_eq!(facts.architecture, Architecture::Qwen3);
    assert_eq!(facts.context_length, 512);
    // The token list is padded to the embedding table with `[PAD…]`
    // tokens, as llama.cpp's converter writes Qwen files.
    assert_eq!(facts.vocabulary_size, 151_936);
    assert!(facts.has_chat_template);
    assert_eq!(facts.quantization, "Q8_0");
    assert!(facts.parameters > 151_669 * 64);
    let mem = facts.memory(512);
    assert_eq!(mem.kv_cache_bytes, 2 * 2 * 2 * 16 * 512 * 2);
    assert_eq!(
        mem.total_bytes,
        mem.weights_bytes + mem.kv_cache_bytes + mem.overhead_bytes
    );
}
