//! Real `clinicplan serve` processes and nginx running the shipped
//! `deploy/nginx/clinicplan.conf` in front of two of them (the scale-out and
//! reproducibility tests). nginx comes from Debian's packages (`scripts/setup.sh`
//! installs it); without it a test fails, saying so. Every wait is bounded by a number
//! of tries.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Tries before giving up on a port or a listener (20 ms apart): a bound on the test's
/// length, not a claim about speed.
pub const TRIES: u32 = 3_000;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A child process killed when dropped.
pub struct Owned(pub Child);

impl Drop for Owned {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

pub fn nginx() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    for dir in candidates {
        let path = dir.join("nginx");
        if path.is_file() {
            return path;
        }
    }
    panic!("nginx not found: scripts/setup.sh installs it (Debian package nginx-light)");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// Starts `clinicplan serve` on 127.0.0.1:`port` (0: any) with metrics on
/// `metrics_port`; returns the process and its first line of output.
pub fn spawn_serve(port: u16, metrics_port: u16) -> (Owned, String) {
    let mut child = Owned(
        Command::new(env!("CARGO_BIN_EXE_clinicplan"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--metrics-listen",
                &format!("127.0.0.1:{metrics_port}"),
            ])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clinicplan serve"),
    );
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    (child, line)
}

/// A server on 127.0.0.1:`port` (0: any); returns it and the port it listens on.
pub fn serve(port: u16, metrics_port: u16) -> (Owned, u16) {
    let (child, line) = spawn_serve(port, metrics_port);
    let port = line
        .trim()
        .strip_prefix("clinicplan listening on 127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no listening line: {line:?}"));
    (child, port)
}

/// A server on a port just given up by a killed one: started again until the port is
/// free.
pub fn serve_again(port: u16, metrics_port: u16) -> Owned {
    for _ in 0..TRIES {
        let (child, line) = spawn_serve(port, metrics_port);
        if line.starts_with("clinicplan listening on ") {
            return child;
        }
        drop(child);
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("could not listen on {port} again in {TRIES} tries");
}

/// The server's `/metrics` text, or "" when it does not answer.
pub fn scrape(metrics_port: u16) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", metrics_port)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text
}

/// Sum of a metric's samples (every label set).
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub fn answered(metrics_port: u16) -> f64 {
    metric(&scrape(metrics_port), "clinicplan_requests_total")
}

/// nginx's master process, stopped with SIGTERM when dropped so that it stops its
/// workers too (SIGKILL would leave them running, holding the port).
pub struct Nginx(pub Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            for _ in 0..500 {
                if let Ok(Some(_)) = self.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// nginx running the shipped configuration, in front of `replicas`, on `port`.
pub fn balancer(dir: &Path, port: u16, replicas: [u16; 2]) -> Nginx {
    let shipped = std::fs::read_to_string(root().join("deploy/nginx/clinicplan.conf"))
        .expect("read deploy/nginx/clinicplan.conf");
    let mut config = shipped.clone();
    for (from, to) in [
        ("127.0.0.1:50051", format!("127.0.0.1:{port}")),
        ("127.0.0.1:50061", format!("127.0.0.1:{}", replicas[0])),
        ("127.0.0.1:50062", format!("127.0.0.1:{}", replicas[1])),
    ] {
        assert!(
            config.contains(from),
            "the shipped config no longer has {from}"
        );
        config = config.replace(from, &to);
    }
    let path = dir.join("nginx.conf");
    std::fs::write(&path, config).expect("write nginx.conf");
    let mut child = Nginx(
        Command::new(nginx())
            .arg("-p")
            .arg(format!("{}/", dir.display()))
            .arg("-c")
            .arg(&path)
            .args(["-e", "stderr"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("nginx.log")).expect("nginx.log"),
            ))
            .spawn()
            .expect("start nginx"),
    );
    for _ in 0..TRIES {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        assert!(
            matches!(child.0.try_wait(), Ok(None)),
            "nginx exited: {}",
            std::fs::read_to_string(dir.join("nginx.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "nginx did not listen in {TRIES} tries: {}",
        std::fs::read_to_string(dir.join("nginx.log")).unwrap_or_default()
    );
}
