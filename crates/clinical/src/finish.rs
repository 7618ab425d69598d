//! Finishing a model's text: the facts that must never depend on the model
//! (who the patient is, when to come back) are written by the application.

use crate::episode::Episode;
use crate::items;
use crate::sections::sections;
use crate::template::Template;
use crate::text::{decapitalize, join};

/// The heading of the controls block that [`finish`] appends.
pub const CONTROLS_HEADING: &str = "Controles:";

/// Puts the patient line in front of `text` and the follow-up controls after
/// it, both from the episode. Running it on its own output changes nothing.
pub fn finish(episode: &Episode, text: &str) -> String {
    let line = patient_line(episode);
    let controls = controls_block(episode);
    let body = text.trim();
    let body = body.strip_prefix(line.as_str()).unwrap_or(body).trim();
    let body = body.strip_suffix(controls.as_str()).unwrap_or(body).trim();
    if body.is_empty() {
        format!("{line}\n\n{controls}\n")
    } else {
        format!("{line}\n\n{body}\n\n{controls}\n")
    }
}

/// [`finish`] for a service template: its fixed text closes the sections it
/// belongs to (or the body, when the model wrote no such section) and its
/// closing line follows the controls. Running it on its own output changes
/// nothing; fixed text already present is not repeated.
pub fn finish_with(episode: &Episode, template: &Template, text: &str) -> String {
    let footer = template.pie.trim();
    let text = without_footer(template, text);
    let body = unfinish(episode, text).unwrap_or(text);
    let mut body = body.to_string();
    for fixed in &template.texto_fijo {
        let fixed_text = fixed.texto.trim();
        if fixed_text.is_empty() || body.contains(fixed_text) {
            continue;
        }
        match sections(&body)
            .into_iter()
            .find(|s| s.section == fixed.seccion)
        {
            Some(span) => body.insert_str(span.body.end, &format!("\n{fixed_text}")),
            None => {
                body.push_str("\n\n");
                body.push_str(fixed_text);
            }
        }
    }
    let mut out = finish(episode, &body);
    if !footer.is_empty() {
        out.push('\n');
        out.push_str(footer);
        out.push('\n');
    }
    out
}

/// [`unfinish`] for a text [`finish_with`] wrote: the template's closing
/// line comes off too.
pub fn unfinish_with<'t>(episode: &Episode, template: &Template, text: &'t str) -> Option<&'t str> {
    unfinish(episode, without_footer(template, text))
}

fn without_footer<'t>(template: &Template, text: &'t str) -> &'t str {
    let footer = template.pie.trim();
    let text = text.trim();
    if footer.is_empty() {
        return text;
    }
    text.strip_suffix(footer).unwrap_or(text).trim_end()
}

/// The body of a text [`finish`] wrote (without the patient line and the
/// controls), or `None` when `text` does not start with the patient line:
/// the deterministic draft, or a text edited past recognition.
pub fn unfinish<'t>(episode: &Episode, text: &'t str) -> Option<&'t str> {
    let body = text.trim().strip_prefix(patient_line(episode).as_str())?;
    let body = body.trim();
    Some(
        body.strip_suffix(controls_block(episode).as_str())
            .unwrap_or(body)
            .trim(),
    )
}

/// `Paciente femenina de 75 años, con antecedentes de hipertensión arterial y
/// diabetes mellitus tipo 2.`
pub fn patient_line(episode: &Episode) -> String {
    let descriptor = items::patient_descriptor(episode);
    let history: Vec<String> = episode
        .antecedentes
        .medicos
        .iter()
        .map(|h| decapitalize(h))
        .collect();
    if history.is_empty() {
        format!("{descriptor}.")
    } else {
        format!("{descriptor}, con antecedentes de {}.", join(&history))
    }
}

/// The follow-up controls as [`finish`] appends them.
pub fn controls_block(episode: &Episode) -> String {
    let controls = &episode.indicaciones_alta.controles;
    if controls.is_empty() {
        return format!("{CONTROLS_HEADING} no consignados.");
    }
    let mut block = String::from(CONTROLS_HEADING);
    for c in controls {
        block.push_str("\n- ");
        block.push_str(c);
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_episode;

    fn episode(json: &str) -> Episode {
        crate::normalize::normalize(parse_episode(json.as_bytes()).unwrap())
    }

    #[test]
    fn adds_patient_line_and_controls_once() {
        let e = episode(
            r#"{"paciente": {"sexo": "F", "edad": 75}, "antecedentes": {"medicos": ["Hipertensión arterial", "Diabetes mellitus tipo 2"]},
                "indicaciones_alta": {"controles": ["Control en 7 días", "Radiografía en 6 semanas"]}}"#,
        );
        let once = finish(&e, "Ingresa por fiebre y tos.");
        assert_eq!(
            once,
            "Paciente femenina de 75 años, con antecedentes de hipertensión arterial y diabetes mellitus tipo 2.\n\nIngresa por fiebre y tos.\n\nControles:\n- Control en 7 días\n- Radiografía en 6 semanas\n"
        );
        assert_eq!(finish(&e, &once), once);
        assert_eq!(unfinish(&e, &once), Some("Ingresa por fiebre y tos."));
        assert_eq!(unfinish(&e, "Ingresa por fiebre y tos."), None);
    }

    #[test]
    fn a_template_adds_its_fixed_text_and_closing_line_once() {
        let e = episode(r#"{"paciente": {"sexo": "F", "edad": 75}}"#);
        let template = Template {
            texto_fijo: vec![
                crate::template::FixedText {
                    seccion: crate::template::Section::Indicaciones,
                    texto: "Consultar ante fiebre.".into(),
                },
                crate::template::FixedText {
                    seccion: crate::template::Section::Examenes,
                    texto: "Exámenes en la ficha.".into(),
                },
            ],
            pie: "Dr. Jefe".into(),
            ..Template::general()
        };
        let once = finish_with(
            &e,
            &template,
            "Evolución\nEstable.\n\nIndicaciones al alta\nReposo.",
        );
        assert_eq!(
            once,
            "Paciente femenina de 75 años.\n\nEvolución\nEstable.\n\nIndicaciones al alta\nReposo.\nConsultar ante fiebre.\n\nExámenes en la ficha.\n\nControles: no consignados.\n\nDr. Jefe\n"
        );
        assert_eq!(finish_with(&e, &template, &once), once);
        let body = unfinish_with(&e, &template, &once).unwrap();
        assert!(
            body.starts_with("Evolución\n") && body.ends_with("en la ficha."),
            "{body}"
        );
    }

    #[test]
    fn never_defaults_sex_or_age() {
        let e = episode(r#"{"paciente": {}}"#);
        let text = finish(&e, "Ingresa por fiebre.");
        assert!(
            text.starts_with("Paciente de sexo y edad no consignados."),
            "{text}"
        );
        assert!(text.ends_with("Controles: no consignados.\n"));
        let e = episode(r#"{"paciente": {"edad": 40}}"#);
        assert!(finish(&e, "x").starts_with("Paciente de sexo no consignado, de 40 años."));
    }
}
