//! A prescription's attributes as Spanish clinical writing states them:
//! dose ("875/125 mg", "1 gr", "1.000 mg"), route ("VO", "endovenoso"),
//! frequency ("c/8h", "cada 8 horas", "3 veces al día", "mañana y noche")
//! and duration ("por 5 días", "x 7 días", "por 2 semanas", "permanente").
//! Each parses both the episode's field and the text after a drug's name,
//! so that the two compare as values, not as strings.

use std::sync::OnceLock;

use regex::Regex;

use crate::text::fold;

use super::doc::{number_word, parse_number, same_number};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dose {
    /// In the unit's base (mg for masses, UI, mL, counts).
    pub values: Vec<f64>,
    pub unit: Unit,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Mass,
    Units,
    Volume,
    Equivalents,
    Count,
    Percent,
    PerKg,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Frequency {
    Hours(f64),
    AsNeeded,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Duration {
    Days(f64),
    Permanent,
}

/// A regular expression of this module's own; the patterns are constants
/// that the unit tests exercise, so a bad one fails every test at once.
#[allow(clippy::expect_used)]
pub(crate) fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the check's patterns are valid")
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| compile(pattern))
}

const NUM: &str = r"\d+(?:[.,]\d+)*";

fn dose_re() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    re(
        &CELL,
        &format!(
            r"(?:^|[^\w/.,])({NUM}(?:\s*/\s*{NUM})*)\s*(mg/kg|mcg|ug|µg|microgramos?|mg|miligramos?|grs?|gramos?|g|ui|u|unidades|ml|cc|meq|mmol|gotas|gts|comprimidos?|comp|cp|tabletas?|capsulas?|puffs?|inhalaciones|sobres?|ampollas?|%)(?:[^\w]|$)"
        ),
    )
}

/// The first dose in `folded` text.
pub(crate) fn find_dose(folded: &str) -> Option<(std::ops::Range<usize>, Dose)> {
    let caps = dose_re().captures(folded)?;
    let number = caps.get(1)?;
    let unit = caps.get(2)?;
    let (factor, unit_kind) = match unit.as_str() {
        "mg" | "miligramo" | "miligramos" => (1.0, Unit::Mass),
        "g" | "gr" | "grs" | "gramo" | "gramos" => (1000.0, Unit::Mass),
        "mcg" | "ug" | "µg" | "microgramo" | "microgramos" => (0.001, Unit::Mass),
        "ui" | "u" | "unidades" => (1.0, Unit::Units),
        "ml" | "cc" => (1.0, Unit::Volume),
        "meq" | "mmol" => (1.0, Unit::Equivalents),
        "%" => (1.0, Unit::Percent),
        "mg/kg" => (1.0, Unit::PerKg),
        _ => (1.0, Unit::Count),
    };
    let values: Vec<f64> = number
        .as_str()
        .split('/')
        .map(|v| parse_number(v.trim()) * factor)
        .collect();
    // "500 mg, 2 comprimidos": the dose taken is the product.
    let mut values: Vec<f64> = values;
    if unit_kind == Unit::Mass && values.len() == 1 {
        static TIMES: OnceLock<Regex> = OnceLock::new();
        let times = TIMES.get_or_init(|| {
            compile(
                r"^[\s,]*(\d|dos|tres|cuatro)\s+(?:comprimidos|tabletas|capsulas|sobres|ampollas)",
            )
        });
        if let Some(n) = times
            .captures(&folded[unit.end()..])
            .and_then(|c| c.get(1))
            .and_then(|m| count(m.as_str()))
        {
            values[0] *= n;
        }
    }
    Some((
        number.start()..unit.end(),
        Dose {
            values,
            unit: unit_kind,
            text: folded[number.start()..unit.end()].to_string(),
        },
    ))
}

pub(crate) fn dose(raw: &str) -> Option<Dose> {
    find_dose(&fold(raw)).map(|(_, d)| d)
}

impl Dose {
    /// Same dose: same unit kind and the same values, or the text giving only
    /// the first of a combination's values (875 mg for 875/125 mg).
    pub fn agrees(&self, episode: &Dose) -> Option<bool> {
        if self.unit != episode.unit {
            return None;
        }
        let same = |a: &[f64], b: &[f64]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| (x - y).abs() < 1e-6 * x.abs().max(1.0))
        };
        Some(
            same(&self.values, &episode.values)
                || (self.values.len() == 1 && same(&self.values, &episode.values[..1])),
        )
    }
}

fn route_re() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    re(
        &CELL,
        r"(?:^|[^\w])(vo|v\.o|via oral|orales|oral|por boca|ev|e\.v|iv|endovenos[oa]s?|intravenos[oa]s?|sc|s\.c|subcutane[oa]s?|im|intramusculares|intramuscular|sl|sublingual|inh|inhalad[oa]s?|inhalatori[oa]s?|top|topic[oa]s?|rectal)(?:[^\w]|$)",
    )
}

pub(crate) fn find_route(folded: &str) -> Option<(std::ops::Range<usize>, String)> {
    let caps = route_re().captures(folded)?;
    let m = caps.get(1)?;
    let word = m.as_str();
    let code = match word.trim_end_matches('s') {
        "vo" | "v.o" | "via oral" | "oral" | "orale" | "por boca" => "VO",
        "ev" | "e.v" | "iv" | "endovenoso" | "endovenosa" | "intravenoso" | "intravenosa" => "EV",
        "sc" | "s.c" | "subcutaneo" | "subcutanea" => "SC",
        "im" | "intramuscular" | "intramusculare" => "IM",
        "sl" | "sublingual" => "SL",
        "inh" | "inhalado" | "inhalada" | "inhalatorio" | "inhalatoria" => "INH",
        "top" | "topico" | "topica" => "TOP",
        _ => "REC",
    };
    Some((m.range(), code.to_string()))
}

pub(crate) fn route(raw: &str) -> Option<String> {
    find_route(&fold(raw)).map(|(_, r)| r)
}

fn count(word: &str) -> Option<f64> {
    word.parse::<f64>().ok().or_else(|| number_word(word))
}

fn frequency_res() -> &'static [(Regex, u8)] {
    static CELL: OnceLock<Vec<(Regex, u8)>> = OnceLock::new();
    CELL.get_or_init(|| {
        let words = r"\d+|una|un|dos|tres|cuatro|cinco|seis|ocho|doce";
        [
            (r"c\s*/\s*(\d+)\s*(?:h|hr|hrs|horas?)?(?:[^\w]|$)", 0u8),
            (&format!(r"cada\s+({words})\s*(?:h|hr|hrs|horas?)(?:[^\w]|$)"), 0),
            (r"(?:^|[^\w])(\d+)\s*/\s*\d+\s*(?:h|hr|hrs|horas)(?:[^\w]|$)", 0),
            (&format!(r"(?:^|[^\w])({words})\s+(?:vez|veces)\s+(?:al|por|cada)\s+dia"), 1),
            (r"(?:/|al |por )dia(?:[^\w]|$)|diari[oa]|cada dia|c\s*/\s*dia|c\s*/\s*noche|cada noche|en la noche|al acostarse|nocturn[oa]|en la manana|cada manana|matinal|una vez al dia", 2),
            (r"manana y noche|cada 12|(?:^|[^\w])bid(?:[^\w]|$)", 3),
            (r"(?:^|[^\w])tid(?:[^\w]|$)", 6),
            (r"(?:^|[^\w])qid(?:[^\w]|$)", 7),
            (r"(?:^|[^\w])(?:qd|od)(?:[^\w]|$)", 2),
            (r"semanal|cada semana|c\s*/\s*semana|por semana", 4),
            (r"(?:^|[^\w])sos(?:[^\w]|$)|si dolor|si fiebre|en caso de|a demanda|condicional", 5),
        ]
        .iter()
        .map(|(p, k)| (compile(p), *k))
        .collect()
    })
}

/// `range` without the spaces and punctuation a pattern's boundary took.
fn trimmed(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let piece = &text[range.clone()];
    let start = range.start
        + (piece.len()
            - piece
                .trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == ',')
                .len());
    let end = range.start
        + piece
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '.' | ')'))
            .len();
    start..end.max(start)
}

/// The earliest frequency stated in `folded` text.
pub(crate) fn find_frequency(folded: &str) -> Option<(std::ops::Range<usize>, Frequency)> {
    let mut best: Option<(std::ops::Range<usize>, Frequency)> = None;
    for (re, kind) in frequency_res() {
        let Some(caps) = re.captures(folded) else {
            continue;
        };
        let Some(whole) = caps.get(0) else { continue };
        let value = match kind {
            0 => caps
                .get(1)
                .and_then(|m| count(m.as_str()))
                .map(Frequency::Hours),
            1 => caps
                .get(1)
                .and_then(|m| count(m.as_str()))
                .filter(|n| *n > 0.0)
                .map(|n| Frequency::Hours(24.0 / n)),
            2 => Some(Frequency::Hours(24.0)),
            3 => Some(Frequency::Hours(12.0)),
            4 => Some(Frequency::Hours(168.0)),
            6 => Some(Frequency::Hours(8.0)),
            7 => Some(Frequency::Hours(6.0)),
            _ => Some(Frequency::AsNeeded),
        };
        if let Some(value) = value {
            if best.as_ref().is_none_or(|(r, _)| whole.start() < r.start) {
                best = Some((trimmed(folded, whole.range()), value));
            }
        }
    }
    best
}

pub(crate) fn frequency(raw: &str) -> Option<Frequency> {
    find_frequency(&fold(raw)).map(|(_, f)| f)
}

impl Frequency {
    pub fn agrees(self, episode: Frequency) -> Option<bool> {
        match (self, episode) {
            (Frequency::Hours(a), Frequency::Hours(b)) => {
                Some(same_number(a, b) && (a - b).abs() < 0.01)
            }
            (Frequency::AsNeeded, Frequency::AsNeeded) => Some(true),
            // "SOS" beside a fixed schedule, or the reverse, is ambiguous.
            _ => None,
        }
    }
}

fn duration_res() -> &'static [Regex; 3] {
    static CELL: OnceLock<[Regex; 3]> = OnceLock::new();
    CELL.get_or_init(|| {
        let words = r"\d+|un|una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|veinte|veintiun|treinta";
        let make = |p: &str| compile(p);
        [
            make(&format!(r"(?:^|[^\w])(?:por|x|durante|por un total de|total)\s+({words})\s*(dias?|d|semanas?|mes(?:es)?)(?:[^\w]|$)")),
            make(r"permanente|cronic[oa]|indefinid|de por vida|hasta nuevo aviso|uso continuo"),
            make(&format!(r"^\s*({words})\s*(dias?|d|semanas?|mes(?:es)?)")),
        ]
    })
}

fn days(n: f64, unit: &str) -> f64 {
    if unit.starts_with("semana") {
        n * 7.0
    } else if unit.starts_with("mes") {
        n * 30.0
    } else {
        n
    }
}

/// A duration stated after a drug ("por 5 días"), unless it is a total that
/// counts the days already given ("hasta completar 7 días").
pub(crate) fn find_duration(folded: &str) -> Option<(std::ops::Range<usize>, Duration)> {
    if folded.contains("complet") {
        return None;
    }
    let [by, permanent, _] = duration_res();
    let a = by.captures(folded).and_then(|c| {
        let n = count(c.get(1)?.as_str())?;
        Some((
            trimmed(folded, c.get(0)?.range()),
            Duration::Days(days(n, c.get(2)?.as_str())),
        ))
    });
    let b = permanent
        .find(folded)
        .map(|m| (m.range(), Duration::Permanent));
    match (a, b) {
        (Some(a), Some(b)) => Some(if a.0.start <= b.0.start { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The episode's `duracion`: "3 días", "2 semanas", "Permanente".
pub(crate) fn episode_duration(raw: &str) -> Option<Duration> {
    let folded = fold(raw);
    let [_, permanent, bare] = duration_res();
    if permanent.is_match(&folded) {
        return Some(Duration::Permanent);
    }
    let c = bare
        .captures(&folded)
        .or_else(|| duration_res()[0].captures(&folded))?;
    let n = count(c.get(1)?.as_str())?;
    Some(Duration::Days(days(n, c.get(2)?.as_str())))
}

impl Duration {
    pub fn agrees(self, episode: Duration) -> bool {
        match (self, episode) {
            (Duration::Days(a), Duration::Days(b)) => (a - b).abs() < 0.5,
            (Duration::Permanent, Duration::Permanent) => true,
            _ => false,
        }
    }
}

/// Words that may follow a drug's name as part of its prescription. The
/// attribute scope of a mention ends at the first word that is none of
/// these, so that "paracetamol 1 g c/8h y reposo por 5 días" gives the
/// paracetamol no duration.
pub(crate) fn attribute_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "mg",
        "g",
        "gr",
        "grs",
        "gramo",
        "gramos",
        "mcg",
        "ug",
        "ui",
        "u",
        "unidades",
        "ml",
        "cc",
        "meq",
        "mmol",
        "gotas",
        "gts",
        "comprimido",
        "comprimidos",
        "comp",
        "cp",
        "tableta",
        "tabletas",
        "capsula",
        "capsulas",
        "puff",
        "puffs",
        "inhalaciones",
        "sobre",
        "sobres",
        "ampolla",
        "ampollas",
        "kg",
        "vo",
        "v",
        "o",
        "oral",
        "via",
        "ev",
        "e",
        "iv",
        "endovenoso",
        "endovenosa",
        "intravenoso",
        "intravenosa",
        "sc",
        "s",
        "c",
        "subcutaneo",
        "subcutanea",
        "subcutaneas",
        "subcutaneos",
        "endovenosas",
        "endovenosos",
        "intravenosas",
        "orales",
        "intramusculares",
        "inhaladas",
        "inhalados",
        "topicas",
        "im",
        "intramuscular",
        "sl",
        "sublingual",
        "inh",
        "inhalado",
        "inhalada",
        "top",
        "topico",
        "topica",
        "rectal",
        "cada",
        "h",
        "hr",
        "hrs",
        "hora",
        "horas",
        "vez",
        "veces",
        "al",
        "por",
        "x",
        "dia",
        "dias",
        "d",
        "diario",
        "diaria",
        "noche",
        "manana",
        "semana",
        "semanas",
        "semanal",
        "mes",
        "meses",
        "durante",
        "de",
        "uso",
        "permanente",
        "cronico",
        "cronica",
        "indefinido",
        "indefinida",
        "hasta",
        "nuevo",
        "aviso",
        "en",
        "la",
        "las",
        "el",
        "sos",
        "si",
        "dolor",
        "fiebre",
        "caso",
        "a",
        "demanda",
        "total",
        "acostarse",
        "y",
        "luego",
        "completar",
        "dosis",
        "carga",
        "mantencion",
        "continuo",
        "vida",
        "antes",
        "despues",
        "comidas",
        "desayuno",
        "almuerzo",
        "cena",
        "con",
        "ayunas",
        "tratamiento",
        "mas",
        "del",
        "desde",
        "o",
        "bid",
        "tid",
        "qid",
        "qd",
        "od",
    ];
    // "8h", "12hrs", "500mg": a number glued to its unit.
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
        || WORDS.contains(&word)
        || number_word(word).is_some()
        || looks_like_code(word)
}

/// ATC codes in parentheses after a drug ("(A10BA02)"), folded.
fn looks_like_code(word: &str) -> bool {
    word.len() == 7
        && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && word.chars().skip(1).take(2).all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_wards_write() {
        assert_eq!(dose("875/125 mg").unwrap().values, vec![875.0, 125.0]);
        assert_eq!(dose("1 g").unwrap().values, vec![1000.0]);
        assert_eq!(dose("1.000 mg").unwrap().values, vec![1000.0]);
        assert_eq!(dose("2,5 mg").unwrap().values, vec![2.5]);
        assert_eq!(dose("14 UI").unwrap().unit, Unit::Units);
        assert_eq!(route("endovenoso"), Some("EV".into()));
        assert_eq!(route("VO"), Some("VO".into()));
        assert_eq!(frequency("c/12h"), Some(Frequency::Hours(12.0)));
        assert_eq!(frequency("cada 8 horas"), Some(Frequency::Hours(8.0)));
        assert_eq!(frequency("3 veces al día"), Some(Frequency::Hours(8.0)));
        assert_eq!(frequency("dos veces al día"), Some(Frequency::Hours(12.0)));
        assert_eq!(frequency("una vez al día"), Some(Frequency::Hours(24.0)));
        assert_eq!(frequency("10 mg/día"), Some(Frequency::Hours(24.0)));
        assert_eq!(frequency("SOS"), Some(Frequency::AsNeeded));
        assert_eq!(episode_duration("3 días"), Some(Duration::Days(3.0)));
        assert_eq!(episode_duration("Permanente"), Some(Duration::Permanent));
        assert_eq!(
            find_duration("por 2 semanas").map(|d| d.1),
            Some(Duration::Days(14.0))
        );
        assert_eq!(
            find_duration("x 7 dias").map(|d| d.1),
            Some(Duration::Days(7.0))
        );
        assert_eq!(find_duration("hasta completar 7 dias"), None);
    }
}
