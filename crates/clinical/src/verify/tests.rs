//! The check on hand-written texts, one rule at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::import::parse_episode;
use crate::normalize::normalize;

fn neumonia() -> Episode {
    let path = format!(
        "{}/../../tests/data/episodes/neumonia.json",
        env!("CARGO_MANIFEST_DIR")
    );
    normalize(parse_episode(&std::fs::read(path).unwrap()).unwrap())
}

const GOOD: &str = "Paciente femenina de 75 años. Ingresa el 2 de octubre de 2026 por neumonía adquirida en la comunidad (J18.9), \
    tratada con ceftriaxona 2 g EV y azitromicina. Evoluciona afebril, saturando 95% ambiental. \
    Diagnósticos de egreso: neumonía adquirida en la comunidad, en resolución (J18.9) y diabetes mellitus tipo 2 (E11.9). \
    Se indica amoxicilina/ácido clavulánico 875/125 mg VO c/12h por 3 días y metformina 850 mg VO c/12h.";

fn kinds(text: &str) -> Vec<FindingKind> {
    verify(&neumonia(), text)
        .into_iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn a_faithful_text_is_quiet() {
    assert_eq!(verify(&neumonia(), GOOD), vec![]);
}

#[test]
fn omitted_discharge_diagnosis_and_drug() {
    let text = GOOD
        .replace("diabetes mellitus tipo 2 (E11.9)", "otros")
        .replace("metformina", "su tratamiento");
    let found = verify(&neumonia(), &text);
    assert!(found
        .iter()
        .any(|f| f.kind == FindingKind::DiagnosticoOmitido
            && f.message.contains("E11.9")
            && f.span.is_none()));
    assert!(found
        .iter()
        .any(|f| f.kind == FindingKind::MedicamentoOmitido && f.message.contains("Metformina")));
}

#[test]
fn invented_code() {
    let text = format!("{GOOD} Además presenta infección urinaria (N39.0).");
    let found = verify(&neumonia(), &text);
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::CodigoNoConsignado)
        .expect("code finding");
    assert_eq!(&text[f.span.clone().unwrap()], "N39.0");
    assert_eq!(f.severity, Gravedad::Alta);
    // A vitamin name is not a code.
    assert!(
        !kinds(&format!("{GOOD} Vitamina B12 normal.")).contains(&FindingKind::CodigoNoConsignado)
    );
}

#[test]
fn drug_not_in_the_episode_with_accents_folded() {
    let text = format!("{GOOD} Se agrega LEVOFLOXACINO.");
    let found = verify(&neumonia(), &text);
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::FarmacoNoConsignado)
        .expect("drug finding");
    assert_eq!(&text[f.span.clone().unwrap()], "LEVOFLOXACINO");
    // Insulina is in the episode (insulina glargina): quiet.
    assert!(
        !kinds(&format!("{GOOD} Recibió insulina.")).contains(&FindingKind::FarmacoNoConsignado)
    );
}

#[test]
fn number_not_in_the_episode() {
    // A number nothing explains and nothing contradicts: media.
    let text = GOOD.replace("saturando 95%", "saturando 97%");
    let found = verify(&neumonia(), &text);
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::NumeroNoConsignado)
        .expect("number finding");
    assert_eq!(&text[f.span.clone().unwrap()], "97");
    assert_eq!(f.severity, Gravedad::Media);
    // A dose that contradicts the episode's is alta, on the dose.
    let text = GOOD.replace("2 g EV", "20 g EV");
    let f = verify(&neumonia(), &text)
        .into_iter()
        .find(|f| f.kind == FindingKind::IndicacionContradicha)
        .expect("dose finding");
    assert_eq!(&text[f.span.clone().unwrap()], "20 g");
    assert_eq!(f.path.as_deref(), Some("tratamientos_intrahosp[0]"));
    // 38,9 is written 38,9 in the episode's notes; 7 days is the stay.
    assert!(
        !kinds(&format!("{GOOD} Ingresó con 38,9 °C; estadía de 7 días."))
            .contains(&FindingKind::NumeroNoConsignado)
    );
}

#[test]
fn complication_not_in_the_episode_unless_negated() {
    let text = format!("{GOOD} Requirió traslado a UCI por shock séptico.");
    let found: Vec<_> = verify(&neumonia(), &text)
        .into_iter()
        .filter(|f| f.kind == FindingKind::ComplicacionNoConsignada)
        .map(|f| text[f.span.unwrap()].to_string())
        .collect();
    assert_eq!(found, ["traslado a UCI", "shock séptico"]);
    assert!(!kinds(&format!(
        "{GOOD} Evoluciona sin signos de sepsis, no requirió UCI."
    ))
    .contains(&FindingKind::ComplicacionNoConsignada));
}

#[test]
fn allergy_drug_given_as_prescribed() {
    let mut episode = neumonia();
    episode.antecedentes.alergias = Some(vec!["Penicilina".into()]);
    let found = verify(&episode, GOOD);
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::AlergiaPrescrita)
        .expect("allergy finding");
    assert_eq!(
        &GOOD[f.span.clone().unwrap()],
        "amoxicilina/ácido clavulánico"
    );
    // Naming the allergy itself is not a prescription.
    let quiet = verify(
        &episode,
        &format!(
            "Paciente alérgica a penicilina. {}",
            GOOD.replace(
                "amoxicilina/ácido clavulánico 875/125 mg VO c/12h por 3 días y ",
                ""
            )
        ),
    );
    assert!(
        !quiet
            .iter()
            .any(|f| f.kind == FindingKind::AlergiaPrescrita),
        "{quiet:#?}"
    );
}

#[test]
fn degenerate_output() {
    let looped = format!(
        "{GOOD} El paciente mejora. El paciente mejora. El paciente mejora. El paciente mejora."
    );
    assert!(verify(&neumonia(), &looped)
        .iter()
        .any(|f| f.kind == FindingKind::SalidaDegenerada && f.severity == Gravedad::Alta));
    let stutter = format!("{GOOD} estable estable estable estable");
    assert!(kinds(&stutter).contains(&FindingKind::SalidaDegenerada));
    let template = format!("{GOOD}<|im_end|>");
    assert!(verify(&neumonia(), &template)
        .iter()
        .any(|f| f.kind == FindingKind::SalidaDegenerada && f.severity == Gravedad::Alta));
    let markdown = format!("## Epicrisis\n**{GOOD}**");
    let md: Vec<_> = verify(&neumonia(), &markdown)
        .into_iter()
        .filter(|f| f.kind == FindingKind::SalidaDegenerada)
        .collect();
    assert_eq!(md.len(), 2);
    assert!(md.iter().all(|f| f.severity == Gravedad::Baja));
}

#[test]
fn spans_point_into_the_original_text_after_folding() {
    let text = format!("Ñandú ácido {GOOD} Se agrega CLARITROMICINA.");
    let f = verify(&neumonia(), &text)
        .into_iter()
        .find(|f| f.kind == FindingKind::FarmacoNoConsignado)
        .unwrap();
    assert_eq!(&text[f.span.unwrap()], "CLARITROMICINA");
}
