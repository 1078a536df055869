//! A small HTTP/1.1 server for GET and HEAD of the in-memory [`Site`]: std's `TcpListener`,
//! a fixed pool of worker threads, and `httparse` for the request head.
//!
//! Why not `tiny_http` (the obvious small crate): version 0.12 reads the request line and
//! each header line into a `Vec` with no length limit, accepts any number of headers,
//! never sets a socket timeout, and runs each connection on a thread of a pool that grows
//! without bound. Those are exactly the limits this server must keep, so it reads the
//! socket itself, and the crate it uses is the parser alone (`httparse`: no dependencies,
//! the one hyper uses, parses into a fixed array of headers).
//!
//! The limits ([`Limits`]):
//! - the request head (request line and headers) is at most 8 KiB, else 431 (414 when even
//!   the request line does not fit); at most 32 headers, else 431;
//! - a request must arrive whole within 10 s of its first byte, else 408; an idle connection
//!   (before the first byte, or between keep-alive requests) is closed after 5 s, and
//!   sooner (after 100 ms idle) when all workers are busy and another connection waits;
//! - a response must be written within 10 s, else the connection is dropped;
//! - request bodies are refused (413, or 405 for other methods) and the connection closed;
//! - a fixed number of workers (8) take connections from a bounded queue (64); past that,
//!   new connections get 503 at once;
//! - methods other than GET and HEAD get 405 with `Allow: GET, HEAD`.
//!
//! The modules, in the order a request meets them:
//! - this file: the listener, the acceptor and the fixed pool of workers (who takes which
//!   connection, 503 when all are taken, stopping);
//! - `connection`: one connection's requests in turn, reading and writing against the
//!   deadlines, keep-alive, closing without losing the response;
//! - `request`: the request head (`httparse`) and the request target, decoded and checked;
//! - `response`: the answer to a request from the site, and its bytes on the wire;
//! - `header_values`: the request header values that choose the answer (Accept-Encoding,
//!   If-None-Match, If-Modified-Since);
//! - `date`: HTTP dates, written and read.

mod connection;
mod date;
mod header_values;
mod request;
mod response;
#[cfg(test)]
mod tests;

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use super::site::Current;

use self::connection::connection;
use self::response::error_response;

/// The bounds every connection is held to.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Request line and headers together, in bytes.
    pub head_bytes: usize,
    /// Number of header fields.
    pub headers: usize,
    /// From a request's first byte to its complete head.
    pub request_time: Duration,
    /// How long a connection may wait for the first byte of a request.
    pub idle_time: Duration,
    /// To write one whole response.
    pub write_time: Duration,
    /// Worker threads: the most connections served at once.
    pub workers: usize,
    /// Accepted connections waiting for a worker; more get 503.
    pub queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_bytes: 8 * 1024,
            headers: 32,
            request_time: Duration::from_secs(10),
            idle_time: Duration::from_secs(5),
            write_time: Duration::from_secs(10),
            workers: 8,
            queue: 64,
        }
    }
}

/// Reads wait at most this long at a time, so that a worker notices a shutdown or a
/// waiting connection promptly.
pub(super) const POLL: Duration = Duration::from_millis(100);

/// A running server: an acceptor thread and the workers.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

pub(super) struct Shared {
    pub(super) site: Arc<Current>,
    pub(super) limits: Limits,
    pub(super) stop: AtomicBool,
    /// Connections accepted and not yet taken by a worker.
    waiting: AtomicUsize,
    /// Workers serving a connection.
    busy: AtomicUsize,
}

impl Shared {
    /// Whether a connection is waiting that no worker is free to take: then a worker
    /// gives up a kept-alive connection for it.
    pub(super) fn crowded(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
            && self.busy.load(Ordering::SeqCst) >= self.limits.workers.max(1)
    }
}

impl Server {
    /// Serves `site` on `listener` until [`Server::stop`].
    pub fn start(listener: TcpListener, site: Arc<Current>, limits: Limits) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let workers_count = limits.workers.max(1);
        let (sender, receiver) = mpsc::sync_channel::<TcpStream>(limits.queue);
        let shared = Arc::new(Shared {
            site,
            limits,
            stop: AtomicBool::new(false),
            waiting: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
        });
        let receiver = Arc::new(Mutex::new(receiver));
        let mut workers = Vec::with_capacity(workers_count);
        for i in 0..workers_count {
            let shared = Arc::clone(&shared);
            let receiver = Arc::clone(&receiver);
            workers.push(
                thread::Builder::new()
                    .name(format!("serve-worker-{i}"))
                    .spawn(move || work(&shared, &receiver))?,
            );
        }
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("serve-accept".into())
                .spawn(move || accept(&listener, &shared, sender))?
        };
        Ok(Server {
            addr,
            shared,
            acceptor: Some(acceptor),
            workers,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets each worker finish the response it is writing, and waits
    /// for the threads (at most about `write_time`; a thread still busy then is left to
    /// end with the process).
    pub fn stop(mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // The acceptor is blocked in accept(): a connection of our own wakes it.
        let _ = TcpStream::connect_timeout(&reachable(self.addr), Duration::from_secs(1));
        let deadline = Instant::now() + self.shared.limits.write_time + POLL * 5;
        let threads = self
            .acceptor
            .take()
            .into_iter()
            .chain(self.workers.drain(..));
        for thread in threads {
            while !thread.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(10));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

/// An address to connect to that reaches a listener bound to `addr`: the loopback
/// address of the same family when it is bound to all addresses.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

fn accept(listener: &TcpListener, shared: &Shared, sender: SyncSender<TcpStream>) {
    for connection in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match connection {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors and the like: do not spin; try again shortly.
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        shared.waiting.fetch_add(1, Ordering::SeqCst);
        match sender.try_send(stream) {
            Ok(()) => {}
            Err(TrySendError::Full(stream)) => {
                shared.waiting.fetch_sub(1, Ordering::SeqCst);
                busy(stream);
            }
            Err(TrySendError::Disconnected(_)) => break,
        }
    }
    // Dropping the sender lets the workers run out of connections and end.
}

/// Every worker is busy and the queue is full: say so without waiting on the client.
fn busy(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(true);
    let mut response = error_response(503);
    response.headers.push(("Retry-After", "1".into()));
    let _ = stream.write_all(&response.head_bytes(true, SystemTime::now()));
    let _ = stream.write_all(response.body());
}

fn work(shared: &Shared, receiver: &Mutex<Receiver<TcpStream>>) {
    loop {
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(stream) = next else { return };
        shared.busy.fetch_add(1, Ordering::SeqCst);
        shared.waiting.fetch_sub(1, Ordering::SeqCst);
        if !shared.stop.load(Ordering::SeqCst) {
            // A bug in answering one request must not cost the pool a worker.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| connection(stream, shared)));
        }
        shared.busy.fetch_sub(1, Ordering::SeqCst);
    }
}
