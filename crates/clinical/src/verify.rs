//! The faithfulness check: what in a draft does not match the episode.
//!
//! Each rule looks for one kind of departure a reviewing clinician must see
//! (an omission, an invented fact, a dangerous prescription, broken output)
//! and reports it with the byte span to highlight. Matching folds accents and
//! case, so "Ceftriaxona" in the episode matches "CEFTRIAXONA" in a text.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Serialize;

use crate::episode::Episode;
use crate::text::{fold, fold_with_map};
use crate::validate::{is_atc, is_cie10};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gravedad {
    Alta,
    Media,
    Baja,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A discharge diagnosis the text does not mention.
    DiagnosticoOmitido,
    /// A discharge drug the text does not mention.
    MedicamentoOmitido,
    /// A CIE-10 or ATC code that is not in the episode.
    CodigoNoConsignado,
    /// A drug name that is not in the episode.
    FarmacoNoConsignado,
    /// A number (dose, value, days, date) that is not in the episode.
    NumeroNoConsignado,
    /// A complication or deterioration the episode does not record.
    ComplicacionNoConsignada,
    /// A drug the patient is allergic to, named as given.
    AlergiaPrescrita,
    /// Repetition loops, Markdown or leftover template tokens.
    SalidaDegenerada,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Gravedad,
    /// Byte span in the checked text; `None` for omissions, which have no
    /// place in the text.
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// Checks `text` against the (normalised) `episode`. Findings come in text
/// order, omissions last.
pub fn verify(episode: &Episode, text: &str) -> Vec<Finding> {
    let facts = Facts::of(episode);
    let (folded, map) = fold_with_map(text);
    let span = |r: Range<usize>| Some(map[r.start]..map[r.end]);
    let mut findings = Vec::new();

    // Invented codes.
    for token in tokens(text) {
        let word = token.text.trim_end_matches('.');
        let in_parens = token.start > 0 && text[..token.start].ends_with('(');
        let code_like =
            is_atc(word) && word.len() == 7 || is_cie10(word) && (word.contains('.') || in_parens);
        if code_like && !facts.codes.contains(&word.to_uppercase()) {
            findings.push(Finding {
                kind: FindingKind::CodigoNoConsignado,
                severity: Gravedad::Alta,
                span: Some(token.start..token.start + word.len()),
                message: format!("el código {word} no figura en el episodio"),
            });
        }
    }

    // Drugs not in the episode, and drugs the patient is allergic to.
    for drug in lexicon() {
        for at in word_matches(&folded, drug) {
            if facts.allergens.iter().any(|a| a == drug) {
                if !in_allergy_context(&folded, at.start) {
                    findings.push(Finding {
                        kind: FindingKind::AlergiaPrescrita,
                        severity: Gravedad::Alta,
                        span: span(at.clone()),
                        message: format!(
                            "{} figura como indicado, pero el paciente es alérgico ({})",
                            &text[map[at.start]..map[at.end]],
                            facts.allergy_labels.join(", ")
                        ),
                    });
                }
            } else if !facts.mentions(drug) {
                findings.push(Finding {
                    kind: FindingKind::FarmacoNoConsignado,
                    severity: Gravedad::Alta,
                    span: span(at.clone()),
                    message: format!(
                        "el fármaco «{}» no figura en el episodio",
                        &text[map[at.start]..map[at.end]]
                    ),
                });
            }
        }
    }

    // Complications the episode does not record.
    for term in COMPLICATIONS {
        for at in word_matches(&folded, term) {
            if facts.mentions(term) || negated(&folded, at.start) {
                continue;
            }
            findings.push(Finding {
                kind: FindingKind::ComplicacionNoConsignada,
                severity: Gravedad::Alta,
                span: span(at.clone()),
                message: format!(
                    "«{}» no consta en el episodio: verifique que no sea una complicación inventada",
                    &text[map[at.start]..map[at.end]]
                ),
            });
        }
    }

    // Numbers not in the episode.
    for (range, value) in numbers(text) {
        if !facts.numbers.contains(&value) {
            findings.push(Finding {
                kind: FindingKind::NumeroNoConsignado,
                severity: Gravedad::Media,
                span: Some(range.clone()),
                message: format!("el número {} no figura en el episodio", &text[range]),
            });
        }
    }

    degenerate(text, &mut findings);

    findings.sort_by_key(|f| f.span.as_ref().map_or(usize::MAX, |s| s.start));

    // Omissions.
    let upper = text.to_uppercase();
    for dx in &episode.diagnostico_egreso {
        let code_found = dx.codigo.as_deref().is_some_and(|c| upper.contains(c));
        let name_found = !dx.nombre.is_empty() && folded.contains(&fold(&dx.nombre));
        if !code_found && !name_found {
            let label = crate::items::diagnosis(dx);
            findings.push(Finding {
                kind: FindingKind::DiagnosticoOmitido,
                severity: if dx.codigo.is_some() {
                    Gravedad::Alta
                } else {
                    Gravedad::Media
                },
                span: None,
                message: format!("falta el diagnóstico de egreso {label}"),
            });
        }
    }
    for m in &episode.indicaciones_alta.medicamentos {
        let key = first_word(&fold(&m.nombre));
        if !key.is_empty() && word_matches(&folded, &key).next().is_none() {
            findings.push(Finding {
                kind: FindingKind::MedicamentoOmitido,
                severity: Gravedad::Alta,
                span: None,
                message: format!(
                    "falta el medicamento de alta {}",
                    crate::items::discharge_drug(m)
                ),
            });
        }
    }
    findings
}

/// Whether any finding is of severity alta (the CLI exits 1 then).
pub fn has_alta(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Gravedad::Alta)
}

/// What the episode says, prepared for matching.
struct Facts {
    corpus: String,
    codes: HashSet<String>,
    numbers: HashSet<String>,
    allergens: Vec<String>,
    allergy_labels: Vec<String>,
}

impl Facts {
    fn of(episode: &Episode) -> Facts {
        let json = serde_json::to_string(episode).unwrap_or_default();
        let corpus = fold(&json);
        let mut codes = HashSet::new();
        for token in tokens(&json) {
            let word = token.text.trim_end_matches('.').to_uppercase();
            codes.insert(word);
        }
        let mut numbers: HashSet<String> = numbers(&json).into_iter().map(|(_, v)| v).collect();
        if let Some(days) = episode.atencion.dias_estadia() {
            numbers.insert(days.to_string());
        }
        if let Some(age) = crate::items::episode_age(episode) {
            numbers.insert(canonical_number(&crate::text::number(age.valor)));
        }
        let allergy_labels: Vec<String> = episode
            .antecedentes
            .alergias_conocidas()
            .unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect();
        let allergens = allergy_labels
            .iter()
            .flat_map(|a| allergy_class(&fold(a)))
            .collect();
        Facts {
            corpus,
            codes,
            numbers,
            allergens,
            allergy_labels,
        }
    }
}

impl Facts {
    /// Whether the episode names `term` (folded) as a whole word anywhere.
    fn mentions(&self, term: &str) -> bool {
        word_matches(&self.corpus, term).next().is_some()
    }
}

/// The drugs an allergy rules out: the named drug, and its class for the
/// classes where cross-reactivity is the rule.
fn allergy_class(allergy: &str) -> Vec<String> {
    const CLASSES: &[(&[&str], &[&str])] = &[
        (
            &[
                "penicilina",
                "betalactamico",
                "betalactamicos",
                "amoxicilina",
            ],
            &[
                "penicilina",
                "bencilpenicilina",
                "amoxicilina",
                "ampicilina",
                "cloxacilina",
                "flucloxacilina",
                "oxacilina",
                "piperacilina",
            ],
        ),
        (
            &["acido acetilsalicilico", "aspirina", "aas"],
            &["acido acetilsalicilico", "aspirina"],
        ),
        (
            &["aine", "aines", "antiinflamatorios"],
            &[
                "ibuprofeno",
                "ketoprofeno",
                "diclofenaco",
                "naproxeno",
                "ketorolaco",
                "celecoxib",
                "acido acetilsalicilico",
                "aspirina",
            ],
        ),
        (
            &["sulfa", "sulfas", "sulfonamidas", "cotrimoxazol"],
            &["cotrimoxazol", "sulfametoxazol"],
        ),
        (&["dipirona", "metamizol"], &["metamizol", "dipirona"]),
    ];
    let mut out: Vec<String> = Vec::new();
    for (names, members) in CLASSES {
        if names.iter().any(|n| allergy.contains(n)) {
            out.extend(members.iter().map(|m| m.to_string()));
        }
    }
    for drug in lexicon() {
        if allergy.contains(drug.as_str()) {
            out.push(drug.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn lexicon() -> &'static [String] {
    static LEXICON: OnceLock<Vec<String>> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut words: Vec<String> = include_str!("../data/farmacos.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(fold)
            .collect();
        words.sort();
        words.dedup();
        words
    })
}

/// Complication and deterioration terms, folded.
const COMPLICATIONS: &[&str] = &[
    "uci",
    "uti",
    "unidad de cuidados intensivos",
    "unidad de paciente critico",
    "cuidados intensivos",
    "sepsis",
    "septico",
    "septica",
    "shock",
    "intubacion",
    "intubado",
    "intubada",
    "ventilacion mecanica",
    "vmi",
    "fallecio",
    "fallece",
    "fallecimiento",
    "obito",
    "paro cardiorrespiratorio",
    "reanimacion",
    "hemorragia",
    "transfusion",
    "dialisis",
    "hemodialisis",
    "reintervencion",
    "drogas vasoactivas",
    "traqueostomia",
    "convulsion",
    "tromboembolismo",
    "infarto",
    "accidente cerebrovascular",
    "insuficiencia respiratoria",
    "neumotorax",
    "perforacion",
    "deterioro",
    "complicacion",
    "complicaciones",
];

const NEGATIONS: &[&str] = &[
    "sin", "no", "niega", "descarta", "descarto", "ni", "nunca", "tampoco",
];

/// Whether one of the four words before `at` negates it ("sin signos de
/// sepsis", "no requirió UCI").
fn negated(folded: &str, at: usize) -> bool {
    let before = &folded[..at];
    let sentence_start = before.rfind(['.', ';', '\n']).map_or(0, |i| i + 1);
    before[sentence_start..]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .rev()
        .take(4)
        .any(|w| NEGATIONS.contains(&w))
}

/// Whether the mention at `at` is itself the allergy ("alérgica a
/// penicilina", "Alergias: ácido acetilsalicílico").
fn in_allergy_context(folded: &str, at: usize) -> bool {
    let before = &folded[..at];
    let sentence_start = before.rfind(['.', ';', '\n']).map_or(0, |i| i + 1);
    let words: Vec<&str> = before[sentence_start..]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .rev()
        .take(6)
        .any(|w| w.starts_with("alergi") || w.starts_with("hipersensib"))
}

/// Whole-word occurrences of `needle` in `haystack` (both folded).
fn word_matches<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = Range<usize>> + 'a {
    haystack.match_indices(needle).filter_map(move |(at, m)| {
        let end = at + m.len();
        let before_ok = haystack[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = haystack[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        (before_ok && after_ok).then_some(at..end)
    })
}

fn first_word(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .find(|w| w.chars().count() >= 3)
        .unwrap_or("")
        .to_string()
}

struct Token<'a> {
    start: usize,
    text: &'a str,
}

/// Words made of letters, digits and dots (so that `J18.9` is one token).
fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    let mut start = None;
    let mut out = Vec::new();
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let part = c.is_alphanumeric() || c == '.';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Token {
                    start: s,
                    text: &text[s..i],
                });
                start = None;
            }
            _ => {}
        }
    }
    out.into_iter()
}

/// Numbers in `text` with their spans and canonical value (`38,9` and
/// `38.9` are both `38.9`; `02` is `2`). Digits that are part of a word or a
/// code (`J18.9`, `B12`, `c/8h` counts 8) are skipped when a letter touches
/// them on the left.
fn numbers(text: &str) -> Vec<(Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || ((bytes[i] == b'.' || bytes[i] == b',')
                        && i + 1 < bytes.len()
                        && bytes[i + 1].is_ascii_digit()))
            {
                i += 1;
            }
            let glued_to_letter = text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphabetic());
            if !glued_to_letter {
                out.push((start..i, canonical_number(&text[start..i])));
            }
        } else {
            i += 1;
        }
    }
    out
}

fn canonical_number(raw: &str) -> String {
    let normal = raw.replace(',', ".");
    match normal.parse::<f64>() {
        Ok(v) => format!("{v}"),
        Err(_) => normal,
    }
}

fn degenerate(text: &str, findings: &mut Vec<Finding>) {
    // Whole `<|...|>` tokens first, then stray pieces of other markers.
    let mut covered: Vec<Range<usize>> = Vec::new();
    for (at, _) in text.match_indices("<|") {
        let window = &text[at..text.len().min(at + 40)];
        if let Some(close) = window.find("|>") {
            covered.push(at..at + close + 2);
        }
    }
    for marker in crate::prompt::TEMPLATE_MARKERS {
        for (at, m) in text.match_indices(marker) {
            if !covered.iter().any(|r| r.contains(&at)) {
                covered.push(at..at + m.len());
            }
        }
    }
    covered.sort_by_key(|r| r.start);
    for range in covered {
        findings.push(Finding {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_episode;
    use crate::normalize::normalize;

    fn neumonia() -> Episode {
        let path = format!(
            "{}/../../tests/data/episodes/neumonia.json",
            env!("CARGO_MANIFEST_DIR")
        );
        normalize(parse_episode(&std::fs::read(path).unwrap()).unwrap())
    }

    const GOOD: &str = "Paciente femenina de 75 años. Ingresa el 2 de octubre de 2026 por neumonía adquirida en la comunidad (J18.9), \
        tratada con ceftriaxona 2 g EV y azitromicina. Evoluciona afebril, saturando 95% ambiental. \
        Diagnósticos de egreso: neumonía adquirida en la comunidad, en resolución (J18.9) y diabetes mellitus tipo 2 (E11.9). \
        Se indica amoxicilina/ácido clavulánico 875/125 mg VO c/12h por 3 días y metformina 850 mg VO c/12h.";

    fn kinds(text: &str) -> Vec<FindingKind> {
        verify(&neumonia(), text)
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    #[test]
    fn a_faithful_text_is_quiet() {
        assert_eq!(verify(&neumonia(), GOOD), vec![]);
    }

    #[test]
    fn omitted_discharge_diagnosis_and_drug() {
        let text = GOOD
            .replace("diabetes mellitus tipo 2 (E11.9)", "otros")
            .replace("metformina", "su tratamiento");
        let found = verify(&neumonia(), &text);
        assert!(found
            .iter()
            .any(|f| f.kind == FindingKind::DiagnosticoOmitido
                && f.message.contains("E11.9")
                && f.span.is_none()));
        assert!(
            found
                .iter()
                .any(|f| f.kind == FindingKind::MedicamentoOmitido
                    && f.message.contains("Metformina"))
        );
    }

    #[test]
    fn invented_code() {
        let text = format!("{GOOD} Además presenta infección urinaria (N39.0).");
        let found = verify(&neumonia(), &text);
        let f = found
            .iter()
            .find(|f| f.kind == FindingKind::CodigoNoConsignado)
            .expect("code finding");
        assert_eq!(&text[f.span.clone().unwrap()], "N39.0");
        assert_eq!(f.severity, Gravedad::Alta);
        // A vitamin name is not a code.
        assert!(!kinds(&format!("{GOOD} Vitamina B12 normal."))
            .contains(&FindingKind::CodigoNoConsignado));
    }

    #[test]
    fn drug_not_in_the_episode_with_accents_folded() {
        let text = format!("{GOOD} Se agrega LEVOFLOXACINO.");
        let found = verify(&neumonia(), &text);
        let f = found
            .iter()
            .find(|f| f.kind == FindingKind::FarmacoNoConsignado)
            .expect("drug finding");
        assert_eq!(&text[f.span.clone().unwrap()], "LEVOFLOXACINO");
        // Insulina is in the episode (insulina glargina): quiet.
        assert!(!kinds(&format!("{GOOD} Recibió insulina."))
            .contains(&FindingKind::FarmacoNoConsignado));
    }

    #[test]
    fn number_not_in_the_episode() {
        let text = GOOD.replace("2 g EV", "20 g EV");
        let found = verify(&neumonia(), &text);
        let f = found
            .iter()
            .find(|f| f.kind == FindingKind::NumeroNoConsignado)
            .expect("number finding");
        assert_eq!(&text[f.span.clone().unwrap()], "20");
        assert_eq!(f.severity, Gravedad::Media);
        // 38,9 is written 38,9 in the episode's notes; 7 days is the stay.
        assert!(
            !kinds(&format!("{GOOD} Ingresó con 38,9 °C; estadía de 7 días."))
                .contains(&FindingKind::NumeroNoConsignado)
        );
    }

    #[test]
    fn complication_not_in_the_episode_unless_negated() {
        let text = format!("{GOOD} Requirió traslado a UCI por shock séptico.");
        let found: Vec<_> = verify(&neumonia(), &text)
            .into_iter()
            .filter(|f| f.kind == FindingKind::ComplicacionNoConsignada)
            .map(|f| text[f.span.unwrap()].to_string())
            .collect();
        assert_eq!(found, ["UCI", "shock", "séptico"]);
        assert!(!kinds(&format!(
            "{GOOD} Evoluciona sin signos de sepsis, no requirió UCI."
        ))
        .contains(&FindingKind::ComplicacionNoConsignada));
    }

    #[test]
    fn allergy_drug_given_as_prescribed() {
        let mut episode = neumonia();
        episode.antecedentes.alergias = Some(vec!["Penicilina".into()]);
        let found = verify(&episode, GOOD);
        let f = found
            .iter()
            .find(|f| f.kind == FindingKind::AlergiaPrescrita)
            .expect("allergy finding");
        assert_eq!(&GOOD[f.span.clone().unwrap()], "amoxicilina");
        // Naming the allergy itself is not a prescription.
        let quiet = verify(
            &episode,
            &format!(
                "Paciente alérgica a penicilina. {}",
                GOOD.replace(
                    "amoxicilina/ácido clavulánico 875/125 mg VO c/12h por 3 días y ",
                    ""
                )
            ),
        );
        assert!(
            !quiet
                .iter()
                .any(|f| f.kind == FindingKind::AlergiaPrescrita),
            "{quiet:#?}"
        );
    }

    #[test]
    fn degenerate_output() {
        let looped = format!("{GOOD} El paciente mejora. El paciente mejora. El paciente mejora. El paciente mejora.");
        assert!(verify(&neumonia(), &looped)
            .iter()
            .any(|f| f.kind == FindingKind::SalidaDegenerada && f.severity == Gravedad::Alta));
        let stutter = format!("{GOOD} estable estable estable estable");
        assert!(kinds(&stutter).contains(&FindingKind::SalidaDegenerada));
        let template = format!("{GOOD}<|im_end|>");
        assert!(verify(&neumonia(), &template)
            .iter()
            .any(|f| f.kind == FindingKind::SalidaDegenerada && f.severity == Gravedad::Alta));
        let markdown = format!("## Epicrisis\n**{GOOD}**");
        let md: Vec<_> = verify(&neumonia(), &markdown)
            .into_iter()
            .filter(|f| f.kind == FindingKind::SalidaDegenerada)
            .collect();
        assert_eq!(md.len(), 2);
        assert!(md.iter().all(|f| f.severity == Gravedad::Baja));
    }

    #[test]
    fn spans_point_into_the_original_text_after_folding() {
        let text = format!("Ñandú ácido {GOOD} Se agrega CLARITROMICINA.");
        let f = verify(&neumonia(), &text)
            .into_iter()
            .find(|f| f.kind == FindingKind::FarmacoNoConsignado)
            .unwrap();
        assert_eq!(&text[f.span.unwrap()], "CLARITROMICINA");
    }
}
