//! Lab claims: a test named in the text (by its name or a ward alias: PCR,
//! Hb, crea, GB), the values written after it with their moment (al
//! ingreso, al alta, máximo, mínimo), pairs written as a course ("186 →
//! 14", "de 1,41 a 0,88") and trend words ("en descenso"), each aligned
//! with the episode's `laboratorios_resumen` entry.

use std::ops::Range;

use super::doc::{numbers, same_number};
use super::facts::LabEntry;
use super::lexicon::{lexicon, Form, PhraseSet};
use super::{Ctx, FindingKind, Gravedad, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moment {
    Ingreso,
    Alta,
    Min,
    Max,
}

impl Moment {
    fn label(self) -> &'static str {
        match self {
            Moment::Ingreso => "al ingreso",
            Moment::Alta => "al alta",
            Moment::Min => "como mínimo",
            Moment::Max => "como máximo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trend {
    Down,
    Up,
}

fn moment(word: &str) -> Option<Moment> {
    match word {
        "ingreso" | "inicial" | "iniciales" | "admision" | "basal" => Some(Moment::Ingreso),
        "alta" | "egreso" | "final" | "finales" => Some(Moment::Alta),
        "minimo" | "minima" | "nadir" | "min" => Some(Moment::Min),
        "maximo" | "maxima" | "peak" | "pico" | "max" | "maximos" => Some(Moment::Max),
        _ => None,
    }
}

fn trend(word: &str) -> Option<Trend> {
    const DOWN: &[&str] = &[
        "descenso",
        "desciende",
        "descendio",
        "descendiendo",
        "descendente",
        "disminucion",
        "disminuye",
        "disminuyo",
        "disminuyendo",
        "cae",
        "cayo",
        "cayendo",
        "normaliza",
        "normalizo",
        "normalizacion",
        "normalizandose",
        "regresion",
        "mejoria",
        "mejora",
        "mejoro",
        "recuperacion",
        "recupera",
        "negativiza",
        "descendieron",
        "disminuyeron",
        "descienden",
        "disminuyen",
        "normalizan",
        "bajan",
    ];
    const UP: &[&str] = &[
        "ascenso",
        "asciende",
        "ascendio",
        "ascendiendo",
        "aumento",
        "aumenta",
        "aumentando",
        "alza",
        "incremento",
        "incrementa",
        "sube",
        "subio",
        "subiendo",
        "empeora",
        "empeoramiento",
        "deterioro",
        "ascendieron",
        "aumentaron",
        "suben",
        "ascienden",
        "aumentan",
        "incrementan",
    ];
    if DOWN.contains(&word) {
        Some(Trend::Down)
    } else if UP.contains(&word) {
        Some(Trend::Up)
    } else {
        None
    }
}

/// For most tests "mejoría" says nothing of the direction; for renal
/// function and inflammation it means the values fell.
fn direction_word(word: &str, improvement_means_down: bool) -> Option<Trend> {
    match word {
        "mejoria" | "mejora" | "mejoro" | "recuperacion" | "recupera"
            if !improvement_means_down =>
        {
            None
        }
        "deterioro" | "empeora" | "empeoramiento" if !improvement_means_down => None,
        // "baja"/"bajo" are states ("hemoglobina baja") unless "a la baja"/"en baja".
        _ => trend(word),
    }
}

/// The directions the values took: down when the discharge value is below
/// the admission one or the peak (troponin falls after its peak), up when
/// it is above the admission value or a peak rose past it. Empty when the
/// episode cannot tell.
fn actual_trends(lab: &LabEntry) -> Vec<Trend> {
    let mut out = Vec::new();
    let below = |x: f64, y: f64| x < y && !same_number(x, y);
    if let Some(alta) = lab.alta {
        if lab.ingreso.is_some_and(|i| below(alta, i)) || lab.max.is_some_and(|m| below(alta, m)) {
            out.push(Trend::Down);
        }
        if lab.ingreso.is_some_and(|i| below(i, alta)) || lab.min.is_some_and(|m| below(m, alta)) {
            out.push(Trend::Up);
        }
    }
    if let (Some(i), Some(m)) = (lab.ingreso, lab.max) {
        if below(i, m) && !out.contains(&Trend::Up) {
            out.push(Trend::Up);
        }
    }
    out
}

fn slots(lab: &LabEntry) -> Vec<(Moment, f64)> {
    let mut out = Vec::new();
    out.extend(lab.ingreso.map(|v| (Moment::Ingreso, v)));
    out.extend(lab.alta.map(|v| (Moment::Alta, v)));
    out.extend(lab.min.map(|v| (Moment::Min, v)));
    out.extend(lab.max.map(|v| (Moment::Max, v)));
    out
}

struct LabMention {
    first: usize,
    last: usize,
    /// Episode lab entries it names.
    entries: Vec<usize>,
    /// Group index when the text names several tests at once.
    group: Option<usize>,
}

fn mentions(ctx: &Ctx<'_>) -> Vec<LabMention> {
    let lex = lexicon();
    let mut own: PhraseSet<usize> = PhraseSet::default();
    for (i, lab) in ctx.facts.labs.iter().enumerate() {
        if let Some(form) = Form::new(&lab.name_tokens.join(" ")) {
            own.insert(form, i);
        }
    }
    let doc = &ctx.doc;
    let mut out = Vec::new();
    let mut i = 0;
    while i < doc.words.len() {
        if let Some(hit) = lex.group_phrases.at(doc, i) {
            let group = &lex.groups[*hit.value];
            let entries = (0..ctx.facts.labs.len())
                .filter(|&e| {
                    ctx.facts.labs[e]
                        .lexicon
                        .is_some_and(|l| group.members.contains(&l))
                })
                .collect();
            out.push(LabMention {
                first: hit.first,
                last: hit.last,
                entries,
                group: Some(*hit.value),
            });
            i = hit.last + 1;
            continue;
        }
        let a = lex.lab_phrases.at(doc, i);
        let b = own.at(doc, i);
        let a_last = a.as_ref().map(|a| a.last);
        let (last, entries) = match (a, b) {
            (_, Some(b)) if a_last.is_none_or(|l| b.last >= l) => (b.last, vec![*b.value]),
            (Some(a), _) => (
                a.last,
                (0..ctx.facts.labs.len())
                    .filter(|&e| ctx.facts.labs[e].lexicon == Some(*a.value))
                    .collect(),
            ),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(LabMention {
            first: i,
            last,
            entries,
            group: None,
        });
        i = last + 1;
    }
    out
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let found = mentions(ctx);
    for (index, m) in found.iter().enumerate() {
        if m.entries.is_empty() {
            continue;
        }
        let doc = &ctx.doc;
        let name_range = doc.words[m.first].start..doc.words[m.last].end;
        ctx.lab_spans.push(name_range.clone());
        let sentence = doc.words[m.first].sentence;
        let sentence_end = doc.sentences[sentence].end;
        let scope_end = found
            .get(index + 1)
            .filter(|n| doc.words[n.first].sentence == sentence)
            .map_or(sentence_end, |n| doc.words[n.first].start);
        let scope = name_range.end..scope_end;
        let asides = asides(doc, m.last + 1, scope_end);
        // Trend words: in the scope, or just before the name ("descenso de PCR").
        let improvement_means_down = m.group.is_some()
            || m.entries.iter().any(|&e| {
                let name = &ctx.facts.labs[e].name_tokens;
                [
                    "creatinina",
                    "proteina",
                    "leucocitos",
                    "procalcitonina",
                    "nitrogeno",
                ]
                .iter()
                .any(|n| name.iter().any(|t| t == n))
            });
        let mut stated_trend = None;
        let before_first = m.first.saturating_sub(3);
        for k in (before_first..m.first).chain(m.last + 1..doc.word_at(scope_end)) {
            if doc.words[k].sentence != sentence {
                continue;
            }
            if let Some(t) = direction_word(doc.word(k), improvement_means_down) {
                if !doc.negated[k] {
                    stated_trend = Some((doc.words[k].start..doc.words[k].end, t));
                    break;
                }
            }
        }
        if let Some((at, t)) = stated_trend {
            let known: Vec<(usize, Vec<Trend>)> = m
                .entries
                .iter()
                .map(|&e| (e, actual_trends(&ctx.facts.labs[e])))
                .filter(|(_, a)| !a.is_empty())
                .collect();
            if !known.is_empty() {
                let e = known[0].0;
                let path = ctx.facts.labs[e].path.clone();
                let summary = ctx.facts.labs[e].summary.clone();
                if known.iter().all(|(_, a)| !a.contains(&t)) {
                    let word = ctx.doc.original(at.clone()).to_string();
                    ctx.report(Report {
                        kind: FindingKind::LaboratorioContradicho,
                        severity: Gravedad::Alta,
                        at: Some(at),
                        message: format!("«{word}» contradice la evolución registrada: {summary}"),
                        path: Some(&path),
                        expected: Some(&summary),
                    });
                } else {
                    ctx.confirm(at, &path, &summary);
                }
            }
        }
        if m.group.is_some() {
            continue;
        }
        // "Al alta la creatinina era de 0,88": a moment just before the name.
        let mut lead = None;
        for k in m.first.saturating_sub(3)..m.first {
            // Not across a comma or a value: "… 14 mg/L al alta, y los
            // leucocitos de 15,8" says nothing of the leucocytes' moment.
            let between = &ctx.doc.folded[ctx.doc.words[k].end..ctx.doc.words[m.first].start];
            if ctx.doc.words[k].sentence == sentence
                && !between.contains([',', ';', '(', ')'])
                && !between.chars().any(|c| c.is_ascii_digit())
            {
                if let Some(mo) = moment(ctx.doc.word(k)) {
                    lead = Some((mo, ctx.doc.words[k].start..ctx.doc.words[k].end));
                }
            }
        }
        values(ctx, m, scope, &asides, lead);
    }
}

/// The stretches after a lab's name that speak of something else: a
/// segment after a comma that does not go on with its values ("Glicemia
/// 132 mg/dL, LDL 148": the 148 is not the glucose's, whether or not LDL is
/// a test we know). A later segment that does ("…, y fue de 10,4 al alta")
/// still counts.
fn asides(doc: &super::doc::Doc<'_>, from: usize, limit: usize) -> Vec<Range<usize>> {
    const CONTINUES: &[&str] = &[
        "y",
        "e",
        "de",
        "a",
        "al",
        "en",
        "con",
        "luego",
        "hasta",
        "desde",
        "la",
        "el",
        "los",
        "las",
        "valor",
        "valores",
        "posteriormente",
        "despues",
        "para",
        "que",
        "se",
        "mantiene",
        "mantuvo",
        "fue",
        "era",
        "es",
        "estaba",
        "quedando",
        "llegando",
        "bajando",
        "subiendo",
        "mg",
        "g",
        "dl",
        "l",
        "ml",
        "ul",
        "ui",
        "u",
        "meq",
        "mmol",
        "ng",
        "pg",
        "x10",
    ];
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut k = from;
    while k < doc.words.len() && doc.words[k].start < limit {
        let between = &doc.folded[doc.words[k - 1].end..doc.words[k].start];
        if between.contains([',', ';']) {
            // The first word after the separator, past "y"/"e".
            let mut j = k;
            while j < doc.words.len() && matches!(doc.word(j), "y" | "e") {
                j += 1;
            }
            let continues = j < doc.words.len() && {
                let w = doc.word(j);
                w.chars().all(|c| c.is_ascii_digit())
                    || moment(w).is_some()
                    || trend(w).is_some()
                    || CONTINUES.contains(&w)
            };
            let start = doc.words[k - 1].end;
            if let Some(open) = out.last_mut().filter(|r| r.end == usize::MAX) {
                open.end = start;
            }
            if !continues {
                out.push(start..usize::MAX);
            }
        }
        k += 1;
    }
    if let Some(open) = out.last_mut().filter(|r| r.end == usize::MAX) {
        open.end = limit;
    }
    out
}

struct Value {
    range: Range<usize>,
    value: f64,
    moment: Option<Moment>,
    /// Where the moment was said, when apart from the value.
    moment_at: Option<Range<usize>>,
}

/// The values written for one lab mention, with their moments; pairs
/// written as a course are checked for order.
fn values(
    ctx: &mut Ctx<'_>,
    m: &LabMention,
    scope: Range<usize>,
    asides: &[Range<usize>],
    lead: Option<(Moment, Range<usize>)>,
) {
    let doc = &ctx.doc;
    let slice = &doc.folded[scope.clone()];
    let mut list: Vec<Value> = Vec::new();
    let mut depth = 0usize;
    let mut paren_ranges: Vec<Range<usize>> = Vec::new();
    let mut open = 0;
    for (i, c) in slice.char_indices() {
        match c {
            '(' => {
                if depth == 0 {
                    open = i;
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    paren_ranges.push(open..i + 1);
                }
            }
            _ => {}
        }
    }
    if depth > 0 {
        paren_ranges.push(open..slice.len());
    }
    // Only parentheses that hold a reference range are set aside; "(de
    // 5800 a 1200 ng/L)" is a claim like any other.
    paren_ranges.retain(|r| {
        let inside = &slice[r.clone()];
        [
            "referencia",
            "rango",
            "vr",
            "valor normal",
            "normal",
            "hasta",
            "vn",
            "lsn",
        ]
        .iter()
        .any(|cue| inside.contains(cue))
    });
    let mut pending: Option<(Moment, Option<Range<usize>>)> = lead.map(|(m, r)| (m, Some(r)));
    let mut cursor = 0;
    for n in numbers(slice) {
        let abs = scope.start + n.range.start..scope.start + n.range.end;
        if paren_ranges.iter().any(|p| p.contains(&n.range.start))
            || asides.iter().any(|a| a.contains(&abs.start))
            || is_threshold(ctx, &abs)
        {
            continue;
        }
        if ctx.is_claimed(&abs) {
            continue;
        }
        let after_text = &slice[n.range.end..];
        let after_word = after_text
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| !w.is_empty())
            .unwrap_or("");
        // Durations and day numbers are not results.
        if matches!(
            after_word,
            "dias" | "dia" | "horas" | "hrs" | "h" | "veces" | "semanas"
        ) {
            continue;
        }
        // A moment word counts for the value after it when it is among the
        // three words just before, with no parenthesis opened between.
        let before_text = &slice[cursor..n.range.start];
        let before_text = before_text.rsplit('(').next().unwrap_or(before_text);
        let words: Vec<&str> = before_text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        for w in words.iter().rev().take(3).rev() {
            if let Some(mo) = moment(w) {
                pending = Some((mo, None));
            }
        }
        let (mut mo, moment_at) = match pending.take() {
            Some((m, at)) => (Some(m), at),
            None => (None, None),
        };
        cursor = n.range.end;
        if mo.is_none() {
            // "186 mg/L al ingreso", "186 (ingreso)": the moment right after
            // the value, which the next value then does not inherit.
            let next_number = numbers(after_text)
                .first()
                .map_or(after_text.len(), |x| x.range.start);
            let window = &after_text[..next_number.min(after_text.len())];
            // "12,1 a un mínimo de 9,8": past "a" or "y" the words speak
            // of the next value.
            let window = window.find(['→', ',']).map_or(window, |at| &window[..at]);
            let mut offset = 0;
            for (i, w) in window.split(|c: char| !c.is_alphanumeric()).enumerate() {
                if i >= 8 || matches!(w, "a" | "y" | "e" | "hasta" | "luego") {
                    break;
                }
                let end = offset + w.len();
                if let Some(found) = moment(w) {
                    mo = Some(found);
                    cursor = n.range.end + end;
                    break;
                }
                offset = end + 1;
            }
        }
        list.push(Value {
            range: abs,
            value: n.values[0],
            moment: mo,
            moment_at,
        });
    }
    let entries: Vec<usize> = m.entries.clone();
    for (k, v) in list.iter().enumerate() {
        ctx.claim(v.range.clone());
        let mut matched: Option<(usize, Moment)> = None;
        let mut any_value = None;
        for &e in &entries {
            let lab_slots = slots(&ctx.facts.labs[e]);
            // "Máxima de 186" with no period recorded: true when 186 is the
            // highest value the episode has.
            let extreme = |want: Moment| {
                let values = lab_slots.iter().map(|(_, x)| *x);
                let best = match want {
                    Moment::Max => values.fold(f64::MIN, f64::max),
                    _ => values.fold(f64::MAX, f64::min),
                };
                same_number(best, v.value)
            };
            let period_recorded = lab_slots
                .iter()
                .any(|(s, _)| matches!(s, Moment::Min | Moment::Max));
            for &(slot, value) in &lab_slots {
                if same_number(value, v.value) {
                    any_value.get_or_insert(e);
                    let fits = match v.moment {
                        None => true,
                        Some(mo) if mo == slot => true,
                        Some(mo @ (Moment::Min | Moment::Max)) => !period_recorded && extreme(mo),
                        Some(_) => false,
                    };
                    if fits && matched.is_none() {
                        matched = Some((e, slot));
                    }
                }
            }
        }
        let e0 = entries[0];
        let lab = &ctx.facts.labs[any_value.unwrap_or(e0)];
        let (path, summary, label) = (lab.path.clone(), lab.summary.clone(), lab.label.clone());
        let said = ctx.doc.original(v.range.clone()).to_string();
        // A value the notes give for this test on another day is fine;
        // only looked up for a value the summary does not hold.
        let in_notes = if matched.is_none() {
            notes_value(ctx, &lab.name_tokens, v.value)
        } else {
            None
        };
        match (matched, any_value) {
            (Some((e, slot)), _) => {
                // "186 → 14": the first of a pair must come first.
                if let Some(next) = list.get(k + 1) {
                    let between = &ctx.doc.folded[v.range.end..next.range.start];
                    if is_course_joiner(between) {
                        let later = slots(&ctx.facts.labs[e])
                            .into_iter()
                            .find(|(s, x)| same_number(*x, next.value) && *s != slot);
                        if slot == Moment::Alta && later.is_some_and(|(s, _)| s == Moment::Ingreso)
                        {
                            let at = v.range.start..next.range.end;
                            ctx.report(Report {
                                kind: FindingKind::LaboratorioContradicho,
                                severity: Gravedad::Alta,
                                at: Some(at),
                                message: format!("la evolución de {label} está invertida: el episodio registra {summary}"),
                                path: Some(&path),
                                expected: Some(&summary),
                            });
                            continue;
                        }
                    }
                }
                let path = ctx.facts.labs[e].path.clone();
                ctx.confirm(v.range.clone(), &path, &summary);
            }
            (None, Some(_)) if in_notes.is_none() => {
                let mo = v.moment.map_or("", Moment::label);
                let at = match &v.moment_at {
                    Some(r) => r.start.min(v.range.start)..r.end.max(v.range.end),
                    None => v.range.clone(),
                };
                ctx.report(Report {
                    kind: FindingKind::LaboratorioContradicho,
                    severity: Gravedad::Alta,
                    at: Some(at),
                    message: format!("{label} {said} {mo} no coincide con el episodio: {summary}"),
                    path: Some(&path),
                    expected: Some(&summary),
                });
            }
            (None, None) if in_notes.is_none() => {
                ctx.report(Report {
                    kind: FindingKind::LaboratorioContradicho,
                    severity: Gravedad::Alta,
                    at: Some(v.range.clone()),
                    message: format!(
                        "el valor {said} de {label} no figura en el episodio: {summary}"
                    ),
                    path: Some(&path),
                    expected: Some(&summary),
                });
            }
            (None, _) => {
                if let Some(path) = in_notes {
                    ctx.confirm(v.range.clone(), &path, "registrado en la evolución");
                }
            }
        }
    }
}

/// A number that is a threshold or a warning sign, not a result:
/// "consultar ante glicemia sobre 300", "mantener potasio mayor a 4".
fn is_threshold(ctx: &Ctx<'_>, at: &Range<usize>) -> bool {
    let k = ctx.doc.word_at(at.start);
    if k < ctx.doc.words.len() && ctx.doc.is_conditional(k, k) {
        return true;
    }
    let before = ctx.doc.folded[..at.start].trim_end();
    before.ends_with(['>', '<', '≥', '≤'])
        || [
            "sobre",
            "mayor a",
            "mayor de",
            "menor a",
            "menor de",
            "bajo",
            "superior a",
            "inferior a",
            "mas de",
            "menos de",
            "meta",
            "objetivo",
        ]
        .iter()
        .any(|w| before.ends_with(w))
}

/// "→", "->", "a", "hasta" between two values (units aside).
fn is_course_joiner(between: &str) -> bool {
    between.contains('→')
        || between.contains("->")
        || between
            .split_whitespace()
            .any(|w| matches!(w, "a" | "hasta" | "luego"))
}

/// Where the course notes give `value` in a sentence that names the test.
fn notes_value(ctx: &Ctx<'_>, name: &[String], value: f64) -> Option<String> {
    let lex = lexicon();
    for (field, doc) in ctx.fields.iter().zip(ctx.field_docs) {
        if !field.path.starts_with("evolucion_resumen") {
            continue;
        }
        let folded = &doc.folded;
        let names_it = folded.contains(&name.join(" "))
            || lex.labs.iter().any(|l| {
                l.name == name.join(" ")
                    && l.forms.iter().any(|f| folded.contains(&f.tokens.join(" ")))
            });
        if names_it
            && numbers(folded)
                .iter()
                .any(|n| n.values.iter().any(|v| same_number(*v, value)))
        {
            return Some(field.path.clone());
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Polarity {
    Positive,
    Negative,
}

fn polarity_word(word: &str) -> Option<Polarity> {
    if word.starts_with("positiv") {
        Some(Polarity::Positive)
    } else if word.starts_with("negativ") {
        Some(Polarity::Negative)
    } else {
        None
    }
}

/// Qualitative results: "(+)"/"(-)" or positivo/negativo, each with the
/// content words just before it (what was positive).
fn polarities(doc: &super::doc::Doc<'_>) -> Vec<(std::ops::Range<usize>, Polarity, Vec<String>)> {
    let mut out = Vec::new();
    for k in 0..doc.words.len() {
        let after = &doc.folded[doc.words[k].end..];
        let sign = if after.starts_with(" (+)") || after.starts_with("(+)") {
            Some((Polarity::Positive, k))
        } else if after.starts_with(" (-)") || after.starts_with("(-)") {
            Some((Polarity::Negative, k))
        } else {
            polarity_word(doc.word(k)).map(|p| (p, k))
        };
        let Some((p, at)) = sign else { continue };
        let own = polarity_word(doc.word(k)).is_some();
        let sentence = doc.words[k].sentence;
        let first = if own {
            k.saturating_sub(3)
        } else {
            k.saturating_sub(2)
        };
        let last = if own { k } else { k + 1 };
        let subjects: Vec<String> = (first..last)
            .filter(|&j| doc.words[j].sentence == sentence)
            .map(|j| doc.word(j).to_string())
            .filter(|w| w.chars().count() >= 5 && polarity_word(w).is_none())
            .collect();
        if !subjects.is_empty() {
            out.push((doc.words[at].start..doc.words[at].end, p, subjects));
        }
    }
    out
}

/// "Hemocultivos positivos" when the episode says they were negative.
pub(crate) fn qualitative(ctx: &mut Ctx<'_>) {
    let mut recorded: Vec<(Polarity, Vec<String>, String, String)> = Vec::new();
    for (field, doc) in ctx.fields.iter().zip(ctx.field_docs) {
        for (_, p, subjects) in polarities(doc) {
            recorded.push((p, subjects, field.path.clone(), field.text.clone()));
        }
    }
    if recorded.is_empty() {
        return;
    }
    for (at, p, subjects) in polarities(&ctx.doc) {
        let k = ctx.doc.word_at(at.start);
        if ctx.doc.is_negated(k, k) && polarity_word(ctx.doc.word(k)).is_none() {
            continue;
        }
        let same: Vec<&(Polarity, Vec<String>, String, String)> = recorded
            .iter()
            .filter(|(_, s, _, _)| s.iter().any(|w| subjects.contains(w)))
            .collect();
        if same.is_empty() {
            continue;
        }
        let (path, text) = (same[0].2.clone(), same[0].3.clone());
        if same.iter().any(|(q, _, _, _)| *q == p) {
            ctx.confirm(at, &path, &text);
        } else {
            let said = ctx.doc.original(at.clone()).to_string();
            ctx.report(Report {
                kind: FindingKind::LaboratorioContradicho,
                severity: Gravedad::Alta,
                at: Some(at),
                message: format!("«{said}» contradice el resultado registrado: «{text}»"),
                path: Some(&path),
                expected: Some(&text),
            });
        }
    }
}

/// The word a number measures: the nearest content word before it in its
/// sentence ("NIHSS de 9", "FE 45%", "saturando 89%"), unless the number
/// counts time ("en 7 días") or nothing names it.
fn measured(doc: &super::doc::Doc<'_>, number: &std::ops::Range<usize>) -> Option<String> {
    const LIGHT: &[&str] = &[
        "de", "del", "la", "el", "los", "las", "en", "a", "al", "con", "un", "una", "es", "fue",
        "era", "y", "e", "su", "sus", "hasta", "desde", "entre",
    ];
    const NOT_MEASURES: &[&str] = &[
        "dia",
        "dias",
        "hora",
        "horas",
        "semana",
        "semanas",
        "mes",
        "meses",
        "ano",
        "anos",
        "vez",
        "veces",
        "mg",
        "g",
        "ml",
        "l",
        "ui",
        "u",
        "x",
        "cada",
        "c",
        "por",
        "durante",
        "tras",
        "control",
        "controles",
        "total",
        "unidades",
        "comprimidos",
        "litros",
        "min",
    ];
    let after = doc.folded[number.end..].trim_start();
    let next: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
    if NOT_MEASURES[..14].contains(&next.as_str()) || next == "h" || next == "hrs" {
        return None;
    }
    let k = doc.word_at(number.start);
    let sentence = doc.words.get(k)?.sentence;
    let mut j = k;
    let mut hops = 0;
    while j > 0 && hops < 3 {
        j -= 1;
        hops += 1;
        if doc.words[j].sentence != sentence {
            return None;
        }
        let between = &doc.folded[doc.words[j].end..doc.words[j + 1].start.min(number.start)];
        if between.contains([',', ';', '(', ')']) {
            return None;
        }
        let w = doc.word(j);
        if LIGHT.contains(&w) {
            continue;
        }
        // "PaCO2 52", "SpO2 91%": a name may end in a digit.
        if NOT_MEASURES.contains(&w)
            || !w.chars().next().is_some_and(char::is_alphabetic)
            || !w.chars().all(char::is_alphanumeric)
            || w.len() < 2
        {
            return None;
        }
        // "transfunden" in the notes, "transfundieron" in the text: the
        // word's first six letters name the measure; ward abbreviations
        // name the same measures as the words.
        let w = match w {
            "fe" | "fevi" => "eyeccion",
            "sat" | "sato2" | "spo2" => "saturacion",
            "fc" => "cardiaca",
            "pa" => "arterial",
            "fr" => "respiratoria",
            "t" | "temp" | "tax" => "temperatura",
            other => other,
        };
        return Some(w.chars().take(6).collect());
    }
    None
}

/// A value the episode's notes give for a named measurement (a scale, an
/// ejection fraction, a saturation), which the text gives differently.
pub(crate) fn measurements(ctx: &mut Ctx<'_>) {
    let mut recorded: std::collections::HashMap<String, Vec<(f64, String, String)>> =
        std::collections::HashMap::new();
    for (field, doc) in ctx.fields.iter().zip(ctx.field_docs) {
        for n in numbers(&doc.folded) {
            if let Some(w) = measured(doc, &n.range) {
                recorded.entry(w).or_default().push((
                    n.values[0],
                    field.path.clone(),
                    field.text.clone(),
                ));
            }
        }
    }
    for n in numbers(&ctx.doc.folded) {
        if ctx.is_claimed(&n.range) || is_threshold(ctx, &n.range) {
            continue;
        }
        let Some(w) = measured(&ctx.doc, &n.range) else {
            continue;
        };
        let Some(known) = recorded.get(&w) else {
            continue;
        };
        ctx.claim(n.range.clone());
        let (path, text) = (known[0].1.clone(), known[0].2.clone());
        if known.iter().any(|(v, _, _)| same_number(*v, n.values[0])) {
            ctx.confirm(n.range, &path, &text);
        } else {
            let said = ctx.doc.original(n.range.clone()).to_string();
            let word = w.clone();
            ctx.report(Report {
                kind: FindingKind::LaboratorioContradicho,
                severity: Gravedad::Alta,
                at: Some(n.range),
                message: format!("{word} {said} no coincide con lo registrado: «{text}»"),
                path: Some(&path),
                expected: Some(&text),
            });
        }
    }
}
