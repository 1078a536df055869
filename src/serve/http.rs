//! A small HTTP/1.1 server for GET and HEAD of the in-memory [`Site`]: readiness loops
//! (`mio`: epoll, kqueue or IOCP under one small API; four threads, each with its share
//! of the connections) that read request heads without blocking, answer them from memory
//! and write the responses without blocking, and `httparse` for the request head.
//!
//! Why a readiness loop and not a thread per connection: a client that opens a
//! connection and sends nothing, or a byte every few seconds, holds a thread for as long
//! as it likes in a thread-per-connection server; a few hundred of them stall a fixed
//! pool (an earlier version of this server, 8 workers, stalled with 8) and exhaust an
//! unbounded one. Here such a client holds a table entry and a buffer of at most 8 KiB,
//! and a response waits on nothing the client does, so no request waits behind another
//! client's slowness. It may wait on rendering: a file not yet in the site's cache is
//! rendered on the loop thread that asked for it (most in milliseconds; the whole
//! calendar of a very large publication in seconds), and that thread's other connections
//! wait that long. Why not hyper and tokio: a runtime, a dozen
//! crates and their build time for what is, for a site held in memory, one loop; and
//! `tiny_http` 0.12 has none of the limits below (no bound on a header line or on the
//! number of headers, no socket timeouts, a thread per connection).
//!
//! The limits ([`Limits`]):
//! - the request head (request line and headers) is at most 8 KiB, else 431 (414 when even
//!   the request line does not fit); at most 32 headers, else 431;
//! - a request head must arrive whole within 10 s of its first byte, however it is split,
//!   else 408; an idle connection (before the first byte, or between keep-alive requests)
//!   is closed after 5 s, or after 500 ms while the connection limit is reached;
//! - a response must be written within 10 s, else the connection is dropped;
//! - request bodies are refused (413, or 405 for other methods) and the connection closed;
//! - at most 512 connections are open at once; past that, a new connection's request is
//!   read and answered 503 with `Retry-After` and `Connection: close` (so the client
//!   reads a 503, not a reset), up to 128 more; beyond those, new connections are closed
//!   at once;
//! - methods other than GET and HEAD get 405 with `Allow: GET, HEAD`.
//!
//! The modules, in the order a request meets them:
//! - this file: the listener and the loop threads (accepting and handing connections
//!   out, readiness, deadlines, stopping);
//! - `connection`: one connection's state: reading, answering and writing without
//!   blocking, against its deadlines, keep-alive, closing without losing the response;
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

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token, Waker};

use super::site::Current;

use self::connection::{Connection, Next};

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
    /// Connections served at once; past that, new ones are answered 503.
    pub connections: usize,
    /// Connections answered 503 at once, past `connections`; past both, new
    /// connections are closed without a word.
    pub overload: usize,
    /// Threads running a loop, each with its share of the connections (the first
    /// accepts them and hands them out in turn). More than cores on purpose: a loop
    /// preempted on a busy machine then holds up only its share.
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_bytes: 8 * 1024,
            headers: 32,
            request_time: Duration::from_secs(10),
            idle_time: Duration::from_secs(5),
            write_time: Duration::from_secs(10),
            connections: 512,
            overload: 128,
            threads: 4,
        }
    }
}

/// How often each loop checks its connections' deadlines: they hold to this precision.
const SWEEP: Duration = Duration::from_millis(100);
/// After `accept` fails (out of file descriptors), how long before trying again.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

const LISTENER: Token = Token(usize::MAX - 1);
const WAKE: Token = Token(usize::MAX);

/// A running server: the loop threads.
pub struct Server {
    shared: Arc<Shared>,
    wakers: Vec<Arc<Waker>>,
    threads: Vec<JoinHandle<()>>,
}

pub(super) struct Shared {
    pub(super) site: Arc<Current>,
    pub(super) limits: Limits,
    stop: AtomicBool,
    /// Connections open, in every loop.
    open: AtomicUsize,
}

impl Shared {
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether the connection limit is reached: idle connections then make room.
    pub(super) fn crowded(&self) -> bool {
        self.open.load(Ordering::Relaxed) >= self.limits.connections
    }
}

impl Server {
    /// Serves `site` on `listener` until [`Server::stop`].
    pub fn start(listener: TcpListener, site: Arc<Current>, limits: Limits) -> io::Result<Server> {
        listener.set_nonblocking(true)?;
        let shared = Arc::new(Shared {
            site,
            limits,
            stop: AtomicBool::new(false),
            open: AtomicUsize::new(0),
        });
        let count = shared.limits.threads.max(1);
        let mut polls = Vec::with_capacity(count);
        let mut wakers = Vec::with_capacity(count);
        for _ in 0..count {
            let poll = Poll::new()?;
            wakers.push(Arc::new(Waker::new(poll.registry(), WAKE)?));
            polls.push(poll);
        }
        // The first loop accepts, and hands each connection to the loops in turn: every
        // core serves its share (with one listener in each loop, the kernel would wake
        // them all and the first awake would take every connection).
        let mut listener = Some(mio::net::TcpListener::from_std(listener));
        let mut outboxes = Vec::with_capacity(count);
        let mut inboxes = Vec::with_capacity(count);
        for waker in &wakers {
            let (sender, receiver) = mpsc::channel();
            outboxes.push((sender, Arc::clone(waker)));
            inboxes.push(receiver);
        }
        let mut threads = Vec::with_capacity(count);
        for (i, (poll, inbox)) in polls.into_iter().zip(inboxes).enumerate() {
            let mut listener = if i == 0 { listener.take() } else { None };
            if let Some(listener) = &mut listener {
                poll.registry()
                    .register(listener, LISTENER, Interest::READABLE)?;
            }
            let outboxes = if i == 0 { outboxes.clone() } else { Vec::new() };
            let shared = Arc::clone(&shared);
            let lp = Loop::new(poll, listener, shared, inbox, outboxes, i);
            threads.push(
                thread::Builder::new()
                    .name(format!("serve-loop-{i}"))
                    .spawn(move || lp.run())?,
            );
        }
        Ok(Server {
            shared,
            wakers,
            threads,
        })
    }

    /// Stops accepting (the listener is closed), lets each response being written
    /// finish, and waits for the threads (at most about `write_time`; a thread still
    /// busy then is left to end with the process).
    pub fn stop(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for waker in &self.wakers {
            let _ = waker.wake();
        }
        let deadline = Instant::now() + self.shared.limits.write_time + SWEEP * 5;
        for thread in self.threads {
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

/// A connection accepted by the first loop for another one, and whether it is past the
/// connection limit; the waker tells that loop.
type Outbox = (mpsc::Sender<(mio::net::TcpStream, bool)>, Arc<Waker>);

/// One loop: its connections, by token; the first loop also has the listener (until
/// stopping) and hands connections to the others.
struct Loop {
    poll: Poll,
    listener: Option<mio::net::TcpListener>,
    /// Connections handed to this loop.
    inbox: mpsc::Receiver<(mio::net::TcpStream, bool)>,
    /// Every loop's inbox (this one's included), for the first loop.
    outboxes: Vec<Outbox>,
    /// This loop's place in `outboxes`, and the next loop to hand a connection to.
    index: usize,
    turn: usize,
    shared: Arc<Shared>,
    connections: Vec<Option<Connection>>,
    free: Vec<usize>,
    /// Connections to drive again without waiting for readiness.
    again: Vec<usize>,
    /// When accepting failed, not before this.
    accept_after: Option<Instant>,
}

impl Loop {
    fn new(
        poll: Poll,
        listener: Option<mio::net::TcpListener>,
        shared: Arc<Shared>,
        inbox: mpsc::Receiver<(mio::net::TcpStream, bool)>,
        outboxes: Vec<Outbox>,
        index: usize,
    ) -> Loop {
        Loop {
            poll,
            listener,
            inbox,
            outboxes,
            index,
            turn: 0,
            shared,
            connections: Vec::new(),
            free: Vec::new(),
            again: Vec::new(),
            accept_after: None,
        }
    }

    fn run(mut self) {
        let mut events = Events::with_capacity(256);
        let mut next_sweep = Instant::now() + SWEEP;
        let mut stop_by = None;
        loop {
            let timeout = if self.again.is_empty() {
                next_sweep.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    thread::sleep(SWEEP);
                }
                continue;
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKE => self.take_handed(),
                    Token(i) => self.drive(i),
                }
            }
            for i in std::mem::take(&mut self.again) {
                self.drive(i);
            }
            let now = Instant::now();
            if self.shared.stopping() && stop_by.is_none() {
                stop_by = Some(now + self.shared.limits.write_time);
                self.stop();
            }
            if stop_by.is_some_and(|by| now >= by) || (stop_by.is_some() && self.is_empty()) {
                return;
            }
            if now >= next_sweep {
                next_sweep = now + SWEEP;
                self.sweep(now);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.connections.iter().all(Option::is_none)
    }

    fn accept(&mut self) {
        if self
            .accept_after
            .is_some_and(|after| Instant::now() < after)
        {
            return;
        }
        self.accept_after = None;
        let shared = Arc::clone(&self.shared);
        let limits = &shared.limits;
        loop {
            let Some(listener) = &self.listener else {
                return;
            };
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    // Out of file descriptors and the like: the connection waits in the
                    // backlog; the sweep tries again shortly.
                    self.accept_after = Some(Instant::now() + ACCEPT_PAUSE);
                    return;
                }
            };
            let open = self.shared.open.fetch_add(1, Ordering::SeqCst);
            if open >= limits.connections + limits.overload {
                self.shared.open.fetch_sub(1, Ordering::SeqCst);
                drop(stream);
                continue;
            }
            let overloaded = open >= limits.connections;
            let target = self.turn % self.outboxes.len().max(1);
            self.turn = self.turn.wrapping_add(1);
            if target == self.index || self.outboxes.is_empty() {
                self.add(stream, overloaded);
            } else {
                let (sender, waker) = &self.outboxes[target];
                if sender.send((stream, overloaded)).is_ok() {
                    let _ = waker.wake();
                } else {
                    self.shared.open.fetch_sub(1, Ordering::SeqCst);
                }
            }
        }
    }

    /// Takes the connections the first loop handed to this one.
    fn take_handed(&mut self) {
        while let Ok((stream, overloaded)) = self.inbox.try_recv() {
            if self.shared.stopping() {
                self.shared.open.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            self.add(stream, overloaded);
        }
    }

    /// Serves `stream` in this loop.
    fn add(&mut self, mut stream: mio::net::TcpStream, overloaded: bool) {
        let i = self.free.pop().unwrap_or_else(|| {
            self.connections.push(None);
            self.connections.len() - 1
        });
        let registered = self
            .poll
            .registry()
            .register(&mut stream, Token(i), Interest::READABLE);
        if registered.is_err() {
            self.free.push(i);
            self.shared.open.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        self.connections[i] = Some(Connection::new(stream, overloaded, &self.shared));
    }

    /// Drives connection `i`, if it is open, and acts on what it says next.
    fn drive(&mut self, i: usize) {
        let shared = &self.shared;
        let Some(connection) = self.connections.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        // A bug in answering one request must not end the loop and every connection.
        let next = panic::catch_unwind(AssertUnwindSafe(|| connection.drive(shared)))
            .unwrap_or(Next::Close);
        self.then(i, next);
    }

    fn then(&mut self, i: usize, next: Next) {
        if let Some(connection) = self.connections[i].as_mut()
            && connection.blocked
            && !connection.wants_writable
        {
            connection.wants_writable = true;
            let interest = Interest::READABLE | Interest::WRITABLE;
            let token = Token(i);
            if self
                .poll
                .registry()
                .reregister(connection.stream(), token, interest)
                .is_err()
            {
                self.close(i);
                return;
            }
        }
        match next {
            Next::Wait => {}
            Next::Again => self.again.push(i),
            Next::Close => self.close(i),
        }
    }

    fn close(&mut self, i: usize) {
        if let Some(mut connection) = self.connections[i].take() {
            let _ = self.poll.registry().deregister(connection.stream());
            self.free.push(i);
            self.shared.open.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Acts on every passed deadline; retries accepting after a failure.
    fn sweep(&mut self, now: Instant) {
        for i in 0..self.connections.len() {
            let shared = &self.shared;
            let Some(connection) = self.connections[i].as_mut() else {
                continue;
            };
            let next = panic::catch_unwind(AssertUnwindSafe(|| connection.expire(now, shared)))
                .unwrap_or(Next::Close);
            self.then(i, next);
        }
        if self.accept_after.is_some() {
            self.accept();
        }
    }

    /// Stops accepting, closes the connections that are not answering a request.
    fn stop(&mut self) {
        if let Some(mut listener) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        for i in 0..self.connections.len() {
            if let Some(connection) = self.connections[i].as_mut() {
                let next = connection.stop();
                self.then(i, next);
            }
        }
    }
}
