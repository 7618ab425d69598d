//! `config.json` as `transformers` writes it for the architectures we run,
//! read into the shape the GGUF header states.

use std::path::{Path, PathBuf};

use engine::writer::ModelShape;
use engine::Architecture;
use serde::Serialize;
use serde_json::Value as Json;

use crate::error::{Error, Result};

/// The classes we import, as the refusal names them.
pub const SUPPORTED_CLASSES: &str =
    "Qwen2ForCausalLM (Qwen2.5), Qwen3ForCausalLM y LlamaForCausalLM";

/// What `config.json` says about the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HfConfig {
    /// The `config.json` read, for errors that name it.
    #[serde(skip)]
    pub path: PathBuf,
    /// `architectures[0]`, e.g. `Qwen2ForCausalLM`.
    pub class: String,
    /// Layers, widths and heads, as the GGUF writer wants them.
    #[serde(skip)]
    pub shape: ModelShape,
    /// The output layer is the embedding table (no `lm_head` tensor).
    pub tied_embeddings: bool,
    /// `torch_dtype` (or `dtype`), as saved.
    pub dtype: Option<String>,
    /// Whether q/k/v carry biases (Qwen2 does).
    pub attention_bias: bool,
}

impl HfConfig {
    /// Reads and checks `folder/config.json`; a missing or wrong value is
    /// refused with its key.
    pub fn read(folder: &Path) -> Result<HfConfig> {
        let path = folder.join("config.json");
        if !path.is_file() {
            return Err(Error::MissingConfig {
                folder: folder.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
        let json: Json = serde_json::from_str(&text).map_err(|e| Error::BadConfig {
            path: path.clone(),
            key: "(archivo)".into(),
            reason: format!("no es JSON válido: {e}"),
        })?;
        Self::from_json(&path, &json)
    }

    fn from_json(path: &Path, json: &Json) -> Result<HfConfig> {
        let bad = |key: &str, reason: &str| Error::BadConfig {
            path: path.to_path_buf(),
            key: key.to_string(),
            reason: reason.to_string(),
        };
        let class = json["architectures"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(Json::as_str)
            .map(str::to_string)
            .or_else(|| {
                json["model_type"].as_str().map(|t| match t {
                    "qwen2" => "Qwen2ForCausalLM".to_string(),
                    "qwen3" => "Qwen3ForCausalLM".to_string(),
                    "llama" => "LlamaForCausalLM".to_string(),
                    other => other.to_string(),
                })
            })
            .ok_or_else(|| bad("architectures", "falta; no se sabe qué modelo es"))?;
        let arch = match class.as_str() {
            "Qwen2ForCausalLM" => Architecture::Qwen2,
            "Qwen3ForCausalLM" => Architecture::Qwen3,
            "LlamaForCausalLM" => Architecture::Llama,
            _ => {
                return Err(Error::UnsupportedArchitecture {
                    path: path.to_path_buf(),
                    found: class,
                    supported: SUPPORTED_CLASSES,
                })
            }
        };
        let count = |key: &str| -> Result<usize> {
            match json[key].as_u64() {
                Some(n) if n > 0 => Ok(n as usize),
                Some(_) => Err(bad(key, "debe ser mayor que cero")),
                None => Err(bad(key, "falta o no es un número entero")),
            }
        };
        let optional_count = |key: &str| -> Result<Option<usize>> {
            if json[key].is_null() {
                Ok(None)
            } else {
                count(key).map(Some)
            }
        };
        let hidden = count("hidden_size")?;
        let heads = count("num_attention_heads")?;
        let kv_heads = optional_count("num_key_value_heads")?.unwrap_or(heads);
        let head_dim = optional_count("head_dim")?.unwrap_or(hidden / heads);
        if !heads.is_multiple_of(kv_heads) {
            return Err(bad(
                "num_key_value_heads",
                &format!("{kv_heads} no divide a num_attention_heads ({heads})"),
            ));
        }
        if !head_dim.is_multiple_of(2) {
            return Err(bad("head_dim", "debe ser par (RoPE gira pares de valores)"));
        }
        let float = |key: &str, default: f64| -> Result<f64> {
            match &json[key] {
                Json::Null => Ok(default),
                v => v
                    .as_f64()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| bad(key, "no es un número positivo")),
            }
        };
        // Newer `transformers` move rope_theta into rope_parameters.
        let rope_theta = match json["rope_parameters"]["rope_theta"].as_f64() {
            Some(t) => t,
            None => float("rope_theta", 10_000.0)?,
        };
        for key in ["rope_scaling", "rope_parameters"] {
            let kind = json[key]["rope_type"]
                .as_str()
                .or_else(|| json[key]["type"].as_str());
            if let Some(kind) = kind.filter(|k| *k != "default") {
                return Err(bad(
                    key,
                    &format!("el escalado de RoPE «{kind}» no está soportado; Epicrisis ejecuta modelos con RoPE sin escalar"),
                ));
            }
        }
        let shape = ModelShape {
            arch,
            layers: count("num_hidden_layers")?,
            hidden,
            feed_forward: count("intermediate_size")?,
            heads,
            kv_heads,
            head_dim,
            context: optional_count("max_position_embeddings")?.unwrap_or(32_768),
            rope_theta: rope_theta as f32,
            rms_eps: float("rms_norm_eps", 1e-6)? as f32,
            vocab: count("vocab_size")?,
        };
        let tied_embeddings = json["tie_word_embeddings"].as_bool().unwrap_or(false);
        let dtype = json["torch_dtype"]
            .as_str()
            .or_else(|| json["dtype"].as_str())
            .map(str::to_string);
        Ok(HfConfig {
            path: path.to_path_buf(),
            class,
            shape,
            tied_embeddings,
            dtype,
            attention_bias: json["attention_bias"].as_bool().unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: Json) -> Result<HfConfig> {
        HfConfig::from_json(Path::new("config.json"), &json)
    }

    fn qwen() -> Json {
        serde_json::json!({
            "architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
            "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
            "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "max_position_embeddings": 32768,
            "vocab_size": 151936, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
            "rope_scaling": null
        })
    }

    #[test]
    fn reads_qwen25_0_5b() {
        let c = config(qwen()).unwrap();
        assert_eq!(c.shape.arch, Architecture::Qwen2);
        assert_eq!((c.shape.head_dim, c.shape.kv_heads), (64, 2));
        assert!(c.tied_embeddings);
        assert_eq!(c.dtype.as_deref(), Some("bfloat16"));
    }

    #[test]
    fn refuses_what_we_cannot_run_by_name() {
        let mut j = qwen();
        j["architectures"] = serde_json::json!(["MistralForCausalLM"]);
        let e = config(j).unwrap_err().to_string();
        assert!(
            e.contains("MistralForCausalLM") && e.contains("Qwen3ForCausalLM"),
            "{e}"
        );
        let mut j = qwen();
        j["rope_scaling"] = serde_json::json!({"type": "yarn", "factor": 4.0});
        let e = config(j).unwrap_err().to_string();
        assert!(e.contains("yarn") && e.contains("rope_scaling"), "{e}");
        let mut j = qwen();
        j["hidden_size"] = serde_json::json!("896");
        assert!(config(j).unwrap_err().to_string().contains("hidden_size"));
    }
}
