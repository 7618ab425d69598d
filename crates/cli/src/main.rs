//! `epicrisis`: the Epicrisis pipeline on the command line, for headless
//! machines, scripts and tests. Messages are Spanish, like the app's.
//!
//! Exit codes: 0 success; 1 the check found problems or a run failed; 2
//! invalid input or usage.
//!
//! ```text
//! epicrisis check episodio.json
//! epicrisis draft episodio.json > epicrisis.txt
//! epicrisis verify episodio.json epicrisis.txt --format json
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clinical::{Finding, Gravedad, Severity};

#[derive(Parser)]
#[command(
    name = "epicrisis",
    version,
    about = "Epicrisis hospitalarias redactadas y verificadas en este equipo",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Valida un episodio (JSON v1): todos los errores y advertencias.
    Check {
        episode: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Escribe la epicrisis determinista del episodio (sin modelo).
    Draft {
        episode: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compara un texto de epicrisis con el episodio y lista los hallazgos.
    Verify {
        episode: PathBuf,
        text: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

const EXIT_PROBLEMS: u8 = 1;
const EXIT_INVALID: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_INVALID } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("epicrisis: {error:#}");
            ExitCode::from(EXIT_PROBLEMS)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check { episode, format } => check(&episode, format),
        Command::Draft { episode, format } => draft(&episode, format),
        Command::Verify {
            episode,
            text,
            format,
        } => verify(&episode, &text, format),
    }
}

/// Loads an episode or reports why not (exit 2).
fn load(path: &Path, format: Format) -> Result<pipeline::LoadedEpisode, u8> {
    pipeline::load_episode(path).map_err(|error| {
        if format == Format::Json {
            print_json(&serde_json::json!({
                "valido": false,
                "error": { "kind": error.kind(), "mensaje": error.to_string() },
            }));
        }
        eprintln!("epicrisis: {error}");
        EXIT_INVALID
    })
}

fn check(path: &Path, format: Format) -> anyhow::Result<u8> {
    let loaded = match load(path, format) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let report = &loaded.report;
    let valid = !report.has_errors();
    match format {
        Format::Json => print_json(&serde_json::json!({
            "valido": valid,
            "problemas": report.problems,
        })),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            for p in &report.problems {
                let label = match p.severity {
                    Severity::Error => "error",
                    Severity::Warning => "advertencia",
                };
                writeln!(out, "{label}: {p}")?;
            }
            let errors = report.errors().count();
            let warnings = report.warnings().count();
            if valid {
                writeln!(
                    out,
                    "{}: episodio válido ({warnings} advertencia{})",
                    path.display(),
                    if warnings == 1 { "" } else { "s" }
                )?;
            } else {
                writeln!(
                    out,
                    "{}: episodio inválido: {errors} error{} y {warnings} advertencia{}; corrija los errores para generar la epicrisis",
                    path.display(),
                    if errors == 1 { "" } else { "es" },
                    if warnings == 1 { "" } else { "s" }
                )?;
            }
        }
    }
    Ok(if valid { 0 } else { EXIT_INVALID })
}

fn draft(path: &Path, format: Format) -> anyhow::Result<u8> {
    let loaded = match load(path, format) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    if loaded.report.has_errors() {
        for p in loaded.report.errors() {
            eprintln!("error: {p}");
        }
        eprintln!(
            "epicrisis: {}: el episodio tiene errores; corríjalos (vea «epicrisis check») antes de redactar",
            path.display()
        );
        return Ok(EXIT_INVALID);
    }
    let result = pipeline::deterministic(&loaded.episode);
    match format {
        Format::Text => print!("{}", result.text),
        Format::Json => print_json(&serde_json::json!({
            "texto": result.text,
            "origen": "determinista",
            "hallazgos": result.findings,
            "problemas": loaded.report.problems,
        })),
    }
    Ok(0)
}

fn verify(episode_path: &Path, text_path: &Path, format: Format) -> anyhow::Result<u8> {
    let loaded = match load(episode_path, format) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let text = match std::fs::read(text_path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                eprintln!(
                    "epicrisis: {}: el texto no está en UTF-8; guárdelo como UTF-8",
                    text_path.display()
                );
                return Ok(EXIT_INVALID);
            }
        },
        Err(error) => {
            eprintln!(
                "epicrisis: {}: no se pudo leer el texto: {error}",
                text_path.display()
            );
            return Ok(EXIT_INVALID);
        }
    };
    let checked = pipeline::check_text(&loaded.episode, &text);
    match format {
        Format::Json => print_json(&serde_json::json!({ "hallazgos": checked.findings })),
        Format::Text => print_findings(&checked.text, &checked.findings)?,
    }
    Ok(if clinical::has_alta(&checked.findings) {
        EXIT_PROBLEMS
    } else {
        0
    })
}

fn print_findings(text: &str, findings: &[Finding]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if findings.is_empty() {
        return writeln!(out, "sin hallazgos: el texto concuerda con el episodio");
    }
    for f in findings {
        let severity = match f.severity {
            Gravedad::Alta => "alta",
            Gravedad::Media => "media",
            Gravedad::Baja => "baja",
        };
        match &f.span {
            Some(span) => {
                let line = text[..span.start].matches('\n').count() + 1;
                writeln!(out, "[{severity}] línea {line}: {}", f.message)?;
            }
            None => writeln!(out, "[{severity}] {}", f.message)?,
        }
    }
    let alta = findings
        .iter()
        .filter(|f| f.severity == Gravedad::Alta)
        .count();
    writeln!(
        out,
        "{} hallazgo{}, {alta} de gravedad alta",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    )
}

fn print_json(value: &serde_json::Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("epicrisis: no se pudo escribir JSON: {error}"),
    }
}
