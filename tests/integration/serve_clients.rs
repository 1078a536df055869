//! `calfeed serve` with clients that hold connections: idle ones and ones trickling a
//! request head a byte at a time must not keep a normal client from being served, and a
//! client the server has no room for reads a 503 rather than a reset.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::support::Test;
use crate::support::serve::{Served, connect};

fn seed() -> Test {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds/xiaomi-12s.toml"))
            .expect("the seed publication");
    Test::new().feed("xiaomi-12s.toml", &text)
}

/// Connections that each send one more byte of a never-ending request head every
/// `every`, until dropped.
struct Tricklers {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Tricklers {
    fn start(served: &Served, count: usize, every: Duration) -> Tricklers {
        let mut streams: Vec<TcpStream> = (0..count).map(|_| connect(served.addr)).collect();
        for stream in &mut streams {
            stream
                .write_all(b"GET /xiaomi-12s.ics HTTP/1.1\r\nX-Slow: ")
                .expect("start a request");
        }
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    for stream in &mut streams {
                        // The server may have answered 408 and closed by now: fine.
                        let _ = stream.write_all(b"a");
                    }
                    thread::sleep(every);
                }
            })
        };
        Tricklers {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Tricklers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn trickling_and_idle_connections_do_not_keep_others_waiting() {
    let served = Served::start(seed());
    let _trickling = Tricklers::start(&served, 50, Duration::from_millis(500));
    let _idle: Vec<TcpStream> = (0..50).map(|_| connect(served.addr)).collect();
    thread::sleep(Duration::from_millis(300));
    // Requests made while all of those are held are answered (each waits at most the
    // 15 s read timeout of `connect`; the server answers them at once).
    for _ in 0..5 {
        let reply = served.get("/xiaomi-12s.ics");
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(reply.body_text().starts_with("BEGIN:VCALENDAR"));
    }
    let page = served.request("GET", "/xiaomi-12s/", &[("Accept-Encoding", "gzip")]);
    assert_eq!(page.status, 200);
}

#[test]
fn past_the_connection_limit_a_client_reads_a_503_not_a_reset() {
    let served = Served::start(seed());
    // More connections than serve takes at once (512), each with half a request head,
    // so that none is idle.
    let mut held: Vec<TcpStream> = (0..520)
        .map(|_| {
            let mut stream = connect(served.addr);
            let _ = stream.write_all(b"GET /xiaomi-12s.ics HTTP/1.1\r\n");
            stream
        })
        .collect();
    // Accepted after all of those: past the limit. Its request is read, then answered.
    let mut stream = connect(served.addr);
    stream
        .write_all(b"GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send the request");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the answer, then the end of the connection (not a reset)");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("\r\nRetry-After: 1\r\n"), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    // With room again, requests are served.
    held.truncate(100);
    served.poll("/xiaomi-12s.ics", "was served again", |r| r.status == 200);
}
