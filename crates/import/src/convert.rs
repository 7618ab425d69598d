//! A checkpoint folder (and adapter) written as one GGUF file, tensor by
//! tensor and row slice by row slice, with the names, shapes and header
//! keys llama.cpp's `convert_hf_to_gguf.py` writes for these architectures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::quantized::gguf_file::Value;
use candle_core::quantized::GgmlDType;
use engine::writer::{
    encode, file_size, model_metadata, tensor_type, FileType, GgufWriter, TensorPlan,
    TokenizerMetadata, TokenizerSources,
};
use engine::{Architecture, CancelToken};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::HfConfig;
use crate::error::{Error, Result};
use crate::lora::{Adapter, AdapterSummary};
use crate::weights::{Entry, Weights};

/// Values converted per slice of rows: 16 MB of f32, whatever the tensor.
const SLICE_VALUES: usize = 1 << 22;

/// A folder opened and checked: every tensor the architecture needs is
/// there with the shape `config.json` implies, the tokenizer fits the
/// embedding table, and the adapter (if any) fits the base.
pub struct Checkpoint {
    /// The checkpoint folder.
    pub folder: PathBuf,
    /// Its `config.json`.
    pub config: HfConfig,
    /// Its safetensors, mapped.
    pub weights: Weights,
    /// Its tokenizer, as the GGUF file will embed it.
    pub tokenizer: TokenizerMetadata,
    /// The LoRA adapter merged while converting, if any.
    pub adapter: Option<Adapter>,
    /// `general.name`: the folder's name (with the adapter's, if any).
    pub name: String,
    tensors: Vec<Source>,
}

/// One GGUF tensor and where its values come from.
#[derive(Debug, Clone)]
struct Source {
    gguf: String,
    hf: String,
    dims: Vec<usize>,
    /// Heads to regroup rows by (llama's q/k, see [`permuted_row`]).
    permute: Option<usize>,
}

/// What the clinician sees before importing.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CheckpointSummary {
    /// The folder, as shown.
    pub folder: String,
    /// The name the GGUF will carry.
    pub name: String,
    /// `config.json`'s class, e.g. `Qwen2ForCausalLM`.
    pub class: String,
    /// The engine's architecture for it.
    pub architecture: Architecture,
    /// Parameters, all tensors counted.
    pub parameters: u64,
    /// Stored types and how many tensors of each, e.g. `[["BF16", 290]]`.
    pub dtypes: Vec<(&'static str, usize)>,
    /// Decoder layers.
    pub layers: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Attention heads.
    pub heads: usize,
    /// Key/value heads (grouped-query attention).
    pub kv_heads: usize,
    /// The context the model was trained for.
    pub context: usize,
    /// Rows of the embedding table.
    pub embedding_rows: usize,
    /// Whether the output layer is the embedding table.
    pub tied_embeddings: bool,
    /// Tokens in `tokenizer.json`.
    pub tokenizer_tokens: usize,
    /// Whether the tokenizer brings a chat template.
    pub has_chat_template: bool,
    /// The adapter, when one is merged.
    pub lora: Option<AdapterSummary>,
    /// Per output type, smallest first.
    pub estimates: Vec<Estimate>,
}

/// Size and time of one output type, before importing.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Estimate {
    /// The output type.
    pub file_type: FileType,
    /// The file's size.
    pub bytes: u64,
    /// Conversion time on this machine's cores, from measured rates.
    pub seconds: f64,
}

/// How far a conversion got.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// 0 to 1 of the values to convert.
    pub share: f32,
    /// The tensor being written.
    pub tensor: String,
}

impl Checkpoint {
    /// Opens and checks a checkpoint folder (and an adapter), refusing it with
    /// the file, tensor or module that is wrong; nothing is written.
    pub fn open(folder: &Path, lora: Option<&Path>) -> Result<Checkpoint> {
        if !folder.is_dir() {
            return Err(Error::NotAFolder {
                folder: folder.to_path_buf(),
            });
        }
        let config = HfConfig::read(folder)?;
        let weights = Weights::open_folder(folder)?;
        let tokenizer_json = folder.join("tokenizer.json");
        if !tokenizer_json.is_file() {
            return Err(Error::MissingTokenizer {
                folder: folder.to_path_buf(),
            });
        }
        let beside = |name: &str| Some(folder.join(name)).filter(|p| p.is_file());
        let (tok_config, generation, template) = (
            beside("tokenizer_config.json"),
            beside("generation_config.json"),
            beside("chat_template.jinja"),
        );
        let tokenizer = TokenizerMetadata::from_sources(TokenizerSources {
            tokenizer: &tokenizer_json,
            config: tok_config.as_deref(),
            generation: generation.as_deref(),
            chat_template: template.as_deref(),
        })?;
        let adapter = lora.map(Adapter::open).transpose()?;
        if let Some(adapter) = &adapter {
            adapter.check_against(&weights)?;
        }
        let folder_name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "modelo".into())
        };
        let name = match &adapter {
            Some(a) => format!("{}-{}", folder_name(folder), folder_name(&a.folder)),
            None => folder_name(folder),
        };
        let tensors = sources(folder, &config, &weights)?;
        let rows = config.shape.vocab;
        if tokenizer.vocab_size() > rows {
            return Err(Error::TokenizerTooLarge {
                folder: folder.to_path_buf(),
                tokenizer: tokenizer.vocab_size(),
                rows,
            });
        }
        Ok(Checkpoint {
            folder: folder.to_path_buf(),
            config,
            weights,
            tokenizer,
            adapter,
            name,
            tensors,
        })
    }

    /// What the window shows before the clinician imports.
    pub fn summary(&self) -> CheckpointSummary {
        let s = &self.config.shape;
        CheckpointSummary {
            folder: self.folder.display().to_string(),
            name: self.name.clone(),
            class: self.config.class.clone(),
            architecture: s.arch,
            parameters: self
                .tensors
                .iter()
                .map(|t| t.dims.iter().product::<usize>() as u64)
                .sum(),
            dtypes: self.weights.dtypes(),
            layers: s.layers,
            hidden: s.hidden,
            heads: s.heads,
            kv_heads: s.kv_heads,
            context: s.context,
            embedding_rows: s.vocab,
            tied_embeddings: self.config.tied_embeddings,
            tokenizer_tokens: self.tokenizer.vocab_size(),
            has_chat_template: self.tokenizer.has_chat_template(),
            lora: self.adapter.as_ref().map(|a| a.summary.clone()),
            estimates: FileType::IMPORTABLE
                .iter()
                .map(|&t| Estimate {
                    file_type: t,
                    bytes: self.output_size(t),
                    seconds: self.estimated_seconds(t),
                })
                .collect(),
        }
    }

    /// The file name an import suggests: the checkpoint's name and type,
    /// lower case (so "epicrisis" in a folder name stays in the file name,
    /// and the fine-tuned prompt profile is chosen for it).
    pub fn file_name(&self, file_type: FileType) -> String {
        let base: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("{base}-{}.gguf", file_type.name().to_lowercase())
    }

    /// `dir` joined with [`Checkpoint::file_name`].
    pub fn output_in(&self, dir: &Path, file_type: FileType) -> PathBuf {
        dir.join(self.file_name(file_type))
    }

    /// A new file for `file_type` in its own folder inside `models`
    /// (`models/NAME-TYPE/NAME-TYPE.gguf`, with `-2`, `-3`… when an earlier
    /// import took the name), the folder created.
    pub fn free_output_in(&self, models: &Path, file_type: FileType) -> std::io::Result<PathBuf> {
        let name = self.file_name(file_type);
        let stem = name.trim_end_matches(".gguf");
        let mut n = 1;
        loop {
            let stem = if n == 1 {
                stem.to_string()
            } else {
                format!("{stem}-{n}")
            };
            let dir = models.join(&stem);
            if !dir.exists() {
                std::fs::create_dir_all(&dir)?;
                return Ok(dir.join(format!("{stem}.gguf")));
            }
            n += 1;
        }
    }

    fn plans(&self, file_type: FileType) -> Vec<TensorPlan> {
        let layers = self.config.shape.layers;
        let tied = self.config.tied_embeddings;
        self.tensors
            .iter()
            .map(|t| TensorPlan {
                name: t.gguf.clone(),
                dims: t.dims.clone(),
                dtype: tensor_type(file_type, &t.gguf, &t.dims, layers, tied),
            })
            .collect()
    }

    fn metadata(&self, file_type: FileType) -> Vec<(String, Value)> {
        let mut meta = model_metadata(&self.config.shape);
        let s = |v: &str| Value::String(v.to_string());
        let folder_name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let general = [
            ("general.type", s("model")),
            ("general.name", s(&self.name)),
            ("general.file_type", Value::U32(file_type.ftype_id())),
            ("general.quantization_version", Value::U32(2)),
            ("epicrisis.import.source", s(&folder_name(&self.folder))),
            ("epicrisis.import.source_class", s(&self.config.class)),
            ("epicrisis.import.date", s(&today())),
            ("epicrisis.import.version", s(env!("CARGO_PKG_VERSION"))),
        ];
        for (i, (k, v)) in general.into_iter().enumerate() {
            meta.insert(1 + i, (k.to_string(), v));
        }
        if let Some(a) = &self.adapter {
            meta.push(("epicrisis.import.lora".into(), s(&folder_name(&a.folder))));
            meta.push((
                "epicrisis.import.lora_rank".into(),
                Value::U32(a.summary.rank as u32),
            ));
            if let Some(base) = &a.summary.base_model {
                meta.push(("epicrisis.import.lora_base".into(), s(base)));
            }
        }
        meta.extend(self.tokenizer.entries_for(self.config.shape.vocab));
        meta
    }

    /// Bytes of the GGUF file of `file_type`.
    pub fn output_size(&self, file_type: FileType) -> u64 {
        file_size(&self.metadata(file_type), &self.plans(file_type))
    }

    /// Seconds to convert, from rates measured on the 1.5B shape (2 cores
    /// of an EPYC, `import_bench`; see docs/benchmarks.md): the K-quants
    /// search their scales, the rest only convert.
    fn estimated_seconds(&self, file_type: FileType) -> f64 {
        let values: f64 = self
            .tensors
            .iter()
            .map(|t| t.dims.iter().product::<usize>() as f64)
            .sum();
        let per_core = match file_type {
            FileType::Q4KM | FileType::Q5KM => 25e6,
            FileType::Q8_0 => 190e6,
            FileType::F32 | FileType::F16 | FileType::Bf16 => 130e6,
        };
        let cores = rayon::current_num_threads().max(1) as f64;
        values / (per_core * cores)
    }

    /// Writes the GGUF of `file_type` to `out` (through `out.parcial`,
    /// renamed when whole). `progress` is told after every slice of rows.
    pub fn convert(
        &self,
        file_type: FileType,
        out: &Path,
        cancel: &CancelToken,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Converted> {
        let started = Instant::now();
        if out.exists() {
            return Err(Error::OutputExists {
                path: out.to_path_buf(),
            });
        }
        let meta = self.metadata(file_type);
        let plans = self.plans(file_type);
        let needed = file_size(&meta, &plans);
        ensure_space(out, needed, crate::free_space(out))?;
        let total: usize = plans.iter().map(TensorPlan::elements).sum();
        let mut done = 0usize;
        let mut writer = GgufWriter::create(out, &meta, plans.clone())?;
        for (source, plan) in self.tensors.iter().zip(&plans) {
            let (weights, entry) = self.entry(source)?;
            let cols = source.dims.last().copied().unwrap_or(1);
            let rows = plan.elements() / cols;
            let slice_rows = (SLICE_VALUES / cols).max(1);
            let mut start = 0;
            while start < rows {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let end = (start + slice_rows).min(rows);
                let values = self.read_rows(source, weights, entry, start..end)?;
                check_values(&source.gguf, plan.dtype, &values, cols, start)?;
                writer.write(&encode(&values, cols, plan.dtype)?)?;
                if entry.shape.len() > 1 {
                    weights.release_rows(entry, start..end);
                }
                done += values.len();
                start = end;
                progress(Progress {
                    share: done as f32 / total.max(1) as f32,
                    tensor: source.gguf.clone(),
                });
            }
        }
        writer.finish()?;
        Ok(Converted {
            file_type,
            path: out.to_path_buf(),
            bytes: needed,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The weights and entry a tensor is read from: the adapter's when it
    /// replaces the tensor (`modules_to_save`), the base's otherwise.
    fn entry(&self, source: &Source) -> Result<(&Weights, &Entry)> {
        if let Some(replaced) = self
            .adapter
            .as_ref()
            .and_then(|a| a.replacement(&source.hf))
        {
            return Ok(replaced);
        }
        let entry = self
            .weights
            .get(&source.hf)
            .ok_or_else(|| Error::MissingTensor {
                folder: self.folder.clone(),
                tensor: source.hf.clone(),
                architecture: self.config.class.clone(),
            })?;
        Ok((&self.weights, entry))
    }

    /// Rows `rows` of the GGUF tensor, in f32: permuted where llama's q/k
    /// need it, with the adapter's delta added.
    fn read_rows(
        &self,
        source: &Source,
        weights: &Weights,
        entry: &Entry,
        rows: std::ops::Range<usize>,
    ) -> Result<Vec<f32>> {
        if entry.shape.len() == 1 {
            // A vector (norm, bias): one row; a llama q/k bias is permuted
            // like the rows of its matrix.
            let all = weights.read_all(entry);
            return Ok(match source.permute {
                Some(heads) => (0..all.len())
                    .map(|i| all[permuted_row(i, all.len(), heads)])
                    .collect(),
                None => all,
            });
        }
        let cols = entry.cols();
        let total_rows = entry.rows();
        let mut out = vec![0.0; (rows.end - rows.start) * cols];
        let adapter = self.adapter.as_ref().filter(|a| a.adapts(&source.hf));
        out.par_chunks_mut(cols).enumerate().for_each(|(i, chunk)| {
            let row = rows.start + i;
            let src = match source.permute {
                Some(heads) => permuted_row(row, total_rows, heads),
                None => row,
            };
            weights.read_row(entry, src, chunk);
            if let Some(a) = adapter {
                a.add_delta(&source.hf, src, chunk);
            }
        });
        Ok(out)
    }
}

/// A file written.
#[derive(Debug, Clone, Serialize)]
pub struct Converted {
    /// Its type.
    pub file_type: FileType,
    /// Where it was written.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// How long writing it took.
    pub seconds: f64,
}

/// llama.cpp's converter regroups llama's q/k rows so that RoPE rotates
/// adjacent pairs (GGML's "normal" mode) instead of the two halves of each
/// head (`transformers`' `rotate_half`): GGUF row `h·d + 2i + j` is HF row
/// `h·d + j·d/2 + i`.
fn permuted_row(row: usize, rows: usize, heads: usize) -> usize {
    let d = rows / heads;
    let (h, w) = (row / d, row % d);
    let (i, j) = (w / 2, w % 2);
    h * d + j * (d / 2) + i
}

/// Refuses NaN and infinity anywhere, and, for an F16 output, values that
/// F16 would turn into infinity (fine-tunes saved in bf16 can hold them).
fn check_values(
    tensor: &str,
    dtype: GgmlDType,
    values: &[f32],
    cols: usize,
    first_row: usize,
) -> Result<()> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            tensor: tensor.to_string(),
            row: first_row + i / cols,
        });
    }
    if dtype == GgmlDType::F16 {
        if let Some(v) = values.iter().find(|v| v.abs() > 65_504.0) {
            return Err(Error::F16Overflow {
                tensor: tensor.to_string(),
                value: *v,
            });
        }
    }
    Ok(())
}

/// Refuses to start when the destination's disk cannot hold `needed`
/// bytes (plus 1 %: the file system's own blocks). `free` is what the disk
/// has, where the platform says.
pub fn ensure_space(out: &Path, needed: u64, free: Option<u64>) -> Result<()> {
    let Some(free) = free else { return Ok(()) };
    let needed = needed + needed / 100;
    if needed > free {
        return Err(Error::NoSpace {
            folder: out.parent().unwrap_or(Path::new(".")).to_path_buf(),
            needed_mb: needed.div_ceil(1 << 20),
            available_mb: free / (1 << 20),
        });
    }
    Ok(())
}

/// The GGUF tensors of `config`'s architecture and their HF names, checked
/// against the weights (present, with the expected shape).
fn sources(folder: &Path, config: &HfConfig, weights: &Weights) -> Result<Vec<Source>> {
    let s = &config.shape;
    let (h, f, hd) = (s.hidden, s.feed_forward, s.head_dim);
    let (q, kv) = (s.heads * hd, s.kv_heads * hd);
    let llama = s.arch == Architecture::Llama;
    let mut out = vec![Source {
        gguf: "token_embd.weight".into(),
        hf: "model.embed_tokens.weight".into(),
        dims: vec![s.vocab, h],
        permute: None,
    }];
    for i in 0..s.layers {
        let p = format!("model.layers.{i}");
        let mut push = |gguf: &str, hf: &str, dims: Vec<usize>, permute: Option<usize>| {
            out.push(Source {
                gguf: format!("blk.{i}.{gguf}"),
                hf: format!("{p}.{hf}"),
                dims,
                permute,
            })
        };
        let (pq, pk) = if llama {
            (Some(s.heads), Some(s.kv_heads))
        } else {
            (None, None)
        };
        push("attn_norm.weight", "input_layernorm.weight", vec![h], None);
        push("attn_q.weight", "self_attn.q_proj.weight", vec![q, h], pq);
        push("attn_k.weight", "self_attn.k_proj.weight", vec![kv, h], pk);
        push(
            "attn_v.weight",
            "self_attn.v_proj.weight",
            vec![kv, h],
            None,
        );
        push(
            "attn_output.weight",
            "self_attn.o_proj.weight",
            vec![h, q],
            None,
        );
        // Qwen2 always has q/k/v biases; the others where config says so.
        let biased = s.arch == Architecture::Qwen2
            || config.attention_bias
            || weights.get(&format!("{p}.self_attn.q_proj.bias")).is_some();
        if biased {
            push("attn_q.bias", "self_attn.q_proj.bias", vec![q], pq);
            push("attn_k.bias", "self_attn.k_proj.bias", vec![kv], pk);
            push("attn_v.bias", "self_attn.v_proj.bias", vec![kv], None);
        }
        if s.arch == Architecture::Qwen3 {
            push(
                "attn_q_norm.weight",
                "self_attn.q_norm.weight",
                vec![hd],
                None,
            );
            push(
                "attn_k_norm.weight",
                "self_attn.k_norm.weight",
                vec![hd],
                None,
            );
        }
        push(
            "ffn_norm.weight",
            "post_attention_layernorm.weight",
            vec![h],
            None,
        );
        push("ffn_gate.weight", "mlp.gate_proj.weight", vec![f, h], None);
        push("ffn_up.weight", "mlp.up_proj.weight", vec![f, h], None);
        push("ffn_down.weight", "mlp.down_proj.weight", vec![h, f], None);
    }
    out.push(Source {
        gguf: "output_norm.weight".into(),
        hf: "model.norm.weight".into(),
        dims: vec![h],
        permute: None,
    });
    if !config.tied_embeddings {
        out.push(Source {
            gguf: "output.weight".into(),
            hf: "lm_head.weight".into(),
            dims: vec![s.vocab, h],
            permute: None,
        });
    }
    for t in &out {
        let entry = weights.get(&t.hf).ok_or_else(|| Error::MissingTensor {
            folder: folder.to_path_buf(),
            tensor: t.hf.clone(),
            architecture: config.class.clone(),
        })?;
        if entry.shape != t.dims {
            return Err(Error::ShapeMismatch {
                folder: folder.to_path_buf(),
                tensor: t.hf.clone(),
                expected: t.dims.clone(),
                found: entry.shape.clone(),
            });
        }
    }
    Ok(out)
}

/// Today's date (UTC), `YYYY-MM-DD`, for the file's provenance.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Howard Hinnant's days-to-civil.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_rows_are_regrouped_as_llama_cpp_does() {
        // One head of 8: HF rows 0..4 are the first halves, 4..8 the second.
        let order: Vec<usize> = (0..8).map(|r| permuted_row(r, 8, 1)).collect();
        assert_eq!(order, [0, 4, 1, 5, 2, 6, 3, 7]);
        let two: Vec<usize> = (0..8).map(|r| permuted_row(r, 8, 2)).collect();
        assert_eq!(two, [0, 2, 1, 3, 4, 6, 5, 7]);
    }

    #[test]
    fn no_space_names_the_sizes() {
        let out = Path::new("/modelos/m.gguf");
        assert!(ensure_space(out, 100 << 20, None).is_ok());
        assert!(ensure_space(out, 100 << 20, Some(200 << 20)).is_ok());
        let e = ensure_space(out, 100 << 20, Some(50 << 20)).unwrap_err();
        assert_eq!(e.kind(), "sin_espacio");
        let text = e.to_string();
        assert!(
            text.contains("101 MB") && text.contains("50 MB") && text.contains("/modelos"),
            "{text}"
        );
    }

    #[test]
    fn non_finite_and_f16_overflow_name_the_tensor() {
        let e = check_values(
            "blk.0.ffn_up.weight",
            GgmlDType::Q8_0,
            &[0.0, 1.0, f32::NAN, 0.0],
            2,
            10,
        )
        .unwrap_err();
        assert!(e.to_string().contains("blk.0.ffn_up.weight") && e.to_string().contains("fila 11"));
        assert!(check_values("t", GgmlDType::BF16, &[1e6], 1, 0).is_ok());
        let e = check_values("t", GgmlDType::F16, &[1e6], 1, 0).unwrap_err();
        assert_eq!(e.kind(), "desborde_f16");
        assert!(e.to_string().contains("BF16"));
    }

    #[test]
    fn today_is_a_date() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }
}
