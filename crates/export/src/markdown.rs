//! The Markdown renderer, for hospital systems and wikis that take it.
//! Everything from the record is escaped, so a name like `*Pérez*` shows
//! its asterisks instead of turning italic.

use crate::document::{Document, MISSING};

pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    if !doc.institution.is_empty() {
        out.push_str(&format!("**{}**  \n", escape(&doc.institution)));
    }
    if !doc.service.is_empty() {
        out.push_str(&format!("{}\n", escape(&doc.service)));
    }
    out.push_str("\n# EPICRISIS\n\n");
    if !doc.is_final {
        out.push_str("> **BORRADOR:** documento no firmado\n\n");
    }

    out.push_str("## Identificación\n\n| | |\n|---|---|\n");
    for f in &doc.identification {
        out.push_str(&format!("| **{}** | {} |\n", f.label, cell(&f.value)));
    }

    out.push_str("\n## Resumen de la hospitalización\n\n");
    for p in &doc.narrative {
        if let Some(heading) = &p.heading {
            out.push_str(&format!("**{}**  \n", escape(heading)));
        }
        let lines: Vec<String> = p.lines.iter().map(|l| escape(l)).collect();
        out.push_str(&lines.join("  \n"));
        out.push_str("\n\n");
    }

    out.push_str("## Diagnósticos de egreso\n\n");
    table(
        &mut out,
        &["Código", "Descripción"],
        doc.diagnoses.iter().map(|d| vec![&d.code, &d.name]),
    );
    out.push_str("## Procedimientos\n\n");
    table(
        &mut out,
        &["Código", "Descripción", "Fecha"],
        doc.procedures
            .iter()
            .map(|p| vec![&p.code, &p.name, &p.date]),
    );
    out.push_str("## Medicamentos al alta\n\n");
    let named: Vec<String> = doc
        .drugs
        .iter()
        .map(|m| {
            if m.code.is_empty() {
                m.name.clone()
            } else {
                format!("{} ({})", m.name, m.code)
            }
        })
        .collect();
    table(
        &mut out,
        &["Medicamento", "Dosis", "Vía", "Frecuencia", "Duración"],
        doc.drugs
            .iter()
            .zip(&named)
            .map(|(m, name)| vec![name, &m.dose, &m.route, &m.frequency, &m.duration]),
    );
    for (heading, items) in [
        ("Controles", &doc.controls),
        ("Cuidados", &doc.care),
        ("Signos de alarma", &doc.warning_signs),
    ] {
        out.push_str(&format!("## {heading}\n\n"));
        if items.is_empty() {
            out.push_str(&format!("*{MISSING} en el episodio.*\n"));
        }
        for item in items {
            out.push_str(&format!("- {}\n", escape(item)));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "---\n\n{}  \nMédico tratante  \nFecha: {}\n\n*{}*\n",
        escape(&doc.physician),
        doc.generated_on,
        escape(&doc.footer)
    ));
    out
}

fn table<'a>(out: &mut String, headers: &[&str], rows: impl Iterator<Item = Vec<&'a String>>) {
    let rows: Vec<Vec<&String>> = rows.collect();
    if rows.is_empty() {
        out.push_str(&format!("*{MISSING} en el episodio.*\n\n"));
        return;
    }
    out.push_str(&format!("| {} |\n", headers.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
}

fn cell(text: &str) -> String {
    escape(text).replace('\n', " ")
}

/// Backslash-escapes what CommonMark would read as markup: inline markers
/// anywhere, and list or heading markers at the start of the text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '$' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    // "- x", "+ x", "1. x" and "1) x" at the start would become lists (a
    // marker counts only when a space or the end follows it).
    let start = out.trim_start();
    let lead = out.len() - start.len();
    let digits = start.chars().take_while(char::is_ascii_digit).count();
    let marker_ends = |rest: &str| rest.is_empty() || rest.starts_with(char::is_whitespace);
    if start.starts_with(['-', '+', '=']) && marker_ends(&start[1..]) {
        out.insert(lead, '\\');
    } else if digits > 0
        && start[digits..].starts_with(['.', ')'])
        && marker_ends(&start[digits + 1..])
    {
        out.insert(lead + digits, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_text_cannot_become_markup() {
        assert_eq!(escape("*Pérez* _x_"), r"\*Pérez\* \_x\_");
        assert_eq!(escape("# no es título"), r"\# no es título");
        assert_eq!(escape("- no es lista"), r"\- no es lista");
        assert_eq!(escape("1. tampoco"), r"1\. tampoco");
        assert_eq!(escape("a | b <b>"), r"a \| b \<b\>");
        assert_eq!(escape("7.654.321-6"), "7.654.321-6");
        assert_eq!(escape("-5 °C"), "-5 °C");
        assert_eq!(escape("2) otra"), r"2\) otra");
        assert_eq!(escape(r"C:\ruta"), r"C:\\ruta");
    }
}
