//! The faithfulness check measured on the labelled set in
//! `tests/data/verify/` (see its README): recall per error category with
//! the finding on the erroneous span, false alarms and *media* findings on
//! faithful texts. The targets are the product's, not this set's: a rule
//! tuned to one text here will not hold on texts written elsewhere.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use clinical::eval::{entry_cases, parse_manifest, score, Case};

fn load() -> Vec<(clinical::Episode, Case)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/verify");
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
    let mut out = Vec::new();
    for entry in parse_manifest(&manifest).unwrap() {
        let bytes = std::fs::read(dir.join(&entry.episodio)).unwrap();
        let episode = clinical::normalize(clinical::parse_episode(&bytes).unwrap());
        let file = entry.plantilla.as_ref().or(entry.texto.as_ref()).unwrap();
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for case in entry_cases(&entry, &text).unwrap() {
            out.push((episode.clone(), case));
        }
    }
    out
}

#[test]
fn the_check_meets_its_targets_on_the_labelled_set() {
    let cases = load();
    let refs: Vec<(&clinical::Episode, Case)> = cases.iter().map(|(e, c)| (e, c.clone())).collect();
    let s = score(&refs);
    let mut failures = Vec::new();
    for c in &s.categorias {
        let recall = c.en_el_fragmento as f64 / c.textos as f64;
        eprintln!(
            "{:<24} {:>3}/{:<3} {:.1}%",
            c.categoria,
            c.en_el_fragmento,
            c.textos,
            recall * 100.0
        );
        if recall < 0.95 {
            failures.push(format!("{}: {:.1}%", c.categoria, recall * 100.0));
        }
    }
    for m in &s.no_detectados {
        eprintln!("no detectado: {} {:?}", m.id, m.fragmento);
    }
    for a in &s.alarmas {
        eprintln!(
            "en texto fiel: {} [{:?}] {:?} {}",
            a.id, a.gravedad, a.fragmento, a.mensaje
        );
    }
    eprintln!(
        "fieles {}, falsas alarmas {}, media/fiel {:.2}, {:.0} µs/texto",
        s.textos_fieles, s.falsas_alarmas, s.media_por_texto_fiel, s.microsegundos_por_texto
    );
    assert!(cases.len() >= 300, "{} texts", cases.len());
    assert!(failures.is_empty(), "recall below 95%: {failures:?}");
    assert!(
        s.false_alarm_rate() <= 0.02,
        "false alarms {}",
        s.falsas_alarmas
    );
    assert!(
        s.media_por_texto_fiel <= 0.5,
        "media per faithful text {}",
        s.media_por_texto_fiel
    );
}

#[test]
fn the_deterministic_drafts_of_the_sets_episodes_are_quiet() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/verify/episodios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let episode = clinical::normalize(clinical::parse_episode(&bytes).unwrap());
        assert!(
            !clinical::validate(&episode).has_errors(),
            "{}",
            path.display()
        );
        let text = clinical::draft(&episode);
        let review = clinical::review(&episode, &text);
        let loud: Vec<_> = review
            .findings
            .iter()
            .filter(|f| f.severity != clinical::Gravedad::Baja)
            .collect();
        assert!(loud.is_empty(), "{}: {loud:#?}", path.display());
        assert!(!review.confirmed.is_empty());
        seen += 1;
    }
    assert!(seen >= 4);
}
