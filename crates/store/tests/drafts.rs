//! Drafts, versions, statuses, the audit trail, deletion and search, on the
//! example episodes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{episode, fresh, text};
use serde_json::json;
use store::{Error, ListQuery, Origin, Provenance, Status, VersionState};

/// A finding as the check gives it, to see it kept with its version.
fn finding() -> clinical::Finding {
    clinical::Finding {
        kind: clinical::FindingKind::NumeroNoConsignado,
        severity: clinical::Gravedad::Media,
        span: Some(11..13),
        message: "«67» no está en el episodio".into(),
        path: None,
        expected: None,
    }
}

#[test]
fn every_text_is_a_version_and_restoring_adds_one() {
    let (_dir, _path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();

    let deterministic = clinical::draft(&ep);
    let v1 = store
        .add_version(draft, Origin::Determinista, text(&deterministic))
        .unwrap();
    assert_eq!((v1.number, v1.origin), (1, Origin::Determinista));

    let provenance = Provenance {
        model_file: Some("qwen2.5-1.5b-instruct-q4_k_m.gguf".into()),
        model_sha256: Some("ab".repeat(32)),
        sampling: Some(json!({ "temperature": 0.2, "top_p": 0.9 })),
        seed: Some(42),
        profile: Some("instruct".into()),
        template: Some("general".into()),
        section: Some("evolucion".into()),
        instruction: Some("más breve".into()),
        shortening: Some(clinical::Shortening {
            notes_total: 9,
            notes_kept: 4,
            omitted: vec![1, 2, 4, 5, 7],
            omitted_notes: vec![
                "día 2".into(),
                "día 3".into(),
                "día 5".into(),
                "día 6".into(),
                "día 8".into(),
            ],
            clipped_to_chars: 300,
        }),
    };
    let generated = store::NewVersion {
        text: "Paciente de 67 años ...".into(),
        provenance: provenance.clone(),
        timings: Some(json!({ "decode_tok_s": 12.5 })),
        findings: vec![finding()],
    };
    let v2 = store.add_version(draft, Origin::Modelo, generated).unwrap();
    assert_eq!(v2.provenance, provenance);
    assert_eq!(v2.timings, Some(json!({ "decode_tok_s": 12.5 })));
    assert_eq!(v2.findings, [finding()]);

    let v3 = store
        .save_edit(draft, "Texto corregido.", Vec::new())
        .unwrap();
    assert_eq!(
        (v3.draft_id, v3.number, v3.origin),
        (draft, 3, Origin::Edicion)
    );

    let v4 = store.restore_version(draft, 2).unwrap();
    assert_eq!(v4.number, 4);
    assert_eq!(v4.text, "Paciente de 67 años ...");
    assert_eq!(v4.restored_from, Some(2));
    assert_eq!(v4.provenance, provenance);

    let all = store.versions(draft).unwrap();
    let texts: Vec<&str> = all.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            deterministic.as_str(),
            "Paciente de 67 años ...",
            "Texto corregido.",
            "Paciente de 67 años ..."
        ]
    );
    assert_eq!(store.latest_version(draft).unwrap().unwrap().number, 4);
    assert_eq!(store.draft(draft).unwrap().episode_json, json);
    assert!(matches!(
        store.version(draft, 9),
        Err(Error::NoSuchVersion { version: 9, .. })
    ));
}

#[test]
fn a_final_draft_never_changes_and_an_edit_starts_a_new_draft() {
    let (_dir, path, mut store) = fresh();
    let (json, ep) = episode("colecistitis.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    store
        .add_version(draft, Origin::Determinista, text("v1"))
        .unwrap();

    let skip = store.set_status(draft, Status::Final).unwrap_err();
    assert_eq!(skip.kind(), "transicion_invalida");
    assert_eq!(
        skip.to_string(),
        format!("el borrador {draft} no puede pasar de «borrador» a «final»")
    );
    store.set_status(draft, Status::Revisado).unwrap();
    store.set_status(draft, Status::Final).unwrap();
    assert!(store.set_status(draft, Status::Borrador).is_err());
    assert!(store
        .add_version(draft, Origin::Edicion, text("x"))
        .is_err());
    assert!(store.restore_version(draft, 1).is_err());
    assert!(store
        .begin_generation(draft, Provenance::default())
        .is_err());

    let edit = store
        .save_edit(draft, "corrección tras firmar", Vec::new())
        .unwrap();
    assert_ne!(edit.draft_id, draft);
    let child = store.draft(edit.draft_id).unwrap();
    assert_eq!(child.parent_draft_id, Some(draft));
    assert_eq!(child.summary.status, Status::Borrador);
    assert_eq!(store.versions(draft).unwrap().len(), 1);

    // The rule holds below the code too: SQL cannot alter a final draft.
    let raw = rusqlite::Connection::open(&path).unwrap();
    let update = raw.execute(
        "UPDATE versions SET text = 'alterado' WHERE draft_id = ?1",
        [draft],
    );
    assert!(update.unwrap_err().to_string().contains("immutable"));
    let reopen = raw.execute(
        "UPDATE drafts SET status = 'borrador' WHERE id = ?1",
        [draft],
    );
    assert!(reopen.is_err());
    assert!(raw.execute("DELETE FROM audit", []).is_err());
}

#[test]
fn the_audit_trail_names_who_did_what() {
    let (dir, _path, mut store) = fresh();
    let (json, ep) = episode("neumonia.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    store
        .add_version(draft, Origin::Determinista, text("a"))
        .unwrap();
    store.save_edit(draft, "b", Vec::new()).unwrap();
    store.set_status(draft, Status::Revisado).unwrap();
    let pdf = dir.path().join("epicrisis.pdf");
    store.record_export(draft, 2, &pdf, "pdf").unwrap();
    store.delete_draft(draft).unwrap();
    store.undelete_draft(draft).unwrap();

    let trail = store.audit_trail(Some(draft)).unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "generated",
            "edited",
            "status_changed",
            "exported",
            "deleted",
            "undeleted"
        ]
    );
    assert!(trail.iter().all(|e| e.actor == "dra.prueba"));
    assert_eq!(
        trail[3].detail,
        json!({ "de": "borrador", "a": "revisado" })
    );
    assert_eq!(trail[4].detail["ruta"], json!(pdf.display().to_string()));
    assert_eq!(trail[4].version, Some(2));
}

#[test]
fn deletion_is_soft_until_the_purge_which_is_audited() {
    let (_dir, _path, mut store) = fresh();
    let (json, ep) = episode("minimo.json");
    let keep = store.create_draft(&json, &ep).unwrap();
    let gone = store.create_draft(&json, &ep).unwrap();
    store
        .add_version(gone, Origin::Determinista, text("t"))
        .unwrap();
    store.delete_draft(gone).unwrap();

    let live = store.list(&ListQuery::default()).unwrap();
    assert_eq!(live.iter().map(|d| d.id).collect::<Vec<_>>(), [keep]);
    let bin = store
        .list(&ListQuery {
            deleted: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(bin.iter().map(|d| d.id).collect::<Vec<_>>(), [gone]);
    assert!(matches!(
        store.add_version(gone, Origin::Edicion, text("x")),
        Err(Error::Deleted(_))
    ));
    assert!(matches!(
        store.save_edit(gone, "x", Vec::new()),
        Err(Error::Deleted(_))
    ));

    // Purging is off by default.
    assert_eq!(store.purge_expired().unwrap(), 0);
    store
        .save_settings(&json!({ store::PURGE_AFTER_DAYS: 0 }))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(store.purge_expired().unwrap(), 1);
    assert!(matches!(store.draft(gone), Err(Error::NoSuchDraft(_))));
    assert!(
        store.draft(keep).is_ok(),
        "the shared episode stays with the live draft"
    );

    let purge = store.audit_trail(None).unwrap().pop().unwrap();
    assert_eq!(purge.action, "purged");
    assert_eq!(purge.detail["borradores"], json!([gone]));
    // The deleted draft's own history is still readable after the purge.
    assert!(!store.audit_trail(Some(gone)).unwrap().is_empty());
}

#[test]
fn search_ignores_case_and_accents_and_filters_by_status() {
    let (_dir, _path, mut store) = fresh();
    let mut ids = Vec::new();
    for name in ["neumonia.json", "colecistitis.json", "pielonefritis.json"] {
        let (json, ep) = episode(name);
        let id = store.create_draft(&json, &ep).unwrap();
        store
            .add_version(id, Origin::Determinista, text(&clinical::draft(&ep)))
            .unwrap();
        ids.push(id);
    }
    let [neumonia, colecistitis, pielonefritis] = ids[..] else {
        unreachable!()
    };
    let find = |store: &store::Store, q: &str| -> Vec<i64> {
        store
            .list(&ListQuery {
                search: Some(q.into()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|d| d.id)
            .collect()
    };
    assert_eq!(find(&store, "pielonefritis"), [pielonefritis]);
    assert_eq!(find(&store, "munoz"), [colecistitis]);
    assert_eq!(find(&store, "MUÑOZ valdes"), [colecistitis]);
    assert_eq!(find(&store, "nusta pena"), [pielonefritis]);
    assert_eq!(find(&store, "12.345.678-5"), [pielonefritis]);
    assert_eq!(find(&store, "123456785"), [pielonefritis]);
    assert_eq!(find(&store, "neumon"), [neumonia]);
    assert_eq!(find(&store, "J18.9"), [neumonia]);
    assert!(find(&store, "meningitis").is_empty());
    // FTS syntax in the box is just text.
    assert!(find(&store, "\"OR NEAR(").is_empty());

    // The text itself is searched: an edit makes the draft findable.
    store
        .save_edit(
            neumonia,
            "Se agrega hallazgo de bronquiectasias.",
            Vec::new(),
        )
        .unwrap();
    assert_eq!(find(&store, "bronquiectasias"), [neumonia]);

    // Newest change first.
    let all = store.list(&ListQuery::default()).unwrap();
    assert_eq!(all[0].id, neumonia);
    assert_eq!(all[0].versions, 2);
    store.set_status(pielonefritis, Status::Revisado).unwrap();
    let reviewed = store
        .list(&ListQuery {
            status: Some(Status::Revisado),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(reviewed.len(), 1);
    assert_eq!(reviewed[0].patient_name, "Ñusta Peña Ibáñez");
    assert_eq!(reviewed[0].diagnoses, "Pielonefritis aguda (N10)");
    let future = store
        .list(&ListQuery {
            changed_from: Some(store::Timestamp::start_of_day(
                clinical::date::Date::new(2999, 1, 1).unwrap(),
            )),
            ..Default::default()
        })
        .unwrap();
    assert!(future.is_empty());
}

#[test]
fn versions_record_their_state() {
    let (_dir, _path, mut store) = fresh();
    let (json, ep) = episode("minimo.json");
    let draft = store.create_draft(&json, &ep).unwrap();
    let v = store
        .add_version(draft, Origin::Edicion, text("x"))
        .unwrap();
    assert_eq!(v.state, VersionState::Completa);
}
