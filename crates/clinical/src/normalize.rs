//! Normalisation: one canonical form for what hospital extracts write in many
//! ways, so that prompts, drafts and checks see the same episode. Idempotent.
//!
//! Course notes keep their text as written (capitals included): the record
//! is the record; renderings may re-case.

use std::collections::HashSet;

use crate::date::Date;
use crate::episode::{Diagnostico, Episode};
use crate::text::fold;

/// Returns the canonical form of `episode`: text trimmed, codes upper-cased,
/// routes as VO/EV/IM/SC/SL/TOP/INH/REC, exact duplicates removed, dated
/// lists in date order (undated items keep their relative order, after the
/// dated ones).
pub fn normalize(mut episode: Episode) -> Episode {
    let e = &mut episode;
    trim_opt(&mut e.id_atencion);
    trim_opt(&mut e.paciente.nombre);
    trim_opt(&mut e.paciente.rut);
    trim_opt(&mut e.paciente.fecha_nacimiento);
    trim_opt(&mut e.paciente.prevision);
    if let Some(sexo) = e.paciente.sexo.as_mut() {
        *sexo = sexo.trim().to_uppercase();
    }
    trim_opt(&mut e.atencion.fecha_ingreso);
    trim_opt(&mut e.atencion.fecha_alta);
    trim_opt(&mut e.atencion.servicio);
    trim_opt(&mut e.atencion.medico_tratante);
    trim_opt(&mut e.motivo_ingreso);
    trim_opt(&mut e.condicion_alta);

    let a = &mut e.antecedentes;
    for list in [&mut a.medicos, &mut a.quirurgicos, &mut a.habitos] {
        clean_strings(list);
    }
    if let Some(list) = a.alergias.as_mut() {
        clean_strings(list);
    }

    for list in [&mut e.diagnostico_ingreso, &mut e.diagnostico_egreso] {
        for dx in list.iter_mut() {
            normalize_diagnosis(dx);
        }
        dedup_by_key(list, |dx| (dx.codigo.clone(), fold(&dx.nombre)));
    }

    for p in &mut e.procedimientos {
        trim_opt(&mut p.codigo);
        p.nombre = p.nombre.trim().to_string();
        trim_opt(&mut p.fecha);
    }
    dedup_by_key(&mut e.procedimientos, |p| {
        (p.codigo.clone(), fold(&p.nombre), p.fecha.clone())
    });
    sort_by_date(&mut e.procedimientos, |p| {
        p.fecha.as_deref().and_then(Date::parse)
    });

    for t in &mut e.tratamientos_intrahosp {
        t.codigo = atc_code(t.codigo.take());
        t.nombre = t.nombre.trim().to_string();
        trim_opt(&mut t.dosis);
        t.via = t.via.take().map(|v| route(&v)).filter(|v| !v.is_empty());
        trim_opt(&mut t.frecuencia);
        trim_opt(&mut t.inicio);
        trim_opt(&mut t.fin);
    }
    dedup_by_key(&mut e.tratamientos_intrahosp, |t| {
        (
            t.codigo.clone(),
            fold(&t.nombre),
            t.dosis.clone(),
            t.via.clone(),
            t.frecuencia.clone(),
            t.inicio.clone(),
        )
    });
    sort_by_date(&mut e.tratamientos_intrahosp, |t| {
        t.inicio.as_deref().and_then(Date::parse)
    });

    for note in &mut e.evolucion_resumen {
        note.texto = note.texto.trim().to_string();
        trim_opt(&mut note.fecha);
    }
    dedup_by_key(&mut e.evolucion_resumen, |n| {
        (n.dia, n.fecha.clone(), n.texto.clone())
    });
    // Notes order by date, else by day number (day 1 is the day of
    // admission), else keep their place after the ordered ones.
    let ingreso = e.atencion.ingreso().map(Date::days_since_epoch);
    e.evolucion_resumen.sort_by_key(|n| {
        let by_date = n
            .fecha
            .as_deref()
            .and_then(Date::parse)
            .map(Date::days_since_epoch);
        let by_day = n.dia.map(|d| ingreso.unwrap_or(0) + i64::from(d) - 1);
        match by_date.or(by_day) {
            Some(key) => (0, key),
            None => (1, 0),
        }
    });

    for lab in &mut e.laboratorios_resumen {
        lab.prueba = lab.prueba.trim().to_string();
        trim_opt(&mut lab.unidad);
    }
    dedup_by_key(&mut e.laboratorios_resumen, |l| {
        serde_json::to_string(l).unwrap_or_default()
    });

    let ind = &mut e.indicaciones_alta;
    for m in &mut ind.medicamentos {
        m.codigo = atc_code(m.codigo.take());
        m.nombre = m.nombre.trim().to_string();
        trim_opt(&mut m.dosis);
        m.via = m.via.take().map(|v| route(&v)).filter(|v| !v.is_empty());
        trim_opt(&mut m.frecuencia);
        trim_opt(&mut m.duracion);
    }
    dedup_by_key(&mut ind.medicamentos, |m| {
        (
            m.codigo.clone(),
            fold(&m.nombre),
            m.dosis.clone(),
            m.via.clone(),
            m.frecuencia.clone(),
        )
    });
    for list in [
        &mut ind.controles,
        &mut ind.cuidados,
        &mut ind.signos_alarma,
    ] {
        clean_strings(list);
    }
    episode
}

fn normalize_diagnosis(dx: &mut Diagnostico) {
    dx.codigo = dx
        .codigo
        .take()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    dx.nombre = dx.nombre.trim().to_string();
}

fn atc_code(code: Option<String>) -> Option<String> {
    code.map(|c| strip_atc_prefix(&c).to_uppercase())
        .filter(|c| !c.is_empty())
}

/// `ATC:J01CA04` and `atc: J01CA04` are `J01CA04`.
pub fn strip_atc_prefix(code: &str) -> &str {
    let trimmed = code.trim();
    match trimmed.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("atc:") => trimmed[4..].trim(),
        _ => trimmed,
    }
}

/// Canonical administration route. Unknown routes are kept as written.
pub fn route(text: &str) -> String {
    let trimmed = text.trim();
    let folded = fold(trimmed).replace(['.', '_'], " ");
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let canonical = match folded.as_str() {
        "vo" | "oral" | "via oral" | "po" | "per os" | "v o" => "VO",
        "ev" | "iv" | "endovenoso" | "endovenosa" | "intravenoso" | "intravenosa"
        | "via endovenosa" | "via intravenosa" | "e v" | "i v" => "EV",
        "im" | "intramuscular" | "via intramuscular" | "i m" => "IM",
        "sc" | "subcutaneo" | "subcutanea" | "sbc" | "via subcutanea" | "s c" => "SC",
        "sl" | "sublingual" | "via sublingual" => "SL",
        "top" | "topico" | "topica" | "topical" | "cutaneo" | "cutanea" | "via topica" => "TOP",
        "inh" | "inhalatorio" | "inhalatoria" | "inhalado" | "inhalada" | "nebulizado" | "nbz"
        | "via inhalatoria" => "INH",
        "rec" | "rectal" | "via rectal" | "pr" => "REC",
        _ => return trimmed.to_string(),
    };
    canonical.to_string()
}

fn trim_opt(value: &mut Option<String>) {
    if let Some(text) = value.take() {
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            *value = Some(trimmed.to_string());
        }
    }
}

fn clean_strings(list: &mut Vec<String>) {
    for item in list.iter_mut() {
        *item = item.trim().to_string();
    }
    list.retain(|item| !item.is_empty());
    dedup_by_key(list, |item| fold(item));
}

fn dedup_by_key<T, K: std::hash::Hash + Eq>(list: &mut Vec<T>, key: impl Fn(&T) -> K) {
    let mut seen = HashSet::new();
    list.retain(|item| seen.insert(key(item)));
}

fn sort_by_date<T>(list: &mut [T], date: impl Fn(&T) -> Option<Date>) {
    // Stable: same-day items and undated items keep the extract's order.
    list.sort_by_key(|item| match date(item) {
        Some(d) => (0, d.days_since_epoch()),
        None => (1, 0),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_episode;

    #[test]
    fn routes_are_canonical() {
        for (given, want) in [
            ("oral", "VO"),
            ("V.O.", "VO"),
            ("IV", "EV"),
            ("endovenoso", "EV"),
            ("Intravenosa", "EV"),
            ("subcutánea", "SC"),
            ("Inhalatoria", "INH"),
            ("rectal", "REC"),
            ("tópico", "TOP"),
            ("sublingual", "SL"),
            ("im", "IM"),
            ("intratecal", "intratecal"),
        ] {
            assert_eq!(route(given), want, "{given}");
        }
    }

    #[test]
    fn normalises_codes_routes_duplicates_and_order() {
        let episode = parse_episode(
            r#"{"id_atencion": " 12 ",
                "diagnostico_egreso": [{"codigo": " j18.9 ", "nombre": "Neumonía "}, {"codigo": "J18.9", "nombre": "neumonía"}],
                "procedimientos": [{"nombre": "B", "fecha": "2026-05-03"}, {"nombre": "sin fecha"}, {"nombre": "A", "fecha": "2026-05-01"}],
                "tratamientos_intrahosp": [{"codigo": "ATC:j01dd04", "nombre": "Ceftriaxona", "via": "intravenosa"}],
                "evolucion_resumen": [{"dia": 3, "texto": "TERCERO"}, {"dia": 1, "texto": " PRIMERO "}],
                "indicaciones_alta": {"controles": ["APS ", "", "aps"]}}"#
                .as_bytes(),
        )
        .unwrap();
        let n = normalize(episode);
        assert_eq!(n.id_atencion.as_deref(), Some("12"));
        assert_eq!(n.diagnostico_egreso.len(), 1);
        assert_eq!(n.diagnostico_egreso[0].codigo.as_deref(), Some("J18.9"));
        let names: Vec<_> = n.procedimientos.iter().map(|p| p.nombre.as_str()).collect();
        assert_eq!(names, ["A", "B", "sin fecha"]);
        assert_eq!(
            n.tratamientos_intrahosp[0].codigo.as_deref(),
            Some("J01DD04")
        );
        assert_eq!(n.tratamientos_intrahosp[0].via.as_deref(), Some("EV"));
        let notes: Vec<_> = n
            .evolucion_resumen
            .iter()
            .map(|x| x.texto.as_str())
            .collect();
        assert_eq!(notes, ["PRIMERO", "TERCERO"], "capitals kept, order by day");
        assert_eq!(n.indicaciones_alta.controles, ["APS"]);
        assert_eq!(normalize(n.clone()), n, "idempotent");
    }
}
