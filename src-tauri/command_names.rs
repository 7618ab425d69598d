// The commands the shell exposes to the UI. Included by build.rs (to generate
// one `allow-<name>` permission each) and by lib.rs (to test that the
// capability grants exactly these), so the two can never drift apart.
pub const COMMANDS: &[&str] = &["app_info"];
