//! End-to-end tests of `calfeed serve`: the real binary runs on an ephemeral loopback port
//! (`--addr 127.0.0.1:0`, the chosen address read from its `serving http://...` line) in a
//! temporary directory, and a tiny HTTP client over std's `TcpStream` talks to it, so that
//! raw requests such as `GET /../Cargo.toml` go out byte for byte as written.
//!
//! Every wait is a poll with a bounded deadline; the server is killed at the end of each
//! test, panicking or not ([`Served`]'s `Drop`).

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

// ---- The server under test ------------------------------------------------------------

/// A running `calfeed serve`, killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `calfeed serve --in feeds --addr 127.0.0.1:0` in `dir` and waits for its
    /// `serving` line.
    fn start(dir: TempDir) -> Served {
        let (child, stdout, stderr) = spawn(dir.path(), &["--addr", "127.0.0.1:0"]);
        let mut served = Served {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            dir,
            stdout,
            stderr,
        };
        let line = served.wait_for_stdout("serving http://");
        let line = line
            .lines()
            .find_map(|l| l.strip_prefix("serving http://"))
            .expect("a serving line");
        served.addr = line
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|e| panic!("address in {line:?}: {e}"));
        served
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (bounded) until stdout contains `fragment`; returns all of stdout.
    fn wait_for_stdout(&mut self, fragment: &str) -> String {
        let stdout = Arc::clone(&self.stdout);
        self.wait_for("stdout", fragment, &stdout)
    }

    fn wait_for_stderr(&mut self, fragment: &str) -> String {
        let stderr = Arc::clone(&self.stderr);
        self.wait_for("stderr", fragment, &stderr)
    }

    fn wait_for(&mut self, stream: &str, fragment: &str, text: &Mutex<String>) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = text.lock().unwrap().clone();
            if now.contains(fragment) {
                return now;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(100)); // let the readers finish
                panic!(
                    "calfeed serve exited ({status}) before {stream} said {fragment:?}\n\
                     --- stdout\n{}--- stderr\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{stream} never said {fragment:?}\n--- stdout\n{}--- stderr\n{}",
                self.stdout(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[])
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("Connection: close\r\n\r\n");
        exchange(self.addr, &raw)
    }

    /// Polls `path` (bounded) until `accept` holds for the reply.
    fn poll(&self, path: &str, what: &str, accept: impl Fn(&Reply) -> bool) -> Reply {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let reply = self.get(path);
            if accept(&reply) {
                return reply;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never {what}; last reply: {}\n--- stdout\n{}--- stderr\n{}",
                reply.text(),
                self.stdout(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

type Output = Arc<Mutex<String>>;

/// Spawns `calfeed serve --in feeds ARGS` in `dir`, collecting stdout and stderr.
fn spawn(dir: &Path, args: &[&str]) -> (Child, Output, Output) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("calfeed"))
        .args(["serve", "--in", "feeds"])
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start calfeed serve");
    let collect = |stream: Box<dyn Read + Send>| {
        let text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&text);
        thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        text
    };
    let stdout = collect(Box::new(child.stdout.take().unwrap()));
    let stderr = collect(Box::new(child.stderr.take().unwrap()));
    (child, stdout, stderr)
}

/// A temporary directory with `feeds/` holding `files` (name, contents).
fn site(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::create_dir_all(dir.path().join("feeds")).unwrap();
    for (name, contents) in files {
        fs::write(dir.path().join("feeds").join(name), contents).unwrap();
    }
    dir
}

/// The repository's seed publication: events, articles, every output format.
fn seed() -> TempDir {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds/xiaomi-12s.toml"))
            .expect("the seed publication");
    site(&[("xiaomi-12s.toml", &text)])
}

fn publication(event_title: &str) -> String {
    format!(
        r#"[channel]
title = "Launch calendar"
description = "Product launches."
link = "https://example.org/launch/"
language = "en"
timezone = "Asia/Shanghai"

[[events]]
id = "launch"
title = "{event_title}"
start = "2022-07-04T19:00"
duration = "2h"
"#
    )
}

// ---- A tiny HTTP client ------------------------------------------------------------------

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        let head: String = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect();
        format!(
            "{}\n{head}\n{}",
            self.status,
            String::from_utf8_lossy(&self.body)
        )
    }

    fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to calfeed serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
}

/// Sends `raw` verbatim and reads one response (a HEAD's without a body).
fn exchange(addr: SocketAddr, raw: &str) -> Reply {
    let mut stream = connect(addr);
    stream.write_all(raw.as_bytes()).expect("send the request");
    let mut reader = BufReader::new(stream);
    read_reply(&mut reader, raw.starts_with("HEAD "))
}

fn read_reply(reader: &mut BufReader<TcpStream>, head_only: bool) -> Reply {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a status line");
    let status = line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a header line");
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').expect("name: value");
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut reply = Reply {
        status,
        headers,
        body: Vec::new(),
    };
    if head_only || status == 304 {
        return reply;
    }
    match reply
        .header("Content-Length")
        .map(|n| n.parse::<usize>().unwrap())
    {
        Some(length) => {
            reply.body = vec![0; length];
            reader.read_exact(&mut reply.body).expect("the body");
        }
        None => {
            reader.read_to_end(&mut reply.body).expect("the body");
        }
    }
    reply
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// Every file under `dir`, as (URL path, bytes); dotfiles (a build's own bookkeeping)
/// are not published files and are left out.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                let url: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push((format!("/{}", url.join("/")), fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

// ---- What is served ------------------------------------------------------------------------

#[test]
fn serves_exactly_what_build_writes_with_the_right_types() {
    let dir = seed();
    let built = Command::new(assert_cmd::cargo::cargo_bin("calfeed"))
        .args(["build", "--in", "feeds", "--out", "public"])
        .current_dir(dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(built.status.success());
    let expected = files(&dir.path().join("public"));
    assert!(expected.len() >= 6, "{expected:?}");
    let served = Served::start(dir);

    for (path, bytes) in &expected {
        let reply = served.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        assert_eq!(&reply.body, bytes, "{path}");
        assert_eq!(
            reply.header("Content-Length"),
            Some(bytes.len().to_string().as_str())
        );
        let extension = path.rsplit_once('.').unwrap().1;
        let content_type = match extension {
            "ics" => "text/calendar; charset=utf-8",
            "xml" => "application/rss+xml",
            "atom" => "application/atom+xml",
            "json" => "application/feed+json",
            "html" => "text/html; charset=utf-8",
            other => panic!("unexpected output {path} ({other})"),
        };
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{path}");
        assert!(reply.header("ETag").is_some(), "{path}");
        assert!(reply.header("Last-Modified").is_some(), "{path}");
    }

    // index.html for a directory path; the directory without its slash redirects.
    let root = served.get("/");
    assert_eq!(root.status, 200);
    assert_eq!(
        root.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let page = served.get("/xiaomi-12s/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let redirect = served.get("/xiaomi-12s");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/xiaomi-12s/"));
    // A query string (cache busting) does not change what is served.
    assert_eq!(served.get("/xiaomi-12s.ics?t=1").status, 200);
}

#[test]
fn prints_the_urls_to_subscribe_to() {
    let served = Served::start(seed());
    let stdout = served.stdout();
    let base = format!("http://{}/", served.addr);
    assert!(stdout.starts_with(&format!("serving {base}\n")), "{stdout}");
    for url in [
        format!("{base}xiaomi-12s.ics"),
        format!("webcal://{}/xiaomi-12s.ics", served.addr),
        format!("{base}xiaomi-12s.xml"),
        format!("{base}xiaomi-12s.atom"),
        format!("{base}xiaomi-12s.json"),
        format!("{base}xiaomi-12s/"),
    ] {
        assert!(stdout.contains(&url), "stdout lacks {url}\n{stdout}");
    }
    assert!(
        !served.stderr().contains("not a loopback"),
        "{}",
        served.stderr()
    );
}

// ---- Caching ------------------------------------------------------------------------------

#[test]
fn etag_and_last_modified_answer_304_without_a_body() {
    let served = Served::start(seed());
    let full = served.get("/xiaomi-12s.ics");
    assert_eq!(full.status, 200);
    let etag = full.header("ETag").unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong: {etag}"
    );
    let modified = full.header("Last-Modified").unwrap().to_string();
    assert!(modified.ends_with(" GMT"), "{modified}");
    assert_eq!(full.header("Cache-Control"), Some("no-cache"));

    for headers in [
        vec![("If-None-Match", etag.as_str())],
        vec![("If-None-Match", &format!("\"nope\", {etag}"))],
        vec![("If-None-Match", &format!("W/{etag}"))],
        vec![("If-None-Match", "*")],
        vec![("If-Modified-Since", modified.as_str())],
    ] {
        let conditional = served.request("GET", "/xiaomi-12s.ics", &headers);
        assert_eq!(
            conditional.status,
            304,
            "{headers:?}: {}",
            conditional.text()
        );
        assert!(conditional.body.is_empty());
        assert_eq!(conditional.header("ETag"), Some(etag.as_str()));
        assert_eq!(conditional.header("Content-Length"), None);
    }
    // Read to the end to be sure no body follows a 304.
    let mut stream = connect(served.addr);
    write!(
        stream,
        "GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(
        raw.starts_with("HTTP/1.1 304 ") && raw.ends_with("\r\n\r\n"),
        "{raw}"
    );

    for headers in [
        vec![("If-None-Match", "\"other\"")],
        // If-None-Match decides alone when present.
        vec![
            ("If-None-Match", "\"other\""),
            ("If-Modified-Since", modified.as_str()),
        ],
        vec![("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
        vec![("If-Modified-Since", "not a date")],
    ] {
        let fresh = served.request("GET", "/xiaomi-12s.ics", &headers);
        assert_eq!(fresh.status, 200, "{headers:?}");
        assert_eq!(fresh.body, full.body);
    }
}

#[test]
fn head_answers_headers_only() {
    let served = Served::start(seed());
    let get = served.get("/xiaomi-12s.xml");
    let mut stream = connect(served.addr);
    stream
        .write_all(b"HEAD /xiaomi-12s.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream);
    let head = read_reply(&mut reader, true);
    assert_eq!(head.status, 200);
    for name in ["Content-Type", "Content-Length", "ETag", "Last-Modified"] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "HEAD sent {} body bytes", rest.len());
    assert_eq!(
        served
            .request("HEAD", "/missing.ics", &[])
            .header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
}

#[test]
fn gzip_when_the_client_accepts_it() {
    let served = Served::start(seed());
    let plain = served.get("/xiaomi-12s.ics");
    assert_eq!(plain.header("Content-Encoding"), None);
    assert_eq!(plain.header("Vary"), Some("Accept-Encoding"));
    for accept in ["gzip", "gzip, deflate, br", "br;q=1, gzip;q=0.5", "*"] {
        let zipped = served.request("GET", "/xiaomi-12s.ics", &[("Accept-Encoding", accept)]);
        assert_eq!(zipped.status, 200);
        assert_eq!(zipped.header("Content-Encoding"), Some("gzip"), "{accept}");
        assert_eq!(zipped.header("Vary"), Some("Accept-Encoding"));
        assert!(zipped.body.len() < plain.body.len());
        assert_eq!(gunzip(&zipped.body), plain.body, "{accept}");
        // Another representation, another strong tag; a 304 for either.
        let tag = zipped.header("ETag").unwrap();
        assert_ne!(Some(tag), plain.header("ETag"));
        let again = served.request(
            "GET",
            "/xiaomi-12s.ics",
            &[("Accept-Encoding", accept), ("If-None-Match", tag)],
        );
        assert_eq!(again.status, 304);
    }
    for refuse in ["gzip;q=0", "identity", "br", "*;q=0"] {
        let reply = served.request("GET", "/xiaomi-12s.ics", &[("Accept-Encoding", refuse)]);
        assert_eq!(reply.header("Content-Encoding"), None, "{refuse}");
        assert_eq!(reply.body, plain.body);
    }
}

// ---- Refusals -----------------------------------------------------------------------------

#[test]
fn missing_files_get_404_and_other_methods_405() {
    let served = Served::start(seed());
    for path in [
        "/nope.ics",
        "/xiaomi-12s/nope.ics",
        "/XIAOMI-12S.ics",
        "/feeds/xiaomi-12s.toml",
    ] {
        let reply = served.get(path);
        assert_eq!(reply.status, 404, "{path}");
    }
    for method in [
        "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "get",
    ] {
        let reply = served.request(method, "/xiaomi-12s.ics", &[]);
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("Allow"), Some("GET, HEAD"), "{method}");
    }
    // A body is refused, not read.
    let with_body = exchange(
        served.addr,
        "POST /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(with_body.status, 405);
    let get_with_body = exchange(
        served.addr,
        "GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(get_with_body.status, 413);
    // HTTP/1.1 requires Host.
    let no_host = exchange(
        served.addr,
        "GET /xiaomi-12s.ics HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(no_host.status, 400);
}

#[test]
fn nothing_outside_the_build_is_reachable() {
    let dir = seed();
    // Things a traversal would be after: beside feeds/, in it, and dotfiles.
    fs::write(dir.path().join("Cargo.toml"), "SECRET-CARGO").unwrap();
    fs::write(dir.path().join("feeds/.env"), "SECRET-ENV").unwrap();
    fs::create_dir_all(dir.path().join("public")).unwrap();
    fs::write(dir.path().join("public/.htpasswd"), "SECRET-HT").unwrap();
    fs::write(dir.path().join("public/stray.ics"), "SECRET-STRAY").unwrap();
    let served = Served::start(dir);
    for target in [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/xiaomi-12s/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2e%2e%2fCargo.toml",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..%2fCargo.toml",
        "/.%2e/Cargo.toml",
        "/%2e%2e%5cCargo.toml",
        "/..\\Cargo.toml",
        "/%252e%252e/Cargo.toml",
        "//Cargo.toml",
        "/Cargo.toml",
        "/feeds/.env",
        "/.env",
        "/%2eenv",
        "/.htpasswd",
        "/stray.ics",
        "/public/stray.ics",
        "/xiaomi-12s.ics%00.txt",
        "http://localhost/../Cargo.toml",
        "Cargo.toml",
        "*",
    ] {
        let reply = exchange(
            served.addr,
            &format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert!(
            matches!(reply.status, 400 | 404),
            "{target}: {}",
            reply.text()
        );
        assert!(!reply.body_text().contains("SECRET"), "{target}");
        assert_eq!(
            reply.header("Content-Type"),
            Some("text/plain; charset=utf-8")
        );
    }
    // A directory is never listed.
    let dir = served.get("/xiaomi-12s/");
    assert!(dir.body_text().contains("<html") || dir.body_text().contains("<!DOCTYPE"));
}

#[test]
fn oversized_requests_are_refused() {
    let served = Served::start(seed());
    let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(10_000));
    assert_eq!(exchange(served.addr, &long_line).status, 414);
    let many: String = (0..100).map(|i| format!("X-Header-{i}: v\r\n")).collect();
    let many_headers = format!("GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert_eq!(exchange(served.addr, &many_headers).status, 431);
    let big_header = format!(
        "GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "c".repeat(10_000)
    );
    assert_eq!(exchange(served.addr, &big_header).status, 431);
    assert_eq!(exchange(served.addr, "GARBAGE\r\n\r\n").status, 400);
    // Still serving after all that.
    assert_eq!(served.get("/xiaomi-12s.ics").status, 200);
}

#[test]
fn keep_alive_and_pipelined_requests() {
    let served = Served::start(seed());
    let mut stream = connect(served.addr);
    stream
        .write_all(
            b"GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\n\r\n\
              HEAD /xiaomi-12s.xml HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let first = read_reply(&mut reader, false);
    assert_eq!(first.status, 200);
    assert!(first.body_text().starts_with("BEGIN:VCALENDAR"));
    let second = read_reply(&mut reader, true);
    assert_eq!(second.status, 200);
    assert_eq!(second.header("Content-Type"), Some("application/rss+xml"));
    // The connection is still open for a third.
    stream
        .write_all(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let third = read_reply(&mut reader, false);
    assert_eq!(third.status, 404);
    assert_eq!(third.header("Connection"), Some("close"));
}

// ---- Rebuilding ---------------------------------------------------------------------------

#[test]
fn edits_show_up_and_a_broken_edit_keeps_the_last_good_build() {
    let dir = site(&[("show.toml", &publication("First title"))]);
    let feed = dir.path().join("feeds/show.toml");
    let mut served = Served::start(dir);
    let first = served.get("/show.ics");
    assert!(first.body_text().contains("SUMMARY:First title"));

    fs::write(&feed, publication("Second, longer title")).unwrap();
    let second = served.poll("/show.ics", "showed the edit", |r| {
        r.body_text().contains("SUMMARY:Second\\, longer title")
    });
    assert_ne!(second.header("ETag"), first.header("ETag"));
    served.wait_for_stdout("rebuilt:");

    // Broken: the last good build stays up, and the diagnostics are those of `build`.
    fs::write(
        &feed,
        publication("Third").replace("2022-07-04T19:00", "tomorrow-ish"),
    )
    .unwrap();
    let stderr = served.wait_for_stderr("still serving the last good build");
    assert!(stderr.contains("events[0].start"), "{stderr}");
    assert!(stderr.contains("--> feeds/show.toml:"), "{stderr}");
    let kept = served.get("/show.ics");
    assert_eq!(kept.status, 200);
    assert_eq!(kept.body, second.body);
    assert_eq!(kept.header("ETag"), second.header("ETag"));
    assert_eq!(
        served
            .request(
                "GET",
                "/show.ics",
                &[("If-None-Match", second.header("ETag").unwrap())]
            )
            .status,
        304
    );

    // Fixed again, and a new publication appears with its URLs printed.
    fs::write(&feed, publication("Fourth")).unwrap();
    fs::write(
        served.dir.path().join("feeds/other.toml"),
        publication("Other"),
    )
    .unwrap();
    served.poll("/show.ics", "showed the fix", |r| {
        r.body_text().contains("SUMMARY:Fourth")
    });
    served.poll("/other.ics", "appeared", |r| r.status == 200);
    served.wait_for_stdout(&format!("http://{}/other.ics", served.addr));

    // A removed publication is no longer served.
    fs::remove_file(served.dir.path().join("feeds/other.toml")).unwrap();
    served.poll("/other.ics", "went away", |r| r.status == 404);
}

// ---- Starting and stopping ----------------------------------------------------------------

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_with_exit_0() {
    let mut served = Served::start(seed());
    assert_eq!(served.get("/xiaomi-12s.ics").status, 200);
    let interrupted = Command::new("kill")
        .args(["-INT", &served.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGINT");
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", served.stderr());
    served.wait_for_stdout("stopped");
    assert!(TcpStream::connect(served.addr).is_err(), "still listening");
}

/// Waits (bounded) for a child started with [`spawn`] to exit.
fn exit_code(mut child: Child) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().expect("an exit code");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("calfeed serve did not exit");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_invalid_first_build_exits_1_with_the_diagnostics() {
    let dir = site(&[(
        "show.toml",
        &publication("x").replace("2022-07-04T19:00", "soon"),
    )]);
    let (child, stdout, stderr) = spawn(dir.path(), &["--addr", "127.0.0.1:0"]);
    assert_eq!(exit_code(child), 1);
    thread::sleep(Duration::from_millis(100));
    let stderr = stderr.lock().unwrap().clone();
    assert!(stderr.contains("events[0].start"), "{stderr}");
    assert!(!stdout.lock().unwrap().contains("serving"));
}

#[test]
fn an_address_in_use_exits_5() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = seed();
    let (child, _, stderr) = spawn(dir.path(), &["--addr", &addr]);
    assert_eq!(exit_code(child), 5);
    thread::sleep(Duration::from_millis(100));
    let stderr = stderr.lock().unwrap().clone();
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn a_bad_address_is_a_command_line_error() {
    let dir = seed();
    let (child, _, _) = spawn(dir.path(), &["--addr", "localhost-ish"]);
    assert_eq!(exit_code(child), 2);
}
