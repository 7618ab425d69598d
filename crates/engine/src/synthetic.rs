//! GGUF files with random weights and a real tokenizer, so that tests and
//! benchmarks never download a model. Speed does not depend on the weights'
//! values, and the tokenizer is the real Qwen one, so a synthetic file
//! exercises every path a real one does.
//!
//! The quantization recipes follow `llama-quantize`: Q4_K_M puts Q6_K on
//! the (tied) embedding and on `attn_v`/`ffn_down` of some layers, and falls
//! back to Q5_0/Q8_0 for tensors whose rows are not a multiple of 256, as it
//! must on the 0.5B shape.

use std::collections::HashMap;
use std::io::BufWriter;
use std::path::Path;

use candle_core::quantized::gguf_file::{self, Value};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::facts::Architecture;
use crate::sampler::Rng;

/// How the weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipe {
    /// Everything 2-D in Q8_0 (block 32: any shape works).
    Q8_0,
    /// llama-quantize's Q4_K_M mix.
    Q4KM,
    F32,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub arch: Architecture,
    pub layers: usize,
    pub hidden: usize,
    pub feed_forward: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub context: usize,
    /// Rows of the embedding table; at least the tokenizer's vocabulary.
    pub embedding_rows: usize,
    pub recipe: Recipe,
    pub tied_embeddings: bool,
    pub seed: u64,
    /// Weights are uniform in ±`scale`; norms are 1.
    pub scale: f32,
}

impl Spec {
    /// A few layers, small hidden size: builds in about a second.
    pub fn tiny(arch: Architecture) -> Spec {
        Spec {
            arch,
            layers: 2,
            hidden: 64,
            feed_forward: 128,
            heads: 4,
            kv_heads: 2,
            head_dim: 16,
            context: 512,
            embedding_rows: 151_936,
            recipe: Recipe::Q8_0,
            tied_embeddings: arch != Architecture::Llama,
            seed: 7,
            scale: 0.2,
        }
    }

    /// The shape of Qwen2.5-0.5B-Instruct.
    pub fn qwen25_0_5b(recipe: Recipe) -> Spec {
        Spec {
            arch: Architecture::Qwen2,
            layers: 24,
            hidden: 896,
            feed_forward: 4864,
            heads: 14,
            kv_heads: 2,
            head_dim: 64,
            context: 32_768,
            embedding_rows: 151_936,
            recipe,
            tied_embeddings: true,
            seed: 1,
            scale: 0.02,
        }
    }

    /// The shape of Qwen2.5-1.5B-Instruct.
    pub fn qwen25_1_5b(recipe: Recipe) -> Spec {
        Spec {
            layers: 28,
            hidden: 1536,
            feed_forward: 8960,
            heads: 12,
            kv_heads: 2,
            head_dim: 128,
            ..Spec::qwen25_0_5b(recipe)
        }
    }
}

/// `n` weights uniform in ±`scale`.
fn uniform(rng: &mut Rng, n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|_| ((rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale)
        .collect()
}

/// The tokenizer parts of a `tokenizer.json` and `tokenizer_config.json`,
/// turned into GGUF metadata the way llama.cpp's converter does.
pub struct TokenizerMetadata {
    entries: Vec<(String, Value)>,
    vocab: usize,
}

impl TokenizerMetadata {
    pub fn from_files(tokenizer_json: &Path, config_json: Option<&Path>) -> Result<Self> {
        let read = |p: &Path| -> Result<Json> {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, &e))?;
            serde_json::from_str(&text).map_err(|e| Error::Tokenizer {
                path: p.to_path_buf(),
                reason: e.to_string(),
            })
        };
        let tok = read(tokenizer_json)?;
        let bad = |reason: &str| Error::Tokenizer {
            path: tokenizer_json.to_path_buf(),
            reason: reason.to_string(),
        };
        let vocab = tok["model"]["vocab"]
            .as_object()
            .ok_or_else(|| bad("falta model.vocab"))?;
        let mut tokens: HashMap<usize, (String, i32)> = HashMap::new();
        for (text, id) in vocab {
            let id = id.as_u64().ok_or_else(|| bad("id no numérico"))? as usize;
            tokens.insert(id, (text.clone(), 1));
        }
        for added in tok["added_tokens"].as_array().into_iter().flatten() {
            let id = added["id"].as_u64().ok_or_else(|| bad("id no numérico"))? as usize;
            let content = added["content"].as_str().unwrap_or_default().to_string();
            let special = added["special"].as_bool().unwrap_or(false);
            tokens.insert(id, (content, if special { 3 } else { 4 }));
        }
        let n = tokens.keys().max().map_or(0, |m| m + 1);
        let mut texts = Vec::with_capacity(n);
        let mut types = Vec::with_capacity(n);
        for id in 0..n {
            let (text, ty) = tokens
                .remove(&id)
                .unwrap_or_else(|| (format!("[PAD{id}]"), 5));
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
        let id_of = |t: &str| -> Option<u32> {
            texts
                .iter()
                .position(|v| matches!(v, Value::String(s) if s == t))
                .map(|i| i as u32)
        };
        let mut entries = vec![
            (
                "tokenizer.ggml.model".to_string(),
                Value::String("gpt2".into()),
            ),
            (
                "tokenizer.ggml.pre".to_string(),
                Value::String("qwen2".into()),
            ),
        ];
        if let Some(eos) = id_of("<|im_end|>") {
            entries.push(("tokenizer.ggml.eos_token_id".into(), Value::U32(eos)));
        }
        if let Some(pad) = id_of("<|endoftext|>") {
            entries.push(("tokenizer.ggml.padding_token_id".into(), Value::U32(pad)));
            entries.push(("tokenizer.ggml.bos_token_id".into(), Value::U32(pad)));
        }
        entries.push(("tokenizer.ggml.add_bos_token".into(), Value::Bool(false)));
        if let Some(config) = config_json {
            let config = read(config)?;
            if let Some(t) = config["chat_template"].as_str() {
                entries.push((
                    "tokenizer.chat_template".into(),
                    Value::String(t.to_string()),
                ));
            }
        }
        entries.push(("tokenizer.ggml.tokens".into(), Value::Array(texts)));
        entries.push(("tokenizer.ggml.token_type".into(), Value::Array(types)));
        entries.push(("tokenizer.ggml.merges".into(), Value::Array(merges)));
        Ok(TokenizerMetadata { entries, vocab: n })
    }

    pub fn vocab_size(&self) -> usize {
        self.vocab
    }
}

/// Writes a model of shape `spec` with `tokenizer` to `out`.
pub fn write_model(spec: &Spec, tokenizer: &TokenizerMetadata, out: &Path) -> Result<()> {
    let a = spec.arch.name();
    let mut rng = Rng(spec.seed);
    // Not padded to the tokenizer: tests make mismatched files on purpose.
    let rows = spec.embedding_rows;
    let mut meta: Vec<(String, Value)> = vec![
        ("general.architecture".into(), Value::String(a.into())),
        (
            "general.name".into(),
            Value::String(format!("sintetico-{a}-{}x{}", spec.layers, spec.hidden)),
        ),
        (format!("{a}.block_count"), Value::U32(spec.layers as u32)),
        (
            format!("{a}.context_length"),
            Value::U32(spec.context as u32),
        ),
        (
            format!("{a}.embedding_length"),
            Value::U32(spec.hidden as u32),
        ),
        (
            format!("{a}.feed_forward_length"),
            Value::U32(spec.feed_forward as u32),
        ),
        (
            format!("{a}.attention.head_count"),
            Value::U32(spec.heads as u32),
        ),
        (
            format!("{a}.attention.head_count_kv"),
            Value::U32(spec.kv_heads as u32),
        ),
        (format!("{a}.rope.freq_base"), Value::F32(1_000_000.0)),
        (
            format!("{a}.attention.layer_norm_rms_epsilon"),
            Value::F32(1e-6),
        ),
    ];
    if spec.head_dim * spec.heads != spec.hidden || spec.arch == Architecture::Qwen3 {
        meta.push((
            format!("{a}.attention.key_length"),
            Value::U32(spec.head_dim as u32),
        ));
        meta.push((
            format!("{a}.attention.value_length"),
            Value::U32(spec.head_dim as u32),
        ));
    }
    if spec.arch == Architecture::Llama {
        meta.push((
            format!("{a}.rope.dimension_count"),
            Value::U32(spec.head_dim as u32),
        ));
    }
    // llama.cpp wants one token per embedding row: its converter pads the
    // list with unused `[PAD…]` tokens, and so do we. (A table smaller than
    // the tokenizer stays as it is: tests refuse such files.)
    meta.extend(tokenizer.entries.iter().cloned().map(|(k, v)| match v {
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
    }));

    let cpu = Device::Cpu;
    let mut tensors: Vec<(String, QTensor)> = Vec::new();
    let mut add = |name: String,
                   dims: &[usize],
                   role: Role,
                   layer: Option<usize>,
                   rng: &mut Rng|
     -> Result<()> {
        let n: usize = dims.iter().product();
        let values = match role {
            Role::Norm => (0..n).map(|_| 1.0).collect(),
            Role::Bias => uniform(rng, n, spec.scale * 0.5),
            Role::Weight | Role::Embedding | Role::Output => uniform(rng, n, spec.scale),
        };
        let t = Tensor::from_vec(values, dims, &cpu)?;
        let dtype = pick_dtype(spec, role, &name, layer, dims);
        tensors.push((name, QTensor::quantize(&t, dtype)?));
        Ok(())
    };
    let (h, f, hd) = (spec.hidden, spec.feed_forward, spec.head_dim);
    add(
        "token_embd.weight".into(),
        &[rows, h],
        Role::Embedding,
        None,
        &mut rng,
    )?;
    for i in 0..spec.layers {
        let p = format!("blk.{i}");
        let l = Some(i);
        add(
            format!("{p}.attn_norm.weight"),
            &[h],
            Role::Norm,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.attn_q.weight"),
            &[spec.heads * hd, h],
            Role::Weight,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.attn_k.weight"),
            &[spec.kv_heads * hd, h],
            Role::Weight,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.attn_v.weight"),
            &[spec.kv_heads * hd, h],
            Role::Weight,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.attn_output.weight"),
            &[h, spec.heads * hd],
            Role::Weight,
            l,
            &mut rng,
        )?;
        if spec.arch == Architecture::Qwen2 {
            add(
                format!("{p}.attn_q.bias"),
                &[spec.heads * hd],
                Role::Bias,
                l,
                &mut rng,
            )?;
            add(
                format!("{p}.attn_k.bias"),
                &[spec.kv_heads * hd],
                Role::Bias,
                l,
                &mut rng,
            )?;
            add(
                format!("{p}.attn_v.bias"),
                &[spec.kv_heads * hd],
                Role::Bias,
                l,
                &mut rng,
            )?;
        }
        if spec.arch == Architecture::Qwen3 {
            add(
                format!("{p}.attn_q_norm.weight"),
                &[hd],
                Role::Norm,
                l,
                &mut rng,
            )?;
            add(
                format!("{p}.attn_k_norm.weight"),
                &[hd],
                Role::Norm,
                l,
                &mut rng,
            )?;
        }
        add(
            format!("{p}.ffn_norm.weight"),
            &[h],
            Role::Norm,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.ffn_gate.weight"),
            &[f, h],
            Role::Weight,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.ffn_up.weight"),
            &[f, h],
            Role::Weight,
            l,
            &mut rng,
        )?;
        add(
            format!("{p}.ffn_down.weight"),
            &[h, f],
            Role::Weight,
            l,
            &mut rng,
        )?;
    }
    add(
        "output_norm.weight".into(),
        &[h],
        Role::Norm,
        None,
        &mut rng,
    )?;
    if !spec.tied_embeddings {
        add(
            "output.weight".into(),
            &[rows, h],
            Role::Output,
            None,
            &mut rng,
        )?;
    }

    let partial = out.with_extension("gguf.parcial");
    let file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, &e))?;
    let mut w = BufWriter::new(file);
    let meta_refs: Vec<(&str, &Value)> = meta.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, t)| (k.as_str(), t)).collect();
    gguf_file::write(&mut w, &meta_refs, &tensor_refs)?;
    drop(w);
    std::fs::rename(&partial, out).map_err(|e| Error::io(out, &e))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Embedding,
    Weight,
    Output,
    Norm,
    Bias,
}

fn pick_dtype(
    spec: &Spec,
    role: Role,
    name: &str,
    layer: Option<usize>,
    dims: &[usize],
) -> GgmlDType {
    if matches!(role, Role::Norm | Role::Bias) {
        return GgmlDType::F32;
    }
    let row = dims.last().copied().unwrap_or(0);
    match spec.recipe {
        Recipe::F32 => GgmlDType::F32,
        Recipe::Q8_0 => GgmlDType::Q8_0,
        Recipe::Q4KM => {
            let n = spec.layers;
            let more_bits = |i: usize| i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
            let wants_q6 = match role {
                Role::Output => true,
                Role::Embedding => spec.tied_embeddings,
                _ => {
                    (name.ends_with("attn_v.weight") || name.ends_with("ffn_down.weight"))
                        && layer.is_some_and(more_bits)
                }
            };
            match (wants_q6, row % 256 == 0) {
                (true, true) => GgmlDType::Q6K,
                (true, false) => GgmlDType::Q8_0,
                (false, true) => GgmlDType::Q4K,
                (false, false) => GgmlDType::Q5_0,
            }
        }
    }
}
