//! The `epicrisis` binary end to end, driven by the files in `tests/data/`.

// Test helpers may panic: a panic is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::epicrisis;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn check_reports_every_bad_file_as_the_table_says() {
    let table = std::fs::read_to_string(data("bad/expected.tsv")).unwrap();
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, code, fragment] = cols[..] else {
            panic!("bad row: {line}")
        };
        let path = data(&format!("bad/{file}"));
        let out = epicrisis(&["check", path.to_str().unwrap()]);
        let all = text(&out);
        assert_eq!(
            out.status.code(),
            Some(code.parse().unwrap()),
            "{file}: {all}"
        );
        assert!(
            all.contains(fragment),
            "{file}: «{fragment}» not in:\n{all}"
        );
        if code != "0" {
            assert!(
                all.contains(file),
                "{file}: the message must name the file:\n{all}"
            );
        }
        rows += 1;
    }
    assert!(rows >= 10);
}

#[test]
fn check_json_lists_problems_with_paths_and_severities() {
    let path = data("bad/fechas_invertidas.json");
    let out = epicrisis(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["valido"], false);
    let problems = value["problemas"].as_array().unwrap();
    assert!(problems
        .iter()
        .any(|p| p["path"] == "atencion.fecha_alta" && p["severity"] == "error"));
    assert!(problems
        .iter()
        .any(|p| p["path"] == "diagnostico_egreso" && p["severity"] == "advertencia"));
}

#[test]
fn valid_examples_check_clean_and_draft_their_golden() {
    for name in ["neumonia", "colecistitis", "minimo"] {
        let episode = data(&format!("episodes/{name}.json"));
        let check = epicrisis(&["check", episode.to_str().unwrap()]);
        assert_eq!(check.status.code(), Some(0), "{}", text(&check));
        let draft = epicrisis(&["draft", episode.to_str().unwrap()]);
        assert_eq!(draft.status.code(), Some(0));
        let golden = std::fs::read_to_string(data(&format!("golden/draft/{name}.txt"))).unwrap();
        assert_eq!(String::from_utf8(draft.stdout).unwrap(), golden);
    }
}

#[test]
fn draft_refuses_an_invalid_episode() {
    let out = epicrisis(&[
        "draft",
        data("bad/fechas_invertidas.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("corríjalos"));
}

#[test]
fn verify_flags_an_unfaithful_text_and_passes_a_faithful_one() {
    let episode = data("episodes/neumonia.json");
    let bad = epicrisis(&[
        "verify",
        episode.to_str().unwrap(),
        data("texts/neumonia_inventada.txt").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    let value: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    let kinds: Vec<&str> = value["hallazgos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "complicacion_no_consignada",
        "farmaco_no_consignado",
        "codigo_no_consignado",
        // "amoxicilina 500 mg VO c/8h por 21 días" for 875/125 mg c/12h x 3 días.
        "indicacion_contradicha",
        "salida_degenerada",
        "diagnostico_omitido",
        "medicamento_omitido",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // A contradiction names the episode entry it contradicts.
    assert!(value["hallazgos"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "indicacion_contradicha"
            && f["path"] == "indicaciones_alta.medicamentos[0]"));
    assert!(value["confirmados"].as_array().is_some());
    let good = epicrisis(&[
        "verify",
        episode.to_str().unwrap(),
        data("texts/neumonia_fiel.txt").to_str().unwrap(),
    ]);
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));
}

#[test]
fn verify_eval_prints_recall_per_category() {
    let manifest = data("verify/manifest.jsonl");
    let out = epicrisis(&[
        "verify-eval",
        manifest.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value["textos"].as_u64().unwrap() >= 300);
    let categories = value["categorias"].as_array().unwrap();
    assert!(categories.iter().any(|c| c["categoria"] == "dosis"));
    assert!(value["tasa_falsas_alarmas"].as_f64().unwrap() <= 0.02);
    // A manifest line that is not an entry is refused with its line number.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("m.jsonl");
    std::fs::write(&bad, "{\"episodio\": \"x.json\"}\n").unwrap();
    let out = epicrisis(&["verify-eval", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("línea 1"), "{}", text(&out));
}

#[test]
fn usage_and_file_errors_exit_2() {
    let out = epicrisis(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let out = epicrisis(&["check", "/no/existe.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("/no/existe.json: no se pudo leer el archivo: el archivo no existe")
    );
}

fn epicrisis_with_db(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epicrisis"))
        .args(args)
        .env("EPICRISIS_DB", db)
        .output()
        .expect("the binary runs")
}

#[test]
fn saved_drafts_can_be_listed_searched_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("borradores.sqlite3");
    for name in ["neumonia.json", "colecistitis.json"] {
        let episode = data(&format!("episodes/{name}"));
        let out = epicrisis_with_db(&db, &["draft", episode.to_str().unwrap(), "--save"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            text(&out).contains("guardado como borrador"),
            "{}",
            text(&out)
        );
    }

    let out = epicrisis_with_db(&db, &["drafts", "list", "--search", "munoz"]);
    let listed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{listed}");
    assert!(listed.contains("Jorge Andrés Muñoz Valdés"), "{listed}");
    assert!(!listed.contains("María Inés Soto Carrasco"), "{listed}");

    let today = clinical::date::Date::today_local().to_string();
    let out = epicrisis_with_db(
        &db,
        &["drafts", "list", "--since", &today, "--until", &today],
    );
    assert_eq!(text(&out).lines().count(), 2, "{}", text(&out));
    let out = epicrisis_with_db(&db, &["drafts", "list", "--until", "2020-01-01"]);
    assert!(text(&out).contains("no hay borradores"), "{}", text(&out));
    let out = epicrisis_with_db(&db, &["drafts", "list", "--since", "ayer"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no es una fecha AAAA-MM-DD"),
        "{}",
        text(&out)
    );

    let out = epicrisis_with_db(&db, &["drafts", "list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let drafts = json["borradores"].as_array().unwrap();
    assert_eq!(drafts.len(), 2);
    assert_eq!(drafts[0]["patient_name"], "Jorge Andrés Muñoz Valdés");
    let id = drafts[1]["id"].as_i64().unwrap().to_string();

    // `--db` wins over the environment.
    let out = epicrisis(&["--db", db.to_str().unwrap(), "drafts", "show", &id]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("María Inés Soto Carrasco"), "{shown}");
    assert!(shown.contains("versión   1  determinista"), "{shown}");
    let expected = std::fs::read_to_string(data("golden/draft/neumonia.txt")).unwrap();
    assert!(shown.ends_with(&expected), "{shown}");

    let out = epicrisis_with_db(&db, &["drafts", "show", &id, "--version", "7"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no tiene la versión 7"),
        "{}",
        text(&out)
    );
    let out = epicrisis_with_db(&db, &["drafts", "show", "999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no existe el borrador 999"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_unusable_database_is_reported_and_the_text_still_printed() {
    let dir = tempfile::tempdir().unwrap();
    let episode = data("episodes/neumonia.json");
    // A directory where the database should be.
    let out = epicrisis_with_db(dir.path(), &["draft", episode.to_str().unwrap(), "--save"]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(all.contains("es una carpeta"), "{all}");
    assert!(all.contains(&dir.path().display().to_string()), "{all}");
    assert!(all.contains("no quedó guardada"), "{all}");
    let expected = std::fs::read_to_string(data("golden/draft/neumonia.txt")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn export_writes_pdf_and_text_and_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let episode = data("episodes/neumonia.json");
    let episode = episode.to_str().unwrap();
    let pdf = dir.path().join("epicrisis.pdf");
    let out = epicrisis(&["export", episode, "--pdf", pdf.to_str().unwrap(), "--final"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    let txt = dir.path().join("epicrisis.txt");
    let fiel = data("texts/neumonia_fiel.txt");
    let out = epicrisis(&[
        "export",
        episode,
        "--text",
        fiel.to_str().unwrap(),
        "--txt",
        txt.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = std::fs::read_to_string(&txt).unwrap();
    assert!(written.contains("María Inés Soto Carrasco"));
    assert!(written.contains("BORRADOR"));
    let given = std::fs::read_to_string(&fiel).unwrap();
    let collapse = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let opening = given
        .split_whitespace()
        .take(12)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        collapse(&written).contains(&opening),
        "the given text is the narrative"
    );

    let md = dir.path().join("epicrisis.md");
    let out = epicrisis(&["export", episode, "--md", md.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("# EPICRISIS"));

    // Usage: exactly one of --pdf / --txt / --md.
    let out = epicrisis(&["export", episode]);
    assert_eq!(out.status.code(), Some(2));
    let both = epicrisis(&["export", episode, "--md", "a.md", "--txt", "a.txt"]);
    assert_eq!(both.status.code(), Some(2));
    // A missing text file, and a folder that does not exist.
    let out = epicrisis(&[
        "export",
        episode,
        "--text",
        "/no/existe.txt",
        "--txt",
        txt.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("/no/existe.txt"), "{}", text(&out));
    let nowhere = dir.path().join("no-hay-carpeta/e.pdf");
    let out = epicrisis(&["export", episode, "--pdf", nowhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("la carpeta no existe"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_export_is_dated_with_the_local_day() {
    // UTC+14 and UTC-12 are always a day or two apart: whichever the
    // clock says, the exported "Fecha:" must follow `TZ`, never UTC.
    let dir = tempfile::tempdir().unwrap();
    let episode = data("episodes/neumonia.json");
    let mut dates = Vec::new();
    for (tz, posix) in [("<+14>-14", "<+14>-14"), ("<-12>12", "<-12>12")] {
        let zone = clinical::date::TimeZone::posix(posix).unwrap();
        let before = clinical::date::Date::of_instant(now_millis(), &zone);
        let txt = dir.path().join(format!("e{}.txt", dates.len()));
        let out = Command::new(env!("CARGO_BIN_EXE_epicrisis"))
            .env("TZ", tz)
            .args([
                "export",
                episode.to_str().unwrap(),
                "--txt",
                txt.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let after = clinical::date::Date::of_instant(now_millis(), &zone);
        let written = std::fs::read_to_string(&txt).unwrap();
        let stamped = [before, after]
            .into_iter()
            .find(|d| written.contains(&format!("Fecha: {}", d.spanish())));
        assert!(stamped.is_some(), "TZ={tz}: {before} not in:\n{written}");
        dates.push(stamped.unwrap());
    }
    assert!(dates[0].days_until(dates[1]) < 0, "{dates:?}");
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// `--template`: the service's file shapes the draft, printed and saved
/// alike; a file with a wrong field is refused naming it (exit 2).
#[test]
fn a_template_file_shapes_the_draft_and_a_wrong_one_names_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("plantilla.json");
    std::fs::write(
        &template,
        r#"{"id": "cirugia", "nombre": "Cirugía", "perfil": "instruct",
            "secciones": ["procedimientos", "evolucion", "indicaciones"],
            "estilo": "lista", "extension": "breve", "pie": "Equipo de Cirugía"}"#,
    )
    .unwrap();
    let episode = data("episodes/colecistitis.json");
    let args = [
        "draft",
        episode.to_str().unwrap(),
        "--template",
        template.to_str().unwrap(),
    ];
    let stdout = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let printed = stdout(&epicrisis(&args));
    assert!(printed.starts_with("Procedimientos\n- "), "{printed}");
    assert!(
        printed.trim_end().ends_with("Equipo de Cirugía"),
        "{printed}"
    );
    assert!(!printed.contains("Identificación"));
    let db = dir.path().join("e.sqlite3");
    let saved = epicrisis_with_db(&db, &[&args[..], &["--save"]].concat());
    assert!(
        text(&saved).contains("guardado como borrador"),
        "{}",
        text(&saved)
    );
    assert_eq!(stdout(&saved), printed, "saved and printed drafts differ");

    std::fs::write(
        &template,
        r#"{"id": "cirugia", "nombre": "Cirugía", "perfil": "instruct",
            "secciones": ["procedimientos", "evolución"], "estilo": "lista", "extension": "breve"}"#,
    )
    .unwrap();
    let refused = epicrisis(&args);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("secciones[1]"), "{stderr}");
    assert!(stderr.contains("plantilla.json"), "{stderr}");
}
