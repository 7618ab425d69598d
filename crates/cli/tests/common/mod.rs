//! What every test of the `epicrisis` binary needs: the repository root and
//! a way to run the binary.
#![allow(dead_code, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `epicrisis` with `args` and waits for it.
pub fn epicrisis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epicrisis"))
        .args(args)
        .output()
        .expect("the binary runs")
}
