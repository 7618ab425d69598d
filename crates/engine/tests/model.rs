//! The forward pass: against candle-transformers' own quantized models on
//! the same files, cached against uncached, and prefix reuse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use engine::cpu::CacheFormat;
use engine::gguf::GgufFile;
use engine::model::Model;
use engine::{Architecture, ModelFacts};

const PROMPT: &[u32] = &[
    785, 8720, 1197, 409, 220, 21, 22, 47635, 11, 1531, 72, 10154, 2127, 4294, 13, 198, 3830,
];

fn ours(arch: Architecture, context: usize) -> Model {
    let path = common::tiny(arch);
    let (facts, file) = ModelFacts::read(&path).unwrap();
    Model::load(
        &file,
        arch,
        &facts.hyper,
        context,
        &Device::Cpu,
        engine::LoadWatch::NONE,
    )
    .unwrap()
}

/// Logits of the last position from candle-transformers' stock model.
fn reference(arch: Architecture, tokens: &[u32]) -> Vec<f32> {
    use candle_transformers::models::{quantized_llama, quantized_qwen2, quantized_qwen3};
    let path = common::tiny(arch);
    let mut f = std::fs::File::open(&path).unwrap();
    let mut ct = gguf_file::Content::read(&mut f).unwrap();
    // candle's qwen3 builds its rotary tables in f16 unless told otherwise,
    // which alone moves logits by ~0.05 after a few positions.
    ct.metadata
        .insert("general.dtype".into(), gguf_file::Value::U32(0));
    let dev = Device::Cpu;
    let x = Tensor::new(tokens, &dev).unwrap().unsqueeze(0).unwrap();
    let logits = match arch {
        Architecture::Qwen2 => quantized_qwen2::ModelWeights::from_gguf(ct, &mut f, &dev)
            .unwrap()
            .forward(&x, 0)
            .unwrap(),
        Architecture::Qwen3 => quantized_qwen3::ModelWeights::from_gguf(ct, &mut f, &dev)
            .unwrap()
            .forward(&x, 0)
            .unwrap(),
        Architecture::Llama => quantized_llama::ModelWeights::from_gguf(ct, &mut f, &dev)
            .unwrap()
            .forward(&x, 0)
            .unwrap(),
    };
    logits.flatten_all().unwrap().to_vec1::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn spread(a: &[f32]) -> f32 {
    let max = a.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let min = a.iter().copied().fold(f32::INFINITY, f32::min);
    max - min
}

#[test]
fn logits_match_candle_transformers_for_every_architecture() {
    for arch in [
        Architecture::Qwen2,
        Architecture::Qwen3,
        Architecture::Llama,
    ] {
        // candle's f32 cache: then only summation order differs.
        let mut model = with_cache(ours(arch, 64), CacheFormat::F32);
        let got = model.forward(PROMPT).unwrap();
        let expected = reference(arch, PROMPT);
        let diff = max_abs_diff(&got, &expected);
        // Random weights give logits spread over several units; both sides
        // quantize activations the same way, so only summation order differs.
        assert!(
            spread(&expected) > 0.5,
            "{arch:?}: logits too flat to compare"
        );
        assert!(diff < 1e-3 * spread(&expected), "{arch:?}: max diff {diff}");
    }
}

#[test]
fn token_by_token_with_the_cache_equals_the_whole_prompt_at_once() {
    for arch in [
        Architecture::Qwen2,
        Architecture::Qwen3,
        Architecture::Llama,
    ] {
        let mut whole = ours(arch, 64);
        let at_once = whole.forward(PROMPT).unwrap();
        let mut stepwise = ours(arch, 64);
        let mut last = Vec::new();
        for t in PROMPT {
            last = stepwise.forward(&[*t]).unwrap();
        }
        let diff = max_abs_diff(&at_once, &last);
        assert!(diff < 1e-2, "{arch:?}: cached vs uncached max diff {diff}");
        assert_eq!(stepwise.cached_tokens(), PROMPT);
    }
}

#[test]
fn truncating_to_a_shared_prefix_gives_the_logits_of_a_fresh_run() {
    let mut model = ours(Architecture::Qwen2, 64);
    model.forward(&PROMPT[..12]).unwrap();
    model.forward(&[1, 2, 3]).unwrap();
    model.truncate(12);
    let reused = model.forward(&PROMPT[12..]).unwrap();
    let mut fresh = ours(Architecture::Qwen2, 64);
    let expected = fresh.forward(PROMPT).unwrap();
    assert!(max_abs_diff(&reused, &expected) < 1e-2);
}

#[test]
fn all_positions_logits_end_with_the_last_position_logits() {
    let mut a = ours(Architecture::Qwen3, 64);
    let all = a.forward_all(PROMPT).unwrap();
    assert_eq!((all.rows(), all.vocab), (PROMPT.len(), 151_936));
    let last = all.row(PROMPT.len() - 1).to_vec();
    let mut b = ours(Architecture::Qwen3, 64);
    let expected = b.forward(PROMPT).unwrap();
    assert!(max_abs_diff(&last, &expected) < 1e-3);
}

#[test]
fn the_cache_refuses_to_overflow_its_context() {
    let mut model = ours(Architecture::Llama, 16);
    let err = model.forward(PROMPT).unwrap_err();
    assert_eq!(err.kind(), "entrada_no_cabe", "{err}");
    // Nothing was cached by the refused call.
    assert!(model.cached_tokens().is_empty());
    let file = GgufFile::open(&common::tiny(Architecture::Llama)).unwrap();
    assert!(file.content.tensor_infos.contains_key("output.weight"));
}

/// A tiny model whose rows are whole k-quant blocks (hidden 256), written
/// with llama-quantize's Q4_K_M recipe: Q4_K, Q6_K and Q5_0/Q8_0 mixed.
fn tiny_k_quants(arch: Architecture) -> std::path::PathBuf {
    let spec = engine::synthetic::Spec {
        hidden: 256,
        feed_forward: 512,
        heads: 4,
        kv_heads: 2,
        head_dim: 64,
        recipe: engine::synthetic::FileType::Q4KM,
        ..engine::synthetic::Spec::tiny(arch)
    };
    common::custom(&format!("kquants-{}", arch.name()), &spec)
}

fn with_cache(mut model: Model, format: CacheFormat) -> Model {
    model.set_cache_format(format);
    model
}

fn load_f32_cache(path: &std::path::Path) -> Model {
    with_cache(load(path, false), CacheFormat::F32)
}

#[test]
fn the_f16_cache_stays_close_to_the_f32_one_and_keeps_its_bits_across_batches() {
    for arch in [
        Architecture::Qwen2,
        Architecture::Qwen3,
        Architecture::Llama,
    ] {
        let exact = with_cache(ours(arch, 64), CacheFormat::F32)
            .forward(PROMPT)
            .unwrap();
        let mut half = ours(arch, 64);
        let got = half.forward(PROMPT).unwrap();
        let (diff, spread) = (max_abs_diff(&got, &exact), spread(&exact));
        eprintln!("{arch:?}: f16 cache vs f32: max diff {diff:.4} (spread {spread:.2})");
        // Random weights: keys and values are rounded to 11 significant
        // bits in every layer; the logits move by a small part of their
        // spread, never by its order.
        assert!(
            diff > 0.0 && diff < 0.02 * spread,
            "{arch:?}: {diff} of {spread}"
        );
        // Back to f16 after a switch: the same bits as a fresh load.
        let mut switched = with_cache(ours(arch, 64), CacheFormat::F32);
        switched.set_cache_format(CacheFormat::F16);
        assert_eq!(switched.forward(PROMPT).unwrap(), got);
    }
}

fn load(path: &std::path::Path, candle: bool) -> Model {
    let (facts, file) = ModelFacts::read(path).unwrap();
    let load = if candle {
        Model::load_candle
    } else {
        Model::load
    };
    load(
        &file,
        facts.architecture,
        &facts.hyper,
        64,
        &Device::Cpu,
        engine::LoadWatch::NONE,
    )
    .unwrap()
}

/// The same model with every tensor dequantized to F32: the exact
/// arithmetic both quantized paths approximate.
fn dense_copy(path: &std::path::Path) -> std::path::PathBuf {
    let mut f = std::fs::File::open(path).unwrap();
    let ct = gguf_file::Content::read(&mut f).unwrap();
    let tensors: Vec<(String, candle_core::quantized::QTensor)> = ct
        .tensor_infos
        .keys()
        .map(|name| {
            let t = ct.tensor(&mut f, name, &Device::Cpu).unwrap();
            let dense = t.dequantize(&Device::Cpu).unwrap();
            let q = candle_core::quantized::QTensor::quantize(
                &dense,
                candle_core::quantized::GgmlDType::F32,
            )
            .unwrap();
            (name.clone(), q)
        })
        .collect();
    let metadata: Vec<(&str, &gguf_file::Value)> =
        ct.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let refs: Vec<(&str, &candle_core::quantized::QTensor)> =
        tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let out = path.with_extension("f32.gguf");
    let mut w = std::fs::File::create(&out).unwrap();
    gguf_file::write(&mut w, &metadata, &refs).unwrap();
    out
}

#[test]
fn our_cpu_kernels_match_the_candle_path_on_every_format_mix() {
    for arch in [
        Architecture::Qwen2,
        Architecture::Qwen3,
        Architecture::Llama,
    ] {
        // Q8_0 everywhere: both quantize activations to Q8_0 the same way.
        let path = common::tiny(arch);
        let got = load_f32_cache(&path).forward(PROMPT).unwrap();
        let expected = load(&path, true).forward(PROMPT).unwrap();
        assert!(spread(&expected) > 0.5, "{arch:?}: logits too flat");
        let diff = max_abs_diff(&got, &expected);
        assert!(diff < 1e-3 * spread(&expected), "{arch:?}: max diff {diff}");
        // The Q4_K_M mix: candle multiplies Q4_K by f32 activations, we by
        // Q8_K ones (as llama.cpp does), so each is held to the exact
        // arithmetic instead, and ours must be no further from it.
        let path = tiny_k_quants(arch);
        let exact = load_f32_cache(&dense_copy(&path)).forward(PROMPT).unwrap();
        let ours = max_abs_diff(&load_f32_cache(&path).forward(PROMPT).unwrap(), &exact);
        let candle = max_abs_diff(&load(&path, true).forward(PROMPT).unwrap(), &exact);
        eprintln!("{arch:?} Q4_K_M: max diff from the f32 result: ours {ours:.4}, candle {candle:.4} (spread {:.2})", spread(&exact));
        assert!(
            ours < 0.05 * spread(&exact),
            "{arch:?}: ours {ours}, candle {candle}"
        );
        assert!(
            ours < 2.0 * candle + 1e-3 * spread(&exact),
            "{arch:?}: ours {ours}, candle {candle}"
        );
    }
}

#[test]
fn a_prompt_at_once_in_chunks_and_token_by_token_gives_the_same_bits() {
    // What prefix reuse, chunked prefill and the lookup decoder rely on.
    for arch in [Architecture::Qwen2, Architecture::Llama] {
        let path = tiny_k_quants(arch);
        let whole = load(&path, false).forward_all(PROMPT).unwrap();
        let mut chunked = load(&path, false);
        let mut rows = Vec::new();
        for chunk in PROMPT.chunks(5) {
            let l = chunked.forward_all(chunk).unwrap();
            for i in 0..l.rows() {
                rows.push(l.row(i).to_vec());
            }
        }
        let mut single = load(&path, false);
        for (i, t) in PROMPT.iter().enumerate() {
            let one = single.forward(&[*t]).unwrap();
            assert_eq!(one, whole.row(i), "{arch:?}: position {i} one by one");
            assert_eq!(rows[i], whole.row(i), "{arch:?}: position {i} in chunks");
        }
    }
}
