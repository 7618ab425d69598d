//! A Hugging Face tokenizer as the `tokenizer.ggml.*` keys llama.cpp's
//! converter writes, so that one GGUF file carries its own tokenizer, chat
//! template and special tokens.

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::gguf_file::Value;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::tokenizer::{LLAMA3_SPLIT, QWEN2_SPLIT};

/// The files a tokenizer comes in; only `tokenizer.json` is required.
#[derive(Debug, Clone, Copy)]
pub struct TokenizerSources<'a> {
    /// `tokenizer.json`.
    pub tokenizer: &'a Path,
    /// `tokenizer_config.json`: special tokens, `add_bos_token`, template.
    pub config: Option<&'a Path>,
    /// `generation_config.json`: end-of-sequence ids when the config has none.
    pub generation: Option<&'a Path>,
    /// `chat_template.jinja`, where newer `transformers` save the template.
    pub chat_template: Option<&'a Path>,
}

/// The tokenizer keys, ready for [`super::GgufWriter::create`].
pub struct TokenizerMetadata {
    pub(crate) entries: Vec<(String, Value)>,
    vocab: usize,
}

fn read_json(p: &Path) -> Result<Json> {
    let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, &e))?;
    serde_json::from_str(&text).map_err(|e| Error::Tokenizer {
        path: p.to_path_buf(),
        reason: format!("no es JSON válido: {e}"),
    })
}

impl TokenizerMetadata {
    /// Reads `tokenizer.json` and, if given, `tokenizer_config.json`.
    pub fn from_files(tokenizer_json: &Path, config_json: Option<&Path>) -> Result<Self> {
        Self::from_sources(TokenizerSources {
            tokenizer: tokenizer_json,
            config: config_json,
            generation: None,
            chat_template: None,
        })
    }

    /// Reads the tokenizer from its files.
    pub fn from_sources(src: TokenizerSources<'_>) -> Result<Self> {
        let tok = read_json(src.tokenizer)?;
        let bad = |reason: &str| Error::Tokenizer {
            path: src.tokenizer.to_path_buf(),
            reason: reason.to_string(),
        };
        if tok["model"]["type"].as_str().is_some_and(|t| t != "BPE") {
            return Err(bad(
                "el tokenizador no es BPE a nivel de bytes (como el de Qwen o Llama 3), el único que Epicrisis sabe guardar en el GGUF",
            ));
        }
        let pre = pre_tokenizer_name(&tok["pre_tokenizer"]).ok_or_else(|| {
            bad("su pre-tokenizador no es el de Qwen2, Llama 3 ni GPT-2, los que Epicrisis reconoce")
        })?;
        let vocab = tok["model"]["vocab"]
            .as_object()
            .ok_or_else(|| bad("falta model.vocab"))?;
        let mut tokens: HashMap<usize, (String, i32)> = HashMap::new();
        for (text, id) in vocab {
            let id = id
                .as_u64()
                .ok_or_else(|| bad("un id de model.vocab no es un número"))?;
            tokens.insert(id as usize, (text.clone(), 1));
        }
        for added in tok["added_tokens"].as_array().into_iter().flatten() {
            let id = added["id"]
                .as_u64()
                .ok_or_else(|| bad("un id de added_tokens no es un número"))?;
            let content = added["content"]
                .as_str()
                .ok_or_else(|| bad("un elemento de added_tokens no tiene «content»"))?;
            let special = added["special"].as_bool().unwrap_or(false);
            tokens.insert(
                id as usize,
                (content.to_string(), if special { 3 } else { 4 }),
            );
        }
        let n = tokens.keys().max().map_or(0, |m| m + 1);
        let mut ids: HashMap<String, u32> = HashMap::with_capacity(n);
        let mut texts = Vec::with_capacity(n);
        let mut types = Vec::with_capacity(n);
        for id in 0..n {
            let (text, ty) = tokens
                .remove(&id)
                .unwrap_or_else(|| (format!("[PAD{id}]"), 5));
            ids.entry(text.clone()).or_insert(id as u32);
            texts.push(Value::String(text));
            types.push(Value::I32(ty));
        }
        let merges: Vec<Value> = tok["model"]["merges"]
            .as_array()
            .ok_or_else(|| bad("falta model.merges"))?
            .iter()
            .map(|m| match m {
                Json::String(s) => Value::String(s.clone()),
                Json::Array(pair) => Value::String(format!(
                    "{} {}",
                    pair.first().and_then(Json::as_str).unwrap_or_default(),
                    pair.get(1).and_then(Json::as_str).unwrap_or_default()
                )),
                _ => Value::String(String::new()),
            })
            .collect();

        let config = src.config.map(read_json).transpose()?.unwrap_or(Json::Null);
        let generation = src
            .generation
            .map(read_json)
            .transpose()?
            .unwrap_or(Json::Null);
        // A special token in tokenizer_config.json is a string or an
        // `AddedToken` object with `content`.
        let named = |key: &str| -> Option<u32> {
            let v = &config[key];
            let text = v.as_str().or_else(|| v["content"].as_str())?;
            ids.get(text).copied()
        };
        let numbered = |key: &str| -> Option<u32> {
            let v = &generation[key];
            v.as_u64()
                .or_else(|| v.as_array()?.first()?.as_u64())
                .map(|id| id as u32)
        };
        let known = |text: &str| ids.get(text).copied();
        let eos = named("eos_token")
            .or_else(|| numbered("eos_token_id"))
            .or_else(|| known("<|im_end|>"))
            .or_else(|| known("<|endoftext|>"));
        let pad = named("pad_token").or_else(|| known("<|endoftext|>"));
        // Qwen has no BOS; its GGUFs name `<|endoftext|>` (never added).
        let bos = named("bos_token")
            .or_else(|| numbered("bos_token_id"))
            .or(pad);
        let add_bos = config["add_bos_token"].as_bool().unwrap_or(false);
        let template = match src.chat_template {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| Error::io(p, &e))?),
            None => match &config["chat_template"] {
                Json::String(t) => Some(t.clone()),
                // Several named templates: the default one.
                Json::Array(list) => list
                    .iter()
                    .find(|t| t["name"] == "default")
                    .or_else(|| list.first())
                    .and_then(|t| t["template"].as_str())
                    .map(str::to_string),
                _ => None,
            },
        };

        let mut entries = vec![
            (
                "tokenizer.ggml.model".to_string(),
                Value::String("gpt2".into()),
            ),
            ("tokenizer.ggml.pre".to_string(), Value::String(pre.into())),
        ];
        if let Some(eos) = eos {
            entries.push(("tokenizer.ggml.eos_token_id".into(), Value::U32(eos)));
        }
        if let Some(pad) = pad {
            entries.push(("tokenizer.ggml.padding_token_id".into(), Value::U32(pad)));
        }
        if let Some(bos) = bos {
            entries.push(("tokenizer.ggml.bos_token_id".into(), Value::U32(bos)));
        }
        entries.push(("tokenizer.ggml.add_bos_token".into(), Value::Bool(add_bos)));
        if let Some(t) = template {
            entries.push(("tokenizer.chat_template".into(), Value::String(t)));
        }
        entries.push(("tokenizer.ggml.tokens".into(), Value::Array(texts)));
        entries.push(("tokenizer.ggml.token_type".into(), Value::Array(types)));
        entries.push(("tokenizer.ggml.merges".into(), Value::Array(merges)));
        Ok(TokenizerMetadata { entries, vocab: n })
    }

    /// Tokens the tokenizer defines (the highest id plus one).
    pub fn vocab_size(&self) -> usize {
        self.vocab
    }

    /// Whether a chat template came with it.
    pub fn has_chat_template(&self) -> bool {
        self.entries
            .iter()
            .any(|(k, _)| k == "tokenizer.chat_template")
    }

    /// The keys, with the token list padded to `rows` embedding rows by
    /// unused `[PAD…]` tokens, as llama.cpp's converter does (llama.cpp
    /// wants one token per row). A table smaller than the tokenizer is left
    /// as it is: tests make such files on purpose, and the loader refuses
    /// them.
    pub fn entries_for(&self, rows: usize) -> Vec<(String, Value)> {
        self.entries
            .iter()
            .cloned()
            .map(|(k, v)| match v {
                Value::Array(mut items)
                    if k == "tokenizer.ggml.tokens" || k == "tokenizer.ggml.token_type" =>
                {
                    for id in items.len()..rows {
                        items.push(if k.ends_with("tokens") {
                            Value::String(format!("[PAD{id}]"))
                        } else {
                            Value::I32(5)
                        });
                    }
                    (k, Value::Array(items))
                }
                other => (k, other),
            })
            .collect()
    }
}

/// llama.cpp's name for a `tokenizer.json` pre-tokenizer, from its split
/// pattern (llama.cpp's converter hashes the tokenizer's output instead; a
/// pattern is what decides that output).
fn pre_tokenizer_name(pre: &Json) -> Option<&'static str> {
    let steps: Vec<&Json> = match pre["type"].as_str() {
        Some("Sequence") => pre["pretokenizers"].as_array()?.iter().collect(),
        Some(_) => vec![pre],
        None => return None,
    };
    let split = steps
        .iter()
        .find(|s| s["type"] == "Split")
        .and_then(|s| s["pattern"]["Regex"].as_str());
    match split {
        Some(p) if p == QWEN2_SPLIT => Some("qwen2"),
        Some(p) if p == LLAMA3_SPLIT => Some("llama-bpe"),
        Some(_) => None,
        None if steps
            .iter()
            .any(|s| s["type"] == "ByteLevel" && s["use_regex"] != false) =>
        {
            Some("gpt2")
        }
        None => None,
    }
}
