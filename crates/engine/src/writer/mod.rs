//! Writing GGUF files tensor by tensor: the header (metadata and every
//! tensor's name, shape, type and offset) first, then each tensor's data as
//! it is produced, so that a converter never holds more than one tensor —
//! or one slice of rows of one — in memory. The test models and the import
//! of a Hugging Face checkpoint both write through here.
//!
//! The file is written as `NAME.parcial` and renamed when whole; a writer
//! dropped before [`GgufWriter::finish`] (an error, a cancel) removes it.
//!
//! The per-tensor types follow `llama-quantize` (`llama_tensor_get_type` in
//! llama.cpp's `src/llama-quant.cpp`): see [`tensor_type`].

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::Value;
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod kquants;
mod tokenizer;
pub use tokenizer::{TokenizerMetadata, TokenizerSources};

const ALIGNMENT: u64 = 32;

/// What a whole file is quantized to, in `llama-quantize`'s names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    /// 32-bit floats.
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
    /// ggml Q8_0.
    Q8_0,
    /// Q4_K with Q6_K where `llama-quantize`'s Q4_K_M puts it.
    Q4KM,
    /// Q5_K with Q6_K where `llama-quantize`'s Q5_K_M puts it.
    Q5KM,
}

impl FileType {
    /// The types an import offers, smallest file first.
    pub const IMPORTABLE: [FileType; 5] = [
        FileType::Q4KM,
        FileType::Q5KM,
        FileType::Q8_0,
        FileType::Bf16,
        FileType::F16,
    ];

    /// The name llama.cpp's tools use (`q4_k_m`).
    pub fn name(self) -> &'static str {
        match self {
            FileType::F32 => "F32",
            FileType::F16 => "F16",
            FileType::Bf16 => "BF16",
            FileType::Q8_0 => "Q8_0",
            FileType::Q4KM => "Q4_K_M",
            FileType::Q5KM => "Q5_K_M",
        }
    }

    /// Accepts `q4_k_m`, `Q4_K_M`, `q4km`…
    pub fn parse(text: &str) -> Option<FileType> {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Some(match key.as_str() {
            "f32" => FileType::F32,
            "f16" => FileType::F16,
            "bf16" => FileType::Bf16,
            "q80" => FileType::Q8_0,
            "q4km" => FileType::Q4KM,
            "q5km" => FileType::Q5KM,
            _ => return None,
        })
    }

    /// `general.file_type`, llama.cpp's `llama_ftype`.
    pub fn ftype_id(self) -> u32 {
        match self {
            FileType::F32 => 0,
            FileType::F16 => 1,
            FileType::Q8_0 => 7,
            FileType::Q4KM => 15,
            FileType::Q5KM => 17,
            FileType::Bf16 => 32,
        }
    }

    fn default_type(self) -> GgmlDType {
        match self {
            FileType::F32 => GgmlDType::F32,
            FileType::F16 => GgmlDType::F16,
            FileType::Bf16 => GgmlDType::BF16,
            FileType::Q8_0 => GgmlDType::Q8_0,
            FileType::Q4KM => GgmlDType::Q4K,
            FileType::Q5KM => GgmlDType::Q5K,
        }
    }
}

/// The type `llama-quantize` gives tensor `name` of shape `dims` (rows
/// first) in a file of type `file` with `layers` blocks. `tied` says the
/// embedding table is also the output layer.
///
/// One-dimensional tensors (norms, biases) stay F32. The output layer (or a
/// tied embedding) is Q6_K in the K-quant mixes, and `attn_v`/`ffn_down` of
/// the layers `use_more_bits` picks are Q6_K too. A row length that is not
/// a multiple of 256 falls back as `llama-quantize` does: Q4_K → Q5_0,
/// Q5_K → Q5_1, Q6_K → Q8_0 (the output layer goes straight to Q8_0).
pub fn tensor_type(
    file: FileType,
    name: &str,
    dims: &[usize],
    layers: usize,
    tied: bool,
) -> GgmlDType {
    if dims.len() < 2 || !name.ends_with("weight") || name.ends_with("_norm.weight") {
        return GgmlDType::F32;
    }
    let default = file.default_type();
    if !matches!(file, FileType::Q4KM | FileType::Q5KM) {
        return default;
    }
    let cols = dims.last().copied().unwrap_or(0);
    let layer = name
        .strip_prefix("blk.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|n| n.parse::<usize>().ok());
    let more_bits = |i: usize| i < layers / 8 || i >= 7 * layers / 8 || (i - layers / 8) % 3 == 2;
    let is_output = name == "output.weight" || (tied && name == "token_embd.weight");
    if is_output {
        return if cols.is_multiple_of(256) {
            GgmlDType::Q6K
        } else {
            GgmlDType::Q8_0
        };
    }
    let wanted = match layer {
        Some(i)
            if (name.ends_with(".attn_v.weight") || name.ends_with(".ffn_down.weight"))
                && more_bits(i) =>
        {
            GgmlDType::Q6K
        }
        _ => default,
    };
    if cols.is_multiple_of(256) {
        return wanted;
    }
    match wanted {
        GgmlDType::Q4K => GgmlDType::Q5_0,
        GgmlDType::Q5K => GgmlDType::Q5_1,
        _ => GgmlDType::Q8_0,
    }
}

/// One tensor as the header announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorPlan {
    /// The tensor's GGUF name.
    pub name: String,
    /// Row-major: `[rows, cols]` for a matrix (GGUF stores them reversed).
    pub dims: Vec<usize>,
    /// Its ggml type.
    pub dtype: GgmlDType,
}

impl TensorPlan {
    /// Values in it.
    pub fn elements(&self) -> usize {
        self.dims.iter().product()
    }

    /// Bytes it takes in the file.
    pub fn bytes(&self) -> u64 {
        (self.elements() / self.dtype.block_size() * self.dtype.type_size()) as u64
    }

    /// Bytes of one row (the last dimension).
    pub fn row_bytes(&self) -> usize {
        let cols = self.dims.last().copied().unwrap_or(1);
        cols / self.dtype.block_size() * self.dtype.type_size()
    }
}

/// The size of the file the header and `tensors` make, before writing it
/// (to check the free disk space first).
pub fn file_size(metadata: &[(String, Value)], tensors: &[TensorPlan]) -> u64 {
    let mut header = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_header(&mut header, metadata, tensors);
    let data: u64 = tensors
        .iter()
        .map(|t| t.bytes().next_multiple_of(ALIGNMENT))
        .sum();
    (header.len() as u64).next_multiple_of(ALIGNMENT) + data
}

/// `values` (whole rows of `cols`) in `dtype`'s bytes, rows spread across
/// the rayon pool. The K-quants use ggml's current reference quantizers
/// (`writer::kquants`); the 32-value types (Q8_0, Q5_0, Q5_1…) candle's, which
/// are ggml's.
pub fn encode(values: &[f32], cols: usize, dtype: GgmlDType) -> Result<Vec<u8>> {
    if cols == 0 || !values.len().is_multiple_of(cols) {
        return Err(Error::Invalid(format!(
            "{} valores no son filas enteras de {cols}",
            values.len()
        )));
    }
    match dtype {
        GgmlDType::F32 => Ok(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        GgmlDType::F16 => Ok(values
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect()),
        GgmlDType::BF16 => Ok(values
            .iter()
            .flat_map(|v| half::bf16::from_f32(*v).to_le_bytes())
            .collect()),
        _ => {
            if !cols.is_multiple_of(dtype.block_size()) {
                return Err(Error::Invalid(format!(
                    "filas de {cols} valores no caben en bloques de {} ({dtype:?})",
                    dtype.block_size()
                )));
            }
            // Enough rows per task to amortise the tensor wrapping, few
            // enough that both threads stay busy on a small tensor.
            let rows_per_task = (1 << 16) / cols + 1;
            let parts: Vec<Result<Vec<u8>>> = values
                .par_chunks(rows_per_task * cols)
                .map(|chunk| {
                    let mut out = Vec::new();
                    match dtype {
                        GgmlDType::Q4K => kquants::quantize_q4k(chunk, &mut out),
                        GgmlDType::Q5K => kquants::quantize_q5k(chunk, &mut out),
                        GgmlDType::Q6K => kquants::quantize_q6k(chunk, &mut out),
                        _ => {
                            let rows = chunk.len() / cols;
                            let t = Tensor::from_slice(chunk, (rows, cols), &Device::Cpu)?;
                            out = QTensor::quantize(&t, dtype)?.data()?.into_owned();
                        }
                    }
                    Ok(out)
                })
                .collect();
            let mut out = Vec::with_capacity(values.len() / dtype.block_size() * dtype.type_size());
            for part in parts {
                out.extend_from_slice(&part?);
            }
            Ok(out)
        }
    }
}

/// A GGUF file being written; see the module doc.
pub struct GgufWriter {
    out: PathBuf,
    partial: PathBuf,
    file: BufWriter<File>,
    tensors: Vec<TensorPlan>,
    /// The tensor whose bytes come next, and how many of them came.
    current: usize,
    written: u64,
    finished: bool,
}

impl GgufWriter {
    /// Creates `out.parcial` and writes the header.
    pub fn create(
        out: &Path,
        metadata: &[(String, Value)],
        tensors: Vec<TensorPlan>,
    ) -> Result<GgufWriter> {
        let partial = partial_path(out);
        let file = File::create(&partial).map_err(|e| Error::io(&partial, &e))?;
        let mut writer = GgufWriter {
            out: out.to_path_buf(),
            partial,
            file: BufWriter::with_capacity(1 << 20, file),
            tensors,
            current: 0,
            written: 0,
            finished: false,
        };
        let mut header = Vec::new();
        write_header(&mut header, metadata, &writer.tensors)?;
        let padded = (header.len() as u64).next_multiple_of(ALIGNMENT) as usize;
        header.resize(padded, 0);
        writer.put(&header)?;
        Ok(writer)
    }

    /// The tensor the next bytes belong to, if any is left.
    pub fn next_tensor(&self) -> Option<&TensorPlan> {
        self.tensors.get(self.current)
    }

    /// Appends `bytes` to the current tensor (all of it or some of its
    /// rows); moves to the next tensor when this one is complete.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let Some(plan) = self.tensors.get(self.current) else {
            return Err(Error::Invalid(
                "se escribieron más datos que los tensores anunciados".into(),
            ));
        };
        let size = plan.bytes();
        if self.written + bytes.len() as u64 > size {
            return Err(Error::Invalid(format!(
                "el tensor «{}» mide {size} bytes y se le escribieron {}",
                plan.name,
                self.written + bytes.len() as u64
            )));
        }
        self.put(bytes)?;
        self.written += bytes.len() as u64;
        if self.written == size {
            let pad = size.next_multiple_of(ALIGNMENT) - size;
            self.put(&vec![0; pad as usize])?;
            self.current += 1;
            self.written = 0;
        }
        Ok(())
    }

    /// Flushes the file to disk and gives it its final name.
    pub fn finish(mut self) -> Result<()> {
        if let Some(plan) = self.tensors.get(self.current) {
            return Err(Error::Invalid(format!(
                "faltan los datos del tensor «{}»",
                plan.name
            )));
        }
        let partial = self.partial.clone();
        self.file.flush().map_err(|e| Error::io(&partial, &e))?;
        self.file
            .get_ref()
            .sync_all()
            .map_err(|e| Error::io(&partial, &e))?;
        std::fs::rename(&partial, &self.out).map_err(|e| Error::io(&self.out, &e))?;
        self.finished = true;
        Ok(())
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let partial = &self.partial;
        self.file
            .write_all(bytes)
            .map_err(|e| Error::io(partial, &e))
    }
}

impl Drop for GgufWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Where a file is written before it is whole.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".parcial");
    PathBuf::from(name)
}

fn write_header(
    w: &mut Vec<u8>,
    metadata: &[(String, Value)],
    tensors: &[TensorPlan],
) -> Result<()> {
    w.extend_from_slice(b"GGUF");
    w.extend_from_slice(&3u32.to_le_bytes());
    w.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
    w.extend_from_slice(&(metadata.len() as u64).to_le_bytes());
    for (key, value) in metadata {
        put_string(w, key);
        w.extend_from_slice(&value_type(value).to_le_bytes());
        put_value(w, value)?;
    }
    let mut offset = 0u64;
    for t in tensors {
        put_string(w, &t.name);
        w.extend_from_slice(&(t.dims.len() as u32).to_le_bytes());
        for d in t.dims.iter().rev() {
            w.extend_from_slice(&(*d as u64).to_le_bytes());
        }
        let id = crate::gguf::ggml_type_id(t.dtype).ok_or_else(|| {
            Error::Invalid(format!(
                "el tensor «{}» tiene un tipo que GGUF no guarda ({:?})",
                t.name, t.dtype
            ))
        })?;
        w.extend_from_slice(&id.to_le_bytes());
        w.extend_from_slice(&offset.to_le_bytes());
        offset += t.bytes().next_multiple_of(ALIGNMENT);
    }
    Ok(())
}

fn put_string(w: &mut Vec<u8>, s: &str) {
    w.extend_from_slice(&(s.len() as u64).to_le_bytes());
    w.extend_from_slice(s.as_bytes());
}

fn value_type(v: &Value) -> u32 {
    match v {
        Value::U8(_) => 0,
        Value::I8(_) => 1,
        Value::U16(_) => 2,
        Value::I16(_) => 3,
        Value::U32(_) => 4,
        Value::I32(_) => 5,
        Value::F32(_) => 6,
        Value::Bool(_) => 7,
        Value::String(_) => 8,
        Value::Array(_) => 9,
        Value::U64(_) => 10,
        Value::I64(_) => 11,
        Value::F64(_) => 12,
    }
}

fn put_value(w: &mut Vec<u8>, v: &Value) -> Result<()> {
    match v {
        Value::U8(x) => w.push(*x),
        Value::I8(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::U16(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::I16(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::U32(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::I32(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::F32(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::Bool(x) => w.push(u8::from(*x)),
        Value::String(s) => put_string(w, s),
        Value::U64(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::I64(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::F64(x) => w.extend_from_slice(&x.to_le_bytes()),
        Value::Array(items) => {
            let ty = items.first().map_or(4, value_type);
            if items.iter().any(|i| value_type(i) != ty) {
                return Err(Error::Invalid(
                    "una lista de la cabecera mezcla tipos".into(),
                ));
            }
            w.extend_from_slice(&ty.to_le_bytes());
            w.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                put_value(w, item)?;
            }
        }
    }
    Ok(())
}

/// The shape of a model, as the header keys llama.cpp's converter writes
/// for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelShape {
    /// Which family's names and metadata.
    pub arch: crate::Architecture,
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
    /// RoPE base frequency.
    pub rope_theta: f32,
    /// RMS norm epsilon.
    pub rms_eps: f32,
    /// Rows of the embedding table.
    pub vocab: usize,
}

/// `general.architecture` and the `{arch}.*` keys for `shape`.
pub fn model_metadata(shape: &ModelShape) -> Vec<(String, Value)> {
    let a = shape.arch.name();
    let u = |n: usize| Value::U32(n as u32);
    let mut meta = vec![
        ("general.architecture".into(), Value::String(a.into())),
        (format!("{a}.block_count"), u(shape.layers)),
        (format!("{a}.context_length"), u(shape.context)),
        (format!("{a}.embedding_length"), u(shape.hidden)),
        (format!("{a}.feed_forward_length"), u(shape.feed_forward)),
        (format!("{a}.attention.head_count"), u(shape.heads)),
        (format!("{a}.attention.head_count_kv"), u(shape.kv_heads)),
        (format!("{a}.rope.freq_base"), Value::F32(shape.rope_theta)),
        (
            format!("{a}.attention.layer_norm_rms_epsilon"),
            Value::F32(shape.rms_eps),
        ),
    ];
    if shape.head_dim * shape.heads != shape.hidden || shape.arch == crate::Architecture::Qwen3 {
        meta.push((format!("{a}.attention.key_length"), u(shape.head_dim)));
        meta.push((format!("{a}.attention.value_length"), u(shape.head_dim)));
    }
    if shape.arch == crate::Architecture::Llama {
        meta.push((format!("{a}.vocab_size"), u(shape.vocab)));
        meta.push((format!("{a}.rope.dimension_count"), u(shape.head_dim)));
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_q4_k_m_recipe_is_llama_quantizes_on_the_qwen_shapes() {
        let t = |name: &str, cols: usize| tensor_type(FileType::Q4KM, name, &[10, cols], 24, true);
        assert_eq!(t("token_embd.weight", 896), GgmlDType::Q8_0);
        assert_eq!(t("token_embd.weight", 1536), GgmlDType::Q6K);
        assert_eq!(t("blk.0.attn_q.weight", 896), GgmlDType::Q5_0);
        assert_eq!(t("blk.0.attn_q.weight", 1536), GgmlDType::Q4K);
        // use_more_bits(i, 24): i < 3, i >= 21, (i - 3) % 3 == 2.
        for (layer, q6) in [
            (0, true),
            (3, false),
            (5, true),
            (6, false),
            (8, true),
            (21, true),
        ] {
            let want = if q6 { GgmlDType::Q6K } else { GgmlDType::Q4K };
            assert_eq!(
                t(&format!("blk.{layer}.ffn_down.weight"), 4864),
                want,
                "{layer}"
            );
            let want = if q6 { GgmlDType::Q8_0 } else { GgmlDType::Q5_0 };
            assert_eq!(
                t(&format!("blk.{layer}.attn_v.weight"), 896),
                want,
                "{layer}"
            );
        }
        assert_eq!(t("blk.1.attn_norm.weight", 896), GgmlDType::F32);
        assert_eq!(
            tensor_type(FileType::Q4KM, "blk.1.attn_q.bias", &[896], 24, true),
            GgmlDType::F32
        );
        assert_eq!(
            tensor_type(FileType::Q5KM, "blk.4.attn_k.weight", &[8, 896], 24, true),
            GgmlDType::Q5_1
        );
        assert_eq!(
            tensor_type(FileType::Q8_0, "output.weight", &[8, 896], 24, false),
            GgmlDType::Q8_0
        );
        assert_eq!(
            tensor_type(FileType::Bf16, "token_embd.weight", &[8, 896], 24, false),
            GgmlDType::BF16
        );
    }

    #[test]
    fn file_types_parse_as_llama_quantize_names_them() {
        for t in FileType::IMPORTABLE {
            assert_eq!(FileType::parse(t.name()), Some(t));
            assert_eq!(FileType::parse(&t.name().to_lowercase()), Some(t));
        }
        assert_eq!(FileType::parse("q3_k"), None);
        // The UI sends and receives these names.
        let names: Vec<String> = FileType::IMPORTABLE
            .iter()
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "\"q4_k_m\"",
                "\"q5_k_m\"",
                "\"q8_0\"",
                "\"bf16\"",
                "\"f16\""
            ]
        );
    }

    #[test]
    fn a_writer_dropped_before_the_end_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.gguf");
        let plan = TensorPlan {
            name: "a.weight".into(),
            dims: vec![2, 32],
            dtype: GgmlDType::Q8_0,
        };
        let mut w = GgufWriter::create(&out, &[], vec![plan.clone()]).unwrap();
        assert!(partial_path(&out).exists());
        w.write(&[0; 34]).unwrap();
        drop(w);
        assert!(!partial_path(&out).exists() && !out.exists());

        let mut w = GgufWriter::create(&out, &[], vec![plan]).unwrap();
        assert!(w.write(&[0; 69]).is_err());
        w.write(&[0; 68]).unwrap();
        w.finish().unwrap();
        assert!(out.exists() && !partial_path(&out).exists());
    }

    #[test]
    fn the_announced_size_is_the_written_size() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.gguf");
        let meta = vec![("general.name".to_string(), Value::String("x".into()))];
        let plans = vec![
            TensorPlan {
                name: "a".into(),
                dims: vec![3],
                dtype: GgmlDType::F32,
            },
            TensorPlan {
                name: "b".into(),
                dims: vec![2, 256],
                dtype: GgmlDType::Q4K,
            },
        ];
        let size = file_size(&meta, &plans);
        let mut w = GgufWriter::create(&out, &meta, plans).unwrap();
        w.write(&encode(&[1.0, 2.0, 3.0], 3, GgmlDType::F32).unwrap())
            .unwrap();
        let values: Vec<f32> = (0..512).map(|i| (i as f32 * 0.37).sin()).collect();
        w.write(&encode(&values, 256, GgmlDType::Q4K).unwrap())
            .unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::metadata(&out).unwrap().len(), size);
        let file = crate::gguf::GgufFile::open(&out).unwrap();
        assert_eq!(file.string("general.name"), Some("x"));
        assert_eq!(file.tensor_order, ["a", "b"]);
    }
}
