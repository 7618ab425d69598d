//! The app's own models folder, beside the database. The app references a
//! chosen model file where it is; it copies one here only when the
//! clinician asks (a model on a USB stick or a network share that will not
//! stay there). Multi-gigabyte copies report progress, can be cancelled,
//! and never leave a half-written model that looks whole.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::Error;

type Result<T> = std::result::Result<T, Error>;

/// The folder next to `db_path` that holds copied models.
pub fn folder(db_path: &Path) -> PathBuf {
    db_path.with_file_name("modelos")
}

/// Files the engine looks for beside a model, copied along with it so the
/// copy loads exactly like the original.
const COMPANIONS: [&str; 2] = ["tokenizer.json", "tokenizer_config.json"];

/// Bytes read between two progress reports (and cancellation checks).
const CHUNK: usize = 8 << 20;

/// Copies `model` (and the tokenizer files beside it) into its own
/// subfolder of `folder`, returning the copied model's path. `progress`
/// gets the bytes copied so far and the total, and returns `false` to
/// cancel, which removes the partial copy. A model already copied (same
/// name and size) is not copied again.
pub fn copy_model(
    model: &Path,
    folder: &Path,
    mut progress: impl FnMut(u64, u64) -> bool,
) -> Result<PathBuf> {
    let name = model.file_name().ok_or_else(|| Error::Copy {
        path: model.to_path_buf(),
        reason: "no es un archivo de modelo".into(),
    })?;
    let total = std::fs::metadata(model)
        .map_err(|e| Error::copy(model, &e))?
        .len();
    let home = folder.join(model.file_stem().unwrap_or(name));
    let target = home.join(name);
    if let Ok(existing) = std::fs::metadata(&target) {
        if existing.len() == total {
            progress(total, total);
            return Ok(target);
        }
        return Err(Error::Copy {
            path: target,
            reason: "ya existe un modelo distinto con ese nombre en la carpeta de modelos; renombre el archivo o borre el anterior".into(),
        });
    }
    std::fs::create_dir_all(&home).map_err(|e| Error::copy(&home, &e))?;
    let partial = home.join(format!("{}.parcial", name.to_string_lossy()));
    if let Err(error) = copy_file(model, &partial, total, &mut progress) {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_dir(&home);
        return Err(error);
    }
    std::fs::rename(&partial, &target).map_err(|e| Error::copy(&target, &e))?;
    if let Some(beside) = model.parent() {
        for companion in COMPANIONS {
            let source = beside.join(companion);
            if source.is_file() {
                let dest = home.join(companion);
                std::fs::copy(&source, &dest).map_err(|e| Error::copy(&dest, &e))?;
            }
        }
    }
    Ok(target)
}

/// Copies `from` into a new `to` in chunks, synced before it returns;
/// `Error::Cancelled` when `progress` asked to stop.
fn copy_file(
    from: &Path,
    to: &Path,
    total: u64,
    progress: &mut impl FnMut(u64, u64) -> bool,
) -> Result<()> {
    let mut source = File::open(from).map_err(|e| Error::copy(from, &e))?;
    let mut dest = File::create(to).map_err(|e| Error::copy(to, &e))?;
    let mut buffer = vec![0u8; CHUNK];
    let mut done = 0u64;
    if !progress(0, total) {
        return Err(Error::Cancelled);
    }
    loop {
        let read = source
            .read(&mut buffer)
            .map_err(|e| Error::copy(from, &e))?;
        if read == 0 {
            break;
        }
        dest.write_all(&buffer[..read])
            .map_err(|e| Error::copy(to, &e))?;
        done += read as u64;
        if !progress(done, total) {
            return Err(Error::Cancelled);
        }
    }
    dest.sync_all().map_err(|e| Error::copy(to, &e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn model_with_tokenizer(dir: &Path, bytes: usize) -> PathBuf {
        let source = dir.join("origen");
        std::fs::create_dir_all(&source).unwrap();
        let model = source.join("qwen.Q4_K_M.gguf");
        let content: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
        std::fs::write(&model, content).unwrap();
        std::fs::write(source.join("tokenizer.json"), "{}").unwrap();
        model
    }

    #[test]
    fn copies_the_model_and_its_tokenizer_with_rising_progress() {
        let dir = tempfile::tempdir().unwrap();
        let model = model_with_tokenizer(dir.path(), CHUNK * 2 + 17);
        let folder = folder(&dir.path().join("epicrisis.sqlite3"));
        let mut seen = Vec::new();
        let copy = copy_model(&model, &folder, |done, total| {
            seen.push((done, total));
            true
        })
        .unwrap();
        assert_eq!(copy, folder.join("qwen.Q4_K_M").join("qwen.Q4_K_M.gguf"));
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(&model).unwrap()
        );
        assert!(copy.with_file_name("tokenizer.json").is_file());
        let total = (CHUNK * 2 + 17) as u64;
        assert_eq!(seen.first(), Some(&(0, total)));
        assert_eq!(seen.last(), Some(&(total, total)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
        // The original stays where it was.
        assert!(model.is_file());

        // A second request finds the copy and does not copy again.
        let again = copy_model(&model, &folder, |_, _| true).unwrap();
        assert_eq!(again, copy);
    }

    #[test]
    fn a_cancelled_copy_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let model = model_with_tokenizer(dir.path(), CHUNK * 3);
        let folder = dir.path().join("modelos");
        let error = copy_model(&model, &folder, |done, _| done < CHUNK as u64).unwrap_err();
        assert!(matches!(error, Error::Cancelled), "{error}");
        assert!(!folder.join("qwen.Q4_K_M").exists());
    }

    #[test]
    fn refuses_to_overwrite_a_different_model_of_the_same_name() {
        let dir = tempfile::tempdir().unwrap();
        let model = model_with_tokenizer(dir.path(), 1000);
        let folder = dir.path().join("modelos");
        let home = folder.join("qwen.Q4_K_M");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(home.join("qwen.Q4_K_M.gguf"), b"otro").unwrap();
        let error = copy_model(&model, &folder, |_, _| true).unwrap_err();
        assert!(
            error.to_string().contains("ya existe un modelo distinto"),
            "{error}"
        );
        assert_eq!(
            std::fs::read(home.join("qwen.Q4_K_M.gguf")).unwrap(),
            b"otro"
        );
    }

    #[test]
    fn a_missing_model_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-esta.gguf");
        let error = copy_model(&missing, &dir.path().join("modelos"), |_, _| true).unwrap_err();
        assert!(error.to_string().contains("no-esta.gguf"), "{error}");
        assert!(error.to_string().contains("no existe"), "{error}");
    }
}
