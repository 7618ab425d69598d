//! `epicrisis export`: an episode's epicrisis (a given text, or the
//! deterministic one) as PDF, text or Markdown, through
//! `pipeline::render`, the renderer the window's export uses.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::args::word;
use crate::input::{load_valid, read_text};
use crate::output::{Format, EXIT_INVALID, EXIT_PROBLEMS};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("salida").required(true).args(["pdf", "txt", "md"])))]
pub(crate) struct ExportArgs {
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
    #[arg(long, value_parser = word::<export::Paper>(), default_value = "a4")]
    paper: export::Paper,
}

impl ExportArgs {
    /// The format and the file (clap's group makes exactly one of the
    /// three outputs present).
    pub(crate) fn target(&self) -> Option<(pipeline::Format, PathBuf)> {
        match (&self.pdf, &self.txt, &self.md) {
            (Some(path), _, _) => Some((pipeline::Format::Pdf, path.clone())),
            (_, Some(path), _) => Some((pipeline::Format::Texto, path.clone())),
            (_, _, Some(path)) => Some((pipeline::Format::Markdown, path.clone())),
            (None, None, None) => None,
        }
    }

    pub(crate) fn options(&self) -> export::Options {
        export::Options {
            paper: self.paper,
            letterhead: export::Letterhead {
                institution: self.institution.clone().unwrap_or_default(),
                service: self.service.clone().unwrap_or_default(),
                logo: self.logo.clone(),
            },
            is_final: self.is_final,
            ..export::Options::default()
        }
    }
}

pub(crate) fn run(args: &ExportArgs) -> anyhow::Result<u8> {
    let Some((format, out)) = args.target() else {
        return Ok(EXIT_INVALID);
    };
    export_document(
        &args.episode,
        args.text.as_deref(),
        format,
        &out,
        &args.options(),
    )
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
