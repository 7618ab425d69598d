//! Service templates: how a service's epicrisis reads. Which sections, in
//! what order, prose or lists, how long, the service's own fixed text and
//! extra instructions for the model.
//!
//! A template is data, not code: a service head writes one in the window
//! (or as a JSON file) and hands it to every PC of the service. So parsing
//! is strict and every refusal names the field that is wrong, in Spanish,
//! with what to write instead. The two prompt profiles are the built-in
//! templates [`Template::general`] and [`Template::ajustado`]; they cannot
//! be changed, only copied.

use serde::{Deserialize, Serialize};

use crate::prompt::Profile;
use crate::text::fold;

/// A section of the epicrisis. The deterministic draft writes each under
/// its [`Section::title`]; a model is asked for the same titles, which is
/// what lets one section be found and rewritten later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Patient, stay number, service, physician (the application's data; a
    /// model never writes it, the patient line stands for it).
    Identificacion,
    /// Admission and discharge dates, length of stay.
    Periodo,
    /// Reason for admission, history, habits, allergies.
    MotivoIngreso,
    /// Admission diagnoses.
    DiagnosticosIngreso,
    /// Procedures.
    Procedimientos,
    /// In-hospital treatment.
    Tratamiento,
    /// The course of the stay.
    Evolucion,
    /// Relevant lab results.
    Examenes,
    /// Discharge diagnoses.
    DiagnosticosEgreso,
    /// Condition at discharge.
    CondicionAlta,
    /// Discharge drugs, care and warning signs.
    Indicaciones,
}

impl Section {
    /// Every section, in the order of the full deterministic draft.
    pub const ALL: [Section; 11] = [
        Section::Identificacion,
        Section::Periodo,
        Section::MotivoIngreso,
        Section::DiagnosticosIngreso,
        Section::Procedimientos,
        Section::Tratamiento,
        Section::Evolucion,
        Section::Examenes,
        Section::DiagnosticosEgreso,
        Section::CondicionAlta,
        Section::Indicaciones,
    ];

    /// The heading as it stands on its own line in the text.
    pub fn title(self) -> &'static str {
        match self {
            Section::Identificacion => "Identificación",
            Section::Periodo => "Período de hospitalización",
            Section::MotivoIngreso => "Motivo de ingreso y antecedentes",
            Section::DiagnosticosIngreso => "Diagnósticos de ingreso",
            Section::Procedimientos => "Procedimientos",
            Section::Tratamiento => "Tratamiento intrahospitalario",
            Section::Evolucion => "Evolución",
            Section::Examenes => "Exámenes relevantes",
            Section::DiagnosticosEgreso => "Diagnósticos de egreso",
            Section::CondicionAlta => "Condición al alta",
            Section::Indicaciones => "Indicaciones al alta",
        }
    }

    /// The word a template file uses (`"evolucion"`).
    pub fn key(self) -> &'static str {
        match self {
            Section::Identificacion => "identificacion",
            Section::Periodo => "periodo",
            Section::MotivoIngreso => "motivo_ingreso",
            Section::DiagnosticosIngreso => "diagnosticos_ingreso",
            Section::Procedimientos => "procedimientos",
            Section::Tratamiento => "tratamiento",
            Section::Evolucion => "evolucion",
            Section::Examenes => "examenes",
            Section::DiagnosticosEgreso => "diagnosticos_egreso",
            Section::CondicionAlta => "condicion_alta",
            Section::Indicaciones => "indicaciones",
        }
    }

    /// The section whose heading `line` is: the title alone on its line,
    /// in any case, with or without accents, a closing colon, Markdown
    /// (`## `, `**…**`) or a number (`3. `), as models and clinicians
    /// write it even when asked not to.
    pub fn from_heading(line: &str) -> Option<Section> {
        let mut line = line.trim();
        // "3. Evolución", "3) Evolución".
        let numbered = line.trim_start_matches(|c: char| c.is_ascii_digit());
        if numbered.len() < line.len() {
            if let Some(rest) = numbered.strip_prefix(['.', ')']) {
                line = rest;
            }
        }
        let line = line
            .trim_start_matches(|c: char| c == '#' || c == '*' || c == '_' || c.is_whitespace())
            .trim_end_matches(|c: char| c == '*' || c == '_' || c == ':' || c.is_whitespace());
        if line.is_empty() || line.len() > 40 {
            return None;
        }
        let folded = fold(line);
        Section::ALL.into_iter().find(|s| fold(s.title()) == folded)
    }
}

/// How the body of each section is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// Paragraphs.
    Prosa,
    /// Short lines that start with "- ".
    Lista,
}

/// How long the model is asked to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Length {
    /// One or two sentences per section.
    Breve,
    /// A short paragraph per section.
    Estandar,
    /// Every milestone of the course.
    Detallada,
}

impl Length {
    /// The sentence the instruct prompt carries for this length.
    pub fn instruction(self) -> &'static str {
        match self {
            Length::Breve => "Sé breve: una o dos oraciones por sección.",
            Length::Estandar => "Extensión habitual: un párrafo breve por sección.",
            Length::Detallada => {
                "Sé detallado: en la evolución, consigna cada hito relevante con su día."
            }
        }
    }
}

/// Text the service always wants in a section, written by the application
/// after the section's body (never by the model, so it is never altered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct FixedText {
    /// The section it closes.
    pub seccion: Section,
    /// The text, as the service wrote it.
    pub texto: String,
}

/// How a service's epicrisis reads. The field names are the file format's
/// (Spanish, like the episode format's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Identifier: lowercase letters, digits and hyphens (`medicina-interna`).
    pub id: String,
    /// The name shown in the window.
    pub nombre: String,
    /// Services whose episodes use it by default (compared without case or
    /// accents with the episode's `atencion.servicio`).
    #[serde(default)]
    pub servicios: Vec<String>,
    /// The prompt's shape: `instruct` for general instruction models,
    /// `finetuned` for models tuned on epicrisis (these write one narrative;
    /// sections, style and length then shape only the deterministic draft).
    pub perfil: Profile,
    /// The sections, in order.
    pub secciones: Vec<Section>,
    /// Prose or lists.
    pub estilo: Style,
    /// How long the model is asked to write.
    pub extension: Length,
    /// Extra instructions for the model (the service's house rules).
    #[serde(default)]
    pub instrucciones: String,
    /// The service's fixed text, per section.
    #[serde(default)]
    pub texto_fijo: Vec<FixedText>,
    /// A closing line: the signature block, a service's footer.
    #[serde(default)]
    pub pie: String,
}

/// What a template file or form got wrong: which field, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plantilla, campo «{field}»: {message}")]
pub struct TemplateError {
    /// The field, as a path into the JSON (`secciones[2]`).
    pub field: String,
    /// What is wrong and what to write instead, in Spanish.
    pub message: String,
}

/// The longest free text a template may carry in one field; a template is
/// guidance, not a document.
pub const MAX_TEXT_CHARS: usize = 2000;

/// The sections the built-in templates ask a model for: the order of the
/// instruct prompt before templates existed.
const MODEL_SECTIONS: [Section; 6] = [
    Section::MotivoIngreso,
    Section::Procedimientos,
    Section::Tratamiento,
    Section::Evolucion,
    Section::DiagnosticosEgreso,
    Section::Indicaciones,
];

impl Template {
    /// The built-in template for general instruction models: the six
    /// narrative sections in prose.
    pub fn general() -> Template {
        Template {
            id: "general".into(),
            nombre: "General (modelos de instrucciones)".into(),
            servicios: Vec::new(),
            perfil: Profile::Instruct,
            secciones: MODEL_SECTIONS.to_vec(),
            estilo: Style::Prosa,
            extension: Length::Estandar,
            instrucciones: String::new(),
            texto_fijo: Vec::new(),
            pie: String::new(),
        }
    }

    /// The built-in template for models tuned on epicrisis: their compact
    /// prompt, one narrative.
    pub fn ajustado() -> Template {
        Template {
            id: "ajustado".into(),
            nombre: "Modelo ajustado en epicrisis".into(),
            perfil: Profile::Finetuned,
            ..Template::general()
        }
    }

    /// The built-in template of a profile.
    pub fn builtin(profile: Profile) -> Template {
        match profile {
            Profile::Instruct => Template::general(),
            Profile::Finetuned => Template::ajustado(),
        }
    }

    /// Both built-ins, general first.
    pub fn builtins() -> [Template; 2] {
        [Template::general(), Template::ajustado()]
    }

    /// Whether `id` names a built-in (which cannot be saved over).
    pub fn is_builtin_id(id: &str) -> bool {
        Template::builtins().iter().any(|t| t.id == id)
    }

    /// The template behind the full deterministic draft: every section.
    pub fn complete() -> Template {
        Template {
            secciones: Section::ALL.to_vec(),
            ..Template::general()
        }
    }

    /// Reads a template file, refusing it with the field that is wrong.
    pub fn from_json(bytes: &[u8]) -> Result<Template, TemplateError> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let template: Template =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                let field = match e.path().to_string() {
                    p if p == "." => "(archivo)".to_string(),
                    p => p,
                };
                TemplateError {
                    field,
                    message: explain_serde(&e.inner().to_string()),
                }
            })?;
        template.validate()?;
        Ok(template)
    }

    /// The template as a file a service head can hand out.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what the types cannot: identifiers, lengths, repeats.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let wrong = |field: &str, message: String| {
            Err(TemplateError {
                field: field.into(),
                message,
            })
        };
        if self.id.is_empty()
            || self.id.len() > 40
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return wrong(
                "id",
                format!(
                    "«{}» no sirve como identificador; use de 1 a 40 minúsculas sin tilde, dígitos o guiones, por ejemplo «medicina-interna»",
                    self.id
                ),
            );
        }
        if self.nombre.trim().is_empty() || self.nombre.chars().count() > 80 {
            return wrong(
                "nombre",
                "escriba un nombre de 1 a 80 caracteres, por ejemplo «Medicina Interna»".into(),
            );
        }
        for (i, service) in self.servicios.iter().enumerate() {
            if service.trim().is_empty() {
                return wrong(
                    &format!("servicios[{i}]"),
                    "está vacío; borre la línea o escriba el nombre del servicio".into(),
                );
            }
        }
        if self.secciones.is_empty() {
            return wrong(
                "secciones",
                format!(
                    "la plantilla no tiene secciones; elija al menos una de: {}",
                    <Section as kinds::Word>::choices()
                ),
            );
        }
        for (i, section) in self.secciones.iter().enumerate() {
            if self.secciones[..i].contains(section) {
                return wrong(
                    &format!("secciones[{i}]"),
                    format!("la sección «{}» está repetida", section.key()),
                );
            }
        }
        if self.instrucciones.chars().count() > MAX_TEXT_CHARS {
            return wrong(
                "instrucciones",
                format!("tiene más de {MAX_TEXT_CHARS} caracteres; acórtelas"),
            );
        }
        for (i, fixed) in self.texto_fijo.iter().enumerate() {
            if !self.secciones.contains(&fixed.seccion) {
                return wrong(
                    &format!("texto_fijo[{i}].seccion"),
                    format!(
                        "la sección «{}» no está en «secciones»; agréguela o mueva el texto a otra",
                        fixed.seccion.key()
                    ),
                );
            }
            if fixed.texto.trim().is_empty() || fixed.texto.chars().count() > MAX_TEXT_CHARS {
                return wrong(
                    &format!("texto_fijo[{i}].texto"),
                    format!("escriba entre 1 y {MAX_TEXT_CHARS} caracteres"),
                );
            }
        }
        if self.pie.chars().count() > MAX_TEXT_CHARS {
            return wrong(
                "pie",
                format!("tiene más de {MAX_TEXT_CHARS} caracteres; acórtelo"),
            );
        }
        Ok(())
    }

    /// Whether this template is the one a service chose for its episodes.
    pub fn serves(&self, service: &str) -> bool {
        let service = fold(service.trim());
        !service.is_empty() && self.servicios.iter().any(|s| fold(s.trim()) == service)
    }

    /// The sections a model writes: all but the identification, which the
    /// application's patient line stands for.
    pub fn model_sections(&self) -> Vec<Section> {
        self.secciones
            .iter()
            .copied()
            .filter(|s| *s != Section::Identificacion)
            .collect()
    }

    /// The service's fixed text for `section`, joined.
    pub fn fixed_text(&self, section: Section) -> Vec<&str> {
        self.texto_fijo
            .iter()
            .filter(|f| f.seccion == section)
            .map(|f| f.texto.trim())
            .collect()
    }
}

/// Of `templates`, the one for `service`: the first that serves it, else
/// none (the caller falls back to a built-in).
pub fn for_service<'t>(templates: &'t [Template], service: Option<&str>) -> Option<&'t Template> {
    let service = service?;
    templates.iter().find(|t| t.serves(service))
}

/// A template file's and a stored version's words for the sections.
impl kinds::Word for Section {
    const ALL: &'static [Section] = &Section::ALL;
    fn word(self) -> &'static str {
        self.key()
    }
}

/// serde's English messages, said in Spanish for the usual mistakes.
fn explain_serde(message: &str) -> String {
    // serde_json's position is the file's, not the field's: the field is
    // named already.
    let message = message.split(" at line ").next().unwrap_or(message);
    if message.starts_with("unknown variant") {
        let found = message.split('`').nth(1).unwrap_or("");
        return format!(
            "«{found}» no es un valor válido; use uno de: {}",
            message
                .split("expected ")
                .nth(1)
                .map(|e| e
                    .replace('`', "")
                    .replace(" or ", ", ")
                    .replace("one of ", ""))
                .unwrap_or_default()
        );
    }
    if message.starts_with("unknown field") {
        let found = message.split('`').nth(1).unwrap_or("");
        return format!(
            "el campo «{found}» no existe en una plantilla; bórrelo o corrija su nombre"
        );
    }
    if message.starts_with("missing field") {
        let found = message.split('`').nth(1).unwrap_or("");
        return format!("falta el campo «{found}»");
    }
    if message.starts_with("invalid type") {
        return format!("tipo de dato incorrecto ({message})");
    }
    format!(
        "el archivo no es JSON válido ({}); revise comillas y comas",
        message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn medicina() -> serde_json::Value {
        serde_json::json!({
            "id": "medicina-interna",
            "nombre": "Medicina Interna",
            "servicios": ["Medicina Interna", "MEDICINA"],
            "perfil": "instruct",
            "secciones": ["motivo_ingreso", "evolucion", "indicaciones"],
            "estilo": "lista",
            "extension": "breve",
            "instrucciones": "Menciona siempre la función renal.",
            "texto_fijo": [{"seccion": "indicaciones", "texto": "Consultar en urgencia ante fiebre."}],
            "pie": "Dr. Jefe de Servicio"
        })
    }

    fn refused(value: serde_json::Value) -> TemplateError {
        Template::from_json(value.to_string().as_bytes()).unwrap_err()
    }

    #[test]
    fn a_service_template_round_trips_through_its_file() {
        let template = Template::from_json(medicina().to_string().as_bytes()).unwrap();
        assert_eq!(template.secciones.len(), 3);
        assert_eq!(
            Template::from_json(template.to_json().as_bytes()).unwrap(),
            template
        );
        assert!(template.serves("medicina interna"));
        assert!(template.serves("Medicina"));
        assert!(!template.serves("Pediatría"));
    }

    #[test]
    fn a_bad_file_names_the_field_that_is_wrong() {
        let mut v = medicina();
        v["secciones"][1] = "evolucon".into();
        let e = refused(v);
        assert_eq!(e.field, "secciones[1]");
        assert!(
            e.message.contains("«evolucon» no es un valor válido"),
            "{e}"
        );
        assert!(e.message.contains("evolucion"), "{e}");
        assert!(!e.message.contains("line"), "{e}");

        let mut v = medicina();
        v["estilo"] = "tabla".into();
        assert_eq!(refused(v).field, "estilo");

        let mut v = medicina();
        v.as_object_mut().unwrap().remove("perfil");
        let e = refused(v);
        assert!(e.message.contains("falta el campo «perfil»"), "{e}");

        let mut v = medicina();
        v["colores"] = "azul".into();
        assert!(refused(v).message.contains("«colores» no existe"));

        let mut v = medicina();
        v["id"] = "Medicina Interna".into();
        assert_eq!(refused(v).field, "id");

        let mut v = medicina();
        v["secciones"] = serde_json::json!(["evolucion", "evolucion"]);
        v["texto_fijo"] = serde_json::json!([]);
        let e = refused(v);
        assert_eq!(e.field, "secciones[1]");
        assert!(e.message.contains("repetida"));

        let mut v = medicina();
        v["texto_fijo"][0]["seccion"] = "examenes".into();
        assert_eq!(refused(v).field, "texto_fijo[0].seccion");

        let e = Template::from_json(b"{\"id\": ").unwrap_err();
        assert!(e.message.contains("no es JSON válido"), "{e}");
    }

    #[test]
    fn headings_are_found_as_people_write_them() {
        assert_eq!(Section::from_heading("Evolución"), Some(Section::Evolucion));
        assert_eq!(
            Section::from_heading("EVOLUCION:"),
            Some(Section::Evolucion)
        );
        assert_eq!(
            Section::from_heading("  indicaciones al alta "),
            Some(Section::Indicaciones)
        );
        for written in [
            "**Evolución**",
            "## Evolución",
            "3. Evolución:",
            "**Evolución:**",
            "2) EVOLUCIÓN",
        ] {
            assert_eq!(
                Section::from_heading(written),
                Some(Section::Evolucion),
                "{written}"
            );
        }
        assert_eq!(Section::from_heading("Evolución favorable"), None);
        assert_eq!(
            Section::from_heading("2026. Evolución"),
            Some(Section::Evolucion)
        );
        assert_eq!(Section::from_heading("- Evolución"), None);
        assert_eq!(Section::from_heading(""), None);
    }

    #[test]
    fn builtins_are_valid_and_distinct() {
        for t in Template::builtins() {
            t.validate().unwrap();
            assert!(Template::is_builtin_id(&t.id));
        }
        assert_eq!(Template::builtin(Profile::Finetuned).id, "ajustado");
        assert!(!Template::general()
            .model_sections()
            .contains(&Section::Identificacion));
    }
}
