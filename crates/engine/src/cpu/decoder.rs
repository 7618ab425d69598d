//! The decoder forward pass on the CPU, over the mapped GGUF weights: the
//! same arithmetic as [`crate::model`]'s candle path, written as loops over
//! our own buffers so that a decode step allocates no tensors and runs
//! a handful of parallel passes per layer instead of ~30 graph ops.

use std::sync::Arc;

use candle_core::quantized::GgmlDType;
use candle_core::Device;
use half::f16;
use rayon::prelude::*;

use super::interleave;
use super::loops;
use super::matmul::{matmul, Acts, Weight};
use super::quant::Format;
use super::raw::{self, run_vectorised, vectorised, Mapped, Vectorised};
use crate::error::{Error, Result};
use crate::facts::{Architecture, Hyper};
use crate::gguf::GgufFile;
use crate::model::LoadWatch;

struct Layer {
    attn_norm: Vec<f32>,
    wq: Weight,
    wk: Weight,
    wv: Weight,
    wo: Weight,
    bq: Option<Vec<f32>>,
    bk: Option<Vec<f32>>,
    bv: Option<Vec<f32>>,
    q_norm: Option<Vec<f32>>,
    k_norm: Option<Vec<f32>>,
    ffn_norm: Vec<f32>,
    gate: Weight,
    up: Weight,
    down: Weight,
}

/// Keys and values per layer, `[kv_head][position][head_dim]`, so the
/// query heads that share a key/value head read one contiguous run.
struct Cache {
    store: Store,
    tokens: Vec<u32>,
    capacity: usize,
}

/// How the cache holds its values: f16 unless a reference comparison asks
/// for candle's f32 ([`CacheFormat`]).
enum Store {
    F16(Layers<f16>),
    F32(Layers<f32>),
}

struct Layers<T> {
    keys: Vec<Vec<T>>,
    values: Vec<Vec<T>>,
}

impl<T: CacheValue> Layers<T> {
    fn new(layers: usize, size: usize) -> Layers<T> {
        Layers {
            keys: (0..layers).map(|_| vec![T::default(); size]).collect(),
            values: (0..layers).map(|_| vec![T::default(); size]).collect(),
        }
    }
}

/// The precision of the KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheFormat {
    /// What runs: half the bytes a decode step streams at depth, and half
    /// the memory, as llama.cpp's default.
    F16,
    /// candle's: for holding our arithmetic to candle-transformers'
    /// exactly, where the only difference left is summation order.
    F32,
}

/// A value the cache can hold, widened to f32 for the arithmetic.
trait CacheValue: Copy + Default + Send + Sync {
    fn narrow(from: &[f32], to: &mut [Self]);
    fn widen(from: &[Self], to: &mut [f32]);
}

impl CacheValue for f16 {
    fn narrow(from: &[f32], to: &mut [f16]) {
        raw::f32_to_f16(from, to);
    }
    fn widen(from: &[f16], to: &mut [f32]) {
        raw::f16_to_f32(from, to);
    }
}

impl CacheValue for f32 {
    fn narrow(from: &[f32], to: &mut [f32]) {
        to.copy_from_slice(from);
    }
    fn widen(from: &[f32], to: &mut [f32]) {
        to.copy_from_slice(from);
    }
}

/// Buffers reused by every forward pass.
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    xn: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    att: Vec<f32>,
    o: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    down: Vec<f32>,
}

/// A decoder run by our CPU kernels over the mapped file, with its KV cache.
pub struct CpuModel {
    arch: Architecture,
    hyper: Hyper,
    embedding: Weight,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    /// `None`: tied to the embedding table.
    output: Option<Weight>,
    /// `cos`/`sin` of every position, `[position][head_dim / 2]`.
    cos: Vec<f32>,
    sin: Vec<f32>,
    cache: Cache,
    scratch: Scratch,
    /// Bytes of weights converted or regrouped at load and held in memory
    /// (instead of read from the mapped file).
    converted_bytes: usize,
}

struct Loader<'a> {
    file: &'a GgufFile,
    map: Arc<Mapped>,
    arch: Architecture,
    watch: LoadWatch<'a>,
    read: usize,
    converted: usize,
    regrouped: usize,
}

impl<'a> Loader<'a> {
    fn info(&mut self, name: &str) -> Result<&'a candle_core::quantized::gguf_file::TensorInfo> {
        if (self.watch.cancelled)() {
            return Err(Error::LoadCancelled);
        }
        self.read += 1;
        let total = self.file.content.tensor_infos.len().max(1);
        (self.watch.progress)((self.read as f32 / total as f32).min(1.0));
        let file: &'a GgufFile = self.file;
        file.tensor_info(name).ok_or_else(|| Error::MissingTensor {
            path: self.file.path.clone(),
            tensor: name.to_string(),
            architecture: self.arch.name().to_string(),
        })
    }

    fn corrupt(&self, name: &str, why: &str) -> Error {
        Error::Corrupt {
            path: self.file.path.clone(),
            reason: format!("el tensor «{name}» {why}"),
        }
    }

    fn matrix(&mut self, name: &str) -> Result<Weight> {
        let info = self.info(name)?;
        let dims = info.shape.dims().to_vec();
        let (rows, cols) = match dims.as_slice() {
            [r, c] => (*r, *c),
            _ => return Err(self.corrupt(name, "no es una matriz")),
        };
        let start = self.file.content.tensor_data_offset as usize + info.offset as usize;
        if let Some(format) = Format::from_ggml(info.ggml_dtype) {
            // Q4_K tables are looked up by row, which its regrouped layout
            // does not serve; Q8_0 and Q6_K ones it does.
            let looked_up = format == Format::Q4K && name == "token_embd.weight";
            if super::raw::regroups(format) && !looked_up {
                if let Some(w) = self.regrouped(name, format, rows, cols, start)? {
                    return Ok(w);
                }
            }
            return Weight::mapped(format, rows, cols, self.map.clone(), start).ok_or_else(|| {
                self.corrupt(
                    name,
                    "no cabe en el archivo o sus filas no son bloques enteros",
                )
            });
        }
        // A type our kernels do not read (Q2_K, Q3_K, …): converted once to
        // Q8_0, which keeps its precision for a few more bits per weight.
        let mut reader =
            std::fs::File::open(&self.file.path).map_err(|e| Error::io(&self.file.path, &e))?;
        let t = info.read(
            &mut reader,
            self.file.content.tensor_data_offset,
            &Device::Cpu,
        )?;
        let (format, dtype) = if cols.is_multiple_of(32) {
            (Format::Q8_0, GgmlDType::Q8_0)
        } else {
            (Format::F32, GgmlDType::F32)
        };
        let t = candle_core::quantized::QTensor::quantize(&t.dequantize(&Device::Cpu)?, dtype)?;
        let data = t.data()?.into_owned();
        self.converted += data.len();
        Weight::owned(format, rows, cols, data)
            .ok_or_else(|| self.corrupt(name, "no se pudo convertir"))
    }

    /// A Q4_K, Q6_K, Q8_0 or Q5_0 matrix regrouped for this CPU's kernels,
    /// its mapped original released afterwards (so it is not resident
    /// twice); `None` when its rows are not a multiple of 8.
    fn regrouped(
        &mut self,
        name: &str,
        format: Format,
        rows: usize,
        cols: usize,
        start: usize,
    ) -> Result<Option<Weight>> {
        let Some(row_bytes) = format.row_bytes(cols) else {
            return Ok(None);
        };
        if !rows.is_multiple_of(interleave::ROWS) {
            return Ok(None);
        }
        let len = rows * row_bytes;
        let Some(bytes) = self.map.bytes().get(start..start + len) else {
            return Err(self.corrupt(name, "no cabe en el archivo"));
        };
        let weight = Weight::regroup(format, rows, cols, bytes)
            .ok_or_else(|| self.corrupt(name, "no se pudo reagrupar"))?;
        self.map.release(start, len);
        self.regrouped += weight.owned_bytes();
        Ok(Some(weight))
    }

    fn vector(&mut self, name: &str) -> Result<Vec<f32>> {
        let info = self.info(name)?;
        let n = info.shape.elem_count();
        let start = self.file.content.tensor_data_offset as usize + info.offset as usize;
        match Format::from_ggml(info.ggml_dtype) {
            Some(f) => {
                let w = Weight::mapped(f, 1, n, self.map.clone(), start)
                    .ok_or_else(|| self.corrupt(name, "no cabe en el archivo"))?;
                let mut out = vec![0.0; n];
                w.dequantize_row(0, &mut out);
                Ok(out)
            }
            None => {
                let mut reader = std::fs::File::open(&self.file.path)
                    .map_err(|e| Error::io(&self.file.path, &e))?;
                let t = info.read(
                    &mut reader,
                    self.file.content.tensor_data_offset,
                    &Device::Cpu,
                )?;
                Ok(t.dequantize(&Device::Cpu)?
                    .flatten_all()?
                    .to_vec1::<f32>()?)
            }
        }
    }

    fn optional_vector(&mut self, name: &str) -> Result<Option<Vec<f32>>> {
        if self.file.tensor_info(name).is_some() {
            self.vector(name).map(Some)
        } else {
            Ok(None)
        }
    }
}

impl CpuModel {
    /// Maps `file` and builds the model over its weights; `hyper` and the
    /// tensors' shapes were checked by the caller (`check_tensors`).
    pub fn load(
        file: &GgufFile,
        arch: Architecture,
        hyper: &Hyper,
        context: usize,
        watch: LoadWatch<'_>,
    ) -> Result<CpuModel> {
        let map = Arc::new(Mapped::open(&file.path).map_err(|e| Error::io(&file.path, &e))?);
        let mut ld = Loader {
            file,
            map,
            arch,
            watch,
            read: 0,
            converted: 0,
            regrouped: 0,
        };
        let embedding = ld.matrix("token_embd.weight")?;
        let mut layers = Vec::with_capacity(hyper.layers);
        for i in 0..hyper.layers {
            let p = format!("blk.{i}");
            let (q_norm, k_norm) = if arch == Architecture::Qwen3 {
                (
                    Some(ld.vector(&format!("{p}.attn_q_norm.weight"))?),
                    Some(ld.vector(&format!("{p}.attn_k_norm.weight"))?),
                )
            } else {
                (None, None)
            };
            layers.push(Layer {
                bq: ld.optional_vector(&format!("{p}.attn_q.bias"))?,
                bk: ld.optional_vector(&format!("{p}.attn_k.bias"))?,
                bv: ld.optional_vector(&format!("{p}.attn_v.bias"))?,
                attn_norm: ld.vector(&format!("{p}.attn_norm.weight"))?,
                wq: ld.matrix(&format!("{p}.attn_q.weight"))?,
                wk: ld.matrix(&format!("{p}.attn_k.weight"))?,
                wv: ld.matrix(&format!("{p}.attn_v.weight"))?,
                wo: ld.matrix(&format!("{p}.attn_output.weight"))?,
                q_norm,
                k_norm,
                ffn_norm: ld.vector(&format!("{p}.ffn_norm.weight"))?,
                gate: ld.matrix(&format!("{p}.ffn_gate.weight"))?,
                up: ld.matrix(&format!("{p}.ffn_up.weight"))?,
                down: ld.matrix(&format!("{p}.ffn_down.weight"))?,
            });
        }
        let norm = ld.vector("output_norm.weight")?;
        let output = match file.tensor_info("output.weight") {
            Some(_) => Some(ld.matrix("output.weight")?),
            None => None,
        };
        let (cos, sin) = rope_tables(hyper, context);
        let cache = Cache {
            store: Store::F16(Layers::new(hyper.layers, cache_size(hyper, context))),
            tokens: Vec::new(),
            capacity: context,
        };
        Ok(CpuModel {
            arch,
            hyper: hyper.clone(),
            embedding,
            layers,
            norm,
            output,
            cos,
            sin,
            cache,
            scratch: Scratch::default(),
            converted_bytes: ld.converted + ld.regrouped,
        })
    }

    /// Tokens of KV cache allocated.
    pub fn context(&self) -> usize {
        self.cache.capacity
    }

    /// Replaces the cache by an empty one of `format`.
    pub fn set_cache_format(&mut self, format: CacheFormat) {
        let (layers, size) = (
            self.hyper.layers,
            cache_size(&self.hyper, self.cache.capacity),
        );
        self.cache.tokens.clear();
        self.cache.store = match format {
            CacheFormat::F16 => Store::F16(Layers::new(layers, size)),
            CacheFormat::F32 => Store::F32(Layers::new(layers, size)),
        };
    }

    /// The tokens whose keys and values are cached, in order.
    pub fn cached_tokens(&self) -> &[u32] {
        &self.cache.tokens
    }

    /// Forgets the cache past `len` tokens (a rejected draft, a prompt that
    /// diverges).
    pub fn truncate(&mut self, len: usize) {
        self.cache.tokens.truncate(len);
    }

    /// Bytes of weights held in memory because their type was converted.
    pub fn converted_bytes(&self) -> usize {
        self.converted_bytes
    }

    /// Runs `tokens` after the cached ones; returns the logits of every
    /// position (`all`) or of the last, row-major, or `None` when
    /// `cancelled` said so between layers (the cache then holds what it held
    /// before the call).
    pub fn forward(
        &mut self,
        tokens: &[u32],
        all: bool,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<f32>>> {
        super::awake::with_workers_awake(|| self.forward_pass(tokens, all, cancelled))
    }

    fn forward_pass(
        &mut self,
        tokens: &[u32],
        all: bool,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<f32>>> {
        let h = self.hyper.clone();
        let pos = self.cache.tokens.len();
        let n = tokens.len();
        let (hid, hd) = (h.hidden, h.head_dim);
        let eps = h.rms_eps as f32;
        let s = &mut self.scratch;
        s.x.clear();
        s.x.resize(n * hid, 0.0);
        for (row, &t) in s.x.chunks_exact_mut(hid).zip(tokens) {
            if t as usize >= self.embedding.rows {
                return Err(Error::Invalid(format!(
                    "el token {t} está fuera de la tabla de {} filas del modelo",
                    self.embedding.rows
                )));
            }
            self.embedding.dequantize_row(t as usize, row);
        }
        for (li, layer) in self.layers.iter().enumerate() {
            if cancelled() {
                return Ok(None);
            }
            rms_norm(&s.x, &layer.attn_norm, eps, &mut s.xn);
            let acts = Acts::new(&s.xn, hid, &[&layer.wq, &layer.wk, &layer.wv]);
            matmul(
                &[&layer.wq, &layer.wk, &layer.wv],
                &acts,
                &mut [&mut s.q, &mut s.k, &mut s.v],
            );
            add_bias(&mut s.q, layer.bq.as_deref());
            add_bias(&mut s.k, layer.bk.as_deref());
            add_bias(&mut s.v, layer.bv.as_deref());
            if let (Some(qn), Some(kn)) = (&layer.q_norm, &layer.k_norm) {
                rms_norm_in_place(&mut s.q, qn, eps);
                rms_norm_in_place(&mut s.k, kn, eps);
            }
            let half = hd / 2;
            let interleaved = self.arch == Architecture::Llama;
            vectorised(|| {
                for i in 0..n {
                    let at = (pos + i) * half;
                    let (cos, sin) = (&self.cos[at..at + half], &self.sin[at..at + half]);
                    for head in s.q[i * h.heads * hd..(i + 1) * h.heads * hd].chunks_exact_mut(hd) {
                        rope(head, cos, sin, interleaved);
                    }
                    for head in
                        s.k[i * h.kv_heads * hd..(i + 1) * h.kv_heads * hd].chunks_exact_mut(hd)
                    {
                        rope(head, cos, sin, interleaved);
                    }
                }
            });
            let cap = self.cache.capacity;
            s.att.clear();
            s.att.resize(n * h.heads * hd, 0.0);
            let at = Position {
                cap,
                pos,
                layer: li,
            };
            match &mut self.cache.store {
                Store::F16(c) => cache_and_attend(c, at, &h, s),
                Store::F32(c) => cache_and_attend(c, at, &h, s),
            }
            let acts = Acts::new(&s.att, h.heads * hd, &[&layer.wo]);
            matmul(&[&layer.wo], &acts, &mut [&mut s.o]);
            add(&mut s.x, &s.o);
            rms_norm(&s.x, &layer.ffn_norm, eps, &mut s.xn);
            let acts = Acts::new(&s.xn, hid, &[&layer.gate, &layer.up]);
            matmul(
                &[&layer.gate, &layer.up],
                &acts,
                &mut [&mut s.gate, &mut s.up],
            );
            swiglu(&mut s.gate, &s.up, h.feed_forward);
            let acts = Acts::new(&s.gate, h.feed_forward, &[&layer.down]);
            matmul(&[&layer.down], &acts, &mut [&mut s.down]);
            add(&mut s.x, &s.down);
        }
        let first = if all { 0 } else { n - 1 };
        rms_norm(&s.x[first * hid..], &self.norm, eps, &mut s.xn);
        let output = self.output.as_ref().unwrap_or(&self.embedding);
        let acts = Acts::new(&s.xn, hid, &[output]);
        let mut logits = Vec::new();
        matmul(&[output], &acts, &mut [&mut logits]);
        self.cache.tokens.extend_from_slice(tokens);
        Ok(Some(logits))
    }
}

/// RMS norm of each row of `x` (rows of `w.len()`), scaled by `w`.
fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut Vec<f32>) {
    let d = w.len();
    out.clear();
    out.resize(x.len(), 0.0);
    rows_in_parallel(out, x, d, |(o, x)| {
        let mean = x.iter().map(|v| v * v).sum::<f32>() / d as f32;
        let r = 1.0 / (mean + eps).sqrt();
        for ((o, x), w) in o.iter_mut().zip(x).zip(w) {
            *o = x * r * w;
        }
    });
}

/// `f` on each pair of `width`-value rows of `a` and `b`, in parallel when
/// there are several (a batch's tokens; serial work leaves the other
/// threads idle), each row computed the same either way.
fn rows_in_parallel(
    a: &mut [f32],
    b: &[f32],
    width: usize,
    f: impl Fn((&mut [f32], &[f32])) + Sync + Send,
) {
    let f = |pair| vectorised(|| f(pair));
    if a.len() > width {
        a.par_chunks_mut(width).zip(b.par_chunks(width)).for_each(f);
    } else {
        a.chunks_mut(width).zip(b.chunks(width)).for_each(f);
    }
}

/// `gate` ← SiLU(`gate`) · `up`, in parallel for a batch (`width` values
/// per token).
fn swiglu(gate: &mut [f32], up: &[f32], width: usize) {
    rows_in_parallel(gate, up, width, |(g, u)| loops::silu_mul(g, u));
}

fn rms_norm_in_place(x: &mut [f32], w: &[f32], eps: f32) {
    vectorised(|| rms_norm_rows(x, w, eps));
}

#[inline(always)]
fn rms_norm_rows(x: &mut [f32], w: &[f32], eps: f32) {
    for x in x.chunks_exact_mut(w.len()) {
        let mean = x.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        let r = 1.0 / (mean + eps).sqrt();
        for (x, w) in x.iter_mut().zip(w) {
            *x = *x * r * w;
        }
    }
}

fn add_bias(x: &mut [f32], b: Option<&[f32]>) {
    if let Some(b) = b {
        for row in x.chunks_exact_mut(b.len()) {
            add(row, b);
        }
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// cos/sin of every position, `[position][head_dim / 2]`: f32 positions
/// times f32 inverse frequencies (the candle path uses these tables too).
pub(crate) fn rope_tables(h: &Hyper, context: usize) -> (Vec<f32>, Vec<f32>) {
    let half = h.head_dim / 2;
    let inv: Vec<f32> = (0..half)
        .map(|i| 1.0 / h.rope_theta.powf(2.0 * i as f64 / h.head_dim as f64) as f32)
        .collect();
    let mut cos = Vec::with_capacity(context * half);
    let mut sin = Vec::with_capacity(context * half);
    for p in 0..context {
        for f in &inv {
            let a = p as f32 * f;
            cos.push(a.cos());
            sin.push(a.sin());
        }
    }
    (cos, sin)
}

/// Rotates one head: Qwen pairs its two halves (NeoX style); llama.cpp's
/// converter permutes llama's q/k so adjacent values pair instead.
#[inline(always)]
fn rope(x: &mut [f32], cos: &[f32], sin: &[f32], interleaved: bool) {
    let half = x.len() / 2;
    for i in 0..half {
        let (a, b) = if interleaved {
            (2 * i, 2 * i + 1)
        } else {
            (i, i + half)
        };
        let (x0, x1) = (x[a], x[b]);
        x[a] = x0 * cos[i] - x1 * sin[i];
        x[b] = x0 * sin[i] + x1 * cos[i];
    }
}

/// Where a pass writes in the cache: layer, capacity, first new position.
#[derive(Clone, Copy)]
struct Position {
    cap: usize,
    pos: usize,
    layer: usize,
}

fn cache_size(h: &Hyper, context: usize) -> usize {
    h.kv_heads * context * h.head_dim
}

/// Stores the new tokens' keys and values (`s.k`, `s.v`) in layer
/// `at.layer` of the cache, then attends `s.q` over it into `s.att`.
fn cache_and_attend<T: CacheValue>(c: &mut Layers<T>, at: Position, h: &Hyper, s: &mut Scratch) {
    let hd = h.head_dim;
    let n = s.k.len() / (h.kv_heads * hd);
    let (keys, values) = (&mut c.keys[at.layer], &mut c.values[at.layer]);
    for i in 0..n {
        for g in 0..h.kv_heads {
            let from = (i * h.kv_heads + g) * hd;
            let to = (g * at.cap + at.pos + i) * hd;
            T::narrow(&s.k[from..from + hd], &mut keys[to..to + hd]);
            T::narrow(&s.v[from..from + hd], &mut values[to..to + hd]);
        }
    }
    attention(&s.q, keys, values, at.cap, at.pos, h, &mut s.att);
}

/// Causal attention of the `n` new queries over the cache, one task per
/// (query, key/value head): the query heads of a group read each cached key
/// and value once. `out` is `(n, heads · head_dim)`.
///
/// The cache holds f16, as llama.cpp's does: half the bytes a decode step
/// streams at depth (69 → 34 MB per token at 1,200 on 1.5B) and half the
/// memory. Keys and values are widened to f32 a block at a time, so the
/// arithmetic is f32 and the same whatever the batch.
fn attention<T: CacheValue>(
    q: &[f32],
    keys: &[T],
    values: &[T],
    cap: usize,
    pos: usize,
    h: &Hyper,
    out: &mut [f32],
) {
    let group = h.heads / h.kv_heads;
    out.par_chunks_mut(group * h.head_dim)
        .enumerate()
        .for_each(|(idx, o)| {
            run_vectorised(AttendTask {
                q,
                keys,
                values,
                cap,
                pos,
                h,
                idx,
                out: o,
            })
        });
}

/// One task of [`attention`]: query `idx / kv_heads`'s heads of group
/// `idx % kv_heads` over the cache; the hottest plain-Rust loop of a step
/// at depth, so compiled for AVX2 through [`Vectorised`].
struct AttendTask<'a, T> {
    q: &'a [f32],
    keys: &'a [T],
    values: &'a [T],
    cap: usize,
    pos: usize,
    h: &'a Hyper,
    idx: usize,
    out: &'a mut [f32],
}

impl<T: CacheValue> Vectorised for AttendTask<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (q, keys, values, cap, pos, h, o) = (
            self.q,
            self.keys,
            self.values,
            self.cap,
            self.pos,
            self.h,
            self.out,
        );
        let idx = self.idx;
        let hd = h.head_dim;
        let group = h.heads / h.kv_heads;
        let scale = 1.0 / (hd as f32).sqrt();
        let (i, g) = (idx / h.kv_heads, idx % h.kv_heads);
        let len = pos + i + 1;
        let k = &keys[g * cap * hd..(g * cap + len) * hd];
        let v = &values[g * cap * hd..(g * cap + len) * hd];
        let q0 = (i * h.heads + g * group) * hd;
        let q = &q[q0..q0 + group * hd];
        let mut scores = vec![0f32; group * len];
        let mut wide = vec![0f32; VALUE_BLOCK * hd];
        // Four keys at a time: four independent sums per head keep the
        // adder busy (one `dot` at a time waits on its own chain). Each
        // score is still summed in `dot`'s order, so it is the same
        // whichever block its key falls in.
        let mut blocks = k.chunks_exact(4 * hd);
        for (jb, kb) in blocks.by_ref().enumerate() {
            let kb32 = &mut wide[..4 * hd];
            T::widen(kb, kb32);
            for (hh, qh) in q.chunks_exact(hd).enumerate() {
                let d4 = raw::dot4(qh, kb32);
                for (x, d) in d4.iter().enumerate() {
                    scores[hh * len + 4 * jb + x] = d * scale;
                }
            }
        }
        let done = len / 4 * 4;
        for (j, kj) in blocks.remainder().chunks_exact(hd).enumerate() {
            let kj32 = &mut wide[..hd];
            T::widen(kj, kj32);
            for (hh, qh) in q.chunks_exact(hd).enumerate() {
                scores[hh * len + done + j] = raw::dot(qh, kj32) * scale;
            }
        }
        for row in scores.chunks_exact_mut(len) {
            loops::softmax(row);
        }
        // Σ_j p_j · v_j over blocks of widened values; every output
        // value is summed over j in order from zero, block after block.
        o.fill(0.0);
        for (b, vb) in v.chunks(VALUE_BLOCK * hd).enumerate() {
            let vb32 = &mut wide[..vb.len()];
            T::widen(vb, vb32);
            let j0 = b * VALUE_BLOCK;
            let keys_here = vb.len() / hd;
            for (oh, p) in o.chunks_exact_mut(hd).zip(scores.chunks_exact(len)) {
                raw::weighted_sum(&p[j0..j0 + keys_here], vb32, hd, oh);
            }
        }
    }
}

/// Cached values widened to f32 at a time in [`attention`] (64 of 128
/// values: 32 kB, in L1 while every head of the group reads them).
const VALUE_BLOCK: usize = 64;
