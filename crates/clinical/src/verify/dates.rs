//! Dates as a text writes them ("2 de octubre de 2026", "el 5/5",
//! "02/10/2026", "del 2 al 6 de octubre", "2026-10-02") and the claims they
//! make: admission, discharge, length of stay, a procedure's day.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::date::Date;

use super::attributes::compile;

#[derive(Debug, Clone)]
pub(crate) struct FoundDate {
    /// Folded byte range.
    pub range: Range<usize>,
    pub date: Date,
    /// The other end when this date closes a range ("del 2 al 6"): the
    /// first date of that range is reported separately with `range_start`.
    pub range_start: bool,
}

const MONTHS: &str = "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre";

fn month(name: &str) -> u32 {
    match name {
        "enero" => 1,
        "febrero" => 2,
        "marzo" => 3,
        "abril" => 4,
        "mayo" => 5,
        "junio" => 6,
        "julio" => 7,
        "agosto" => 8,
        "septiembre" | "setiembre" => 9,
        "octubre" => 10,
        "noviembre" => 11,
        _ => 12,
    }
}

fn patterns() -> &'static [Regex; 4] {
    static CELL: OnceLock<[Regex; 4]> = OnceLock::new();
    CELL.get_or_init(|| {
        [
            compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
            compile(&format!(
                r"\b(?:(\d{{1,2}})(?:°|º|ro)?(?: de ({MONTHS}))?\s+(?:al|y|hasta el|a)\s+(?:el\s+)?)?(\d{{1,2}})(?:°|º|ro)?\s+de\s+({MONTHS})(?:\s+(?:de|del)\s+(\d{{4}}))?"
            )),
            compile(r"(?:^|[^\w/.,])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?(?:[^\w/]|$)"),
            compile(r"(?:^|\n|el|del|al|desde|hasta|dia|fecha|\(|:|-|•|ingr|ingresa|ingreso|egr|egresa|egreso|alta|eco|rx|tac)\s*$"),
        ]
    })
}

/// Every date in `folded` text; a day and month without a year take
/// `year` (the stay's).
pub(crate) fn find(folded: &str, year: Option<i32>) -> Vec<FoundDate> {
    let [iso, words, numeric, lead] = patterns();
    let mut out: Vec<FoundDate> = Vec::new();
    for c in iso.captures_iter(folded) {
        let (Some(whole), Some(y), Some(m), Some(d)) = (c.get(0), c.get(1), c.get(2), c.get(3))
        else {
            continue;
        };
        if let (Ok(y), Ok(m), Ok(d)) = (y.as_str().parse(), m.as_str().parse(), d.as_str().parse())
        {
            if let Some(date) = Date::new(y, m, d) {
                out.push(FoundDate {
                    range: whole.range(),
                    date,
                    range_start: false,
                });
            }
        }
    }
    for c in words.captures_iter(folded) {
        let (Some(d2), Some(m2)) = (c.get(3), c.get(4)) else {
            continue;
        };
        let y = c.get(5).and_then(|y| y.as_str().parse().ok()).or(year);
        let Some(y) = y else { continue };
        let m2n = month(m2.as_str());
        if let Some(d1) = c.get(1) {
            let m1n = c.get(2).map_or(m2n, |m| month(m.as_str()));
            if let Some(date) = d1.as_str().parse().ok().and_then(|d| Date::new(y, m1n, d)) {
                let end = c.get(2).map_or(d1.end(), |m| m.end());
                out.push(FoundDate {
                    range: d1.start()..end,
                    date,
                    range_start: true,
                });
            }
        }
        if let Some(date) = d2.as_str().parse().ok().and_then(|d| Date::new(y, m2n, d)) {
            let end = c.get(5).map_or(m2.end(), |y| y.end());
            out.push(FoundDate {
                range: d2.start()..end,
                date,
                range_start: false,
            });
        }
    }
    for c in numeric.captures_iter(folded) {
        let (Some(d), Some(m)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let explicit_year = c.get(3).and_then(|y| {
            let y: i32 = y.as_str().parse().ok()?;
            Some(if y < 100 { 2000 + y } else { y })
        });
        // A bare "1/2" is half a tablet unless something says it is a day.
        let followed_by_count = {
            let after = folded[end_of(&c, m)..].trim_start();
            [
                "comprimido",
                "tableta",
                "capsula",
                "ampolla",
                "sobre",
                "mg",
                "ml",
                "dosis",
            ]
            .iter()
            .any(|u| after.starts_with(u))
        };
        if explicit_year.is_none() && (!lead.is_match(&folded[..d.start()]) || followed_by_count) {
            continue;
        }
        let Some(y) = explicit_year.or(year) else {
            continue;
        };
        let end = c.get(3).map_or(m.end(), |y| y.end());
        if out
            .iter()
            .any(|f| f.range.start < end && d.start() < f.range.end)
        {
            continue;
        }
        if let (Ok(dn), Ok(mn)) = (d.as_str().parse(), m.as_str().parse()) {
            if let Some(date) = Date::new(y, mn, dn) {
                out.push(FoundDate {
                    range: d.start()..end,
                    date,
                    range_start: false,
                });
            }
        }
    }
    out.sort_by_key(|f| f.range.start);
    out
}

fn end_of(c: &regex::Captures<'_>, m: regex::Match<'_>) -> usize {
    c.get(3).map_or(m.end(), |y| y.end())
}

/// What a date claims by the words just before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Admission,
    Discharge,
    /// "Hospitalizada del 2 al 9 de octubre": both ends of the stay.
    Stay,
    Other,
}

fn role_patterns() -> &'static [Regex; 4] {
    static CELL: OnceLock<[Regex; 4]> = OnceLock::new();
    CELL.get_or_init(|| {
        let tail = r"(?:\s+(?:el|el dia|con fecha|a contar del|desde el))?\s*:?\s*$";
        [
            compile(&format!(r"(?:ingr|ing|consulta|consulto|acude|acudio|llega|llego|hospitalizandose|se hospitaliza|se hospitalizo|ingresa|ingreso|ingresó|ingresando|ingresada|ingresado|admision|admitid[oa]|fecha de ingreso|hospitalizad[oa] desde|hospitalizad[oa]|internad[oa]|se hospitaliza){tail}")),
            compile(&format!(r"(?:egr|egresa|egreso|egresando|alta|dad[oa] de alta|fecha de alta|fecha de egreso|se va de alta){tail}")),
            // "Egresa compensado el 17/05": a word or two between the verb
            // and the date, none of them a preposition.
            compile(r"(?:^|[^\w])(?:ingresa|ingreso|egresa|egreso|se va de alta|se da de alta|es dad[oa] de alta)(?:\s+(?:[a-z]+))\s+el\s*$"),
            compile(r"(?:hospitalizad[oa]s?|internad[oa]s?|estadia|estancia|periodo de hospitalizacion|hospitalizacion|permanece hospitalizad[oa])\s+(?:del|desde el|entre el)\s*$"),
        ]
    })
}

/// "Llegó a urgencias el 7 de enero", "consulta en el servicio de
/// urgencia el …": the arrival is the admission.
fn arrival() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| {
        compile(r"(?:llega|llego|consulta|consulto|acude|acudio|ingresa|ingreso)\s+(?:a|al|en|en el)\s+(?:la\s+)?(?:urgencia|urgencias|servicio de urgencia|su|sapu|hospital|policlinico)\s+el\s*$")
    })
}

/// Whether the cue before a date is only a noun ("PCR 14 al alta el 8/10"):
/// such a date may be a result's, not the discharge itself.
pub(crate) fn weak_role(folded_before: &str) -> bool {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| {
        compile(r"(?:^|[^\w])(?:al|del|de)\s+(?:alta|ingreso|egreso)(?:\s+(?:el|el dia))?\s*:?\s*$")
    })
    .is_match(folded_before)
        && !folded_before.trim_end().ends_with("fecha de ingreso")
        && !folded_before.trim_end().ends_with("fecha de alta")
}

/// What a date claims by the words just after it ("el 8 de agosto se va de
/// alta").
pub(crate) fn role_after(folded_after: &str) -> Role {
    static CELL: OnceLock<[Regex; 2]> = OnceLock::new();
    let [admission, discharge] = CELL.get_or_init(|| {
        [
            compile(r"^(?:\s*de \d{4})?[\s,:]*(?:se\s+)?(?:ingresa|ingreso|hospitaliza|hospitalizo|consulta|consulto|llega|llego)\b"),
            compile(r"^(?:\s*de \d{4})?[\s,:]*(?:se\s+)?(?:va de alta|fue de alta|da de alta|dio de alta|egresa|egreso|es dad[oa] de alta|fue dad[oa] de alta)"),
        ]
    });
    if discharge.is_match(folded_after) {
        Role::Discharge
    } else if admission.is_match(folded_after) {
        Role::Admission
    } else {
        Role::Other
    }
}

pub(crate) fn role(folded_before: &str) -> Role {
    let window_start = folded_before
        .char_indices()
        .rev()
        .nth(40)
        .map_or(0, |(i, _)| i);
    let before = &folded_before[window_start..];
    let [admission, discharge, between, stay] = role_patterns();
    if stay.is_match(before) {
        Role::Stay
    } else if admission.is_match(before) {
        Role::Admission
    } else if discharge.is_match(before) {
        Role::Discharge
    } else if arrival().is_match(before) {
        Role::Admission
    } else if let Some(m) = between.find(before) {
        let words: Vec<&str> = m.as_str().split_whitespace().collect();
        let adjective = words.iter().rev().nth(1).copied().unwrap_or("");
        if matches!(
            adjective,
            "a" | "al" | "en" | "de" | "del" | "con" | "por" | "para" | "desde"
        ) {
            Role::Other
        } else if m.as_str().contains("ingres") {
            Role::Admission
        } else {
            Role::Discharge
        }
    } else {
        Role::Other
    }
}

fn stay_patterns() -> &'static [Regex; 6] {
    static CELL: OnceLock<[Regex; 6]> = OnceLock::new();
    CELL.get_or_init(|| {
        let n = r"(\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|veinte)";
        [
            compile(&format!(r"(?:estadia|estancia|hospitalizacion|internacion)(?: hospitalaria)?(?: total)?(?: de| fue de| por)\s+{n}\s+dias?")),
            compile(&format!(r"(?:^|[^\w])(?:tras |luego de |despues de )?{n}\s+dias?\s+de\s+(?:hospitalizacion|estadia|estancia|internacion)|hospitalizad[oa]\s+(?:por|durante)\s+{n}\s+dias?")),
            compile(r"(?:hospitalizad[oa]|internad[oa]|estadia|estancia|hospitalizacion|periodo|fechas|alta|egreso|egresa)[^.;\n]{0,60}?\((\d+)\s*(?:dias?|d)\)"),
            compile(r"(?:dias de (?:estadia|hospitalizacion|estancia|internacion)|estadia|estancia|dias hospitalizad[oa])\s*:\s*(\d+)"),
            compile(&format!(r"(?:tras|despues de|luego de|a los|al cabo de)\s+{n}\s+dias?\s+(?:de\s+(?:su\s+)?(?:hospitalizacion|estadia|estancia|internacion|observacion|ingreso)|hospitalizad[oa]s?|internad[oa]s?|en el hospital|en observacion)")),
            compile(&format!(r"(?:alta|egres\w*)[^.;\n]{{0,40}}(?:tras|despues de|luego de|a los|al cabo de)\s+{n}\s+dias?(?:[^\w]|$)")),
        ]
    })
}

/// Length-of-stay claims: the number's folded range and value.
pub(crate) fn stays(folded: &str) -> Vec<(Range<usize>, f64)> {
    let mut out: Vec<(Range<usize>, f64)> = Vec::new();
    for re in stay_patterns() {
        for c in re.captures_iter(folded) {
            if let Some(m) = (1..c.len()).filter_map(|i| c.get(i)).next() {
                let value = m
                    .as_str()
                    .parse::<f64>()
                    .ok()
                    .or_else(|| super::doc::number_word(m.as_str()));
                if let Some(v) = value {
                    if !out
                        .iter()
                        .any(|(r, _)| r.start < m.end() && m.start() < r.end)
                    {
                        out.push((m.range(), v));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_dates_as_written() {
        let text = "ingresa el 2 de octubre de 2026 y recibe ceftriaxona del 2 al 6 de octubre; control el 5/10 y el 12/10/2026; 1/2 comprimido";
        let found = find(text, Some(2026));
        let dates: Vec<String> = found.iter().map(|f| f.date.to_string()).collect();
        assert_eq!(
            dates,
            [
                "2026-10-02",
                "2026-10-02",
                "2026-10-06",
                "2026-10-05",
                "2026-10-12"
            ]
        );
        assert!(found[1].range_start);
        assert_eq!(role("ingresa el "), Role::Admission);
        assert_eq!(role("y egresa el "), Role::Discharge);
        assert_eq!(role("hospitalizada del "), Role::Stay);
        assert_eq!(role("recibe ceftriaxona del "), Role::Other);
        let s = stays("con una estadia de 7 dias. tras 8 dias de hospitalizacion");
        assert_eq!(s.iter().map(|s| s.1).collect::<Vec<_>>(), vec![7.0, 8.0]);
    }
}
