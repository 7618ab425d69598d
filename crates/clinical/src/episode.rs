//! The hospital episode ("atención"), Episode JSON version 1.
//!
//! The field names are the format's Spanish keys (EPISODE_FORMAT.md is a
//! contract other tools depend on). Every struct keeps the keys it does not
//! know in `extra`, so an extract round-trips without losing anything. Where
//! the format accepts two shapes, deserialisation takes both and
//! serialisation writes the first.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::date::Date;

type Extra = Map<String, Value>;

/// One hospital stay as Episode JSON v1 describes it
/// (`docs/EPISODE_FORMAT.md`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// The format's version; 1, or absent (read as 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Required; `None` only so that validation can report it with the rest.
    #[serde(
        default,
        deserialize_with = "string_or_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub id_atencion: Option<String>,
    /// Who the patient is.
    #[serde(default)]
    pub paciente: Paciente,
    /// The stay: dates, service, attending physician.
    #[serde(default)]
    pub atencion: Atencion,
    /// Why the patient was admitted, as the clinician wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivo_ingreso: Option<String>,
    /// Medical and surgical history, habits and allergies.
    #[serde(default)]
    pub antecedentes: Antecedentes,
    /// Diagnoses at admission (CIE-10 when coded).
    #[serde(default)]
    pub diagnostico_ingreso: Vec<Diagnostico>,
    /// Procedures during the stay.
    #[serde(default)]
    pub procedimientos: Vec<Procedimiento>,
    /// Drugs and other treatment given during the stay.
    #[serde(default)]
    pub tratamientos_intrahosp: Vec<Tratamiento>,
    /// The course of the stay, one note per day or event.
    #[serde(default)]
    pub evolucion_resumen: Vec<NotaEvolucion>,
    /// Lab results: at admission, over the stay, at discharge.
    #[serde(default)]
    pub laboratorios_resumen: Vec<Laboratorio>,
    /// Diagnoses at discharge, the main one first.
    #[serde(default)]
    pub diagnostico_egreso: Vec<Diagnostico>,
    /// The patient's condition when discharged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condicion_alta: Option<String>,
    /// Drugs, follow-up, care and warning signs for home.
    #[serde(default)]
    pub indicaciones_alta: IndicacionesAlta,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The patient, as far as the epicrisis names them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Paciente {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nombre: Option<String>,
    /// Chilean RUT with its check digit (validated módulo 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rut: Option<String>,
    /// Date of birth, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_nacimiento: Option<String>,
    /// Sex as coded (`F`, `M`, `X`); see [`Paciente::sexo`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sexo: Option<String>,
    /// Age, when given instead of (or beside) the date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edad: Option<Edad>,
    /// Health insurance (FONASA tier, ISAPRE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevision: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Sex as the format codes it. Anything else is kept as text in the record
/// and reported by validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sexo {
    /// `F`.
    Femenino,
    /// `M`.
    Masculino,
    /// Non-binary or undetermined ("X" on Chilean documents).
    Otro,
}

impl Paciente {
    /// The coded sex, or `None` when absent or not one of the format's codes
    /// (validation reports it; nothing is assumed).
    pub fn sexo(&self) -> Option<Sexo> {
        match self.sexo.as_deref().map(str::trim) {
            Some("F") | Some("f") => Some(Sexo::Femenino),
            Some("M") | Some("m") => Some(Sexo::Masculino),
            Some("X") | Some("x") => Some(Sexo::Otro),
            _ => None,
        }
    }
}

/// Age: whole years, or a value with a unit for infants (`{ "valor": 9,
/// "unidad": "meses" }`).
#[derive(Debug, Clone, PartialEq)]
pub struct Edad {
    /// The number, in `unidad`.
    pub valor: f64,
    /// Years, months, weeks or days.
    pub unidad: UnidadEdad,
}

/// The unit of an age; infants' ages are given in months, weeks or days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnidadEdad {
    /// Years.
    #[serde(alias = "año", alias = "anos", alias = "ano", alias = "años")]
    Anios,
    /// Months.
    #[serde(alias = "mes")]
    Meses,
    /// Weeks.
    #[serde(alias = "semana")]
    Semanas,
    /// Days.
    #[serde(alias = "dia", alias = "día", alias = "días")]
    Dias,
}

impl UnidadEdad {
    /// The Spanish word for `value` of this unit, singular or plural ("1 año",
    /// "9 meses").
    pub fn label(self, value: f64) -> &'static str {
        let one = value == 1.0;
        match (self, one) {
            (UnidadEdad::Anios, true) => "año",
            (UnidadEdad::Anios, false) => "años",
            (UnidadEdad::Meses, true) => "mes",
            (UnidadEdad::Meses, false) => "meses",
            (UnidadEdad::Semanas, true) => "semana",
            (UnidadEdad::Semanas, false) => "semanas",
            (UnidadEdad::Dias, true) => "día",
            (UnidadEdad::Dias, false) => "días",
        }
    }
}

impl Serialize for Edad {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.unidad == UnidadEdad::Anios && self.valor.fract() == 0.0 && self.valor >= 0.0 {
            serializer.serialize_u64(self.valor as u64)
        } else {
            #[derive(Serialize)]
            struct WithUnit {
                valor: f64,
                unidad: UnidadEdad,
            }
            WithUnit {
                valor: self.valor,
                unidad: self.unidad,
            }
            .serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Edad {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(
            untagged,
            expecting = "edad en años (número) o {\"valor\", \"unidad\"}"
        )]
        enum Shape {
            Years(f64),
            WithUnit { valor: f64, unidad: UnidadEdad },
        }
        Ok(match Shape::deserialize(deserializer)? {
            Shape::Years(valor) => Edad {
                valor,
                unidad: UnidadEdad::Anios,
            },
            Shape::WithUnit { valor, unidad } => Edad { valor, unidad },
        })
    }
}

/// The stay itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Atencion {
    /// Admission date, ISO (a time may follow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_ingreso: Option<String>,
    /// Discharge date, ISO (a time may follow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_alta: Option<String>,
    /// The service that discharges ("Medicina Interna"); it chooses the default
    /// template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servicio: Option<String>,
    /// The attending physician.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medico_tratante: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Atencion {
    /// The admission date, when it is a valid date.
    pub fn ingreso(&self) -> Option<Date> {
        self.fecha_ingreso.as_deref().and_then(Date::parse)
    }
    /// The discharge date, when it is a valid date.
    pub fn alta(&self) -> Option<Date> {
        self.fecha_alta.as_deref().and_then(Date::parse)
    }
    /// Length of stay in days, when both dates are valid and in order.
    pub fn dias_estadia(&self) -> Option<i64> {
        let days = self.ingreso()?.days_until(self.alta()?);
        (days >= 0).then_some(days)
    }
}

/// History as the format lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Antecedentes {
    /// Medical history (conditions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medicos: Vec<String>,
    /// Surgical history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirurgicos: Vec<String>,
    /// Habits (smoking, alcohol).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub habitos: Vec<String>,
    /// `None`: not recorded. `Some([])`: none known.
    #[serde(
        default,
        deserialize_with = "string_or_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub alergias: Option<Vec<String>>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Antecedentes {
    /// The allergies actually known, with "Sin alergias conocidas", "NKDA"
    /// and the like removed. `None` when allergies were not recorded.
    pub fn alergias_conocidas(&self) -> Option<Vec<&str>> {
        self.alergias.as_ref().map(|list| {
            list.iter()
                .map(|a| a.trim())
                .filter(|a| !a.is_empty() && !means_no_known_allergy(a))
                .collect()
        })
    }
}

/// "Sin alergias conocidas", "No refiere", "NKDA", "Niega alergias", "(-)".
pub fn means_no_known_allergy(text: &str) -> bool {
    let folded = crate::text::fold(text);
    let folded = folded.trim().trim_end_matches('.');
    matches!(
        folded,
        "nkda" | "nka" | "ninguna" | "no" | "niega" | "(-)" | "-" | "no refiere" | "no tiene"
    ) || folded.starts_with("sin alergia")
        || folded.starts_with("niega alergia")
        || folded.starts_with("no refiere alergia")
        || folded.starts_with("no conocida")
        || folded.starts_with("no se conocen")
}

/// A diagnosis, coded or not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostico {
    /// CIE-10 code, when coded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// The diagnosis as written.
    #[serde(default)]
    pub nombre: String,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A procedure of the stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Procedimiento {
    /// Procedure code (FONASA or CIE-9-MC), when coded.
    #[serde(
        default,
        deserialize_with = "opt_string_or_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub codigo: Option<String>,
    /// The procedure as written.
    #[serde(default)]
    pub nombre: String,
    /// When it was done, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A treatment given during the stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tratamiento {
    /// ATC code, when coded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// The drug or treatment as written.
    #[serde(default)]
    pub nombre: String,
    /// Dose as written ("1 g").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dosis: Option<String>,
    /// Route ("EV", "VO"); normalised to the usual abbreviations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Frequency ("c/12h").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frecuencia: Option<String>,
    /// First day, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inicio: Option<String>,
    /// Last day, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fin: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One note of the course.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotaEvolucion {
    /// Day of the stay it belongs to, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dia: Option<u32>,
    /// Its date, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    /// What happened, as the clinician wrote it.
    #[serde(default)]
    pub texto: String,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One lab test over the stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Laboratorio {
    /// The test's name ("PCR", "Creatinina").
    #[serde(default)]
    pub prueba: String,
    /// Its unit ("mg/L").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unidad: Option<String>,
    /// The result at admission, with its range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingreso: Option<ResultadoIngreso>,
    /// The extremes during the stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodo: Option<Periodo>,
    /// The result at discharge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alta: Option<ResultadoAlta>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A lab value: a number, or text such as "negativo" or "<0,5".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "un número o un texto")]
pub enum Valor {
    /// A number (decimal comma or point in the file).
    Numero(f64),
    /// Anything else, kept as written.
    Texto(String),
}

impl Valor {
    /// The value as the epicrisis writes it (decimal comma, no trailing zeros).
    pub fn render(&self) -> String {
        match self {
            Valor::Numero(n) => crate::text::number(*n),
            Valor::Texto(t) => t.trim().to_string(),
        }
    }
}

/// A result at admission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultadoIngreso {
    /// The value.
    pub valor: Valor,
    /// When it was taken, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    /// Lower end of the reference range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rango_inferior: Option<Valor>,
    /// Upper end of the reference range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rango_superior: Option<Valor>,
    /// "alto", "bajo", "normal" as the lab flagged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estado: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The lowest and highest values during the stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Periodo {
    /// The lowest.
    pub min: Valor,
    /// The highest.
    pub max: Valor,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A result at discharge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultadoAlta {
    /// The value.
    pub valor: Valor,
    /// When it was taken, ISO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What the patient takes home.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicacionesAlta {
    /// Drugs at discharge.
    #[serde(default)]
    pub medicamentos: Vec<Medicamento>,
    /// Follow-up appointments and tests; written by the application, never the
    /// model.
    #[serde(default)]
    pub controles: Vec<String>,
    /// Care at home (diet, rest, wound care).
    #[serde(default)]
    pub cuidados: Vec<String>,
    /// When to come back to the emergency room.
    #[serde(default)]
    pub signos_alarma: Vec<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A drug at discharge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Medicamento {
    /// ATC code, when coded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    /// The drug as written.
    #[serde(default)]
    pub nombre: String,
    /// Dose as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dosis: Option<String>,
    /// Route, normalised to the usual abbreviations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Frequency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frecuencia: Option<String>,
    /// How long to take it ("7 días", "permanente").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duracion: Option<String>,
    /// Keys this version of the format does not define, kept so the file
    /// round-trips.
    #[serde(flatten)]
    pub extra: Extra,
}

fn string_or_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "un texto o un número entero")]
    enum Id {
        Text(String),
        Int(i64),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|id| match id {
        Id::Text(t) => t,
        Id::Int(n) => n.to_string(),
    }))
}

fn opt_string_or_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    string_or_integer(d)
}

fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "una lista de textos o un texto")]
    enum Shape {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<Shape>::deserialize(d)?.map(|shape| match shape {
        Shape::One(text) if text.trim().is_empty() => Vec::new(),
        Shape::One(text) => vec![text],
        Shape::Many(list) => list,
    }))
}
