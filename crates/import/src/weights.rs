//! Safetensors files read through memory maps, row by row, converted to
//! f32 only for the rows being worked on: a 3 GB checkpoint is never in
//! memory at once, and the pages of rows already converted are handed back
//! to the kernel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use engine::cpu::quant::{dequantize_row, Format};
use engine::cpu::raw::Mapped;
use serde_json::Value as Json;

use crate::error::{Error, Result};

/// How a tensor's values are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    /// 32-bit floats.
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
}

impl SourceType {
    fn parse(name: &str) -> Option<SourceType> {
        match name {
            "F32" => Some(SourceType::F32),
            "F16" => Some(SourceType::F16),
            "BF16" => Some(SourceType::Bf16),
            _ => None,
        }
    }

    /// Its safetensors name.
    pub fn name(self) -> &'static str {
        match self {
            SourceType::F32 => "F32",
            SourceType::F16 => "F16",
            SourceType::Bf16 => "BF16",
        }
    }

    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            SourceType::F32 => 4,
            SourceType::F16 | SourceType::Bf16 => 2,
        }
    }
}

/// Where one tensor lies.
#[derive(Debug, Clone)]
pub struct Entry {
    pub dtype: SourceType,
    pub shape: Vec<usize>,
    shard: usize,
    /// Byte range in the shard's file.
    start: usize,
    len: usize,
}

impl Entry {
    /// Values per row (the last dimension; 1-D tensors are one row).
    pub fn cols(&self) -> usize {
        self.shape.last().copied().unwrap_or(1)
    }

    pub fn rows(&self) -> usize {
        let n: usize = self.shape.iter().product();
        n / self.cols().max(1)
    }
}

struct Shard {
    path: PathBuf,
    map: Mapped,
}

/// All the tensors of a checkpoint (one file or the shards an index names).
pub struct Weights {
    shards: Vec<Shard>,
    entries: HashMap<String, Entry>,
}

impl Weights {
    /// `model.safetensors`, or `model.safetensors.index.json` and its shards.
    pub fn open_folder(folder: &Path) -> Result<Weights> {
        let index = folder.join("model.safetensors.index.json");
        if index.is_file() {
            let text = std::fs::read_to_string(&index).map_err(|e| Error::io(&index, &e))?;
            let json: Json = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
                path: index.clone(),
                reason: format!("no es JSON válido: {e}"),
            })?;
            let map = json["weight_map"]
                .as_object()
                .ok_or_else(|| Error::Corrupt {
                    path: index.clone(),
                    reason: "falta «weight_map»".into(),
                })?;
            let mut files: Vec<String> = map
                .values()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect();
            files.sort();
            files.dedup();
            let mut paths = Vec::with_capacity(files.len());
            for shard in files {
                let path = folder.join(&shard);
                if !path.is_file() {
                    return Err(Error::MissingShard { index, shard });
                }
                paths.push(path);
            }
            let weights = Weights::open_files(&paths)?;
            for (name, shard) in map {
                if !weights.entries.contains_key(name) {
                    return Err(Error::Corrupt {
                        path: index.clone(),
                        reason: format!(
                            "el índice dice que «{name}» está en {} y no está",
                            shard.as_str().unwrap_or("?")
                        ),
                    });
                }
            }
            return Ok(weights);
        }
        let single = folder.join("model.safetensors");
        if single.is_file() {
            return Weights::open_files(&[single]);
        }
        Err(Error::MissingWeights {
            folder: folder.to_path_buf(),
        })
    }

    pub fn open_files(paths: &[PathBuf]) -> Result<Weights> {
        let mut shards = Vec::with_capacity(paths.len());
        let mut entries = HashMap::new();
        for (i, path) in paths.iter().enumerate() {
            let map = Mapped::open(path).map_err(|e| Error::io(path, &e))?;
            for (name, entry) in parse_header(path, map.bytes(), i)? {
                entries.insert(name, entry);
            }
            shards.push(Shard {
                path: path.clone(),
                map,
            });
        }
        Ok(Weights { shards, entries })
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The file a tensor is in, for messages.
    pub fn path_of(&self, entry: &Entry) -> &Path {
        &self.shards[entry.shard].path
    }

    /// The bytes on disk of every tensor.
    pub fn total_bytes(&self) -> u64 {
        self.entries.values().map(|e| e.len as u64).sum()
    }

    /// How many tensors of each stored type, e.g. `[("BF16", 338)]`.
    pub fn dtypes(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for e in self.entries.values() {
            match counts.iter_mut().find(|(n, _)| *n == e.dtype.name()) {
                Some((_, c)) => *c += 1,
                None => counts.push((e.dtype.name(), 1)),
            }
        }
        counts.sort();
        counts
    }

    /// Row `row` of `entry` as f32, into `out` (`entry.cols()` values).
    pub fn read_row(&self, entry: &Entry, row: usize, out: &mut [f32]) {
        let cols = entry.cols();
        let size = entry.dtype.size();
        let start = entry.start + row * cols * size;
        let bytes = &self.shards[entry.shard].map.bytes()[start..start + cols * size];
        decode(entry.dtype, bytes, out);
    }

    /// All of `entry` as f32 (for the small tensors: norms, biases, LoRA).
    pub fn read_all(&self, entry: &Entry) -> Vec<f32> {
        let mut out = vec![0.0; entry.rows() * entry.cols()];
        let size = entry.dtype.size();
        let bytes = &self.shards[entry.shard].map.bytes()[entry.start..entry.start + entry.len];
        debug_assert_eq!(bytes.len(), out.len() * size);
        decode(entry.dtype, bytes, &mut out);
        out
    }

    /// Hands the pages of rows `rows` of `entry` back to the kernel: they
    /// were read and will not be again.
    pub fn release_rows(&self, entry: &Entry, rows: std::ops::Range<usize>) {
        let row_bytes = entry.cols() * entry.dtype.size();
        self.shards[entry.shard].map.release(
            entry.start + rows.start * row_bytes,
            (rows.end - rows.start) * row_bytes,
        );
    }
}

/// safetensors stores these as GGUF does: the engine's row decoder reads
/// them.
fn decode(dtype: SourceType, bytes: &[u8], out: &mut [f32]) {
    let format = match dtype {
        SourceType::F32 => Format::F32,
        SourceType::F16 => Format::F16,
        SourceType::Bf16 => Format::Bf16,
    };
    dequantize_row(format, bytes, out);
}

/// The safetensors header: an u64 length, then JSON naming each tensor's
/// dtype, shape and byte range after the header.
fn parse_header(path: &Path, bytes: &[u8], shard: usize) -> Result<Vec<(String, Entry)>> {
    let truncated = |reason: String| Error::Truncated {
        path: path.to_path_buf(),
        reason,
    };
    let corrupt = |reason: String| Error::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let Some(len) = bytes.get(..8) else {
        return Err(truncated(format!(
            "mide {} bytes, menos que la cabecera",
            bytes.len()
        )));
    };
    let mut n = [0u8; 8];
    n.copy_from_slice(len);
    let header_len = u64::from_le_bytes(n);
    if header_len > 100_000_000 {
        return Err(corrupt(format!(
            "la cabecera diría medir {header_len} bytes"
        )));
    }
    let data_start = 8 + header_len as usize;
    let header = bytes.get(8..data_start).ok_or_else(|| {
        truncated(format!(
            "la cabecera mide {header_len} bytes y el archivo {}",
            bytes.len()
        ))
    })?;
    let json: serde_json::Map<String, Json> =
        serde_json::from_slice(header).map_err(|e| corrupt(format!("cabecera ilegible: {e}")))?;
    let mut out = Vec::with_capacity(json.len());
    for (name, info) in json {
        if name == "__metadata__" {
            continue;
        }
        let dtype_name = info["dtype"].as_str().unwrap_or("?");
        let dtype = SourceType::parse(dtype_name).ok_or_else(|| Error::UnsupportedDtype {
            path: path.to_path_buf(),
            tensor: name.clone(),
            dtype: dtype_name.to_string(),
        })?;
        let shape: Option<Vec<usize>> = info["shape"].as_array().and_then(|dims| {
            dims.iter()
                .map(|d| d.as_u64().map(|d| d as usize))
                .collect()
        });
        let shape = shape.ok_or_else(|| corrupt(format!("«{name}» no tiene una forma válida")))?;
        let offsets: Option<Vec<usize>> = info["data_offsets"]
            .as_array()
            .and_then(|o| o.iter().map(|d| d.as_u64().map(|d| d as usize)).collect());
        let (begin, end) = match offsets.as_deref() {
            Some([b, e]) if b <= e => (*b, *e),
            _ => return Err(corrupt(format!("«{name}» no tiene data_offsets válidos"))),
        };
        let elements: usize = shape.iter().product();
        if end - begin != elements * dtype.size() {
            return Err(corrupt(format!(
                "«{name}» ocupa {} bytes y su forma {shape:?} en {dtype_name} pide {}",
                end - begin,
                elements * dtype.size()
            )));
        }
        if data_start + end > bytes.len() {
            return Err(truncated(format!(
                "el tensor «{name}» termina en el byte {} y el archivo mide {}",
                data_start + end,
                bytes.len()
            )));
        }
        out.push((
            name,
            Entry {
                dtype,
                shape,
                shard,
                start: data_start + begin,
                len: end - begin,
            },
        ));
    }
    Ok(out)
}
