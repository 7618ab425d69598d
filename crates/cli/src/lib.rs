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
//! epicrisis verify-eval tests/data/verify/manifest.jsonl
//! epicrisis draft episodio.json --save
//! epicrisis drafts list --search munoz
//! epicrisis drafts show 12 --version 2
//! epicrisis export episodio.json --text epicrisis.txt --pdf epicrisis.pdf --final
//! epicrisis generate episodio.json --model qwen2.5-1.5b-instruct-q4_k_m.gguf --save
//! epicrisis batch altas-del-dia/ --model qwen2.5-1.5b-instruct-q4_k_m.gguf --save
//! epicrisis model-info modelo.gguf
//! epicrisis perplexity --model modelo.gguf --text corpus.txt --context 512
//! epicrisis bench --model modelo.gguf --prompt-tokens 512 --gen-tokens 128
//! epicrisis import qwen2.5-1.5b-epicrisis/ --type q4_k_m --out-dir modelos/
//! epicrisis import qwen2.5-1.5b/ --lora adaptador/ --type q4_k_m,q8_0 --format json
//! ```
//!
//! The database is `--db`, else `EPICRISIS_DB`, else the app's.
//!
//! The installed `epicrisis` command is the app's executable: the desktop
//! binary runs [`main_with`] when called as `epicrisis` or with `cli` as
//! its first argument.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod batch;
mod hf_import;
mod models;
mod verify_eval;

use clinical::{Finding, Gravedad, Severity};
pub(crate) use models::{ModelArgs, ProfileArg, SamplingArgs};

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
    /// Base de datos de borradores (por omisión, la de la aplicación).
    #[arg(long, global = true, value_name = "ARCHIVO")]
    db: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Redacta la epicrisis con un modelo local; el texto aparece a medida que se genera.
    Generate {
        episode: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        #[arg(long, value_enum, default_value_t = ProfileArg::Auto)]
        profile: ProfileArg,
        #[command(flatten)]
        sampling: SamplingArgs,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Guarda la epicrisis como borrador nuevo, como lo hace la aplicación.
        #[arg(long)]
        save: bool,
    },
    /// Redacta con un mismo modelo cada episodio de una carpeta (p. ej. las altas del día).
    Batch(batch::BatchArgs),
    /// Describe un archivo de modelo GGUF y comprueba que esté completo y sea utilizable.
    ModelInfo {
        model: PathBuf,
        #[arg(long, value_name = "ARCHIVO")]
        tokenizer: Option<PathBuf>,
        /// Contexto para estimar la memoria.
        #[arg(long, default_value_t = engine::DEFAULT_CONTEXT)]
        context: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Perplejidad del modelo sobre un texto (convención de llama-perplexity).
    Perplexity {
        #[command(flatten)]
        model: ModelArgs,
        #[arg(long, value_name = "ARCHIVO")]
        text: PathBuf,
        /// Tokens por ventana; se evalúa la segunda mitad de cada una.
        #[arg(long, default_value_t = 512)]
        context: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Mide carga, prefill, decodificación, TTFT y memoria de un modelo.
    Bench {
        #[command(flatten)]
        model: ModelArgs,
        #[arg(long, default_value_t = 512)]
        prompt_tokens: usize,
        #[arg(long, default_value_t = 128)]
        gen_tokens: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Importa un modelo afinado de Hugging Face (y un adaptador LoRA) como GGUF, con informe de calidad.
    Import(hf_import::ImportArgs),
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
        /// Guarda la epicrisis como borrador nuevo en la base de datos.
        #[arg(long)]
        save: bool,
    },
    /// Compara un texto de epicrisis con el episodio y lista los hallazgos.
    Verify {
        episode: PathBuf,
        text: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Mide la verificación sobre un conjunto etiquetado (manifiesto JSON por líneas).
    VerifyEval {
        manifest: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Exporta la epicrisis como PDF, texto o Markdown (sin --text, la determinista).
    #[command(group(clap::ArgGroup::new("salida").required(true).args(["pdf", "txt", "md"])))]
    Export {
        episode: PathBuf,
        /// Texto final de la epicrisis (UTF-8).
        #[arg(long, value_name = "TEXTO")]
        text: Option<PathBuf>,
        #[arg(long, value_name = "SALIDA.pdf")]
        pdf: Option<PathBuf>,
        #[arg(long, value_name = "SALIDA.txt")]
        txt: Option<PathBuf>,
        #[arg(long, value_name = "SALIDA.md")]
        md: Option<PathBuf>,
        /// Documento final: sin la marca BORRADOR.
        #[arg(long = "final")]
        is_final: bool,
        /// Nombre de la institución para el encabezado.
        #[arg(long)]
        institution: Option<String>,
        /// Servicio para el encabezado (por omisión, el del episodio).
        #[arg(long)]
        service: Option<String>,
        /// Logo para el encabezado (PNG, JPEG, GIF, SVG o WebP).
        #[arg(long)]
        logo: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = PaperArg::A4)]
        paper: PaperArg,
    },
    /// Borradores guardados.
    Drafts {
        #[command(subcommand)]
        command: DraftsCommand,
    },
}

#[derive(Subcommand)]
enum DraftsCommand {
    /// Lista los borradores, el cambio más reciente primero.
    List {
        /// Busca en nombre, RUT, diagnósticos y texto (sin distinguir tildes).
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Modificados desde este día (AAAA-MM-DD, hora local).
        #[arg(long, value_parser = parse_day)]
        since: Option<clinical::date::Date>,
        /// Modificados hasta este día inclusive (AAAA-MM-DD, hora local).
        #[arg(long, value_parser = parse_day)]
        until: Option<clinical::date::Date>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Muestra un borrador y el texto de una versión (la última por omisión).
    Show {
        id: i64,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PaperArg {
    A4,
    Carta,
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Borrador,
    Revisado,
    Final,
}

impl From<StatusArg> for store::Status {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Borrador => store::Status::Borrador,
            StatusArg::Revisado => store::Status::Revisado,
            StatusArg::Final => store::Status::Final,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_INVALID: u8 = 2;

/// Runs the command line on `args` (the program name first) and returns
/// the process's exit code. A library function, not only a `main`, so that
/// the app's own executable is also the `epicrisis` command (one binary in
/// the installers, see `src-tauri/main.rs`); `anyhow` stays inside, and
/// every error is reported here, once, in Spanish.
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
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
    let db = cli.db.as_deref();
    match cli.command {
        Command::Generate {
            episode,
            model,
            profile,
            sampling,
            format,
            save,
        } => models::generate(
            &episode,
            &model,
            profile.into(),
            &sampling.sampling(),
            format,
            save.then_some(db),
        ),
        Command::Batch(args) => batch::run(&args, db),
        Command::ModelInfo {
            model,
            tokenizer,
            context,
            format,
        } => models::info(&model, tokenizer.as_deref(), context, format),
        Command::Perplexity {
            model,
            text,
            context,
            format,
        } => models::perplexity(&model, &text, context, format),
        Command::Bench {
            model,
            prompt_tokens,
            gen_tokens,
            format,
        } => models::bench(&model, prompt_tokens, gen_tokens, format),
        Command::Import(args) => hf_import::run(&args),
        Command::Check { episode, format } => check(&episode, format),
        Command::Draft {
            episode,
            format,
            save,
        } => draft(&episode, format, save.then_some(db)),
        Command::Export {
            episode,
            text,
            pdf,
            txt,
            md,
            is_final,
            institution,
            service,
            logo,
            paper,
        } => {
            let options = export::Options {
                paper: match paper {
                    PaperArg::A4 => export::Paper::A4,
                    PaperArg::Carta => export::Paper::Carta,
                },
                letterhead: export::Letterhead {
                    institution: institution.unwrap_or_default(),
                    service: service.unwrap_or_default(),
                    logo,
                },
                is_final,
                ..export::Options::default()
            };
            // clap's group makes exactly one of the three present.
            let (format, out) = match (pdf, txt, md) {
                (Some(path), _, _) => (pipeline::Format::Pdf, path),
                (_, Some(path), _) => (pipeline::Format::Texto, path),
                (_, _, Some(path)) => (pipeline::Format::Markdown, path),
                (None, None, None) => return Ok(EXIT_INVALID),
            };
            export_document(&episode, text.as_deref(), format, &out, &options)
        }
        Command::Drafts { command } => match command {
            DraftsCommand::List {
                search,
                status,
                since,
                until,
                limit,
                format,
            } => {
                let query = store::ListQuery {
                    search,
                    status: status.map(Into::into),
                    changed_from: since.map(store::Timestamp::start_of_day),
                    changed_before: until.map(|day| {
                        let next =
                            clinical::date::Date::from_days_since_epoch(day.days_since_epoch() + 1);
                        store::Timestamp::start_of_day(next)
                    }),
                    limit,
                    ..Default::default()
                };
                drafts_list(db, &query, format)
            }
            DraftsCommand::Show {
                id,
                version,
                format,
            } => drafts_show(db, id, version, format),
        },
        Command::Verify {
            episode,
            text,
            format,
        } => verify(&episode, &text, format),
        Command::VerifyEval { manifest, format } => verify_eval::run(&manifest, format),
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

/// Loads an episode that must be valid to `doing` (redactar, exportar),
/// listing its errors otherwise (exit 2).
pub(crate) fn load_valid(
    path: &Path,
    format: Format,
    doing: &str,
) -> Result<pipeline::LoadedEpisode, u8> {
    let loaded = load(path, format)?;
    if let Err(invalid) = loaded.require_valid() {
        // Every error, not only the first few the refusal names.
        for p in loaded.report.errors() {
            eprintln!("error: {p}");
        }
        eprintln!("epicrisis: {invalid} (antes de {doing})");
        return Err(EXIT_INVALID);
    }
    Ok(loaded)
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

/// `save`: `Some(db)` to keep the result in the store.
fn draft(path: &Path, format: Format, save: Option<Option<&Path>>) -> anyhow::Result<u8> {
    let loaded = match load_valid(path, format, "redactar") {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    // A failed save still prints the text, so that nothing is lost.
    let saved = save.and_then(|db| {
        let mut store = open_store(db)?;
        match pipeline::write_deterministic(&mut store, &loaded, None) {
            Ok(saved) => {
                let version = &saved.0;
                eprintln!(
                    "epicrisis: guardado como borrador {} (versión {}) en {}",
                    version.draft_id,
                    version.number,
                    store.path().display()
                );
                Some(saved)
            }
            Err(error) => {
                eprintln!("epicrisis: no se pudo guardar: {error}");
                None
            }
        }
    });
    let save_failed = save.is_some() && saved.is_none();
    let (saved, result) = match saved {
        Some((version, checked)) => (Some(version), checked),
        None => (None, pipeline::deterministic(&loaded.episode)),
    };
    if save_failed {
        eprintln!(
            "epicrisis: la epicrisis no quedó guardada; se muestra abajo para que no se pierda"
        );
    }
    match format {
        Format::Text => print!("{}", result.text),
        Format::Json => print_json(&serde_json::json!({
            "texto": result.text,
            "origen": "determinista",
            "hallazgos": result.findings,
            "problemas": loaded.report.problems,
            "borrador": saved.as_ref().map(|v| v.draft_id),
            "version": saved.as_ref().map(|v| v.number),
        })),
    }
    Ok(if save_failed { EXIT_PROBLEMS } else { 0 })
}

/// Opens the store, telling the user on stderr what the open found (a
/// damaged file moved aside, interrupted generations). `None` after
/// printing why it could not be opened.
pub(crate) fn open_store(db: Option<&Path>) -> Option<store::Store> {
    let opened = store::location::resolve(db)
        .and_then(|path| store::Store::open(&path, store::OpenOptions::default()));
    let (store, report) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("epicrisis: {error}");
            return None;
        }
    };
    if let Some(aside) = &report.moved_aside {
        eprintln!(
            "epicrisis: la base de datos estaba dañada; se movió a {} (no se borró)",
            aside.display()
        );
        match &report.restored_from {
            Some(backup) => eprintln!("epicrisis: se restauró el respaldo {}", backup.display()),
            None => eprintln!("epicrisis: no había respaldos; se comenzó una base de datos nueva"),
        }
    }
    for gen in &report.interrupted {
        eprintln!(
            "epicrisis: la generación de la versión {} del borrador {} ({}) quedó interrumpida con {} caracteres; retómela o descártela en la aplicación",
            gen.version, gen.draft_id, gen.patient_name, gen.chars
        );
    }
    if let Some(reason) = &report.backup_error {
        eprintln!("epicrisis: no se pudo hacer el respaldo diario: {reason}");
    }
    if report.read_only {
        eprintln!("epicrisis: la base de datos es de solo lectura");
    }
    Some(store)
}

fn parse_day(text: &str) -> Result<clinical::date::Date, String> {
    clinical::date::Date::parse(text)
        .filter(|_| text.trim().len() == 10)
        .ok_or_else(|| format!("«{text}» no es una fecha AAAA-MM-DD"))
}

fn drafts_list(db: Option<&Path>, query: &store::ListQuery, format: Format) -> anyhow::Result<u8> {
    let Some(store) = open_store(db) else {
        return Ok(EXIT_PROBLEMS);
    };
    let drafts = match store.list(query) {
        Ok(drafts) => drafts,
        Err(error) => {
            eprintln!("epicrisis: {error}");
            return Ok(EXIT_PROBLEMS);
        }
    };
    match format {
        Format::Json => print_json(&serde_json::json!({ "borradores": drafts })),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            if drafts.is_empty() {
                writeln!(out, "no hay borradores que coincidan")?;
            }
            for d in &drafts {
                writeln!(
                    out,
                    "{:>6}  {:<8}  {}  {}  {}  {}{}",
                    d.id,
                    d.status.as_str(),
                    d.updated_at,
                    d.patient_name,
                    d.rut,
                    d.diagnoses,
                    if d.interrupted {
                        "  [generación interrumpida]"
                    } else {
                        ""
                    }
                )?;
            }
        }
    }
    Ok(0)
}

fn drafts_show(
    db: Option<&Path>,
    id: i64,
    version: Option<i64>,
    format: Format,
) -> anyhow::Result<u8> {
    let Some(store) = open_store(db) else {
        return Ok(EXIT_PROBLEMS);
    };
    let found = store.draft(id).and_then(|draft| {
        let versions = store.versions(id)?;
        let chosen = match version {
            Some(n) => Some(store.version(id, n)?),
            None => versions.last().cloned(),
        };
        Ok((draft, versions, chosen))
    });
    let (draft, versions, chosen) = match found {
        Ok(found) => found,
        Err(error @ (store::Error::NoSuchDraft(_) | store::Error::NoSuchVersion { .. })) => {
            eprintln!("epicrisis: {error}; vea «epicrisis drafts list»");
            return Ok(EXIT_INVALID);
        }
        Err(error) => {
            eprintln!("epicrisis: {error}");
            return Ok(EXIT_PROBLEMS);
        }
    };
    match format {
        Format::Json => print_json(&serde_json::json!({
            "borrador": draft.summary,
            "borrador_origen": draft.parent_draft_id,
            "versiones": versions.iter().map(|v| serde_json::json!({
                "numero": v.number, "origen": v.origin, "estado": v.state,
                "creada": v.created_at,
            })).collect::<Vec<_>>(),
            "version": chosen,
        })),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            let s = &draft.summary;
            writeln!(
                out,
                "Borrador {} ({}) · {} · RUT {} · atención {}",
                s.id,
                s.status.as_str(),
                s.patient_name,
                s.rut,
                s.id_atencion
            )?;
            for v in &versions {
                writeln!(
                    out,
                    "  versión {:>3}  {:<12}  {}{}",
                    v.number,
                    v.origin.as_str(),
                    v.created_at,
                    match v.state {
                        store::VersionState::Completa => "",
                        store::VersionState::EnCurso => "  (generando)",
                        store::VersionState::Interrumpida => "  (interrumpida)",
                    }
                )?;
            }
            match &chosen {
                Some(v) => {
                    writeln!(out, "\n--- versión {} ---", v.number)?;
                    write!(out, "{}", v.text)?;
                    if !v.text.ends_with('\n') {
                        writeln!(out)?;
                    }
                }
                None => writeln!(out, "\n(el borrador aún no tiene texto)")?,
            }
        }
    }
    Ok(0)
}

fn verify(episode_path: &Path, text_path: &Path, format: Format) -> anyhow::Result<u8> {
    let loaded = match load(episode_path, format) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let text = match read_text(text_path) {
        Ok(text) => text,
        Err(code) => return Ok(code),
    };
    let checked = pipeline::check_text(&loaded.episode, &text);
    match format {
        Format::Json => print_json(&serde_json::json!({
            "hallazgos": checked.findings,
            "confirmados": checked.confirmed,
        })),
        Format::Text => print_findings(&checked.text, &checked.findings)?,
    }
    Ok(if clinical::has_alta(&checked.findings) {
        EXIT_PROBLEMS
    } else {
        0
    })
}

/// Reads an epicrisis text or says why not (exit 2).
fn read_text(path: &Path) -> Result<String, u8> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            eprintln!(
                "epicrisis: {}: el texto no está en UTF-8; guárdelo como UTF-8",
                path.display()
            );
            EXIT_INVALID
        }),
        Err(error) => {
            eprintln!(
                "epicrisis: {}: no se pudo leer el texto: {error}",
                path.display()
            );
            Err(EXIT_INVALID)
        }
    }
}

fn export_document(
    path: &Path,
    text_path: Option<&Path>,
    format: pipeline::Format,
    out: &Path,
    options: &export::Options,
) -> anyhow::Result<u8> {
    let loaded = match load_valid(path, Format::Text, "exportar") {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let text = match text_path {
        Some(text_path) => match read_text(text_path) {
            Ok(text) => text,
            Err(code) => return Ok(code),
        },
        None => pipeline::deterministic(&loaded.episode).text,
    };
    let written = pipeline::render(&loaded.episode, &text, format, options)
        .and_then(|bytes| Ok(export::write(out, &bytes)?));
    match written {
        Ok(()) => {
            eprintln!("epicrisis: exportado en {}", out.display());
            Ok(0)
        }
        Err(error) => {
            eprintln!("epicrisis: {error}");
            Ok(EXIT_PROBLEMS)
        }
    }
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
        let source = f
            .path
            .as_deref()
            .map(|p| format!(" [episodio: {p}]"))
            .unwrap_or_default();
        match &f.span {
            Some(span) => {
                let line = text[..span.start].matches('\n').count() + 1;
                writeln!(out, "[{severity}] línea {line}: {}{source}", f.message)?;
            }
            None => writeln!(out, "[{severity}] {}{source}", f.message)?,
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

pub(crate) fn print_json(value: &serde_json::Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("epicrisis: no se pudo escribir JSON: {error}"),
    }
}
