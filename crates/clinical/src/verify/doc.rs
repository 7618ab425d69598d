//! A text prepared for reading claims: folded for matching, split into
//! words and sentences, with sections (the discharge part, the discharge
//! diagnoses) and the reach of every negation and hedge.

use std::ops::Range;

use crate::text::fold_with_map;

use super::lexicon::{lexicon, PhraseSet};

#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Byte range in the folded text.
    pub start: usize,
    pub end: usize,
    pub sentence: usize,
}

/// What part of an epicrisis a sentence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Discharge instructions: the drugs the patient goes home with.
    Discharge,
    /// Discharge diagnoses.
    DischargeDiagnoses,
    /// The stay: treatment, course, procedures, admission diagnoses, labs.
    Course,
    /// Identification, history, anything else.
    Other,
}

pub(crate) struct Doc<'a> {
    pub text: &'a str,
    pub folded: String,
    map: Vec<usize>,
    pub words: Vec<Word>,
    /// Folded byte ranges.
    pub sentences: Vec<Range<usize>>,
    /// The part each sentence is in, from headings and cue phrases.
    pub parts: Vec<Part>,
    /// Whether the text has a discharge part of its own at all.
    pub has_discharge_part: bool,
    pub has_dx_part: bool,
    /// Per word: negated / hedged.
    pub negated: Vec<bool>,
    /// Negated by a word before it ("sin hidronefrosis"), not after it
    /// ("hemocultivos negativos" negates the result, not the test).
    pub negated_before: Vec<bool>,
    pub hedged: Vec<bool>,
    /// Per word: in a warning sign, a prophylaxis, a condition ("consultar
    /// ante sangrado"): not a fact of the stay.
    pub conditional: Vec<bool>,
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str) -> Doc<'a> {
        let (folded, map) = fold_with_map(text);
        let sentences = split_sentences(&folded, text, &map);
        let mut words = Vec::new();
        let mut start = None;
        let mut sentence = 0;
        for (i, c) in folded
            .char_indices()
            .chain(std::iter::once((folded.len(), ' ')))
        {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    while sentence + 1 < sentences.len() && sentences[sentence].end <= s {
                        sentence += 1;
                    }
                    words.push(Word {
                        start: s,
                        end: i,
                        sentence,
                    });
                    start = None;
                }
                _ => {}
            }
        }
        let mut doc = Doc {
            text,
            folded,
            map,
            words,
            parts: vec![Part::Other; sentences.len()],
            sentences,
            has_discharge_part: false,
            has_dx_part: false,
            negated: Vec::new(),
            negated_before: Vec::new(),
            hedged: Vec::new(),
            conditional: Vec::new(),
        };
        doc.find_parts();
        doc.find_negation();
        doc
    }

    pub fn word(&self, i: usize) -> &str {
        let w = &self.words[i];
        &self.folded[w.start..w.end]
    }

    /// The word as written (case and accents kept).
    pub fn original_word(&self, i: usize) -> &str {
        let w = &self.words[i];
        &self.text[self.map[w.start]..self.map[w.end]]
    }

    /// Whether two neighbouring words are joined by nothing heavier than
    /// spaces, a slash, a hyphen or an apostrophe (one phrase).
    pub fn joined(&self, a: usize, b: usize) -> bool {
        let between = &self.folded[self.words[a].end..self.words[b].start];
        between.len() <= 3
            && between
                .chars()
                .all(|c| c == ' ' || c == '/' || c == '-' || c == '\'' || c == '\u{a0}')
    }

    /// Original byte span of folded range `r`.
    pub fn span(&self, r: Range<usize>) -> Range<usize> {
        self.map[r.start]..self.map[r.end]
    }

    pub fn original(&self, r: Range<usize>) -> &str {
        &self.text[self.span(r)]
    }

    /// Index of the first word at or after folded byte `at`.
    pub fn word_at(&self, at: usize) -> usize {
        self.words.partition_point(|w| w.end <= at)
    }

    pub fn sentence_of(&self, at: usize) -> usize {
        self.sentences
            .partition_point(|s| s.end <= at)
            .min(self.sentences.len().saturating_sub(1))
    }

    pub fn part_at(&self, at: usize) -> Part {
        self.parts
            .get(self.sentence_of(at))
            .copied()
            .unwrap_or(Part::Other)
    }

    /// Words of sentence `s`, as an index range.
    pub fn sentence_words(&self, s: usize) -> Range<usize> {
        let first = self.words.partition_point(|w| w.sentence < s);
        let end = self.words.partition_point(|w| w.sentence <= s);
        first..end
    }

    /// Parts come from headings: one alone on its line opens a section
    /// that runs to the next; one that starts a line with text after its
    /// colon ("Diagnósticos de egreso: …") holds for that line only. Prose
    /// outside any section is placed by its cue phrases, and a sentence
    /// with no cue after the discharge instructions began continues them.
    fn find_parts(&mut self) {
        let mut block: Option<Part> = None;
        let mut inline: Option<Part> = None;
        let mut line_start = true;
        let mut in_discharge_prose = false;
        let mut previous_continues = false;
        for s in 0..self.sentences.len() {
            let range = self.sentences[s].clone();
            let sentence = self.folded[range.clone()].trim().to_string();
            let starts_line = line_start;
            // "6." or "a)" opening a line is a list marker: the line starts
            // after it.
            let marker = sentence.len() <= 3
                && sentence
                    .trim_end_matches(['.', ')'])
                    .chars()
                    .all(|c| c.is_alphanumeric())
                && sentence.ends_with(['.', ')']);
            if marker && starts_line {
                line_start = true;
                self.parts[s] = block.unwrap_or(Part::Other);
                continue;
            }
            line_start = self.folded[..range.end].ends_with('\n')
                || self.folded[range.end..].starts_with('\n')
                || range.end >= self.folded.len();
            if starts_line {
                inline = None;
                let (head, rest) = match sentence.split_once(':') {
                    Some((h, r)) => (h, r.trim()),
                    None => (sentence.as_str(), ""),
                };
                let head = head.trim().trim_end_matches(['.', ':']);
                // "6. Diagnósticos de egreso", "a) …", "- …", "• …".
                let head = head.trim_start_matches(|c: char| {
                    c.is_ascii_digit() || matches!(c, '-' | '•' | '*' | '.' | ')' | ' ')
                });
                if let Some(part) = heading(head) {
                    if rest.is_empty() {
                        block = Some(part);
                        in_discharge_prose = false;
                    } else {
                        inline = Some(part);
                    }
                }
            }
            let part = match (inline, block) {
                (Some(p), _) => p,
                (None, Some(p)) => p,
                (None, None) => match cue_part(&sentence) {
                    Some(Part::Discharge) => {
                        in_discharge_prose = true;
                        Part::Discharge
                    }
                    // "Diagnósticos de egreso: A (X); B (Y)." — a list
                    // split by semicolons is one claim.
                    _ if previous_continues => self.parts[s - 1],
                    Some(p) => p,
                    None if in_discharge_prose => Part::Discharge,
                    None => Part::Other,
                },
            };
            previous_continues = sentence.ends_with(';')
                && matches!(part, Part::DischargeDiagnoses | Part::Discharge);
            if part == Part::Discharge {
                self.has_discharge_part = true;
            }
            if part == Part::DischargeDiagnoses {
                self.has_dx_part = true;
            }
            self.parts[s] = part;
        }
    }

    fn find_negation(&mut self) {
        let cues = &lexicon().cues;
        let n = self.words.len();
        let mut negated = vec![false; n];
        let mut hedged = vec![false; n];
        let mut after = vec![false; n];
        let mut conditional = vec![false; n];
        let mut i = 0;
        'words: while i < n {
            // "s/perforación": the ward's shorthand for "sin".
            if self.word(i) == "s" && self.folded[self.words[i].end..].starts_with('/') {
                let end = self.scope_end(i + 1, &cues.end, 10);
                for flag in negated.iter_mut().take(end).skip(i + 1) {
                    *flag = true;
                }
                i += 1;
                continue 'words;
            }
            // Forward cues, each with how far it reaches.
            for (set, flags, reach) in [
                (&cues.negation, &mut negated, 10),
                (&cues.conditional, &mut conditional, 12),
                (&cues.doubt, &mut hedged, 6),
            ] {
                if let Some(hit) = set.at(self, i) {
                    let end = self.scope_end(hit.last + 1, &cues.end, reach);
                    for flag in flags.iter_mut().take(end).skip(hit.last + 1) {
                        *flag = true;
                    }
                    i = hit.last + 1;
                    continue 'words;
                }
            }
            if let Some(hit) = cues.after.at(self, i) {
                // "TEP descartado", "panel viral negativo": up to two words
                // before, not across a comma or a conjunction.
                let sentence = self.words[i].sentence;
                let mut k = i;
                while k > 0 && i - k < 2 {
                    k -= 1;
                    let between = &self.folded[self.words[k].end..self.words[k + 1].start];
                    let w = self.word(k);
                    if self.words[k].sentence != sentence
                        || between.contains([',', ';', '('])
                        || matches!(w, "y" | "e" | "o" | "con" | "sin" | "ni")
                    {
                        break;
                    }
                    after[k] = true;
                }
                i = hit.last + 1;
                continue;
            }
            i += 1;
        }
        // "(-)" after a word negates it too.
        for (k, flag) in after.iter_mut().enumerate() {
            if self.folded[self.words[k].end..]
                .trim_start()
                .starts_with("(-)")
            {
                *flag = true;
            }
        }
        self.negated_before = negated.clone();
        for (flag, post) in negated.iter_mut().zip(&after) {
            *flag |= *post;
        }
        self.negated = negated;
        self.hedged = hedged;
        self.conditional = conditional;
    }

    /// Where a negation that starts at word `from` stops: the sentence end,
    /// a clause-opening word (not the first), or `reach` words without a
    /// list joiner ("ni", a comma) renewing it.
    fn scope_end(&self, from: usize, end_words: &PhraseSet<()>, reach: usize) -> usize {
        let Some(first) = self.words.get(from) else {
            return from;
        };
        let sentence = first.sentence;
        // "FA no anticoagulada, HTA": a negated participle is one word.
        if from > 0 && self.word(from - 1) == "no" {
            let w = self.word(from);
            if ["ada", "ado", "adas", "ados", "ida", "ido", "idas", "idos"]
                .iter()
                .any(|end| w.ends_with(end))
            {
                return from + 1;
            }
        }
        // "no levantar peso por 30 días, tramadol …": an instruction in the
        // infinitive ends at its comma.
        let instruction = ["ar", "er", "ir"]
            .iter()
            .any(|e| self.word(from).ends_with(e))
            && self.word(from).chars().count() > 3;
        let mut budget = reach;
        let mut k = from;
        while k < self.words.len() && self.words[k].sentence == sentence && budget > 0 {
            if instruction
                && k > from
                && self.folded[self.words[k - 1].end..self.words[k].start].contains(',')
            {
                break;
            }
            if k > from && end_words.at(self, k).is_some() {
                break;
            }
            let w = self.word(k);
            // "sin sangrado, tolerando régimen": a gerund opens a new
            // predicate.
            if k > from && ["ando", "iendo", "yendo"].iter().any(|g| w.ends_with(g)) {
                break;
            }
            // "descartó hemorragia y el angioTAC mostró …": a conjunction
            // before a determiner opens a new clause.
            if k > from
                && matches!(w, "y" | "e")
                && k + 1 < self.words.len()
                && matches!(
                    self.word(k + 1),
                    "el" | "la" | "los" | "las" | "se" | "su" | "sus" | "un" | "una"
                )
            {
                break;
            }
            if w == "ni" || w == "o" {
                budget = reach;
            }
            if k > from {
                let between = &self.folded[self.words[k - 1].end..self.words[k].start];
                if between.contains(',') {
                    budget = budget.max(4);
                }
                if between.contains(['(', ')', ':']) {
                    break;
                }
            }
            budget -= 1;
            k += 1;
        }
        k
    }

    /// Whether any word in `first..=last` is negated.
    pub fn is_negated(&self, first: usize, last: usize) -> bool {
        (first..=last).any(|k| self.negated[k])
    }

    /// Whether the phrase `first..=last` is negated from outside: a cue
    /// before it reaches its first word, or one after it ("trombosis venosa
    /// profunda descartada") its last. A cue inside a name ("ventilación no
    /// invasiva") does not negate the name.
    pub fn is_phrase_negated(&self, first: usize, last: usize) -> bool {
        self.negated[first] || self.negated[last] && !self.negated_before[last]
    }

    pub fn is_hedged(&self, first: usize, last: usize) -> bool {
        (first..=last).any(|k| self.hedged[k])
    }

    pub fn is_conditional(&self, first: usize, last: usize) -> bool {
        (first..=last).any(|k| self.conditional[k])
    }
}

/// Sentence ranges of folded text: a full stop before a space or the end, a
/// semicolon, a line break, ! or ?. A dot between digits or letters (38.9,
/// J18.9, Dr.) does not end one unless a space follows.
fn split_sentences(folded: &str, text: &str, map: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = folded.as_bytes();
    for (i, c) in folded.char_indices() {
        let ends = match c {
            '\n' | ';' | '!' | '?' => true,
            '.' => {
                bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
                    && !abbreviation(folded, i, next_is_lower(text, map, i + 1))
            }
            _ => false,
        };
        if ends {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < folded.len() || out.is_empty() {
        out.push(start..folded.len());
    }
    out
}

/// Whether the first letter after folded byte `from` is lower-case as
/// written.
fn next_is_lower(text: &str, map: &[usize], from: usize) -> bool {
    let Some(&at) = map.get(from) else {
        return false;
    };
    text[at..]
        .chars()
        .find(|c| !c.is_whitespace())
        .is_some_and(char::is_lowercase)
}

/// "Dr.", "Dra.", "Sra." and "c/12h." do not end sentences, nor the
/// initial of "E. coli".
fn abbreviation(folded: &str, dot: usize, next_lower: bool) -> bool {
    let before = &folded[..dot];
    let word = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let initial = word.len() == 1 && word.chars().all(char::is_alphabetic) && next_lower;
    initial
        || matches!(
            word,
            "dr" | "dra" | "sr" | "sra" | "srta" | "aprox" | "hrs" | "hr" | "ej" | "pac"
        ) && word.len() < before.len()
}

/// A heading line and the part it opens.
fn heading(head: &str) -> Option<Part> {
    let head = head.trim();
    const DISCHARGE: &[&str] = &[
        "indicaciones al alta",
        "indicaciones de alta",
        "indic",
        "ind",
        "indic al alta",
        "tto al alta",
        "tto alta",
        "tto de alta",
        "tratamiento al egreso",
        "indicaciones al egreso",
        "indicaciones de egreso",
        "indicaciones",
        "tratamiento al alta",
        "tratamiento de alta",
        "medicamentos al alta",
        "medicamentos",
        "farmacos al alta",
        "plan",
        "plan al alta",
        "plan de alta",
        "receta",
        "alta",
        "al alta",
        "controles",
        "cuidados",
        "signos de alarma",
    ];
    const DX: &[&str] = &[
        "dg",
        "dgs",
        "dg.",
        "diagnostico",
        "diagnosticos",
        "diagnosticos de egreso",
        "diagnostico de egreso",
        "diagnosticos al alta",
        "diagnostico al alta",
        "diagnosticos de alta",
        "diagnostico de alta",
        "diagnostico final",
        "diagnosticos finales",
        "dg egreso",
        "dg de egreso",
        "dgs de egreso",
        "diagnosticos egreso",
    ];
    const COURSE: &[&str] = &[
        "evolucion",
        "evolucion clinica",
        "evolucion y tratamiento",
        "curso clinico",
        "tratamiento intrahospitalario",
        "tratamiento",
        "tratamiento recibido",
        "manejo",
        "procedimientos",
        "examenes",
        "examenes relevantes",
        "laboratorio",
        "examenes de laboratorio",
        "diagnosticos de ingreso",
        "diagnostico de ingreso",
        "dg ingreso",
        "resumen de hospitalizacion",
        "hospitalizacion",
    ];
    const OTHER: &[&str] = &[
        "identificacion",
        "motivo de ingreso",
        "motivo de consulta",
        "motivo de ingreso y antecedentes",
        "antecedentes",
        "condicion al alta",
        "condicion de alta",
        "periodo de hospitalizacion",
        "alergias",
    ];
    if DISCHARGE.contains(&head) {
        Some(Part::Discharge)
    } else if DX.contains(&head) {
        Some(Part::DischargeDiagnoses)
    } else if COURSE.contains(&head) {
        Some(Part::Course)
    } else if OTHER.contains(&head) {
        Some(Part::Other)
    } else {
        None
    }
}

/// The part a sentence of prose is in, by its cue phrases.
fn cue_part(sentence: &str) -> Option<Part> {
    const DX: &[&str] = &[
        "diagnostico de egreso",
        "diagnosticos de egreso",
        "diagnostico al alta",
        "diagnosticos al alta",
        "diagnostico de alta",
        "diagnosticos de alta",
        "egresa con diagnostico",
        "egresa con los diagnosticos",
        "egresa con el diagnostico",
        "diagnostico final",
        "diagnosticos finales",
        "dg egreso",
        "dg de egreso",
        "dgs de egreso",
        "dg. egreso",
    ];
    const DISCHARGE: &[&str] = &[
        "se indica",
        "se indican",
        "indicaciones",
        "receta",
        "al alta se",
        "al alta con",
        "al alta:",
        "de alta con",
        "alta con",
        "egresa con",
        "egreso con",
        "se va con",
        "se deja con",
        "se da de alta",
        "dado de alta",
        "dada de alta",
        "tratamiento al alta",
        "medicamentos al alta",
        "al egreso se",
        "continuar con",
        "debe continuar",
        "mantener",
        "para el hogar",
        "en domicilio",
        "para la casa",
        "en casa",
        "para casa",
        "en el hogar",
        "para el domicilio",
        "a domicilio",
    ];
    if DX.iter().any(|c| sentence.contains(c)) {
        return Some(Part::DischargeDiagnoses);
    }
    // "Fue dado de alta …, con el diagnóstico de …".
    if (sentence.contains("alta") || sentence.contains("egres"))
        && [
            "con el diagnostico de",
            "con diagnostico de",
            "con los diagnosticos de",
            "con diagnosticos de",
        ]
        .iter()
        .any(|c| sentence.contains(c))
    {
        return Some(Part::DischargeDiagnoses);
    }
    if DISCHARGE.iter().any(|c| sentence.contains(c)) {
        return Some(Part::Discharge);
    }
    // "Egresa en buenas condiciones con amoxicilina …".
    if let Some(at) = sentence.find("egresa").or_else(|| sentence.find("egreso")) {
        if sentence[at..].contains(" con ") {
            return Some(Part::Discharge);
        }
    }
    const COURSE: &[&str] = &[
        "recib",
        "se inici",
        "inicio",
        "se administr",
        "complet",
        "se rot",
        "se suspend",
        "tratad",
        "se manej",
        "manejad",
        "requiri",
        "evoluciona",
        "evoluciono",
        "durante la hospitalizacion",
        "durante su hospitalizacion",
        "durante la estadia",
        "intrahospitalari",
        "ingres",
        "se trat",
        "se realiz",
        "cursa",
        "curso con",
        "se cargo",
        "quedo con",
        "se agrego",
        "se agregaron",
        "se hidrat",
        "se opero",
        "hospitaliz",
    ];
    COURSE
        .iter()
        .any(|c| sentence.contains(c))
        .then_some(Part::Course)
}

/// A number found in folded text: its folded byte range and value. Decimal
/// comma or point; a point before exactly three digits is a thousands
/// separator (`15.800`).
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub range: Range<usize>,
    pub values: Vec<f64>,
}

/// Numbers not glued to a letter on the left (`J18`, `x10`, `c/8h` keeps 8:
/// a slash is not a letter) nor after `^`. `875/125` is one number with two
/// values.
pub(crate) fn numbers(folded: &str) -> Vec<Number> {
    let bytes = folded.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let glued = folded[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphabetic() || c == '^');
        let mut values = Vec::new();
        loop {
            let s = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || ((bytes[i] == b'.' || bytes[i] == b',')
                        && i + 1 < bytes.len()
                        && bytes[i + 1].is_ascii_digit()))
            {
                i += 1;
            }
            values.push(parse_number(&folded[s..i]));
            if i + 1 < bytes.len() && bytes[i] == b'/' && bytes[i + 1].is_ascii_digit() {
                i += 1;
                continue;
            }
            break;
        }
        let glued_right = folded[i..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() && !matches!(c, 'h' | 'x'))
            && !folded[i..].starts_with("mg")
            && !folded[i..].starts_with("ml")
            && !folded[i..].starts_with("g ")
            && !folded[i..].starts_with("ui")
            && !folded[i..].starts_with("mcg");
        if !glued && !glued_right {
            out.push(Number {
                range: start..i,
                values,
            });
        }
    }
    out
}

pub(crate) fn parse_number(raw: &str) -> f64 {
    // "7.654.321", "15.800": groups of three after the first.
    let grouped = {
        let mut groups = raw.split('.');
        let head = groups.next().unwrap_or("");
        let rest: Vec<&str> = groups.collect();
        rest.len() >= 2 && (1..=3).contains(&head.len()) && rest.iter().all(|g| g.len() == 3)
    };
    let normal = if grouped {
        raw.replace('.', "")
    } else if raw.contains(',') {
        raw.replace('.', "").replace(',', ".")
    } else if let Some((int, frac)) = raw.split_once('.') {
        if frac.len() == 3 && !int.is_empty() && int != "0" && !frac.contains('.') {
            format!("{int}{frac}")
        } else {
            raw.to_string()
        }
    } else {
        raw.to_string()
    };
    normal.parse::<f64>().unwrap_or(f64::NAN)
}

/// Spanish number words a text may use for small counts.
pub(crate) fn number_word(word: &str) -> Option<f64> {
    const WORDS: &[&str] = &[
        "cero",
        "uno",
        "dos",
        "tres",
        "cuatro",
        "cinco",
        "seis",
        "siete",
        "ocho",
        "nueve",
        "diez",
        "once",
        "doce",
        "trece",
        "catorce",
        "quince",
        "dieciseis",
        "diecisiete",
        "dieciocho",
        "diecinueve",
        "veinte",
    ];
    match word {
        "un" | "una" => Some(1.0),
        "veintiuno" | "veintiun" => Some(21.0),
        "treinta" => Some(30.0),
        _ => WORDS.iter().position(|w| *w == word).map(|n| n as f64),
    }
}

/// Numbers equal up to rounding, or by a factor of 1000 (15.800 for 15,8
/// ×10³/µL; 1000 mg for 1 g).
pub(crate) fn same_number(a: f64, b: f64) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-6 * x.abs().max(y.abs()).max(1.0);
    close(a, b) || close(a, b * 1000.0) || close(a * 1000.0, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_words_and_numbers() {
        let doc = Doc::new("Ingresa con 38,9 °C. Dra. Soto indica J18.9; luego alta.\nFin");
        // "luego alta." ends a line, and the break is a sentence end too.
        assert_eq!(doc.sentences.len(), 5);
        assert_eq!(doc.word(0), "ingresa");
        let n = numbers(&doc.folded);
        assert_eq!(n[0].values, vec![38.9]);
        assert_eq!(parse_number("15.800"), 15800.0);
        assert_eq!(parse_number("0.5"), 0.5);
        let dose = numbers("875/125 mg c/12h");
        assert_eq!(dose[0].values, vec![875.0, 125.0]);
        assert_eq!(dose[1].values, vec![12.0]);
    }

    #[test]
    fn negation_reaches_across_a_list_and_stops_at_a_new_clause() {
        let doc = Doc::new("No requirió traslado a UCI, drogas vasoactivas ni VNI. Presentó FA.");
        let at = |w: &str| (0..doc.words.len()).find(|&i| doc.word(i) == w).unwrap();
        assert!(doc.negated[at("uci")]);
        assert!(doc.negated[at("vasoactivas")]);
        assert!(doc.negated[at("vni")]);
        assert!(!doc.negated[at("fa")]);
        let doc = Doc::new("Sin fiebre, con neumonía basal.");
        let neumonia = (0..doc.words.len())
            .find(|&i| doc.word(i) == "neumonia")
            .unwrap();
        assert!(!doc.negated[neumonia]);
    }

    #[test]
    fn headings_and_cues_mark_the_discharge_part() {
        let doc =
            Doc::new("Evolución\nRecibe ceftriaxona.\n\nIndicaciones al alta\nMetformina 850 mg.");
        assert_eq!(
            doc.part_at(doc.folded.find("ceftriaxona").unwrap()),
            Part::Course
        );
        assert_eq!(
            doc.part_at(doc.folded.find("metformina").unwrap()),
            Part::Discharge
        );
        let prose =
            Doc::new("Recibe ceftriaxona. Al alta se indica metformina. Además paracetamol.");
        assert_eq!(
            prose.part_at(prose.folded.find("paracetamol").unwrap()),
            Part::Discharge
        );
        assert_eq!(
            prose.part_at(prose.folded.find("ceftriaxona").unwrap()),
            Part::Course
        );
    }
}
