//! `calfeed serve` under test: [`Served`] is a [`Running`] server on an ephemeral loopback
//! port (`--addr 127.0.0.1:0`, the chosen address read from its `serving http://...`
//! line), and a tiny HTTP client over std's `TcpStream` talks to it, so that raw requests
//! such as `GET /../Cargo.toml` go out byte for byte as written.
//!
//! Every wait is a poll with a bounded deadline; the server is killed at the end of each
//! test, panicking or not (`Running`'s `Drop`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::running::Running;
use super::test::Test;
use super::tree::tree;

/// `test`'s command line replaced by `calfeed serve --in feeds ARGS`, started.
pub fn spawn_serve(test: Test, args: &[&str]) -> Running {
    let mut all = vec!["serve", "--in", "feeds"];
    all.extend_from_slice(args);
    test.args(all).spawn()
}

/// A running `calfeed serve`, killed when dropped.
pub struct Served {
    running: Running,
    pub addr: SocketAddr,
}

impl Deref for Served {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

impl DerefMut for Served {
    fn deref_mut(&mut self) -> &mut Running {
        &mut self.running
    }
}

impl Served {
    /// Starts `calfeed serve --in feeds --addr 127.0.0.1:0` in `test`'s directory and waits
    /// for its `serving` line.
    pub fn start(test: Test) -> Served {
        Served::start_with(test, &["--addr", "127.0.0.1:0"])
    }

    /// Starts `calfeed serve --in feeds ARGS` (which must pick a free port) and waits for
    /// its `serving` line.
    pub fn start_with(test: Test, args: &[&str]) -> Served {
        let mut running = spawn_serve(test, args);
        let line = running.wait_for_stdout("serving http://");
        let line = line
            .lines()
            .find_map(|l| l.strip_prefix("serving http://"))
            .expect("a serving line");
        let addr = line
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|e| panic!("address in {line:?}: {e}"));
        Served { running, addr }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[])
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("Connection: close\r\n\r\n");
        exchange(self.addr, &raw)
    }

    /// Polls `path` (bounded) until `accept` holds for the reply.
    pub fn poll(&self, path: &str, what: &str, accept: impl Fn(&Reply) -> bool) -> Reply {
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

// ---- A tiny HTTP client ------------------------------------------------------------------

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
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

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to calfeed serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
}

/// Sends `raw` verbatim and reads one response (a HEAD's without a body).
pub fn exchange(addr: SocketAddr, raw: &str) -> Reply {
    let mut stream = connect(addr);
    stream.write_all(raw.as_bytes()).expect("send the request");
    let mut reader = BufReader::new(stream);
    read_reply(&mut reader, raw.starts_with("HEAD "))
}

pub fn read_reply(reader: &mut BufReader<TcpStream>, head_only: bool) -> Reply {
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

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// Every file under `dir`, as (URL path, bytes), sorted; dotfiles and dot-folders (a
/// build's own bookkeeping) are not published files and are left out.
pub fn published_urls(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = tree(dir)
        .into_iter()
        .filter(|(path, _)| {
            path.components()
                .all(|c| !c.as_os_str().to_string_lossy().starts_with('.'))
        })
        .map(|(path, bytes)| {
            let url: Vec<_> = path
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            (format!("/{}", url.join("/")), bytes)
        })
        .collect();
    found.sort();
    found
}
