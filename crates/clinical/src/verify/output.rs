//! Broken model output: template tokens left in, Markdown, and loops.

use std::ops::Range;

use super::{Finding, FindingKind, Gravedad};
use crate::text::fold;

pub(crate) fn degenerate(text: &str, findings: &mut Vec<Finding>) {
    // Whole `<|...|>` tokens first, then stray pieces of other markers.
    let mut covered: Vec<Range<usize>> = Vec::new();
    for (at, _) in text.match_indices("<|") {
        let window = &text[at..text.len().min(at + 40)];
        if let Some(close) = window.find("|>") {
            covered.push(at..at + close + 2);
        }
    }
    for marker in crate::defuse::TEMPLATE_MARKERS {
        for (at, m) in text.match_indices(marker) {
            if !covered.iter().any(|r| r.contains(&at)) {
                covered.push(at..at + m.len());
            }
        }
    }
    covered.sort_by_key(|r| r.start);
    for range in covered {
        findings.push(Finding {
            path: None,
            expected: None,
            kind: FindingKind::SalidaDegenerada,
            severity: Gravedad::Alta,
            message: format!(
                "quedó una marca de plantilla del modelo ({}) en el texto",
                &text[range.clone()]
            ),
            span: Some(range),
        });
    }
    for marker in ["**", "__", "```"] {
        if let Some(at) = text.find(marker) {
            findings.push(Finding {
                path: None,
                expected: None,
                kind: FindingKind::SalidaDegenerada,
                severity: Gravedad::Baja,
                span: Some(at..at + marker.len()),
                message: "el texto tiene formato Markdown; la epicrisis debe ser texto corrido"
                    .into(),
            });
        }
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("|--") || trimmed.starts_with("| --") {
            let at = offset + (line.len() - trimmed.len());
            findings.push(Finding {
                path: None,
                expected: None,
                kind: FindingKind::SalidaDegenerada,
                severity: Gravedad::Baja,
                span: Some(at..at + trimmed.trim_end().len()),
                message:
                    "el texto tiene títulos o tablas Markdown; la epicrisis debe ser texto corrido"
                        .into(),
            });
        }
        offset += line.len();
    }
    repetition(text, findings);
}

/// A phrase of one to eight words repeated back to back: four times for a
/// single word, three times for longer phrases. The classic failure of a
/// small model at low temperature.
fn repetition(text: &str, findings: &mut Vec<Finding>) {
    let words: Vec<(usize, usize, String)> = {
        let mut v = Vec::new();
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    v.push((s, i, fold(&text[s..i])));
                    start = None;
                }
                _ => {}
            }
        }
        v
    };
    let mut i = 0;
    while i < words.len() {
        let mut reported = false;
        for n in 1..=8usize {
            let needed = if n == 1 { 4 } else { 3 };
            if i + n * needed > words.len() {
                break;
            }
            let phrase: Vec<&str> = words[i..i + n].iter().map(|w| w.2.as_str()).collect();
            let mut reps = 1;
            while i + n * (reps + 1) <= words.len()
                && words[i + n * reps..i + n * (reps + 1)]
                    .iter()
                    .map(|w| w.2.as_str())
                    .eq(phrase.iter().copied())
            {
                reps += 1;
            }
            if reps >= needed {
                let end = words[i + n * reps - 1].1;
                findings.push(Finding {
                    path: None,
                    expected: None,
                    kind: FindingKind::SalidaDegenerada,
                    severity: Gravedad::Alta,
                    span: Some(words[i].0..end),
                    message: format!(
                        "«{}» se repite {reps} veces seguidas: el modelo entró en un ciclo",
                        &text[words[i].0..words[i + n - 1].1]
                    ),
                });
                i += n * reps;
                reported = true;
                break;
            }
        }
        if !reported {
            i += 1;
        }
    }
}
