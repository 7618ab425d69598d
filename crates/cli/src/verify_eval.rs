//! `epicrisis verify-eval`: the faithfulness check measured on a labelled
//! set (see `clinical::eval` for the manifest and template format). Prints
//! recall per error category, the share of errors whose finding overlaps
//! the erroneous span, false alarms and *media*/*baja* findings per
//! faithful text, and the time per text.

use std::path::Path;

use clinical::eval::{entry_cases, parse_manifest, score, Case};

use crate::{print_json, Format, EXIT_INVALID};

pub(crate) fn run(manifest: &Path, format: Format) -> anyhow::Result<u8> {
    let text = match std::fs::read_to_string(manifest) {
        Ok(text) => text,
        Err(error) => {
            eprintln!(
                "epicrisis: {}: no se pudo leer el manifiesto: {error}",
                manifest.display()
            );
            return Ok(EXIT_INVALID);
        }
    };
    let entries = match parse_manifest(&text) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!("epicrisis: {}: {error}", manifest.display());
            return Ok(EXIT_INVALID);
        }
    };
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let mut cases: Vec<(clinical::Episode, Case)> = Vec::new();
    for entry in &entries {
        let episode_path = dir.join(&entry.episodio);
        let loaded = match pipeline::load_episode(&episode_path) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("epicrisis: {error}");
                return Ok(EXIT_INVALID);
            }
        };
        let file = entry
            .plantilla
            .as_ref()
            .or(entry.texto.as_ref())
            .map(|f| dir.join(f));
        let Some(file) = file else { continue };
        let contents = match std::fs::read_to_string(&file) {
            Ok(contents) => contents,
            Err(error) => {
                eprintln!(
                    "epicrisis: {}: no se pudo leer el texto: {error}",
                    file.display()
                );
                return Ok(EXIT_INVALID);
            }
        };
        match entry_cases(entry, &contents) {
            Ok(found) => cases.extend(found.into_iter().map(|c| (loaded.episode.clone(), c))),
            Err(error) => {
                eprintln!("epicrisis: {}: {error}", file.display());
                return Ok(EXIT_INVALID);
            }
        }
    }
    let refs: Vec<(&clinical::Episode, Case)> = cases.iter().map(|(e, c)| (e, c.clone())).collect();
    let s = score(&refs);
    match format {
        Format::Json => print_json(&serde_json::json!({
            "textos": cases.len(),
            "categorias": s.categorias,
            "total": s.total(),
            "textos_fieles": s.textos_fieles,
            "falsas_alarmas": s.falsas_alarmas,
            "tasa_falsas_alarmas": s.false_alarm_rate(),
            "media_por_texto_fiel": s.media_por_texto_fiel,
            "baja_por_texto_fiel": s.baja_por_texto_fiel,
            "microsegundos_por_texto": s.microsegundos_por_texto,
            "no_detectados": s.no_detectados,
            "alarmas_en_textos_fieles": s.alarmas,
        })),
        Format::Text => {
            println!(
                "{:<26} {:>6} {:>10} {:>12}",
                "categoría", "textos", "detección", "en fragmento"
            );
            for c in s.categorias.iter().chain(std::iter::once(&s.total())) {
                let pct = |n: usize| 100.0 * n as f64 / c.textos.max(1) as f64;
                println!(
                    "{:<26} {:>6} {:>9.1}% {:>11.1}%",
                    c.categoria,
                    c.textos,
                    pct(c.detectados),
                    pct(c.en_el_fragmento)
                );
            }
            println!(
                "textos fieles: {}; con hallazgo alta: {} ({:.1}%); media por texto fiel: {:.2}; baja por texto fiel: {:.2}",
                s.textos_fieles,
                s.falsas_alarmas,
                100.0 * s.false_alarm_rate(),
                s.media_por_texto_fiel,
                s.baja_por_texto_fiel
            );
            println!(
                "tiempo por texto: {:.2} ms",
                s.microsegundos_por_texto / 1000.0
            );
            for m in &s.no_detectados {
                println!(
                    "no detectado: {} {}",
                    m.id,
                    m.fragmento.as_deref().unwrap_or("(omisión)")
                );
            }
            for a in &s.alarmas {
                println!("en texto fiel: {} [{:?}] {}", a.id, a.gravedad, a.mensaje);
            }
        }
    }
    Ok(0)
}
