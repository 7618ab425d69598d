//! Validation: every problem in an episode at once, each with its JSON path,
//! a Spanish message a clinician understands, and whether it blocks
//! generation.

use serde::Serialize;

use crate::date::Date;
use crate::episode::{Episode, UnidadEdad};

/// How much a problem matters: an error blocks writing, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks generation: the epicrisis would be wrong or incomplete by law.
    Error,
    /// Shown, but the clinician may go on.
    #[serde(rename = "advertencia")]
    Warning,
}

/// One problem validation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Problem {
    /// Where, as a JSON path (`paciente.rut`, `diagnostico_egreso[0].codigo`).
    pub path: String,
    /// What is wrong and what to do, in Spanish.
    pub message: String,
    /// Whether it blocks writing.
    pub severity: Severity,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The outcome of [`validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every problem, in the order of the format's fields.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether any problem blocks writing an epicrisis.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
    /// The problems that block writing.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
    /// The problems that do not.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }
}

struct Collector(Vec<Problem>);

impl Collector {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(path, message, Severity::Error);
    }
    fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(path, message, Severity::Warning);
    }
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>, severity: Severity) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
            severity,
        });
    }
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Checks an episode against EPISODE_FORMAT.md and common sense. Never stops
/// at the first problem.
pub fn validate(episode: &Episode) -> Report {
    let mut c = Collector(Vec::new());

    if let Some(version) = episode.version {
        if version != 1 {
            c.error(
                "version",
                format!(
                    "versión de formato {version} no soportada: esta aplicación lee la versión 1"
                ),
            );
        }
    }
    if blank(&episode.id_atencion) {
        c.error(
            "id_atencion",
            "falta el identificador de la atención (id_atencion)",
        );
    }

    check_patient(episode, &mut c);
    let (ingreso, alta) = check_stay(episode, &mut c);

    if blank(&episode.motivo_ingreso) {
        c.error("motivo_ingreso", "falta el motivo de ingreso");
    }

    for (field, list) in [
        ("diagnostico_ingreso", &episode.diagnostico_ingreso),
        ("diagnostico_egreso", &episode.diagnostico_egreso),
    ] {
        for (i, dx) in list.iter().enumerate() {
            let path = format!("{field}[{i}]");
            if dx.nombre.trim().is_empty() {
                c.error(format!("{path}.nombre"), "falta el nombre del diagnóstico");
            }
            match dx.codigo.as_deref().map(str::trim) {
                None | Some("") => c.warning(
                    format!("{path}.codigo"),
                    "diagnóstico sin código CIE-10: la epicrisis lo nombrará sin código",
                ),
                Some(code) if !is_cie10(code) => c.warning(
                    format!("{path}.codigo"),
                    format!("el código «{code}» no tiene forma de CIE-10 (por ejemplo J18.9)"),
                ),
                _ => {}
            }
        }
    }
    if episode.diagnostico_egreso.is_empty() {
        c.warning(
            "diagnostico_egreso",
            "no hay diagnóstico de egreso: la epicrisis dirá «No consignado»",
        );
    }

    for (i, p) in episode.procedimientos.iter().enumerate() {
        let path = format!("procedimientos[{i}]");
        if p.nombre.trim().is_empty() {
            c.error(
                format!("{path}.nombre"),
                "falta el nombre del procedimiento",
            );
        }
        check_date_in_stay(&mut c, format!("{path}.fecha"), &p.fecha, ingreso, alta);
    }

    for (i, t) in episode.tratamientos_intrahosp.iter().enumerate() {
        let path = format!("tratamientos_intrahosp[{i}]");
        if t.nombre.trim().is_empty() {
            c.error(format!("{path}.nombre"), "falta el nombre del medicamento");
        }
        check_atc(&mut c, &path, &t.codigo);
        check_date_in_stay(&mut c, format!("{path}.inicio"), &t.inicio, ingreso, alta);
        check_date_in_stay(&mut c, format!("{path}.fin"), &t.fin, ingreso, alta);
        if let (Some(start), Some(end)) = (
            t.inicio.as_deref().and_then(Date::parse),
            t.fin.as_deref().and_then(Date::parse),
        ) {
            if end < start {
                c.error(
                    format!("{path}.fin"),
                    format!("el término ({end}) es anterior al inicio ({start})"),
                );
            }
        }
    }

    for (i, note) in episode.evolucion_resumen.iter().enumerate() {
        let path = format!("evolucion_resumen[{i}]");
        if note.texto.trim().is_empty() {
            c.warning(
                format!("{path}.texto"),
                "nota de evolución vacía: se omitirá",
            );
        }
        check_date_in_stay(&mut c, format!("{path}.fecha"), &note.fecha, ingreso, alta);
    }

    for (i, lab) in episode.laboratorios_resumen.iter().enumerate() {
        let path = format!("laboratorios_resumen[{i}]");
        if lab.prueba.trim().is_empty() {
            c.error(format!("{path}.prueba"), "falta el nombre del examen");
        }
        if lab.ingreso.is_none() && lab.alta.is_none() && lab.periodo.is_none() {
            c.warning(path, "examen sin resultados: se omitirá");
        }
    }

    let meds = &episode.indicaciones_alta.medicamentos;
    if meds.is_empty() {
        c.warning(
            "indicaciones_alta.medicamentos",
            "no hay medicamentos de alta: la epicrisis dirá «No consignado»",
        );
    }
    for (i, m) in meds.iter().enumerate() {
        let path = format!("indicaciones_alta.medicamentos[{i}]");
        if m.nombre.trim().is_empty() {
            c.error(format!("{path}.nombre"), "falta el nombre del medicamento");
        }
        check_atc(&mut c, &path, &m.codigo);
        if blank(&m.dosis) {
            c.warning(format!("{path}.dosis"), "medicamento de alta sin dosis");
        }
    }
    if episode.indicaciones_alta.controles.is_empty() {
        c.warning(
            "indicaciones_alta.controles",
            "no hay controles indicados: la epicrisis dirá «No consignado»",
        );
    }

    Report { problems: c.0 }
}

fn check_patient(episode: &Episode, c: &mut Collector) {
    let p = &episode.paciente;
    match p.sexo.as_deref().map(str::trim) {
        None | Some("") => c.error("paciente.sexo", "falta el sexo del paciente (F, M o X)"),
        Some(_) if p.sexo().is_none() => c.error(
            "paciente.sexo",
            format!(
                "sexo «{}» no reconocido: use F, M o X",
                p.sexo.as_deref().unwrap_or_default()
            ),
        ),
        _ => {}
    }
    if let Some(rut) = p.rut.as_deref() {
        if let Err(message) = check_rut(rut) {
            c.error("paciente.rut", message);
        }
    }
    let birth = match p.fecha_nacimiento.as_deref() {
        Some(text) => match Date::parse(text) {
            Some(date) => Some(date),
            None => {
                c.error(
                    "paciente.fecha_nacimiento",
                    format!("fecha «{text}» inválida: use AAAA-MM-DD"),
                );
                None
            }
        },
        None => None,
    };
    let ingreso = episode.atencion.ingreso();
    if let (Some(birth), Some(ingreso)) = (birth, ingreso) {
        if birth > ingreso {
            c.error(
                "paciente.fecha_nacimiento",
                format!("la fecha de nacimiento ({birth}) es posterior al ingreso ({ingreso})"),
            );
        }
    }
    match &p.edad {
        None if p.fecha_nacimiento.is_none() => c.error(
            "paciente.edad",
            "falta la edad del paciente (o su fecha de nacimiento)",
        ),
        None => {}
        Some(edad) => {
            let max = match edad.unidad {
                UnidadEdad::Anios => 130.0,
                UnidadEdad::Meses => 36.0,
                UnidadEdad::Semanas => 104.0,
                UnidadEdad::Dias => 366.0,
            };
            if !(0.0..=max).contains(&edad.valor) || !edad.valor.is_finite() {
                c.error(
                    "paciente.edad",
                    format!(
                        "edad {} {} fuera de rango",
                        crate::text::number(edad.valor),
                        edad.unidad.label(edad.valor)
                    ),
                );
            } else if let (UnidadEdad::Anios, Some(birth), Some(ingreso)) =
                (edad.unidad, birth, ingreso)
            {
                let computed = birth.years_until(ingreso);
                if (f64::from(computed) - edad.valor).abs() > 1.0 {
                    c.warning(
                        "paciente.edad",
                        format!(
                            "la edad ({} años) no coincide con la fecha de nacimiento ({computed} años al ingreso)",
                            crate::text::number(edad.valor)
                        ),
                    );
                }
            }
        }
    }
}

fn check_stay(episode: &Episode, c: &mut Collector) -> (Option<Date>, Option<Date>) {
    let a = &episode.atencion;
    let mut parse = |field: &str, value: &Option<String>, what: &str| match value.as_deref() {
        None => {
            c.error(
                format!("atencion.{field}"),
                format!("falta la fecha de {what}"),
            );
            None
        }
        Some(text) => {
            let date = Date::parse(text);
            if date.is_none() {
                c.error(
                    format!("atencion.{field}"),
                    format!("fecha de {what} «{text}» inválida: use AAAA-MM-DD o fecha y hora ISO"),
                );
            }
            date
        }
    };
    let ingreso = parse("fecha_ingreso", &a.fecha_ingreso, "ingreso");
    let alta = parse("fecha_alta", &a.fecha_alta, "alta");
    if let (Some(ingreso), Some(alta)) = (ingreso, alta) {
        if alta < ingreso {
            c.error(
                "atencion.fecha_alta",
                format!("la fecha de alta ({alta}) es anterior a la de ingreso ({ingreso})"),
            );
        }
    }
    (ingreso, alta)
}

fn check_date_in_stay(
    c: &mut Collector,
    path: String,
    value: &Option<String>,
    ingreso: Option<Date>,
    alta: Option<Date>,
) {
    let Some(text) = value.as_deref() else { return };
    let Some(date) = Date::parse(text) else {
        c.error(path, format!("fecha «{text}» inválida: use AAAA-MM-DD"));
        return;
    };
    if let (Some(ingreso), Some(alta)) = (ingreso, alta) {
        if date < ingreso || date > alta {
            c.warning(
                path,
                format!("la fecha {date} está fuera de la hospitalización ({ingreso} a {alta})"),
            );
        }
    }
}

fn check_atc(c: &mut Collector, path: &str, code: &Option<String>) {
    if let Some(code) = code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let bare = crate::normalize::strip_atc_prefix(code);
        if !is_atc(bare) {
            c.warning(
                format!("{path}.codigo"),
                format!("el código «{code}» no tiene forma de ATC (por ejemplo J01CA04)"),
            );
        }
    }
}

/// `J18`, `J18.9`, `K35.80`, `S72.0`, letters then two digits, optional
/// decimal part. Case-insensitive.
pub fn is_cie10(code: &str) -> bool {
    let b = code.trim().as_bytes();
    if b.len() < 3 || !b[0].is_ascii_alphabetic() || !b[1].is_ascii_digit() {
        return false;
    }
    if !(b[2].is_ascii_digit()
        || b[2].eq_ignore_ascii_case(&b'A')
        || b[2].eq_ignore_ascii_case(&b'B'))
    {
        return false;
    }
    match &b[3..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len()) && rest.iter().all(u8::is_ascii_alphanumeric)
        }
        rest => rest.len() <= 2 && rest.iter().all(u8::is_ascii_digit),
    }
}

/// An ATC code at any level from the first to the fifth (`J`, `J01`,
/// `J01C`, `J01CA`, `J01CA04`).
pub fn is_atc(code: &str) -> bool {
    let b = code.trim().as_bytes();
    let shape: &[fn(&u8) -> bool] = &[
        u8::is_ascii_alphabetic,
        u8::is_ascii_digit,
        u8::is_ascii_digit,
        u8::is_ascii_alphabetic,
        u8::is_ascii_alphabetic,
        u8::is_ascii_digit,
        u8::is_ascii_digit,
    ];
    matches!(b.len(), 1 | 3 | 4 | 5 | 7) && b.iter().zip(shape).all(|(c, ok)| ok(c))
}

/// Checks a Chilean RUT (`12.345.678-5` or `12345678-5`): the format and the
/// módulo-11 check digit. The error message is what the clinician reads.
pub fn check_rut(rut: &str) -> Result<(), String> {
    let compact: String = rut.trim().chars().filter(|c| *c != '.').collect();
    let Some((body, dv)) = compact.split_once('-') else {
        return Err(format!(
            "RUT «{rut}» sin guion antes del dígito verificador: use 12.345.678-5"
        ));
    };
    if body.is_empty() || body.len() > 8 || !body.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "RUT «{rut}» con formato inválido: use 12.345.678-5"
        ));
    }
    let dv = dv.to_ascii_uppercase();
    if dv.len() != 1 || !(dv == "K" || dv.chars().all(|c| c.is_ascii_digit())) {
        return Err(format!(
            "RUT «{rut}»: el dígito verificador debe ser un número o K"
        ));
    }
    let expected = rut_check_digit(body);
    if dv != expected {
        return Err(format!("dígito verificador inválido (esperado {expected})"));
    }
    Ok(())
}

/// Módulo 11 over the digits right to left with weights 2..7.
pub fn rut_check_digit(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .zip([2u32, 3, 4, 5, 6, 7].iter().cycle())
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    match 11 - sum % 11 {
        11 => "0".into(),
        10 => "K".into(),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_episode;

    fn problems(json: &str) -> Vec<String> {
        let episode = parse_episode(json.as_bytes()).unwrap();
        validate(&episode)
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    const VALID: &str = r#"{"id_atencion": 1, "paciente": {"sexo": "F", "edad": 40},
        "atencion": {"fecha_ingreso": "2026-05-01", "fecha_alta": "2026-05-03"},
        "motivo_ingreso": "Dolor", "diagnostico_egreso": [{"codigo": "J18.9", "nombre": "Neumonía"}],
        "indicaciones_alta": {"medicamentos": [{"nombre": "Paracetamol", "dosis": "1 g"}], "controles": ["APS"]}}"#;

    #[test]
    fn a_complete_episode_has_no_problem() {
        assert_eq!(problems(VALID), Vec::<String>::new());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let found = problems(
            r#"{"paciente": {"rut": "7.654.321-5"},
                "atencion": {"fecha_ingreso": "2026-05-10", "fecha_alta": "2026-05-02"}}"#,
        );
        for expected in [
            "id_atencion: falta el identificador de la atención (id_atencion)",
            "paciente.sexo: falta el sexo del paciente (F, M o X)",
            "paciente.rut: dígito verificador inválido (esperado 6)",
            "paciente.edad: falta la edad del paciente (o su fecha de nacimiento)",
            "atencion.fecha_alta: la fecha de alta (2026-05-02) es anterior a la de ingreso (2026-05-10)",
            "motivo_ingreso: falta el motivo de ingreso",
            "diagnostico_egreso: no hay diagnóstico de egreso: la epicrisis dirá «No consignado»",
            "indicaciones_alta.medicamentos: no hay medicamentos de alta: la epicrisis dirá «No consignado»",
        ] {
            assert!(found.iter().any(|f| f == expected), "missing «{expected}» in {found:#?}");
        }
    }

    #[test]
    fn missing_discharge_items_are_warnings_not_errors() {
        let episode = parse_episode(
            br#"{"id_atencion": "A", "paciente": {"sexo": "X", "edad": {"valor": 9, "unidad": "meses"}},
                "atencion": {"fecha_ingreso": "2026-05-01T10:00:00", "fecha_alta": "2026-05-01"},
                "motivo_ingreso": "Fiebre"}"#,
        )
        .unwrap();
        let report = validate(&episode);
        assert!(!report.has_errors(), "{:#?}", report.problems);
        assert_eq!(report.warnings().count(), 3);
    }

    #[test]
    fn rut_check_digit_is_modulo_11() {
        assert_eq!(rut_check_digit("7654321"), "6");
        assert_eq!(rut_check_digit("15432198"), "5");
        assert!(check_rut("7.654.321-6").is_ok());
        assert!(check_rut("7654321-6").is_ok());
        assert!(check_rut("15.432.198-5").is_ok());
        assert!(
            check_rut("10.000.013-k").is_ok(),
            "{}",
            rut_check_digit("10000013")
        );
        assert_eq!(
            check_rut("15.432.198-4"),
            Err("dígito verificador inválido (esperado 5)".into())
        );
        assert!(check_rut("15432198").unwrap_err().contains("sin guion"));
        assert!(check_rut("ABC-1").unwrap_err().contains("formato"));
    }

    #[test]
    fn recognises_code_shapes() {
        for good in ["J18.9", "J18", "K35.80", "e11.9", "C34.1", "U07.1"] {
            assert!(is_cie10(good), "{good}");
        }
        for bad in ["18.9", "J1", "JJ18", "J18.", "87.44"] {
            assert!(!is_cie10(bad), "{bad}");
        }
        for good in ["J01CA04", "N02BE01", "J01", "A10BA"] {
            assert!(is_atc(good), "{good}");
        }
        for bad in ["J01CA4", "01CA04", "J1CA04"] {
            assert!(!is_atc(bad), "{bad}");
        }
    }

    #[test]
    fn dates_outside_the_stay_and_impossible_dates() {
        let found = problems(
            r#"{"id_atencion": 1, "paciente": {"sexo": "M", "edad": 40, "fecha_nacimiento": "1990-02-30"},
                "atencion": {"fecha_ingreso": "2026-05-01", "fecha_alta": "2026-05-03"}, "motivo_ingreso": "x",
                "procedimientos": [{"nombre": "TAC", "fecha": "2026-06-01"}]}"#,
        );
        assert!(
            found.contains(
                &"paciente.fecha_nacimiento: fecha «1990-02-30» inválida: use AAAA-MM-DD"
                    .to_string()
            ),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("procedimientos[0].fecha: la fecha 2026-06-01 está fuera")),
            "{found:#?}"
        );
    }
}
