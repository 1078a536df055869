//! `calfeed serve`: the real binary on an ephemeral loopback port, talked to by the tiny
//! HTTP client of `support::serve` (see there), byte for byte.

use std::fs;
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::Test;
use crate::support::serve::{
    Served, connect, exchange, gunzip, published_urls, read_reply, spawn_serve,
};

/// A temporary directory with `feeds/` holding `files` (name, contents).
fn site(files: &[(&str, &str)]) -> Test {
    files.iter().fold(Test::new(), |test, (name, contents)| {
        test.feed(name, contents)
    })
}

/// The repository's seed publication: events, articles, every output format.
fn seed() -> Test {
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

/// A page as the preview serves it: the seed's `channel.link`, in each form a page has
/// it, replaced by the preview's address.
fn to_preview(page: &str, addr: std::net::SocketAddr) -> String {
    let encode = |text: &str| text.replace(':', "%3A").replace('/', "%2F");
    let (production, preview) = ("calfeed.example.org/", format!("{addr}/"));
    page.replace(
        &format!("https://{production}"),
        &format!("http://{preview}"),
    )
    .replace(
        &format!("webcal://{production}"),
        &format!("webcal://{preview}"),
    )
    .replace(
        &encode(&format!("https://{production}")),
        &encode(&format!("http://{preview}")),
    )
    .replace(
        &encode(&format!("webcal://{production}")),
        &encode(&format!("webcal://{preview}")),
    )
}

// ---- What is served ------------------------------------------------------------------------

#[test]
fn serves_exactly_what_build_writes_with_the_right_types() {
    let built = seed().args(["build"]).run();
    let expected = published_urls(&built.path("public"));
    assert!(expected.len() >= 6, "{expected:?}");
    let served = Served::start(built.then());

    for (path, bytes) in &expected {
        let reply = served.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        if path.ends_with(".html") {
            // Pages link to the preview rather than to channel.link (serve_preview.rs).
            let page = String::from_utf8(bytes.clone()).unwrap();
            assert_eq!(reply.body_text(), to_preview(&page, served.addr), "{path}");
        } else {
            assert_eq!(&reply.body, bytes, "{path}");
        }
        assert_eq!(
            reply.header("Content-Length"),
            Some(reply.body.len().to_string().as_str())
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
    // Things a traversal would be after: beside feeds/, in it, and dotfiles.
    let dir = seed()
        .file("Cargo.toml", "SECRET-CARGO")
        .file("feeds/.env", "SECRET-ENV")
        .file("public/.htpasswd", "SECRET-HT")
        .file("public/stray.ics", "SECRET-STRAY");
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
    let mut served = Served::start(site(&[("show.toml", &publication("First title"))]));
    let feed = served.path("feeds/show.toml");
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
    fs::write(served.path("feeds/other.toml"), publication("Other")).unwrap();
    served.poll("/show.ics", "showed the fix", |r| {
        r.body_text().contains("SUMMARY:Fourth")
    });
    served.poll("/other.ics", "appeared", |r| r.status == 200);
    let addr = served.addr;
    served.wait_for_stdout(&format!("http://{addr}/other.ics"));

    // A removed publication is no longer served.
    fs::remove_file(served.path("feeds/other.toml")).unwrap();
    served.poll("/other.ics", "went away", |r| r.status == 404);
}

// ---- Starting and stopping ----------------------------------------------------------------

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_with_exit_0() {
    let mut served = Served::start(seed());
    assert_eq!(served.get("/xiaomi-12s.ics").status, 200);
    let interrupted = Command::new("kill")
        .args(["-INT", &served.id().to_string()])
        .status()
        .expect("run kill");
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = served.try_wait() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGINT");
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", served.stderr());
    served.wait_for_stdout("stopped");
    assert!(TcpStream::connect(served.addr).is_err(), "still listening");
}

/// How long a server that must exit by itself may take.
const EXIT: Duration = Duration::from_secs(30);

#[test]
fn an_invalid_first_build_exits_1_with_the_diagnostics() {
    let dir = site(&[(
        "show.toml",
        &publication("x").replace("2022-07-04T19:00", "soon"),
    )]);
    let ran = spawn_serve(dir, &["--addr", "127.0.0.1:0"]).finish(EXIT);
    assert_eq!(ran.code, Some(1));
    let stderr = &ran.stderr;
    assert!(stderr.contains("events[0].start"), "{stderr}");
    assert!(!ran.stdout.contains("serving"));
}

#[test]
fn an_address_in_use_exits_5() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let ran = spawn_serve(seed(), &["--addr", &addr]).finish(EXIT);
    assert_eq!(ran.code, Some(5));
    let stderr = &ran.stderr;
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn a_bad_address_is_a_command_line_error() {
    let ran = spawn_serve(seed(), &["--addr", "localhost-ish"]).finish(EXIT);
    assert_eq!(ran.code, Some(2));
}
