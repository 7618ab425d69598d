//! The deterministic epicrisis: a complete, readable Spanish report written
//! from the episode alone, for when no model is loaded or the model fails.
//!
//! It covers every item of Ley 20.584 art. 11 that the episode has and says
//! "No consignado" for what it lacks. Every fact in it comes from the
//! episode, so the faithfulness check finds nothing of severity alta in it.

use crate::episode::Episode;
use crate::items;
use crate::template::{Section, Style, Template};
use crate::text::{
    capitalize, decapitalize, is_shouting, join, join_with, sentence, sentence_case,
};

/// "No consignado." where a section has nothing.
fn nc() -> String {
    format!("{}.", crate::text::NOT_RECORDED)
}

/// Course notes beyond this many are summarised as the first and last few.
const MAX_NOTES: usize = 10;
const EDGE_NOTES: usize = 4;

/// Writes the deterministic epicrisis of a normalised episode: every
/// section, in prose.
pub fn draft(episode: &Episode) -> String {
    draft_with(episode, &Template::complete())
}

/// The deterministic epicrisis as `template` shapes it: its sections in its
/// order, lists as lines where it asks for lists, its fixed text closing
/// each section and its closing line at the end.
pub fn draft_with(episode: &Episode, template: &Template) -> String {
    let mut doc = Document::default();
    for &section in &template.secciones {
        let mut body = match template.estilo {
            Style::Prosa => prose(episode, section),
            Style::Lista => listed(episode, section).unwrap_or_else(|| prose(episode, section)),
        };
        for fixed in template.fixed_text(section) {
            body.push('\n');
            body.push_str(fixed);
        }
        doc.section(section.title(), body);
    }
    let footer = template.pie.trim();
    if !footer.is_empty() {
        doc.out.push_str("\n\n");
        doc.out.push_str(footer);
    }
    doc.finish()
}

fn prose(episode: &Episode, section: Section) -> String {
    match section {
        Section::Identificacion => identification(episode),
        Section::Periodo => period(episode),
        Section::MotivoIngreso => admission(episode),
        Section::DiagnosticosIngreso => list_sentence(admission_diagnoses(episode)),
        Section::Procedimientos => procedures(episode),
        Section::Tratamiento => treatments(episode),
        Section::Evolucion => course(episode),
        Section::Examenes => labs(episode),
        Section::DiagnosticosEgreso => list_sentence(discharge_diagnoses(episode)),
        Section::CondicionAlta => episode
            .condicion_alta
            .as_deref()
            .map(|c| sentence(&capitalize(c)))
            .unwrap_or_else(nc),
        Section::Indicaciones => discharge(episode),
    }
}

/// A section as lines that start with "- ", for the sections that are
/// lists; `None` for those that are prose by nature.
fn listed(episode: &Episode, section: Section) -> Option<String> {
    let items = match section {
        Section::DiagnosticosIngreso => admission_diagnoses(episode),
        Section::DiagnosticosEgreso => discharge_diagnoses(episode),
        Section::Procedimientos => procedure_items(episode),
        Section::Tratamiento => treatment_items(episode),
        Section::Evolucion | Section::Examenes | Section::Indicaciones => {
            let body = prose(episode, section);
            if body == nc() {
                return Some(body);
            }
            body.lines().map(str::to_string).collect()
        }
        _ => return None,
    };
    if items.is_empty() {
        return Some(nc());
    }
    Some(
        items
            .iter()
            .map(|x| format!("- {}", capitalize(x)))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn admission_diagnoses(e: &Episode) -> Vec<String> {
    e.diagnostico_ingreso.iter().map(items::diagnosis).collect()
}

fn discharge_diagnoses(e: &Episode) -> Vec<String> {
    e.diagnostico_egreso.iter().map(items::diagnosis).collect()
}

#[derive(Default)]
struct Document {
    out: String,
}

impl Document {
    fn section(&mut self, title: &str, body: String) {
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
        self.out.push_str(title);
        self.out.push('\n');
        self.out.push_str(body.trim_end());
    }
    fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }
}

fn identification(e: &Episode) -> String {
    let p = &e.paciente;
    let mut first = items::patient_descriptor(e);
    if let Some(name) = &p.nombre {
        first.push_str(&format!(", {name}"));
    }
    if let Some(rut) = &p.rut {
        first.push_str(&format!(", RUT {rut}"));
    }
    if let Some(prevision) = &p.prevision {
        first.push_str(&format!(", previsión {prevision}"));
    }
    let id = e.id_atencion.as_deref().unwrap_or("sin número");
    let service = match &e.atencion.servicio {
        Some(s) => format!("en el servicio de {s}"),
        None => "en servicio no consignado".into(),
    };
    let physician = match &e.atencion.medico_tratante {
        Some(m) => format!("médico tratante: {m}"),
        None => "médico tratante: no consignado".into(),
    };
    format!("{}. Atención {id} {service}; {physician}.", first)
}

fn period(e: &Episode) -> String {
    let a = &e.atencion;
    match (a.ingreso(), a.alta(), a.dias_estadia()) {
        (Some(i), Some(_), Some(0)) => format!(
            "Ingresa y egresa el {}, con una estadía de menos de un día.",
            i.spanish()
        ),
        (Some(i), Some(o), Some(days)) => format!(
            "Ingresa el {} y egresa el {}, con una estadía de {days} {}.",
            i.spanish(),
            o.spanish(),
            if days == 1 { "día" } else { "días" }
        ),
        (Some(i), _, _) => format!("Ingresa el {}. Fecha de alta no consignada.", i.spanish()),
        (None, Some(o), _) => format!("Fecha de ingreso no consignada. Egresa el {}.", o.spanish()),
        (None, None, _) => nc(),
    }
}

fn admission(e: &Episode) -> String {
    let mut parts = Vec::new();
    match &e.motivo_ingreso {
        Some(m) => parts.push(format!("Consulta por {}", sentence(&decapitalize(m)))),
        None => parts.push("Motivo de ingreso no consignado.".into()),
    }
    let a = &e.antecedentes;
    for (label, list) in [
        ("Antecedentes médicos", &a.medicos),
        ("Antecedentes quirúrgicos", &a.quirurgicos),
        ("Hábitos", &a.habitos),
    ] {
        if !list.is_empty() {
            let items: Vec<String> = list.iter().map(|x| decapitalize(x)).collect();
            parts.push(format!("{label}: {}.", join(&items)));
        }
    }
    if a.medicos.is_empty() && a.quirurgicos.is_empty() && a.habitos.is_empty() {
        parts.push("Antecedentes no consignados.".into());
    }
    parts.push(match a.alergias_conocidas() {
        None => "Alergias: no consignadas.".into(),
        Some(list) if list.is_empty() => "Alergias: sin alergias conocidas.".into(),
        Some(list) => {
            let items: Vec<String> = list.iter().map(|x| decapitalize(x)).collect();
            format!("Alergias: {}.", join(&items))
        }
    });
    parts.join(" ")
}

/// `A (X) y b (Y).`, or "No consignado." for an empty list. Items after the
/// first are lower-cased unless they start with an acronym.
fn list_sentence(items: Vec<String>) -> String {
    if items.is_empty() {
        return nc();
    }
    let items: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if i == 0 {
                capitalize(x)
            } else {
                decapitalize(x)
            }
        })
        .collect();
    sentence(&join(&items))
}

fn procedures(e: &Episode) -> String {
    list_sentence(procedure_items(e))
}

fn procedure_items(e: &Episode) -> Vec<String> {
    e.procedimientos
        .iter()
        .map(|p| {
            let date = p.fecha.as_deref().and_then(crate::date::Date::parse);
            match date {
                Some(d) => format!("{} el {}", items::procedure(p), d.spanish()),
                None => items::procedure(p),
            }
        })
        .collect()
}

fn treatments(e: &Episode) -> String {
    if e.tratamientos_intrahosp.is_empty() {
        return nc();
    }
    format!("Recibe {}.", join_semicolons(&treatment_items(e)))
}

fn treatment_items(e: &Episode) -> Vec<String> {
    e.tratamientos_intrahosp
        .iter()
        .map(|t| {
            let name = decapitalize(&items::treatment(t));
            match items::treatment_period(t) {
                Some(period) => format!("{name} {period}"),
                None => name,
            }
        })
        .collect()
}

fn join_semicolons(items: &[String]) -> String {
    join_with(items, "; ")
}

fn course(e: &Episode) -> String {
    let notes: Vec<_> = e
        .evolucion_resumen
        .iter()
        .filter(|n| !n.texto.trim().is_empty())
        .collect();
    if notes.is_empty() {
        return nc();
    }
    let render = |n: &crate::episode::NotaEvolucion| {
        let body = if is_shouting(&n.texto) {
            sentence_case(&n.texto)
        } else {
            n.texto.clone()
        };
        let body = sentence(&capitalize(&body));
        let date = n.fecha.as_deref().and_then(crate::date::Date::parse);
        match (n.dia, date) {
            (Some(d), Some(date)) => format!("Día {d} ({}): {body}", date.spanish()),
            (Some(d), None) => format!("Día {d}: {body}"),
            (None, Some(date)) => format!("{}: {body}", capitalize(&date.spanish())),
            (None, None) => body,
        }
    };
    if notes.len() <= MAX_NOTES {
        return notes
            .iter()
            .map(|n| render(n))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let mut lines: Vec<String> = notes[..EDGE_NOTES].iter().map(|n| render(n)).collect();
    lines.push(format!(
        "(Se resumen aquí {} de {} notas de evolución: las {} primeras y las {} últimas; el resto consta en el registro clínico.)",
        2 * EDGE_NOTES,
        notes.len(),
        EDGE_NOTES,
        EDGE_NOTES
    ));
    lines.extend(notes[notes.len() - EDGE_NOTES..].iter().map(|n| render(n)));
    lines.join("\n")
}

fn labs(e: &Episode) -> String {
    let lines: Vec<String> = e
        .laboratorios_resumen
        .iter()
        .filter_map(items::lab)
        .map(|l| sentence(&l))
        .collect();
    if lines.is_empty() {
        nc()
    } else {
        lines.join("\n")
    }
}

fn discharge(e: &Episode) -> String {
    let ind = &e.indicaciones_alta;
    let drugs: Vec<String> = ind
        .medicamentos
        .iter()
        .map(items::discharge_drug_prose)
        .collect();
    let mut lines = vec![
        labelled_list("Medicamentos", &drugs, join_semicolons),
        labelled_list("Controles", &lowercased(&ind.controles), join_semicolons),
        labelled_list("Cuidados", &lowercased(&ind.cuidados), join_semicolons),
    ];
    lines.push(if ind.signos_alarma.is_empty() {
        "Signos de alarma: no consignados.".into()
    } else {
        let signs = lowercased(&ind.signos_alarma);
        let joined = match signs.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} o {last}", init.join(", ")),
            [] => String::new(),
        };
        format!(
            "Signos de alarma: consultar en urgencia ante {}.",
            joined.trim_end_matches('.')
        )
    });
    lines.join("\n")
}

fn lowercased(list: &[String]) -> Vec<String> {
    list.iter().map(|x| decapitalize(x)).collect()
}

fn labelled_list(label: &str, items: &[String], joiner: fn(&[String]) -> String) -> String {
    if items.is_empty() {
        format!("{label}: no consignados.")
    } else {
        format!("{label}: {}", sentence(&joiner(items)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_episode;
    use crate::normalize::normalize;

    fn draft_of(json: &str) -> String {
        draft(&normalize(parse_episode(json.as_bytes()).unwrap()))
    }

    #[test]
    fn agrees_in_gender_and_never_assumes_sex_or_age() {
        let base = r#""atencion": {"fecha_ingreso": "2026-05-01", "fecha_alta": "2026-05-01"}, "motivo_ingreso": "Fiebre""#;
        assert!(draft_of(&format!(
            r#"{{"paciente": {{"sexo": "F", "edad": 30}}, {base}}}"#
        ))
        .contains("Paciente femenina de 30 años"));
        assert!(draft_of(&format!(
            r#"{{"paciente": {{"sexo": "M", "edad": 1}}, {base}}}"#
        ))
        .contains("Paciente masculino de 1 año"));
        assert!(draft_of(&format!(
            r#"{{"paciente": {{"sexo": "M", "edad": {{"valor": 9, "unidad": "meses"}}}}, {base}}}"#
        ))
        .contains("Paciente masculino de 9 meses"));
        let unknown = draft_of(&format!(r#"{{"paciente": {{}}, {base}}}"#));
        assert!(
            unknown.contains("Paciente de sexo y edad no consignados"),
            "{unknown}"
        );
        assert!(!unknown.contains(" 0 años"));
        assert!(unknown.contains("estadía de menos de un día"));
    }

    #[test]
    fn says_no_consignado_for_what_is_missing() {
        let text =
            draft_of(r#"{"paciente": {"sexo": "F", "edad": 30}, "motivo_ingreso": "Fiebre"}"#);
        assert!(text.contains("Diagnósticos de egreso\nNo consignado."));
        assert!(text.contains("Medicamentos: no consignados."));
        assert!(text.contains("Alergias: no consignadas."));
        assert!(text.contains("médico tratante: no consignado"));
    }

    #[test]
    fn summarises_long_courses() {
        let notes: Vec<String> = (1..=30)
            .map(|d| format!(r#"{{"dia": {d}, "texto": "NOTA {d} PACIENTE ESTABLE"}}"#))
            .collect();
        let text = draft_of(&format!(
            r#"{{"paciente": {{"sexo": "F", "edad": 30}}, "evolucion_resumen": [{}]}}"#,
            notes.join(",")
        ));
        assert!(text.contains("Día 1: Nota 1 paciente estable."), "{text}");
        assert!(text.contains("Día 30: Nota 30 paciente estable."));
        assert!(!text.contains("Día 15:"));
        assert!(text.contains("Se resumen aquí 8 de 30 notas"));
    }

    #[test]
    fn follows_the_template_sections_style_and_fixed_text() {
        let episode = normalize(
            parse_episode(
                std::fs::read(format!(
                    "{}/../../tests/data/episodes/neumonia.json",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .unwrap()
                .as_slice(),
            )
            .unwrap(),
        );
        let template = Template {
            secciones: vec![
                Section::DiagnosticosEgreso,
                Section::Evolucion,
                Section::Indicaciones,
            ],
            estilo: Style::Lista,
            texto_fijo: vec![crate::template::FixedText {
                seccion: Section::Indicaciones,
                texto: "Ante dudas, llamar al servicio.".into(),
            }],
            pie: "Dra. Jefa de Servicio".into(),
            ..Template::general()
        };
        let text = draft_with(&episode, &template);
        let headings: Vec<_> = crate::sections::sections(&text)
            .into_iter()
            .map(|s| s.section)
            .collect();
        assert_eq!(headings, template.secciones, "{text}");
        assert!(
            text.starts_with("Diagnósticos de egreso\n- Neumonía"),
            "{text}"
        );
        assert!(text.contains("\n- Día 1"), "{text}");
        assert!(
            text.contains("Ante dudas, llamar al servicio.\n\nDra. Jefa de Servicio\n"),
            "{text}"
        );
        assert!(!text.contains("Identificación"));
        // The complete template is the draft as it always was.
        assert_eq!(draft_with(&episode, &Template::complete()), draft(&episode));
    }
}
