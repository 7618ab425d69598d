//! The sections of a written epicrisis, found by their headings, so that
//! one can be rewritten while the others stay exactly as they are.

use std::ops::Range;

use serde::Serialize;

use crate::finish::CONTROLS_HEADING;
use crate::template::Section;

/// One section as it stands in a text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionSpan {
    /// Which section.
    pub section: Section,
    /// The heading line, without its line break.
    pub heading: Range<usize>,
    /// The body: from the line after the heading to the next heading (or
    /// the controls block, or the end), trailing blank lines excluded.
    pub body: Range<usize>,
}

/// The sections of `text`, in order. A heading is a line that is a
/// section's title alone ([`Section::from_heading`]); a title that repeats
/// starts nothing new (the first one counts). The application's controls
/// block closes the last section.
pub fn sections(text: &str) -> Vec<SectionSpan> {
    let mut found: Vec<SectionSpan> = Vec::new();
    let mut offset = 0;
    let mut end_of_last = text.len();
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.trim() == CONTROLS_HEADING {
            end_of_last = start;
            break;
        }
        if let Some(section) = Section::from_heading(bare) {
            if found.iter().any(|s| s.section == section) {
                continue;
            }
            if let Some(previous) = found.last_mut() {
                previous.body.end = start;
            }
            found.push(SectionSpan {
                section,
                heading: start..start + bare.len(),
                body: offset..text.len(),
            });
        }
    }
    if let Some(last) = found.last_mut() {
        last.body.end = end_of_last.max(last.body.start);
    }
    for span in &mut found {
        let body = &text[span.body.clone()];
        span.body.end = span.body.start + body.trim_end().len();
    }
    found
}

/// `text` with the body of `section` replaced by `body`; `None` when the
/// text has no such section. Everything outside that body is kept byte for
/// byte.
pub fn replace_section(text: &str, section: Section, body: &str) -> Option<String> {
    let span = sections(text).into_iter().find(|s| s.section == section)?;
    let mut out = String::with_capacity(text.len() + body.len());
    out.push_str(&text[..span.body.start]);
    out.push_str(body.trim());
    out.push_str(&text[span.body.end..]);
    Some(out)
}

/// A model's rewrite of one section, cleaned: the heading it may have
/// repeated is dropped, and so is anything from a next heading on (it was
/// asked for one section only).
pub fn section_reply(reply: &str, section: Section) -> String {
    let mut lines = reply.trim().lines().peekable();
    if lines
        .peek()
        .is_some_and(|l| Section::from_heading(l) == Some(section))
    {
        lines.next();
    }
    let kept: Vec<&str> = lines
        .take_while(|l| Section::from_heading(l).is_none() && l.trim() != CONTROLS_HEADING)
        .collect();
    kept.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Paciente femenina de 75 años.\n\nMotivo de ingreso y antecedentes\nConsulta por fiebre.\n\nEvolución:\nDía 1: febril.\nDía 2: afebril.\n\nIndicaciones al alta\nReposo.\n\nControles:\n- Control en 7 días\n";

    #[test]
    fn finds_each_section_and_stops_at_the_controls() {
        let found = sections(TEXT);
        let names: Vec<_> = found.iter().map(|s| s.section).collect();
        assert_eq!(
            names,
            [
                Section::MotivoIngreso,
                Section::Evolucion,
                Section::Indicaciones
            ]
        );
        assert_eq!(
            &TEXT[found[1].body.clone()],
            "Día 1: febril.\nDía 2: afebril."
        );
        assert_eq!(&TEXT[found[1].heading.clone()], "Evolución:");
        assert_eq!(&TEXT[found[2].body.clone()], "Reposo.");
    }

    #[test]
    fn replacing_one_section_keeps_every_other_byte() {
        let new = replace_section(TEXT, Section::Evolucion, "Evolución favorable.\n").unwrap();
        assert_eq!(
            new,
            TEXT.replace("Día 1: febril.\nDía 2: afebril.", "Evolución favorable.")
        );
        assert!(replace_section(TEXT, Section::Examenes, "x").is_none());
        // A deterministic draft (no controls block) ends with its last section.
        let draft = "Evolución\nEstable.\n\nCondición al alta\nBuena.\n";
        assert_eq!(
            replace_section(draft, Section::CondicionAlta, "Regular.").unwrap(),
            "Evolución\nEstable.\n\nCondición al alta\nRegular.\n"
        );
    }

    #[test]
    fn a_reply_keeps_only_the_section_asked_for() {
        assert_eq!(
            section_reply(
                "Evolución:\nEstable.\n\nIndicaciones al alta\nReposo.",
                Section::Evolucion
            ),
            "Estable."
        );
        assert_eq!(
            section_reply("  Estable, afebril.  ", Section::Evolucion),
            "Estable, afebril."
        );
    }
}
