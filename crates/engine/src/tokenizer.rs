//! Text ↔ token ids. A `tokenizer.json` beside the model wins; otherwise the
//! tokenizer is rebuilt from the GGUF's `tokenizer.ggml.*` metadata, so one
//! `.gguf` file is enough.
//!
//! Rebuilding means writing the same `tokenizer.json` that the Hugging Face
//! converter would have written (byte-level BPE, the pre-tokenizer named by
//! `tokenizer.ggml.pre`, added tokens from `token_type`) and handing it to
//! the `tokenizers` crate, so both paths run the same, well-tested code.

use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::Value;
use serde_json::{json, Map};

use crate::error::{Error, Result};
use crate::gguf::GgufFile;

/// Where the tokenizer came from, for the model facts and for error messages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "tipo", content = "ruta", rename_all = "snake_case")]
pub enum TokenizerSource {
    /// A `tokenizer.json` file.
    File(PathBuf),
    /// The tokenizer embedded in the GGUF.
    Gguf,
}

/// `token_type` values of the GGUF spec.
const TOKEN_CONTROL: i64 = 3;
const TOKEN_USER_DEFINED: i64 = 4;

/// Split regexes as the Hugging Face tokenizers of each family carry them.
pub(crate) const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
pub(crate) const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// A Hugging Face tokenizer with the model's end-of-text ids.
pub struct TextTokenizer {
    /// Special tokens in the input are plain text: used for anything that
    /// came from a user or an episode.
    plain: tokenizers::Tokenizer,
    /// Special tokens are parsed: used only for the chat template's own text.
    markup: tokenizers::Tokenizer,
    eos: Vec<u32>,
    source: TokenizerSource,
}

impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextTokenizer")
            .field("vocab", &self.vocab_size())
            .field("eos", &self.eos)
            .field("source", &self.source)
            .finish()
    }
}

impl TextTokenizer {
    /// The tokenizer for `model`: `tokenizer` when given, else a
    /// `tokenizer.json` in the model's folder, else the GGUF metadata.
    pub fn for_model(model: &GgufFile, tokenizer: Option<&Path>) -> Result<TextTokenizer> {
        let beside = model.path.with_file_name("tokenizer.json");
        let chosen = match tokenizer {
            Some(path) => Some(path.to_path_buf()),
            None if beside.is_file() => Some(beside),
            None => None,
        };
        let tok = match chosen {
            Some(path) => {
                let json = std::fs::read(&path).map_err(|e| Error::io(&path, &e))?;
                let eos = eos_from_gguf(model);
                TextTokenizer::from_json(&json, TokenizerSource::File(path), eos)?
            }
            None => TextTokenizer::from_gguf(model)?,
        };
        let rows = model
            .tensor_info("token_embd.weight")
            .and_then(|i| i.shape.dims().first().copied())
            .unwrap_or(0);
        if tok.vocab_size() > rows {
            let path = match &tok.source {
                TokenizerSource::File(p) => p.clone(),
                TokenizerSource::Gguf => model.path.clone(),
            };
            return Err(Error::VocabularyMismatch {
                path,
                tokenizer: tok.vocab_size(),
                model: rows,
            });
        }
        Ok(tok)
    }

    /// Builds a tokenizer from `tokenizer.json` bytes.
    pub fn from_json(json: &[u8], source: TokenizerSource, eos: Vec<u32>) -> Result<TextTokenizer> {
        let path = match &source {
            TokenizerSource::File(p) => p.clone(),
            TokenizerSource::Gguf => PathBuf::from("tokenizer.ggml"),
        };
        let markup = tokenizers::Tokenizer::from_bytes(json).map_err(|e| Error::Tokenizer {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut plain = markup.clone();
        plain.set_encode_special_tokens(true);
        let mut eos = eos;
        for name in [
            "<|im_end|>",
            "<|endoftext|>",
            "<|eot_id|>",
            "<|end_of_text|>",
        ] {
            if let Some(id) = markup.token_to_id(name) {
                if !eos.contains(&id) {
                    eos.push(id);
                }
            }
        }
        Ok(TextTokenizer {
            plain,
            markup,
            eos,
            source,
        })
    }

    /// Rebuilds the Hugging Face tokenizer from `tokenizer.ggml.*`.
    pub fn from_gguf(model: &GgufFile) -> Result<TextTokenizer> {
        let json = gguf_tokenizer_json(model)?;
        let bytes = serde_json::to_vec(&json).map_err(|e| Error::Tokenizer {
            path: model.path.clone(),
            reason: e.to_string(),
        })?;
        TextTokenizer::from_json(&bytes, TokenizerSource::Gguf, eos_from_gguf(model))
    }

    /// Where it came from.
    pub fn source(&self) -> &TokenizerSource {
        &self.source
    }

    /// Tokens in its vocabulary, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.markup.get_vocab_size(true)
    }

    /// Ids that end a generation.
    pub fn eos(&self) -> &[u32] {
        &self.eos
    }

    /// Encodes text from a user or an episode: `<|im_end|>` in it is text.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        encode_with(&self.plain, text)
    }

    /// Encodes the chat template's own markup, where special tokens count.
    pub fn encode_markup(&self, text: &str) -> Result<Vec<u32>> {
        encode_with(&self.markup, text)
    }

    /// The text of `ids`, special tokens left out.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.markup
            .decode(ids, true)
            .map_err(|e| Error::Text(format!("no se pudo decodificar: {e}")))
    }

    /// The id of a token, if it is in the vocabulary.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.markup.token_to_id(token)
    }

    /// The token of an id, if there is one.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.markup.id_to_token(id)
    }
}

fn encode_with(tok: &tokenizers::Tokenizer, text: &str) -> Result<Vec<u32>> {
    tok.encode_fast(text, false)
        .map(|e| e.get_ids().to_vec())
        .map_err(|e| Error::Text(format!("no se pudo tokenizar: {e}")))
}

fn eos_from_gguf(model: &GgufFile) -> Vec<u32> {
    ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"]
        .iter()
        .filter_map(|key| model.integer(key).ok().flatten())
        .filter_map(|id| u32::try_from(id).ok())
        .collect()
}

fn strings<'a>(model: &'a GgufFile, key: &str) -> Result<Vec<&'a str>> {
    match model.metadata(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.as_str()),
                _ => Err(model.bad(key, "se esperaba una lista de textos")),
            })
            .collect(),
        Some(_) => Err(model.bad(key, "se esperaba una lista de textos")),
        None => Err(Error::MissingMetadata {
            path: model.path.clone(),
            key: key.to_string(),
        }),
    }
}

/// The `tokenizer.json` equivalent of the GGUF metadata, following
/// llama.cpp's converter in reverse.
fn gguf_tokenizer_json(model: &GgufFile) -> Result<serde_json::Value> {
    let kind = model.string("tokenizer.ggml.model").unwrap_or("");
    if kind != "gpt2" {
        return Err(model.bad(
            "tokenizer.ggml.model",
            &format!(
                "el tokenizador «{kind}» no se puede reconstruir desde el GGUF (solo BPE de bytes, «gpt2»); ponga el tokenizer.json del modelo en la misma carpeta"
            ),
        ));
    }
    let tokens = strings(model, "tokenizer.ggml.tokens")?;
    let merges = strings(model, "tokenizer.ggml.merges")?;
    let types: Vec<i64> = match model.metadata("tokenizer.ggml.token_type") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::I32(t) => i64::from(*t),
                Value::U32(t) => i64::from(*t),
                _ => 1,
            })
            .collect(),
        _ => vec![1; tokens.len()],
    };
    if types.len() != tokens.len() {
        return Err(model.bad(
            "tokenizer.ggml.token_type",
            &format!(
                "tiene {} entradas y hay {} tokens",
                types.len(),
                tokens.len()
            ),
        ));
    }
    let pre = model.string("tokenizer.ggml.pre").unwrap_or("default");
    let (normalizer, pre_tokenizer, ignore_merges) = match pre {
        "qwen2" => (
            json!({"type": "NFC"}),
            split_then_bytes(QWEN2_SPLIT),
            false,
        ),
        "llama3" | "llama-bpe" => (serde_json::Value::Null, split_then_bytes(LLAMA3_SPLIT), true),
        "smollm" => (
            serde_json::Value::Null,
            json!({"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": true},
                {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
            ]}),
            false,
        ),
        "gpt2" | "default" => (
            serde_json::Value::Null,
            json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}),
            false,
        ),
        other => {
            return Err(model.bad(
                "tokenizer.ggml.pre",
                &format!(
                    "el pre-tokenizador «{other}» no está soportado (qwen2, llama-bpe, smollm, gpt2); ponga el tokenizer.json del modelo en la misma carpeta"
                ),
            ))
        }
    };
    let mut vocab = Map::with_capacity(tokens.len());
    let mut added = Vec::new();
    for (id, (token, ty)) in tokens.iter().zip(&types).enumerate() {
        if !vocab.contains_key(*token) {
            vocab.insert((*token).to_string(), json!(id));
        }
        if *ty == TOKEN_CONTROL || *ty == TOKEN_USER_DEFINED {
            added.push(json!({
                "id": id, "content": token, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": *ty == TOKEN_CONTROL,
            }));
        }
    }
    let merges: Vec<serde_json::Value> = merges
        .iter()
        .map(|m| match m.split_once(' ') {
            Some((a, b)) => Ok(json!([a, b])),
            None => Err(model.bad(
                "tokenizer.ggml.merges",
                &format!("la fusión «{m}» no tiene dos partes"),
            )),
        })
        .collect::<Result<_>>()?;
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": "", "end_of_word_suffix": "",
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": ignore_merges,
            "vocab": vocab, "merges": merges,
        },
    }))
}

fn split_then_bytes(regex: &str) -> serde_json::Value {
    json!({"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}
    ]})
}
