//! The decoder that qwen2, qwen3 and llama GGUF files share. On the CPU it
//! runs on our own kernels over the mapped file ([`crate::cpu`]); on CUDA and
//! Metal on candle, below. Both keep the same cache semantics, and the tests
//! hold both to candle-transformers' models on the same files.
//!
//! Why our own candle decoder and not candle-transformers' `quantized_*`
//! models: those
//! keep a KV cache that only grows (concatenated, or capped at 4096 and not
//! truncatable), convert the token embedding to f32 (hundreds of MB), and
//! cannot roll the cache back to a shared prefix. Here the cache is
//! allocated once for the context and written in place, the embedding stays
//! quantized (only looked-up rows are dequantized), and `truncate` lets a
//! new request reuse the prefix it shares with the previous one. The tests
//! check our logits against candle-transformers' models on the same files.

use std::io::{Read, Seek};
use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::attention::{flash_attn, AttnMask};
use candle_nn::RmsNorm;

use crate::error::{Error, Result};
use crate::facts::{Architecture, Hyper};
use crate::gguf::GgufFile;

struct Layer {
    attn_norm: RmsNorm,
    wq: QMatMul,
    wk: QMatMul,
    wv: QMatMul,
    wo: QMatMul,
    /// Qwen2 has biases on the q/k/v projections.
    bq: Option<Tensor>,
    bk: Option<Tensor>,
    bv: Option<Tensor>,
    /// Qwen3 normalises each head of q and k.
    q_norm: Option<RmsNorm>,
    k_norm: Option<RmsNorm>,
    ffn_norm: RmsNorm,
    w_gate: QMatMul,
    w_up: QMatMul,
    w_down: QMatMul,
}

/// Keys and values for every layer, `(1, capacity, kv_heads, head_dim)`,
/// allocated once. Narrowing the position axis of this layout gives a
/// contiguous view, so attention reads the cache without copying it.
struct KvCache {
    keys: Vec<Tensor>,
    values: Vec<Tensor>,
    /// The tokens whose keys and values are in the cache, in order.
    tokens: Vec<u32>,
    capacity: usize,
}

struct CandleModel {
    device: Device,
    arch: Architecture,
    hyper: Hyper,
    embedding: Arc<QTensor>,
    layers: Vec<Layer>,
    norm: RmsNorm,
    output: QMatMul,
    cos: Tensor,
    sin: Tensor,
    cache: KvCache,
}

/// What a caller learns of a load and how it stops one: `progress` gets the
/// share of tensors read so far (0 to 1; tensors are similar in size within a
/// layer, and the UI only needs a bar that moves), `cancelled` is polled
/// before each tensor.
#[derive(Clone, Copy)]
pub struct LoadWatch<'a> {
    /// Polled before each tensor: stop the load when true.
    pub cancelled: &'a dyn Fn() -> bool,
    /// Called with the share of tensors read, 0 to 1.
    pub progress: &'a dyn Fn(f32),
}

impl LoadWatch<'static> {
    /// For loads nobody watches (benchmarks, tests).
    pub const NONE: LoadWatch<'static> = LoadWatch {
        cancelled: &|| false,
        progress: &|_| {},
    };
}

/// Reads tensors by name; the watch is polled between tensors so that a
/// load of several seconds can be abandoned, and told how far it got.
struct Loader<'a, R> {
    file: &'a GgufFile,
    reader: R,
    device: &'a Device,
    arch: Architecture,
    watch: LoadWatch<'a>,
    read: usize,
}

impl<R: Read + Seek> Loader<'_, R> {
    fn qtensor(&mut self, name: &str) -> Result<QTensor> {
        if (self.watch.cancelled)() {
            return Err(Error::LoadCancelled);
        }
        self.read += 1;
        let total = self.file.content.tensor_infos.len().max(1);
        (self.watch.progress)((self.read as f32 / total as f32).min(1.0));
        let info = self
            .file
            .tensor_info(name)
            .ok_or_else(|| Error::MissingTensor {
                path: self.file.path.clone(),
                tensor: name.to_string(),
                architecture: self.arch.name().to_string(),
            })?;
        Ok(info.read(
            &mut self.reader,
            self.file.content.tensor_data_offset,
            self.device,
        )?)
    }

    fn optional(&mut self, name: &str) -> Result<Option<QTensor>> {
        if self.file.tensor_info(name).is_some() {
            self.qtensor(name).map(Some)
        } else {
            Ok(None)
        }
    }

    fn matmul(&mut self, name: &str) -> Result<QMatMul> {
        let t = self.qtensor(name)?;
        // candle has no AVX2 kernel for these legacy types (Q5_0 is most of
        // a 0.5B Q4_K_M file, Q4_1 all of SmolLM2's); requantized to Q8_0
        // they run on its fastest kernel for 3 more bits per weight.
        let t = match t.dtype() {
            GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1 if self.device.is_cpu() => {
                QTensor::quantize(&t.dequantize(self.device)?, GgmlDType::Q8_0)?
            }
            _ => t,
        };
        Ok(QMatMul::from_qtensor(t)?)
    }

    fn vector(&mut self, name: &str) -> Result<Tensor> {
        Ok(self.qtensor(name)?.dequantize(self.device)?)
    }

    fn norm(&mut self, name: &str, eps: f64) -> Result<RmsNorm> {
        Ok(RmsNorm::new(self.vector(name)?, eps))
    }
}

/// The logits of every position of a forward pass, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Logits {
    /// Columns of a row.
    pub vocab: usize,
    /// The values, one row per position.
    pub data: Vec<f32>,
}

impl Logits {
    /// Positions.
    pub fn rows(&self) -> usize {
        self.data.len() / self.vocab.max(1)
    }

    /// The logits of position `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.vocab..(i + 1) * self.vocab]
    }
}

enum Backend {
    Cpu(Box<crate::cpu::CpuModel>),
    Candle(Box<CandleModel>),
}

/// A loaded decoder and its KV cache.
pub struct Model {
    /// Its architecture.
    pub arch: Architecture,
    /// Its hyper-parameters.
    pub hyper: Hyper,
    backend: Backend,
}

impl Model {
    /// Loads the weights of `file` for `device` with a KV cache for
    /// `context` tokens: on the CPU mapped and run by our kernels, on a GPU
    /// uploaded to candle. A CPU for which we have no SIMD kernels yet
    /// (Apple silicon, other ARM) runs candle's, which have NEON ones.
    pub fn load(
        file: &GgufFile,
        arch: Architecture,
        hyper: &Hyper,
        context: usize,
        device: &Device,
        watch: LoadWatch<'_>,
    ) -> Result<Model> {
        let ours = device.is_cpu() && crate::cpu::raw::level() != crate::cpu::raw::Level::Scalar;
        Model::build(file, arch, hyper, context, device, watch, !ours)
    }

    /// The candle path on any device, CPU included: what the GPUs run, kept
    /// testable on a machine without one.
    pub fn load_candle(
        file: &GgufFile,
        arch: Architecture,
        hyper: &Hyper,
        context: usize,
        device: &Device,
        watch: LoadWatch<'_>,
    ) -> Result<Model> {
        Model::build(file, arch, hyper, context, device, watch, true)
    }

    fn build(
        file: &GgufFile,
        arch: Architecture,
        hyper: &Hyper,
        context: usize,
        device: &Device,
        watch: LoadWatch<'_>,
        candle: bool,
    ) -> Result<Model> {
        check_load(file, arch, hyper, context)?;
        let backend = if candle {
            Backend::Candle(Box::new(CandleModel::load(
                file, arch, hyper, context, device, watch,
            )?))
        } else {
            Backend::Cpu(Box::new(crate::cpu::CpuModel::load(
                file, arch, hyper, context, watch,
            )?))
        };
        Ok(Model {
            arch,
            hyper: hyper.clone(),
            backend,
        })
    }

    /// Tokens of KV cache allocated.
    pub fn context(&self) -> usize {
        match &self.backend {
            Backend::Cpu(m) => m.context(),
            Backend::Candle(m) => m.cache.capacity,
        }
    }

    /// Tokens currently held in the cache.
    pub fn cached_tokens(&self) -> &[u32] {
        match &self.backend {
            Backend::Cpu(m) => m.cached_tokens(),
            Backend::Candle(m) => &m.cache.tokens,
        }
    }

    /// Forgets everything after the first `len` cached tokens; the next
    /// forward continues from there. Nothing is freed or zeroed: positions
    /// past `len` are overwritten when reached.
    pub fn truncate(&mut self, len: usize) {
        match &mut self.backend {
            Backend::Cpu(m) => m.truncate(len),
            Backend::Candle(m) => m.cache.tokens.truncate(len),
        }
    }

    /// Empties the cache and, on our CPU path, makes it `format` (it is
    /// f16 after a load); candle's cache is always f32.
    pub fn set_cache_format(&mut self, format: crate::cpu::decoder::CacheFormat) {
        match &mut self.backend {
            Backend::Cpu(m) => m.set_cache_format(format),
            Backend::Candle(m) => m.cache.tokens.clear(),
        }
    }

    /// Runs `tokens` at the positions after the cached ones and returns the
    /// logits of the last one.
    pub fn forward(&mut self, tokens: &[u32]) -> Result<Vec<f32>> {
        self.run(tokens, false, &|| false)?.ok_or(Error::Cancelled)
    }

    /// Like [`Model::forward`], but `cancelled` is polled between layers:
    /// `None` when it said stop (the cache is as before the call). A chunk
    /// of prefill takes seconds on a large model; a layer, milliseconds.
    pub fn forward_cancellable(
        &mut self,
        tokens: &[u32],
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<f32>>> {
        self.run(tokens, false, cancelled)
    }

    /// The logits of every position: for perplexity, where each position is
    /// scored, and for verifying drafted tokens.
    pub fn forward_all(&mut self, tokens: &[u32]) -> Result<Logits> {
        self.forward_all_cancellable(tokens, &|| false)?
            .ok_or(Error::Cancelled)
    }

    /// [`Model::forward_all`], polling `cancelled` between layers.
    pub fn forward_all_cancellable(
        &mut self,
        tokens: &[u32],
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Logits>> {
        let vocab = self.hyper.embedding_rows;
        Ok(self
            .run(tokens, true, cancelled)?
            .map(|data| Logits { vocab, data }))
    }

    /// Whether a position's logits are the same bits computed alone or in
    /// a batch: true of our CPU kernels, not promised by candle's GPU ones.
    /// Lookup decoding relies on it to change nothing but the speed.
    pub fn batch_invariant(&self) -> bool {
        matches!(self.backend, Backend::Cpu(_))
    }

    fn run(
        &mut self,
        tokens: &[u32],
        all: bool,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<f32>>> {
        let pos = self.cached_tokens().len();
        let n = tokens.len();
        if n == 0 {
            return Err(Error::EmptyPrompt);
        }
        if pos + n > self.context() {
            return Err(Error::PromptTooLong {
                prompt: pos + n,
                reserve: 0,
                context: self.context(),
            });
        }
        match &mut self.backend {
            Backend::Cpu(m) => m.forward(tokens, all, cancelled),
            Backend::Candle(m) => {
                if cancelled() {
                    return Ok(None);
                }
                let logits = m.run(tokens, all)?;
                Ok(Some(logits.flatten_all()?.to_vec1::<f32>()?))
            }
        }
    }
}

fn check_load(file: &GgufFile, arch: Architecture, hyper: &Hyper, context: usize) -> Result<()> {
    if context == 0 {
        return Err(Error::Invalid(
            "el contexto debe ser de al menos 1 token".into(),
        ));
    }
    if context > hyper.context_length {
        return Err(Error::ContextTooLarge {
            requested: context,
            max: hyper.context_length,
        });
    }
    check_tensors(file, arch, hyper)
}

impl CandleModel {
    fn load(
        file: &GgufFile,
        arch: Architecture,
        hyper: &Hyper,
        context: usize,
        device: &Device,
        watch: LoadWatch<'_>,
    ) -> Result<CandleModel> {
        let reader = std::fs::File::open(&file.path).map_err(|e| Error::io(&file.path, &e))?;
        let mut ld = Loader {
            file,
            reader,
            device,
            arch,
            watch,
            read: 0,
        };
        let eps = hyper.rms_eps;
        let embedding = Arc::new(ld.qtensor("token_embd.weight")?);
        let mut layers = Vec::with_capacity(hyper.layers);
        for i in 0..hyper.layers {
            let p = format!("blk.{i}");
            let (q_norm, k_norm) = if arch == Architecture::Qwen3 {
                (
                    Some(ld.norm(&format!("{p}.attn_q_norm.weight"), eps)?),
                    Some(ld.norm(&format!("{p}.attn_k_norm.weight"), eps)?),
                )
            } else {
                (None, None)
            };
            let bias = |ld: &mut Loader<_>, name: &str| -> Result<Option<Tensor>> {
                match ld.optional(&format!("{p}.{name}.bias"))? {
                    Some(t) => Ok(Some(t.dequantize(device)?)),
                    None => Ok(None),
                }
            };
            let bq = bias(&mut ld, "attn_q")?;
            let bk = bias(&mut ld, "attn_k")?;
            let bv = bias(&mut ld, "attn_v")?;
            layers.push(Layer {
                attn_norm: ld.norm(&format!("{p}.attn_norm.weight"), eps)?,
                wq: ld.matmul(&format!("{p}.attn_q.weight"))?,
                wk: ld.matmul(&format!("{p}.attn_k.weight"))?,
                wv: ld.matmul(&format!("{p}.attn_v.weight"))?,
                wo: ld.matmul(&format!("{p}.attn_output.weight"))?,
                bq,
                bk,
                bv,
                q_norm,
                k_norm,
                ffn_norm: ld.norm(&format!("{p}.ffn_norm.weight"), eps)?,
                w_gate: ld.matmul(&format!("{p}.ffn_gate.weight"))?,
                w_up: ld.matmul(&format!("{p}.ffn_up.weight"))?,
                w_down: ld.matmul(&format!("{p}.ffn_down.weight"))?,
            });
        }
        let norm = ld.norm("output_norm.weight", eps)?;
        // Tied embeddings: files without `output.weight` reuse the table.
        let output = match ld.optional("output.weight")? {
            Some(t) => QMatMul::from_qtensor(t)?,
            None => QMatMul::from_arc(embedding.clone())?,
        };
        let (cos, sin) = rope_tables(hyper, context, device)?;
        let shape = (1, context, hyper.kv_heads, hyper.head_dim);
        let mut keys = Vec::with_capacity(hyper.layers);
        let mut values = Vec::with_capacity(hyper.layers);
        for _ in 0..hyper.layers {
            keys.push(Tensor::zeros(shape, DType::F32, device)?);
            values.push(Tensor::zeros(shape, DType::F32, device)?);
        }
        Ok(CandleModel {
            arch,
            hyper: hyper.clone(),
            device: device.clone(),
            embedding,
            layers,
            norm,
            output,
            cos,
            sin,
            cache: KvCache {
                keys,
                values,
                tokens: Vec::new(),
                capacity: context,
            },
        })
    }

    fn run(&mut self, tokens: &[u32], all: bool) -> Result<Tensor> {
        let pos = self.cache.tokens.len();
        let n = tokens.len();
        let h = &self.hyper;
        let ids = Tensor::new(tokens, &self.device)?;
        let mut x = self.embedding.embedding(&ids)?.unsqueeze(0)?;
        let cos = self.cos.narrow(0, pos, n)?;
        let sin = self.sin.narrow(0, pos, n)?;
        let scale = 1.0 / (h.head_dim as f64).sqrt();
        for (i, layer) in self.layers.iter().enumerate() {
            let residual = &x;
            let xs = layer.attn_norm.forward(&x)?;
            let project = |w: &QMatMul, b: &Option<Tensor>, heads: usize| -> Result<Tensor> {
                let mut t = w.forward(&xs)?;
                if let Some(b) = b {
                    t = t.broadcast_add(b)?;
                }
                Ok(t.reshape((1, n, heads, h.head_dim))?)
            };
            let mut q = project(&layer.wq, &layer.bq, h.heads)?;
            let mut k = project(&layer.wk, &layer.bk, h.kv_heads)?;
            let v = project(&layer.wv, &layer.bv, h.kv_heads)?;
            if let (Some(qn), Some(kn)) = (&layer.q_norm, &layer.k_norm) {
                q = qn.forward(&q.contiguous()?)?;
                k = kn.forward(&k.contiguous()?)?;
            }
            let q = rope(self.arch, &q, &cos, &sin)?;
            let k = rope(self.arch, &k, &cos, &sin)?;
            self.cache.keys[i].slice_set(&k, 1, pos)?;
            self.cache.values[i].slice_set(&v.contiguous()?, 1, pos)?;
            let keys = self.cache.keys[i].narrow(1, 0, pos + n)?;
            let values = self.cache.values[i].narrow(1, 0, pos + n)?;
            let attn = attention(&q, &keys, &values, scale, pos, h)?;
            let attn = attn
                .transpose(1, 2)?
                .reshape((1, n, h.heads * h.head_dim))?;
            let x1 = (residual + layer.wo.forward(&attn)?)?;
            let xs = layer.ffn_norm.forward(&x1)?;
            let gate = candle_nn::ops::silu(&layer.w_gate.forward(&xs)?)?;
            let up = layer.w_up.forward(&xs)?;
            let ffn = layer.w_down.forward(&(gate * up)?)?;
            x = (x1 + ffn)?;
        }
        let last = if all { x } else { x.narrow(1, n - 1, 1)? };
        let logits = self.output.forward(&self.norm.forward(&last)?)?;
        self.cache.tokens.extend_from_slice(tokens);
        let logits = logits.squeeze(0)?.to_dtype(DType::F32)?;
        Ok(if all { logits } else { logits.squeeze(0)? })
    }
}

/// cos/sin for every position of the context, `(context, head_dim / 2)`.
fn rope_tables(h: &Hyper, context: usize, device: &Device) -> Result<(Tensor, Tensor)> {
    // The same tables as the CPU path's, so both rotate by the same bits.
    let (cos, sin) = crate::cpu::decoder::rope_tables(h, context);
    let shape = (context, h.head_dim / 2);
    Ok((
        Tensor::from_vec(cos, shape, device)?,
        Tensor::from_vec(sin, shape, device)?,
    ))
}

/// Rotary embedding on `(1, n, heads, head_dim)`. Qwen rotates the two
/// halves of each head (NeoX style); llama.cpp's converter permutes llama's
/// q/k weights so that adjacent pairs rotate instead.
fn rope(arch: Architecture, x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let x = x.contiguous()?;
    Ok(match arch {
        Architecture::Qwen2 | Architecture::Qwen3 => candle_nn::rotary_emb::rope_thd(&x, cos, sin)?,
        Architecture::Llama => {
            let t = x.transpose(1, 2)?.contiguous()?;
            candle_nn::rotary_emb::rope_i(&t, cos, sin)?
                .transpose(1, 2)?
                .contiguous()?
        }
    })
}

/// Causal attention of `q` `(1, n, heads, d)` over the cache view
/// `(1, pos + n, kv_heads, d)`; returns `(1, heads, n, d)`.
fn attention(
    q: &Tensor,
    keys: &Tensor,
    values: &Tensor,
    scale: f64,
    pos: usize,
    h: &Hyper,
) -> Result<Tensor> {
    if q.device().is_cpu() {
        return Ok(flash_attn::<f32>(
            q,
            keys,
            values,
            scale as f32,
            AttnMask::causal_with_offset(pos),
            None,
            None,
        )?);
    }
    // GPU: plain matmul attention with the key/value heads repeated.
    let n = q.dim(1)?;
    let groups = h.heads / h.kv_heads;
    let q = q.transpose(1, 2)?.contiguous()?;
    let repeat = |t: &Tensor| -> Result<Tensor> {
        let t = t.transpose(1, 2)?;
        let (b, kvh, len, d) = t.dims4()?;
        Ok(t.unsqueeze(2)?
            .expand((b, kvh, groups, len, d))?
            .reshape((b, kvh * groups, len, d))?
            .contiguous()?)
    };
    let k = repeat(keys)?;
    let v = repeat(values)?;
    let total = pos + n;
    let mut scores = (q.matmul(&k.t()?)? * scale)?;
    if n > 1 {
        let mask: Vec<f32> = (0..n)
            .flat_map(|i| {
                (0..total).map(move |j| if j > pos + i { f32::NEG_INFINITY } else { 0.0 })
            })
            .collect();
        let mask = Tensor::from_vec(mask, (n, total), q.device())?;
        scores = scores.broadcast_add(&mask)?;
    }
    let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
    Ok(probs.matmul(&v)?)
}

/// Every tensor the forward pass reads, present and of the expected shape,
/// checked from the header alone (for `model-info` and before a load).
pub fn check_tensors(file: &GgufFile, arch: Architecture, h: &Hyper) -> Result<()> {
    let q = h.heads * h.head_dim;
    let kv = h.kv_heads * h.head_dim;
    let mut expected: Vec<(String, Vec<usize>)> = vec![
        ("token_embd.weight".into(), vec![h.embedding_rows, h.hidden]),
        ("output_norm.weight".into(), vec![h.hidden]),
    ];
    for i in 0..h.layers {
        let p = format!("blk.{i}");
        expected.extend([
            (format!("{p}.attn_norm.weight"), vec![h.hidden]),
            (format!("{p}.attn_q.weight"), vec![q, h.hidden]),
            (format!("{p}.attn_k.weight"), vec![kv, h.hidden]),
            (format!("{p}.attn_v.weight"), vec![kv, h.hidden]),
            (format!("{p}.attn_output.weight"), vec![h.hidden, q]),
            (format!("{p}.ffn_norm.weight"), vec![h.hidden]),
            (
                format!("{p}.ffn_gate.weight"),
                vec![h.feed_forward, h.hidden],
            ),
            (format!("{p}.ffn_up.weight"), vec![h.feed_forward, h.hidden]),
            (
                format!("{p}.ffn_down.weight"),
                vec![h.hidden, h.feed_forward],
            ),
        ]);
        if arch == Architecture::Qwen3 {
            expected.push((format!("{p}.attn_q_norm.weight"), vec![h.head_dim]));
            expected.push((format!("{p}.attn_k_norm.weight"), vec![h.head_dim]));
        }
    }
    if file.tensor_info("output.weight").is_some() {
        expected.push(("output.weight".into(), vec![h.embedding_rows, h.hidden]));
    }
    for (name, dims) in expected {
        let info = file
            .tensor_info(&name)
            .ok_or_else(|| Error::MissingTensor {
                path: file.path.clone(),
                tensor: name.clone(),
                architecture: arch.name().to_string(),
            })?;
        if info.shape.dims() != dims.as_slice() {
            return Err(Error::Corrupt {
                path: file.path.clone(),
                reason: format!(
                    "el tensor «{name}» mide {:?} y la cabecera del modelo indica {:?}",
                    info.shape.dims(),
                    dims
                ),
            });
        }
    }
    Ok(())
}
