//! The `clinicplan` executable the bench runs as its worker.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A private copy of the worker executable, removed at the end: a concurrent
/// `cargo build` replacing target/release/clinicplan mid-run must not mix versions.
pub struct WorkerCopy(pub PathBuf);

impl WorkerCopy {
    pub fn new(original: &Path) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("clinicplan-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let copy = dir.join("clinicplan");
        std::fs::copy(original, &copy)
            .with_context(|| format!("copying {}", original.display()))?;
        Ok(WorkerCopy(copy))
    }
}

impl Drop for WorkerCopy {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The `clinicplan` executable to run: `given`, or the one next to this executable.
pub fn locate_clinicplan(exe: &Path, given: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    let original = match given {
        Some(p) => p.clone(),
        None => exe
            .parent()
            .context("this executable has no directory")?
            .join("clinicplan"),
    };
    if !original.is_file() {
        bail!(
            "{} not found: build it first with `cargo build --release -p clinicplan-service` \
             (or run scripts/bench.sh), or pass --clinicplan PATH",
            original.display()
        );
    }
    Ok(original)
}
