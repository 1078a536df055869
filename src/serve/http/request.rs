//! Reading a request: its head (with `httparse`, into the few fields the server uses)
//! and its target (decoded, and refused when it tries to reach outside the site).

/// Whether `bytes` hold the empty line that ends a request head (httparse accepts bare
/// LF line ends too). Checked before parsing, so that a head trickling in byte by byte
/// is not parsed again for each byte.
pub(super) fn has_blank_line(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\n\n") || bytes.windows(3).any(|w| w == b"\n\r\n")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Head,
    Other,
}

/// What the server uses of a request head.
#[derive(Debug)]
pub(super) struct Head {
    pub(super) method: Method,
    pub(super) target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub(super) version: u8,
    pub(super) hosts: usize,
    pub(super) has_body: bool,
    pub(super) connection: String,
    pub(super) accept_encoding: Option<String>,
    pub(super) if_none_match: Option<String>,
    pub(super) if_modified_since: Option<String>,
}

impl Head {
    pub(super) fn keep_alive(&self) -> bool {
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
pub(super) fn parse_head(bytes: &[u8], max_headers: usize) -> Result<Option<(Head, usize)>, u16> {
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

/// Percent-decodes a request path: `None` when an escape is malformed.
///
/// Why the check before `percent_encoding`: the crate follows the URL standard, which
/// keeps a `%` that is not followed by two hex digits as a literal `%`, while here such a
/// path is malformed (no client sends one for a real page) and refused with 400. `+` is
/// left as it is: it means a space only in form-encoded queries, not in paths.
fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let well_formed = bytes.iter().enumerate().all(|(i, &byte)| {
        byte != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    well_formed.then(|| percent_encoding::percent_decode(bytes).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::http::tests::head;

    #[test]
    fn paths_decode_and_dot_segments_are_refused() {
        let ok = |target: &str| decode_path(target).map(|p| p.decoded);
        assert_eq!(ok("/").as_deref(), Ok("/"));
        assert_eq!(ok("/a.ics").as_deref(), Ok("/a.ics"));
        assert_eq!(ok("/a/b.ics?x=1#f").as_deref(), Ok("/a/b.ics"));
        assert_eq!(ok("/a%20b.ics").as_deref(), Ok("/a b.ics"));
        assert_eq!(ok("/a+b.ics").as_deref(), Ok("/a+b.ics"));
        assert_eq!(ok("/%2541").as_deref(), Ok("/%41"));
        assert_eq!(ok("/%C3%A9.ics").as_deref(), Ok("/é.ics"));
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
            // A sign is not a hex digit (the hand-written decoder once took `%+f`).
            ("/%+f", 400),
            ("/%ff%+f", 400),
            // `+` is a plain character in a path, not a space.
            ("/a+b/.x", 404),
        ] {
            assert_eq!(
                decode_path(target).map(|p| p.decoded),
                Err(status),
                "{target}"
            );
        }
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
    fn blank_line_detection() {
        assert!(has_blank_line(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(has_blank_line(b"GET / HTTP/1.1\n\n"));
        assert!(!has_blank_line(b"GET / HTTP/1.1\r\nHost: x\r\n"));
    }
}
