//! The server as a whole, in this process: real connections to a [`Server`] with small
//! limits; and the helpers the other modules' tests share.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::request::{Head, parse_head};
use super::{Limits, Server, reachable};
use crate::export::Output;
use crate::serve::site::{Current, Site};

pub(super) fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

pub(super) fn head(text: &str) -> Head {
    let text = text.replace('\n', "\r\n");
    parse_head(text.as_bytes(), 32)
        .expect("valid")
        .expect("complete")
        .0
}

pub(super) fn site() -> Site {
    let outputs = vec![
        Output {
            path: PathBuf::from("a.ics"),
            contents: "BEGIN:VCALENDAR\r\n".repeat(50).into_bytes(),
        },
        Output {
            path: PathBuf::from("a/index.html"),
            contents: b"<p>page</p>".to_vec(),
        },
    ];
    Site::build(outputs, None, at(1_000), &Default::default()).0
}

#[test]
fn unspecified_addresses_are_reached_through_loopback() {
    let any: SocketAddr = "0.0.0.0:80".parse().unwrap();
    assert_eq!(reachable(any), "127.0.0.1:80".parse().unwrap());
    let any6: SocketAddr = "[::]:80".parse().unwrap();
    assert_eq!(reachable(any6), "[::1]:80".parse().unwrap());
    let own: SocketAddr = "127.0.0.2:80".parse().unwrap();
    assert_eq!(reachable(own), own);
}

// ---- A real server with small limits, in this process ------------------------------

/// A server with `limits`, and its address.
struct Started {
    server: Server,
    addr: SocketAddr,
}

impl Started {
    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn stop(self) {
        self.server.stop();
    }
}

fn start(limits: Limits) -> Started {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::start(listener, Arc::new(Current::new(site())), limits).unwrap();
    Started { server, addr }
}

fn read_all(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_slow_request_times_out_with_408() {
    let server = start(Limits {
        request_time: Duration::from_millis(300),
        ..Limits::default()
    });
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let answer = read_all(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
    server.stop();
}

#[test]
fn a_head_trickling_in_gets_408_at_its_deadline_however_it_is_split() {
    let server = start(Limits {
        request_time: Duration::from_millis(500),
        ..Limits::default()
    });
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.write_all(b"GET /a.ics HTTP/1.1\r\nX: ").unwrap();
    // A byte every 50 ms would go on for 10 s: the head's deadline comes first.
    let mut answered = false;
    for _ in 0..200 {
        if stream.write_all(b"a").is_err() {
            answered = true;
            break;
        }
        thread::sleep(Duration::from_millis(50));
        stream.set_nonblocking(true).unwrap();
        let mut peek = [0u8; 12];
        let got = stream.peek(&mut peek);
        stream.set_nonblocking(false).unwrap();
        if let Ok(12) = got {
            assert_eq!(&peek, b"HTTP/1.1 408");
            answered = true;
            break;
        }
    }
    assert!(answered, "no 408 while the head trickled in");
    server.stop();
}

#[test]
fn an_idle_connection_is_closed() {
    let server = start(Limits {
        idle_time: Duration::from_millis(200),
        ..Limits::default()
    });
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let started = Instant::now();
    assert_eq!(read_all(&mut stream), "");
    assert!(started.elapsed() < Duration::from_secs(3));
    server.stop();
}

#[test]
fn an_oversized_head_gets_431_or_414() {
    let server = start(Limits::default());
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let long = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    let _ = stream.write_all(long.as_bytes());
    assert!(read_all(&mut stream).starts_with("HTTP/1.1 414 "));
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
        "a".repeat(9000)
    );
    let _ = stream.write_all(big.as_bytes());
    assert!(read_all(&mut stream).starts_with("HTTP/1.1 431 "));
    server.stop();
}

#[test]
fn idle_and_trickling_connections_do_not_hold_up_others() {
    let server = start(Limits {
        threads: 1,
        ..Limits::default()
    });
    // Connections that send nothing, and connections with half a request head.
    let mut held = Vec::new();
    for i in 0..40 {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        if i % 2 == 0 {
            stream.write_all(b"GET /a.ics HTTP/1.1\r\nHo").unwrap();
        }
        held.push(stream);
    }
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_all(&mut stream).starts_with("HTTP/1.1 200 "));
    // The half-sent requests are still being waited for: finishing one gets its answer.
    held[0]
        .write_all(b"st: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_all(&mut held[0]).starts_with("HTTP/1.1 200 "));
    server.stop();
}

#[test]
fn past_the_connection_limit_requests_are_read_then_answered_503() {
    let server = start(Limits {
        connections: 2,
        overload: 1,
        ..Limits::default()
    });
    // Connections with half a request hold their place (idle ones would make room).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.write_all(b"GET /a.ics HTTP/1.1\r\n").unwrap();
        held.push(stream);
    }
    thread::sleep(Duration::from_millis(100));
    // Over the limit: the request is read, then answered (not reset), and the
    // connection closed.
    let mut third = TcpStream::connect(server.addr()).unwrap();
    thread::sleep(Duration::from_millis(100));
    third
        .write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let answer = read_all(&mut third);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("\r\nRetry-After: 1\r\n"), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    // Once a held connection goes, a new one is served again.
    drop(third);
    drop(held.pop());
    thread::sleep(Duration::from_millis(200));
    let mut fourth = TcpStream::connect(server.addr()).unwrap();
    fourth
        .write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_all(&mut fourth).starts_with("HTTP/1.1 200 "));
    server.stop();
}

#[test]
fn a_body_larger_than_the_socket_buffer_is_written_whole_to_a_slow_reader() {
    let big: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let outputs = vec![Output {
        path: PathBuf::from("big.ics"),
        contents: big.clone(),
    }];
    let site = Site::build(outputs, None, at(1_000), &Default::default()).0;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::start(listener, Arc::new(Current::new(site)), Limits::default()).unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    // Two requests on one connection: the second is answered after the first's body.
    stream
        .write_all(b"GET /big.ics HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    // Let the server fill the socket and wait for it to drain.
    thread::sleep(Duration::from_millis(300));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let head_end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&all[..head_end]);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(
        head.contains(&format!("Content-Length: {}", big.len())),
        "{head}"
    );
    assert_eq!(&all[head_end..head_end + big.len()], &big[..]);
    let rest = String::from_utf8_lossy(&all[head_end + big.len()..]);
    assert!(rest.starts_with("HTTP/1.1 200 "), "{rest}");
    assert!(rest.ends_with("\r\n\r\n"), "a HEAD has no body: {rest}");
    server.stop();
}

#[test]
fn idle_connections_make_room_when_the_server_is_full() {
    let server = start(Limits {
        connections: 2,
        ..Limits::default()
    });
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    // Full: idle ones are closed (a read gives the end, not a time-out) to make room,
    // well before the 5 s idle time.
    let mut closed = 0;
    for stream in &mut held {
        stream
            .set_read_timeout(Some(Duration::from_millis(1500)))
            .unwrap();
        let mut byte = [0u8; 1];
        if let Ok(0) = stream.read(&mut byte) {
            closed += 1;
        }
    }
    assert!(closed >= 1, "no idle connection made room");
    let mut next = TcpStream::connect(server.addr()).unwrap();
    next.write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_all(&mut next).starts_with("HTTP/1.1 200 "));
    server.stop();
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(Limits::default());
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(
            b"HEAD /a.ics HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let answer = read_all(&mut stream);
    let first = answer.find("HTTP/1.1 200 ").unwrap();
    let second = answer.find("HTTP/1.1 404 ").unwrap();
    assert!(first < second, "{answer}");
    server.stop();
}
