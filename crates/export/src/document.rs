//! The document's content, decided once for both renderers: the PDF and
//! the text file show the same facts in the same order.
//!
//! Facts come from the episode (identification, diagnoses, procedures,
//! drugs, controls); only the narrative comes from the epicrisis text.

use std::path::PathBuf;

use clinical::date::Date;
use clinical::episode::Sexo;
use clinical::Episode;
use serde::{Deserialize, Serialize};

/// Printed when the record lacks a value: a blank would look like an
/// omission by the printer, not by the record. The same words as the
/// draft's and the prompt's.
pub const MISSING: &str = clinical::text::NOT_RECORDED;

/// The page size: Chilean hospitals print on A4 or, some, on US Letter.
/// Saved in the settings and typed after `--paper` as its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, the default.
    #[default]
    A4,
    /// US Letter.
    Carta,
}

impl kinds::Word for Paper {
    const ALL: &'static [Paper] = &[Paper::A4, Paper::Carta];
    fn word(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Carta => "carta",
        }
    }
}

/// The institution's header.
#[derive(Debug, Clone, Default)]
pub struct Letterhead {
    /// The hospital's name, first line of every page's header.
    pub institution: String,
    /// The service for the header; the episode's service when empty.
    pub service: String,
    /// PNG, JPEG, GIF, SVG or WebP.
    pub logo: Option<PathBuf>,
}

/// How a document is made beyond the episode and the text: what the
/// clinician's settings and the draft's status decide.
#[derive(Debug, Clone)]
pub struct Options {
    /// The page size.
    pub paper: Paper,
    /// The institution's header.
    pub letterhead: Letterhead,
    /// A final draft: no BORRADOR watermark.
    pub is_final: bool,
    /// The date printed in the footer, the signature block and the PDF's
    /// metadata: the local day (the default), never the UTC one.
    pub generated_on: Date,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            paper: Paper::A4,
            letterhead: Letterhead::default(),
            is_final: false,
            generated_on: Date::today_local(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

/// A paragraph of the narrative. A short first line without final
/// punctuation, followed by more lines, is the paragraph's heading (the
/// deterministic draft and the fine-tuned models write them so).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paragraph {
    pub heading: Option<String>,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coded {
    pub code: String,
    pub name: String,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drug {
    pub name: String,
    pub code: String,
    pub dose: String,
    pub route: String,
    pub frequency: String,
    pub duration: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// What a document shows, decided once for the three renderings (PDF,
/// text, Markdown) so that they cannot disagree; serialised as the PDF
/// template's `/datos.json`, so record text is never parsed as markup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The letterhead's first line.
    pub institution: String,
    /// The letterhead's second line: the settings' service, else the
    /// episode's.
    pub service: String,
    /// The letterhead's logo, if any.
    pub logo: Option<PathBuf>,
    /// No BORRADOR watermark.
    pub is_final: bool,
    /// The page size as the template names it.
    pub paper: &'static str,
    /// Name and RUT, repeated in every page's header so that a loose page
    /// can be put back in its record.
    pub running_head: String,
    /// The identification block: patient, RUT, stay, service, physician.
    pub identification: Vec<Field>,
    /// The epicrisis text, split into paragraphs.
    pub narrative: Vec<Paragraph>,
    /// Discharge diagnoses from the episode (never from the text).
    pub diagnoses: Vec<Coded>,
    /// Procedures from the episode.
    pub procedures: Vec<Coded>,
    /// Discharge drugs from the episode.
    pub drugs: Vec<Drug>,
    /// Follow-up controls from the episode.
    pub controls: Vec<String>,
    /// Care instructions from the episode.
    pub care: Vec<String>,
    /// Warning signs from the episode.
    pub warning_signs: Vec<String>,
    /// The treating physician, for the signature block.
    pub physician: String,
    /// The day the document was made, as a Chilean reader writes it.
    pub generated_on: String,
    /// The footer line on every page.
    pub footer: String,
    /// The PDF's document information (PDF/A).
    pub metadata: Metadata,
}

impl Document {
    /// The document for `text` about `episode`; the structured sections
    /// come from the episode alone.
    pub fn new(episode: &Episode, text: &str, options: &Options) -> Document {
        let patient = &episode.paciente;
        let stay = &episode.atencion;
        // A date as a clinician writes it; unparseable text kept as given.
        let recorded_date = |v: Option<&String>| match v.and_then(|s| Date::parse(s)) {
            Some(d) => Some(d.spanish()),
            None => recorded(v),
        };
        let value = |v: Option<&String>| recorded(v).unwrap_or_else(|| MISSING.to_string());
        let date = |v: Option<&String>| recorded_date(v).unwrap_or_else(|| MISSING.to_string());
        let name = value(patient.nombre.as_ref());
        let rut = value(patient.rut.as_ref());
        let physician = value(stay.medico_tratante.as_ref());
        let id = value(episode.id_atencion.as_ref());
        let sex = match patient.sexo() {
            Some(Sexo::Femenino) => "Femenino".to_string(),
            Some(Sexo::Masculino) => "Masculino".to_string(),
            Some(Sexo::Otro) => "Otro".to_string(),
            None => value(patient.sexo.as_ref()),
        };
        let age = clinical::items::episode_age(episode)
            .map_or_else(|| MISSING.to_string(), |e| clinical::items::age(&e));
        let days = stay.dias_estadia().map_or_else(
            || MISSING.to_string(),
            |d| format!("{d} día{}", if d == 1 { "" } else { "s" }),
        );
        let identification = vec![
            Field {
                label: "Paciente",
                value: name.clone(),
            },
            Field {
                label: "RUT",
                value: rut.clone(),
            },
            Field {
                label: "Edad",
                value: age,
            },
            Field {
                label: "Sexo",
                value: sex,
            },
            Field {
                label: "Previsión",
                value: value(patient.prevision.as_ref()),
            },
            Field {
                label: "N.º de atención",
                value: id.clone(),
            },
            Field {
                label: "Servicio",
                value: value(stay.servicio.as_ref()),
            },
            Field {
                label: "Médico tratante",
                value: physician.clone(),
            },
            Field {
                label: "Fecha de ingreso",
                value: date(stay.fecha_ingreso.as_ref()),
            },
            Field {
                label: "Fecha de alta",
                value: date(stay.fecha_alta.as_ref()),
            },
            Field {
                label: "Días de estadía",
                value: days,
            },
        ];
        let service = if options.letterhead.service.trim().is_empty() {
            stay.servicio.clone().unwrap_or_default()
        } else {
            options.letterhead.service.clone()
        };
        let discharge = &episode.indicaciones_alta;
        let generated_on = options.generated_on.spanish();
        Document {
            institution: options.letterhead.institution.trim().to_string(),
            service: service.trim().to_string(),
            logo: options.letterhead.logo.clone(),
            is_final: options.is_final,
            paper: match options.paper {
                Paper::A4 => "a4",
                Paper::Carta => "us-letter",
            },
            running_head: format!("{name} · RUT {rut}"),
            identification,
            narrative: paragraphs(text),
            diagnoses: episode
                .diagnostico_egreso
                .iter()
                .map(|d| Coded {
                    code: d.codigo.clone().unwrap_or_default(),
                    name: d.nombre.trim().to_string(),
                    date: String::new(),
                })
                .collect(),
            procedures: episode
                .procedimientos
                .iter()
                .map(|p| Coded {
                    code: p.codigo.clone().unwrap_or_default(),
                    name: p.nombre.trim().to_string(),
                    date: recorded_date(p.fecha.as_ref()).unwrap_or_default(),
                })
                .collect(),
            drugs: discharge
                .medicamentos
                .iter()
                .map(|m| Drug {
                    name: m.nombre.trim().to_string(),
                    code: m.codigo.clone().unwrap_or_default(),
                    dose: m.dosis.clone().unwrap_or_default(),
                    route: m.via.clone().unwrap_or_default(),
                    frequency: m.frecuencia.clone().unwrap_or_default(),
                    duration: m.duracion.clone().unwrap_or_default(),
                })
                .collect(),
            controls: trimmed(&discharge.controles),
            care: trimmed(&discharge.cuidados),
            warning_signs: trimmed(&discharge.signos_alarma),
            physician: physician.clone(),
            // Said in words too: a faint watermark can vanish on a copier.
            footer: format!(
                "{}Generado el {generated_on} con Epicrisis",
                if options.is_final { "" } else { "BORRADOR · " }
            ),
            generated_on,
            metadata: Metadata {
                title: format!("Epicrisis de {name}"),
                author: physician,
                subject: format!("Epicrisis de la atención {id}, {rut}"),
                keywords: vec!["epicrisis".into(), id],
                year: options.generated_on.year,
                month: options.generated_on.month,
                day: options.generated_on.day,
            },
        }
    }
}

/// The value as recorded, trimmed; `None` when absent or blank.
fn recorded(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn trimmed(items: &[String]) -> Vec<String> {
    items.iter().filter_map(|s| recorded(Some(s))).collect()
}

/// Splits the epicrisis text into paragraphs at blank lines.
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    let mut out = Vec::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let mut lines: Vec<String> = block
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        let first = &lines[0];
        let heading = lines.len() > 1
            && first.chars().count() <= 60
            && !first.ends_with(['.', ':', ';', ','])
            && first.split_whitespace().count() <= 8;
        let heading = heading.then(|| lines.remove(0));
        out.push(Paragraph { heading, lines });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_short_unpunctuated_first_lines() {
        let text = "Identificación\nPaciente femenina de 75 años.\n\nEvolución favorable, sin incidentes.\n\n\nControles\nPoliclínico en 7 días.\nKinesiología.";
        let p = paragraphs(text);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].heading.as_deref(), Some("Identificación"));
        assert_eq!(p[1].heading, None);
        assert_eq!(p[1].lines, ["Evolución favorable, sin incidentes."]);
        assert_eq!(p[2].lines.len(), 2);
    }
}
