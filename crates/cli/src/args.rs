//! The command line's grammar (clap): the commands, their flags and the
//! values they take. What each command does is in its own module.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use kinds::Word;

use crate::models::{ModelArgs, SamplingArgs};
use crate::output::Format;
use crate::{batch, drafts, export, hf_import};

#[derive(Parser)]
#[command(
    name = "epicrisis",
    version,
    about = "Epicrisis hospitalarias redactadas y verificadas en este equipo",
    disable_help_subcommand = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Base de datos de borradores (por omisión, la de la aplicación).
    #[arg(long, global = true, value_name = "ARCHIVO")]
    pub db: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Redacta la epicrisis con un modelo local; el texto aparece a medida que se genera.
    Generate {
        episode: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        #[arg(long, value_parser = word::<pipeline::ProfileChoice>(), default_value = "auto")]
        profile: pipeline::ProfileChoice,
        #[command(flatten)]
        sampling: SamplingArgs,
        /// Plantilla del servicio (archivo JSON, ver docs/templates.md); sin ella, la del servicio del episodio si está guardada.
        #[arg(long, value_name = "ARCHIVO")]
        template: Option<PathBuf>,
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
        /// Plantilla del servicio (archivo JSON, ver docs/templates.md).
        #[arg(long, value_name = "ARCHIVO")]
        template: Option<PathBuf>,
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
    Export(export::ExportArgs),
    /// Borradores guardados.
    Drafts {
        #[command(subcommand)]
        command: drafts::DraftsCommand,
    },
}

/// A flag whose values are a library enum's words ([`kinds::Word`]): the
/// choices `--help` lists and the parse both come from the enum, so the
/// command line keeps no copy of it.
pub(crate) fn word<T: Word + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::ALL.iter().map(|value| value.word()))
        .try_map(|text| T::from_word(&text).ok_or_else(|| format!("«{text}» no es una opción")))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    fn export_on_paper(paper: &str, more: &[&str]) -> Result<Cli, clap::Error> {
        let args = [
            "epicrisis",
            "export",
            "e.json",
            "--md",
            "e.md",
            "--paper",
            paper,
        ];
        Cli::try_parse_from(args.iter().chain(more))
    }

    #[test]
    fn export_takes_exactly_one_output_and_the_paper() {
        let parsed = export_on_paper("carta", &["--final"]).unwrap();
        let Command::Export(args) = parsed.command else {
            panic!("not export");
        };
        assert_eq!(
            args.target(),
            Some((pipeline::Format::Markdown, PathBuf::from("e.md")))
        );
        assert!(args.options().is_final);
        assert_eq!(args.options().paper, ::export::Paper::Carta);
        for two in [
            [
                "epicrisis",
                "export",
                "e.json",
                "--md",
                "e.md",
                "--pdf",
                "e.pdf",
            ]
            .as_slice(),
            ["epicrisis", "export", "e.json"].as_slice(),
        ] {
            assert!(Cli::try_parse_from(two).is_err(), "{two:?}");
        }
    }

    #[test]
    fn enum_flags_take_the_library_words_and_list_them_when_wrong() {
        let parsed = Cli::try_parse_from([
            "epicrisis",
            "generate",
            "e.json",
            "--model",
            "m.gguf",
            "--device",
            "cuda",
            "--profile",
            "instruct",
        ])
        .unwrap();
        let Command::Generate { model, profile, .. } = parsed.command else {
            panic!("not generate");
        };
        assert_eq!(
            profile,
            pipeline::ProfileChoice::Fixed(clinical::Profile::Instruct)
        );
        assert!(format!("{model:?}").contains("Cuda"), "{model:?}");
        let parsed =
            Cli::try_parse_from(["epicrisis", "drafts", "list", "--status", "revisado"]).unwrap();
        let Command::Drafts {
            command: drafts::DraftsCommand::List { status, .. },
        } = parsed.command
        else {
            panic!("not drafts list");
        };
        assert_eq!(status, Some(store::Status::Revisado));
        let error = export_on_paper("A5", &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("a4, carta"), "{error}");
    }

    #[test]
    fn the_database_flag_is_global_and_days_are_checked() {
        let parsed = Cli::try_parse_from([
            "epicrisis",
            "drafts",
            "list",
            "--since",
            "2026-03-01",
            "--db",
            "x.sqlite3",
        ])
        .unwrap();
        assert_eq!(parsed.db, Some(PathBuf::from("x.sqlite3")));
        let error = Cli::try_parse_from(["epicrisis", "drafts", "list", "--since", "1/3/2026"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("no es una fecha AAAA-MM-DD"), "{error}");
    }
}
