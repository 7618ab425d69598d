#![warn(missing_docs)]
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

use std::process::ExitCode;

use clap::Parser;

mod args;
mod batch;
mod check;
mod draft;
mod drafts;
mod export;
mod hf_import;
mod input;
mod models;
mod output;
mod verify;
mod verify_eval;

use args::{Cli, Command};
pub(crate) use input::{load_valid, open_store};
pub(crate) use output::{print_json, Format, EXIT_INVALID, EXIT_PROBLEMS};

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
            template,
            format,
            save,
        } => {
            let template = match input::optional_template(template.as_deref()) {
                Ok(template) => template,
                Err(code) => return Ok(code),
            };
            let choice = models::Choice { profile, template };
            models::generate(
                &episode,
                &model,
                &choice,
                &sampling.sampling(),
                format,
                save.then_some(db),
            )
        }
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
        Command::Check { episode, format } => check::run(&episode, format),
        Command::Draft {
            episode,
            template,
            format,
            save,
        } => match input::optional_template(template.as_deref()) {
            Ok(template) => draft::run(&episode, template, format, save.then_some(db)),
            Err(code) => Ok(code),
        },
        Command::Export(args) => export::run(&args),
        Command::Drafts { command } => drafts::run(command, db),
        Command::Verify {
            episode,
            text,
            format,
        } => verify::run(&episode, &text, format),
        Command::VerifyEval { manifest, format } => verify_eval::run(&manifest, format),
    }
}
