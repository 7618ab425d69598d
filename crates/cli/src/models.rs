//! The model commands: `generate`, `model-info`, `perplexity`, `bench`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use clap::Args;

use crate::args::word;
use crate::{load_valid, print_json, Format, EXIT_INVALID, EXIT_PROBLEMS};

#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Archivo del modelo (.gguf).
    #[arg(long, value_name = "ARCHIVO")]
    model: PathBuf,
    /// tokenizer.json (por omisión, el que esté junto al modelo o el del GGUF).
    #[arg(long, value_name = "ARCHIVO")]
    tokenizer: Option<PathBuf>,
    #[arg(long, value_parser = word::<engine::DeviceChoice>(), default_value = "cpu")]
    device: engine::DeviceChoice,
    /// Hilos de cálculo (por omisión, todos los núcleos).
    #[arg(long)]
    threads: Option<usize>,
}

/// How the model samples, shared by `generate` and `batch`.
#[derive(Args, Debug, Clone)]
pub struct SamplingArgs {
    #[arg(long, default_value_t = 768)]
    max_tokens: usize,
    #[arg(long, default_value_t = 0.3)]
    temperature: f32,
    #[arg(long, default_value_t = 0.9)]
    top_p: f32,
    #[arg(long, default_value_t = 40)]
    top_k: usize,
    #[arg(long, default_value_t = 1.1)]
    repeat_penalty: f32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

impl SamplingArgs {
    pub fn sampling(&self) -> engine::Sampling {
        engine::Sampling {
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            repeat_penalty: self.repeat_penalty,
            seed: self.seed,
            max_new_tokens: self.max_tokens,
            ..engine::Sampling::default()
        }
    }
}

impl ModelArgs {
    pub fn model(&self) -> &Path {
        &self.model
    }

    fn load_options(&self, context: Option<usize>) -> engine::LoadOptions {
        engine::LoadOptions {
            model: self.model.clone(),
            tokenizer: self.tokenizer.clone(),
            context,
            device: self.device,
            threads: self.threads,
        }
    }
}

fn error_json(error: &engine::Error) -> serde_json::Value {
    serde_json::json!({ "kind": error.kind(), "mensaje": error.to_string() })
}

/// Starts the engine, saying on stderr which device it runs on and why it
/// fell back, if it did.
pub(crate) fn start(
    args: &ModelArgs,
    context: Option<usize>,
) -> Result<engine::Engine, engine::Error> {
    let engine = engine::Engine::start(args.load_options(context), engine::CancelToken::new())?;
    if let Some(reason) = &engine.info().device_fallback {
        eprintln!("epicrisis: {reason}");
    }
    Ok(engine)
}

/// What `--profile` and `--template` chose.
pub(crate) struct Choice {
    /// The prompt profile, or how to choose it.
    pub profile: pipeline::ProfileChoice,
    /// The `--template` file, if given.
    pub template: Option<clinical::Template>,
}

/// One episode through the model; with a store, kept as a new draft's
/// version exactly as the window keeps it (through the same
/// `pipeline::generate_draft`: origin, model and its hash, sampling, seed,
/// profile, timings, findings).
pub(crate) fn generate_with(
    engine: &engine::Engine,
    loaded: &pipeline::LoadedEpisode,
    choice: &Choice,
    sampling: &engine::Sampling,
    store: Option<&Mutex<store::Store>>,
    on_delta: &mut dyn FnMut(&str),
) -> Result<(pipeline::Generated, Option<store::Version>), pipeline::Error> {
    let cancel = engine::CancelToken::new();
    let profile = choice.profile;
    let Some(store) = store else {
        let plan = pipeline::Plan::given(
            engine.info(),
            profile,
            choice.template.clone(),
            sampling.clone(),
        );
        let generated = pipeline::generate(
            engine,
            &loaded.episode,
            &plan,
            &pipeline::Task::Whole,
            &cancel,
            on_delta,
        )?;
        return Ok((generated, None));
    };
    let request = pipeline::DraftRequest {
        loaded,
        current: None,
        profile,
        template: choice.template.clone().map_or(
            pipeline::TemplateChoice::Service,
            pipeline::TemplateChoice::Given,
        ),
        sampling: pipeline::SamplingSource::Given(sampling.clone()),
    };
    let written = pipeline::generate_draft(engine, store, request, &cancel, on_delta)?;
    Ok((written.generated, Some(written.version)))
}

/// `epicrisis generate`; `db` is `Some` with `--save`.
pub(crate) fn generate(
    path: &Path,
    args: &ModelArgs,
    choice: &Choice,
    sampling: &engine::Sampling,
    format: Format,
    save: Option<Option<&Path>>,
) -> anyhow::Result<u8> {
    let loaded = match load_valid(path, format, "redactar") {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    // A store that cannot be opened does not stop the generation: the text
    // is still printed, and the exit code says it was not kept.
    let store = save.and_then(crate::open_store).map(Mutex::new);
    let save_failed = save.is_some() && store.is_none();
    let episode = &loaded.episode;
    let started = std::time::Instant::now();
    let result = start(args, None)
        .map_err(pipeline::Error::from)
        .and_then(|engine| {
            let load_ms = started.elapsed().as_secs_f64() * 1000.0;
            let mut out = std::io::stdout().lock();
            if format == Format::Text {
                let _ = write!(out, "{}\n\n", clinical::patient_line(episode));
            }
            let (generated, saved) = generate_with(
                &engine,
                &loaded,
                choice,
                sampling,
                store.as_ref(),
                &mut |delta| {
                    if format == Format::Text {
                        let _ = out.write_all(delta.as_bytes());
                        let _ = out.flush();
                    }
                },
            )?;
            if format == Format::Text {
                let _ = writeln!(out, "\n\n{}", clinical::controls_block(episode));
            }
            Ok((generated, saved, engine.info().clone(), load_ms))
        });
    match result {
        Ok((generated, saved, info, load_ms)) => {
            if format == Format::Json {
                let s = &generated.stats;
                print_json(&serde_json::json!({
                    "texto": generated.checked.text,
                    "origen": "modelo",
                    "hallazgos": generated.checked.findings,
                    "perfil": generated.profile,
                    "plantilla": generated.template,
                    "termino": generated.reason,
                    "modelo": info,
                    "neutralizado": generated.neutralised,
                    "acortado": generated.shortening,
                    "borrador": saved.as_ref().map(|v| v.draft_id),
                    "version": saved.as_ref().map(|v| v.number),
                    "tiempos": {
                        "load_ms": load_ms,
                        "prompt_tokens": s.prompt_tokens,
                        "reused_tokens": s.reused_tokens,
                        "ttft_ms": s.ttft_ms,
                        "prefill_tok_s": s.prefill_tok_s,
                        "decode_tok_s": s.decode_tok_s,
                        "generated_tokens": s.generated_tokens,
                    },
                }));
            }
            for finding in &generated.checked.findings {
                eprintln!("hallazgo: {}", finding.message);
            }
            if let (Some(version), Some(store)) = (&saved, &store) {
                eprintln!(
                    "epicrisis: guardado como borrador {} (versión {}) en {}",
                    version.draft_id,
                    version.number,
                    pipeline::lock_store(store).path().display()
                );
            }
            if save_failed {
                eprintln!("epicrisis: la epicrisis no quedó guardada (vea el error de la base de datos arriba)");
                return Ok(EXIT_PROBLEMS);
            }
            Ok(0)
        }
        Err(error) => {
            eprintln!("epicrisis: no se pudo generar con el modelo: {error}");
            eprintln!("epicrisis: se entrega la epicrisis determinista (sin modelo)");
            let fallback = pipeline::deterministic(episode);
            match format {
                Format::Text => print!("{}", fallback.text),
                Format::Json => print_json(&serde_json::json!({
                    "texto": fallback.text,
                    "origen": "determinista",
                    "hallazgos": fallback.findings,
                    "error": { "kind": error.kind(), "mensaje": error.to_string() },
                })),
            }
            Ok(EXIT_PROBLEMS)
        }
    }
}

pub fn info(
    model: &Path,
    tokenizer: Option<&Path>,
    context: usize,
    format: Format,
) -> anyhow::Result<u8> {
    let facts = match engine::inspect(model, tokenizer) {
        Ok(facts) => facts,
        Err(error) => {
            if format == Format::Json {
                print_json(
                    &serde_json::json!({ "utilizable": false, "error": error_json(&error) }),
                );
            }
            eprintln!("epicrisis: {error}");
            return Ok(EXIT_INVALID);
        }
    };
    let memory = facts.memory(context.min(facts.context_length));
    match format {
        Format::Json => print_json(&serde_json::json!({
            "utilizable": true,
            "modelo": facts,
            "memoria": memory,
        })),
        Format::Text => {
            let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
            println!(
                "archivo:        {} ({:.0} MiB)",
                facts.file_name,
                mib(facts.file_size)
            );
            if let Some(name) = &facts.name {
                println!("nombre:         {name}");
            }
            println!("arquitectura:   {}", facts.architecture.name());
            println!(
                "parámetros:     {:.2} mil millones",
                facts.parameters as f64 / 1e9
            );
            println!("cuantización:   {}", facts.quantization);
            let types: Vec<String> = facts
                .tensor_types
                .iter()
                .map(|(t, n)| format!("{t} ×{n}"))
                .collect();
            println!("tipos:          {}", types.join(", "));
            println!("contexto:       {} tokens", facts.context_length);
            println!("vocabulario:    {} tokens", facts.vocabulary_size);
            println!(
                "plantilla chat: {}",
                if facts.has_chat_template {
                    "sí"
                } else {
                    "no (se usará ChatML)"
                }
            );
            println!(
                "memoria:        {:.0} MiB con {} tokens de contexto (pesos {:.0} + caché {:.0} + trabajo {:.0})",
                mib(memory.total_bytes),
                memory.context,
                mib(memory.weights_bytes),
                mib(memory.kv_cache_bytes),
                mib(memory.overhead_bytes)
            );
        }
    }
    Ok(0)
}

pub fn perplexity(
    args: &ModelArgs,
    text: &Path,
    context: usize,
    format: Format,
) -> anyhow::Result<u8> {
    let body = match std::fs::read_to_string(text) {
        Ok(body) => body,
        Err(error) => {
            eprintln!(
                "epicrisis: {}: no se pudo leer el texto: {error}",
                text.display()
            );
            return Ok(EXIT_INVALID);
        }
    };
    let result = engine::compute_pool(args.threads).and_then(|pool| {
        pool.install(|| {
            let mut session =
                engine::Session::load(&args.load_options(Some(context)), engine::LoadWatch::NONE)?;
            engine::perplexity::perplexity(
                &mut session,
                &body,
                context,
                &engine::CancelToken::new(),
            )
        })
    });
    match result {
        Ok(p) => {
            match format {
                Format::Json => print_json(&serde_json::to_value(&p)?),
                Format::Text => println!(
                    "{} tokens, {} ventanas de {}, {} evaluados: perplejidad {:.4}",
                    p.tokens, p.windows, p.context, p.scored_tokens, p.perplexity
                ),
            }
            Ok(0)
        }
        Err(error) => {
            if format == Format::Json {
                print_json(&serde_json::json!({ "error": error_json(&error) }));
            }
            eprintln!("epicrisis: {error}");
            Ok(EXIT_INVALID)
        }
    }
}

pub fn bench(
    args: &ModelArgs,
    prompt_tokens: usize,
    gen_tokens: usize,
    format: Format,
) -> anyhow::Result<u8> {
    let options = engine::bench::BenchOptions {
        load: args.load_options(Some(engine::DEFAULT_CONTEXT)),
        prompt_tokens,
        gen_tokens,
    };
    let report = match engine::bench::run(&options) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("epicrisis: {error}");
            return Ok(EXIT_INVALID);
        }
    };
    match format {
        Format::Json => print_json(&serde_json::to_value(&report)?),
        Format::Text => {
            println!(
                "modelo:                 {} ({} hilos)",
                report.model, report.threads
            );
            println!("carga:                  {:.0} ms", report.load_ms);
            println!(
                "prefill:                {:.1} tokens/s ({} tokens)",
                report.prefill_tok_s, report.prompt_tokens
            );
            println!(
                "decodificación:         {:.1} tokens/s ({} tokens)",
                report.decode_tok_s, report.generated_tokens
            );
            println!("primer token:           {:.0} ms", report.ttft_ms);
            println!(
                "primer token (prefijo): {:.0} ms",
                report.ttft_shared_prefix_ms
            );
            println!(
                "sin caché KV:           {:.2} tokens/s ({} tokens tras {} de entrada)",
                report.nocache_decode_tok_s, report.nocache_tokens, report.nocache_prompt_tokens
            );
            for v in &report.verify_cost {
                println!(
                    "verificar {} tokens:     {:.2}× un paso de decodificación",
                    v.draft_tokens, v.relative_to_decode
                );
            }
            println!(
                "detener:                {:.0} ms durante la entrada, {:.0} ms durante la decodificación",
                report.stop_prefill_ms, report.stop_decode_ms
            );
            if let Some(rss) = report.peak_rss_bytes {
                println!(
                    "memoria máxima (RSS):   {:.0} MiB",
                    rss as f64 / (1024.0 * 1024.0)
                );
            }
        }
    }
    Ok(0)
}
