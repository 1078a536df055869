//! One connection, from its first byte to its close: the requests on it are read, parsed
//! and answered one after the other (keep-alive and pipelining), each read and write
//! bounded by the [`Limits`](super::Limits) deadlines, and a worker held by an idle
//! kept-alive connection gives it up when another connection waits.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use super::request::{has_blank_line, parse_head};
use super::response::{Response, error_response, respond};
use super::{POLL, Shared};

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
pub(super) fn connection(mut stream: TcpStream, shared: &Shared) {
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
