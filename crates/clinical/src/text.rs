//! Spanish text helpers shared by the draft, the prompts and the check:
//! accent folding for matching, natural list joining, numbers with a decimal
//! comma, and re-casing of the all-capitals notes hospital systems export.

/// What every rendering says where the episode records nothing: the
/// deterministic draft, the prompt and the exported documents alike.
pub const NOT_RECORDED: &str = "No consignado";

/// Lower-cases and strips Spanish diacritics, so that "Muñoz", "MUNOZ" and
/// "munoz" compare equal. Byte length can change; use [`fold_with_map`]
/// where spans must point back into the original text.
pub fn fold(text: &str) -> String {
    text.chars().flat_map(fold_char).collect()
}

/// Like [`fold`], and also returns for every byte of the folded text the byte
/// offset in `text` of the character it came from (plus one final entry for
/// the end), so that a match found in folded text maps to a span in `text`.
pub fn fold_with_map(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (offset, c) in text.char_indices() {
        for f in fold_char(c) {
            for _ in 0..f.len_utf8() {
                map.push(offset);
            }
            folded.push(f);
        }
    }
    map.push(text.len());
    (folded, map)
}

fn fold_char(c: char) -> impl Iterator<Item = char> {
    let base = match c {
        'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
        'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        other => other,
    };
    base.to_lowercase()
}

/// Joins items as Spanish prose does: "a", "a y b", "a, b y c". The
/// conjunction becomes "e" before a word that starts with an /i/ sound
/// ("hipertensión e insuficiencia", "e hipotiroidismo").
pub fn join(items: &[String]) -> String {
    join_with(items, ", ")
}

/// Like [`join`] with another separator, e.g. `"; "` for items that carry
/// commas themselves.
pub fn join_with(items: &[String], separator: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => {
            let conjunction = if starts_with_i_sound(last) { "e" } else { "y" };
            format!("{} {conjunction} {last}", init.join(separator))
        }
    }
}

fn starts_with_i_sound(word: &str) -> bool {
    let folded = fold(word);
    (folded.starts_with('i') || folded.starts_with("hi"))
        && !folded.starts_with("hie")
        && !folded.starts_with("hia")
        && !folded.starts_with("io")
        && !folded.starts_with("ia")
}

/// Formats a number the Chilean way: decimal comma, no trailing zeros.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

/// Whether a note is written in capitals, as many hospital systems export
/// course notes (at least 70 % of its letters upper-case, and enough of them
/// to tell).
pub fn is_shouting(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 8 {
        return false;
    }
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    upper * 10 >= letters.len() * 7
}

/// Re-cases an all-capitals note as sentences for reading. Words with digits
/// (codes, doses like "500MG") and short all-capital abbreviations of up to
/// three letters ("PCR", "TAC", "VO") keep their case. The record is never
/// changed: only the rendered text is.
pub fn sentence_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut sentence_start = true;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let bare: String = word.chars().filter(|c| c.is_alphabetic()).collect();
        let keep = word.chars().any(|c| c.is_ascii_digit())
            || (1 < letters && letters <= 3 && !COMMON_SHORT_WORDS.contains(&bare.as_str()));
        if keep {
            out.push_str(word);
        } else {
            let lower = word.to_lowercase();
            if sentence_start {
                let mut chars = lower.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push_str(&lower);
            }
        }
        if word.chars().any(char::is_alphanumeric) {
            sentence_start = false;
        }
        if word.ends_with('.') || word.ends_with('?') || word.ends_with('!') || word.ends_with(':')
        {
            sentence_start = true;
        }
    }
    out
}

/// Short Spanish words that are not abbreviations, so re-casing lowers them.
const COMMON_SHORT_WORDS: &[&str] = &[
    "EN", "SE", "DE", "LA", "EL", "LO", "AL", "UN", "NO", "SI", "SÍ", "SU", "YA", "ES", "HA", "LE",
    "NI", "MÁS", "MAS", "LAS", "LOS", "DEL", "CON", "POR", "SIN", "QUE", "UNA", "HAY", "DÍA",
    "DIA", "SUS", "MUY", "LES", "TAN", "SUS", "QUÉ", "ESA", "ESE", "ESO", "PUE", "VEZ", "DOS",
    "TRES", "BAJ", "OJO", "PIE", "MES", "AÑO", "ANO", "HOY", "FUE", "SER", "VER", "DAR", "BUEN",
    "MAL", "CADA", "CON", "PARA", "TOS", "DOLOR",
];

/// Upper-cases the first letter (for list items that start a sentence).
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-cases the first letter unless the first word looks like an acronym
/// or a proper noun that must keep its case ("PCR", "Dr.").
pub fn decapitalize(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or("");
    let upper_letters = first_word.chars().filter(|c| c.is_uppercase()).count();
    if upper_letters > 1 || first_word.chars().any(|c| c.is_ascii_digit()) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Ends a sentence with a full stop unless it already has final punctuation.
pub fn sentence(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_string()
    } else {
        format!("{trimmed}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(
            fold("Muñoz PIELONEFRITIS Ácido"),
            "munoz pielonefritis acido"
        );
        let (folded, map) = fold_with_map("aÑo é");
        assert_eq!(folded, "ano e");
        assert_eq!(map[1], 1); // 'n' came from 'Ñ' at byte 1
        assert_eq!(map[4], 5); // 'e' came from 'é' at byte 5
        assert_eq!(*map.last().unwrap(), "aÑo é".len());
    }

    #[test]
    fn joins_lists_naturally() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join(&s(&[])), "");
        assert_eq!(join(&s(&["fiebre"])), "fiebre");
        assert_eq!(join(&s(&["fiebre", "tos"])), "fiebre y tos");
        assert_eq!(join(&s(&["a", "b", "c"])), "a, b y c");
        assert_eq!(
            join(&s(&["diabetes", "hipertensión"])),
            "diabetes e hipertensión"
        );
        assert_eq!(join(&s(&["diabetes", "insulina"])), "diabetes e insulina");
        assert_eq!(join(&s(&["nieve", "hielo"])), "nieve y hielo");
    }

    #[test]
    fn formats_numbers_with_decimal_comma() {
        assert_eq!(number(15.8), "15,8");
        assert_eq!(number(186.0), "186");
        assert_eq!(number(0.25), "0,25");
        assert_eq!(number(-3.5), "-3,5");
    }

    #[test]
    fn recases_shouting_notes_but_keeps_codes_and_abbreviations() {
        let note = "PACIENTE EVOLUCIONA AFEBRIL. PCR EN DESCENSO, SE INICIA AMOXICILINA 500MG VO.";
        assert!(is_shouting(note));
        assert_eq!(
            sentence_case(note),
            "Paciente evoluciona afebril. PCR en descenso, se inicia amoxicilina 500MG VO."
        );
        assert!(!is_shouting("Paciente evoluciona afebril, PCR en descenso"));
    }

    #[test]
    fn ends_sentences_once() {
        assert_eq!(sentence("Estable"), "Estable.");
        assert_eq!(sentence("Estable."), "Estable.");
        assert_eq!(sentence("Neumonía (J18.9)"), "Neumonía (J18.9).");
    }
}
