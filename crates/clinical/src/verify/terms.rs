//! Diagnosis, event and code claims: a concept the text affirms (by name,
//! synonym or abbreviation: HTA, FA, VMNI, TEP) that the episode never
//! affirms, a code the episode does not hold, and the discharge diagnoses
//! the discharge part leaves out.

use std::collections::HashMap;

use crate::text::fold;
use crate::validate::{is_atc, is_cie10};

use super::doc::{Doc, Part};
use super::lexicon::{lexicon, tokenize, TermKind};
use super::{Ctx, FindingKind, Gravedad, Report};

/// Codes in the text: CIE-10 with a dot or in parentheses, ATC of seven.
pub(crate) fn codes(ctx: &mut Ctx<'_>) {
    let folded = ctx.doc.folded.clone();
    let mut start = None;
    for (i, c) in folded
        .char_indices()
        .chain(std::iter::once((folded.len(), ' ')))
    {
        let part = c.is_alphanumeric() || c == '.';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                let raw = folded[s..i].trim_end_matches('.');
                let word = raw.to_uppercase();
                let in_parens = s > 0 && folded[..s].ends_with('(');
                let code_like = is_atc(&word) && word.len() == 7
                    || is_cie10(&word) && (word.contains('.') || in_parens);
                if !code_like {
                    continue;
                }
                let at = s..s + raw.len();
                ctx.claim(at.clone());
                let known = ctx
                    .facts
                    .codes
                    .iter()
                    .find(|(c, _)| *c == word)
                    .map(|(_, p)| p.clone());
                match known {
                    Some(path) => ctx.confirm(at, &path, &word),
                    None => {
                        let shown = ctx.doc.original(at.clone()).to_string();
                        ctx.report(Report {
                            kind: FindingKind::CodigoNoConsignado,
                            severity: Gravedad::Alta,
                            at: Some(at),
                            message: format!("el código {shown} no figura en el episodio"),
                            path: None,
                            expected: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// Where the episode affirms each concept of the lexicon: by a form in a
/// field (not negated there: "sin perforación" does not record one), or by
/// a code with the concept's prefix.
fn episode_concepts(ctx: &Ctx<'_>) -> HashMap<usize, String> {
    let lex = lexicon();
    let mut out = HashMap::new();
    for (field, doc) in ctx.fields.iter().zip(ctx.field_docs) {
        for hit in lex.term_phrases.scan(doc) {
            if !doc.is_phrase_negated(hit.first, hit.last) {
                out.entry(*hit.value).or_insert_with(|| field.path.clone());
            }
        }
    }
    for (i, term) in lex.terms.iter().enumerate() {
        if term.codes.is_empty() || out.contains_key(&i) {
            continue;
        }
        if let Some((_, path)) = ctx
            .facts
            .codes
            .iter()
            .find(|(code, _)| term.codes.iter().any(|p| code.starts_with(p.as_str())))
        {
            out.insert(i, path.clone());
        }
    }
    out
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let lex = lexicon();
    let known = episode_concepts(ctx);
    let hits: Vec<(usize, usize, usize)> = lex
        .term_phrases
        .scan(&ctx.doc)
        .into_iter()
        .map(|h| (h.first, h.last, *h.value))
        .collect();
    for (first, last, term) in hits {
        let doc = &ctx.doc;
        let at = doc.words[first].start..doc.words[last].end;
        if ctx
            .lab_spans
            .iter()
            .any(|l| l.start < at.end && at.start < l.end)
            || ctx
                .allergy_spans
                .iter()
                .any(|l| l.start < at.end && at.start < l.end)
            || ctx
                .drug_mentions
                .iter()
                .any(|(r, e)| !e.is_empty() && r.start < at.end && at.start < r.end)
        {
            continue;
        }
        if doc.is_phrase_negated(first, last) || doc.is_conditional(first, last) {
            continue;
        }
        let hedged = doc.is_hedged(first, last);
        let t = &lex.terms[term];
        if let Some(path) = known.get(&term) {
            let path = path.clone();
            ctx.confirm(at, &path, &t.name);
            continue;
        }
        let said = doc.original(at.clone()).to_string();
        report_unrecorded(ctx, t.kind, at, &said, hedged);
    }
    asserted_outside_lexicon(ctx);
    negation_flips(ctx);
    omitted_diagnoses(ctx);
}

/// A finding the episode only ever rules out ("sin hidronefrosis"), which
/// the text affirms ("con hidronefrosis").
fn negation_flips(ctx: &mut Ctx<'_>) {
    let lex = lexicon();
    let mut denied: HashMap<String, (String, String)> = HashMap::new();
    let mut affirmed: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (field, doc) in ctx.fields.iter().zip(ctx.field_docs) {
        for k in 0..doc.words.len() {
            let w = doc.word(k);
            if w.chars().count() < 6
                || BENIGN.contains(&w)
                || w.starts_with("alergi")
                || !w.chars().all(char::is_alphabetic)
            {
                continue;
            }
            if doc.negated_before[k] {
                denied
                    .entry(w.to_string())
                    .or_insert_with(|| (field.path.clone(), field.text.clone()));
            } else {
                affirmed.insert(w.to_string());
            }
        }
    }
    // "trombos" denied, "un trombo" affirmed: compare without the plural.
    let stem = |w: &str| {
        w.strip_suffix("es")
            .or_else(|| w.strip_suffix('s'))
            .unwrap_or(w)
            .to_string()
    };
    let affirmed: std::collections::HashSet<String> = affirmed.iter().map(|w| stem(w)).collect();
    let denied: HashMap<String, (String, String)> = denied
        .into_iter()
        .filter(|(w, _)| {
            !affirmed.contains(&stem(w)) && !lex.stem_drug(w) && !BENIGN.contains(&stem(w).as_str())
        })
        .map(|(w, v)| (stem(&w), v))
        .collect();
    if denied.is_empty() {
        return;
    }
    for k in 0..ctx.doc.words.len() {
        let w = stem(ctx.doc.word(k));
        let Some((path, text)) = denied.get(&w).cloned() else {
            continue;
        };
        if ctx.doc.negated[k] || ctx.doc.is_hedged(k, k) || ctx.doc.is_conditional(k, k) {
            continue;
        }
        let at = ctx.doc.words[k].start..ctx.doc.words[k].end;
        let inside = |r: &std::ops::Range<usize>| r.start <= at.start && at.end <= r.end;
        if ctx.allergy_spans.iter().any(inside)
            || ctx.lab_spans.iter().any(inside)
            || ctx.drug_mentions.iter().any(|(r, _)| inside(r))
        {
            continue;
        }
        let doc_span = ctx.doc.span(at.clone());
        if ctx.review.findings.iter().any(|f| {
            f.span
                .as_ref()
                .is_some_and(|s| s.start < doc_span.end && doc_span.start < s.end)
        }) {
            continue;
        }
        let said = ctx.doc.original(at.clone()).to_string();
        ctx.report(Report {
            kind: FindingKind::ComplicacionNoConsignada,
            severity: Gravedad::Alta,
            at: Some(at),
            message: format!("«{said}»: el episodio lo descarta («{text}»)"),
            path: Some(&path),
            expected: Some(&text),
        });
    }
}

/// Words that say how the stay went rather than what happened.
const BENIGN: &[&str] = &[
    "buena",
    "buen",
    "bueno",
    "favorable",
    "favorablemente",
    "adecuada",
    "adecuado",
    "estable",
    "estables",
    "afebril",
    "mejoria",
    "evolucion",
    "respuesta",
    "tolerancia",
    "clinica",
    "clinico",
    "satisfactoria",
    "satisfactorio",
    "lenta",
    "progresiva",
    "progresivo",
    "paulatina",
    "disminucion",
    "descenso",
    "normalizacion",
    "recuperacion",
    "asintomatico",
    "asintomatica",
    "bien",
    "hemodinamicamente",
    "leve",
    "regular",
    "parametros",
    "tendencia",
    "signos",
    "sintomas",
    "ademas",
    "nuevo",
    "nueva",
    "episodio",
    "cuadro",
    "mejor",
    "menor",
    "mayor",
    "importante",
    "significativa",
    "significativo",
    "alguna",
    "ninguna",
    "otra",
    "otro",
    "posterior",
    "inicial",
    "control",
    "controlada",
    "controlado",
    "compensado",
    "compensada",
    "resolucion",
    "remision",
    "tratamiento",
    "manejo",
    "dias",
    "horas",
    "durante",
    "desde",
    "hasta",
    "segundo",
    "tercer",
    "tercero",
    "cuarto",
    "quinto",
    "primer",
    "primero",
    "hospitalizacion",
    "estadia",
    "paciente",
    "esta",
    "este",
    "dicho",
    "dicha",
    "diagnostico",
    "diagnosticos",
    "aguda",
    "agudo",
    "cronica",
    "cronico",
    "conocida",
    "conocido",
    "reciente",
    "comienzo",
    "sospecha",
    "probable",
    "posible",
    "educacion",
    "aseo",
    "curacion",
    "curaciones",
    "controles",
    "seguimiento",
    "examen",
    "examenes",
    "fisico",
    "evaluacion",
    "ajuste",
    "cambio",
    "muestra",
    "muestras",
];

/// "Se diagnostica además X", "se complica con X": a diagnosis or an event
/// asserted in words no lexicon lists. It is reported when none of its
/// content words appears anywhere in the episode.
fn asserted_outside_lexicon(ctx: &mut Ctx<'_>) {
    use std::sync::OnceLock;
    static CUES: OnceLock<[regex::Regex; 3]> = OnceLock::new();
    let [dx_cue, event_cue, procedure_cue] = CUES.get_or_init(|| {
        [
            super::attributes::compile(
                r"(?:\bse\s+(?:le\s+)?(?:diagnostica|diagnostico|diagnosticaron|pesquisa|pesquiso|constata|constato|detecta|detecto|agrega el diagnostico de|agrego el diagnostico de)|\bdiagnosticandose|\bse agrega el diagnostico de|\bse agrego el diagnostico de)\s+(?:ademas\s+)?(?:de\s+)?(?:un|una|el|la|los|las)?\s*",
            ),
            super::attributes::compile(
                r"(?:\bse\s+complic[oa]|\bcomplicad[oa]|\bcomplicandose|\bpresenta(?:ndo)?\s+(?:un|una)\s+(?:episodio|cuadro)\s+de|\bpresento\s+(?:un|una)\s+(?:episodio|cuadro)\s+de|\bdesarrolla|\bdesarrollo|\bcursa|\bcurso)\s+(?:con\s+)?(?:ademas\s+)?(?:un|una|el|la)?\s*",
            ),
            super::attributes::compile(
                r"(?:\bse\s+(?:le\s+)?(?:realiza|realizo|realizaron|practica|practico|efectua|efectuo|toma|tomo))\s+(?:ademas\s+)?(?:un|una|el|la|los|las)?\s*",
            ),
        ]
    });
    let corpus: std::collections::HashSet<String> = {
        let json = serde_json::to_string(ctx.episode).unwrap_or_default();
        tokenize(&fold(&json)).into_iter().collect()
    };
    let in_corpus = |w: &str| {
        corpus.contains(w)
            || w.chars().count() >= 7
                && corpus
                    .iter()
                    .any(|c| c.len() >= 6 && c.get(..6) == w.get(..6))
    };
    let folded = ctx.doc.folded.clone();
    for (re, kind) in [
        (dx_cue, TermKind::Diagnosis),
        (event_cue, TermKind::Event),
        (procedure_cue, TermKind::Procedure),
    ] {
        for m in re.find_iter(&folded) {
            let start = m.end();
            let rest = &folded[start..];
            let stop = rest
                .find(['.', ',', ';', ':', '(', ')', '\n'])
                .unwrap_or(rest.len());
            let mut phrase = &rest[..stop];
            for cut in [
                " que ", " y ", " por ", " con ", " sin ", " en ", " a ", " al ", " del ",
                " de la ",
            ] {
                if let Some(at) = phrase.find(cut) {
                    phrase = &phrase[..at];
                }
            }
            let words: Vec<String> = tokenize(phrase).into_iter().take(5).collect();
            let content: Vec<&String> = words
                .iter()
                .filter(|w| {
                    w.chars().count() >= 4
                        && !BENIGN.contains(&w.as_str())
                        && !STOP.contains(&w.as_str())
                })
                .collect();
            if content.is_empty() || !content.iter().any(|w| w.chars().count() >= 5) {
                continue;
            }
            let end = start + phrase.trim_end().len();
            let at = start..end;
            let k = ctx.doc.word_at(start);
            if k >= ctx.doc.words.len() || ctx.doc.is_negated(k, k) || ctx.doc.is_conditional(k, k)
            {
                continue;
            }
            // Already read as a term, a drug or a lab.
            let overlaps = |r: &std::ops::Range<usize>| r.start < at.end && at.start < r.end;
            if ctx.lab_spans.iter().any(overlaps)
                || ctx.drug_mentions.iter().any(|(r, _)| overlaps(r))
                || ctx.review.findings.iter().any(|f| {
                    f.span.as_ref().is_some_and(|s| {
                        let doc_span = ctx.doc.span(at.clone());
                        s.start < doc_span.end && doc_span.start < s.end
                    })
                })
                || ctx.review.confirmed.iter().any(|c| {
                    let doc_span = ctx.doc.span(at.clone());
                    c.span.start < doc_span.end && doc_span.start < c.span.end
                })
            {
                continue;
            }
            if content.iter().any(|w| in_corpus(w)) {
                continue;
            }
            let said = ctx.doc.original(at.clone()).to_string();
            let hedged = ctx.doc.is_hedged(k, k);
            report_unrecorded(ctx, kind, at, &said, hedged);
        }
    }
}

/// A concept the text affirms and the episode never records: alta, or
/// media when the text only suspects it.
fn report_unrecorded(
    ctx: &mut Ctx<'_>,
    kind: TermKind,
    at: std::ops::Range<usize>,
    said: &str,
    hedged: bool,
) {
    let (kind, message) = match kind {
        TermKind::Diagnosis => (
            FindingKind::DiagnosticoNoConsignado,
            format!("el diagnóstico «{said}» no figura en el episodio"),
        ),
        TermKind::Event => (
            FindingKind::ComplicacionNoConsignada,
            format!("«{said}» no consta en el episodio: verifique que no sea una complicación inventada"),
        ),
        TermKind::Side => (
            FindingKind::LateralidadContradicha,
            format!("«{said}» no es el vaso que registra el episodio"),
        ),
        TermKind::Procedure => (
            FindingKind::ProcedimientoNoConsignado,
            format!("el procedimiento «{said}» no figura en el episodio"),
        ),
        TermKind::Organism => (
            FindingKind::LaboratorioContradicho,
            format!("el episodio no registra «{said}» en ningún cultivo ni examen"),
        ),
    };
    ctx.report(Report {
        kind,
        severity: if hedged {
            Gravedad::Media
        } else {
            Gravedad::Alta
        },
        at: Some(at),
        message,
        path: None,
        expected: None,
    });
}

const STOP: &[&str] = &[
    "de",
    "del",
    "la",
    "las",
    "el",
    "los",
    "en",
    "con",
    "por",
    "para",
    "sin",
    "tipo",
    "y",
    "e",
    "o",
    "a",
    "al",
    "no",
    "especificada",
    "especificado",
    "otra",
    "otro",
    "otros",
    "sitio",
];

fn omitted_diagnoses(ctx: &mut Ctx<'_>) {
    let lex = lexicon();
    let doc = &ctx.doc;
    // The words where discharge diagnoses are judged.
    let region: Vec<usize> = (0..doc.words.len())
        .filter(|&k| {
            !doc.has_dx_part || doc.parts[doc.words[k].sentence] == Part::DischargeDiagnoses
        })
        .collect();
    let region_words: Vec<&str> = region.iter().map(|&k| doc.word(k)).collect();
    let region_text: String = region
        .iter()
        .map(|&k| doc.original_word(k).to_uppercase())
        .collect::<Vec<_>>()
        .join(" ");
    let region_concepts: Vec<usize> = lex
        .term_phrases
        .scan(doc)
        .into_iter()
        .filter(|h| {
            region.binary_search(&h.first).is_ok() && !doc.is_phrase_negated(h.first, h.last)
        })
        .map(|h| *h.value)
        .collect();
    let folded_codes = region_words.join(" ");
    let mut missing = Vec::new();
    for (i, dx) in ctx.episode.diagnostico_egreso.iter().enumerate() {
        let code = dx
            .codigo
            .as_deref()
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty());
        // J18.9 is the words "j18" "9" once folded: compare without the dot.
        let code_found = code.as_deref().is_some_and(|c| {
            let parts = tokenize(&fold(c)).join(" ");
            folded_codes.contains(&parts) || region_text.contains(c)
        });
        let core = fold(dx.nombre.split([',', '(']).next().unwrap_or(""));
        let keys: Vec<String> = tokenize(&core)
            .into_iter()
            .filter(|w| !STOP.contains(&w.as_str()) && w.chars().count() >= 3)
            .collect();
        let present = keys
            .iter()
            .filter(|k| region_words.contains(&k.as_str()))
            .count();
        let name_found = !keys.is_empty()
            && region_words.contains(&keys[0].as_str())
            && present * 2 >= keys.len();
        // A concept of the lexicon that names this diagnosis (by a form in
        // its name, or its code's prefix) written in the region.
        let dx_doc = Doc::new(&dx.nombre);
        let dx_concepts: Vec<usize> = lex
            .term_phrases
            .scan(&dx_doc)
            .into_iter()
            .map(|h| *h.value)
            .collect();
        let concept_found = region_concepts.iter().any(|c| {
            dx_concepts.contains(c)
                || code.as_deref().is_some_and(|code| {
                    lex.terms[*c]
                        .codes
                        .iter()
                        .any(|p| code.starts_with(p.as_str()))
                })
        });
        if !(code_found || name_found || concept_found) {
            missing.push((i, crate::items::diagnosis(dx), dx.codigo.is_some()));
        }
    }
    let has_part = ctx.doc.has_dx_part;
    for (i, label, coded) in missing {
        let path = format!("diagnostico_egreso[{i}]");
        ctx.report(Report {
            kind: FindingKind::DiagnosticoOmitido,
            severity: if coded {
                Gravedad::Alta
            } else {
                Gravedad::Media
            },
            at: None,
            message: if has_part {
                format!("falta el diagnóstico de egreso {label} entre los diagnósticos de egreso")
            } else {
                format!("falta el diagnóstico de egreso {label}")
            },
            path: Some(&path),
            expected: Some(&label),
        });
    }
}
