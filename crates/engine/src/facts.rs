//! What a model file is, read from its header alone: enough to show the
//! clinician what they picked and to refuse a file before spending seconds
//! and gigabytes loading it.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::quantized::GgmlDType;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::gguf::{dtype_name, tensor_bytes, GgufFile};

/// The architectures we run, spelled as `general.architecture` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Qwen2 and Qwen2.5 (`qwen2`).
    Qwen2,
    /// Qwen3 (`qwen3`: q/k norms, no q/k/v bias).
    Qwen3,
    /// Llama and its derivatives (`llama`).
    Llama,
}

/// The architectures we run, as refusals name them.
pub const SUPPORTED_ARCHITECTURES: &str = "qwen2 (Qwen2.5), qwen3 y llama";

impl Architecture {
    /// The architecture of a GGUF's `general.architecture`, if we run it.
    pub fn from_name(name: &str) -> Option<Architecture> {
        match name {
            "qwen2" => Some(Architecture::Qwen2),
            "qwen3" => Some(Architecture::Qwen3),
            "llama" => Some(Architecture::Llama),
            _ => None,
        }
    }

    /// The name GGUF metadata keys start with.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Qwen2 => "qwen2",
            Architecture::Qwen3 => "qwen3",
            Architecture::Llama => "llama",
        }
    }
}

/// The hyper-parameters the forward pass needs.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Hyper {
    /// Decoder layers.
    pub layers: usize,
    /// Hidden width.
    pub hidden: usize,
    /// MLP width.
    pub feed_forward: usize,
    /// Query heads.
    pub heads: usize,
    /// Key/value heads (fewer than query heads with grouped-query attention).
    pub kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// RoPE base frequency.
    pub rope_theta: f64,
    /// RMS norm epsilon.
    pub rms_eps: f64,
    /// The context the model was trained for.
    pub context_length: usize,
    /// Rows of the embedding table (often padded beyond the vocabulary).
    pub embedding_rows: usize,
}

/// A model file described without loading its weights.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ModelFacts {
    /// The file's name, without its folder (paths reveal user names).
    pub file_name: String,
    /// The file's size in bytes.
    pub file_size: u64,
    /// What architecture it is.
    pub architecture: Architecture,
    /// `general.name`, when the converter wrote one.
    pub name: Option<String>,
    /// Parameters, every tensor counted.
    pub parameters: u64,
    /// A label such as "Q4_K_M" inferred from the tensor types.
    pub quantization: String,
    /// How many tensors of each type, e.g. {"Q4_K": 168, "Q6_K": 29, "F32": 141}.
    pub tensor_types: BTreeMap<String, usize>,
    /// The context the model was trained for.
    pub context_length: usize,
    /// Tokens in the tokenizer stored in the file (0 when it carries none).
    pub vocabulary_size: usize,
    /// Whether the file carries a chat template.
    pub has_chat_template: bool,
    /// What the forward pass needs.
    pub hyper: Hyper,
}

/// What loading will cost, so the UI can warn before it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MemoryEstimate {
    /// The context the estimate is for.
    pub context: usize,
    /// Weights in memory (the mapped file and any regrouped copy).
    pub weights_bytes: u64,
    /// The KV cache at that context.
    pub kv_cache_bytes: u64,
    /// Activations, logits and the tokenizer, measured on the 0.5B and 1.5B
    /// shapes and rounded up.
    pub overhead_bytes: u64,
    /// All of it.
    pub total_bytes: u64,
}

impl ModelFacts {
    /// Reads the header and tables of a GGUF file (not its weights) and checks
    /// it is one we run.
    pub fn read(path: &Path) -> Result<(ModelFacts, GgufFile)> {
        let file = GgufFile::open(path)?;
        let facts = ModelFacts::from_file(&file)?;
        Ok((facts, file))
    }

    pub(crate) fn from_file(file: &GgufFile) -> Result<ModelFacts> {
        let arch_name =
            file.string("general.architecture")
                .ok_or_else(|| Error::MissingMetadata {
                    path: file.path.clone(),
                    key: "general.architecture".to_string(),
                })?;
        let architecture =
            Architecture::from_name(arch_name).ok_or_else(|| Error::UnsupportedArchitecture {
                path: file.path.clone(),
                found: arch_name.to_string(),
                supported: SUPPORTED_ARCHITECTURES,
            })?;
        let hyper = hyper(file, architecture)?;
        let mut tensor_types = BTreeMap::new();
        let mut parameters = 0u64;
        for info in file.content.tensor_infos.values() {
            *tensor_types
                .entry(dtype_name(info.ggml_dtype).to_string())
                .or_insert(0) += 1;
            parameters += info.shape.elem_count() as u64;
        }
        let vocabulary_size = match file.metadata("tokenizer.ggml.tokens") {
            Some(candle_core::quantized::gguf_file::Value::Array(tokens)) => tokens.len(),
            _ => 0,
        };
        Ok(ModelFacts {
            file_name: file
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            file_size: file.file_size,
            architecture,
            name: file.string("general.name").map(str::to_string),
            parameters,
            quantization: quantization_label(file),
            tensor_types,
            context_length: hyper.context_length,
            vocabulary_size,
            has_chat_template: file.string("tokenizer.chat_template").is_some(),
            hyper,
        })
    }

    /// The context a load allocates when asked for `requested` tokens (or
    /// none): [`crate::DEFAULT_CONTEXT`], or the model's own if smaller.
    /// `Model::load` refuses a request beyond the model's.
    pub fn context_for(&self, requested: Option<usize>) -> usize {
        requested.unwrap_or_else(|| crate::DEFAULT_CONTEXT.min(self.context_length))
    }

    /// The memory a load with `context` tokens of KV cache will need.
    pub fn memory(&self, context: usize) -> MemoryEstimate {
        let weights_bytes = self.file_size;
        let kv_cache_bytes = kv_cache_bytes(&self.hyper, context);
        // Logits for one position plus prefill activations for a 512-token
        // chunk; measured at 150–250 MB on the benchmark shapes.
        let overhead_bytes = 256 * 1024 * 1024;
        MemoryEstimate {
            context,
            weights_bytes,
            kv_cache_bytes,
            overhead_bytes,
            total_bytes: weights_bytes + kv_cache_bytes + overhead_bytes,
        }
    }
}

/// Keys and values of every layer in f16 (as the CPU path keeps them) for
/// `context` positions.
pub fn kv_cache_bytes(hyper: &Hyper, context: usize) -> u64 {
    (2 * hyper.layers * hyper.kv_heads * hyper.head_dim * context * 2) as u64
}

fn hyper(file: &GgufFile, arch: Architecture) -> Result<Hyper> {
    let a = arch.name();
    let get = |key: &str| -> Result<usize> {
        let key = format!("{a}.{key}");
        let v = file.required_integer(&key)?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| file.bad(&key, "debe ser un entero positivo"))
    };
    let layers = get("block_count")?;
    let hidden = get("embedding_length")?;
    let feed_forward = get("feed_forward_length")?;
    let heads = get("attention.head_count")?;
    let kv_heads = get("attention.head_count_kv")?;
    let context_length = get("context_length")?;
    if heads % kv_heads != 0 {
        return Err(file.bad(
            &format!("{a}.attention.head_count_kv"),
            "el número de cabezas de atención no es múltiplo del de cabezas clave/valor",
        ));
    }
    let head_dim = match file.integer(&format!("{a}.attention.key_length"))? {
        Some(v) => v as usize,
        None => {
            if hidden % heads != 0 {
                return Err(file.bad(
                    &format!("{a}.embedding_length"),
                    "no es múltiplo del número de cabezas de atención",
                ));
            }
            hidden / heads
        }
    };
    if head_dim == 0 || head_dim % 2 != 0 {
        return Err(file.bad(
            &format!("{a}.attention.key_length"),
            "debe ser par y positivo",
        ));
    }
    let rope_theta = file
        .float(&format!("{a}.rope.freq_base"))?
        .unwrap_or(10_000.0);
    let rms_eps = file
        .float(&format!("{a}.attention.layer_norm_rms_epsilon"))?
        .unwrap_or(1e-6);
    let embedding = file
        .tensor_info("token_embd.weight")
        .ok_or_else(|| Error::MissingTensor {
            path: file.path.clone(),
            tensor: "token_embd.weight".to_string(),
            architecture: a.to_string(),
        })?;
    let (embedding_rows, embedding_width) = match embedding.shape.dims() {
        [rows, width] => (*rows, *width),
        _ => return Err(file.bad("token_embd.weight", "debe ser una matriz")),
    };
    if embedding_width != hidden {
        return Err(file.bad(
            "token_embd.weight",
            &format!("mide {embedding_width} de ancho y el modelo {hidden}"),
        ));
    }
    Ok(Hyper {
        layers,
        hidden,
        feed_forward,
        heads,
        kv_heads,
        head_dim,
        rope_theta,
        rms_eps,
        context_length,
        embedding_rows,
    })
}

/// llama.cpp's file-type names are what users know ("Q4_K_M"); infer one from
/// the tensor types so files from any converter get a label.
fn quantization_label(file: &GgufFile) -> String {
    let mut weights: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (name, info) in &file.content.tensor_infos {
        if info.shape.dims().len() < 2 || name == "token_embd.weight" {
            continue;
        }
        *weights.entry(dtype_name(info.ggml_dtype)).or_insert(0) += tensor_bytes(info);
    }
    let has = |d: GgmlDType| weights.contains_key(dtype_name(d));
    if has(GgmlDType::Q4K) && has(GgmlDType::Q6K) {
        return "Q4_K_M".to_string();
    }
    if has(GgmlDType::Q5K) && has(GgmlDType::Q6K) {
        return "Q5_K_M".to_string();
    }
    weights
        .iter()
        .max_by_key(|(_, bytes)| **bytes)
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| "desconocida".to_string())
}
