//! A PEFT LoRA adapter merged into the base weights in f32, row by row:
//! W' = W + s·B·A with s = alpha/r (alpha/√r with rsLoRA). Whatever PEFT
//! can express that this merge would get wrong — DoRA, biases, per-module
//! ranks, adapters on embeddings or on modules other than the attention
//! and MLP projections — is refused by name instead.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::weights::{Entry, Weights};

/// The projections a LoRA may adapt (their `transformers` names).
const MERGEABLE: [&str; 7] = [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
];

/// One adapted matrix: its A (`r × in`) in f32 and where its B (`out × r`) is.
struct Pair {
    a: Vec<f32>,
    b: Entry,
    rank: usize,
}

/// What the UI shows about an adapter.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AdapterSummary {
    /// The adapter's folder, as shown.
    pub folder: String,
    /// The rank `r`.
    pub rank: usize,
    /// `lora_alpha`.
    pub alpha: f64,
    /// Whether the scale is α/√r (rsLoRA) instead of α/r.
    pub rslora: bool,
    /// Module kinds adapted, e.g. `["q_proj", "v_proj"]`.
    pub targets: Vec<String>,
    /// A/B matrix pairs merged.
    pub matrices: usize,
    /// Whole tensors the adapter replaces (`modules_to_save`).
    pub replaced: Vec<String>,
    /// The base model the adapter names, if it does.
    pub base_model: Option<String>,
}

pub struct Adapter {
    pub folder: PathBuf,
    pub summary: AdapterSummary,
    scale: f32,
    weights: Weights,
    /// By the base tensor's name (`model.layers.0.self_attn.q_proj.weight`).
    pairs: HashMap<String, Pair>,
    /// Base tensor name → the adapter's tensor that replaces it.
    replaced: HashMap<String, Entry>,
}

impl Adapter {
    pub fn open(folder: &Path) -> Result<Adapter> {
        let config_path = folder.join("adapter_config.json");
        let bad = |reason: String| Error::BadAdapter {
            path: config_path.clone(),
            reason,
        };
        if !folder.is_dir() {
            return Err(Error::NotAFolder {
                folder: folder.to_path_buf(),
            });
        }
        if !config_path.is_file() {
            return Err(bad(
                "falta adapter_config.json; elija la carpeta que PEFT guardó (adapter_config.json y adapter_model.safetensors)".into(),
            ));
        }
        let text =
            std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, &e))?;
        let config: Json =
            serde_json::from_str(&text).map_err(|e| bad(format!("no es JSON válido: {e}")))?;
        let peft_type = config["peft_type"].as_str().unwrap_or("LORA");
        if peft_type != "LORA" {
            return Err(bad(format!(
                "es un adaptador {peft_type}; solo se combinan adaptadores LORA"
            )));
        }
        if config["use_dora"].as_bool() == Some(true) {
            return Err(bad(
                "usa DoRA (use_dora), que no se combina como un LoRA; entrene sin DoRA o combine el adaptador antes con PEFT".into(),
            ));
        }
        if config["fan_in_fan_out"].as_bool() == Some(true) {
            return Err(bad(
                "usa fan_in_fan_out (capas Conv1D de GPT-2), que estos modelos no tienen".into(),
            ));
        }
        if let Some(bias) = config["bias"].as_str().filter(|b| *b != "none") {
            return Err(bad(format!(
                "entrena sesgos (bias = «{bias}»), que no se combinan; entrene con bias = \"none\""
            )));
        }
        for key in ["rank_pattern", "alpha_pattern"] {
            if config[key].as_object().is_some_and(|m| !m.is_empty()) {
                return Err(bad(format!(
                    "usa {key} (rangos distintos por módulo), que no está soportado"
                )));
            }
        }
        let rank = config["r"]
            .as_u64()
            .filter(|r| *r > 0)
            .ok_or_else(|| bad("falta «r» o no es un entero positivo".into()))?
            as usize;
        let alpha = config["lora_alpha"].as_f64().unwrap_or(rank as f64);
        let rslora = config["use_rslora"].as_bool().unwrap_or(false);
        let scale = if rslora {
            alpha / (rank as f64).sqrt()
        } else {
            alpha / rank as f64
        } as f32;

        let weights_path = folder.join("adapter_model.safetensors");
        if !weights_path.is_file() {
            return Err(bad(
                "falta adapter_model.safetensors (los adaptadores en .bin no se importan)".into(),
            ));
        }
        let weights = Weights::open_files(std::slice::from_ref(&weights_path))?;
        let mut a_of: HashMap<String, Entry> = HashMap::new();
        let mut b_of: HashMap<String, Entry> = HashMap::new();
        let mut replaced = HashMap::new();
        let mut targets: Vec<String> = Vec::new();
        for name in weights.names() {
            let Some(entry) = weights.get(name).cloned() else {
                continue;
            };
            let key = name.strip_prefix("base_model.model.").unwrap_or(name);
            let key = key.replace(".default.", ".");
            let module = key
                .strip_suffix(".weight")
                .map(|k| k.trim_end_matches(".lora_A").trim_end_matches(".lora_B"));
            let unsupported = |module: &str, reason: &str| Error::UnsupportedAdapterModule {
                path: weights_path.clone(),
                module: module.to_string(),
                reason: reason.to_string(),
            };
            if key.contains("lora_embedding") || key.contains("lora_magnitude") {
                return Err(unsupported(&key, "adaptador de embeddings o DoRA"));
            }
            let is_a = key.ends_with(".lora_A.weight");
            let is_b = key.ends_with(".lora_B.weight");
            if is_a || is_b {
                let Some(module) = module else { continue };
                let kind = module.rsplit('.').next().unwrap_or(module);
                if !MERGEABLE.contains(&kind) {
                    return Err(unsupported(
                        module,
                        "no es una proyección de atención ni del MLP",
                    ));
                }
                if !targets.iter().any(|t| t == kind) {
                    targets.push(kind.to_string());
                }
                let base = format!("{module}.weight");
                if is_a {
                    a_of.insert(base, entry);
                } else {
                    b_of.insert(base, entry);
                }
            } else if key.contains("lora_") {
                return Err(unsupported(&key, "tensor LoRA desconocido"));
            } else {
                // modules_to_save: a whole tensor, under its base name.
                let base = key.replace(".modules_to_save.", ".");
                replaced.insert(base, entry);
            }
        }
        let mut pairs = HashMap::new();
        for (base, a) in a_of {
            let b = b_of
                .remove(&base)
                .ok_or_else(|| bad(format!("«{base}» tiene lora_A y le falta lora_B")))?;
            let pair_rank = a.rows();
            if a.shape.len() != 2 || b.shape.len() != 2 || b.cols() != pair_rank {
                return Err(bad(format!(
                    "«{base}»: lora_A mide {:?} y lora_B {:?}, que no se multiplican",
                    a.shape, b.shape
                )));
            }
            pairs.insert(
                base,
                Pair {
                    a: weights.read_all(&a),
                    b,
                    rank: pair_rank,
                },
            );
        }
        if let Some(base) = b_of.keys().next() {
            return Err(bad(format!("«{base}» tiene lora_B y le falta lora_A")));
        }
        if pairs.is_empty() && replaced.is_empty() {
            return Err(bad(
                "adapter_model.safetensors no contiene matrices LoRA".into()
            ));
        }
        targets.sort();
        let mut replaced_names: Vec<String> = replaced.keys().cloned().collect();
        replaced_names.sort();
        Ok(Adapter {
            folder: folder.to_path_buf(),
            summary: AdapterSummary {
                folder: folder.display().to_string(),
                rank,
                alpha,
                rslora,
                targets,
                matrices: pairs.len(),
                replaced: replaced_names,
                base_model: config["base_model_name_or_path"]
                    .as_str()
                    .map(str::to_string),
            },
            scale,
            weights,
            pairs,
            replaced,
        })
    }

    /// Every adapted or replaced tensor must exist in the base with a shape
    /// the adapter fits: otherwise it was trained on another model.
    pub fn check_against(&self, base: &Weights) -> Result<()> {
        let other = |module: &str, reason: String| Error::AdapterForOtherBase {
            path: self.folder.join("adapter_model.safetensors"),
            module: module.to_string(),
            reason,
        };
        // In name order, so the first layer that does not fit is named.
        let mut names: Vec<&String> = self.pairs.keys().collect();
        names.sort();
        for name in names {
            let pair = &self.pairs[name];
            let Some(w) = base.get(name) else {
                return Err(other(name, "no existe en el modelo base".into()));
            };
            let (out, inp) = (w.rows(), w.cols());
            let a_cols = pair.a.len() / pair.rank;
            if pair.b.rows() != out || a_cols != inp {
                return Err(other(
                    name,
                    format!(
                        "mide {out}×{inp} en el modelo base y el adaptador lo modifica como {}×{a_cols}",
                        pair.b.rows()
                    ),
                ));
            }
        }
        for (name, entry) in &self.replaced {
            match base.get(name) {
                Some(w) if w.shape == entry.shape => {}
                Some(w) => {
                    return Err(other(
                        name,
                        format!(
                            "mide {:?} en el modelo base y {:?} en el adaptador",
                            w.shape, entry.shape
                        ),
                    ))
                }
                None => return Err(other(name, "no existe en el modelo base".into())),
            }
        }
        Ok(())
    }

    /// The tensor that replaces `name` (`modules_to_save`), if any, and the
    /// weights that hold it.
    pub fn replacement(&self, name: &str) -> Option<(&Weights, &Entry)> {
        self.replaced.get(name).map(|e| (&self.weights, e))
    }

    pub fn adapts(&self, name: &str) -> bool {
        self.pairs.contains_key(name)
    }

    /// Adds s·B[row]·A to `out`, row `row` of the base tensor `name`.
    pub fn add_delta(&self, name: &str, row: usize, out: &mut [f32]) {
        let Some(pair) = self.pairs.get(name) else {
            return;
        };
        let mut b = vec![0.0; pair.rank];
        self.weights.read_row(&pair.b, row, &mut b);
        let cols = out.len();
        for (k, bk) in b.iter().enumerate() {
            let s = self.scale * bk;
            if s == 0.0 {
                continue;
            }
            let a = &pair.a[k * cols..(k + 1) * cols];
            for (o, av) in out.iter_mut().zip(a) {
                *o += s * av;
            }
        }
    }
}
