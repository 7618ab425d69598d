//! How results leave the command line: text or JSON on stdout, messages
//! on stderr, and the exit codes (0 success; 1 the check found problems or
//! a run failed; 2 invalid input or usage).

use std::io::Write;

use clap::ValueEnum;
use clinical::{Finding, Gravedad};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_INVALID: u8 = 2;

pub(crate) fn print_findings(text: &str, findings: &[Finding]) -> std::io::Result<()> {
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
