//! Running the `clinicplan` binary as a user does, in a scratch directory of its own.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Runs `clinicplan ARGS` with no input and waits for it.
pub fn clinicplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clinicplan"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("clinicplan runs")
}

/// `name` in this process's scratch directory for the tests of `area`.
pub fn scratch(area: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clinicplan-{area}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir.join(name)
}

/// A new, empty directory `name` in this process's scratch space for the tests of `area`.
pub fn fresh_dir(area: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clinicplan-{area}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A child's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
