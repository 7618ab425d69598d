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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Required; `None` only so that validation can report it with the rest.
    #[serde(
        default,
        deserialize_with = "string_or_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub id_atencion: Option<String>,
    #[serde(default)]
    pub paciente: Paciente,
    #[serde(default)]
    pub atencion: Atencion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivo_ingreso: Option<String>,
    #[serde(default)]
    pub antecedentes: Antecedentes,
    #[serde(default)]
    pub diagnostico_ingreso: Vec<Diagnostico>,
    #[serde(default)]
    pub procedimientos: Vec<Procedimiento>,
    #[serde(default)]
    pub tratamientos_intrahosp: Vec<Tratamiento>,
    #[serde(default)]
    pub evolucion_resumen: Vec<NotaEvolucion>,
    #[serde(default)]
    pub laboratorios_resumen: Vec<Laboratorio>,
    #[serde(default)]
    pub diagnostico_egreso: Vec<Diagnostico>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condicion_alta: Option<String>,
    #[serde(default)]
    pub indicaciones_alta: IndicacionesAlta,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Paciente {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nombre: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rut: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_nacimiento: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sexo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edad: Option<Edad>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevision: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Sex as the format codes it. Anything else is kept as text in the record
/// and reported by validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sexo {
    Femenino,
    Masculino,
    /// Non-binary or undetermined ("X" on Chilean documents).
    Otro,
}

impl Paciente {
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
    pub valor: f64,
    pub unidad: UnidadEdad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnidadEdad {
    #[serde(alias = "año", alias = "anos", alias = "ano", alias = "años")]
    Anios,
    #[serde(alias = "mes")]
    Meses,
    #[serde(alias = "semana")]
    Semanas,
    #[serde(alias = "dia", alias = "día", alias = "días")]
    Dias,
}

impl UnidadEdad {
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Atencion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_ingreso: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_alta: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servicio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medico_tratante: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Atencion {
    pub fn ingreso(&self) -> Option<Date> {
        self.fecha_ingreso.as_deref().and_then(Date::parse)
    }
    pub fn alta(&self) -> Option<Date> {
        self.fecha_alta.as_deref().and_then(Date::parse)
    }
    /// Length of stay in days, when both dates are valid and in order.
    pub fn dias_estadia(&self) -> Option<i64> {
        let days = self.ingreso()?.days_until(self.alta()?);
        (days >= 0).then_some(days)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Antecedentes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medicos: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirurgicos: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub habitos: Vec<String>,
    /// `None`: not recorded. `Some([])`: none known.
    #[serde(
        default,
        deserialize_with = "string_or_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub alergias: Option<Vec<String>>,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostico {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    #[serde(default)]
    pub nombre: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Procedimiento {
    #[serde(
        default,
        deserialize_with = "opt_string_or_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub codigo: Option<String>,
    #[serde(default)]
    pub nombre: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tratamiento {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    #[serde(default)]
    pub nombre: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dosis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frecuencia: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inicio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fin: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotaEvolucion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dia: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    #[serde(default)]
    pub texto: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Laboratorio {
    #[serde(default)]
    pub prueba: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unidad: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingreso: Option<ResultadoIngreso>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodo: Option<Periodo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alta: Option<ResultadoAlta>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A lab value: a number, or text such as "negativo" or "<0,5".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "un número o un texto")]
pub enum Valor {
    Numero(f64),
    Texto(String),
}

impl Valor {
    pub fn render(&self) -> String {
        match self {
            Valor::Numero(n) => crate::text::number(*n),
            Valor::Texto(t) => t.trim().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultadoIngreso {
    pub valor: Valor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rango_inferior: Option<Valor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rango_superior: Option<Valor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estado: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Periodo {
    pub min: Valor,
    pub max: Valor,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultadoAlta {
    pub valor: Valor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicacionesAlta {
    #[serde(default)]
    pub medicamentos: Vec<Medicamento>,
    #[serde(default)]
    pub controles: Vec<String>,
    #[serde(default)]
    pub cuidados: Vec<String>,
    #[serde(default)]
    pub signos_alarma: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Medicamento {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<String>,
    #[serde(default)]
    pub nombre: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dosis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frecuencia: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duracion: Option<String>,
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
