//! `epicrisis import`: a Hugging Face checkpoint (and LoRA adapter) to
//! GGUF, with the quality report. Progress goes to stderr; the report (or
//! its JSON) to stdout.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use engine::writer::FileType;

use crate::{print_json, Format, EXIT_INVALID, EXIT_PROBLEMS};

#[derive(Args)]
pub struct ImportArgs {
    /// Carpeta del modelo afinado (config.json, *.safetensors, tokenizer.json).
    folder: PathBuf,
    /// Carpeta de un adaptador LoRA de PEFT para combinar con el modelo.
    #[arg(long, value_name = "CARPETA")]
    lora: Option<PathBuf>,
    /// Tipo o tipos de salida, separados por comas: q4_k_m, q5_k_m, q8_0, f16, bf16.
    #[arg(long = "type", value_name = "TIPO", value_delimiter = ',', required = true, value_parser = parse_type)]
    types: Vec<FileType>,
    /// Archivo de salida (con un solo tipo); por omisión, NOMBRE-TIPO.gguf en --out-dir.
    #[arg(long, value_name = "ARCHIVO")]
    out: Option<PathBuf>,
    /// Carpeta de salida (por omisión, la actual).
    #[arg(long, value_name = "CARPETA", default_value = ".")]
    out_dir: PathBuf,
    /// Texto para medir la calidad (por omisión, el corpus clínico incluido).
    #[arg(long, value_name = "ARCHIVO")]
    corpus: Option<PathBuf>,
    /// No medir la calidad (más rápido; sin informe).
    #[arg(long)]
    no_report: bool,
    /// Escribe también el informe en texto en este archivo.
    #[arg(long, value_name = "ARCHIVO")]
    report_text: Option<PathBuf>,
    /// Hilos de cálculo (por omisión, todos los núcleos).
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn parse_type(text: &str) -> Result<FileType, String> {
    FileType::parse(text)
        .filter(|t| FileType::IMPORTABLE.contains(t))
        .ok_or_else(|| {
            format!("«{text}» no es un tipo de salida; use q4_k_m, q5_k_m, q8_0, f16 o bf16")
        })
}

fn fail(error: &import::Error, format: Format, code: u8) -> u8 {
    match format {
        Format::Json => print_json(&serde_json::json!({
            "kind": error.kind(), "mensaje": error.to_string()
        })),
        Format::Text => eprintln!("epicrisis: {error}"),
    }
    code
}

pub fn run(args: &ImportArgs) -> anyhow::Result<u8> {
    if args.out.is_some() && args.types.len() > 1 {
        eprintln!("epicrisis: --out nombra un solo archivo; con varios tipos use --out-dir");
        return Ok(EXIT_INVALID);
    }
    let corpus = match (&args.corpus, args.no_report) {
        (_, true) => None,
        (Some(path), false) => match import::Corpus::from_file(path) {
            Ok(c) => Some(c),
            Err(e) => return Ok(fail(&e, args.format, EXIT_INVALID)),
        },
        (None, false) => Some(import::Corpus::clinical()),
    };
    let checkpoint = match import::Checkpoint::open(&args.folder, args.lora.as_deref()) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e, args.format, EXIT_INVALID)),
    };
    describe(&checkpoint.summary());
    let outputs = args
        .types
        .iter()
        .map(|&t| {
            let path = match &args.out {
                Some(out) => out.clone(),
                None => checkpoint.output_in(&args.out_dir, t),
            };
            (t, path)
        })
        .collect();
    let request = import::Request {
        outputs,
        report: corpus,
        threads: args.threads,
    };
    let pool = engine::compute_pool(args.threads)?;
    let mut progress = Progress::new();
    let result = pool.install(|| {
        import::run(
            &checkpoint,
            &request,
            &engine::CancelToken::new(),
            &mut |p| progress.show(&p),
        )
    });
    progress.done();
    let imported = match result {
        Ok(i) => i,
        Err(e) => return Ok(fail(&e, args.format, EXIT_PROBLEMS)),
    };
    for o in &imported.outputs {
        eprintln!(
            "epicrisis: {} escrito: {} ({:.0} MB, {:.1} s)",
            o.file_type.name(),
            o.path.display(),
            o.bytes as f64 / 1e6,
            o.seconds
        );
    }
    if let (Some(report), Some(path)) = (&imported.report, &args.report_text) {
        if let Err(e) = std::fs::write(path, report.render_text()) {
            eprintln!(
                "epicrisis: {}: no se pudo escribir el informe: {e}",
                path.display()
            );
            return Ok(EXIT_PROBLEMS);
        }
    }
    match args.format {
        Format::Json => print_json(&serde_json::to_value(&imported)?),
        Format::Text => {
            if let Some(report) = &imported.report {
                print!("{}", report.render_text());
            }
            if let Some(path) = &imported.report_path {
                println!("Informe guardado en {}", path.display());
            }
        }
    }
    Ok(0)
}

fn describe(s: &import::CheckpointSummary) {
    let dtypes: Vec<String> = s
        .dtypes
        .iter()
        .map(|(t, n)| format!("{n} en {t}"))
        .collect();
    eprintln!(
        "epicrisis: {} ({}): {:.2} mil millones de parámetros, {} capas, tensores {}, tokenizador de {} tokens{}",
        s.name,
        s.class,
        s.parameters as f64 / 1e9,
        s.layers,
        dtypes.join(", "),
        s.tokenizer_tokens,
        if s.has_chat_template { ", con plantilla de chat" } else { ", sin plantilla de chat (se usará ChatML)" },
    );
    if let Some(l) = &s.lora {
        eprintln!(
            "epicrisis: adaptador LoRA de rango {} (alfa {}) sobre {} matrices: {}",
            l.rank,
            l.alpha,
            l.matrices,
            l.targets.join(", ")
        );
    }
}

/// Progress on stderr: a line rewritten in place on a terminal, a line per
/// tenth otherwise (logs).
struct Progress {
    terminal: bool,
    last_tenth: i32,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            last_tenth: -1,
        }
    }

    fn show(&mut self, p: &import::ImportProgress) {
        let stage = match p.stage {
            import::Stage::Converting => "convirtiendo",
            import::Stage::Reference => "referencia",
            import::Stage::Measuring => "midiendo",
        };
        if self.terminal {
            eprint!("\r\x1b[2K{:5.1} % {stage} {}", p.share * 100.0, p.detail);
        } else {
            let tenth = (p.share * 10.0) as i32;
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                eprintln!("{:3.0} % {stage} {}", p.share * 100.0, p.detail);
            }
        }
    }

    fn done(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
