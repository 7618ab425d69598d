//! The check's vocabularies, read once from the data files in `data/`.
//!
//! They are data, not code, so that a pharmacist or a clinician can review
//! and extend them without reading Rust: drug names and INN stems, brands and
//! ward abbreviations, diagnoses and events with their abbreviations, lab
//! test names, allergy classes, and the words that negate or hedge.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::text::fold;

use super::doc::Doc;

/// A multi-word form as folded tokens. `exact` holds the original tokens
/// when the form is an abbreviation that only counts in capitals.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub tokens: Vec<String>,
    pub exact: Option<Vec<String>>,
}

impl Form {
    pub fn new(raw: &str) -> Option<Form> {
        let raw = raw.trim();
        let tokens = tokenize(&fold(raw));
        if tokens.is_empty() {
            return None;
        }
        let upper = raw.chars().filter(|c| c.is_uppercase()).count();
        let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
        let exact = (upper >= 2 || (upper >= 1 && letters <= 3)).then(|| tokenize_exact(raw));
        Some(Form { tokens, exact })
    }
}

/// Alphanumeric runs, as [`Doc`] splits words.
pub(crate) fn tokenize(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn tokenize_exact(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Forms indexed by first token, longest first, each with a payload.
#[derive(Debug, Clone)]
pub(crate) struct PhraseSet<T> {
    by_first: HashMap<String, Vec<(Form, T)>>,
}

impl<T> Default for PhraseSet<T> {
    fn default() -> Self {
        PhraseSet {
            by_first: HashMap::new(),
        }
    }
}

/// One match of a [`PhraseSet`] in a document: word indices and payload.
#[derive(Debug, Clone)]
pub(crate) struct Hit<'a, T> {
    pub first: usize,
    pub last: usize,
    pub value: &'a T,
}

impl<T> PhraseSet<T> {
    pub fn insert(&mut self, form: Form, value: T) {
        let list = self.by_first.entry(form.tokens[0].clone()).or_default();
        list.push((form, value));
        list.sort_by_key(|(f, _)| std::cmp::Reverse(f.tokens.len()));
    }

    /// The longest form that starts at word `at`, within one sentence.
    pub fn at<'a>(&'a self, doc: &Doc, at: usize) -> Option<Hit<'a, T>> {
        let first = doc.word(at);
        let candidates = self.by_first.get(first)?;
        'forms: for (form, value) in candidates {
            let n = form.tokens.len();
            if at + n > doc.words.len() {
                continue;
            }
            let sentence = doc.words[at].sentence;
            for (k, token) in form.tokens.iter().enumerate() {
                let w = &doc.words[at + k];
                if w.sentence != sentence || doc.word(at + k) != token {
                    continue 'forms;
                }
                if k > 0 && !doc.joined(at + k - 1, at + k) {
                    continue 'forms;
                }
            }
            if let Some(exact) = &form.exact {
                for (k, token) in exact.iter().enumerate() {
                    let cased = token.chars().any(char::is_uppercase);
                    if cased && doc.original_word(at + k) != token {
                        continue 'forms;
                    }
                }
            }
            return Some(Hit {
                first: at,
                last: at + n - 1,
                value,
            });
        }
        None
    }

    /// Every non-overlapping longest match, left to right.
    pub fn scan<'a>(&'a self, doc: &Doc) -> Vec<Hit<'a, T>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < doc.words.len() {
            match self.at(doc, i) {
                Some(hit) => {
                    i = hit.last + 1;
                    out.push(hit);
                }
                None => i += 1,
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    Diagnosis,
    Event,
    /// A coronary artery or other side-bearing structure.
    Side,
    /// A germ a culture or a panel grew.
    Organism,
    /// A procedure or a study.
    Procedure,
}

#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub kind: TermKind,
    pub name: String,
    pub codes: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct LabName {
    pub name: String,
    pub forms: Vec<Form>,
}

#[derive(Debug, Clone)]
pub(crate) struct LabGroup {
    pub members: Vec<usize>,
}

/// A drug name, or a stem (`-cilina`, `cef-`).
#[derive(Debug, Clone)]
pub(crate) enum DrugPattern {
    Name(String),
    Suffix(String),
    Prefix(String),
}

impl DrugPattern {
    fn parse(raw: &str) -> Option<DrugPattern> {
        let raw = raw.trim();
        if let Some(s) = raw.strip_prefix('-') {
            Some(DrugPattern::Suffix(fold(s)))
        } else if let Some(p) = raw.strip_suffix('-') {
            Some(DrugPattern::Prefix(fold(p)))
        } else {
            let tokens = tokenize(&fold(raw));
            (!tokens.is_empty()).then(|| DrugPattern::Name(tokens.join(" ")))
        }
    }

    /// Whether the canonical drug `canon` belongs to this pattern.
    pub fn covers(&self, canon: &str) -> bool {
        match self {
            DrugPattern::Name(n) => canon == n || canon.starts_with(&format!("{n} ")),
            DrugPattern::Suffix(s) => canon.split(' ').any(|w| w.ends_with(s.as_str())),
            DrugPattern::Prefix(p) => canon.split(' ').any(|w| w.starts_with(p.as_str())),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AllergyClass {
    pub triggers: Vec<DrugPattern>,
    pub same: Vec<DrugPattern>,
    pub cross: Vec<DrugPattern>,
}

#[derive(Debug, Default)]
pub(crate) struct Cues {
    pub negation: PhraseSet<()>,
    pub end: PhraseSet<()>,
    pub after: PhraseSet<()>,
    pub doubt: PhraseSet<()>,
    pub conditional: PhraseSet<()>,
}

pub(crate) struct Lexicon {
    /// Generic names and aliases → canonical generic (folded tokens joined
    /// by one space).
    pub drugs: PhraseSet<String>,
    suffixes: Vec<String>,
    prefixes: Vec<String>,
    stem_exceptions: Vec<String>,
    pub terms: Vec<Term>,
    pub term_phrases: PhraseSet<usize>,
    pub labs: Vec<LabName>,
    pub lab_phrases: PhraseSet<usize>,
    pub groups: Vec<LabGroup>,
    pub group_phrases: PhraseSet<usize>,
    pub allergies: Vec<AllergyClass>,
    pub cues: Cues,
}

pub(crate) fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(Lexicon::load)
}

fn lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The Spanish plural of a folded word: "infeccion" → "infecciones",
/// "urinaria" → "urinarias"; short words and numbers stay as they are.
fn plural(word: &str) -> String {
    if word.chars().count() < 4 || !word.chars().all(char::is_alphabetic) || word.ends_with('s') {
        return word.to_string();
    }
    match word.chars().last() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("{word}s"),
        Some('z') => format!("{}ces", &word[..word.len() - 1]),
        _ => format!("{word}es"),
    }
}

/// The canonical key of a drug name: folded tokens joined by one space.
pub(crate) fn canon(name: &str) -> String {
    tokenize(&fold(name)).join(" ")
}

impl Lexicon {
    fn load() -> Lexicon {
        // Aliases first: where a name is both (a brand that became a word),
        // the generic it stands for wins.
        let mut drugs = PhraseSet::default();
        let mut seen = std::collections::HashSet::new();
        for line in lines(include_str!("../../data/marcas.txt")) {
            if let Some((alias, generic)) = line.split_once('=') {
                if let Some(form) = Form::new(alias) {
                    seen.insert(form.tokens.join(" "));
                    drugs.insert(form, canon(generic));
                }
            }
        }
        for line in lines(include_str!("../../data/farmacos.txt")) {
            if let Some(form) = Form::new(&line.to_lowercase()) {
                if seen.insert(form.tokens.join(" ")) {
                    drugs.insert(form, canon(line));
                }
            }
        }
        let (mut suffixes, mut prefixes, mut stem_exceptions) = (vec![], vec![], vec![]);
        let mut in_exceptions = false;
        for line in lines(include_str!("../../data/sufijos_dci.txt")) {
            if line == "excepciones:" {
                in_exceptions = true;
            } else if in_exceptions {
                stem_exceptions.push(fold(line));
            } else if let Some(s) = line.strip_prefix('-') {
                suffixes.push(fold(s));
            } else if let Some(p) = line.strip_suffix('-') {
                prefixes.push(fold(p));
            }
        }

        let mut terms = Vec::new();
        let mut term_phrases = PhraseSet::default();
        for line in lines(include_str!("../../data/terminos.txt")) {
            let mut parts = line.split('|').map(str::trim);
            let (Some(kind), Some(codes), Some(forms)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let kind = match kind {
                "dx" => TermKind::Diagnosis,
                "lado" => TermKind::Side,
                "germen" => TermKind::Organism,
                "proc" => TermKind::Procedure,
                _ => TermKind::Event,
            };
            let mut forms: Vec<Form> = forms.split(';').filter_map(Form::new).collect();
            // "infecciones urinarias a repetición": the plural of a form
            // names the same concept.
            let plurals: Vec<Form> = forms
                .iter()
                .filter(|f| f.exact.is_none())
                .map(|f| Form {
                    tokens: f.tokens.iter().map(|t| plural(t)).collect(),
                    exact: None,
                })
                .filter(|p| !forms.iter().any(|f| f.tokens == p.tokens))
                .collect();
            forms.extend(plurals);
            let name = line
                .rsplit('|')
                .next()
                .and_then(|f| f.split(';').next())
                .unwrap_or("")
                .trim()
                .to_string();
            let index = terms.len();
            for form in &forms {
                term_phrases.insert(form.clone(), index);
            }
            terms.push(Term {
                kind,
                name,
                codes: codes
                    .split(',')
                    .map(|c| c.trim().to_uppercase())
                    .filter(|c| !c.is_empty())
                    .collect(),
            });
        }

        let mut labs: Vec<LabName> = Vec::new();
        let mut lab_phrases = PhraseSet::default();
        let mut group_lines = Vec::new();
        for line in lines(include_str!("../../data/laboratorios.txt")) {
            if let Some(rest) = line.strip_prefix("grupo:") {
                group_lines.push(rest);
                continue;
            }
            let Some((name, aliases)) = line.split_once('|') else {
                continue;
            };
            let mut forms: Vec<Form> = aliases.split(';').filter_map(Form::new).collect();
            forms.extend(Form::new(&name.to_lowercase()));
            let index = labs.len();
            for form in &forms {
                lab_phrases.insert(form.clone(), index);
            }
            labs.push(LabName {
                name: canon(name),
                forms,
            });
        }
        let mut groups = Vec::new();
        let mut group_phrases = PhraseSet::default();
        for rest in group_lines {
            let Some((names, members)) = rest.split_once('|') else {
                continue;
            };
            let members: Vec<usize> = members
                .split(';')
                .filter_map(|m| labs.iter().position(|l| l.name == canon(m)))
                .collect();
            let index = groups.len();
            for form in names.split(';').filter_map(Form::new) {
                group_phrases.insert(form, index);
            }
            groups.push(LabGroup { members });
        }

        let mut allergies = Vec::new();
        for line in lines(include_str!("../../data/alergias.txt")) {
            let mut parts = line.split('|');
            let mut list = || -> Vec<DrugPattern> {
                parts
                    .next()
                    .unwrap_or("")
                    .split(';')
                    .filter_map(DrugPattern::parse)
                    .collect()
            };
            let triggers = list();
            let same = list();
            let cross = list();
            allergies.push(AllergyClass {
                triggers,
                same,
                cross,
            });
        }

        let mut cues = Cues::default();
        for line in lines(include_str!("../../data/negacion.txt")) {
            let Some((kind, words)) = line.split_once(':') else {
                continue;
            };
            let set = match kind.trim() {
                "niega" => &mut cues.negation,
                "fin" => &mut cues.end,
                "despues" => &mut cues.after,
                "condicional" => &mut cues.conditional,
                _ => &mut cues.doubt,
            };
            for form in words
                .split(';')
                .filter_map(|w| Form::new(&w.to_lowercase()))
            {
                set.insert(form, ());
            }
        }

        Lexicon {
            drugs,
            suffixes,
            prefixes,
            stem_exceptions,
            terms,
            term_phrases,
            labs,
            lab_phrases,
            groups,
            group_phrases,
            allergies,
            cues,
        }
    }

    /// Whether a single folded word is a drug by its INN stem alone.
    pub fn stem_drug(&self, word: &str) -> bool {
        if word.chars().count() < 8
            || !word.chars().all(char::is_alphabetic)
            || self.stem_exceptions.iter().any(|e| e == word)
        {
            return false;
        }
        self.suffixes.iter().any(|s| word.ends_with(s.as_str()))
            || self.prefixes.iter().any(|p| word.starts_with(p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_load() {
        let lex = lexicon();
        assert!(lex.terms.len() > 80);
        assert!(lex.labs.len() > 30);
        assert_eq!(lex.groups.len(), 3);
        assert!(lex.groups.iter().all(|g| !g.members.is_empty()));
        assert!(lex.stem_drug("nebivolol"));
        assert!(lex.stem_drug("cefpodoxima"));
        assert!(!lex.stem_drug("cefalea"));
        assert!(!lex.stem_drug("colesterol"));
        assert!(!lex.stem_drug("abril"));
        let form = Form::new("AAS").unwrap();
        assert!(form.exact.is_some());
        assert!(Form::new("Brilinta").unwrap().exact.is_none());
    }
}
