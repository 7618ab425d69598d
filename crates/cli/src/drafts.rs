//! `epicrisis drafts list|show`: the saved drafts, as the window's
//! sidebar and history show them.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;

use crate::args::word;
use crate::input::open_store;
use crate::output::{print_json, Format, EXIT_INVALID, EXIT_PROBLEMS};

#[derive(Subcommand)]
pub(crate) enum DraftsCommand {
    /// Lista los borradores, el cambio más reciente primero.
    List {
        /// Busca en nombre, RUT, diagnósticos y texto (sin distinguir tildes).
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_parser = word::<store::Status>())]
        status: Option<store::Status>,
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

pub(crate) fn parse_day(text: &str) -> Result<clinical::date::Date, String> {
    clinical::date::Date::parse(text)
        .filter(|_| text.trim().len() == 10)
        .ok_or_else(|| format!("«{text}» no es una fecha AAAA-MM-DD"))
}

pub(crate) fn run(command: DraftsCommand, db: Option<&Path>) -> anyhow::Result<u8> {
    match command {
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
                status,
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
    }
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
