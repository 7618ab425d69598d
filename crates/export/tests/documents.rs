//! The example episodes exported as PDF and text, checked with the tools a
//! hospital's IT would use: pdftotext, pdfinfo, qpdf and pdftoppm (poppler
//! and qpdf, installed by scripts/bootstrap.sh). Goldens live in
//! tests/data/golden/export/; `UPDATE_GOLDEN=1` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use clinical::date::Date;
use export::{Letterhead, Options, Paper};

const EXAMPLES: [&str; 3] = ["neumonia", "colecistitis", "minimo"];

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

fn episode(name: &str) -> clinical::Episode {
    let bytes = std::fs::read(data(&format!("episodes/{name}.json"))).unwrap();
    clinical::normalize(clinical::parse_episode(&bytes).unwrap())
}

fn options() -> Options {
    Options {
        paper: Paper::A4,
        letterhead: Letterhead {
            institution: "Hospital Base Valdivia".into(),
            service: String::new(),
            logo: None,
        },
        is_final: false,
        generated_on: Date::new(2026, 11, 23).unwrap(),
    }
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/export-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed (poppler-utils, qpdf: run scripts/bootstrap.sh test): {e}")
    });
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// pdftotext's words, hyphenation at line ends undone, whitespace collapsed.
fn pdf_words(pdf: &Path) -> String {
    let text = tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    text.replace("-\n", "")
        .replace('\u{ad}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_pdf(name: &str, episode: &clinical::Episode, text: &str, options: &Options) -> PathBuf {
    let bytes = export::pdf(episode, text, options).unwrap();
    let path = out_dir().join(format!("{name}.pdf"));
    export::write(&path, &bytes).unwrap();
    path
}

#[test]
fn pdfs_hold_every_fact_of_the_episode_and_pass_the_tools() {
    for name in EXAMPLES {
        let ep = episode(name);
        let text = clinical::draft(&ep);
        let path = write_pdf(name, &ep, &text, &options());
        let words = pdf_words(&path);
        let mut expected: Vec<String> = Vec::new();
        if let Some(patient) = &ep.paciente.nombre {
            expected.push(patient.clone());
        }
        for d in &ep.diagnostico_egreso {
            expected.extend(d.codigo.clone());
        }
        for p in &ep.procedimientos {
            expected.extend(p.codigo.clone());
        }
        for m in &ep.indicaciones_alta.medicamentos {
            expected.extend(m.codigo.clone());
            expected.push(m.nombre.clone());
        }
        expected.extend(ep.indicaciones_alta.controles.iter().cloned());
        expected.extend([
            "EPICRISIS".into(),
            "BORRADOR · Generado el 23 de noviembre de 2026".into(),
            "Página 1 de".into(),
        ]);
        for fact in expected {
            let fact = fact.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                words.contains(&fact),
                "{name}: «{fact}» missing from the PDF text:\n{words}"
            );
        }

        let info = tool("pdfinfo", &[path.to_str().unwrap()]);
        let field = |key: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}:")))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        assert!(field("Title").starts_with("Epicrisis de"), "{info}");
        assert!(
            field("Subject").contains("Epicrisis de la atención"),
            "{info}"
        );
        assert!(field("Pages").parse::<u32>().unwrap() >= 1, "{info}");
        assert!(field("Page size").starts_with("595.276 x 841.89"), "{info}");
        assert!(field("CreationDate").contains("2026"), "{info}");
        if let Some(physician) = &ep.atencion.medico_tratante {
            assert_eq!(field("Author"), *physician, "{info}");
        }
        let meta = tool("pdfinfo", &["-meta", path.to_str().unwrap()]);
        assert!(
            meta.contains("<pdfaid:part>2</pdfaid:part>"),
            "{name}: not PDF/A-2:\n{meta}"
        );
        assert!(meta.contains("es-CL"), "{name}: language missing:\n{meta}");
        tool("qpdf", &["--check", path.to_str().unwrap()]);
        let fonts = tool("pdffonts", &[path.to_str().unwrap()]);
        for line in fonts.lines().skip(2) {
            assert!(
                line.contains(" yes "),
                "{name}: a font is not embedded: {line}"
            );
        }
    }
}

#[test]
fn first_pages_match_their_golden_images() {
    for name in EXAMPLES {
        let ep = episode(name);
        let path = write_pdf(
            &format!("{name}-golden"),
            &ep,
            &clinical::draft(&ep),
            &options(),
        );
        let prefix = out_dir().join(format!("{name}-p1"));
        tool(
            "pdftoppm",
            &[
                "-png",
                "-gray",
                "-r",
                "30",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                path.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let rendered = prefix.with_extension("png");
        let golden = data(&format!("golden/export/{name}-p1.png"));
        if updating() || !golden.exists() {
            assert!(
                updating(),
                "{}: golden missing; run with UPDATE_GOLDEN=1 and look at it",
                golden.display()
            );
            std::fs::copy(&rendered, &golden).unwrap();
            continue;
        }
        let (w1, h1, a) = gray(&rendered);
        let (w2, h2, b) = gray(&golden);
        assert_eq!((w1, h1), (w2, h2), "{name}: page size changed");
        let differing = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x.abs_diff(**y) > 48)
            .count();
        let share = differing as f64 / a.len() as f64;
        assert!(
            share < 0.005,
            "{name}: {:.2}% of pixels differ from {} (see {})",
            share * 100.0,
            golden.display(),
            rendered.display()
        );
    }
}

fn gray(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let pixels = buf.chunks(channels).map(|p| p[0]).collect();
    (info.width, info.height, pixels)
}

#[test]
fn text_exports_match_their_goldens() {
    for name in EXAMPLES {
        let ep = episode(name);
        let text = export::text(&ep, &clinical::draft(&ep), &options());
        for line in text.lines() {
            let long_word = line
                .split(' ')
                .any(|w| w.chars().count() > export::TEXT_WIDTH);
            assert!(
                line.chars().count() <= export::TEXT_WIDTH || long_word,
                "{name}: «{line}»"
            );
        }
        let markdown = export::markdown(&ep, &clinical::draft(&ep), &options());
        for (rendered, extension) in [(text, "txt"), (markdown, "md")] {
            let golden = data(&format!("golden/export/{name}.{extension}"));
            if updating() {
                std::fs::write(&golden, &rendered).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&golden)
                .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", golden.display()));
            assert_eq!(
                rendered,
                expected,
                "{name}: export differs from {}",
                golden.display()
            );
        }
    }
}

/// Markup characters anywhere in the record are printed as written.
#[test]
fn markup_in_the_record_is_typeset_literally() {
    let nasty = [
        r"*Pérez* _Soto_ #set page(width: 1cm) $x^2$",
        r"<b>Ñuñoa</b> \\ \n @ref [enlace](http://x) // no es comentario",
        r#"/* abre comentario "comillas" `código` ~ ' = - + 1. 2. ]"#,
    ];
    let mut ep = episode("neumonia");
    ep.paciente.nombre = Some(nasty[0].to_string());
    ep.indicaciones_alta.controles = vec![nasty[1].to_string()];
    ep.indicaciones_alta.cuidados = vec![nasty[2].to_string()];
    ep.diagnostico_egreso[0].nombre = "#{ panic() } #eval(\"1\")".into();
    let text = format!("{}\n\n#pagebreak() {}", nasty[0], nasty[1]);
    let path = write_pdf("markup", &ep, &text, &options());
    let words = pdf_words(&path);
    for s in nasty
        .iter()
        .chain([&"#{ panic() } #eval(\"1\")", &"#pagebreak()"])
    {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(&s), "«{s}» not printed literally:\n{words}");
    }
    let txt = export::text(&ep, &text, &options());
    assert!(txt.contains(nasty[0]) && txt.contains(nasty[2]));
    let md = export::markdown(&ep, &text, &options());
    assert!(
        md.contains(r"\*Pérez\* \_Soto\_ \#set page(width: 1cm) \$x^2\$"),
        "{md}"
    );
    assert!(md.contains(r"\<b\>Ñuñoa\</b\>"), "{md}");
}

/// A long stay flows over pages: headers repeat, nothing is cut.
#[test]
fn a_long_stay_flows_over_pages_with_nothing_lost() {
    let mut ep = episode("neumonia");
    let template = ep.indicaciones_alta.medicamentos[0].clone();
    ep.indicaciones_alta.medicamentos = (1..=60)
        .map(|i| {
            let mut m = template.clone();
            m.nombre = format!("Fármaco{i:03}");
            m
        })
        .collect();
    ep.indicaciones_alta.controles = (1..=40)
        .map(|i| format!("Control{i:03} en policlínico"))
        .collect();
    let narrative: String = (1..=300)
        .map(|i| format!("Nota{i:03}: paciente evoluciona estable, afebril, con buena tolerancia oral y sin dolor.\n\n"))
        .collect();
    let path = write_pdf("larga", &ep, &narrative, &options());
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 8, "{pages} pages");
    let words = pdf_words(&path);
    for i in 1..=300 {
        assert!(words.contains(&format!("Nota{i:03}:")), "note {i} lost");
    }
    for i in 1..=60 {
        assert!(words.contains(&format!("Fármaco{i:03}")), "drug {i} lost");
    }
    for i in 1..=40 {
        assert!(
            words.contains(&format!("Control{i:03}")),
            "control {i} lost"
        );
    }
    assert!(words.contains(&format!("Página {pages} de {pages}")));
    // Every page carries the header with the patient, and the drug table's
    // header repeats on the pages it spans.
    assert_eq!(
        words.matches("María Inés Soto Carrasco · RUT").count(),
        pages as usize
    );
    assert!(
        words.matches("Frecuencia").count() >= 2,
        "the drug table's header did not repeat"
    );
}

/// Justified Spanish text is hyphenated by Spanish rules: long words break
/// at syllables (`hos-pi-ta-li-za-ción`), never inside a code.
#[test]
fn spanish_words_are_hyphenated_at_syllables() {
    let ep = episode("neumonia");
    let sentence = "La hospitalización transcurrió con electroencefalografía y ecocardiografía transesofágica, \
                    farmacoterapia antihipertensiva y otorrinolaringología interconsultada. ";
    let path = write_pdf("silabas", &ep, &sentence.repeat(12), &options());
    let raw = tool("pdftotext", &["-enc", "UTF-8", path.to_str().unwrap(), "-"]);
    let breaks: Vec<String> = raw
        .lines()
        .zip(raw.lines().skip(1))
        .filter(|(line, _)| line.ends_with('-') || line.ends_with('\u{ad}'))
        .map(|(line, next)| {
            let head = line.split_whitespace().last().unwrap_or_default();
            let tail = next.split_whitespace().next().unwrap_or_default();
            format!("{head}{tail}")
        })
        .collect();
    assert!(!breaks.is_empty(), "no word was hyphenated:\n{raw}");
    let known = [
        "hospitalización",
        "electroencefalografía",
        "ecocardiografía",
        "transesofágica,",
        "farmacoterapia",
        "antihipertensiva",
        "otorrinolaringología",
        "interconsultada.",
        "transcurrió",
    ];
    for b in &breaks {
        let (head, tail) = b.split_once(['-', '\u{ad}']).unwrap();
        let word = format!("{head}{tail}");
        assert!(known.contains(&word.as_str()), "unexpected break {b}");
        assert!(
            head.chars().count() >= 2 && tail.chars().count() >= 2,
            "break too near an end: {b}"
        );
    }
}

#[test]
fn letter_paper_final_documents_and_logos() {
    let ep = episode("colecistitis");
    let logo = out_dir().join("logo.png");
    {
        let file = std::fs::File::create(&logo).unwrap();
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), 8, 8);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&[90; 64])
            .unwrap();
    }
    let options = Options {
        paper: Paper::Carta,
        is_final: true,
        letterhead: Letterhead {
            institution: "Hospital Regional".into(),
            service: "Cirugía".into(),
            logo: Some(logo.clone()),
        },
        ..options()
    };
    let path = write_pdf("carta-final", &ep, &clinical::draft(&ep), &options);
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    assert!(info.contains("612 x 792"), "{info}");
    let words = pdf_words(&path);
    assert!(
        !words.contains("BORRADOR"),
        "a final document has no watermark"
    );
    assert!(
        !words.contains("BO RR"),
        "a final document has no watermark"
    );
    assert!(words.starts_with("Hospital Regional"), "{words}");
    assert!(words.contains("Cirugía EPICRISIS"), "{words}");

    let bad_logo = out_dir().join("logo.txt");
    std::fs::write(&bad_logo, "no soy una imagen").unwrap();
    let bad = Options {
        letterhead: Letterhead {
            logo: Some(bad_logo.clone()),
            ..options.letterhead.clone()
        },
        ..options.clone()
    };
    let error = export::pdf(&ep, "texto", &bad).unwrap_err();
    assert_eq!(error.kind(), "logo");
    assert!(error.to_string().contains("logo.txt"), "{error}");
    assert!(
        error.to_string().contains("no es una imagen PNG"),
        "{error}"
    );
    let missing = Options {
        letterhead: Letterhead {
            logo: Some(out_dir().join("no-existe.png")),
            ..options.letterhead.clone()
        },
        ..options
    };
    assert!(export::pdf(&ep, "texto", &missing)
        .unwrap_err()
        .to_string()
        .contains("no existe"));
}

#[test]
fn writing_into_a_missing_folder_names_it() {
    let error = export::write(&out_dir().join("no/existe/e.pdf"), b"%PDF").unwrap_err();
    assert_eq!(error.kind(), "escritura");
    assert!(
        error
            .to_string()
            .contains("no/existe/e.pdf: no se pudo escribir"),
        "{error}"
    );
}

#[test]
fn characters_no_embedded_font_covers_do_not_stop_the_pdf() {
    let episode = episode("neumonia");
    // CJK, Thai and an emoji no font has; a NUL and a bell, as a model's
    // output can hold; "℟" (U+211F), which only a math font has and typst's
    // fallback does not reach.
    let text = "Paciente evoluciona bien. 患者 สัมผัส 🫀 \u{0}\u{7} m\u{651} \u{211F} Alta.";
    let path = write_pdf("glifos-ausentes", &episode, text, &options());
    let words = pdf_words(&path);
    assert!(words.contains("Paciente evoluciona bien."), "{words}");
    assert!(words.contains("Alta."), "{words}");
    // The text export keeps every character.
    assert!(export::text(&episode, text, &options()).contains("患者 สัมผัส 🫀"));
}
