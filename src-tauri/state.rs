//! What the shell holds between commands: the open store, the loaded model,
//! and the tokens that stop the load or generation in progress.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::{UiError, UiResult};

pub type SharedStore = Arc<Mutex<store::Store>>;

pub struct Desk {
    store: Result<SharedStore, UiError>,
    /// What opening the database found (interrupted generations, a file
    /// moved aside), for the UI to tell the clinician once.
    pub opened: Option<store::OpenReport>,
    pub db_path: Option<PathBuf>,
    engine: Mutex<Option<Arc<engine::Engine>>>,
    loading: Mutex<Option<engine::CancelToken>>,
    generating: Mutex<Option<engine::CancelToken>>,
    /// Answers for the file dialogs when the end-to-end tests drive the
    /// window (see `dialogs.rs`).
    pub dialog_answers: Option<PathBuf>,
}

/// A poisoned lock only means another command panicked; the data behind
/// it (a handle, a token) is still whole.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Desk {
    /// Opens the database where `store::location` says; a failure is kept
    /// and shown by every command that needs the store, so the window still
    /// opens and explains.
    pub fn open(db_path: Option<PathBuf>) -> Desk {
        let opened = store::location::resolve(db_path.as_deref())
            .map_err(UiError::from)
            .and_then(|path| {
                let (store, report) = store::Store::open(&path, store::OpenOptions::default())?;
                Ok((path, store, report))
            });
        let dialog_answers = std::env::var_os("EPICRISIS_E2E_DIALOGS")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        match opened {
            Ok((path, store, report)) => Desk {
                store: Ok(Arc::new(Mutex::new(store))),
                opened: Some(report),
                db_path: Some(path),
                engine: Mutex::new(None),
                loading: Mutex::new(None),
                generating: Mutex::new(None),
                dialog_answers,
            },
            Err(error) => Desk {
                store: Err(error),
                opened: None,
                db_path: None,
                engine: Mutex::new(None),
                loading: Mutex::new(None),
                generating: Mutex::new(None),
                dialog_answers,
            },
        }
    }

    /// Where models are copied on request: beside the database, so there
    /// is none when the database could not be opened.
    pub fn models_folder(&self) -> Option<PathBuf> {
        self.db_path.as_deref().map(pipeline::model_folder::folder)
    }

    pub fn store(&self) -> UiResult<SharedStore> {
        self.store.clone()
    }

    /// Runs `f` with the store locked.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut store::Store) -> Result<T, UiError>,
    ) -> UiResult<T> {
        let store = self.store()?;
        let mut guard = lock(&store);
        f(&mut guard)
    }

    pub fn engine(&self) -> Option<Arc<engine::Engine>> {
        lock(&self.engine).clone()
    }

    pub fn set_engine(&self, engine: Option<Arc<engine::Engine>>) {
        *lock(&self.engine) = engine;
    }

    /// Claims the load slot; `None` when a load is already running.
    pub fn start_loading(&self) -> Option<engine::CancelToken> {
        claim(&self.loading)
    }

    pub fn finish_loading(&self) {
        lock(&self.loading).take();
    }

    pub fn cancel_loading(&self) -> bool {
        cancel(&self.loading)
    }

    /// Claims the generation slot; `None` when one is already running.
    pub fn start_generating(&self) -> Option<engine::CancelToken> {
        claim(&self.generating)
    }

    pub fn finish_generating(&self) {
        lock(&self.generating).take();
    }

    pub fn cancel_generating(&self) -> bool {
        cancel(&self.generating)
    }
}

fn claim(slot: &Mutex<Option<engine::CancelToken>>) -> Option<engine::CancelToken> {
    let mut slot = lock(slot);
    if slot.is_some() {
        return None;
    }
    let token = engine::CancelToken::new();
    *slot = Some(token.clone());
    Some(token)
}

fn cancel(slot: &Mutex<Option<engine::CancelToken>>) -> bool {
    match lock(slot).as_ref() {
        Some(token) => {
            token.cancel();
            true
        }
        None => false,
    }
}
