//! The PDF renderer: typst as a library, with the fonts compiled into the
//! binary (typst-assets), so the output is the same on a machine with no
//! fonts installed. The template reads its data from a virtual JSON file;
//! nothing from the episode is ever typst source.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::document::Document;
use crate::error::{Error, Result};

const TEMPLATE: &str = include_str!("epicrisis.typ");
const DATA_PATH: &str = "/datos.json";
const LOGO_PATH: &str = "/logo";

/// Fonts and the standard library, loaded once per process: this is what
/// makes every PDF after the first fast.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

impl Shared {
    /// Whether an embedded font has a glyph for `c`. PDF/A forbids the
    /// empty "missing glyph" box, so typst refuses the whole document over
    /// one character no font covers (a CJK name, an emoji pasted in).
    /// Control characters (a NUL in a model's output) count as uncovered even
    /// where a font maps them to an empty glyph: PDF/A refuses them.
    fn covers(&self, c: char) -> bool {
        c.is_whitespace()
            || !c.is_control()
                && !combining_outside_latin(c)
                && self
                    .fonts
                    .iter()
                    .any(|f| f.info().coverage.contains(c as u32))
    }
}

/// Combining marks of scripts the embedded fonts do not shape (Arabic,
/// Hebrew, Thai, the extended and symbol blocks): a font may have the mark
/// yet not the cluster it makes with the letter before ("m" + U+0651), and
/// PDF/A then refuses the document. Latin accents (U+0300–U+036F) stay.
fn combining_outside_latin(c: char) -> bool {
    matches!(
        c as u32,
        0x0483..=0x0489
            | 0x0591..=0x05C7
            | 0x0610..=0x061A
            | 0x064B..=0x065F
            | 0x0670
            | 0x06D6..=0x06ED
            | 0x0E31
            | 0x0E34..=0x0E3A
            | 0x0E47..=0x0E4E
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x20D0..=0x20FF
            | 0xFE20..=0xFE2F
    )
}

/// Replaces, in every string of the document's data, the characters no
/// embedded font can show with U+FFFD (or "?" where even that is missing),
/// so the PDF is made and the gap is visible; the text export keeps them.
fn replace_uncovered(value: &mut serde_json::Value, covers: &dyn Fn(char) -> bool) {
    match value {
        serde_json::Value::String(text) if text.chars().any(|c| !covers(c)) => {
            let placeholder = if covers('\u{FFFD}') { '\u{FFFD}' } else { '?' };
            *text = text
                .chars()
                .map(|c| if covers(c) { c } else { placeholder })
                .collect();
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| replace_uncovered(v, covers))
        }
        serde_json::Value::Object(map) => {
            map.values_mut().for_each(|v| replace_uncovered(v, covers))
        }
        _ => {}
    }
}

struct ExportWorld {
    main: Source,
    data: Bytes,
    logo: Option<Bytes>,
    today: Datetime,
    shared: &'static Shared,
}

impl World for ExportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let path = id.vpath().as_rooted_path();
        if path == std::path::Path::new(DATA_PATH) {
            return Ok(self.data.clone());
        }
        match &self.logo {
            Some(logo) if path == std::path::Path::new(LOGO_PATH) => Ok(logo.clone()),
            _ => Err(FileError::NotFound(path.into())),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Typesets the document as PDF/A-2b.
///
/// A font's coverage table is not the last word: typst may still leave a
/// character on a font without its glyph (its fallback does not search every
/// font, e.g. "℟" U+211F, which only a math font has), and PDF/A then refuses
/// the whole document. The characters it names are replaced like the ones
/// no font covers and the document is made again, a few times at most.
pub fn render(document: &Document) -> Result<Vec<u8>> {
    let mut refused: Vec<char> = Vec::new();
    loop {
        match render_once(document, &refused) {
            Err(Error::Typeset(message)) if refused.len() < 64 => {
                let named = undisplayable(&message);
                if named.is_empty() || named.iter().all(|c| refused.contains(c)) {
                    return Err(Error::Typeset(message));
                }
                refused.extend(named);
            }
            other => return other,
        }
    }
}

/// The characters of typst's "the text `\"…\"` could not be displayed"
/// messages.
fn undisplayable(message: &str) -> Vec<char> {
    let mut out = Vec::new();
    for part in message.split("the text `").skip(1) {
        if let Some(end) = part.find("` could not be displayed") {
            let quoted = &part[..end];
            let inner = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .unwrap_or(quoted);
            out.extend(inner.chars().filter(|c| !c.is_whitespace()));
        }
    }
    out
}

fn render_once(document: &Document, refused: &[char]) -> Result<Vec<u8>> {
    let logo = match &document.logo {
        None => None,
        Some(path) => Some(Bytes::new(read_logo(path)?)),
    };
    let mut value = serde_json::to_value(document).map_err(|e| Error::Typeset(e.to_string()))?;
    replace_uncovered(&mut value, &|c| !refused.contains(&c) && shared().covers(c));
    let data = serde_json::to_vec(&value).map_err(|e| Error::Typeset(e.to_string()))?;
    let meta = &document.metadata;
    let today = Datetime::from_ymd(meta.year, meta.month as u8, meta.day as u8)
        .ok_or_else(|| Error::Typeset(format!("fecha inválida {}", document.generated_on)))?;
    let world = ExportWorld {
        main: Source::new(
            FileId::new(None, VirtualPath::new("/epicrisis.typ")),
            TEMPLATE.to_string(),
        ),
        data: Bytes::new(data),
        logo,
        today,
        shared: shared(),
    };
    let compiled = typst::compile::<typst::layout::PagedDocument>(&world).output;
    // Keep typst's memoisation bounded in a long-running app.
    typst::comemo::evict(10);
    let paged = compiled.map_err(|errors| Error::Typeset(messages(&errors)))?;
    let standards = typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b])
        .map_err(|e| Error::Typeset(e.to_string()))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(&meta.subject),
        timestamp: Some(typst_pdf::Timestamp::new_utc(today)),
        standards,
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&paged, &options).map_err(|errors| Error::Typeset(messages(&errors)))
}

/// typst repeats a message per occurrence; the clinician needs each once.
fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for error in errors {
        let message = error.message.to_string();
        if !seen.contains(&message) {
            seen.push(message);
        }
    }
    let more = seen.len().saturating_sub(3);
    seen.truncate(3);
    let mut text = seen.join("; ");
    if more > 0 {
        text.push_str(&format!(" (y {more} problemas más)"));
    }
    text
}

/// Reads the logo and checks it is an image typst can place, so that a
/// wrong file gets a message naming it rather than a typesetting error.
fn read_logo(path: &std::path::Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::Logo {
        path: path.to_path_buf(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "el archivo no existe; elija otro en Ajustes".into(),
            std::io::ErrorKind::IsADirectory => "es una carpeta; elija una imagen".into(),
            _ => e.to_string(),
        },
    })?;
    let known = bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"GIF8")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
        || String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).contains("<svg");
    if !known {
        return Err(Error::Logo {
            path: path.to_path_buf(),
            reason: "no es una imagen PNG, JPEG, GIF, SVG ni WebP".into(),
        });
    }
    Ok(bytes)
}
