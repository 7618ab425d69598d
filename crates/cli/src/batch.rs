//! `epicrisis batch`: every episode file in a folder drafted with one
//! loaded model, what a ward needs to pre-draft the day's discharges
//! overnight. A bad file is reported and skipped, never stops the batch;
//! with `--save`, an episode already drafted by the same model file (by
//! hash) with the same sampling is skipped, so a rerun only does what is
//! left.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use crate::args::word;
use crate::models::{self, ModelArgs, SamplingArgs};
use crate::{print_json, Format, EXIT_INVALID, EXIT_PROBLEMS};

#[derive(Args)]
pub struct BatchArgs {
    /// Carpeta con los episodios (archivos .json).
    folder: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    #[arg(long, value_parser = word::<pipeline::ProfileChoice>(), default_value = "auto")]
    profile: pipeline::ProfileChoice,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Plantilla del servicio (archivo JSON, ver docs/templates.md) para todos los episodios.
    #[arg(long, value_name = "ARCHIVO")]
    template: Option<PathBuf>,
    /// Guarda cada epicrisis como borrador, como lo hace la aplicación.
    #[arg(long)]
    save: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Redactado,
    /// Already drafted with this model and these settings (`--save`).
    YaRedactado,
    /// Unreadable, not an episode, or with validation errors.
    Omitido,
    /// The model failed on it.
    Fallido,
}

#[derive(Debug, Serialize)]
struct Row {
    archivo: String,
    resultado: Outcome,
    borrador: Option<i64>,
    version: Option<i64>,
    /// Findings of severity "alta" in the generated text.
    hallazgos_altos: usize,
    segundos: f64,
    /// Why a file was skipped or failed.
    motivo: Option<String>,
}

pub fn run(args: &BatchArgs, db: Option<&Path>) -> anyhow::Result<u8> {
    let files = match episode_files(&args.folder) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("epicrisis: {message}");
            return Ok(EXIT_INVALID);
        }
    };
    let choice = match crate::input::optional_template(args.template.as_deref()) {
        Ok(template) => models::Choice {
            profile: args.profile,
            template,
        },
        Err(code) => return Ok(code),
    };
    let store = match args.save {
        false => None,
        true => {
            match crate::open_store(db) {
                Some(store) => Some(Mutex::new(store)),
                None => {
                    eprintln!("epicrisis: sin base de datos no se puede guardar el lote; no se redactó nada");
                    return Ok(EXIT_PROBLEMS);
                }
            }
        }
    };
    eprintln!("epicrisis: cargando {}", args.model.model().display());
    let engine = match models::start(&args.model, None) {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("epicrisis: no se pudo cargar el modelo: {error}");
            return Ok(EXIT_PROBLEMS);
        }
    };
    let sampling = args.sampling.sampling();
    let sampling_json = serde_json::to_value(&sampling)?;
    let total = files.len();
    let mut rows = Vec::with_capacity(total);
    for (i, path) in files.iter().enumerate() {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        eprint!("[{}/{total}] {name}: ", i + 1);
        let started = Instant::now();
        let row = draft_one(
            &engine,
            store.as_ref(),
            path,
            &choice,
            &sampling,
            &sampling_json,
        );
        let row = Row {
            archivo: name,
            segundos: started.elapsed().as_secs_f64(),
            ..row
        };
        eprintln!("{}", describe(&row));
        rows.push(row);
    }
    match args.format {
        Format::Json => print_json(&serde_json::json!({ "episodios": rows })),
        Format::Text => print_table(&rows),
    }
    let failed = rows
        .iter()
        .any(|r| matches!(r.resultado, Outcome::Omitido | Outcome::Fallido));
    Ok(if failed { EXIT_PROBLEMS } else { 0 })
}

/// The folder's `.json` files in name order.
fn episode_files(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| format!("{}: no se pudo leer la carpeta: {e}", folder.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "{}: la carpeta no tiene episodios (archivos .json)",
            folder.display()
        ));
    }
    Ok(files)
}

fn draft_one(
    engine: &engine::Engine,
    store: Option<&Mutex<store::Store>>,
    path: &Path,
    choice: &models::Choice,
    sampling: &engine::Sampling,
    sampling_json: &serde_json::Value,
) -> Row {
    let row = |resultado, motivo: Option<String>| Row {
        archivo: String::new(),
        resultado,
        borrador: None,
        version: None,
        hallazgos_altos: 0,
        segundos: 0.0,
        motivo,
    };
    let loaded = match pipeline::load_episode(path) {
        Ok(loaded) => loaded,
        Err(error) => return row(Outcome::Omitido, Some(error.to_string())),
    };
    if let Err(invalid) = loaded.require_valid() {
        return row(Outcome::Omitido, Some(invalid.to_string()));
    }
    if let (Some(store), Some(sha)) = (store, engine.model_sha256()) {
        let template = choice.template.as_ref().map(|t| t.id.as_str());
        let found = pipeline::lock_store(store).find_generated(
            &loaded.source,
            &sha,
            sampling_json,
            template,
        );
        match found {
            Ok(Some((draft, number))) => {
                return Row {
                    borrador: Some(draft),
                    version: Some(number),
                    ..row(Outcome::YaRedactado, None)
                }
            }
            Ok(None) => {}
            Err(error) => return row(Outcome::Fallido, Some(error.to_string())),
        }
    }
    match models::generate_with(engine, &loaded, choice, sampling, store, &mut |_| {}) {
        Ok((generated, saved)) => Row {
            borrador: saved.as_ref().map(|v| v.draft_id),
            version: saved.as_ref().map(|v| v.number),
            hallazgos_altos: generated
                .checked
                .findings
                .iter()
                .filter(|f| f.severity == clinical::Gravedad::Alta)
                .count(),
            ..row(Outcome::Redactado, None)
        },
        Err(error) => row(Outcome::Fallido, Some(error.to_string())),
    }
}

fn describe(row: &Row) -> String {
    let draft = row
        .borrador
        .map(|d| format!(" (borrador {d})"))
        .unwrap_or_default();
    match row.resultado {
        Outcome::Redactado => format!(
            "redactado{draft}, {} hallazgos de gravedad alta, {:.1} s",
            row.hallazgos_altos, row.segundos
        ),
        Outcome::YaRedactado => format!("ya redactado con este modelo y ajustes{draft}; se omite"),
        Outcome::Omitido => format!("omitido: {}", row.motivo.as_deref().unwrap_or("")),
        Outcome::Fallido => format!("falló: {}", row.motivo.as_deref().unwrap_or("")),
    }
}

fn print_table(rows: &[Row]) {
    let width = rows
        .iter()
        .map(|r| r.archivo.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    println!(
        "{:<width$}  {:<13}  {:>8}  {:>7}  {:>6}",
        "archivo", "resultado", "borrador", "altos", "s"
    );
    for r in rows {
        let result = match r.resultado {
            Outcome::Redactado => "redactado",
            Outcome::YaRedactado => "ya redactado",
            Outcome::Omitido => "omitido",
            Outcome::Fallido => "falló",
        };
        let draft = r
            .borrador
            .map_or_else(|| "-".to_string(), |d| d.to_string());
        println!(
            "{:<width$}  {result:<13}  {draft:>8}  {:>7}  {:>6.1}",
            r.archivo, r.hallazgos_altos, r.segundos
        );
    }
    let done = rows
        .iter()
        .filter(|r| r.resultado == Outcome::Redactado)
        .count();
    let skipped = rows
        .iter()
        .filter(|r| r.resultado == Outcome::YaRedactado)
        .count();
    let bad = rows.len() - done - skipped;
    println!("{done} redactados, {skipped} ya redactados, {bad} omitidos o fallidos");
}
