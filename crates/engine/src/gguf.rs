//! Reading a GGUF header without touching the weights: the metadata, where
//! each tensor lies and of what type, and every check that can be made
//! before loading (magic, truncation, architecture, tensor types).
//!
//! candle has a GGUF reader, but it stops at the first unknown tensor type
//! without naming the tensor, and cannot tell "truncated" from "damaged".
//! This parser produces candle's own `Content` so that loading still goes
//! through candle's tensor reader.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::{Content, TensorInfo, Value, VersionedMagic};
use candle_core::quantized::GgmlDType;

use crate::error::{Error, Result};

/// Longest string or array the header may hold; a larger length means a
/// damaged file, and refusing it avoids a huge allocation.
const MAX_ITEMS: u64 = 1 << 28;
const MAX_DEPTH: usize = 4;

/// A GGUF file's header, validated.
#[derive(Debug)]
pub struct GgufFile {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub file_size: u64,
    /// Its header and tables, as candle reads them.
    pub content: Content,
    /// Tensor names in file order (the `Content` map has none).
    pub tensor_order: Vec<String>,
}

impl GgufFile {
    /// Opens `path` and reads its header. Fails with the specific error for
    /// a missing file, a directory, an empty file, a file that is not GGUF,
    /// a damaged header, a truncated file or a tensor type candle cannot run.
    pub fn open(path: &Path) -> Result<GgufFile> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound {
                    path: path.to_path_buf(),
                })
            }
            Err(err) => return Err(Error::io(path, &err)),
        };
        if meta.is_dir() {
            return Err(Error::IsDirectory {
                path: path.to_path_buf(),
            });
        }
        let file_size = meta.len();
        if file_size == 0 {
            return Err(Error::Empty {
                path: path.to_path_buf(),
            });
        }
        let file = File::open(path).map_err(|e| Error::io(path, &e))?;
        let mut reader = Reader {
            inner: BufReader::with_capacity(1 << 20, file),
            path,
            size: file_size,
            pos: 0,
        };
        let (content, tensor_order) = reader.header()?;
        let file = GgufFile {
            path: path.to_path_buf(),
            file_size,
            content,
            tensor_order,
        };
        file.check_tensor_extents()?;
        Ok(file)
    }

    /// Every tensor's data must lie inside the file: a copy cut short is the
    /// most common way a multi-gigabyte model arrives broken.
    fn check_tensor_extents(&self) -> Result<()> {
        for name in &self.tensor_order {
            let Some(info) = self.content.tensor_infos.get(name) else {
                continue;
            };
            let end = self.content.tensor_data_offset + info.offset + tensor_bytes(info);
            if end > self.file_size {
                return Err(Error::Truncated {
                    path: self.path.clone(),
                    tensor: name.clone(),
                    needed: end,
                    size: self.file_size,
                });
            }
        }
        Ok(())
    }

    /// A metadata value.
    pub fn metadata(&self, key: &str) -> Option<&Value> {
        self.content.metadata.get(key)
    }

    /// A metadata string.
    pub fn string(&self, key: &str) -> Option<&str> {
        match self.metadata(key) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// An integer of any width, as the converters do not agree on one.
    pub fn integer(&self, key: &str) -> Result<Option<u64>> {
        let value = match self.metadata(key) {
            None => return Ok(None),
            Some(v) => v,
        };
        let n = match value {
            Value::U8(v) => Some(u64::from(*v)),
            Value::U16(v) => Some(u64::from(*v)),
            Value::U32(v) => Some(u64::from(*v)),
            Value::U64(v) => Some(*v),
            Value::I8(v) => u64::try_from(*v).ok(),
            Value::I16(v) => u64::try_from(*v).ok(),
            Value::I32(v) => u64::try_from(*v).ok(),
            Value::I64(v) => u64::try_from(*v).ok(),
            _ => None,
        };
        n.map(Some)
            .ok_or_else(|| self.bad(key, "se esperaba un entero no negativo"))
    }

    /// A metadata integer the architecture needs, or the error that names the
    /// key.
    pub fn required_integer(&self, key: &str) -> Result<u64> {
        self.integer(key)?.ok_or_else(|| Error::MissingMetadata {
            path: self.path.clone(),
            key: key.to_string(),
        })
    }

    /// A metadata float, if present; a value of another type is an error naming
    /// the key.
    pub fn float(&self, key: &str) -> Result<Option<f64>> {
        match self.metadata(key) {
            None => Ok(None),
            Some(Value::F32(v)) => Ok(Some(f64::from(*v))),
            Some(Value::F64(v)) => Ok(Some(*v)),
            Some(_) => Err(self.bad(key, "se esperaba un número")),
        }
    }

    /// The error for a metadata value out of range, naming this file and the
    /// key.
    pub fn bad(&self, key: &str, reason: &str) -> Error {
        Error::BadMetadata {
            path: self.path.clone(),
            key: key.to_string(),
            reason: reason.to_string(),
        }
    }

    /// What the header says of a tensor.
    pub fn tensor_info(&self, name: &str) -> Option<&TensorInfo> {
        self.content.tensor_infos.get(name)
    }
}

/// Bytes of one tensor's data as stored.
pub fn tensor_bytes(info: &TensorInfo) -> u64 {
    let elems = info.shape.elem_count() as u64;
    elems / info.ggml_dtype.block_size() as u64 * info.ggml_dtype.type_size() as u64
}

/// The name llama.cpp uses for a ggml type id, for messages about types we
/// cannot run.
fn ggml_type_name(id: u32) -> String {
    let name = match id {
        16 => "IQ2_XXS",
        17 => "IQ2_XS",
        18 => "IQ3_XXS",
        19 => "IQ1_S",
        20 => "IQ4_NL",
        21 => "IQ3_S",
        22 => "IQ2_S",
        23 => "IQ4_XS",
        24 => "I8",
        25 => "I16",
        26 => "I32",
        27 => "I64",
        28 => "F64",
        29 => "IQ1_M",
        34 => "TQ1_0",
        35 => "TQ2_0",
        39 => "MXFP4",
        _ => return format!("desconocido ({id})"),
    };
    name.to_string()
}

/// ggml's numbers for the tensor types candle holds, read and written.
const GGML_TYPES: [(u32, GgmlDType); 14] = [
    (0, GgmlDType::F32),
    (1, GgmlDType::F16),
    (2, GgmlDType::Q4_0),
    (3, GgmlDType::Q4_1),
    (6, GgmlDType::Q5_0),
    (7, GgmlDType::Q5_1),
    (8, GgmlDType::Q8_0),
    (10, GgmlDType::Q2K),
    (11, GgmlDType::Q3K),
    (12, GgmlDType::Q4K),
    (13, GgmlDType::Q5K),
    (14, GgmlDType::Q6K),
    (15, GgmlDType::Q8K),
    (30, GgmlDType::BF16),
];

fn ggml_dtype(id: u32) -> Option<GgmlDType> {
    GGML_TYPES.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}

/// The number [`ggml_dtype`] reads back as `dtype`.
pub(crate) fn ggml_type_id(dtype: GgmlDType) -> Option<u32> {
    GGML_TYPES
        .iter()
        .find(|(_, t)| *t == dtype)
        .map(|(i, _)| *i)
}

/// The llama.cpp spelling of a type, as users see it in file names.
pub fn dtype_name(dtype: GgmlDType) -> &'static str {
    match dtype {
        GgmlDType::F32 => "F32",
        GgmlDType::F16 => "F16",
        GgmlDType::BF16 => "BF16",
        GgmlDType::Q4_0 => "Q4_0",
        GgmlDType::Q4_1 => "Q4_1",
        GgmlDType::Q5_0 => "Q5_0",
        GgmlDType::Q5_1 => "Q5_1",
        GgmlDType::Q8_0 => "Q8_0",
        GgmlDType::Q8_1 => "Q8_1",
        GgmlDType::Q2K => "Q2_K",
        GgmlDType::Q3K => "Q3_K",
        GgmlDType::Q4K => "Q4_K",
        GgmlDType::Q5K => "Q5_K",
        GgmlDType::Q6K => "Q6_K",
        GgmlDType::Q8K => "Q8_K",
    }
}

/// Counts its position so that lengths can be checked against what is left
/// of the file before anything is allocated.
struct Reader<'a> {
    inner: BufReader<File>,
    path: &'a Path,
    size: u64,
    pos: u64,
}

impl Reader<'_> {
    fn corrupt(&self, reason: String) -> Error {
        Error::Corrupt {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    fn bytes(&mut self, n: u64) -> Result<Vec<u8>> {
        if n > self.size.saturating_sub(self.pos) {
            return Err(self.corrupt(format!(
                "la cabecera pide {n} bytes en la posición {} y el archivo termina en {}",
                self.pos, self.size
            )));
        }
        let mut buf = vec![0u8; n as usize];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| Error::io(self.path, &e))?;
        self.pos += n;
        Ok(buf)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let v = self.bytes(N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&v);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn string(&mut self) -> Result<String> {
        let len = self.u64()?;
        let bytes = self.bytes(len)?;
        // Some converters write a trailing NUL; GGUF strings have none.
        let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        String::from_utf8(bytes[..end].to_vec())
            .map_err(|_| self.corrupt("una cadena de la cabecera no es UTF-8".to_string()))
    }

    fn value(&mut self, ty: u32, depth: usize) -> Result<Value> {
        Ok(match ty {
            0 => Value::U8(u8::from_le_bytes(self.array()?)),
            1 => Value::I8(i8::from_le_bytes(self.array()?)),
            2 => Value::U16(u16::from_le_bytes(self.array()?)),
            3 => Value::I16(i16::from_le_bytes(self.array()?)),
            4 => Value::U32(self.u32()?),
            5 => Value::I32(i32::from_le_bytes(self.array()?)),
            6 => Value::F32(f32::from_le_bytes(self.array()?)),
            7 => Value::Bool(self.array::<1>()?[0] != 0),
            8 => Value::String(self.string()?),
            9 => {
                if depth >= MAX_DEPTH {
                    return Err(self.corrupt("listas anidadas demasiado profundas".to_string()));
                }
                let item_ty = self.u32()?;
                let n = self.u64()?;
                if n > MAX_ITEMS || n > self.size.saturating_sub(self.pos) {
                    return Err(self.corrupt(format!("una lista dice tener {n} elementos")));
                }
                let mut items = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    items.push(self.value(item_ty, depth + 1)?);
                }
                Value::Array(items)
            }
            10 => Value::U64(self.u64()?),
            11 => Value::I64(i64::from_le_bytes(self.array()?)),
            12 => Value::F64(f64::from_le_bytes(self.array()?)),
            other => return Err(self.corrupt(format!("tipo de valor desconocido {other}"))),
        })
    }

    fn header(&mut self) -> Result<(Content, Vec<String>)> {
        let magic = if self.size >= 4 {
            self.array::<4>()?
        } else {
            let mut short = [0u8; 4];
            let n = self.size as usize;
            short[..n].copy_from_slice(&self.bytes(self.size)?);
            short
        };
        if &magic != b"GGUF" {
            return Err(Error::NotGguf {
                path: self.path.to_path_buf(),
                found: String::from_utf8_lossy(&magic[..magic.len().min(self.size as usize)])
                    .into_owned(),
            });
        }
        let version = self.u32()?;
        let magic = match version {
            2 => VersionedMagic::GgufV2,
            3 => VersionedMagic::GgufV3,
            other => {
                return Err(self.corrupt(format!(
                    "versión de GGUF {other} no soportada (se leen las versiones 2 y 3)"
                )))
            }
        };
        let n_tensors = self.u64()?;
        let n_kv = self.u64()?;
        if n_tensors > MAX_ITEMS || n_kv > MAX_ITEMS {
            return Err(self.corrupt(format!(
                "la cabecera dice tener {n_tensors} tensores y {n_kv} datos"
            )));
        }
        let mut metadata = HashMap::new();
        for _ in 0..n_kv {
            let key = self.string()?;
            let ty = self.u32()?;
            let value = self.value(ty, 0)?;
            metadata.insert(key, value);
        }
        let mut tensor_infos = HashMap::new();
        let mut order = Vec::with_capacity(n_tensors as usize);
        for _ in 0..n_tensors {
            let name = self.string()?;
            let n_dims = self.u32()?;
            if n_dims == 0 || n_dims > 4 {
                return Err(self.corrupt(format!("el tensor «{name}» tiene {n_dims} dimensiones")));
            }
            let mut dims = Vec::with_capacity(n_dims as usize);
            for _ in 0..n_dims {
                dims.push(self.u64()? as usize);
            }
            // GGUF lists the fastest-varying dimension first; candle the slowest.
            dims.reverse();
            let ty = self.u32()?;
            let offset = self.u64()?;
            let Some(ggml_dtype) = ggml_dtype(ty) else {
                return Err(Error::UnsupportedTensorType {
                    path: self.path.to_path_buf(),
                    tensor: name,
                    dtype: ggml_type_name(ty),
                });
            };
            let elems: usize = dims.iter().product();
            if !elems.is_multiple_of(ggml_dtype.block_size()) {
                return Err(self.corrupt(format!(
                    "el tensor «{name}» tiene {elems} elementos, que no caben en bloques de {}",
                    ggml_dtype.block_size()
                )));
            }
            order.push(name.clone());
            tensor_infos.insert(
                name,
                TensorInfo {
                    ggml_dtype,
                    shape: candle_core::Shape::from(dims),
                    offset,
                },
            );
        }
        let alignment = match metadata.get("general.alignment") {
            Some(Value::U32(a)) if a.is_power_of_two() => u64::from(*a),
            Some(_) => return Err(self.corrupt("general.alignment inválido".to_string())),
            None => 32,
        };
        let tensor_data_offset = self.pos.div_ceil(alignment) * alignment;
        Ok((
            Content {
                magic,
                metadata,
                tensor_infos,
                tensor_data_offset,
            },
            order,
        ))
    }
}
