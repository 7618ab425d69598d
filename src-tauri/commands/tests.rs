//! The commands as the UI calls them, on the mock runtime.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::testing::{example, MockApp};

#[test]
fn app_info_reports_the_version_and_the_database() {
    let app = MockApp::new();
    let info = app.ok("app_info", json!({}));
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert!(info["database"]
        .as_str()
        .is_some_and(|p| p.ends_with("epicrisis.sqlite3")));
    assert!(info["database_error"].is_null());
}

#[test]
fn the_welcome_shows_until_answered_and_then_never_again() {
    let app = MockApp::new();
    let info = app.ok("app_info", json!({}));
    assert_eq!(info["first_run"], true);
    assert!(info["models_folder"]
        .as_str()
        .is_some_and(|p| p.ends_with("modelos")));
    let error = app.err("welcome_choose", json!({ "choice": "quizas" }));
    assert!(error.to_string().contains("quizas"), "{error}");
    assert_eq!(app.ok("app_info", json!({}))["first_run"], true);
    app.ok("welcome_choose", json!({ "choice": "deterministic" }));
    assert_eq!(app.ok("app_info", json!({}))["first_run"], false);
    let settings = app.ok("settings_get", json!({}));
    assert_eq!(settings["start_choice"], "deterministic");
    // Saving other settings keeps the answer.
    app.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(app.ok("app_info", json!({}))["first_run"], false);
}

#[test]
fn capability_lists_every_command_and_nothing_else() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/main.json")).expect("valid JSON");
    let all: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("permissions list")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    let mut granted: Vec<String> = all
        .iter()
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(String::from)
        .collect();
    // Beside the app's own commands: core events, the zoom keys' polyfill
    // (Linux and macOS) and the remembered window geometry; nothing else.
    let mut others: Vec<&str> = all
        .iter()
        .copied()
        .filter(|p| !p.starts_with("allow-"))
        .collect();
    others.sort_unstable();
    assert_eq!(
        others,
        [
            "core:event:default",
            "core:webview:allow-set-webview-zoom",
            "window-state:default"
        ]
    );
    // Tauri derives `allow-app-info` from the command `app_info`.
    let mut expected: Vec<String> = crate::COMMANDS
        .iter()
        .map(|c| c.replace('_', "-"))
        .collect();
    expected.sort_unstable();
    granted.sort_unstable();
    assert_eq!(granted, expected);
    let app = MockApp::new();
    for command in crate::COMMANDS {
        // A registered command answers (perhaps refusing missing
        // arguments); an unregistered one is "not found".
        if let Err(error) = app.call(command, json!({})) {
            let text = error.to_string();
            assert!(!text.contains("not found"), "{command}: {text}");
        }
    }
}

#[test]
fn diagnostics_name_every_version_and_the_log_folder() {
    let app = MockApp::new();
    let d = app.ok("diagnostics", json!({}));
    for key in ["app_version", "engine_version", "store_version"] {
        assert!(
            d[key].as_str().is_some_and(|v| v.split('.').count() == 3),
            "{key}: {d}"
        );
    }
    assert!(d["schema_version"].as_i64().unwrap() >= 1, "{d}");
    assert!(
        ["avx512-vnni", "avx2", "escalar"].contains(&d["cpu_kernels"].as_str().unwrap()),
        "{d}"
    );
    let folder = d["log_folder"].as_str().expect("a log folder");
    assert!(folder.ends_with("logs"), "{folder}");
    // The mock runtime installs no logger, so there is no folder to open
    // (the e2e journey opens the real one).
    if !std::path::Path::new(folder).exists() {
        let error = app.err("logs_open", json!({}));
        assert_eq!(error["kind"], "registro", "{error}");
        assert!(error["message"].as_str().unwrap().contains(folder));
    }
}

#[test]
fn capability_grants_no_dialog_network_shell_or_filesystem_plugin() {
    let capability = include_str!("../capabilities/main.json");
    for forbidden in [
        "dialog:",
        "clipboard-manager:",
        "http:",
        "shell:",
        "fs:",
        "opener:",
        "updater:",
    ] {
        assert!(
            !capability.contains(forbidden),
            "capability grants {forbidden}"
        );
    }
}

#[test]
fn the_form_is_checked_with_the_clinical_rules() {
    let app = MockApp::new();
    let checked = app.ok("episode_check", json!({ "json": example("neumonia.json") }));
    assert_eq!(checked["has_errors"], false);
    let mut episode: serde_json::Value = serde_json::from_str(&example("neumonia.json")).unwrap();
    episode["diagnostico_egreso"] = json!([]);
    episode["paciente"]["rut"] = json!("7.654.321-0");
    let checked = app.ok("episode_check", json!({ "json": episode.to_string() }));
    assert_eq!(checked["has_errors"], true);
    let paths: Vec<&str> = checked["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    assert!(paths.contains(&"diagnostico_egreso"), "{paths:?}");
    assert!(paths.contains(&"paciente.rut"), "{paths:?}");
    let error = app.err("episode_check", json!({ "json": "{ no es json" }));
    assert_eq!(error["kind"], "sintaxis", "{error}");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("formulario:"));
}

#[test]
fn the_form_autosaves_and_clears() {
    let app = MockApp::new();
    assert!(app.ok("form_load", json!({})).is_null());
    app.ok(
        "form_save",
        json!({ "json": "{\"motivo_ingreso\": \"Fiebre\"}" }),
    );
    assert_eq!(
        app.ok("form_load", json!({})),
        "{\"motivo_ingreso\": \"Fiebre\"}"
    );
    app.ok("form_clear", json!({}));
    assert!(app.ok("form_load", json!({})).is_null());
}

#[test]
fn an_imported_episode_comes_with_its_report_and_a_bad_file_names_itself() {
    let app = MockApp::new();
    let answer = app.dialog_dir().join("episodio.json");
    std::fs::write(&answer, example("colecistitis.json")).unwrap();
    let imported = app.ok("episode_import", json!({}));
    assert_eq!(imported["source"], example("colecistitis.json"));
    assert_eq!(imported["checked"]["has_errors"], false);
    std::fs::write(&answer, "{\"paciente\": [").unwrap();
    let error = app.err("episode_import", json!({}));
    assert!(
        error["message"].as_str().unwrap().contains("episodio.json"),
        "{error}"
    );
}

#[test]
fn generation_without_a_model_says_what_to_do() {
    let app = MockApp::new();
    assert!(app.ok("model_status", json!({})).is_null());
    let error = app.err(
        "draft_deterministic",
        json!({ "json": "{\"paciente\": {}}", "draftId": null }),
    );
    assert_eq!(error["kind"], "episodio_con_errores", "{error}");
    let error = app.err("model_inspect", json!({ "path": "/no/existe.gguf" }));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("/no/existe.gguf"),
        "{error}"
    );
    assert!(!app.ok("generate_stop", json!({})).as_bool().unwrap());

    // "Generar" itself: an episode with errors is refused first; a valid
    // one without a model is told what to do. Neither writes a draft.
    let generate = |json: &str| {
        app.err(
            "generate",
            json!({ "json": json, "draftId": null, "events": "__CHANNEL__:1" }),
        )
    };
    let error = generate("{\"paciente\": {}}");
    assert_eq!(error["kind"], "episodio_con_errores", "{error}");
    let error = generate(&example("neumonia.json"));
    assert_eq!(error["kind"], "sin_modelo", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("Elegir modelo"),
        "{error}"
    );
    let drafts = app.ok("drafts_list", json!({}));
    assert!(drafts.as_array().unwrap().is_empty(), "{drafts}");
}

#[test]
fn a_deterministic_draft_is_listed_edited_restored_finalised_and_exported() {
    let app = MockApp::new();
    let json = example("neumonia.json");
    let written = app.ok(
        "draft_deterministic",
        json!({ "json": json, "draftId": null }),
    );
    let draft = written["draft_id"].as_i64().unwrap();
    assert_eq!(written["version"]["origin"], "determinista");
    assert!(written["version"]["text"]
        .as_str()
        .unwrap()
        .contains("María Inés Soto Carrasco"));
    // Same episode, same draft; a second deterministic text is version 2.
    let again = app.ok(
        "draft_deterministic",
        json!({ "json": json, "draftId": draft }),
    );
    assert_eq!(again["draft_id"], draft);
    assert_eq!(again["version"]["number"], 2);

    let listed = app.ok("drafts_list", json!({ "search": "soto" }));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["patient_name"], "María Inés Soto Carrasco");

    let edited = app.ok(
        "edit_save",
        json!({ "id": draft, "text": "Paciente con neumonía tratada con vancomicina 1 g." }),
    );
    assert_eq!(edited["number"], 3);
    assert!(edited["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "farmaco_no_consignado" && f["start"].is_u64()));
    // The review gives every claim its source: the deterministic draft's
    // drugs, dates and diagnoses are confirmed with the episode paths.
    let review = app.ok("version_review", json!({ "id": draft, "number": 1 }));
    let confirmed = review["confirmed"].as_array().unwrap();
    assert!(confirmed
        .iter()
        .any(|c| c["path"] == "indicaciones_alta.medicamentos[1]" && c["start"].is_u64()));
    assert!(confirmed
        .iter()
        .any(|c| c["path"] == "atencion.fecha_ingreso"));
    let review = app.ok("version_review", json!({ "id": draft, "number": 3 }));
    assert!(review["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "medicamento_omitido"
            && f["path"] == "indicaciones_alta.medicamentos[0]"
            && f["expected"]
                .as_str()
                .is_some_and(|e| e.contains("875/125"))));
    let restored = app.ok("version_restore", json!({ "id": draft, "number": 1 }));
    assert_eq!(restored["restored_from"], 1);
    let opened = app.ok("draft_open", json!({ "id": draft }));
    assert_eq!(opened["versions"].as_array().unwrap().len(), 4);
    assert_eq!(opened["episode_json"], json);

    app.ok(
        "draft_set_status",
        json!({ "id": draft, "status": "revisado" }),
    );
    app.ok(
        "draft_set_status",
        json!({ "id": draft, "status": "final" }),
    );
    let error = app.err(
        "draft_set_status",
        json!({ "id": draft, "status": "publicado" }),
    );
    assert_eq!(error["kind"], "estado_invalido");

    let path = app.ok(
        "export_version",
        json!({ "id": draft, "number": 4, "format": "texto", "suggested": "epicrisis.txt" }),
    );
    let text = std::fs::read_to_string(path.as_str().unwrap()).unwrap();
    assert!(text.contains("María Inés Soto Carrasco"), "{text}");
    let pdf = app.ok(
        "export_version",
        json!({ "id": draft, "number": 4, "format": "pdf", "suggested": "epicrisis.pdf" }),
    );
    assert!(std::fs::read(pdf.as_str().unwrap())
        .unwrap()
        .starts_with(b"%PDF"));
    let md = app.ok(
        "export_version",
        json!({ "id": draft, "number": 4, "format": "markdown", "suggested": "epicrisis.md" }),
    );
    let md = std::fs::read_to_string(md.as_str().unwrap()).unwrap();
    assert!(md.contains("\n# EPICRISIS"), "{md}");

    // "Copiar texto": the version's own text, patient line to controls,
    // and the copy is in the audit trail.
    app.ok("version_copy_text", json!({ "id": draft, "number": 4 }));
    let copied =
        std::fs::read_to_string(app.dialog_dir().join(crate::clipboard::RECORDED)).unwrap();
    let opened = app.ok("draft_open", json!({ "id": draft }));
    let fourth = opened["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["number"] == 4)
        .unwrap();
    assert_eq!(copied, fourth["text"].as_str().unwrap());
    assert!(copied.contains("Paciente femenina de 75 años"), "{copied}");
    assert!(copied.trim_end().contains("Controles:"), "{copied}");
    let error = app.err("version_copy_text", json!({ "id": draft, "number": 99 }));
    assert_eq!(error["kind"], "version_inexistente", "{error}");

    let copy = app
        .ok("draft_duplicate", json!({ "id": draft }))
        .as_i64()
        .unwrap();
    app.ok("draft_delete", json!({ "id": copy }));
    assert_eq!(
        app.ok("drafts_list", json!({})).as_array().unwrap().len(),
        1
    );
    assert_eq!(
        app.ok("drafts_list", json!({ "deleted": true }))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.ok("draft_undelete", json!({ "id": copy }));
    assert_eq!(
        app.ok("drafts_list", json!({})).as_array().unwrap().len(),
        2
    );
}

#[test]
fn settings_round_trip_and_refuse_what_the_engine_would() {
    let app = MockApp::new();
    let mut settings = app.ok("settings_get", json!({}));
    assert_eq!(settings["sampling_finetuned"]["max_tokens"], 400);
    assert_eq!(settings["sampling_instruct"]["top_p"], 0.85);
    settings["institution"] = json!("Hospital Base Valdivia");
    app.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(
        app.ok("settings_get", json!({}))["institution"],
        "Hospital Base Valdivia"
    );
    settings["sampling_instruct"]["top_p"] = json!(1.5);
    let error = app.err("settings_save", json!({ "settings": settings }));
    assert_eq!(error["kind"], "parametro_invalido");
    assert!(
        error["message"].as_str().unwrap().contains("top-p"),
        "{error}"
    );
}

/// `backend.ts` is the only module of the UI that calls `invoke`: the
/// commands it names are exactly the ones the shell registers and grants,
/// so a renamed or removed command fails here, not in a clinician's window.
#[test]
fn the_ui_calls_exactly_the_commands_the_shell_has() {
    let backend = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/backend.ts"),
    )
    .unwrap();
    let mut called: Vec<&str> = backend
        .split("invoke")
        .skip(1)
        .filter_map(|after| {
            // invoke<T>("name", …) or invoke("name", …)
            let after = after.strip_prefix('<').map_or(after, |typed| {
                typed.split_once(">(").map_or("", |(_, rest)| rest)
            });
            let after = after.strip_prefix('(').unwrap_or(after);
            let name = after.strip_prefix('"')?.split('"').next()?;
            (!name.is_empty()).then_some(name)
        })
        .collect();
    called.sort_unstable();
    called.dedup();
    let mut registered: Vec<&str> = crate::COMMANDS.to_vec();
    registered.sort_unstable();
    assert_eq!(called, registered);
}

#[test]
fn a_service_template_is_imported_chosen_for_its_service_and_shapes_the_draft() {
    let app = MockApp::new();
    let file = app.dialog_dir().join("plantilla.json");
    // A file with a wrong field is refused with that field, nothing saved.
    std::fs::write(
        &file,
        r#"{"id": "medicina", "nombre": "Medicina", "perfil": "instruct",
            "secciones": ["evolucion", "examen"], "estilo": "lista", "extension": "breve"}"#,
    )
    .unwrap();
    let error = app.err("template_import", json!({}));
    assert_eq!(error["kind"], "plantilla_invalida", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("secciones[1]"),
        "{error}"
    );
    std::fs::write(
        &file,
        r#"{"id": "medicina", "nombre": "Medicina", "servicios": ["Medicina Interna"],
            "perfil": "instruct", "secciones": ["diagnosticos_egreso", "evolucion", "indicaciones"],
            "estilo": "lista", "extension": "breve", "pie": "Servicio de Medicina"}"#,
    )
    .unwrap();
    let imported = app.ok("template_import", json!({}));
    assert_eq!(imported["id"], "medicina");
    let listed = app.ok("templates_list", json!({ "service": "medicina interna" }));
    assert_eq!(listed["for_service"], "medicina", "{listed}");
    assert_eq!(listed["templates"][0]["id"], "general");
    assert_eq!(listed["templates"][0]["builtin"], true);
    assert_eq!(listed["templates"][2]["builtin"], false);

    // Built-ins are refused by name.
    let mut general = listed["templates"][0].clone();
    general.as_object_mut().unwrap().remove("builtin");
    let error = app.err("template_save", json!({ "template": general }));
    assert_eq!(error["kind"], "plantilla_incorporada", "{error}");

    let written = app.ok(
        "draft_deterministic",
        json!({ "json": example("neumonia.json"), "draftId": null, "template": "medicina" }),
    );
    let version = &written["version"];
    assert_eq!(version["template"], "medicina");
    assert_eq!(
        version["sections"],
        json!(["diagnosticos_egreso", "evolucion", "indicaciones"])
    );
    assert!(version["text"]
        .as_str()
        .unwrap()
        .trim_end()
        .ends_with("Servicio de Medicina"));

    let exported = app.ok("template_export", json!({ "id": "medicina" }));
    let saved = std::fs::read_to_string(exported.as_str().unwrap()).unwrap();
    assert!(saved.contains("\"servicios\""), "{saved}");
    app.ok("template_delete", json!({ "id": "medicina" }));
    let error = app.err(
        "draft_deterministic",
        json!({ "json": example("neumonia.json"), "draftId": null, "template": "medicina" }),
    );
    assert_eq!(error["kind"], "plantilla_inexistente", "{error}");
}
