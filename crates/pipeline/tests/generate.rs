//! The clinician's "Generar" through `pipeline::generate_draft`, on a tiny
//! random-weight model with the real Qwen tokenizer: the plan it chooses,
//! the refusal of an episode with errors, and what a failed save leaves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tiny_model() -> &'static Path {
    // Under cargo's `target/tmp`, replaced each run (never /tmp: a static
    // TempDir is never dropped).
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pipeline-models");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("diminuto.gguf");
        engine::synthetic::write_tiny_chat_model(&root(), &path).unwrap();
        path
    })
}

fn engine() -> engine::Engine {
    let options = engine::LoadOptions {
        model: tiny_model().to_path_buf(),
        threads: Some(1),
        ..Default::default()
    };
    engine::Engine::start(options, engine::CancelToken::new()).unwrap()
}

fn store(dir: &Path) -> Mutex<store::Store> {
    let options = store::OpenOptions {
        actor: "prueba".into(),
        daily_backup: false,
        keep_backups: 7,
    };
    Mutex::new(
        store::Store::open(&dir.join("e.sqlite3"), options)
            .unwrap()
            .0,
    )
}

fn episode(name: &str) -> pipeline::LoadedEpisode {
    pipeline::load_episode(&root().join("tests/data").join(name)).unwrap()
}

#[test]
fn the_window_generation_takes_the_settings_with_its_seed_into_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let mut settings = pipeline::Settings::default();
    settings.sampling_instruct.max_tokens = 8;
    settings.sampling_instruct.temperature = 0.7;
    settings.save(&mut pipeline::lock_store(&store)).unwrap();
    let engine = engine();
    let loaded = episode("episodes/neumonia.json");
    let request = pipeline::DraftRequest {
        loaded: &loaded,
        current: None,
        profile: pipeline::ProfileChoice::Auto,
        template: pipeline::TemplateChoice::Service,
        sampling: pipeline::SamplingSource::Settings { seed: 1234 },
    };
    let mut streamed = String::new();
    let written = pipeline::generate_draft(
        &engine,
        &store,
        request,
        &engine::CancelToken::new(),
        &mut |delta| streamed.push_str(delta),
    )
    .unwrap();
    // The plan was made once, and every record of it agrees.
    let plan = pipeline::Plan::new(
        engine.info(),
        pipeline::ProfileChoice::Auto,
        None,
        pipeline::SamplingSource::Settings { seed: 1234 },
        &settings,
    );
    assert_eq!(plan.profile(), clinical::Profile::Instruct);
    assert_eq!(plan.template.id, "general");
    assert_eq!(
        (plan.sampling.seed, plan.sampling.max_new_tokens),
        (1234, 8)
    );
    assert_eq!(written.generated.profile, plan.profile());
    let version = &written.version;
    assert_eq!(version.provenance.template.as_deref(), Some("general"));
    assert_eq!(version.provenance.seed, Some(1234));
    assert_eq!(version.provenance.profile.as_deref(), Some("instruct"));
    assert_eq!(
        version.provenance.sampling,
        Some(serde_json::to_value(&plan.sampling).unwrap())
    );
    assert_eq!(written.generated.raw, streamed);
    assert_eq!(version.state, store::VersionState::Completa);

    // The same episode again goes into the same draft; another episode
    // into a new one.
    let again = pipeline::DraftRequest {
        loaded: &loaded,
        current: Some(version.draft_id),
        profile: pipeline::ProfileChoice::Auto,
        template: pipeline::TemplateChoice::Service,
        sampling: pipeline::SamplingSource::Given(plan.sampling.clone()),
    };
    let second = pipeline::generate_draft(
        &engine,
        &store,
        again,
        &engine::CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        (second.version.draft_id, second.version.number),
        (version.draft_id, 2)
    );
    // Same seed, same sampling: the same text.
    assert_eq!(second.generated.raw, written.generated.raw);
    let other = episode("episodes/colecistitis.json");
    let third = pipeline::generate_draft(
        &engine,
        &store,
        pipeline::DraftRequest {
            loaded: &other,
            current: Some(version.draft_id),
            profile: pipeline::ProfileChoice::Fixed(clinical::Profile::Finetuned),
            template: pipeline::TemplateChoice::Service,
            sampling: pipeline::SamplingSource::Given(plan.sampling.clone()),
        },
        &engine::CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_ne!(third.version.draft_id, version.draft_id);
    assert_eq!(
        third.version.provenance.profile.as_deref(),
        Some("finetuned")
    );
}

#[test]
fn an_episode_with_errors_is_refused_before_the_model_or_the_store_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let engine = engine();
    let loaded = episode("bad/fechas_invertidas.json");
    let error = pipeline::generate_draft(
        &engine,
        &store,
        pipeline::DraftRequest {
            loaded: &loaded,
            current: None,
            profile: pipeline::ProfileChoice::Auto,
            template: pipeline::TemplateChoice::Service,
            sampling: pipeline::SamplingSource::Settings { seed: 1 },
        },
        &engine::CancelToken::new(),
        &mut |_| panic!("the model ran"),
    )
    .unwrap_err();
    assert_eq!(error.kind(), "episodio_con_errores");
    let drafts = pipeline::lock_store(&store)
        .list(&store::ListQuery::default())
        .unwrap();
    assert!(drafts.is_empty(), "{drafts:?}");
}

/// The autosave fails (another process holds the database longer than the
/// busy timeout): the generation stops, the error is returned, and the
/// version is completed with the text so far and the error in its timings,
/// never left `en_curso` for the next open to find.
#[test]
fn a_failed_save_completes_the_version_with_the_text_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.sqlite3");
    let store = store(dir.path());
    let engine = engine();
    let loaded = episode("episodes/neumonia.json");
    let sampling = engine::Sampling {
        max_new_tokens: 40,
        ..engine::Sampling::default()
    };
    let mut holder = None;
    let mut tokens = 0;
    let result = pipeline::generate_draft(
        &engine,
        &store,
        pipeline::DraftRequest {
            loaded: &loaded,
            current: None,
            profile: pipeline::ProfileChoice::Auto,
            template: pipeline::TemplateChoice::Service,
            sampling: pipeline::SamplingSource::Given(sampling),
        },
        &engine::CancelToken::new(),
        &mut |_| {
            tokens += 1;
            if holder.is_none() {
                // Holds the write lock for longer than the store's 5 s busy
                // timeout, then lets go (before the completing write gives up).
                let db = db.clone();
                holder = Some(std::thread::spawn(move || {
                    let other = rusqlite::Connection::open(&db).unwrap();
                    other.execute_batch("BEGIN IMMEDIATE").unwrap();
                    std::thread::sleep(Duration::from_millis(6_500));
                    other.execute_batch("COMMIT").unwrap();
                }));
                std::thread::sleep(Duration::from_millis(200));
            }
            // Slow reader: the autosave falls due while the lock is held.
            if tokens < 15 {
                std::thread::sleep(Duration::from_millis(100));
            }
        },
    );
    holder.unwrap().join().unwrap();
    let error = result.unwrap_err();
    assert_eq!(error.kind(), "ocupada", "{error}");

    let guard = pipeline::lock_store(&store);
    let drafts = guard.list(&store::ListQuery::default()).unwrap();
    assert_eq!(drafts.len(), 1);
    assert!(!drafts[0].interrupted);
    let versions = guard.versions(drafts[0].id).unwrap();
    assert_eq!(versions.len(), 1);
    let version = &versions[0];
    assert_eq!(version.state, store::VersionState::Completa);
    assert!(version
        .text
        .starts_with(&clinical::patient_line(&loaded.episode)));
    assert_eq!(version.timings.as_ref().unwrap()["error"], "ocupada");
    drop(guard);
    drop(store);

    // Nothing for the next open to find.
    let (_, report) = store::Store::open(&db, store::OpenOptions::default()).unwrap();
    assert!(report.interrupted.is_empty(), "{:?}", report.interrupted);
}

/// "Regenerar sección": the model rewrites one section of a version; the
/// new version keeps every other byte, records the section and the
/// instruction, and reuses the prompt prefix the engine already holds.
#[test]
fn one_section_is_rewritten_and_the_rest_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let engine = engine();
    let loaded = episode("episodes/neumonia.json");
    let (first, _) = pipeline::write_deterministic(
        &mut pipeline::lock_store(&store),
        &loaded,
        None,
        &pipeline::TemplateChoice::Id("general".into()),
    )
    .unwrap();
    assert_eq!(first.provenance.template.as_deref(), Some("general"));
    let sampling = engine::Sampling {
        max_new_tokens: 12,
        ..engine::Sampling::default()
    };
    // A whole generation first, as in the window: its prompt is the
    // section prompt's prefix.
    pipeline::generate_draft(
        &engine,
        &store,
        pipeline::DraftRequest {
            loaded: &loaded,
            current: Some(first.draft_id),
            profile: pipeline::ProfileChoice::Auto,
            template: pipeline::TemplateChoice::Id("general".into()),
            sampling: pipeline::SamplingSource::Given(sampling.clone()),
        },
        &engine::CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let mut streamed = String::new();
    let rewritten = pipeline::regenerate_section(
        &engine,
        &store,
        pipeline::SectionDraftRequest {
            draft: first.draft_id,
            version: first.number,
            section: clinical::Section::Evolucion,
            instruction: Some("más breve".into()),
            template: None,
            sampling: pipeline::SamplingSource::Given(sampling),
        },
        &engine::CancelToken::new(),
        &mut |delta| streamed.push_str(delta),
    )
    .unwrap();
    let version = &rewritten.version;
    assert_eq!((version.number, version.origin), (3, store::Origin::Modelo));
    assert_eq!(version.provenance.section.as_deref(), Some("evolucion"));
    assert_eq!(version.provenance.instruction.as_deref(), Some("más breve"));
    assert_eq!(version.provenance.template.as_deref(), Some("general"));
    assert_eq!(
        rewritten.generated.section,
        Some(clinical::Section::Evolucion)
    );
    let stats = &rewritten.generated.stats;
    eprintln!(
        "section rewrite: {} of {} prompt tokens reused from the whole generation",
        stats.reused_tokens, stats.prompt_tokens
    );
    assert!(stats.reused_tokens > 0, "{stats:?}");
    let before = clinical::sections::sections(&first.text);
    let after = clinical::sections::sections(&version.text);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.section, a.section);
        if a.section == clinical::Section::Evolucion {
            assert_eq!(
                &version.text[a.body.clone()],
                clinical::sections::section_reply(&streamed, a.section)
            );
        } else {
            assert_eq!(&first.text[b.body.clone()], &version.text[a.body.clone()]);
        }
    }
    // A section the text does not have is refused by name.
    let error = pipeline::regenerate_section(
        &engine,
        &store,
        pipeline::SectionDraftRequest {
            draft: first.draft_id,
            version: first.number,
            section: clinical::Section::Identificacion,
            instruction: None,
            template: None,
            sampling: pipeline::SamplingSource::Settings { seed: 1 },
        },
        &engine::CancelToken::new(),
        &mut |_| panic!("the model ran"),
    )
    .unwrap_err();
    assert_eq!(error.kind(), "seccion_inexistente");
    assert!(error.to_string().contains("«Identificación»"), "{error}");
}
