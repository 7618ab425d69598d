//! Which weights wrote a text: the model file's SHA-256, stored with every
//! generated version. Hashing a 1 GB file takes about a second, so it runs
//! on its own thread after the load (the load itself is not slower), and
//! the result is kept per path, size and modification time for the rest of
//! the process, so reloading the same file does not hash it again.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The hex SHA-256 of a file, read in 1 MiB pieces.
pub fn sha256_file(path: &Path) -> Result<String> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What identifies a file's contents without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    path: PathBuf,
    size: u64,
    modified: Option<SystemTime>,
}

impl Key {
    fn of(path: &Path) -> Option<Key> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Key {
            path: path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
            size: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

fn cache() -> &'static Mutex<HashMap<Key, String>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, String>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// [`sha256_file`], remembered per path, size and modification time.
pub fn sha256_cached(path: &Path) -> Result<String> {
    let key = Key::of(path);
    if let Some(key) = &key {
        let known = cache().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(hash) = known.get(key) {
            return Ok(hash.clone());
        }
    }
    let hash = sha256_file(path)?;
    if let Some(key) = key {
        cache()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, hash.clone());
    }
    Ok(hash)
}

/// A hash being computed in the background.
#[derive(Debug)]
pub struct Fingerprint {
    pending: Mutex<Option<Receiver<Option<String>>>>,
    value: OnceLock<Option<String>>,
}

impl Fingerprint {
    /// Starts hashing `path` on a thread of its own.
    pub fn start(path: &Path) -> Fingerprint {
        let (tx, rx) = mpsc::channel();
        let path = path.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("epicrisis-huella".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let hash = sha256_cached(&path);
                match &hash {
                    Ok(_) => log::info!(
                        "model fingerprint computed in {} ms",
                        started.elapsed().as_millis()
                    ),
                    Err(e) => log::warn!("model fingerprint failed: {e}"),
                }
                let _ = tx.send(hash.ok());
            });
        let value = OnceLock::new();
        if spawned.is_err() {
            let _ = value.set(None);
        }
        Fingerprint {
            pending: Mutex::new(Some(rx)),
            value,
        }
    }

    /// The hex SHA-256, waiting for the hash if it is still running;
    /// `None` when the file could not be read again.
    pub fn wait(&self) -> Option<String> {
        self.value
            .get_or_init(|| {
                let rx = self
                    .pending
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                rx.and_then(|rx| rx.recv().ok().flatten())
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_known_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, b"abc").unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_file(&path).unwrap(), abc);
        assert_eq!(Fingerprint::start(&path).wait().as_deref(), Some(abc));
        // Larger than one read, not a multiple of it.
        let big = vec![7u8; (1 << 20) * 2 + 5];
        std::fs::write(&path, &big).unwrap();
        let direct = hex(&Sha256::digest(&big));
        assert_eq!(sha256_file(&path).unwrap(), direct);
    }

    #[test]
    fn a_changed_file_is_hashed_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, b"uno").unwrap();
        let first = sha256_cached(&path).unwrap();
        assert_eq!(sha256_cached(&path).unwrap(), first);
        // Another size: another key, whatever the clock's resolution.
        std::fs::write(&path, b"otro").unwrap();
        let second = sha256_cached(&path).unwrap();
        assert_ne!(first, second);
        assert_eq!(second, sha256_file(&path).unwrap());
    }

    #[test]
    fn a_missing_file_has_no_fingerprint() {
        let print = Fingerprint::start(Path::new("/no/existe.gguf"));
        assert_eq!(print.wait(), None);
        assert_eq!(print.wait(), None);
    }
}
