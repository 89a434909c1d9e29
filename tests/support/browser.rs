//! Headless Chromium for the report tests: the DOM it builds from a page, and a
//! screenshot checked to be a PNG of the asked size with something drawn.
//!
//! Chromium is required: `scripts/setup.sh` installs it (Debian package `chromium`), and
//! the tests fail, saying so, where it is missing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Chromium on PATH, or a failure that says how to install it.
pub fn chromium() -> String {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new(name)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return name.to_string();
        }
    }
    panic!(
        "headless Chromium is needed to check the scenario report, and none was found on \
         PATH (chromium, chromium-browser, google-chrome): run scripts/setup.sh, which \
         installs the Debian package `chromium`, or scripts/test.sh, which runs it"
    );
}

/// Runs headless Chromium on `page` with `args`, for at most two minutes; returns stdout.
pub fn headless(browser: &str, profile: &Path, args: &[String], page: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    assert!(
        status.success(),
        "chromium {args:?} failed ({status}):\n{err}"
    );
    out
}

/// The DOM Chromium builds from `page`.
pub fn dump_dom(browser: &str, dir: &Path, page: &Path) -> String {
    headless(
        browser,
        &dir.join("profile-dom"),
        &["--dump-dom".to_string()],
        page,
    )
}

/// Takes a `width` × `height` screenshot of `page` into `dir/name` and checks that it is
/// a PNG of that size of at least `min_bytes` (an empty page compresses to less).
pub fn screenshot(
    browser: &str,
    dir: &Path,
    page: &Path,
    name: &str,
    size: (u32, u32),
    min_bytes: usize,
) {
    let shot = dir.join(name);
    headless(
        browser,
        &dir.join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={},{}", size.0, size.1),
        ],
        page,
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let at = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    assert_eq!((at(16), at(20)), size, "the screenshot's size");
    assert!(
        png.len() > min_bytes,
        "a {}-byte screenshot: the page looks empty",
        png.len()
    );
}

/// Every start tag `<TAG …>` of `dom` whose class is `class`.
pub fn elements_of_class<'a>(dom: &'a str, tag: &str, class: &str) -> Vec<&'a str> {
    let open = format!("<{tag} class=\"{class}\"");
    dom.match_indices(&open)
        .map(|(i, _)| &dom[i..i + dom[i..].find('>').expect("a closed tag")])
        .collect()
}
