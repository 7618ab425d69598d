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
    let text = format!("{GOOD} Peso 70 kg.");
    let found = verify(&neumonia(), &text);
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::NumeroNoConsignado)
        .expect("number finding");
    assert_eq!(&text[f.span.clone().unwrap()], "70");
    assert_eq!(f.severity, Gravedad::Media);
    // A saturation the notes give otherwise is contradicted.
    let text = GOOD.replace("saturando 95%", "saturando 97%");
    let f = verify(&neumonia(), &text)
        .into_iter()
        .find(|f| f.kind == FindingKind::LaboratorioContradicho)
        .expect("measurement finding");
    assert_eq!(&text[f.span.clone().unwrap()], "97");
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

fn episode(name: &str) -> Episode {
    let path = format!(
        "{}/../../tests/data/verify/episodios/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    normalize(parse_episode(&std::fs::read(path).unwrap()).unwrap())
}

/// Alta findings with their text; omissions left out, since these texts
/// are fragments of an epicrisis.
fn alta(episode: &Episode, text: &str) -> Vec<(FindingKind, String)> {
    verify(episode, text)
        .into_iter()
        .filter(|f| f.severity == Gravedad::Alta && f.span.is_some())
        .map(|f| {
            (
                f.kind,
                f.span.map(|s| text[s].to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

const IAM_ALTA: &str =
    "Al alta se indica ticagrelor 90 mg VO c/12h por 12 meses, AAS 100 mg VO al día, \
    atorvastatina 80 mg VO en la noche, metoprolol 25 mg VO c/12h y enalapril 5 mg VO c/12h.";

#[test]
fn abbreviations_and_brands_name_the_generic() {
    let iam = episode("iam");
    assert_eq!(alta(&iam, IAM_ALTA), vec![]);
    let brand = IAM_ALTA.replace("ticagrelor", "Brilinta");
    assert_eq!(alta(&iam, &brand), vec![]);
}

#[test]
fn a_wrong_dose_or_frequency_of_a_discharge_drug_is_alta_on_it() {
    let iam = episode("iam");
    let text = IAM_ALTA.replace(
        "ticagrelor 90 mg VO c/12h",
        "ticagrelor 90 mg VO cada 24 horas",
    );
    assert_eq!(
        alta(&iam, &text),
        vec![(FindingKind::IndicacionContradicha, "cada 24 horas".into())]
    );
    let text = IAM_ALTA.replace("metoprolol 25 mg", "metoprolol 50 mg");
    let found = verify(&iam, &text);
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::IndicacionContradicha)
        .unwrap();
    assert_eq!(f.path.as_deref(), Some("indicaciones_alta.medicamentos[3]"));
    assert!(f.expected.as_deref().unwrap().contains("25 mg"));
}

#[test]
fn negated_lists_and_negated_longer_terms_stay_quiet() {
    let iam = episode("iam");
    let text = format!(
        "{IAM_ALTA} No requirió traslado a UCI, drogas vasoactivas ni VNI. \
         No requirió traslado a unidad de cuidados intensivos."
    );
    assert_eq!(alta(&iam, &text), vec![]);
    let text = format!("{IAM_ALTA} Requirió VNI por 24 horas.");
    assert_eq!(
        alta(&iam, &text),
        vec![(FindingKind::ComplicacionNoConsignada, "VNI".into())]
    );
}

#[test]
fn omissions_are_judged_in_the_discharge_part() {
    let ic = episode("insuficiencia_cardiaca");
    let course = "Recibe furosemida 40 mg EV c/12h. Se inicia bisoprolol 2,5 mg el día 3 e insulina cristalina según esquema.";
    let discharge = "Al alta se indica furosemida 40 mg VO c/24h, enalapril 10 mg VO c/12h, \
        espironolactona 25 mg VO c/24h e insulina glargina 12 UI SC c/24h.";
    let found = verify(&ic, &format!("{course} {discharge}"));
    let omitted: Vec<_> = found
        .iter()
        .filter(|f| f.kind == FindingKind::MedicamentoOmitido)
        .map(|f| f.path.clone().unwrap())
        .collect();
    // Bisoprolol is in the course only; glargina is there, cristalina is not it.
    assert_eq!(omitted, ["indicaciones_alta.medicamentos[1]"]);
    let without_glargina = discharge.replace(" e insulina glargina 12 UI SC c/24h", "");
    let found = verify(
        &ic,
        &format!("{course} {without_glargina} Bisoprolol 2,5 mg VO c/24h."),
    );
    assert!(found
        .iter()
        .any(|f| f.kind == FindingKind::MedicamentoOmitido
            && f.path.as_deref() == Some("indicaciones_alta.medicamentos[4]")));
}

#[test]
fn trends_pairs_and_moments_are_read() {
    let pie = episode("pielonefritis");
    assert_eq!(
        alta(
            &pie,
            "PCR en descenso, de 245 a 38 mg/L. Creatinina 1,41 → 0,88 mg/dL."
        ),
        vec![]
    );
    assert_eq!(
        alta(&pie, "Creatinina 0,88 → 1,41 mg/dL."),
        vec![(FindingKind::LaboratorioContradicho, "0,88 → 1,41".into())]
    );
    assert_eq!(
        alta(&pie, "PCR en ascenso."),
        vec![(FindingKind::LaboratorioContradicho, "ascenso".into())]
    );
    assert_eq!(
        alta(&pie, "Al ingreso la creatinina era de 0,88 mg/dL."),
        vec![(
            FindingKind::LaboratorioContradicho,
            "ingreso la creatinina era de 0,88".into()
        )]
    );
    assert_eq!(alta(&pie, "Parámetros inflamatorios en descenso."), vec![]);
}

#[test]
fn sex_age_side_and_dates_contradicting_the_episode() {
    let bronq = episode("bronquiolitis");
    assert_eq!(alta(&bronq, "Lactante femenina de 9 meses."), vec![]);
    assert_eq!(
        alta(&bronq, "Lactante femenina de 9 años."),
        vec![(FindingKind::DatoPacienteContradicho, "9 años".into())]
    );
    assert_eq!(
        alta(&bronq, "Lactante masculino de 9 meses."),
        vec![(FindingKind::DatoPacienteContradicho, "masculino".into())]
    );
    assert_eq!(
        alta(&bronq, "Atelectasia del lóbulo superior izquierdo."),
        vec![(FindingKind::LateralidadContradicha, "izquierdo".into())]
    );
    assert_eq!(
        alta(&bronq, "Ingresa el 11 de julio de 2026 y egresa el 14/07/2026, tras 4 días de hospitalización."),
        vec![(FindingKind::FechaContradicha, "11 de julio de 2026".into())]
    );
    assert_eq!(
        alta(&bronq, "Egresa tras 5 días de hospitalización."),
        vec![(FindingKind::FechaContradicha, "5".into())]
    );
}

#[test]
fn allergy_statements_and_cross_reactions() {
    let pie = episode("pielonefritis");
    assert_eq!(alta(&pie, "Alérgica a penicilina. Al alta, ciprofloxacino 500 mg c/12h por 10 días y paracetamol 1 g c/8h por 5 días."), vec![]);
    assert_eq!(
        alta(&pie, "Sin alergias conocidas."),
        vec![(FindingKind::AlergiaContradicha, "alergias".into())]
    );
    assert_eq!(
        alta(&pie, "Alergia a sulfas."),
        vec![(FindingKind::AlergiaContradicha, "Alergia a sulfas".into())]
    );
    // Ceftriaxona is in the episode (given knowingly); cefadroxilo is not.
    let cef = alta(
        &pie,
        "Recibe ceftriaxona 2 g EV c/24h. Se indica cefadroxilo 500 mg c/12h.",
    );
    assert_eq!(
        cef,
        vec![(FindingKind::AlergiaPrescrita, "cefadroxilo".into())]
    );
}

#[test]
fn invented_drugs_diagnoses_and_events_beyond_the_lists() {
    let ic = episode("insuficiencia_cardiaca");
    assert_eq!(
        alta(&ic, "Se agrega dapagliflozina 10 mg al día."),
        vec![(FindingKind::FarmacoNoConsignado, "dapagliflozina".into())]
    );
    // An INN stem is enough: nebivolol is on no list.
    assert_eq!(
        alta(&ic, "Se cambia a nebivolol 5 mg."),
        vec![(FindingKind::FarmacoNoConsignado, "nebivolol".into())]
    );
    assert_eq!(
        alta(&ic, "Antecedente de litiasis renal."),
        vec![(
            FindingKind::DiagnosticoNoConsignado,
            "litiasis renal".into()
        )]
    );
    assert_eq!(
        alta(&ic, "Se diagnostica además gota tofácea."),
        vec![(FindingKind::DiagnosticoNoConsignado, "gota".into())]
    );
    assert_eq!(
        alta(&ic, "Se complica con una hemorragia."),
        vec![(FindingKind::ComplicacionNoConsignada, "hemorragia".into())]
    );
    // Hedged: media, not alta.
    assert_eq!(alta(&ic, "Sospecha de TEP, que no se confirmó."), vec![]);
}

#[test]
fn confirmed_claims_carry_their_source() {
    let iam = episode("iam");
    let review = review(&iam, IAM_ALTA);
    let source = |needle: &str| {
        review
            .confirmed
            .iter()
            .find(|c| IAM_ALTA[c.span.clone()].starts_with(needle))
            .map(|c| c.path.clone())
    };
    assert_eq!(
        source("ticagrelor").as_deref(),
        Some("indicaciones_alta.medicamentos[0]")
    );
    assert_eq!(
        source("AAS").as_deref(),
        Some("indicaciones_alta.medicamentos[1]")
    );
}

#[test]
fn a_result_written_in_words_can_be_contradicted() {
    let mut ep = neumonia();
    ep.laboratorios_resumen.push(crate::episode::Laboratorio {
        prueba: "Antígeno urinario de neumococo".into(),
        ingreso: Some(crate::episode::ResultadoIngreso {
            valor: crate::episode::Valor::Texto("negativo".into()),
            fecha: None,
            rango_inferior: None,
            rango_superior: None,
            estado: None,
            extra: Default::default(),
        }),
        ..Default::default()
    });
    assert_eq!(
        alta(&ep, "Antígeno urinario de neumococo negativo."),
        vec![]
    );
    assert_eq!(
        alta(&ep, "Antígeno urinario de neumococo positivo."),
        vec![(FindingKind::LaboratorioContradicho, "positivo".into())]
    );
}

#[test]
fn no_text_makes_the_check_panic() {
    // Pieces a text is made of, joined at random: the readers slice the
    // text at many places, and none may fall off a boundary.
    const PIECES: &[&str] = &[
        "el día 3",
        "al tercer día",
        "D5",
        "Ingresa el ",
        "2 de octubre",
        "el 5/10",
        "12/05/2026",
        "del 2 al 6 de octubre",
        " c/12h",
        " cada 8 horas",
        "875/125 mg",
        "PCR",
        " 186 → 14",
        "leucocitos",
        "ñandú",
        "Ácido",
        "🫀",
        "\n",
        ". ",
        ", ",
        "; ",
        "(",
        ")",
        "sin ",
        "no ",
        "alergia a ",
        "penicilina",
        "derecha",
        "izquierdo",
        "LSD",
        "Sat 90%",
        "FE 45%",
        "x10^3/uL",
        "se suspende",
        "esta última",
        "metformina",
        "insulina",
        "Brilinta",
        "AAS",
        "TEP",
        "UCI",
        "diagnósticos de egreso:",
        "Indicaciones al alta:",
        "—",
        "…",
        "%",
        "°C",
        "9 meses",
        "años",
        "Se realiza ",
        "Se diagnostica ",
        "presenta un episodio de ",
        "0,88",
        "1.000",
        "7.654.321-6",
    ];
    let episodes = [
        neumonia(),
        episode("iam"),
        episode("bronquiolitis"),
        episode("cetoacidosis"),
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..1500 {
        let len = (next() % 40) as usize;
        let text: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let episode = &episodes[round % episodes.len()];
        let review = review(episode, &text);
        for f in &review.findings {
            if let Some(span) = &f.span {
                assert!(text.get(span.clone()).is_some(), "{text:?}: {f:?}");
            }
        }
        for c in &review.confirmed {
            assert!(text.get(c.span.clone()).is_some(), "{text:?}: {c:?}");
        }
    }
}

#[test]
fn a_phrase_is_negated_from_outside_only() {
    let ic = episode("insuficiencia_cardiaca");
    // A cue after a three-word name reaches it.
    assert_eq!(alta(&ic, "Trombosis venosa profunda descartada."), vec![]);
    // The "no" inside "ventilación no invasiva" is part of the name, in the
    // text and in the episode alike.
    let mut with_vni = ic.clone();
    with_vni.evolucion_resumen[0]
        .texto
        .push_str(" Requirió ventilación no invasiva por 12 horas.");
    assert_eq!(alta(&with_vni, "Requirió VNI por 12 horas."), vec![]);
    assert_eq!(
        alta(&ic, "Requirió ventilación no invasiva por 12 horas."),
        vec![(
            FindingKind::ComplicacionNoConsignada,
            "ventilación no invasiva".into()
        )]
    );
}
