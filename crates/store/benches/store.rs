//! Store benchmark on 100,000 drafts: the first page of the list, full-text
//! searches and saving a version, each as median and p99 over repeated
//! runs. Prints figures; asserts nothing (targets: list < 20 ms, search
//! < 50 ms, save < 5 ms).
//!
//! ```text
//! cargo bench -p store --bench store            # 100,000 drafts
//! EPICRISIS_BENCH_DRAFTS=10000 cargo bench -p store --bench store
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rusqlite::params;
use store::{ListQuery, NewVersion, OpenOptions, Origin, Store};

const GIVEN: &[&str] = &[
    "María",
    "José",
    "Ana",
    "Jorge",
    "Ñusta",
    "Camila",
    "Pedro",
    "Inés",
    "Luis",
    "Valentina",
    "Andrés",
    "Sofía",
    "Tomás",
    "Francisca",
    "Héctor",
    "Rosa",
];
const FAMILY: &[&str] = &[
    "Muñoz",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
    "Morales",
    "Rodríguez",
    "López",
    "Fuentes",
    "Hernández",
    "Torres",
    "Araya",
    "Flores",
    "Espinoza",
    "Valenzuela",
    "Castillo",
    "Tapia",
    "Reyes",
    "Gutiérrez",
    "Castro",
    "Pizarro",
    "Álvarez",
    "Vásquez",
    "Sánchez",
    "Fernández",
    "Ramírez",
    "Carrasco",
    "Gómez",
    "Cortés",
    "Herrera",
    "Núñez",
];
const DIAGNOSES: &[&str] = &[
    "Neumonía adquirida en la comunidad (J18.9)",
    "Pielonefritis aguda (N10)",
    "Colecistitis aguda (K81.0)",
    "Insuficiencia cardiaca descompensada (I50.0)",
    "Celulitis de extremidad inferior (L03.1)",
    "Diabetes mellitus tipo 2 descompensada (E11.6)",
    "Accidente cerebrovascular isquémico (I63.9)",
    "Hemorragia digestiva alta (K92.2)",
    "EPOC exacerbado (J44.1)",
    "Apendicitis aguda (K35.8)",
    "Fractura de cadera (S72.0)",
    "Infección urinaria (N39.0)",
];
const COURSE: &[&str] = &[
    "Evoluciona afebril desde el tercer día de tratamiento antibiótico.",
    "Se ajusta esquema de insulina con buen control glicémico.",
    "Tolera régimen oral sin náuseas ni vómitos.",
    "Control de laboratorio muestra descenso de parámetros inflamatorios.",
    "Se realiza ecografía que descarta complicaciones.",
    "Kinesioterapia respiratoria diaria con buena respuesta.",
    "Sin requerimientos de oxígeno al alta.",
    "Se educa a la familia sobre signos de alarma.",
];

struct Rng(u64);
impl Rng {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        list[(self.0 % list.len() as u64) as usize]
    }
}

fn main() {
    let drafts: usize = std::env::var("EPICRISIS_BENCH_DRAFTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite3");
    let options = OpenOptions {
        actor: "bench".into(),
        daily_backup: false,
        keep_backups: 7,
    };
    // The schema comes from the store; the bulk rows go in through SQL in
    // one transaction, since 100,000 audited single commits would take
    // minutes and measure nothing of interest.
    drop(Store::open(&path, options.clone()).unwrap());
    let started = Instant::now();
    fill(&path, drafts);
    let fill_time = started.elapsed();
    let (mut store, _) = Store::open(&path, options).unwrap();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "store benchmark: {drafts} drafts, database {:.0} MB, filled in {:.1} s",
        size as f64 / 1e6,
        fill_time.as_secs_f64()
    );

    let first_page = ListQuery::default();
    report("list: first page (50, newest first)", 200, || {
        assert_eq!(store.list(&first_page).unwrap().len(), 50);
    });
    let reviewed = ListQuery {
        status: Some(store::Status::Revisado),
        ..Default::default()
    };
    report("list: first page, status revisado", 200, || {
        store.list(&reviewed).unwrap();
    });
    for q in [
        "munoz",
        "pielonefritis",
        "neumonia comunidad",
        "nusta pena",
        "12.3",
    ] {
        let query = ListQuery {
            search: Some(q.into()),
            ..Default::default()
        };
        let hits = store.list(&query).unwrap().len();
        report(&format!("search «{q}» ({hits} on the page)"), 100, || {
            store.list(&query).unwrap();
        });
    }
    let target = store.list(&first_page).unwrap()[0].id;
    let mut i = 0;
    let mut save = || {
        i += 1;
        let text = format!("Edición {i}. {}", COURSE.join(" ")).repeat(3);
        store
            .add_version(
                target,
                Origin::Edicion,
                NewVersion {
                    text,
                    ..Default::default()
                },
            )
            .unwrap();
    };
    report(
        "save a version (transaction, audit, reindex, fsync)",
        300,
        &mut save,
    );
}

fn fill(path: &std::path::Path, drafts: usize) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let tx = conn.transaction().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let base = 1_767_225_600_000_i64; // 2026-01-01
    for n in 0..drafts {
        let name = format!(
            "{} {} {} {}",
            rng.pick(GIVEN),
            rng.pick(GIVEN),
            rng.pick(FAMILY),
            rng.pick(FAMILY)
        );
        let rut_number = 5_000_000 + (n as i64 * 7919) % 20_000_000;
        let rut = format!(
            "{}.{:03}.{:03}-{}",
            rut_number / 1_000_000,
            rut_number / 1000 % 1000,
            rut_number % 1000,
            n % 10
        );
        let diagnosis = rng.pick(DIAGNOSES);
        let text = format!(
            "Paciente {name}, hospitalizado por {diagnosis}. {} {} {} {} Se indica alta con controles en policlínico.",
            rng.pick(COURSE),
            rng.pick(COURSE),
            rng.pick(COURSE),
            rng.pick(COURSE)
        )
        .repeat(3);
        let at = base + n as i64 * 60_000;
        let status = ["borrador", "revisado", "final"][n % 3];
        tx.execute(
            "INSERT INTO episodes (id_atencion, patient_name, rut, admission_date, discharge_date,
             diagnoses, json, created_at) VALUES (?1, ?2, ?3, '2026-01-01', '2026-01-05', ?4, '{}', ?5)",
            params![format!("B-{n}"), name, rut, diagnosis, at],
        )
        .unwrap();
        let episode = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO drafts (episode_id, status, created_at, updated_at) VALUES (?1, 'borrador', ?2, ?2)",
            params![episode, at],
        )
        .unwrap();
        let draft = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO versions (draft_id, number, origin, text, created_at, updated_at)
             VALUES (?1, 1, 'modelo', ?2, ?3, ?3)",
            params![draft, text, at],
        )
        .unwrap();
        tx.execute(
            "UPDATE drafts SET status = ?2 WHERE id = ?1",
            params![draft, status],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO search (rowid, patient, rut, diagnoses, text) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                draft,
                name,
                format!("{rut} {}", rut.replace(['.', '-'], "")),
                diagnosis,
                text
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn report(what: &str, runs: usize, mut f: impl FnMut()) {
    f(); // warm the page cache and the statement cache
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what:<58} median {:>7.2} ms   p99 {:>7.2} ms",
        ms(times[runs / 2]),
        ms(times[(runs * 99 / 100).min(runs - 1)])
    );
}
