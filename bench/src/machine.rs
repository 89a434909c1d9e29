//! Where and when a run was measured: the machine, the load on it, the commit.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
pub fn now_utc() -> String {
    utc(SystemTime::now())
}

/// A time as `YYYY-MM-DD HH:MM UTC` (no clock feature of chrono needed).
pub fn utc(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `abc1234`, with ` + uncommitted changes` when the work tree differs from it.
pub fn git_commit() -> String {
    let Some(head) = command_output("git", &["rev-parse", "--short", "HEAD"]) else {
        return "unknown commit".into();
    };
    let dirty = command_output("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{head} + uncommitted changes")
    } else {
        head
    }
}

/// The repository's root, as git names it (`None` outside a work tree).
fn repository_root() -> Option<PathBuf> {
    command_output("git", &["rev-parse", "--show-toplevel"]).map(PathBuf::from)
}

/// A path as the run logs print it: relative to the repository's root, or only its file
/// name where it lies outside the repository, so that a log names no machine's directories.
pub fn display_path(path: &Path) -> String {
    let absolute = std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let inside = repository_root().and_then(|root| {
        let root = root.canonicalize().unwrap_or(root);
        let absolute = absolute.canonicalize().unwrap_or_else(|_| absolute.clone());
        absolute.strip_prefix(&root).ok().map(Path::to_path_buf)
    });
    match inside {
        Some(relative) => relative.display().to_string(),
        None if path.is_relative() => path.display().to_string(),
        None => path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    }
}

/// This run's arguments (the program's name left out), each absolute path among them
/// (`/tmp/x.md`, or `--markdown=/tmp/x.md`) written as [`display_path`] writes it.
pub fn command_line() -> String {
    std::env::args()
        .skip(1)
        .map(|arg| match arg.split_once('=') {
            Some((flag, value)) if value.starts_with('/') => {
                format!("{flag}={}", display_path(Path::new(value)))
            }
            _ if arg.starts_with('/') => display_path(Path::new(&arg)),
            _ => arg,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// CPUs, CPU model, memory and rustc.
pub fn describe() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let rustc = command_output("rustc", &["--version"]).unwrap_or_else(|| "rustc unknown".into());
    format!("{cpus} CPUs ({model}), {mem_gib:.1} GiB memory, {rustc}")
}

/// Prints a run's markdown and appends it to `markdown`, if given.
pub fn publish(md: &str, markdown: Option<&Path>) -> anyhow::Result<()> {
    println!("\n{md}");
    if let Some(path) = markdown {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.write_all(md.as_bytes())?;
        println!("appended to {}", path.display());
    }
    Ok(())
}
