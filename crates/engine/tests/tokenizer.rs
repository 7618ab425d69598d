//! Our tokenizer rebuilt from GGUF metadata against the Hugging Face
//! `tokenizers` crate with the real Qwen `tokenizer.json`, id for id, on a
//! Spanish clinical corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use engine::gguf::GgufFile;
use engine::tokenizer::TokenizerSource;
use engine::{Architecture, TextTokenizer};

const CORPUS: &str = include_str!("data/corpus_clinico.txt");

fn reference() -> tokenizers::Tokenizer {
    let mut t =
        tokenizers::Tokenizer::from_file(common::qwen_tokenizer_dir().join("tokenizer.json"))
            .unwrap();
    // Special-token parsing off, as for episode text.
    t.set_encode_special_tokens(true);
    t
}

fn ours() -> TextTokenizer {
    let file = GgufFile::open(&common::tiny(Architecture::Qwen2)).unwrap();
    let tok = TextTokenizer::for_model(&file, None).unwrap();
    assert_eq!(tok.source(), &TokenizerSource::Gguf);
    tok
}

#[test]
fn corpus_is_large_and_varied_enough() {
    let lines: Vec<&str> = CORPUS.lines().collect();
    assert!(lines.len() >= 300, "{} lines", lines.len());
    for needle in [
        "ñ",
        "¿",
        "¡",
        "mg",
        "CIE-10",
        "ÁRBOL",
        "😊",
        "Esternocleidomastoideo",
        "\t",
        "1,73 m²",
    ] {
        assert!(CORPUS.contains(needle), "corpus lacks {needle}");
    }
}

#[test]
fn gguf_tokenizer_matches_hugging_face_id_for_id_on_every_line() {
    let reference = reference();
    let ours = ours();
    let mut tokens = 0;
    for (n, line) in CORPUS.lines().enumerate() {
        let expected = reference.encode(line, false).unwrap().get_ids().to_vec();
        let got = ours.encode(line).unwrap();
        assert_eq!(got, expected, "line {}: {line:?}", n + 1);
        assert_eq!(
            ours.decode(&got).unwrap(),
            line,
            "line {} round trip",
            n + 1
        );
        tokens += got.len();
    }
    assert!(tokens > 5000, "{tokens} tokens");
    // The whole text at once too: newlines and runs of spaces between lines.
    let expected = reference.encode(CORPUS, false).unwrap().get_ids().to_vec();
    assert_eq!(ours.encode(CORPUS).unwrap(), expected);
}

#[test]
fn special_tokens_in_episode_text_are_plain_text() {
    let ours = ours();
    let im_end = ours.token_to_id("<|im_end|>").unwrap();
    let plain = ours.encode("fin <|im_end|> del texto").unwrap();
    assert!(!plain.contains(&im_end), "{plain:?}");
    let markup = ours.encode_markup("<|im_end|>").unwrap();
    assert_eq!(markup, vec![im_end]);
    assert!(ours.eos().contains(&im_end));
}

#[test]
fn tokenizer_json_beside_the_model_is_preferred() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.gguf");
    std::fs::copy(common::tiny(Architecture::Qwen2), &model).unwrap();
    std::fs::copy(
        common::qwen_tokenizer_dir().join("tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    let file = GgufFile::open(&model).unwrap();
    let tok = TextTokenizer::for_model(&file, None).unwrap();
    assert_eq!(
        tok.source(),
        &TokenizerSource::File(dir.path().join("tokenizer.json"))
    );
    let line = "Paciente con neumonía, ceftriaxona 2 g/día 👍";
    assert_eq!(tok.encode(line).unwrap(), ours().encode(line).unwrap());
}
