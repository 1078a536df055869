//! One connection, as a state machine the event loop drives whenever the socket is ready
//! (or a deadline passes): nothing here blocks, so a connection that sends nothing, or a
//! byte at a time, costs a buffer and a table entry, never a thread.
//!
//! A connection is in one [`Phase`] at a time, each with its deadline:
//! - `Idle`: waiting for the first byte of a request (new, or between keep-alive
//!   requests): closed after `idle_time`, or after 500 ms while the server is full;
//! - `Head`: part of a request head has arrived: the whole head is due `request_time`
//!   after its first byte, however it trickles in, else 408;
//! - `Writing`: a response is being written: it must be gone within `write_time`;
//! - `Lingering`: the last response is out and the write side shut; what the client
//!   still sends is read and dropped for a moment, so that closing does not reset the
//!   connection before the client has read the response.
//!
//! Requests on one connection are answered one after the other (keep-alive and
//! pipelining); the next is parsed only once the previous response is written.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant, SystemTime};

use mio::net::TcpStream;

use super::Shared;
use super::request::{has_blank_line, parse_head};
use super::response::{Response, error_response, respond};

/// How long a closing connection reads and drops what the client still sends.
const LINGER: Duration = Duration::from_millis(200);
/// How much it reads so before closing anyway.
const LINGER_BYTES: usize = 64 * 1024;
/// Requests answered in one go before the loop turns to other connections: a client
/// pipelining without end does not starve the others.
const FAIR_SHARE: usize = 32;
/// How long a connection may stay idle while the server is full (see
/// [`Shared::crowded`]): a client waiting for room gets it soon.
const CROWDED_IDLE: Duration = Duration::from_millis(500);
/// Bodies up to this size go in the same write as the head: one packet for most
/// responses.
const INLINE_BODY: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Head,
    Writing,
    Lingering,
}

/// What the loop does with a connection after driving it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Wait for the socket to be ready again (or a deadline).
    Wait,
    /// Drive it again soon: it had more to do than its fair share.
    Again,
    /// Close it (drop it).
    Close,
}

pub(super) struct Connection {
    stream: TcpStream,
    /// Request bytes received and not yet answered: `buf[..filled]`.
    buf: Vec<u8>,
    filled: usize,
    /// The response head (and a small body) being written, from `out_at`.
    out: Vec<u8>,
    out_at: usize,
    /// A larger body, written after `out`, from `body_at`.
    body: Option<Response>,
    body_at: usize,
    close_after: bool,
    phase: Phase,
    /// When the phase began, and when it ends.
    since: Instant,
    deadline: Instant,
    /// Accepted past the connection limit: its request is read, then answered 503.
    overloaded: bool,
    /// Whether the loop is told when the socket is writable: only once a write would
    /// have blocked (most responses fit the socket's buffer, and an event per response
    /// written would double the loop's work).
    pub(super) wants_writable: bool,
    /// A write would block: the loop is to ask for writability.
    pub(super) blocked: bool,
    /// The last read took less than it had room for: the socket had nothing more, and
    /// the loop hears when more arrives, so reading again now would only be told so.
    drained: bool,
    lingered: usize,
}

impl Connection {
    pub(super) fn new(stream: TcpStream, overloaded: bool, shared: &Shared) -> Connection {
        // Responses go out in one or two writes; don't let Nagle hold the second back.
        let _ = stream.set_nodelay(true);
        Connection {
            stream,
            buf: Vec::new(),
            filled: 0,
            out: Vec::new(),
            out_at: 0,
            body: None,
            body_at: 0,
            close_after: false,
            phase: Phase::Idle,
            since: Instant::now(),
            deadline: Instant::now() + shared.limits.idle_time,
            overloaded,
            wants_writable: false,
            blocked: false,
            drained: false,
            lingered: 0,
        }
    }

    pub(super) fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Does everything the socket allows now: writes what is pending, answers complete
    /// requests, reads what has arrived.
    pub(super) fn drive(&mut self, shared: &Shared) -> Next {
        let limits = &shared.limits;
        let mut answered = 0;
        // Called because the socket is ready (or a deadline passed): try it.
        self.drained = false;
        loop {
            match self.phase {
                Phase::Lingering => return self.drain(),
                Phase::Writing => match self.flush() {
                    Ok(true) => {
                        if self.close_after || shared.stopping() {
                            self.linger();
                            continue;
                        }
                        if self.filled > 0 {
                            // The next request (pipelined) has begun already.
                            self.enter(Phase::Head, limits.request_time);
                        } else {
                            self.enter(Phase::Idle, limits.idle_time);
                        }
                    }
                    Ok(false) => {
                        self.blocked = true;
                        return Next::Wait;
                    }
                    Err(_) => return Next::Close,
                },
                Phase::Idle | Phase::Head => {
                    if self.filled > 0 {
                        if answered >= FAIR_SHARE {
                            return Next::Again;
                        }
                        if let Some((response, close)) = self.request(shared) {
                            self.start_writing(response, close, limits.write_time);
                            answered += 1;
                            continue;
                        }
                    }
                    if self.drained {
                        return Next::Wait;
                    }
                    match self.read(limits.head_bytes) {
                        Ok(0) => return Next::Close,
                        Ok(_) => {
                            if self.phase == Phase::Idle {
                                // The whole head is due from its first byte.
                                self.enter(Phase::Head, limits.request_time);
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Wait,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => return Next::Close,
                    }
                }
            }
        }
    }

    /// Called when the loop finds the deadline passed: an idle connection is closed, a
    /// request head that did not arrive in time gets 408, a response that could not be
    /// written in time is abandoned.
    /// An idle connection goes sooner while the server is full.
    pub(super) fn expire(&mut self, now: Instant, shared: &Shared) -> Next {
        if self.phase == Phase::Idle && now >= self.since + CROWDED_IDLE && shared.crowded() {
            return Next::Close;
        }
        if now < self.deadline {
            return Next::Wait;
        }
        match self.phase {
            Phase::Head if !shared.stopping() => {
                self.filled = 0;
                let response = error_response(408);
                self.start_writing(response, true, shared.limits.write_time);
                self.drive(shared)
            }
            _ => Next::Close,
        }
    }

    /// The server is stopping: a connection not answering a request closes now; one
    /// writing finishes the response (within its deadline), then closes.
    pub(super) fn stop(&mut self) -> Next {
        match self.phase {
            Phase::Idle | Phase::Head => Next::Close,
            Phase::Writing | Phase::Lingering => Next::Wait,
        }
    }

    fn enter(&mut self, phase: Phase, time: Duration) {
        self.phase = phase;
        self.since = Instant::now();
        self.deadline = self.since + time;
    }

    /// The response to the complete request at the start of the buffer, if there is one,
    /// with whether to close after it; the request is taken out of the buffer.
    fn request(&mut self, shared: &Shared) -> Option<(Response, bool)> {
        let bytes = &self.buf[..self.filled];
        let parsed = if has_blank_line(bytes) {
            parse_head(bytes, shared.limits.headers)
        } else {
            Ok(None)
        };
        match parsed {
            Ok(Some((head, length))) => {
                self.buf.copy_within(length..self.filled, 0);
                self.filled -= length;
                if self.overloaded {
                    self.filled = 0;
                    let mut response = error_response(503);
                    response.headers.push(("Retry-After", "1".into()));
                    return Some((response, true));
                }
                let response = respond(&head, &shared.site.load(), SystemTime::now());
                let close = response.close || !head.keep_alive() || shared.stopping();
                Some((response, close))
            }
            Ok(None) if self.filled < shared.limits.head_bytes => None,
            Ok(None) => {
                let line_fits = bytes.contains(&b'\n');
                self.filled = 0;
                Some((error_response(if line_fits { 431 } else { 414 }), true))
            }
            Err(status) => {
                self.filled = 0;
                Some((error_response(status), true))
            }
        }
    }

    fn start_writing(&mut self, response: Response, close: bool, time: Duration) {
        let close = close || response.close;
        self.out = response.head_bytes(close, SystemTime::now());
        self.out_at = 0;
        self.body_at = 0;
        self.body = None;
        let body = if response.send_body {
            response.body()
        } else {
            &[]
        };
        if body.len() <= INLINE_BODY {
            self.out.extend_from_slice(body);
        } else {
            self.body = Some(response);
        }
        self.close_after = close;
        self.enter(Phase::Writing, time);
    }

    /// Reads what has arrived, up to `limit` bytes of request in the buffer.
    fn read(&mut self, limit: usize) -> io::Result<usize> {
        if self.filled == self.buf.len() {
            let grown = (self.buf.len() * 2).max(1024).min(limit.max(1));
            if grown <= self.buf.len() {
                // Full: `request` answers 431 or 414 before reading again.
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.buf.resize(grown, 0);
        }
        let room = self.buf.len() - self.filled;
        let n = self.stream.read(&mut self.buf[self.filled..])?;
        self.filled += n;
        // A stream socket gives all it has, up to the room: a short read emptied it.
        self.drained = n > 0 && n < room;
        Ok(n)
    }

    /// Writes what is pending: true when all of it is written.
    fn flush(&mut self) -> io::Result<bool> {
        while self.out_at < self.out.len() {
            match self.stream.write(&self.out[self.out_at..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_at += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(response) = &self.body {
            let body = response.body();
            while self.body_at < body.len() {
                match self.stream.write(&body[self.body_at..]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => self.body_at += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        self.body = None;
        self.out.clear();
        self.out_at = 0;
        Ok(true)
    }

    /// Closes without losing the response: a close with unread request bytes makes the
    /// kernel send a reset, which can discard the response before the client reads it.
    /// So: no more writes, then read (and drop) briefly what the client still sends.
    fn linger(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        self.filled = 0;
        self.lingered = 0;
        self.enter(Phase::Lingering, LINGER);
    }

    fn drain(&mut self) -> Next {
        let mut sink = [0u8; 4096];
        loop {
            match self.stream.read(&mut sink) {
                Ok(0) => return Next::Close,
                Ok(n) => {
                    self.lingered += n;
                    if self.lingered >= LINGER_BYTES {
                        return Next::Close;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Wait,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Next::Close,
            }
        }
    }
}
