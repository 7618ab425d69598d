//! Checkpoints written by `import::testing` (random weights, the real Qwen
//! tokenizer), imported and checked against candle-transformers' own
//! unquantized models of each architecture, and every bad input refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use engine::writer::FileType;
use engine::{Architecture, CancelToken, LoadOptions, LoadWatch, Session};
use import::testing::{self, CheckpointSpec};
use import::{Checkpoint, Corpus, Request, SourceType};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tokenizer_dir() -> PathBuf {
    let dir = testing::qwen_tokenizer_dir(&workspace());
    assert!(
        dir.join("tokenizer.json").is_file(),
        "{} is missing: run `npm ci` at the repository root",
        dir.display()
    );
    dir
}

fn checkpoint(dir: &Path, name: &str, spec: &CheckpointSpec) -> PathBuf {
    let folder = dir.join(name);
    testing::write_checkpoint(spec, &tokenizer_dir(), &folder).unwrap();
    folder
}

fn convert(folder: &Path, lora: Option<&Path>, t: FileType, out_dir: &Path) -> PathBuf {
    let cp = Checkpoint::open(folder, lora).unwrap();
    let out = out_dir.join(cp.file_name(t));
    cp.convert(t, &out, &CancelToken::new(), &mut |_| {})
        .unwrap();
    out
}

fn session(gguf: &Path) -> Session {
    let options = LoadOptions {
        model: gguf.to_path_buf(),
        tokenizer: None,
        context: Some(256),
        device: engine::DeviceChoice::Cpu,
        threads: Some(2),
    };
    Session::load(&options, LoadWatch::NONE).unwrap()
}

const PROMPT: [u32; 9] = [8_534, 1_371, 409, 20_256, 11, 60_945, 1_736, 3_262, 13];

/// The last position's logits of our engine on `gguf`.
fn ours(gguf: &Path) -> Vec<f32> {
    session(gguf).model_mut().forward(&PROMPT).unwrap()
}

/// The last position's logits of candle-transformers' unquantized model
/// of `arch` over the safetensors in `folder` (f32).
fn reference(arch: Architecture, folder: &Path) -> Vec<f32> {
    let dev = Device::Cpu;
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "safetensors") {
            let bytes = std::fs::read(&path).unwrap();
            tensors.extend(candle_core::safetensors::load_buffer(&bytes, &dev).unwrap());
        }
    }
    let tensors = tensors
        .into_iter()
        .map(|(k, v)| (k, v.to_dtype(DType::F32).unwrap()))
        .collect();
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &dev);
    let config = std::fs::read_to_string(folder.join("config.json")).unwrap();
    let input = Tensor::new(&PROMPT[..], &dev)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let logits = match arch {
        Architecture::Qwen2 => {
            let cfg: candle_transformers::models::qwen2::Config =
                serde_json::from_str(&config).unwrap();
            let mut m =
                candle_transformers::models::qwen2::ModelForCausalLM::new(&cfg, vb).unwrap();
            m.forward(&input, 0).unwrap()
        }
        Architecture::Qwen3 => {
            let cfg: candle_transformers::models::qwen3::Config =
                serde_json::from_str(&config).unwrap();
            let mut m =
                candle_transformers::models::qwen3::ModelForCausalLM::new(&cfg, vb).unwrap();
            m.forward(&input, 0).unwrap()
        }
        Architecture::Llama => {
            use candle_transformers::models::llama;
            let cfg: llama::LlamaConfig = serde_json::from_str(&config).unwrap();
            let cfg = cfg.into_config(false);
            let m = llama::Llama::load(vb, &cfg).unwrap();
            let mut cache = llama::Cache::new(true, DType::F32, &cfg, &dev).unwrap();
            m.forward(&input, 0, &mut cache).unwrap()
        }
    };
    logits.flatten_all().unwrap().to_vec1().unwrap()
}

/// Largest difference over the largest logit magnitude.
fn relative_gap(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let gap = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    let scale = b.iter().map(|x| x.abs()).fold(0.0, f32::max);
    gap / scale
}

#[test]
fn an_f16_import_runs_as_candle_transformers_runs_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (Architecture::Qwen2, SourceType::Bf16, 1),
        (Architecture::Qwen2, SourceType::F32, 3),
        (Architecture::Qwen3, SourceType::Bf16, 2),
        (Architecture::Llama, SourceType::Bf16, 1),
    ];
    for (arch, dtype, shards) in cases {
        let spec = CheckpointSpec {
            dtype,
            shards,
            ..CheckpointSpec::tiny(arch)
        };
        let name = format!("{}-{:?}-{shards}", arch.name(), dtype);
        let folder = checkpoint(dir.path(), &name, &spec);
        let gguf = convert(&folder, None, FileType::F16, dir.path());
        let gap = relative_gap(&ours(&gguf), &reference(arch, &folder));
        // F16 keeps bf16 weights exactly; what is left is summation order
        // and the f16 rounding of f32 weights.
        assert!(gap < 2e-3, "{name}: relative gap {gap}");
    }
}

#[test]
fn a_merged_lora_runs_as_the_merge_computed_directly() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CheckpointSpec::tiny(Architecture::Qwen2);
    let base = checkpoint(dir.path(), "base", &spec);
    let dev = Device::Cpu;
    let load =
        |p: &Path| candle_core::safetensors::load_buffer(&std::fs::read(p).unwrap(), &dev).unwrap();
    // Plain LoRA (s = alpha/r = 2), then rsLoRA (s = alpha/√r = 4) that also
    // replaces the embedding table (`modules_to_save`).
    for (rslora, scale) in [(false, 2.0), (true, 4.0)] {
        let adapter = dir.path().join(format!("adaptador-{rslora}"));
        testing::write_adapter(&spec, &["q_proj", "v_proj", "down_proj"], 4, 8.0, &adapter)
            .unwrap();
        let mut lora = load(&adapter.join("adapter_model.safetensors"));
        if rslora {
            let config = adapter.join("adapter_config.json");
            let text = std::fs::read_to_string(&config).unwrap();
            std::fs::write(
                &config,
                text.replace("\"use_rslora\": false", "\"use_rslora\": true"),
            )
            .unwrap();
            // Seeded, like every weight here: an unseeded draw made the gap
            // below differ run to run (0.0025 against the 2e-3 bound once).
            let values = testing::Rng(0xE3B).uniform(spec.vocab * spec.hidden, 0.52);
            let embedding = Tensor::from_vec(values, (spec.vocab, spec.hidden), &dev).unwrap();
            lora.insert(
                "base_model.model.model.embed_tokens.modules_to_save.default.weight".into(),
                embedding,
            );
            candle_core::safetensors::save(&lora, adapter.join("adapter_model.safetensors"))
                .unwrap();
        }

        // W + s·B·A, computed with candle in f32, saved as a folder.
        let mut weights = load(&base.join("model.safetensors"));
        let mut merged_count = 0;
        for (name, t) in &lora {
            let hf = name.strip_prefix("base_model.model.").unwrap();
            if let Some(module) = hf.strip_suffix(".lora_A.weight") {
                let b = &lora[&format!("base_model.model.{module}.lora_B.weight")];
                let key = format!("{module}.weight");
                let w = weights[&key].to_dtype(DType::F32).unwrap();
                let delta = (b.matmul(t).unwrap() * scale).unwrap();
                weights.insert(key, (w + delta).unwrap());
                merged_count += 1;
            } else if !hf.contains("lora_") {
                weights.insert(hf.replace(".modules_to_save.default", ""), t.clone());
            }
        }
        assert_eq!(merged_count, 6);
        let merged = dir.path().join(format!("fusionado-{rslora}"));
        std::fs::create_dir_all(&merged).unwrap();
        for f in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
            std::fs::copy(base.join(f), merged.join(f)).unwrap();
        }
        let weights: HashMap<String, Tensor> = weights
            .into_iter()
            .map(|(k, v)| (k, v.to_dtype(DType::F32).unwrap()))
            .collect();
        candle_core::safetensors::save(&weights, merged.join("model.safetensors")).unwrap();

        let cp = Checkpoint::open(&base, Some(&adapter)).unwrap();
        let summary = cp.summary();
        let lora = summary.lora.as_ref().unwrap();
        assert_eq!((lora.rank, lora.matrices, lora.rslora), (4, 6, rslora));
        assert_eq!(lora.targets, ["down_proj", "q_proj", "v_proj"]);
        assert_eq!(lora.replaced.len(), usize::from(rslora));
        assert_eq!(cp.name, format!("base-adaptador-{rslora}"));
        let out = dir.path().join(format!("salida-{rslora}"));
        std::fs::create_dir_all(&out).unwrap();
        let gguf = convert(&base, Some(&adapter), FileType::F16, &out);
        let with_lora = ours(&gguf);
        let gap = relative_gap(&with_lora, &reference(Architecture::Qwen2, &merged));
        assert!(gap < 2e-3, "rslora {rslora}: relative gap {gap}");
        // And the adapter changed something.
        let plain = convert(&base, None, FileType::F16, &out);
        assert!(relative_gap(&ours(&plain), &with_lora) > 1e-2);
        let file = engine::gguf::GgufFile::open(&gguf).unwrap();
        assert_eq!(
            file.string("epicrisis.import.lora"),
            Some(format!("adaptador-{rslora}").as_str())
        );
    }
}

#[test]
fn quantized_imports_stay_near_the_reference_and_the_report_says_how_near() {
    let dir = tempfile::tempdir().unwrap();
    // Rows of 256 so that the K-quants are used, not their fallbacks.
    let spec = CheckpointSpec {
        hidden: 256,
        feed_forward: 512,
        heads: 4,
        kv_heads: 2,
        head_dim: 64,
        scale: 0.2,
        ..CheckpointSpec::tiny(Architecture::Qwen2)
    };
    let folder = checkpoint(dir.path(), "qwen-epicrisis", &spec);
    let cp = Checkpoint::open(&folder, None).unwrap();
    let out_dir = dir.path().join("modelos");
    std::fs::create_dir_all(&out_dir).unwrap();
    let request = Request {
        outputs: [FileType::Q4KM, FileType::Q5KM, FileType::Q8_0]
            .map(|t| (t, cp.output_in(&out_dir, t)))
            .to_vec(),
        report: Some(Corpus::clinical()),
        threads: Some(2),
    };
    let mut last = 0.0;
    let done = import::run(&cp, &request, &CancelToken::new(), &mut |p| {
        assert!(p.share + 1e-6 >= last, "progress went back");
        last = p.share;
    })
    .unwrap();
    let report = done.report.unwrap();
    assert_eq!(report.outputs.len(), 3);
    assert_eq!(report.scored_tokens, 254);
    let by = |t: FileType| report.outputs.iter().find(|o| o.file_type == t).unwrap();
    let (q4, q5, q8) = (by(FileType::Q4KM), by(FileType::Q5KM), by(FileType::Q8_0));
    println!("{}", report.render_text());
    // Random weights are a hard case (no structure for the scales to
    // follow, errors amplified through every layer): measured here KL
    // 0.004 / 0.075 / 0.24 and top-1 88 / 60 / 36 % for Q8_0 / Q5_K_M /
    // Q4_K_M. The bounds leave room for summation order, not for a broken
    // quantizer, which gives KL of several nats.
    assert!(
        q8.kl_divergence_mean < 0.02 && q8.top1_agreement > 0.8,
        "{q8:?}"
    );
    assert!(
        q5.kl_divergence_mean < 0.2 && q5.top1_agreement > 0.4,
        "{q5:?}"
    );
    assert!(
        q4.kl_divergence_mean < 0.5 && q4.top1_agreement > 0.25,
        "{q4:?}"
    );
    assert!(q8.kl_divergence_mean < q5.kl_divergence_mean);
    assert!(q5.kl_divergence_mean < q4.kl_divergence_mean);
    assert!(q4.file_bytes < q5.file_bytes && q5.file_bytes < q8.file_bytes);
    assert!(q8.perplexity_change.abs() < 0.01);
    // The smallest file within 1 % of the reference's perplexity (Q8_0 is).
    let within = report
        .outputs
        .iter()
        .filter(|o| o.perplexity_change.abs() <= 0.01)
        .min_by_key(|o| o.file_bytes)
        .map(|o| o.file_type);
    assert_eq!(report.recommendation, within);
    assert!(within.is_some());
    // The names keep "epicrisis" (the fine-tuned prompt profile), the
    // report lies beside the first output, and the reference is gone.
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "qwen-epicrisis-q4_k_m.gguf",
            "qwen-epicrisis-q4_k_m.informe.json",
            "qwen-epicrisis-q5_k_m.gguf",
            "qwen-epicrisis-q8_0.gguf",
        ]
    );
    let saved: import::QualityReport =
        serde_json::from_str(&std::fs::read_to_string(done.report_path.unwrap()).unwrap()).unwrap();
    assert_eq!(saved.recommendation, report.recommendation);
    for (a, b) in saved.outputs.iter().zip(&report.outputs) {
        assert_eq!(
            (a.file_type, &a.file, a.file_bytes),
            (b.file_type, &b.file, b.file_bytes)
        );
        assert!((a.kl_divergence_mean - b.kl_divergence_mean).abs() < 1e-12);
    }
    // The recipe: Q6_K on the tied embedding, Q4_K elsewhere.
    let facts = engine::inspect(&out_dir.join("qwen-epicrisis-q4_k_m.gguf"), None).unwrap();
    assert_eq!(facts.quantization, "Q4_K_M");
    assert_eq!(facts.name.as_deref(), Some("qwen-epicrisis"));
}

#[test]
fn the_embedded_tokenizer_gives_the_ids_of_tokenizer_json() {
    let dir = tempfile::tempdir().unwrap();
    let folder = checkpoint(dir.path(), "m", &CheckpointSpec::tiny(Architecture::Qwen2));
    let gguf = convert(&folder, None, FileType::Q8_0, dir.path());
    let file = engine::gguf::GgufFile::open(&gguf).unwrap();
    let ours = engine::TextTokenizer::for_model(&file, None).unwrap();
    let theirs = tokenizers::Tokenizer::from_file(tokenizer_dir().join("tokenizer.json")).unwrap();
    // The narrative corpus the report uses, and the engine's tokenizer
    // corpus (units, RUTs, symbols, accents).
    let engine_corpus =
        std::fs::read_to_string(workspace().join("crates/engine/tests/data/corpus_clinico.txt"))
            .unwrap();
    let lines = import::quality::CLINICAL_CORPUS
        .lines()
        .chain(engine_corpus.lines());
    for line in lines.filter(|l| !l.is_empty()) {
        let want = theirs.encode(line, false).unwrap().get_ids().to_vec();
        assert_eq!(ours.encode(line).unwrap(), want, "{line}");
    }
    assert_eq!(file.string("tokenizer.ggml.pre"), Some("qwen2"));
    assert!(file.string("tokenizer.chat_template").is_some());
    let id = |k: &str| file.integer(k).unwrap();
    assert_eq!(id("tokenizer.ggml.eos_token_id"), Some(151_645));
    assert_eq!(id("tokenizer.ggml.padding_token_id"), Some(151_643));
}

/// Whatever the failure, the destination holds nothing afterwards.
fn refused(folder: &Path, lora: Option<&Path>, t: FileType) -> import::Error {
    let out_dir = folder.parent().unwrap().join(format!(
        "salida-{}",
        folder.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&out_dir).unwrap();
    let result = Checkpoint::open(folder, lora).and_then(|cp| {
        let request = Request {
            outputs: vec![(t, cp.output_in(&out_dir, t))],
            report: None,
            threads: Some(2),
        };
        import::run(&cp, &request, &CancelToken::new(), &mut |_| {})
    });
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    match result {
        Ok(_) => panic!("{} was imported", folder.display()),
        Err(e) => e,
    }
}

#[test]
fn every_bad_checkpoint_is_refused_with_its_reason_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CheckpointSpec::tiny(Architecture::Qwen2);
    let fresh = |name: &str| checkpoint(dir.path(), name, &spec);

    let f = fresh("sin-config");
    std::fs::remove_file(f.join("config.json")).unwrap();
    let e = refused(&f, None, FileType::Q8_0);
    assert_eq!(e.kind(), "falta_config");
    assert!(e.to_string().contains("config.json"));

    let f = fresh("mistral");
    let text = std::fs::read_to_string(f.join("config.json")).unwrap();
    std::fs::write(
        f.join("config.json"),
        text.replace("Qwen2ForCausalLM", "MistralForCausalLM"),
    )
    .unwrap();
    let e = refused(&f, None, FileType::Q8_0);
    assert_eq!(e.kind(), "arquitectura_no_soportada");
    assert!(
        e.to_string().contains("MistralForCausalLM") && e.to_string().contains("LlamaForCausalLM")
    );

    let sharded = CheckpointSpec {
        shards: 2,
        ..spec.clone()
    };
    let f = checkpoint(dir.path(), "sin-parte", &sharded);
    std::fs::remove_file(f.join("model-00002-of-00002.safetensors")).unwrap();
    let e = refused(&f, None, FileType::Q8_0);
    assert_eq!(e.kind(), "falta_parte");
    assert!(e.to_string().contains("model-00002-of-00002.safetensors"));

    let f = fresh("truncado");
    let weights = f.join("model.safetensors");
    let len = std::fs::metadata(&weights).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&weights)
        .unwrap();
    file.set_len(len - 1000).unwrap();
    drop(file);
    let e = refused(&f, None, FileType::Q8_0);
    assert_eq!(e.kind(), "safetensors_incompleto");
    assert!(e.to_string().contains("model.safetensors"), "{e}");

    let small = CheckpointSpec {
        vocab: 150_000,
        ..spec.clone()
    };
    let f = checkpoint(dir.path(), "vocabulario", &small);
    let e = refused(&f, None, FileType::Q8_0);
    assert_eq!(e.kind(), "vocabulario_distinto");
    assert!(e.to_string().contains("150000"), "{e}");

    let f = fresh("nan");
    testing::replace_tensor(&f, &spec, "model.layers.1.mlp.up_proj.weight", &|v| {
        v[300] = f32::NAN
    })
    .unwrap();
    let e = refused(&f, None, FileType::Q4KM);
    assert_eq!(e.kind(), "pesos_no_finitos");
    assert!(e.to_string().contains("blk.1.ffn_up.weight"), "{e}");

    let f = fresh("desborde");
    testing::replace_tensor(&f, &spec, "model.layers.0.self_attn.o_proj.weight", &|v| {
        v[7] = 1e6
    })
    .unwrap();
    let e = refused(&f, None, FileType::F16);
    assert_eq!(e.kind(), "desborde_f16");
    assert!(e.to_string().contains("blk.0.attn_output.weight") && e.to_string().contains("BF16"));
    // BF16 holds it.
    let out = dir.path().join("bf16");
    std::fs::create_dir_all(&out).unwrap();
    convert(&f, None, FileType::Bf16, &out);

    let base = fresh("base");
    let other = CheckpointSpec {
        hidden: 96,
        heads: 6,
        ..spec.clone()
    };
    let adapter = dir.path().join("adaptador-ajeno");
    testing::write_adapter(&other, &["q_proj"], 4, 8.0, &adapter).unwrap();
    let e = refused(&base, Some(&adapter), FileType::Q8_0);
    assert_eq!(e.kind(), "adaptador_de_otro_modelo");
    assert!(
        e.to_string().contains("model.layers.0.self_attn.q_proj"),
        "{e}"
    );

    let dora = dir.path().join("dora");
    testing::write_adapter(&spec, &["q_proj"], 4, 8.0, &dora).unwrap();
    let cfg = std::fs::read_to_string(dora.join("adapter_config.json")).unwrap();
    std::fs::write(
        dora.join("adapter_config.json"),
        cfg.replace("\"use_dora\": false", "\"use_dora\": true"),
    )
    .unwrap();
    let e = refused(&base, Some(&dora), FileType::Q8_0);
    assert_eq!(e.kind(), "adaptador_invalido");
    assert!(e.to_string().contains("DoRA"));
}

#[test]
fn an_adapter_on_a_module_we_cannot_merge_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CheckpointSpec::tiny(Architecture::Qwen2);
    let base = checkpoint(dir.path(), "base", &spec);
    let adapter = dir.path().join("adaptador");
    testing::write_adapter(&spec, &["q_proj"], 4, 8.0, &adapter).unwrap();
    // Add an adapter on the embedding, as PEFT names it.
    testing::write_safetensors(
        &adapter.join("adapter_model.safetensors"),
        &[
            (
                "base_model.model.model.embed_tokens.lora_A.weight".into(),
                vec![4, 64],
            ),
            (
                "base_model.model.model.embed_tokens.lora_B.weight".into(),
                vec![151_936, 4],
            ),
        ],
        SourceType::F32,
        &mut |_, d| vec![0.0; d.iter().product()],
    )
    .unwrap();
    let e = refused(&base, Some(&adapter), FileType::Q8_0);
    assert_eq!(e.kind(), "adaptador_no_soportado");
    assert!(e.to_string().contains("model.embed_tokens"), "{e}");
}

#[test]
fn a_cancelled_import_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let folder = checkpoint(dir.path(), "m", &CheckpointSpec::tiny(Architecture::Qwen3));
    let cp = Checkpoint::open(&folder, None).unwrap();
    let out_dir = dir.path().join("salida");
    std::fs::create_dir_all(&out_dir).unwrap();
    let cancel = CancelToken::new();
    let request = Request {
        outputs: [FileType::Q8_0, FileType::Q4KM]
            .map(|t| (t, cp.output_in(&out_dir, t)))
            .to_vec(),
        report: Some(Corpus::clinical()),
        threads: Some(2),
    };
    let mut seen = 0;
    let e = import::run(&cp, &request, &cancel, &mut |p| {
        seen += 1;
        // Part way through the second file.
        if p.share > 0.4 {
            cancel.cancel();
        }
    })
    .unwrap_err();
    assert_eq!(e.kind(), "cancelado");
    assert!(seen > 2);
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
    // The source folder is as it was.
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "config.json",
            "generation_config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json"
        ]
    );
}

/// llama.cpp's own Python reader (`gguf` on PyPI) reads the file: keys,
/// types and shapes. CI installs it (`.ci/run`); elsewhere the test says
/// how to, and passes only where `EPICRISIS_PYTHON` or a `python3` with
/// `gguf` exists.
#[test]
fn llama_cpps_python_reader_reads_the_file() {
    let python = std::env::var("EPICRISIS_PYTHON").unwrap_or_else(|_| {
        let venv = workspace().join("target/pyenv/bin/python");
        if venv.is_file() {
            venv.display().to_string()
        } else {
            "python3".into()
        }
    });
    let has_gguf = std::process::Command::new(&python)
        .args(["-c", "import gguf"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_gguf {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the gguf package (see .ci/run)"
        );
        eprintln!(
            "skipped: no `gguf` module for {python}; `pip install gguf` or set EPICRISIS_PYTHON"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for arch in [
        Architecture::Qwen2,
        Architecture::Qwen3,
        Architecture::Llama,
    ] {
        let folder = checkpoint(dir.path(), arch.name(), &CheckpointSpec::tiny(arch));
        for t in [FileType::Q4KM, FileType::Bf16] {
            let gguf = convert(&folder, None, t, dir.path());
            let out = std::process::Command::new(&python)
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_gguf.py"))
                .arg(&gguf)
                .arg(arch.name())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}{}",
                gguf.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
