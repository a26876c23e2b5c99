//! `signpost serve`: pages served from memory on loopback, nothing outside the
//! site, live rebuilds on save, the last good site kept on a broken save, Ctrl-C;
//! incremental rebuilds giving the same files as a full build; and the faults
//! fixed: other hosts refused (F04), slow clients holding up nobody (F05), the
//! content folder going away and coming back (F10).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use signpost::serve::Live;

use crate::support::{Site, copy_dir, repo};

/// How long a save may take to show up in a served page (a quiet machine takes
/// a few tens of milliseconds, a debug build on a busy one a few hundred).
const SAVE_DEADLINE: Duration = Duration::from_secs(1);
/// Bound for the steps after it (an error banner, a fix), which only need to
/// happen.
pub(crate) const STEP_DEADLINE: Duration = Duration::from_secs(5);

/// A running `signpost serve`, killed when dropped.
pub(crate) struct Serving {
    child: Child,
    pub(crate) addr: SocketAddr,
    stderr: Receiver<String>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(root: &Path) -> Serving {
    start_with(root, &[], &[])
}

/// [`start`] with more arguments and environment variables.
fn start_with(root: &Path, args: &[&str], env: &[(&str, &Path)]) -> Serving {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("signpost"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .args(["serve", "--port", "0"])
        .args(args)
        .arg("--root")
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let addr = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no \"Serving on\" line; stderr: {seen:#?}"));
        if let Some(rest) = line.strip_prefix("Serving on http://") {
            let addr = rest.split_whitespace().next().unwrap();
            break addr.parse::<SocketAddr>().unwrap();
        }
        seen.push(line);
    };
    assert!(addr.ip().is_loopback(), "binds loopback by default: {addr}");
    Serving {
        child,
        addr,
        stderr: rx,
    }
}

/// A raw GET (the target is sent exactly as given, with no normalization).
fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad response: {text}"));
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

/// Sends `request` as written and returns the status code (0: no answer).
fn raw(addr: SocketAddr, request: &str) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Waits until a line of the server's terminal output contains `what`.
fn wait_for_line(s: &Serving, what: &str, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match s.stderr.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(what);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(_) => panic!("no line with {what:?} in time; got {seen:#?}"),
        }
    }
}

/// Polls `target` until `pred` holds on its body, at most `within`.
pub(crate) fn wait_for(
    addr: SocketAddr,
    target: &str,
    what: &str,
    within: Duration,
    pred: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        let (_, body) = get(addr, target);
        if pred(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not served in time; last body:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_the_site_from_memory_and_nothing_else() {
    let site = Site::copy("ok/branching");
    let s = start(site.root());
    let (code, home) = get(s.addr, "/");
    assert_eq!(code, 200);
    assert!(home.contains("Is the device on?"), "{home}");
    assert!(home.contains("/_signpost/live"), "reload script injected");
    let (code, section) = get(s.addr, "/on/");
    assert_eq!(code, 200);
    assert!(section.contains("Check the cable"));
    assert_eq!(get(s.addr, "/on").0, 301);
    assert_eq!(get(s.addr, "/start.html").0, 200);
    assert_eq!(get(s.addr, "/graph.json").0, 200);
    assert_eq!(get(s.addr, "/_signpost/style.css").0, 200);
    for bad in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E%2Fsite.toml",
        "/on/../../site.toml",
        "/site.toml",
        "/content/start.md",
    ] {
        let (code, body) = get(s.addr, bad);
        assert_eq!(code, 404, "{bad}");
        assert!(!body.contains("title = "), "{bad} leaked a source file");
    }
    // Nothing was written to disk.
    assert!(!site.public().exists());
}

#[test]
fn a_save_is_served_and_a_broken_save_keeps_the_last_good_site() {
    let site = Site::copy("ok/branching");
    let s = start(site.root());
    let page = site.root().join("content/start.md");
    let original = std::fs::read_to_string(&page).unwrap();

    // Open pages learn about rebuilds through the event stream.
    let mut events = TcpStream::connect(s.addr).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        events,
        "GET /_signpost/live HTTP/1.1\r\nHost: {}\r\n\r\n",
        s.addr
    )
    .unwrap();
    let mut events = BufReader::new(events);
    let mut line = String::new();
    events.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");

    // Reading the site to build it must not look like a change: no rebuild
    // without a save.
    std::thread::sleep(Duration::from_millis(400));
    let idle: Vec<String> = s.stderr.try_iter().collect();
    assert!(
        !idle
            .iter()
            .any(|l| l.starts_with("Changed") || l.starts_with("Built")),
        "rebuilt without a save: {idle:#?}"
    );

    let saved = Instant::now();
    std::fs::write(
        &page,
        original.replace("power light", "power light LIVE-EDIT-1"),
    )
    .unwrap();
    wait_for(s.addr, "/start.html", "the edit", SAVE_DEADLINE, |b| {
        b.contains("LIVE-EDIT-1")
    });
    eprintln!("save → served: {:?}", saved.elapsed());
    let mut got_reload = false;
    for _ in 0..50 {
        line.clear();
        if events.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.trim() == "data: reload" {
            got_reload = true;
            break;
        }
    }
    assert!(got_reload, "the event stream announced the rebuild");

    // A broken save: the last good page stays, with the diagnostics over it.
    std::fs::write(&page, "+++\ntitle = \"Is the device on?\"\n\nLook <here>\n").unwrap();
    let body = wait_for(
        s.addr,
        "/start.html",
        "the error overlay",
        STEP_DEADLINE,
        |b| b.contains("signpost-errors"),
    );
    assert!(body.contains("LIVE-EDIT-1"), "last good page still served");
    assert!(body.contains("SP102"), "diagnostics shown: {body}");
    assert!(body.contains("front matter is not closed"));
    assert!(
        !body.contains("Look <here>"),
        "the diagnostics are HTML-escaped"
    );
    let (_, other) = get(s.addr, "/off.html");
    assert!(other.contains("signpost-errors"), "every page shows them");

    // Fixed again: the overlay goes away.
    std::fs::write(
        &page,
        original.replace("power light", "power light LIVE-EDIT-2"),
    )
    .unwrap();
    wait_for(s.addr, "/start.html", "the fix", STEP_DEADLINE, |b| {
        b.contains("LIVE-EDIT-2") && !b.contains("signpost-errors")
    });
    std::thread::sleep(Duration::from_millis(400));
    let terminal: Vec<String> = s.stderr.try_iter().collect();
    let builds = terminal.iter().filter(|l| l.starts_with("Built")).count();
    assert!(
        builds <= 3,
        "one rebuild per save, no rebuild loop: {terminal:#?}"
    );
    let terminal = terminal.join("\n");
    assert!(
        terminal.contains("SP102"),
        "diagnostics in the terminal too:\n{terminal}"
    );
    assert!(terminal.contains("Build failed: still serving the last good site."));
}

#[test]
fn a_first_build_that_fails_says_there_is_no_good_build_yet() {
    let site = Site::copy("ok/branching");
    let page = site.root().join("content/start.md");
    let original = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, "+++\ntitle = \"Is the device on?\"\n\nLook <here>\n").unwrap();
    let s = start(site.root());
    let (status, body) = get(s.addr, "/start.html");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("<h1>No good build yet</h1>"), "{body}");
    assert!(
        !body.contains("last good"),
        "no good build to speak of: {body}"
    );
    // The diagnostics, escaped, on a styled page for both colour schemes.
    assert!(
        body.contains("SP102") && !body.contains("Look <here>"),
        "{body}"
    );
    assert!(body.contains("<style>") && body.contains("prefers-color-scheme:dark"));
    assert!(body.contains(r#"<meta name="viewport""#));

    // Fixed: the site is served, then a broken save shows the overlay, which
    // has a button to close it and stays within a third of the screen.
    std::fs::write(&page, &original).unwrap();
    wait_for(s.addr, "/start.html", "the fix", STEP_DEADLINE, |b| {
        b.contains("Is the device on?") && !b.contains("No good build yet")
    });
    std::fs::write(&page, "+++\ntitle = \"Is the device on?\"\n").unwrap();
    let body = wait_for(s.addr, "/start.html", "the overlay", STEP_DEADLINE, |b| {
        b.contains("signpost-errors")
    });
    assert!(body.contains(">Close</button>"), "{body}");
    assert!(body.contains("max-height:33vh"), "{body}");
    assert!(body.contains("this page is from the last good build"));
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let site = Site::copy("ok/branching");
    let mut s = start(site.root());
    assert_eq!(get(s.addr, "/").0, 200);
    let pid = s.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// A change to a page's text.
type Edit = Box<dyn Fn(&str) -> String>;

fn edit(path: &Path, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(&text)).unwrap();
}

/// Incremental rebuilds must give exactly the files of a full build.
#[test]
fn incremental_rebuilds_equal_full_builds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("site.toml"), dir.path().join("site.toml")).unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    let root = dir.path();
    let mut live = Live::new(signpost::Options::new(root));
    assert!(live.rebuild(&[]).ok);
    let content = root.join("content");
    let pages = [
        "sign-in/which-account.md",
        "devices/move-authenticator.md",
        "reference/glossary.md",
    ];
    let steps: Vec<(&str, Edit)> = vec![
        // Title: parents, children, paths through it, section, index.
        (
            pages[0],
            Box::new(|t: &str| t.replacen("title = \"", "title = \"Edited: ", 1)),
        ),
        // Body with a new link: backlinks of its target.
        (
            pages[1],
            Box::new(|t: &str| format!("{t}\nSee the [glossary](../reference/glossary.md).\n")),
        ),
        // Summary of a reference page.
        (
            pages[2],
            Box::new(|t: &str| t.replace("summary = \"Terms", "summary = \"Edited: terms")),
        ),
        // The link removed again.
        (
            pages[1],
            Box::new(|t: &str| t.replace("\nSee the [glossary](../reference/glossary.md).\n", "")),
        ),
    ];
    let same_as_full = |live: &Live, what: &str| {
        let mut fresh = Live::new(signpost::Options::new(root));
        assert!(fresh.rebuild(&[]).ok);
        let (a, b) = (live.files().unwrap(), fresh.files().unwrap());
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{what}"
        );
        for (k, v) in a.iter() {
            assert!(v == &b[k], "{what}: {k} differs from a full build");
        }
    };
    for (page, f) in steps {
        let path = content.join(page);
        let before = std::fs::read_to_string(&path).unwrap();
        edit(&path, f);
        assert_ne!(
            before,
            std::fs::read_to_string(&path).unwrap(),
            "{page}: edited"
        );
        let report = live.rebuild(std::slice::from_ref(&path));
        assert!(report.ok, "{}", report.diagnostics);
        assert!(
            report.incremental,
            "{page}: expected an incremental rebuild"
        );
        assert!(report.rendered > 0);
        same_as_full(&live, page);
    }
    // A structural change (a new branch) falls back to a full rebuild.
    let path = content.join(pages[2]);
    edit(&path, |t| {
        t.replacen(
            "weight = 20\n",
            "weight = 20\n\n[[branch]]\nto = \"../sign-in/which-account.md\"\n",
            1,
        )
    });
    let report = live.rebuild(std::slice::from_ref(&path));
    assert!(report.ok && !report.incremental, "{}", report.diagnostics);
    same_as_full(&live, "new branch");
    // A page added: full rebuild too.
    let added = content.join("reference/added.md");
    std::fs::write(&added, "+++\ntitle = \"Added\"\n+++\nNew.\n").unwrap();
    let report = live.rebuild(std::slice::from_ref(&added));
    assert!(report.ok && !report.incremental);
    assert!(live.files().unwrap().contains_key("reference/added.html"));
    same_as_full(&live, "page added");
}

#[test]
fn a_theme_folder_created_while_serving_is_watched() {
    let site = Site::copy("ok/branching");
    let s = start(site.root());
    let templates = site.root().join("themes/default/templates");
    std::fs::create_dir_all(&templates).unwrap();
    // The new folder is a change (a full rebuild); after it, it is watched.
    let deadline = Instant::now() + STEP_DEADLINE;
    while !s.stderr.try_iter().any(|l| l.starts_with("Built")) {
        assert!(
            Instant::now() < deadline,
            "no rebuild for the new themes/ folder"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(
        templates.join("page.html"),
        "{% extends \"base.html\" %}{% block main %}THEME-MARKER {{ page.title }}{% endblock main %}",
    )
    .unwrap();
    wait_for(
        s.addr,
        "/start.html",
        "the theme override",
        STEP_DEADLINE,
        |b| b.contains("THEME-MARKER Is the device on?"),
    );
}

/// F04: a page on another site whose name was made to resolve to 127.0.0.1 (DNS
/// rebinding) must not be able to read the site: only loopback names and the
/// bound address, with the port, are answered.
#[test]
fn requests_for_another_host_are_refused() {
    let site = Site::copy("ok/branching");
    let s = start(site.root());
    let port = s.addr.port();
    let req = |host: &str| raw(s.addr, &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"));
    for good in [
        s.addr.to_string(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(req(&good), 200, "Host: {good}");
    }
    for bad in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
    ] {
        let code = req(&bad);
        assert!(code == 403 || code == 421, "Host: {bad} got {code}");
    }
    // The live-reload stream is refused too.
    let code = raw(
        s.addr,
        &format!("GET /_signpost/live HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n"),
    );
    assert_eq!(code, 403);
    // A host named in the request target counts as well.
    let code = raw(
        s.addr,
        &format!(
            "GET http://evil.example:{port}/ HTTP/1.1\r\nHost: {}\r\n\r\n",
            s.addr
        ),
    );
    assert_eq!(code, 403);
    // HTTP/1.1 requires a Host header; HTTP/1.0 predates it.
    assert_eq!(raw(s.addr, "GET / HTTP/1.1\r\n\r\n"), 400);
    assert_eq!(raw(s.addr, "GET / HTTP/1.0\r\n\r\n"), 200);
}

/// F05: clients that trickle their request head, and open live-reload streams,
/// take no worker from a normal request; a trickling client is cut off once
/// its head is overdue.
#[test]
fn slow_clients_do_not_hold_up_a_request() {
    let site = Site::copy("ok/branching");
    let s = start(site.root());
    let opened = Instant::now();
    let slow: Vec<TcpStream> = (0..128)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr).unwrap();
            c.write_all(b"G").unwrap();
            c
        })
        .collect();
    // More live-reload streams than are served at once (stale tabs).
    let live: Vec<TcpStream> = (0..80)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr).unwrap();
            write!(
                c,
                "GET /_signpost/live HTTP/1.1\r\nHost: {}\r\n\r\n",
                s.addr
            )
            .unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let asked = Instant::now();
    let (code, body) = get(s.addr, "/start.html");
    let took = asked.elapsed();
    assert_eq!(code, 200);
    assert!(body.contains("Is the device on?"));
    assert!(
        took < Duration::from_secs(3),
        "a request took {took:?} with 128 slow clients open"
    );
    // One more byte each: the clients are slow, not idle. They are still cut
    // off when their head is overdue (5 s; 15 s allowed here).
    for mut c in &slow {
        let _ = c.write_all(b"E");
    }
    let bound = opened + Duration::from_secs(15);
    for (i, mut c) in slow.into_iter().enumerate() {
        let left = bound.saturating_duration_since(Instant::now());
        c.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut buf = [0u8; 256];
        match c.read(&mut buf) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!(
                "slow client {i} still open after {:?}: {e}",
                opened.elapsed()
            ),
        }
    }
    eprintln!("slow clients cut off after {:?}", opened.elapsed());
    drop(live);
}

/// F10: the content folder moved away while serving is reported, the last good
/// site stays up, and once the folder is back (moved back, or a new copy) its
/// edits are seen again.
#[test]
fn the_content_folder_can_go_away_and_come_back() {
    let site = Site::copy("ok/branching");
    let s = start(site.root());
    let content = site.root().join("content");
    let gone = site.root().join("content.gone");

    std::fs::rename(&content, &gone).unwrap();
    let said = wait_for_line(&s, "content folder is gone", STEP_DEADLINE);
    assert!(
        said.iter().any(|l| l.contains(&*content.to_string_lossy())),
        "the folder is named: {said:#?}"
    );
    let (code, body) = get(s.addr, "/start.html");
    assert_eq!(code, 200, "the last good site is still served");
    assert!(body.contains("signpost-errors") && body.contains("content folder is gone"));

    std::fs::rename(&gone, &content).unwrap();
    wait_for_line(&s, "Built", STEP_DEADLINE);
    edit(&content.join("start.md"), |t| {
        t.replace("power light", "power light BACK-1")
    });
    wait_for(
        s.addr,
        "/start.html",
        "an edit after the move back",
        STEP_DEADLINE,
        |b| b.contains("BACK-1") && !b.contains("signpost-errors"),
    );

    // Deleted and put back as a new folder (a restore, a checkout).
    copy_dir(&content, &gone);
    std::fs::remove_dir_all(&content).unwrap();
    wait_for_line(&s, "content folder is gone", STEP_DEADLINE);
    copy_dir(&gone, &content);
    wait_for_line(&s, "Built", STEP_DEADLINE);
    edit(&content.join("start.md"), |t| t.replace("BACK-1", "BACK-2"));
    wait_for(
        s.addr,
        "/start.html",
        "an edit in the new folder",
        STEP_DEADLINE,
        |b| b.contains("BACK-2"),
    );
}

#[test]
fn serve_open_opens_the_site_in_the_browser() {
    let site = Site::copy("ok/branching");
    // $BROWSER is a script that notes the address it is given.
    let noted = site.root().join("opened.txt");
    let browser = site.root().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", noted.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let s = start_with(site.root(), &["--open"], &[("BROWSER", &browser)]);
    let deadline = Instant::now() + STEP_DEADLINE;
    let want = format!("http://{}", s.addr);
    loop {
        let got = std::fs::read_to_string(&noted).unwrap_or_default();
        if got.trim() == want {
            break;
        }
        assert!(Instant::now() < deadline, "opened {got:?}, expected {want}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
