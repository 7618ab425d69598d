//! The episode as the text of a prompt: compact JSON for fine-tuned models,
//! readable sections for instruction models, course notes labelled by day
//! and clipped when the budget asks, episode text defused.

use crate::defuse::neutralise;
use crate::episode::{Episode, NotaEvolucion};
use crate::items;
use crate::text::NOT_RECORDED;

use super::{ChatMessage, Neutralised, Profile, Role};
use crate::template::{Style, Template};

pub(super) fn render(
    episode: &Episode,
    template: &Template,
    selection: Option<(&[usize], usize)>,
) -> (Vec<ChatMessage>, Vec<Neutralised>) {
    let profile = template.perfil;
    let notes: Vec<(usize, String)> = episode
        .evolucion_resumen
        .iter()
        .enumerate()
        .filter(|(i, note)| {
            !note.texto.trim().is_empty() && selection.is_none_or(|(chosen, _)| chosen.contains(i))
        })
        .map(|(i, note)| {
            let body = match selection {
                Some((_, clip)) => clip_text(&note.texto, clip),
                None => note.texto.clone(),
            };
            (i, note_label(note, &body))
        })
        .collect();
    let omitted = selection.map(|(chosen, _)| episode.evolucion_resumen.len() - chosen.len());
    let data = match profile {
        Profile::Finetuned => compact_json(episode, &notes, omitted),
        Profile::Instruct => readable_sections(episode, &notes, omitted),
    };
    let mut neutralised = Vec::new();
    let data = neutralise(&data, &mut neutralised);
    let (system, user) = profile.texts();
    let system = system_text(system, template, &mut neutralised);
    (
        vec![
            ChatMessage {
                role: Role::System,
                content: system,
            },
            ChatMessage {
                role: Role::User,
                content: user.replace("{datos}", &data),
            },
        ],
        neutralised,
    )
}

/// The system prompt with the template's sections, style and length (the
/// instruct profile's placeholders) and the service's own instructions.
fn system_text(system: &str, template: &Template, neutralised: &mut Vec<Neutralised>) -> String {
    let titles: Vec<&str> = template
        .model_sections()
        .iter()
        .map(|s| s.title())
        .collect();
    let style = match template.estilo {
        Style::Prosa => "Dentro de cada sección escribe en prosa clara, sin viñetas.",
        Style::Lista => "Dentro de cada sección escribe líneas breves que empiezan con \"- \".",
    };
    let mut text = system
        .trim_end()
        .replace("{secciones}", &titles.join("; "))
        .replace("{estilo}", style)
        .replace("{extension}", template.extension.instruction());
    let own = template.instrucciones.trim();
    if !own.is_empty() {
        // The service's words are trusted more than the episode's, but a
        // template token in them would still end the system turn.
        let own = neutralise(own, neutralised);
        text.push_str("\n\n");
        text.push_str(SERVICE.trim_end().replace("{instrucciones}", &own).as_str());
    }
    text
}

const SERVICE: &str = include_str!("../../prompts/service.txt");

fn note_label(note: &NotaEvolucion, body: &str) -> String {
    let date = note.fecha.as_deref().and_then(crate::date::Date::parse);
    match (note.dia, date) {
        (Some(day), Some(date)) => format!("Día {day} ({date}): {body}"),
        (Some(day), None) => format!("Día {day}: {body}"),
        (None, Some(date)) => format!("{date}: {body}"),
        (None, None) => body.to_string(),
    }
}

/// Clips at a word boundary and marks the cut with an ellipsis.
fn clip_text(textual: &str, max_chars: usize) -> String {
    if textual.chars().count() <= max_chars {
        return textual.to_string();
    }
    let cut: String = textual.chars().take(max_chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(space) if space > max_chars / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

fn omitted_line(omitted: Option<usize>) -> Option<String> {
    omitted.filter(|n| *n > 0).map(|n| {
        format!("[Se omitieron {n} notas de evolución intermedias por extensión; las incluidas pueden estar recortadas]")
    })
}

fn compact_json(episode: &Episode, notes: &[(usize, String)], omitted: Option<usize>) -> String {
    let mut evo: Vec<String> = notes.iter().map(|(_, n)| n.clone()).collect();
    if let Some(line) = omitted_line(omitted) {
        evo.push(line);
    }
    let value = serde_json::json!({
        "dx": episode.diagnostico_ingreso.iter().map(items::diagnosis).collect::<Vec<_>>(),
        "proc": episode.procedimientos.iter().map(items::procedure).collect::<Vec<_>>(),
        "tto": episode.tratamientos_intrahosp.iter().map(items::treatment).collect::<Vec<_>>(),
        "evo": evo,
        "dx_alta": episode.diagnostico_egreso.iter().map(items::diagnosis).collect::<Vec<_>>(),
        "med": episode.indicaciones_alta.medicamentos.iter().map(items::discharge_drug).collect::<Vec<_>>(),
    });
    value.to_string()
}

fn readable_sections(
    episode: &Episode,
    notes: &[(usize, String)],
    omitted: Option<usize>,
) -> String {
    let mut out = String::new();
    let p = &episode.paciente;
    let sexo = match p.sexo() {
        Some(crate::episode::Sexo::Femenino) => "femenino",
        Some(crate::episode::Sexo::Masculino) => "masculino",
        Some(crate::episode::Sexo::Otro) => "X (no binario)",
        None => NOT_RECORDED,
    };
    let age = items::episode_age(episode).map(|e| items::age(&e));
    push_line(
        &mut out,
        "Paciente",
        Some(format!(
            "sexo {sexo}, edad {}",
            age.as_deref().unwrap_or(NOT_RECORDED)
        )),
    );
    let a = &episode.atencion;
    let stay = match (a.ingreso(), a.alta(), a.dias_estadia()) {
        (Some(i), Some(e), Some(d)) => Some(format!("ingreso {i}, alta {e} ({d} días)")),
        _ => None,
    };
    push_line(&mut out, "Hospitalización", stay);
    push_line(&mut out, "Servicio", a.servicio.clone());
    push_line(
        &mut out,
        "Motivo de ingreso",
        episode.motivo_ingreso.clone(),
    );
    let ant = &episode.antecedentes;
    push_line(&mut out, "Antecedentes médicos", non_empty(&ant.medicos));
    push_line(
        &mut out,
        "Antecedentes quirúrgicos",
        non_empty(&ant.quirurgicos),
    );
    push_line(&mut out, "Hábitos", non_empty(&ant.habitos));
    push_line(
        &mut out,
        "Alergias",
        ant.alergias_conocidas().map(|list| {
            if list.is_empty() {
                "sin alergias conocidas".to_string()
            } else {
                list.join("; ")
            }
        }),
    );
    push_list(
        &mut out,
        "Diagnósticos de ingreso",
        episode
            .diagnostico_ingreso
            .iter()
            .map(items::diagnosis)
            .collect(),
    );
    push_list(
        &mut out,
        "Procedimientos",
        episode
            .procedimientos
            .iter()
            .map(|p| match p.fecha.as_deref() {
                Some(date) => format!("{}, {date}", items::procedure(p)),
                None => items::procedure(p),
            })
            .collect(),
    );
    push_list(
        &mut out,
        "Tratamiento intrahospitalario",
        episode
            .tratamientos_intrahosp
            .iter()
            .map(|t| match (t.inicio.as_deref(), t.fin.as_deref()) {
                (Some(s), Some(e)) => format!("{}, {s} a {e}", items::treatment(t)),
                (Some(s), None) => format!("{}, desde {s}", items::treatment(t)),
                _ => items::treatment(t),
            })
            .collect(),
    );
    let mut evo: Vec<String> = notes.iter().map(|(_, n)| n.clone()).collect();
    if let Some(line) = omitted_line(omitted) {
        evo.push(line);
    }
    push_list(&mut out, "Evolución", evo);
    push_list(
        &mut out,
        "Exámenes",
        episode
            .laboratorios_resumen
            .iter()
            .filter_map(items::lab)
            .collect(),
    );
    push_list(
        &mut out,
        "Diagnósticos de egreso",
        episode
            .diagnostico_egreso
            .iter()
            .map(items::diagnosis)
            .collect(),
    );
    let ind = &episode.indicaciones_alta;
    push_line(
        &mut out,
        "Condición al alta",
        episode.condicion_alta.clone(),
    );
    push_list(
        &mut out,
        "Medicamentos al alta",
        ind.medicamentos.iter().map(items::discharge_drug).collect(),
    );
    push_list(&mut out, "Cuidados", ind.cuidados.clone());
    push_list(&mut out, "Signos de alarma", ind.signos_alarma.clone());
    out.trim_end().to_string()
}

fn push_line(out: &mut String, label: &str, value: Option<String>) {
    out.push_str(label);
    out.push_str(": ");
    out.push_str(value.as_deref().unwrap_or(NOT_RECORDED));
    out.push('\n');
}

fn push_list(out: &mut String, label: &str, values: Vec<String>) {
    out.push_str(label);
    out.push(':');
    if values.is_empty() {
        out.push(' ');
        out.push_str(NOT_RECORDED);
        out.push('\n');
        return;
    }
    out.push('\n');
    for value in values {
        out.push_str("- ");
        out.push_str(&value);
        out.push('\n');
    }
}

fn non_empty(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| list.join("; "))
}
