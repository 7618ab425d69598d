//! One-line renderings of episode items, shared by the prompts, the draft
//! and the check so that all three name a drug or a diagnosis the same way.

use crate::date::Date;
use crate::episode::{Diagnostico, Laboratorio, Medicamento, Procedimiento, Tratamiento};
use crate::text::number;

/// `Neumonía adquirida en la comunidad (J18.9)`.
pub fn diagnosis(dx: &Diagnostico) -> String {
    with_code(&dx.nombre, dx.codigo.as_deref())
}

/// `Amoxicilina 500 mg VO c/8h 5 días (J01CA04)`.
pub fn discharge_drug(m: &Medicamento) -> String {
    let parts = [
        Some(m.nombre.as_str()),
        m.dosis.as_deref(),
        m.via.as_deref(),
        m.frecuencia.as_deref(),
        m.duracion.as_deref(),
    ];
    with_code(&join_present(&parts), m.codigo.as_deref())
}

/// `Ceftriaxona 2 g EV c/24h (J01DD04)`, without the period.
pub fn treatment(t: &Tratamiento) -> String {
    let parts = [
        Some(t.nombre.as_str()),
        t.dosis.as_deref(),
        t.via.as_deref(),
        t.frecuencia.as_deref(),
    ];
    with_code(&join_present(&parts), t.codigo.as_deref())
}

/// The period of a treatment in words: `del 2 al 6 de octubre de 2026`.
pub fn treatment_period(t: &Tratamiento) -> Option<String> {
    let start = t.inicio.as_deref().and_then(Date::parse);
    let end = t.fin.as_deref().and_then(Date::parse);
    match (start, end) {
        (Some(s), Some(e)) => Some(range(s, e)),
        (Some(s), None) => Some(format!("desde el {}", s.spanish())),
        (None, Some(e)) => Some(format!("hasta el {}", e.spanish())),
        (None, None) => None,
    }
}

/// `del 2 al 6 de octubre de 2026`, `del 30 de septiembre al 2 de octubre de
/// 2026`, `el 2 de octubre de 2026`.
pub fn range(start: Date, end: Date) -> String {
    if start == end {
        format!("el {}", start.spanish())
    } else if start.year == end.year && start.month == end.month {
        format!("del {} al {}", start.day, end.spanish())
    } else if start.year == end.year {
        format!("del {} al {}", start.spanish_day_month(), end.spanish())
    } else {
        format!("del {} al {}", start.spanish(), end.spanish())
    }
}

/// `Radiografía de tórax (87.44)`.
pub fn procedure(p: &Procedimiento) -> String {
    with_code(&p.nombre, p.codigo.as_deref())
}

/// A lab in one phrase: `Proteína C reactiva: 186 mg/L al ingreso (alto) y
/// 14 mg/L al alta`.
pub fn lab(l: &Laboratorio) -> Option<String> {
    let unit = l
        .unidad
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(i) = &l.ingreso {
        let mut flags = Vec::new();
        if let Some(state) = i.estado.as_deref().filter(|s| !s.trim().is_empty()) {
            flags.push(state_word(state));
        }
        match (&i.rango_inferior, &i.rango_superior) {
            (Some(lo), Some(hi)) => {
                flags.push(format!("referencia {}–{}", lo.render(), hi.render()))
            }
            (None, Some(hi)) => flags.push(format!("referencia hasta {}", hi.render())),
            (Some(lo), None) => flags.push(format!("referencia desde {}", lo.render())),
            (None, None) => {}
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" ({})", flags.join("; "))
        };
        parts.push(format!("{}{unit} al ingreso{flags}", i.valor.render()));
    }
    if let Some(p) = &l.periodo {
        parts.push(format!(
            "entre {} y {}{unit} durante la hospitalización",
            p.min.render(),
            p.max.render()
        ));
    }
    if let Some(a) = &l.alta {
        parts.push(format!("{}{unit} al alta", a.valor.render()));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("{}: {}", l.prueba, crate::text::join(&parts)))
}

fn state_word(state: &str) -> String {
    match crate::text::fold(state.trim()).as_str() {
        "alto" | "alta" | "h" | "elevado" | "elevada" => "elevado".into(),
        "bajo" | "baja" | "l" | "disminuido" | "disminuida" => "disminuido".into(),
        "normal" | "n" => "normal".into(),
        "critico" | "critica" => "crítico".into(),
        _ => state.trim().to_string(),
    }
}

fn with_code(name: &str, code: Option<&str>) -> String {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => format!("{} ({code})", name.trim()),
        None => name.trim().to_string(),
    }
}

fn join_present(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Age in words: `75 años`, `9 meses`.
pub fn age(edad: &crate::episode::Edad) -> String {
    format!("{} {}", number(edad.valor), edad.unidad.label(edad.valor))
}

/// The patient's age: as recorded, or computed from the birth date on the
/// day of admission.
pub fn episode_age(episode: &crate::episode::Episode) -> Option<crate::episode::Edad> {
    if let Some(edad) = &episode.paciente.edad {
        return Some(edad.clone());
    }
    let birth = episode
        .paciente
        .fecha_nacimiento
        .as_deref()
        .and_then(Date::parse)?;
    let on = episode.atencion.ingreso()?;
    let years = birth.years_until(on);
    (years >= 0).then(|| crate::episode::Edad {
        valor: f64::from(years),
        unidad: crate::episode::UnidadEdad::Anios,
    })
}

/// `Paciente femenina de 75 años`. A missing sex or age is said, never
/// assumed: no default sex, no age 0.
pub fn patient_descriptor(episode: &crate::episode::Episode) -> String {
    use crate::episode::Sexo;
    let age = episode_age(episode).map(|e| age(&e));
    let sex = episode.paciente.sexo();
    match (sex, age) {
        (Some(Sexo::Femenino), Some(age)) => format!("Paciente femenina de {age}"),
        (Some(Sexo::Masculino), Some(age)) => format!("Paciente masculino de {age}"),
        (Some(Sexo::Otro), Some(age)) => format!("Paciente de {age}"),
        (None, Some(age)) => format!("Paciente de sexo no consignado, de {age}"),
        (Some(Sexo::Femenino), None) => "Paciente femenina, de edad no consignada".into(),
        (Some(Sexo::Masculino), None) => "Paciente masculino, de edad no consignada".into(),
        (Some(Sexo::Otro), None) => "Paciente de edad no consignada".into(),
        (None, None) => "Paciente de sexo y edad no consignados".into(),
    }
}

/// A discharge drug as prose: `amoxicilina/ácido clavulánico 875/125 mg VO
/// c/12h por 3 días (J01CR02)`, `metformina 850 mg VO c/12h, de uso
/// permanente (A10BA02)`.
pub fn discharge_drug_prose(m: &Medicamento) -> String {
    let mut text = join_present(&[
        Some(crate::text::decapitalize(m.nombre.trim()).as_str()),
        m.dosis.as_deref(),
        m.via.as_deref(),
        m.frecuencia.as_deref(),
    ]);
    if let Some(duration) = m
        .duracion
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        if duration.starts_with(|c: char| c.is_ascii_digit()) {
            text.push_str(&format!(" por {duration}"));
        } else if crate::text::fold(duration).starts_with("permanente") {
            text.push_str(", de uso permanente");
        } else {
            text.push_str(&format!(", {}", crate::text::decapitalize(duration)));
        }
    }
    with_code(&text, m.codigo.as_deref())
}
