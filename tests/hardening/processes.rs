//! The processes the tests start: the worker commands a server runs, and a guard that
//! kills a `clinicplan serve` child the test leaves behind.

use clinicplan_service::engine::WorkerCommand;

/// The real MIP worker: this build's `clinicplan worker`.
pub(super) fn real_worker() -> WorkerCommand {
    WorkerCommand::clinicplan(env!("CARGO_BIN_EXE_clinicplan").into())
}

/// A worker that reads nothing and says nothing until killed: `sleep 1000` run through
/// a link named `name` (at most 15 characters, the kernel's `comm`).
pub(super) fn stuck_worker(name: &str) -> WorkerCommand {
    assert!(name.len() <= 15, "comm names are 15 characters at most");
    let dir = std::env::temp_dir().join(format!("clinicplan-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the stand-in worker's directory");
    let link = dir.join(name);
    if std::fs::symlink_metadata(&link).is_err() {
        let sleep = ["/usr/bin/sleep", "/bin/sleep"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("a sleep executable");
        std::os::unix::fs::symlink(sleep, &link).expect("link the stand-in worker");
    }
    WorkerCommand {
        program: link,
        args: vec!["1000".into()],
    }
}

/// Kills the child if the test ends before it exits.
#[derive(Debug)]
pub(super) struct ChildGuard(pub(super) std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `clinicplan serve` on 127.0.0.1 port 0, its standard output piped for the listening
/// line.
pub(super) fn serve_on_loopback() -> ChildGuard {
    ChildGuard(
        std::process::Command::new(env!("CARGO_BIN_EXE_clinicplan"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start clinicplan serve"),
    )
}

/// The child's exit status once it has exited, polled for up to 60 s.
pub(super) async fn exit_within_a_minute(child: &mut ChildGuard) -> std::process::ExitStatus {
    for _ in 0..super::POLL_TRIES * 3 {
        if let Some(status) = child.0.try_wait().expect("wait for clinicplan serve") {
            return status;
        }
        tokio::time::sleep(super::POLL_EVERY).await;
    }
    panic!("clinicplan serve did not exit within 60 s of SIGTERM");
}

/// Sends SIGTERM to the child through `kill`, as an orchestrator would.
pub(super) fn sigterm(child: &ChildGuard) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill")
}
