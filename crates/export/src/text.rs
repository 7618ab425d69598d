//! The plain-text renderer: UTF-8, wrapped, with sections underlined by
//! plain characters, readable in any editor and pasteable into any
//! hospital system.

use crate::document::{Document, MISSING};

/// Columns to wrap at: fits an 80-column terminal and most text fields.
pub const WIDTH: usize = 78;

pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    for line in [&doc.institution, &doc.service] {
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    title(&mut out, "EPICRISIS", '=');
    if !doc.is_final {
        out.push_str("BORRADOR: documento no firmado\n");
    }
    out.push('\n');

    section(&mut out, "Identificación");
    let label_width = doc
        .identification
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    for f in &doc.identification {
        let label = format!("{}:", f.label);
        let indent = " ".repeat(label_width);
        wrap_into(
            &mut out,
            &format!("{label:<label_width$}"),
            &f.value,
            &indent,
        );
    }
    out.push('\n');

    section(&mut out, "Resumen de la hospitalización");
    for p in &doc.narrative {
        if let Some(heading) = &p.heading {
            out.push_str(heading);
            out.push('\n');
        }
        for line in &p.lines {
            wrap_into(&mut out, "", line, "");
        }
        out.push('\n');
    }

    section(&mut out, "Diagnósticos de egreso");
    coded(
        &mut out,
        doc.diagnoses.iter().map(|d| (&d.code, &d.name, &d.date)),
    );
    section(&mut out, "Procedimientos");
    coded(
        &mut out,
        doc.procedures.iter().map(|p| (&p.code, &p.name, &p.date)),
    );

    section(&mut out, "Medicamentos al alta");
    if doc.drugs.is_empty() {
        out.push_str(&format!("{MISSING} en el episodio.\n"));
    }
    for m in &doc.drugs {
        let name = if m.code.is_empty() {
            m.name.clone()
        } else {
            format!("{} ({})", m.name, m.code)
        };
        wrap_into(&mut out, "- ", &name, "  ");
        let details: Vec<String> = [
            ("Dosis", &m.dose),
            ("Vía", &m.route),
            ("Frecuencia", &m.frequency),
            ("Duración", &m.duration),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}: {}", v.trim()))
        .collect();
        if !details.is_empty() {
            wrap_into(&mut out, "  ", &details.join(" · "), "  ");
        }
    }
    out.push('\n');

    for (heading, items) in [
        ("Controles", &doc.controls),
        ("Cuidados", &doc.care),
        ("Signos de alarma", &doc.warning_signs),
    ] {
        section(&mut out, heading);
        if items.is_empty() {
            out.push_str(&format!("{MISSING} en el episodio.\n"));
        }
        for item in items {
            wrap_into(&mut out, "- ", item, "  ");
        }
        out.push('\n');
    }

    out.push('\n');
    out.push_str(&"_".repeat(36));
    out.push('\n');
    out.push_str(&doc.physician);
    out.push_str("\nMédico tratante\n");
    out.push_str(&format!("Fecha: {}\n\n", doc.generated_on));
    out.push_str(&doc.footer);
    out.push('\n');
    out
}

fn title(out: &mut String, text: &str, underline: char) {
    out.push_str(text);
    out.push('\n');
    out.extend(std::iter::repeat_n(underline, text.chars().count()));
    out.push('\n');
}

fn section(out: &mut String, text: &str) {
    title(out, text, '-');
}

fn coded<'a>(out: &mut String, rows: impl Iterator<Item = (&'a String, &'a String, &'a String)>) {
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        out.push_str(&format!("{MISSING} en el episodio.\n"));
    }
    let code_width = rows
        .iter()
        .map(|(c, _, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    for (code, name, date) in rows {
        let mut line = name.to_string();
        if !date.is_empty() {
            line.push_str(&format!(" ({date})"));
        }
        let prefix = if code_width == 0 {
            String::new()
        } else {
            format!("{code:<code_width$}  ")
        };
        let indent = " ".repeat(prefix.chars().count());
        wrap_into(out, &prefix, &line, &indent);
    }
    out.push('\n');
}

/// Appends `prefix` and then `text` wrapped at `WIDTH` columns (counted
/// in characters); continuation lines start with `indent`. A word longer
/// than the line is kept whole rather than cut.
fn wrap_into(out: &mut String, prefix: &str, text: &str, indent: &str) {
    out.push_str(prefix);
    let mut column = prefix.chars().count();
    let mut first_word = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if !first_word && column + 1 + len > WIDTH {
            out.push('\n');
            out.push_str(indent);
            column = indent.chars().count();
        } else if !first_word {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += len;
        first_word = false;
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_the_width_and_keeps_long_words() {
        let mut out = String::new();
        let text = format!("{} {}", "palabra".repeat(3), "ñandú ".repeat(20));
        wrap_into(&mut out, "- ", &text, "  ");
        for line in out.lines() {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
        assert!(out.lines().skip(1).all(|l| l.starts_with("  ")));
        let mut long = String::new();
        wrap_into(&mut long, "", &"x".repeat(100), "");
        assert_eq!(long, format!("{}\n", "x".repeat(100)));
    }
}
