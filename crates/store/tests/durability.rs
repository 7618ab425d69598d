//! What must survive: streaming generations, damaged files, write-protected
//! files, older and newer schemas, and the backups that make recovery
//! possible.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::{episode, fresh, open, options, text};
use serde_json::json;
use store::{Error, ListQuery, OpenOptions, Origin, Provenance, Store, VersionState};

#[test]
fn a_streaming_generation_is_saved_every_second_and_found_after_a_crash() {
    let (_dir, path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    let provenance = Provenance {
        model_file: Some("modelo.gguf".into()),
        seed: Some(3),
        ..Provenance::default()
    };
    let mut generation = store.begin_generation(draft, provenance).unwrap();
    assert_eq!(generation.number, 1);

    // Tokens arriving fast are not each written...
    assert!(!store.save_partial(&mut generation, "Paciente").unwrap());
    std::thread::sleep(store::AUTOSAVE_INTERVAL + Duration::from_millis(50));
    // ...but once the interval has passed the next one is.
    assert!(store
        .save_partial(&mut generation, "Paciente de 67 años")
        .unwrap());
    assert!(!store
        .save_partial(&mut generation, "Paciente de 67 años,")
        .unwrap());

    // Another process (here: another connection) opening meanwhile must not
    // take the live generation for a dead one.
    let (other, report) = Store::open(&path, options()).unwrap();
    assert!(report.interrupted.is_empty(), "{:?}", report.interrupted);
    let seen = other.version(draft, 1).unwrap();
    assert_eq!(
        (seen.state, seen.text.as_str()),
        (VersionState::EnCurso, "Paciente de 67 años")
    );
    drop(other);

    // The generation is abandoned unfinished (a killed process: see
    // tests/crash.rs for the real thing).
    drop(generation);
    drop(store);

    let (mut store, report) = Store::open(&path, options()).unwrap();
    assert_eq!(report.interrupted.len(), 1);
    let found = &report.interrupted[0];
    assert_eq!(
        (found.draft_id, found.version, found.chars),
        (draft, 1, "Paciente de 67 años".chars().count())
    );
    assert_eq!(found.patient_name, "María Inés Soto Carrasco");
    let listed = store.list(&ListQuery::default()).unwrap();
    assert!(listed[0].interrupted);

    let kept = store.resume_interrupted(draft, 1).unwrap();
    assert_eq!(kept.state, VersionState::Completa);
    assert_eq!(kept.text, "Paciente de 67 años");
    assert_eq!(kept.provenance.seed, Some(3));
    let (_, report) = Store::open(&path, options()).unwrap();
    assert!(report.interrupted.is_empty());
}

#[test]
fn a_finished_generation_keeps_its_timings_and_a_discarded_one_is_audited() {
    let (_dir, path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    let generation = store
        .begin_generation(draft, Provenance::default())
        .unwrap();
    let done = store
        .finish_generation(
            generation,
            "Texto completo.",
            Some(json!({ "reason": "eos", "decode_tok_s": 11.9 })),
            Vec::new(),
        )
        .unwrap();
    assert_eq!(done.state, VersionState::Completa);
    assert_eq!(done.timings.unwrap()["reason"], "eos");

    let generation = store
        .begin_generation(draft, Provenance::default())
        .unwrap();
    drop(generation); // abandoned without finishing: interrupted on next open
    drop(store);
    let (mut store, report) = Store::open(&path, options()).unwrap();
    assert_eq!(report.interrupted.len(), 1);
    store.discard_interrupted(draft, 2).unwrap();
    assert_eq!(store.versions(draft).unwrap().len(), 1);
    let last = store.audit_trail(Some(draft)).unwrap().pop().unwrap();
    assert_eq!(last.action, "interruption_discarded");
    assert!(store.discard_interrupted(draft, 1).is_err());
}

#[test]
fn finding_a_generation_interrupted_is_audited_with_what_it_kept() {
    let (_dir, path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    let mut generation = store
        .begin_generation(draft, Provenance::default())
        .unwrap();
    std::thread::sleep(store::AUTOSAVE_INTERVAL + Duration::from_millis(50));
    assert!(store.save_partial(&mut generation, "Paciente").unwrap());
    drop(generation);
    drop(store);

    let (store, report) = Store::open(&path, options()).unwrap();
    assert_eq!(report.interrupted.len(), 1);
    let trail = store.audit_trail(Some(draft)).unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["created", "interrupted"]);
    let line = trail.last().unwrap();
    assert_eq!((line.version, line.actor.as_str()), (Some(1), "dra.prueba"));
    assert_eq!(line.detail, json!({ "caracteres": 8 }));
    drop(store);

    // Found again on the next open, but audited once.
    let (store, report) = Store::open(&path, options()).unwrap();
    assert_eq!(report.interrupted.len(), 1);
    assert_eq!(store.audit_trail(Some(draft)).unwrap().len(), 2);
}

/// An audit action or a finding the code does not know (a newer
/// Epicrisis's) is an error that says so, never read as something else or
/// as nothing. (Statuses, origins
/// and states are also held by CHECK constraints, which the open's health
/// check verifies; `records` tests their conversion.)
#[test]
fn an_unknown_value_in_the_database_is_an_error_not_a_default() {
    let (_dir, path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    store
        .add_version(draft, Origin::Determinista, text("Texto."))
        .unwrap();
    drop(store);

    // The trail is append-only (a trigger): a newer version's line is added.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "INSERT INTO audit (at, actor, action, draft_id, version, detail)
         VALUES (0, 'otra', 'signed', ?1, NULL, '{}')",
        [draft],
    )
    .unwrap();
    // A finding of a kind this version does not know.
    raw.execute(
        "UPDATE versions SET findings = '[{\"kind\":\"dosis_pediatrica\",\"severity\":\"alta\",\"span\":null,\"message\":\"m\"}]'",
        [],
    )
    .unwrap();
    drop(raw);

    let (store, _) = Store::open(&path, options()).unwrap();
    let error = store.version(draft, 1).unwrap_err();
    assert!(
        matches!(&error, Error::UnknownValue { what, value, .. }
            if *what == "los hallazgos de una versión" && value.contains("dosis_pediatrica")),
        "{error:?}"
    );
    let error = store.audit_trail(None).unwrap_err();
    assert!(
        matches!(&error, Error::UnknownValue { value, .. } if value == "signed"),
        "{error:?}"
    );
    assert_eq!(error.kind(), "valor_desconocido");
    assert!(error.to_string().contains("«signed»"), "{error}");
    assert!(error.to_string().contains("auditoría"), "{error}");
    // The drafts themselves still read.
    assert_eq!(store.draft(draft).unwrap().summary.id, draft);
}

#[test]
fn a_foreign_file_is_moved_aside_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("epicrisis.sqlite3");
    std::fs::write(&path, b"esto no es una base de datos SQLite, es una nota\n").unwrap();
    let (mut store, report) = Store::open(&path, options()).unwrap();
    let aside = report.moved_aside.clone().unwrap();
    assert!(aside
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("epicrisis.sqlite3.danado-"));
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        b"esto no es una base de datos SQLite, es una nota\n"
    );
    assert_eq!(report.restored_from, None);
    let (json, ep) = episode("minimo.json");
    store.create_draft(&json, &ep).unwrap();
}

#[test]
fn a_damaged_database_is_restored_from_the_newest_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("epicrisis.sqlite3");
    let with_backups = OpenOptions {
        daily_backup: true,
        ..options()
    };
    let (mut store, report) = Store::open(&path, with_backups.clone()).unwrap();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    store
        .add_version(draft, Origin::Determinista, text("respaldado"))
        .unwrap();
    // Today's automatic backup was made before the draft; an on-demand one
    // (as the app's "Respaldar ahora") holds it.
    assert!(report.backup.is_some());
    let newest = store::backup::folder(&path).join("epicrisis-2999-12-31.sqlite3");
    store.backup_to(&newest).unwrap();
    drop(store);

    // Damage the database: overwrite pages in the middle of the file.
    let mut bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", path.display()));
    if bytes.len() < 8192 {
        bytes.resize(8192, 0);
    }
    for b in &mut bytes[100..8192] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let (store, report) = Store::open(&path, with_backups).unwrap();
    assert!(report.moved_aside.is_some());
    assert_eq!(report.restored_from.as_deref(), Some(newest.as_path()));
    assert_eq!(
        store.latest_version(draft).unwrap().unwrap().text,
        "respaldado"
    );
    assert!(report.moved_aside.unwrap().exists());
}

#[test]
fn backups_are_daily_keep_seven_and_can_be_made_on_demand() {
    let (dir, path, store) = fresh();
    let folder = store::backup::folder(&path);
    std::fs::create_dir_all(&folder).unwrap();
    for day in 1..=9 {
        std::fs::write(
            folder.join(format!("epicrisis-2026-01-{day:02}.sqlite3")),
            b"x",
        )
        .unwrap();
    }
    drop(store);
    let (store_again, report) = Store::open(
        &path,
        OpenOptions {
            daily_backup: true,
            ..options()
        },
    )
    .unwrap();
    let made = report.backup.unwrap();
    let kept = store::backup::list(&path);
    assert_eq!(kept.len(), 7);
    assert_eq!(kept.last(), Some(&made));
    assert!(!kept
        .iter()
        .any(|p| p.ends_with("epicrisis-2026-01-03.sqlite3")));
    // The second open of the day makes none.
    drop(store_again);
    let (mut store, report) = Store::open(
        &path,
        OpenOptions {
            daily_backup: true,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(report.backup, None);

    let target = dir.path().join("copia/epicrisis-manual.sqlite3");
    let (json, ep) = episode("minimo.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    store.backup_to(&target).unwrap();
    let copy = open(&target);
    assert!(copy.draft(draft).is_ok());
    assert_eq!(store.backup_to(&path).unwrap_err().kind(), "archivo");
}

#[test]
fn a_write_protected_file_is_readable_and_refuses_writes_clearly() {
    let (_dir, path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    store
        .add_version(draft, Origin::Determinista, text("guardado"))
        .unwrap();
    drop(store);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

    let (mut store, report) = Store::open(&path, options()).unwrap();
    assert!(report.read_only);
    assert_eq!(
        store.latest_version(draft).unwrap().unwrap().text,
        "guardado"
    );
    let error = store
        .add_version(draft, Origin::Edicion, text("nuevo"))
        .unwrap_err();
    assert!(matches!(error, Error::ReadOnly { .. }), "{error:?}");
    assert!(error.to_string().contains("solo lectura"), "{error}");
    assert!(error.to_string().contains("lo ya guardado no se perdió"));
    assert_eq!(store.versions(draft).unwrap().len(), 1);
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("epicrisis.sqlite3");
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let error = match Store::open(&path, options()) {
        Err(error) => error,
        Ok(_) => panic!("a newer schema must be refused"),
    };
    assert_eq!(error.kind(), "esquema_nuevo");
    assert!(error.to_string().contains("actualice la aplicación"));
    let raw = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}

/// Every earlier schema version has a fixture in `tests/data/schema_vN.sql`.
#[test]
fn databases_of_every_earlier_version_migrate_and_keep_their_data() {
    for version in 1..store::SCHEMA_VERSION {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/schema_v{version}.sql"));
        let sql = std::fs::read_to_string(&fixture)
            .unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("epicrisis.sqlite3");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(&sql)
            .unwrap();

        let (store, report) = Store::open(&path, options()).unwrap();
        assert_eq!(report.migrated_from, Some(version));
        // The fixture's draft survives, is searchable and its dead
        // generation is offered for resume.
        let found = store
            .list(&ListQuery {
                search: Some("pielonefritis".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1, "fixture v{version}");
        assert_eq!(found[0].patient_name, "Ñusta Peña Ibáñez");
        assert_eq!(report.interrupted.len(), 1);
        assert_eq!(
            store.settings::<serde_json::Value>().unwrap()["institution"],
            "Hospital Base Valdivia"
        );
    }
}

#[test]
fn an_empty_file_becomes_a_current_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nueva/epicrisis.sqlite3");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"").unwrap();
    let (store, report) = Store::open(&path, options()).unwrap();
    assert_eq!(report.moved_aside, None);
    assert_eq!(report.migrated_from, None);
    assert!(store.list(&ListQuery::default()).unwrap().is_empty());
    let dir_error = match Store::open(dir.path(), options()) {
        Err(error) => error,
        Ok(_) => panic!("a directory is not a database"),
    };
    assert!(dir_error.to_string().contains("es una carpeta"));
}
