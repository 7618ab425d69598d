//! Drug claims: every drug the text names (by generic, brand, ward
//! abbreviation or INN stem), with the dose, route, frequency and duration
//! written after it, aligned with the episode's treatments and discharge
//! prescription; and the discharge drugs the discharge part leaves out.

use std::ops::Range;

use super::attributes::{self, Dose, Duration, Frequency};
use super::doc::Part;
use super::facts::family;
use super::lexicon::{lexicon, Form, PhraseSet};
use super::{Ctx, FindingKind, Gravedad, Report};

struct Mention {
    first: usize,
    last: usize,
    canon: String,
}

fn mentions(ctx: &Ctx<'_>) -> Vec<Mention> {
    let lex = lexicon();
    // The episode's own drug names, for drugs neither list nor stem knows.
    let mut own: PhraseSet<String> = PhraseSet::default();
    for entry in &ctx.facts.drugs {
        for key in &entry.canon {
            if let Some(form) = Form::new(key) {
                own.insert(form, key.clone());
            }
        }
    }
    let doc = &ctx.doc;
    let mut out = Vec::new();
    let mut i = 0;
    while i < doc.words.len() {
        let hit = match (lex.drugs.at(doc, i), own.at(doc, i)) {
            (Some(a), Some(b)) => Some(if b.last > a.last { b } else { a }),
            (a, b) => a.or(b),
        };
        if let Some(hit) = hit {
            out.push(Mention {
                first: hit.first,
                last: hit.last,
                canon: hit.value.clone(),
            });
            i = hit.last + 1;
        } else {
            if lex.stem_drug(doc.word(i)) {
                out.push(Mention {
                    first: i,
                    last: i,
                    canon: doc.word(i).to_string(),
                });
            }
            i += 1;
        }
    }
    out
}

fn matches_entry(canon: &str, keys: &[String]) -> bool {
    keys.iter().any(|k| family(canon, k) || family(k, canon))
}

struct Stated {
    dose: Option<(Range<usize>, Dose)>,
    route: Option<(Range<usize>, String)>,
    frequency: Option<(Range<usize>, Frequency)>,
    duration: Option<(Range<usize>, Duration)>,
    end: usize,
}

/// The prescription written after a mention, up to the next drug, the end
/// of the sentence, or the first word that is not part of a prescription.
fn stated(ctx: &Ctx<'_>, m: &Mention, next: Option<&Mention>) -> Stated {
    let doc = &ctx.doc;
    let sentence = doc.words[m.last].sentence;
    let start = doc.words[m.last].end;
    let mut end = start;
    let mut k = m.last + 1;
    while k < doc.words.len() && doc.words[k].sentence == sentence {
        if next.is_some_and(|n| k >= n.first) {
            break;
        }
        let between = &doc.folded[doc.words[k - 1].end..doc.words[k].start];
        if between.contains(['(', ')']) && !attributes::attribute_word(doc.word(k)) {
            break;
        }
        if !attributes::attribute_word(doc.word(k)) {
            break;
        }
        if !matches!(
            doc.word(k),
            "y" | "e"
                | "o"
                | "de"
                | "con"
                | "al"
                | "en"
                | "la"
                | "el"
                | "por"
                | "hasta"
                | "del"
                | "desde"
        ) {
            end = doc.words[k].end;
        }
        k += 1;
    }
    // A trailing "y" / "de" / "con" belongs to what follows.
    let slice = &doc.folded[start..end];
    let offset = |r: Range<usize>| start + r.start..start + r.end;
    Stated {
        dose: attributes::find_dose(slice).map(|(r, d)| (offset(r), d)),
        route: attributes::find_route(slice).map(|(r, v)| (offset(r), v)),
        frequency: attributes::find_frequency(slice).map(|(r, v)| (offset(r), v)),
        duration: attributes::find_duration(slice).map(|(r, v)| (offset(r), v)),
        end,
    }
}

struct Conflict {
    at: Range<usize>,
    what: &'static str,
    said: String,
    expected: String,
}

fn conflicts(
    ctx: &Ctx<'_>,
    s: &Stated,
    entry: &super::facts::DrugEntry,
    raw: &Raw,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    let said = |r: &Range<usize>| ctx.doc.original(r.clone()).to_string();
    if let (Some((r, d)), Some(e)) = (&s.dose, &entry.dose) {
        if d.agrees(e) == Some(false) {
            out.push(Conflict {
                at: r.clone(),
                what: "la dosis",
                said: said(r),
                expected: raw.dose.clone().unwrap_or_else(|| e.text.clone()),
            });
        }
    }
    if let (Some((r, v)), Some(e)) = (&s.route, &entry.route) {
        if v != e {
            out.push(Conflict {
                at: r.clone(),
                what: "la vía",
                said: said(r),
                expected: e.clone(),
            });
        }
    }
    if let (Some((r, v)), Some(e)) = (&s.frequency, &entry.frequency) {
        if v.agrees(*e) == Some(false) {
            out.push(Conflict {
                at: r.clone(),
                what: "la frecuencia",
                said: said(r),
                expected: raw.frequency.clone().unwrap_or_default(),
            });
        }
    }
    if let (Some((r, v)), Some(e)) = (&s.duration, &entry.duration) {
        // A stay's treatment counted from its dates: one day either way is
        // how wards count ("del 2 al 6" is 4 or 5 days).
        let agrees = if entry.discharge {
            v.agrees(*e)
        } else {
            match (v, e) {
                (Duration::Days(a), Duration::Days(b)) => (a - b).abs() <= 1.0,
                _ => true,
            }
        };
        if !agrees {
            out.push(Conflict {
                at: r.clone(),
                what: "la duración",
                said: said(r),
                expected: raw.duration.clone().unwrap_or_else(|| match e {
                    Duration::Days(d) => format!("{} días", crate::text::number(*d)),
                    Duration::Permanent => "permanente".into(),
                }),
            });
        }
    }
    out
}

/// The entry's fields as the episode writes them, for messages.
#[derive(Default)]
struct Raw {
    dose: Option<String>,
    frequency: Option<String>,
    duration: Option<String>,
}

fn raw(ctx: &Ctx<'_>, index: usize) -> Raw {
    let entry = &ctx.facts.drugs[index];
    let n = ctx.episode.tratamientos_intrahosp.len();
    if entry.discharge {
        ctx.episode
            .indicaciones_alta
            .medicamentos
            .get(index - n)
            .map(|m| Raw {
                dose: m.dosis.clone(),
                frequency: m.frecuencia.clone(),
                duration: m.duracion.clone(),
            })
            .unwrap_or_default()
    } else {
        ctx.episode
            .tratamientos_intrahosp
            .get(index)
            .map(|t| Raw {
                dose: t.dosis.clone(),
                frequency: t.frecuencia.clone(),
                duration: None,
            })
            .unwrap_or_default()
    }
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let found = mentions(ctx);
    let mut present = vec![false; ctx.facts.drugs.len()];
    let allergies: Vec<String> = ctx
        .episode
        .antecedentes
        .alergias_conocidas()
        .unwrap_or_default()
        .into_iter()
        .map(str::to_string)
        .collect();
    for (index, m) in found.iter().enumerate() {
        let doc = &ctx.doc;
        let range = doc.words[m.first].start..doc.words[m.last].end;
        let name = doc.original(range.clone()).to_string();
        if ctx
            .allergy_spans
            .iter()
            .any(|a| a.start <= range.start && range.end <= a.end)
        {
            continue;
        }
        let negated = doc.is_negated(m.first, m.last);
        let hedged = doc.is_hedged(m.first, m.last);
        let part = doc.part_at(range.start);
        let entries: Vec<usize> = (0..ctx.facts.drugs.len())
            .filter(|&e| matches_entry(&m.canon, &ctx.facts.drugs[e].canon))
            .collect();
        ctx.drug_mentions.push((range.clone(), entries.clone()));
        if negated {
            continue;
        }
        // "Egresa con diagnóstico de … y se indica …": the sentence that
        // gives the discharge diagnoses is also the end of the stay.
        let discharge_part = matches!(part, Part::Discharge | Part::DischargeDiagnoses)
            || !ctx.doc.has_discharge_part;
        // A bare family word ("insulina") names a discharge drug only when
        // it is the one member of the family going home.
        let members = entries
            .iter()
            .filter(|&&e| ctx.facts.drugs[e].discharge)
            .count();
        let specific = |e: usize| ctx.facts.drugs[e].canon.contains(&m.canon);
        for &e in &entries {
            if ctx.facts.drugs[e].discharge && discharge_part && (members == 1 || specific(e)) {
                present[e] = true;
            }
        }

        // The patient's allergies first: they outrank everything else.
        if let Some(label) = allergy_conflict(
            &m.canon,
            &allergies,
            !entries.is_empty() || ctx.facts.names_drug(&m.canon).is_some(),
        ) {
            ctx.report(Report {
                kind: FindingKind::AlergiaPrescrita,
                severity: Gravedad::Alta,
                at: Some(range.clone()),
                message: format!(
                    "{name} figura como indicado, pero el paciente es alérgico ({label})"
                ),
                path: Some("antecedentes.alergias"),
                expected: Some(&label),
            });
            continue;
        }

        if entries.is_empty() {
            match ctx.facts.names_drug(&m.canon).map(str::to_string) {
                Some(path) => ctx.confirm(range, &path, "el episodio lo menciona"),
                None => ctx.report(Report {
                    kind: FindingKind::FarmacoNoConsignado,
                    severity: if hedged {
                        Gravedad::Media
                    } else {
                        Gravedad::Alta
                    },
                    at: Some(range),
                    message: format!("el fármaco «{name}» no figura en el episodio"),
                    path: None,
                    expected: None,
                }),
            }
            continue;
        }

        let s = stated(ctx, m, found.get(index + 1));
        ctx.claim(range.start..s.end.max(range.end));
        // The discharge part is held to the discharge prescription and the
        // course to the stay's treatment, where the episode has both; a
        // sentence that tells a switch ("se pasa a vía oral") may name the
        // discharge prescription from the course.
        let wanted: Vec<usize> = entries
            .iter()
            .copied()
            .filter(|&e| match part {
                Part::Discharge => ctx.facts.drugs[e].discharge,
                Part::Course => !ctx.facts.drugs[e].discharge,
                _ => true,
            })
            .collect();
        let in_scope = if wanted.is_empty() {
            entries.clone()
        } else {
            wanted
        };
        let best_of = |candidates: &[usize]| {
            let mut best: Option<(usize, Vec<Conflict>)> = None;
            for &e in candidates {
                let c = conflicts(ctx, &s, &ctx.facts.drugs[e], &raw(ctx, e));
                if best.as_ref().is_none_or(|(_, b)| c.len() < b.len()) {
                    best = Some((e, c));
                }
            }
            best
        };
        let mut best = best_of(&in_scope);
        let switch = {
            let sentence = &ctx.doc.sentences[ctx.doc.words[m.first].sentence];
            let text = &ctx.doc.folded[sentence.clone()];
            [
                "se rota",
                "se pasa",
                "se cambia",
                "pasa a",
                "rotandose",
                "se traslapa",
                "se deja con",
            ]
            .iter()
            .any(|cue| text.contains(cue))
        };
        if part != Part::Discharge
            && (switch || part == Part::Other)
            && best.as_ref().is_some_and(|(_, c)| !c.is_empty())
        {
            if let Some(any) = best_of(&entries).filter(|(_, c)| c.is_empty()) {
                best = Some(any);
            }
        }
        let Some((e, conflicts)) = best else { continue };
        let entry_path = ctx.facts.drugs[e].path.clone();
        let label = ctx.facts.drugs[e].label.clone();
        match conflicts.first() {
            None => ctx.confirm(range.start..s.end.max(range.end), &entry_path, &label),
            Some(c) => {
                let message = format!(
                    "{} de {name} ({}) no coincide con el episodio ({}): {label}",
                    c.what, c.said, c.expected
                );
                let at = c.at.clone();
                ctx.report(Report {
                    kind: FindingKind::IndicacionContradicha,
                    severity: Gravedad::Alta,
                    at: Some(at),
                    message,
                    path: Some(&entry_path),
                    expected: Some(&label),
                });
            }
        }
    }

    // Discharge drugs the discharge part does not name (nor code).
    // Codes count where names do: in the discharge part when there is one.
    let upper: String = (0..ctx.doc.sentences.len())
        .filter(|&s| !ctx.doc.has_discharge_part || ctx.doc.parts[s] == Part::Discharge)
        .map(|s| {
            ctx.doc
                .original(ctx.doc.sentences[s].clone())
                .to_uppercase()
        })
        .collect();
    for (e, found) in present.iter().enumerate() {
        let entry = &ctx.facts.drugs[e];
        if !entry.discharge || *found {
            continue;
        }
        let n = ctx.episode.tratamientos_intrahosp.len();
        let Some(m) = ctx.episode.indicaciones_alta.medicamentos.get(e - n) else {
            continue;
        };
        let coded = m
            .codigo
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty() && upper.contains(&c.trim().to_uppercase()));
        if coded {
            continue;
        }
        let path = entry.path.clone();
        let label = crate::items::discharge_drug(m);
        ctx.report(Report {
            kind: FindingKind::MedicamentoOmitido,
            severity: Gravedad::Alta,
            at: None,
            message: if ctx.doc.has_discharge_part {
                format!("falta el medicamento de alta {label} en las indicaciones al alta")
            } else {
                format!("falta el medicamento de alta {label}")
            },
            path: Some(&path),
            expected: Some(&label),
        });
    }
}

/// The allergy a drug named as given runs into: its own class always; a
/// cross-reacting class only when the episode does not record the drug.
fn allergy_conflict(canon: &str, allergies: &[String], in_episode: bool) -> Option<String> {
    let lex = lexicon();
    for allergy in allergies {
        let folded = super::lexicon::canon(allergy);
        if !folded.is_empty() && (family(&folded, canon) || family(canon, &folded)) {
            return Some(allergy.clone());
        }
        for class in &lex.allergies {
            let triggered = class.triggers.iter().any(|t| match t {
                super::lexicon::DrugPattern::Name(n) => folded
                    .split(' ')
                    .collect::<Vec<_>>()
                    .windows(n.split(' ').count())
                    .any(|w| w.join(" ") == *n),
                other => other.covers(&folded),
            });
            if !triggered {
                continue;
            }
            if class.same.iter().any(|p| p.covers(canon)) {
                return Some(allergy.clone());
            }
            if !in_episode && class.cross.iter().any(|p| p.covers(canon)) {
                return Some(format!("{allergy}, con reacción cruzada"));
            }
        }
    }
    None
}
