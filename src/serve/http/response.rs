//! Answering a request: which status, headers and body the site gives for a parsed
//! [`Head`] (errors, redirects, files with their validators and encoding, HEAD and 304
//! without a body), and the bytes of the response head.

use std::sync::Arc;
use std::time::SystemTime;

use super::date::http_date;
use super::header_values::{accepts_gzip, none_match_fails, not_modified_since};
use super::request::{Head, Method, decode_path};
use crate::serve::site::{Entry, Resolved, Site};

/// What is sent back.
#[derive(Debug)]
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Body,
    /// HEAD and 304: headers only.
    pub(super) send_body: bool,
    /// Close the connection after this response.
    pub(super) close: bool,
}

#[derive(Debug)]
pub(super) enum Body {
    Text(String),
    File { entry: Arc<Entry>, gzip: bool },
}

impl Response {
    pub(super) fn body(&self) -> &[u8] {
        match &self.body {
            Body::Text(text) => text.as_bytes(),
            Body::File { entry, gzip: false } => &entry.body,
            Body::File { entry, gzip: true } => entry.gzip().unwrap_or(&entry.body),
        }
    }

    pub(super) fn head_bytes(&self, close: bool, now: SystemTime) -> Vec<u8> {
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

pub(super) fn error_response(status: u16) -> Response {
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

/// The answer to a parsed request, from `site`, at time `now`; every answer from a stale
/// site (the last good build, after a failed rebuild) says so in `X-Calfeed-Stale`.
pub(super) fn respond(head: &Head, site: &Site, now: SystemTime) -> Response {
    let mut response = answer(head, site, now);
    if let Some(summary) = site.stale_summary() {
        response
            .headers
            .push(("X-Calfeed-Stale", summary.to_string()));
    }
    response
}

fn answer(head: &Head, site: &Site, now: SystemTime) -> Response {
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
    let gzip = head.accept_encoding.as_deref().is_some_and(accepts_gzip) && entry.gzip().is_some();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::http::tests::{at, head, site};

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
}
