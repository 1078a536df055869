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

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, Utc};

use super::site::{Current, Entry, Resolved, Site};

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
const POLL: Duration = Duration::from_millis(100);

/// A running server: an acceptor thread and the workers.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

struct Shared {
    site: Arc<Current>,
    limits: Limits,
    stop: AtomicBool,
    /// Connections accepted and not yet taken by a worker.
    waiting: AtomicUsize,
    /// Workers serving a connection.
    busy: AtomicUsize,
}

impl Shared {
    /// Whether a connection is waiting that no worker is free to take: then a worker
    /// gives up a kept-alive connection for it.
    fn crowded(&self) -> bool {
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

enum Got {
    Data(usize),
    /// The peer closed, the read failed, the server is stopping, or another connection
    /// waits for this worker.
    Gone,
    TimedOut,
}

/// Reads what is available into `buf`, waiting until `deadline` at most. When `yielding`,
/// gives up when another connection has been waiting for a worker (see
/// [`Shared::crowded`]) through a whole [`POLL`] in which this one sent nothing: a
/// client busy on its connection is not cut off in the middle of sending a request.
fn read_until(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
    shared: &Shared,
    yielding: bool,
) -> Got {
    let mut was_crowded = false;
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return Got::Gone;
        }
        let crowded = yielding && shared.crowded();
        if crowded && was_crowded {
            return Got::Gone;
        }
        was_crowded = crowded;
        let now = Instant::now();
        if now >= deadline {
            return Got::TimedOut;
        }
        if stream
            .set_read_timeout(Some((deadline - now).min(POLL)))
            .is_err()
        {
            return Got::Gone;
        }
        match stream.read(buf) {
            Ok(0) => return Got::Gone,
            Ok(n) => return Got::Data(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return Got::Gone,
        }
    }
}

/// Serves the requests of one connection, one after the other (keep-alive, pipelining).
fn connection(mut stream: TcpStream, shared: &Shared) {
    let limits = &shared.limits;
    // Responses go out in one or two writes; don't let Nagle hold the second back.
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; limits.head_bytes];
    let mut filled = 0;
    let mut first = true;
    loop {
        if filled == 0 {
            // A new connection is not given up for a waiting one: it has not been served.
            match read_until(
                &mut stream,
                &mut buf,
                Instant::now() + limits.idle_time,
                shared,
                !first,
            ) {
                Got::Data(n) => filled = n,
                Got::Gone | Got::TimedOut => return,
            }
        }
        first = false;
        let deadline = Instant::now() + limits.request_time;
        let parsed = loop {
            if has_blank_line(&buf[..filled]) {
                match parse_head(&buf[..filled], limits.headers) {
                    Ok(Some(parsed)) => break Ok(parsed),
                    Ok(None) => {}
                    Err(status) => break Err(status),
                }
            }
            if filled == buf.len() {
                let line_fits = buf.contains(&b'\n');
                break Err(if line_fits { 431 } else { 414 });
            }
            match read_until(&mut stream, &mut buf[filled..], deadline, shared, false) {
                Got::Data(n) => filled += n,
                Got::TimedOut => break Err(408),
                Got::Gone => return,
            }
        };
        let (head, length) = match parsed {
            Ok(parsed) => parsed,
            Err(status) => {
                let response = error_response(status);
                let _ = write_response(&mut stream, &response, true, limits.write_time);
                linger(stream);
                return;
            }
        };
        buf.copy_within(length..filled, 0);
        filled -= length;

        let response = respond(&head, &shared.site.load(), SystemTime::now());
        let close = response.close
            || !head.keep_alive()
            || shared.stop.load(Ordering::Relaxed)
            || shared.crowded();
        if write_response(&mut stream, &response, close, limits.write_time).is_err() {
            return;
        }
        if close {
            linger(stream);
            return;
        }
    }
}

/// Closes after a response without losing it: a close with unread request bytes makes
/// the kernel send a reset, which can discard the response before the client reads it.
/// So: no more writes, then read (and drop) briefly what the client still sends.
fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_millis(200);
    let mut sink = [0u8; 4096];
    let mut budget: usize = 64 * 1024;
    while budget > 0 && Instant::now() < deadline {
        let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => budget = budget.saturating_sub(n),
        }
    }
}

/// Whether `bytes` hold the empty line that ends a request head (httparse accepts bare
/// LF line ends too). Checked before parsing, so that a head trickling in byte by byte
/// is not parsed again for each byte.
fn has_blank_line(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\n\n") || bytes.windows(3).any(|w| w == b"\n\r\n")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Other,
}

/// What the server uses of a request head.
#[derive(Debug)]
struct Head {
    method: Method,
    target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    version: u8,
    hosts: usize,
    has_body: bool,
    connection: String,
    accept_encoding: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
}

impl Head {
    fn keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.connection
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.version >= 1 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }
}

/// Parses a complete request head: `Ok(None)` while it is incomplete, else the head and
/// its length in bytes, or the status to refuse it with.
fn parse_head(bytes: &[u8], max_headers: usize) -> Result<Option<(Head, usize)>, u16> {
    let mut headers = vec![httparse::EMPTY_HEADER; max_headers];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        Err(httparse::Error::Version) => return Err(505),
        Err(_) => return Err(400),
    };
    let method = match request.method {
        Some("GET") => Method::Get,
        Some("HEAD") => Method::Head,
        _ => Method::Other,
    };
    let mut head = Head {
        method,
        target: request.path.unwrap_or("").to_string(),
        version: request.version.unwrap_or(1),
        hosts: 0,
        has_body: false,
        connection: String::new(),
        accept_encoding: None,
        if_none_match: None,
        if_modified_since: None,
    };
    // Fields that may repeat are joined with commas, as RFC 9110 section 5.3 allows.
    let join = |slot: &mut Option<String>, value: &str| match slot {
        Some(existing) => {
            existing.push_str(", ");
            existing.push_str(value);
        }
        None => *slot = Some(value.to_string()),
    };
    for header in request.headers.iter() {
        let value = String::from_utf8_lossy(header.value);
        let value = value.trim();
        let name = header.name;
        if name.eq_ignore_ascii_case("host") {
            head.hosts += 1;
        } else if name.eq_ignore_ascii_case("content-length") {
            match value.parse::<u64>() {
                Ok(0) => {}
                Ok(_) => head.has_body = true,
                Err(_) => return Err(400),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.has_body = true;
        } else if name.eq_ignore_ascii_case("connection") {
            head.connection.push_str(value);
            head.connection.push(',');
        } else if name.eq_ignore_ascii_case("accept-encoding") {
            join(&mut head.accept_encoding, value);
        } else if name.eq_ignore_ascii_case("if-none-match") {
            join(&mut head.if_none_match, value);
        } else if name.eq_ignore_ascii_case("if-modified-since") {
            // Only one date makes sense; a list of them is not a valid date and is ignored.
            join(&mut head.if_modified_since, value);
        }
    }
    Ok(Some((head, length)))
}

/// What is sent back.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
    /// HEAD and 304: headers only.
    send_body: bool,
    /// Close the connection after this response.
    close: bool,
}

#[derive(Debug)]
enum Body {
    Text(String),
    File { entry: Arc<Entry>, gzip: bool },
}

impl Response {
    fn body(&self) -> &[u8] {
        match &self.body {
            Body::Text(text) => text.as_bytes(),
            Body::File { entry, gzip: false } => &entry.body,
            Body::File { entry, gzip: true } => entry.gzip.as_deref().unwrap_or(&entry.body),
        }
    }

    fn head_bytes(&self, close: bool, now: SystemTime) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nDate: {}\r\nServer: calfeed\r\n",
            self.status,
            reason(self.status),
            http_date(now)
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if self.status != 304 {
            head.push_str(&format!("Content-Length: {}\r\n", self.body().len()));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

fn error_response(status: u16) -> Response {
    Response {
        status,
        headers: vec![
            ("Content-Type", "text/plain; charset=utf-8".into()),
            ("X-Content-Type-Options", "nosniff".into()),
            ("Cache-Control", "no-store".into()),
        ],
        body: Body::Text(format!("{status} {}\n", reason(status))),
        send_body: true,
        close: status >= 400 && !matches!(status, 404 | 405),
    }
}

/// Writes the response whole within `time`, or fails.
fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    close: bool,
    time: Duration,
) -> io::Result<()> {
    let deadline = Instant::now() + time;
    let mut bytes = response.head_bytes(close, SystemTime::now());
    let body = if response.send_body {
        response.body()
    } else {
        &[]
    };
    // Small bodies go in the same write as the head: one packet for most responses.
    if body.len() <= 16 * 1024 {
        bytes.extend_from_slice(body);
        write_by(stream, &bytes, deadline)
    } else {
        write_by(stream, &bytes, deadline)?;
        write_by(stream, body, deadline)
    }
}

fn write_by(stream: &mut TcpStream, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(&bytes[..bytes.len().min(64 * 1024)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The answer to a parsed request, from `site`, at time `now`.
fn respond(head: &Head, site: &Site, now: SystemTime) -> Response {
    if head.method == Method::Other {
        let mut response = error_response(405);
        response.headers.push(("Allow", "GET, HEAD".into()));
        // A body we will not read may follow.
        response.close = true;
        return response;
    }
    if head.has_body {
        return error_response(413);
    }
    // RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without
    // exactly one Host.
    if head.version >= 1 && head.hosts != 1 {
        return error_response(400);
    }
    let mut response = match decode_path(&head.target) {
        Err(status) => error_response(status),
        Ok(path) => match site.resolve(&path.decoded) {
            Resolved::NotFound => error_response(404),
            Resolved::AddSlash => {
                let mut response = error_response(301);
                let query = path.query.map(|q| format!("?{q}")).unwrap_or_default();
                response.body = Body::Text(String::new());
                response.headers = vec![("Location", format!("{}/{query}", path.raw))];
                response.close = false;
                response
            }
            Resolved::File(entry) => file_response(head, entry, now),
        },
    };
    if head.method == Method::Head {
        response.send_body = false;
    }
    response
}

fn file_response(head: &Head, entry: Arc<Entry>, now: SystemTime) -> Response {
    let gzip = entry.gzip.is_some() && head.accept_encoding.as_deref().is_some_and(accepts_gzip);
    let etag = if gzip { &entry.gzip_etag } else { &entry.etag };
    let mut headers = vec![
        ("Content-Type", entry.content_type.to_string()),
        ("ETag", etag.clone()),
        ("Last-Modified", http_date(entry.last_modified)),
        // Preview: the content changes as you edit, so clients revalidate every time
        // (a cheap 304 while nothing changed).
        ("Cache-Control", "no-cache".into()),
        ("Vary", "Accept-Encoding".into()),
        ("X-Content-Type-Options", "nosniff".into()),
    ];
    if gzip {
        headers.push(("Content-Encoding", "gzip".into()));
    }
    let not_modified = match (&head.if_none_match, &head.if_modified_since) {
        // RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since is then ignored.
        (Some(tags), _) => none_match_fails(tags, &[entry.etag.as_str(), entry.gzip_etag.as_str()]),
        (None, Some(since)) => not_modified_since(since, entry.last_modified, now),
        (None, None) => false,
    };
    Response {
        status: if not_modified { 304 } else { 200 },
        headers,
        body: Body::File { entry, gzip },
        send_body: !not_modified,
        close: false,
    }
}

/// A request target, decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestPath<'a> {
    /// Percent-decoded, starting with `/`, without dot segments or dotfiles.
    pub decoded: String,
    /// As sent, without the query.
    pub raw: &'a str,
    pub query: Option<&'a str>,
}

/// Decodes a request target (origin form `/a/b?q`, or absolute form `http://host/a/b`)
/// into a path to look up, or the status to refuse it with: 400 for what no client
/// sends for a real page (`.` and `..` segments, encoded or not; backslashes; control
/// characters; malformed `%` escapes), 404 for dotfiles, empty segments and paths that
/// are not UTF-8 (no output has such a name).
pub fn decode_path(target: &str) -> Result<RequestPath<'_>, u16> {
    let path = origin_form(target).ok_or(400u16)?;
    let (raw, query) = match path.find(['?', '#']) {
        Some(i) => (&path[..i], path[i..].strip_prefix('?')),
        None => (path, None),
    };
    let query = query.map(|q| q.split('#').next().unwrap_or(""));
    // `http://host` and `http://host?q` name the root.
    let raw = if raw.is_empty() { "/" } else { raw };
    let bytes = percent_decode(raw.as_bytes()).ok_or(400u16)?;
    let decoded = String::from_utf8(bytes).map_err(|_| 404u16)?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return Err(400);
    }
    let segments: Vec<&str> = decoded[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." {
            return Err(400);
        }
        if segment.starts_with('.') || (segment.is_empty() && i != last) {
            return Err(404);
        }
    }
    Ok(RequestPath {
        decoded,
        raw,
        query,
    })
}

/// The path and query of a request target: origin form as is, absolute form
/// (`http://host:port/path?q`, which HTTP/1.1 servers must accept) without scheme and
/// authority. `None` for anything else (`*`, authority form, relative paths).
fn origin_form(target: &str) -> Option<&str> {
    if target.starts_with('/') {
        return Some(target);
    }
    let scheme = target.get(..8)?.to_ascii_lowercase();
    let rest = if scheme.starts_with("http://") {
        &target[7..]
    } else if scheme.starts_with("https://") {
        &target[8..]
    } else {
        return None;
    };
    Some(rest.find(['/', '?', '#']).map_or("", |i| &rest[i..]))
}

fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Whether an Accept-Encoding value admits gzip: `gzip` (or `x-gzip`) with a non-zero
/// quality, or else `*` with one.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
        let acceptable = quality.is_some_and(|q| q > 0.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => return acceptable,
            "*" => star = Some(acceptable),
            _ => {}
        }
    }
    star.unwrap_or(false)
}

/// Whether an If-None-Match value matches one of the file's tags, so that the answer is
/// 304. The comparison is weak (RFC 9110 section 13.1.2): `W/"x"` matches `"x"`. Either
/// representation's tag matches: both stand for the same bytes.
pub fn none_match_fails(if_none_match: &str, etags: &[&str]) -> bool {
    if if_none_match.trim() == "*" {
        return true;
    }
    let mut rest = if_none_match;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return false;
        }
        let tag_start = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(after_quote) = tag_start.strip_prefix('"') else {
            return false; // not an entity tag: ignore the rest
        };
        let Some(end) = after_quote.find('"') else {
            return false;
        };
        let tag = &tag_start[..end + 2];
        if etags.contains(&tag) {
            return true;
        }
        rest = &after_quote[end + 1..];
    }
}

/// Whether an If-Modified-Since date means the client's copy is current. A date that
/// does not parse, or lies in the future, is ignored (RFC 9110 section 13.1.3).
pub fn not_modified_since(since: &str, last_modified: SystemTime, now: SystemTime) -> bool {
    match parse_http_date(since) {
        Some(since) if since <= now => last_modified <= since,
        _ => false,
    }
}

/// An IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Parses the three date forms HTTP recipients must accept (RFC 9110 section 5.6.7).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let parsed = NaiveDateTime::parse_from_str(text, "%a, %d %b %Y %H:%M:%S GMT")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%A, %d-%b-%y %H:%M:%S GMT"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%a %b %e %H:%M:%S %Y"))
        .ok()?;
    let seconds = u64::try_from(parsed.and_utc().timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::export::Output;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn paths_decode_and_dot_segments_are_refused() {
        let ok = |target: &str| decode_path(target).map(|p| p.decoded);
        assert_eq!(ok("/").as_deref(), Ok("/"));
        assert_eq!(ok("/a.ics").as_deref(), Ok("/a.ics"));
        assert_eq!(ok("/a/b.ics?x=1#f").as_deref(), Ok("/a/b.ics"));
        assert_eq!(ok("/a%20b.ics").as_deref(), Ok("/a b.ics"));
        assert_eq!(ok("/dir/").as_deref(), Ok("/dir/"));
        assert_eq!(ok("http://host:8080/a.ics").as_deref(), Ok("/a.ics"));
        assert_eq!(ok("HTTP://host").as_deref(), Ok("/"));
        assert_eq!(decode_path("/a?q=1").unwrap().query, Some("q=1"));
        assert_eq!(decode_path("/a?q=1").unwrap().raw, "/a");
        for (target, status) in [
            ("/../Cargo.toml", 400),
            ("/a/../../etc/passwd", 400),
            ("/./a.ics", 400),
            ("/%2e%2e/Cargo.toml", 400),
            ("/%2E%2E%2FCargo.toml", 400),
            ("/..%2fCargo.toml", 400),
            ("/%2e%2e%5cCargo.toml", 400),
            ("/..\\Cargo.toml", 400),
            ("/a%00.ics", 400),
            ("/a%zz", 400),
            ("/a%2", 400),
            ("http://h/../x", 400),
            ("*", 400),
            ("a.ics", 400),
            ("/.git/config", 404),
            ("/%2egit/config", 404),
            ("/a/.hidden", 404),
            ("//etc/passwd", 404),
            ("/a//b", 404),
            ("/%ff.ics", 404),
        ] {
            assert_eq!(
                decode_path(target).map(|p| p.decoded),
                Err(status),
                "{target}"
            );
        }
    }

    #[test]
    fn gzip_acceptance_follows_quality_values() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("x-gzip"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("gzip; q=0.000"));
        assert!(!accepts_gzip("*;q=0"));
        assert!(!accepts_gzip("deflate, br"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("*, gzip;q=0"));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let tags = ["\"1-ab\"", "\"1-ab-gz\""];
        assert!(none_match_fails("\"1-ab\"", &tags));
        assert!(none_match_fails("W/\"1-ab\"", &tags));
        assert!(none_match_fails("\"1-ab-gz\"", &tags));
        assert!(none_match_fails("\"zz\", \"1-ab\"", &tags));
        assert!(none_match_fails("*", &tags));
        assert!(!none_match_fails("\"zz\"", &tags));
        assert!(!none_match_fails("1-ab", &tags));
        assert!(!none_match_fails("\"1-ab", &tags));
        assert!(!none_match_fails("", &tags));
    }

    #[test]
    fn http_dates_format_and_parse_in_all_three_forms() {
        let t = at(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(form), Some(t), "{form}");
        }
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0100"), None);
    }

    #[test]
    fn if_modified_since_ignores_bad_and_future_dates() {
        let modified = at(1_000_000);
        let now = at(2_000_000);
        assert!(not_modified_since(&http_date(modified), modified, now));
        assert!(not_modified_since(&http_date(at(1_500_000)), modified, now));
        assert!(!not_modified_since(&http_date(at(999_999)), modified, now));
        assert!(!not_modified_since(
            &http_date(at(3_000_000)),
            modified,
            now
        ));
        assert!(!not_modified_since("garbage", modified, now));
    }

    fn head(text: &str) -> Head {
        let text = text.replace('\n', "\r\n");
        parse_head(text.as_bytes(), 32)
            .expect("valid")
            .expect("complete")
            .0
    }

    fn site() -> Site {
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
        Site::build(outputs, None, at(1_000)).0
    }

    #[test]
    fn heads_parse_with_limits() {
        assert!(
            parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n", 32)
                .unwrap()
                .is_none()
        );
        let many: String = (0..40).map(|i| format!("X-{i}: y\r\n")).collect();
        let text = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(parse_head(text.as_bytes(), 32).unwrap_err(), 431);
        assert_eq!(parse_head(b"GET / HTTP/2.0\r\n\r\n", 32).unwrap_err(), 505);
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 32).unwrap_err(),
            400
        );
        let h = head("GET /a.ics HTTP/1.0\nHost: x\nConnection: keep-alive\n\n");
        assert_eq!((h.version, h.hosts, h.keep_alive()), (0, 1, true));
        assert!(!head("GET / HTTP/1.0\n\n").keep_alive());
        assert!(head("GET / HTTP/1.1\nHost: x\n\n").keep_alive());
        assert!(!head("GET / HTTP/1.1\nHost: x\nConnection: Close\n\n").keep_alive());
    }

    #[test]
    fn responses_for_methods_bodies_hosts_and_paths() {
        let site = site();
        let now = at(2_000);
        let status = |text: &str| respond(&head(text), &site, now).status;
        assert_eq!(status("GET /a.ics HTTP/1.1\nHost: x\n\n"), 200);
        assert_eq!(status("HEAD /a.ics HTTP/1.1\nHost: x\n\n"), 200);
        assert_eq!(status("POST /a.ics HTTP/1.1\nHost: x\n\n"), 405);
        assert_eq!(status("get /a.ics HTTP/1.1\nHost: x\n\n"), 405);
        assert_eq!(status("GET /a.ics HTTP/1.1\n\n"), 400);
        assert_eq!(status("GET /a.ics HTTP/1.1\nHost: x\nHost: y\n\n"), 400);
        assert_eq!(status("GET /a.ics HTTP/1.0\n\n"), 200);
        assert_eq!(
            status("GET /a.ics HTTP/1.1\nHost: x\nContent-Length: 3\n\n"),
            413
        );
        assert_eq!(
            status("GET /a.ics HTTP/1.1\nHost: x\nContent-Length: 0\n\n"),
            200
        );
        assert_eq!(
            status("GET /a.ics HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n"),
            413
        );
        assert_eq!(status("GET /nope HTTP/1.1\nHost: x\n\n"), 404);
        assert_eq!(status("GET /../a.ics HTTP/1.1\nHost: x\n\n"), 400);
        let redirect = respond(&head("GET /a?x=1 HTTP/1.1\nHost: x\n\n"), &site, now);
        assert_eq!(redirect.status, 301);
        assert!(redirect.headers.contains(&("Location", "/a/?x=1".into())));
        let not_allowed = respond(&head("DELETE / HTTP/1.1\nHost: x\n\n"), &site, now);
        assert!(not_allowed.headers.contains(&("Allow", "GET, HEAD".into())));
    }

    #[test]
    fn conditional_and_compressed_responses() {
        let site = site();
        let now = at(2_000);
        let plain = respond(&head("GET /a.ics HTTP/1.1\nHost: x\n\n"), &site, now);
        let header = |r: &Response, name: &str| {
            r.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let etag = header(&plain, "ETag").unwrap();
        assert_eq!(
            header(&plain, "Last-Modified").unwrap(),
            http_date(at(1_000))
        );
        assert_eq!(header(&plain, "Content-Encoding"), None);

        let gz = respond(
            &head("GET /a.ics HTTP/1.1\nHost: x\nAccept-Encoding: gzip, br\n\n"),
            &site,
            now,
        );
        assert_eq!(header(&gz, "Content-Encoding").as_deref(), Some("gzip"));
        assert_ne!(header(&gz, "ETag").unwrap(), etag);
        assert!(gz.body().len() < plain.body().len());

        let cached = respond(
            &head(&format!(
                "GET /a.ics HTTP/1.1\nHost: x\nIf-None-Match: {etag}\n\n"
            )),
            &site,
            now,
        );
        assert_eq!(cached.status, 304);
        assert!(!cached.send_body);
        assert!(
            !String::from_utf8(cached.head_bytes(false, now))
                .unwrap()
                .contains("Content-Length")
        );

        // If-None-Match decides alone when present.
        let stale_tag = respond(
            &head(&format!(
                "GET /a.ics HTTP/1.1\nHost: x\nIf-None-Match: \"other\"\nIf-Modified-Since: {}\n\n",
                http_date(now)
            )),
            &site,
            now,
        );
        assert_eq!(stale_tag.status, 200);
        let by_date = respond(
            &head(&format!(
                "HEAD /a.ics HTTP/1.1\nHost: x\nIf-Modified-Since: {}\n\n",
                http_date(at(1_000))
            )),
            &site,
            now,
        );
        assert_eq!(by_date.status, 304);
    }

    #[test]
    fn blank_line_detection() {
        assert!(has_blank_line(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(has_blank_line(b"GET / HTTP/1.1\n\n"));
        assert!(!has_blank_line(b"GET / HTTP/1.1\r\nHost: x\r\n"));
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

    fn start(limits: Limits) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Server::start(listener, Arc::new(Current::new(site())), limits).unwrap()
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
    fn one_worker_serves_connections_in_turn_and_yields_when_idle() {
        let server = start(Limits {
            workers: 1,
            ..Limits::default()
        });
        // The first connection is kept alive and idle; the second one waits for the
        // only worker, which gives up the idle connection for it.
        let mut first = TcpStream::connect(server.addr()).unwrap();
        first
            .write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut reply = [0u8; 12];
        first.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"HTTP/1.1 200");
        let mut second = TcpStream::connect(server.addr()).unwrap();
        second
            .write_all(b"GET /a.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let started = Instant::now();
        assert!(read_all(&mut second).starts_with("HTTP/1.1 200 "));
        assert!(started.elapsed() < Duration::from_secs(2));
        server.stop();
    }

    #[test]
    fn a_full_queue_gets_503() {
        let server = start(Limits {
            workers: 1,
            queue: 1,
            ..Limits::default()
        });
        // Fresh connections that send nothing hold the worker and the queue slot.
        let mut held = Vec::new();
        for _ in 0..2 {
            held.push(TcpStream::connect(server.addr()).unwrap());
            thread::sleep(Duration::from_millis(100));
        }
        let mut third = TcpStream::connect(server.addr()).unwrap();
        assert!(read_all(&mut third).starts_with("HTTP/1.1 503 "));
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
}
