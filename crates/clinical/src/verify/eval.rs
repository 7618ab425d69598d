//! Measuring the check: recall per error category, false alarms on
//! faithful texts, and findings per faithful text, over a labelled set.
//!
//! A labelled text is either a faithful text or one with exactly one
//! injected error, with its category and the erroneous span (none for an
//! omission). Sets are written compactly as templates: a faithful text in
//! which each slot `{{categoria|as written|with the error}}` renders as
//! written in the faithful text and yields one more text with that slot's
//! error. An empty error is an omission; an empty original an insertion.
//!
//! ```
//! let cases = clinical::eval::expand("t", "Metformina {{dosis|850 mg|500 mg}} c/12h.")?;
//! assert_eq!(cases.len(), 2);
//! assert_eq!(cases[0].text, "Metformina 850 mg c/12h.");
//! assert_eq!(&cases[1].text[cases[1].span.clone().unwrap()], "500 mg");
//! # Ok::<(), clinical::eval::TemplateError>(())
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Instant;

use serde::Serialize;

use crate::episode::Episode;

use super::{review, FindingKind, Gravedad};

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Its name in the manifest (or the template's name and slot).
    pub id: String,
    /// The text to check.
    pub text: String,
    /// `None` for a faithful text.
    pub category: Option<String>,
    /// The erroneous span; `None` for a faithful text or an omission.
    pub span: Option<Range<usize>>,
    /// The faithful text this one was made from, when known: recall counts
    /// the alta findings that are new against it.
    pub base: Option<String>,
}

/// A template of the labelled set that cannot be expanded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// A `{{` with no `}}` after it.
    #[error("{id}: la marca que empieza en el byte {at} no se cierra con «}}}}»")]
    Unclosed {
        /// The template.
        id: String,
        /// Where the mark starts, in bytes.
        at: usize,
    },
    /// A mark that is not `{{categoria|fiel|con error}}`.
    #[error("{id}: la marca «{slot}» debe ser {{{{categoria|texto fiel|texto con el error}}}}")]
    Malformed {
        /// The template.
        id: String,
        /// The mark as written.
        slot: String,
    },
}

enum Piece<'t> {
    Text(&'t str),
    Slot {
        category: &'t str,
        faithful: &'t str,
        wrong: &'t str,
    },
}

fn parse<'t>(id: &str, template: &'t str) -> Result<Vec<Piece<'t>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        pieces.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(TemplateError::Unclosed {
            id: id.to_string(),
            at: offset + open,
        })?;
        let slot = &after[..close];
        let parts: Vec<&str> = slot.splitn(3, '|').collect();
        let [category, faithful, wrong] = parts[..] else {
            return Err(TemplateError::Malformed {
                id: id.to_string(),
                slot: slot.to_string(),
            });
        };
        pieces.push(Piece::Slot {
            category: category.trim(),
            faithful,
            wrong,
        });
        offset += open + 2 + close + 2;
        rest = &after[close + 2..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// The faithful text of a template and one case per slot.
pub fn expand(id: &str, template: &str) -> Result<Vec<Case>, TemplateError> {
    let pieces = parse(id, template)?;
    let render = |chosen: Option<usize>| -> (String, Option<Range<usize>>) {
        let mut text = String::new();
        let mut span = None;
        let mut slot = 0;
        for piece in &pieces {
            match piece {
                Piece::Text(t) => text.push_str(t),
                Piece::Slot {
                    faithful, wrong, ..
                } => {
                    if chosen == Some(slot) {
                        let start = text.len();
                        text.push_str(wrong);
                        if !wrong.is_empty() {
                            span = Some(start..text.len());
                        }
                    } else {
                        text.push_str(faithful);
                    }
                    slot += 1;
                }
            }
        }
        (text, span)
    };
    let (faithful, _) = render(None);
    let mut cases = vec![Case {
        id: format!("{id}#fiel"),
        text: faithful.clone(),
        category: None,
        span: None,
        base: None,
    }];
    let categories = pieces.iter().filter_map(|p| match p {
        Piece::Slot { category, .. } => Some(*category),
        Piece::Text(_) => None,
    });
    for (slot, category) in categories.enumerate() {
        let (text, span) = render(Some(slot));
        cases.push(Case {
            id: format!("{id}#{}:{category}", slot + 1),
            text,
            category: Some(category.to_string()),
            span,
            base: Some(faithful.clone()),
        });
    }
    Ok(cases)
}

/// One line of a manifest (JSON lines; blank lines and `#` comments
/// skipped). Paths are relative to the manifest. Either `plantilla`, a
/// template, or `texto`, one labelled text: faithful when `categoria` is
/// absent or `fiel`, else with its erroneous span given by `inicio`/`fin`
/// (bytes) or by `fragmento`, its first occurrence in the text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The episode file, relative to the manifest.
    pub episodio: String,
    /// A template file that expands into a faithful text and one text per
    /// error.
    #[serde(default)]
    pub plantilla: Option<String>,
    /// A text file, for one labelled text.
    #[serde(default)]
    pub texto: Option<String>,
    /// The text's name; the file's when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The kind of error it carries; absent or `fiel` for a faithful text.
    #[serde(default)]
    pub categoria: Option<String>,
    /// The erroneous words, found at their first occurrence.
    #[serde(default)]
    pub fragmento: Option<String>,
    /// Start of the erroneous span, in bytes.
    #[serde(default)]
    pub inicio: Option<usize>,
    /// End of the erroneous span, in bytes.
    #[serde(default)]
    pub fin: Option<usize>,
}

/// Why a manifest cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// A line that is not an entry.
    #[error("línea {line}: {message}")]
    Line {
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A template that cannot be expanded.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A `fragmento` that is not in its text.
    #[error("{id}: el fragmento «{fragment}» no está en el texto")]
    FragmentNotFound {
        /// The text's name.
        id: String,
        /// The words looked for.
        fragment: String,
    },
    /// An `inicio`/`fin` outside the text or not on character boundaries.
    #[error("{id}: el intervalo {start}..{end} no cae en el texto")]
    BadSpan {
        /// The text's name.
        id: String,
        /// Start, in bytes.
        start: usize,
        /// End, in bytes.
        end: usize,
    },
}

/// Reads a manifest's lines.
pub fn parse_manifest(text: &str) -> Result<Vec<Entry>, ManifestError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry: Entry = serde_json::from_str(line).map_err(|e| ManifestError::Line {
            line: i + 1,
            message: format!("no es una entrada válida ({e})"),
        })?;
        if entry.plantilla.is_some() == entry.texto.is_some() {
            return Err(ManifestError::Line {
                line: i + 1,
                message: "indique «plantilla» o «texto», uno de los dos".into(),
            });
        }
        out.push(entry);
    }
    Ok(out)
}

/// The cases of one manifest entry, given the file it names (`plantilla`
/// or `texto`) already read.
pub fn entry_cases(entry: &Entry, contents: &str) -> Result<Vec<Case>, ManifestError> {
    let id = entry
        .id
        .clone()
        .or_else(|| entry.plantilla.clone())
        .or_else(|| entry.texto.clone())
        .unwrap_or_default();
    if entry.plantilla.is_some() {
        return Ok(expand(&id, contents)?);
    }
    let category = entry.categoria.clone().filter(|c| c != "fiel");
    let span = match (entry.inicio, entry.fin, &entry.fragmento) {
        (Some(start), Some(end), _) => {
            if start > end || contents.get(start..end).is_none() {
                return Err(ManifestError::BadSpan { id, start, end });
            }
            Some(start..end)
        }
        (_, _, Some(fragment)) => {
            let at = contents.find(fragment.as_str()).ok_or_else(|| {
                ManifestError::FragmentNotFound {
                    id: id.clone(),
                    fragment: fragment.clone(),
                }
            })?;
            Some(at..at + fragment.len())
        }
        _ => None,
    };
    Ok(vec![Case {
        id,
        text: contents.to_string(),
        span: span.filter(|_| category.is_some()),
        category,
        base: None,
    }])
}

/// Recall for one error category.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategoryScore {
    /// The category.
    pub categoria: String,
    /// Texts that carry an error of it.
    pub textos: usize,
    /// Texts where the check raised an alta finding the faithful text
    /// does not have.
    pub detectados: usize,
    /// Texts where an alta finding overlaps the erroneous span (for an
    /// omission: an alta omission finding).
    pub en_el_fragmento: usize,
}

/// An error the check did not catch on its span.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// The text.
    pub id: String,
    /// Its category.
    pub categoria: String,
    /// The erroneous words.
    pub fragmento: Option<String>,
}

/// A finding on a faithful text.
#[derive(Debug, Clone, Serialize)]
pub struct Alarm {
    /// The text.
    pub id: String,
    /// How much the finding said it matters.
    pub gravedad: Gravedad,
    /// The words it pointed at.
    pub fragmento: Option<String>,
    /// What it said.
    pub mensaje: String,
}

/// What a labelled set says of the check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    /// Recall per category.
    pub categorias: Vec<CategoryScore>,
    /// Faithful texts checked.
    pub textos_fieles: usize,
    /// Faithful texts with at least one alta finding.
    pub falsas_alarmas: usize,
    /// *Media* findings per faithful text.
    pub media_por_texto_fiel: f64,
    /// *Baja* findings per faithful text.
    pub baja_por_texto_fiel: f64,
    /// Time to check one text.
    pub microsegundos_por_texto: f64,
    /// Every error not caught on its span.
    pub no_detectados: Vec<Miss>,
    /// Every finding on a faithful text.
    pub alarmas: Vec<Alarm>,
}

impl Score {
    /// Recall over every category.
    pub fn total(&self) -> CategoryScore {
        let mut t = CategoryScore {
            categoria: "total".into(),
            ..CategoryScore::default()
        };
        for c in &self.categorias {
            t.textos += c.textos;
            t.detectados += c.detectados;
            t.en_el_fragmento += c.en_el_fragmento;
        }
        t
    }

    /// The share of faithful texts with an *alta* finding.
    pub fn false_alarm_rate(&self) -> f64 {
        self.falsas_alarmas as f64 / self.textos_fieles.max(1) as f64
    }
}

fn is_omission(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::DiagnosticoOmitido | FindingKind::MedicamentoOmitido
    )
}

/// Runs the check over every case and scores it.
pub fn score(cases: &[(&Episode, Case)]) -> Score {
    let mut by_category: BTreeMap<String, CategoryScore> = BTreeMap::new();
    let mut out = Score::default();
    let (mut media, mut baja) = (0usize, 0usize);
    let started = Instant::now();
    for (episode, case) in cases {
        let found = review(episode, &case.text).findings;
        let alta: Vec<_> = found
            .iter()
            .filter(|f| f.severity == Gravedad::Alta)
            .collect();
        match &case.category {
            None => {
                out.textos_fieles += 1;
                if !alta.is_empty() {
                    out.falsas_alarmas += 1;
                }
                media += found
                    .iter()
                    .filter(|f| f.severity == Gravedad::Media)
                    .count();
                baja += found
                    .iter()
                    .filter(|f| f.severity == Gravedad::Baja)
                    .count();
                for f in found.iter().filter(|f| f.severity != Gravedad::Baja) {
                    out.alarmas.push(Alarm {
                        id: case.id.clone(),
                        gravedad: f.severity,
                        fragmento: f.span.clone().map(|s| case.text[s].to_string()),
                        mensaje: f.message.clone(),
                    });
                }
            }
            Some(category) => {
                let base: Vec<(FindingKind, String)> = case
                    .base
                    .as_ref()
                    .map(|b| {
                        review(episode, b)
                            .findings
                            .into_iter()
                            .filter(|f| f.severity == Gravedad::Alta)
                            .map(|f| (f.kind, f.message))
                            .collect()
                    })
                    .unwrap_or_default();
                let new = alta
                    .iter()
                    .any(|f| !base.contains(&(f.kind, f.message.clone())));
                // An omission has no place in the text: its finding is the
                // omission itself, whatever span the label gives.
                let omission = case.span.is_none() || category.starts_with("omision");
                let on_span = alta.iter().any(|f| match (&case.span, &f.span) {
                    _ if omission => f.span.is_none() && is_omission(f.kind),
                    (Some(s), Some(g)) => g.start < s.end && s.start < g.end,
                    _ => false,
                });
                let entry = by_category
                    .entry(category.clone())
                    .or_insert_with(|| CategoryScore {
                        categoria: category.clone(),
                        ..CategoryScore::default()
                    });
                entry.textos += 1;
                entry.detectados += usize::from(new || on_span);
                entry.en_el_fragmento += usize::from(on_span);
                if !on_span {
                    out.no_detectados.push(Miss {
                        id: case.id.clone(),
                        categoria: category.clone(),
                        fragmento: case.span.clone().map(|s| case.text[s].to_string()),
                    });
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // Each injected case reviews its base again: count those runs too.
    let runs = cases.len() + cases.iter().filter(|(_, c)| c.base.is_some()).count();
    out.microsegundos_por_texto = elapsed * 1e6 / runs.max(1) as f64;
    out.categorias = by_category.into_values().collect();
    let faithful = out.textos_fieles.max(1) as f64;
    out.media_por_texto_fiel = media as f64 / faithful;
    out.baja_por_texto_fiel = baja as f64 / faithful;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_to_a_faithful_text_and_one_error_each() {
        let cases = expand(
            "x",
            "A {{dosis|1 g|2 g}} B{{omision|, C|}} D {{invencion||y E}}.",
        )
        .unwrap();
        assert_eq!(cases[0].text, "A 1 g B, C D .");
        assert_eq!(cases[1].text, "A 2 g B, C D .");
        assert_eq!(cases[2].text, "A 1 g B D .");
        assert_eq!(cases[2].span, None);
        assert_eq!(&cases[3].text[cases[3].span.clone().unwrap()], "y E");
        assert_eq!(cases[3].category.as_deref(), Some("invencion"));
        assert!(matches!(
            expand("y", "A {{dosis|1"),
            Err(TemplateError::Unclosed { .. })
        ));
        assert!(matches!(
            expand("y", "A {{dosis}}"),
            Err(TemplateError::Malformed { .. })
        ));
    }
}
