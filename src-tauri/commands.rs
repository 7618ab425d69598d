//! Commands the UI invokes. Each one is listed in `command_names.rs` and
//! granted in `capabilities/main.json`; a test keeps the three in step.

use serde::Serialize;

/// What the header shows about the running build.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

#[tauri::command]
pub fn app_info<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    fn invoke(command: &str) -> serde_json::Value {
        let app = crate::builder(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("mock window builds");
        let response = get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: command.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("static url"),
                body: tauri::ipc::InvokeBody::default(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .expect("command answers");
        response.deserialize().expect("json response")
    }

    #[test]
    fn app_info_reports_the_package_version() {
        let info = invoke("app_info");
        assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
        assert!(info["name"].as_str().is_some_and(|name| !name.is_empty()));
    }

    #[test]
    fn capability_lists_every_command_and_nothing_else() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("capabilities/main.json")).expect("valid JSON");
        let granted: Vec<&str> = capability["permissions"]
            .as_array()
            .expect("permissions list")
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .collect();
        // Tauri derives `allow-app-info` from the command `app_info`.
        let mut expected: Vec<String> = crate::COMMANDS
            .iter()
            .map(|c| c.replace('_', "-"))
            .collect();
        expected.sort_unstable();
        let mut granted: Vec<String> = granted.into_iter().map(String::from).collect();
        granted.sort_unstable();
        assert_eq!(granted, expected);
        for command in crate::COMMANDS {
            // Every listed command must be registered with the handler too.
            let _ = invoke(command);
        }
    }

    #[test]
    fn capability_grants_no_network_shell_or_filesystem_plugin() {
        let capability = include_str!("capabilities/main.json");
        for forbidden in ["http:", "shell:", "fs:", "opener:", "updater:"] {
            assert!(
                !capability.contains(forbidden),
                "capability grants {forbidden}"
            );
        }
    }
}
