//! The one error type the UI sees: a stable `kind` to branch on and a
//! Spanish `message` written for the clinician. Every library error is
//! turned into it here, so no Rust text or backtrace reaches the window.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiError {
    pub kind: String,
    pub message: String,
}

impl UiError {
    /// Logs the kind only: a message can quote a file name or a field's
    /// value, and neither may reach the log.
    pub fn new(kind: &str, message: impl Into<String>) -> UiError {
        if kind != "cancelado" {
            log::warn!("error returned to the window: {kind}");
        }
        UiError {
            kind: kind.to_string(),
            message: message.into(),
        }
    }

    /// The user closed a dialog without choosing: not a failure, but the
    /// command has nothing to do.
    pub fn cancelled() -> UiError {
        UiError::new("cancelado", "Operación cancelada.")
    }

    pub fn no_model() -> UiError {
        UiError::new(
            "sin_modelo",
            "No hay un modelo cargado: elija uno con «Elegir modelo…» o use «Borrador determinista».",
        )
    }

    pub fn busy(what: &str) -> UiError {
        UiError::new("ocupado", format!("Espere: {what}."))
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<pipeline::Error> for UiError {
    fn from(error: pipeline::Error) -> Self {
        UiError::new(error.kind(), error.to_string())
    }
}

impl From<store::Error> for UiError {
    fn from(error: store::Error) -> Self {
        UiError::new(error.kind(), error.to_string())
    }
}

impl From<engine::Error> for UiError {
    fn from(error: engine::Error) -> Self {
        UiError::new(error.kind(), error.to_string())
    }
}

impl From<import::Error> for UiError {
    fn from(error: import::Error) -> Self {
        UiError::new(error.kind(), error.to_string())
    }
}

pub type UiResult<T> = Result<T, UiError>;
