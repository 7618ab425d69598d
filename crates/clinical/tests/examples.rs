//! Data-driven checks over every example episode in `tests/data/episodes/`:
//! import, validation, normalisation round-trip, the deterministic draft
//! against its golden file, and the faithfulness check on that draft.
//!
//! Set `UPDATE_GOLDEN=1` to rewrite the goldens after a deliberate change,
//! then read the diff before committing it.

// Test helpers may panic: a panic is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

fn examples() -> Vec<(String, clinical::Episode)> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(data().join("episodes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let episode =
            clinical::parse_episode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        out.push((name, episode));
    }
    assert!(out.len() >= 3, "the shared examples must be present");
    out
}

#[test]
fn every_example_is_valid_and_round_trips() {
    for (name, episode) in examples() {
        let normal = clinical::normalize(episode.clone());
        let report = clinical::validate(&normal);
        assert!(!report.has_errors(), "{name}: {:#?}", report.problems);
        // Writing back and reading again loses nothing.
        let json = serde_json::to_vec(&episode).unwrap();
        assert_eq!(clinical::parse_episode(&json).unwrap(), episode, "{name}");
        assert_eq!(
            clinical::normalize(normal.clone()),
            normal,
            "{name}: normalise is idempotent"
        );
    }
}

#[test]
fn deterministic_drafts_match_their_goldens() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, episode) in examples() {
        let text = clinical::draft(&clinical::normalize(episode));
        let golden = data().join("golden/draft").join(format!("{name}.txt"));
        if update {
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!(
                "missing golden {}; run with UPDATE_GOLDEN=1",
                golden.display()
            )
        });
        assert_eq!(
            text,
            expected,
            "{name}: draft differs from {}",
            golden.display()
        );
    }
}

#[test]
fn deterministic_drafts_have_no_high_severity_finding() {
    for (name, episode) in examples() {
        let episode = clinical::normalize(episode);
        let text = clinical::draft(&episode);
        let findings = clinical::verify(&episode, &text);
        assert!(
            !findings
                .iter()
                .any(|f| f.severity == clinical::Gravedad::Alta),
            "{name}: {findings:#?}"
        );
        // Finishing is idempotent on any text.
        let finished = clinical::finish(&episode, &text);
        assert_eq!(clinical::finish(&episode, &finished), finished, "{name}");
    }
}

/// A service's template reshapes the draft, never its facts: in lists, in
/// another order, with the service's fixed text, the check still finds
/// nothing of severity alta, and every section is found again by its
/// heading (what "Regenerar sección" relies on).
#[test]
fn template_drafts_have_no_high_severity_finding_and_find_their_sections() {
    let template = clinical::Template {
        secciones: clinical::Section::ALL.iter().rev().copied().collect(),
        estilo: clinical::template::Style::Lista,
        texto_fijo: vec![clinical::template::FixedText {
            seccion: clinical::Section::Indicaciones,
            texto: "Ante dudas, consultar en el servicio.".into(),
        }],
        pie: "Servicio de Medicina".into(),
        ..clinical::Template::general()
    };
    for (name, episode) in examples() {
        let episode = clinical::normalize(episode);
        let text = clinical::draft_with(&episode, &template);
        let findings = clinical::verify(&episode, &text);
        assert!(
            !findings
                .iter()
                .any(|f| f.severity == clinical::Gravedad::Alta),
            "{name}: {findings:#?}\n{text}"
        );
        let found: Vec<_> = clinical::sections::sections(&text)
            .into_iter()
            .map(|s| s.section)
            .collect();
        assert_eq!(found, template.secciones, "{name}");
    }
}

#[test]
fn unknown_keys_survive_import_and_export() {
    let json = r#"{"id_atencion": 5, "sistema_origen": "HIS-X",
        "paciente": {"sexo": "F", "edad": 3, "comuna": "Ñuñoa"},
        "indicaciones_alta": {"medicamentos": [{"nombre": "Paracetamol", "lote": "A1"}]}}"#;
    let episode = clinical::parse_episode(json.as_bytes()).unwrap();
    let back = serde_json::to_value(&episode).unwrap();
    assert_eq!(back["sistema_origen"], "HIS-X");
    assert_eq!(back["paciente"]["comuna"], "Ñuñoa");
    assert_eq!(back["indicaciones_alta"]["medicamentos"][0]["lote"], "A1");
    assert_eq!(
        back["id_atencion"], "5",
        "the first shape (string) is written"
    );
    assert_eq!(back["paciente"]["edad"], 3);
}
