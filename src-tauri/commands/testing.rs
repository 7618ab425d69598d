//! Commands on Tauri's mock runtime with a database of their own: the
//! same handler, state and capability as the window, without WebKit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

use crate::state::Desk;

pub struct MockApp {
    pub dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

impl MockApp {
    pub fn new() -> MockApp {
        let dir = tempfile::tempdir().unwrap();
        let mut desk = Desk::open(Some(dir.path().join("epicrisis.sqlite3")));
        let answers = dir.path().join("dialogos");
        std::fs::create_dir_all(&answers).unwrap();
        desk.dialog_answers = Some(answers);
        let app = crate::builder(mock_builder(), desk)
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("mock window builds");
        MockApp {
            dir,
            _app: app,
            webview,
        }
    }

    /// Where the file dialogs answer from (see `dialogs.rs`).
    pub fn dialog_dir(&self) -> PathBuf {
        self.dir.path().join("dialogos")
    }

    /// Invokes `command` with `args` as the UI would; `Err` carries the
    /// serialized `UiError` (or Tauri's own refusal).
    pub fn call(&self, command: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: command.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("static url"),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: tauri::test::INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize().expect("json response"))
    }

    pub fn ok(&self, command: &str, args: Value) -> Value {
        self.call(command, args)
            .unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    pub fn err(&self, command: &str, args: Value) -> Value {
        match self.call(command, args) {
            Ok(v) => panic!("{command} should fail, answered {v}"),
            Err(e) => e,
        }
    }
}

pub fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/episodes")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}
