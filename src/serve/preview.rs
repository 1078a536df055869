//! What the preview changes in the pages it serves, and only there: the calendars and
//! feeds are served byte for byte as `calfeed build` writes them.
//!
//! - Links: a page names its publication's files by absolute URL under `channel.link`
//!   (the production host): the subscribe links (`webcal://`, the calendar address, the
//!   Google Calendar and Outlook.com links, which carry it percent-encoded), the
//!   add-to-calendar files, the event pages. While previewing, those would lead away
//!   from the preview, to what is published (or to nothing yet), so every form of each
//!   publication's `channel.link` in a page is replaced by the preview's address
//!   ([`Rewrites`]). Done once per build, so a request costs nothing more. Relative
//!   links (the feeds, the archive) need nothing. Not rewritten: the calendars' and
//!   feeds' links and ids, since a UID is `<id>@<host of channel.link>` and a preview
//!   must not change what a subscriber's app matches events by.
//! - Staleness: after a failed rebuild, every page carries a banner saying so, above its
//!   content ([`stale_banner`]), until a rebuild succeeds (and every response carries the
//!   `X-Calfeed-Stale` header: `serve/http/response.rs`).

use url::Url;
use url::form_urlencoded::byte_serialize;

use crate::diagnostic::Diagnostic;
use crate::model::Publication;

/// Pairs of (text in a page, its replacement), longest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewrites(Vec<(String, String)>);

impl Rewrites {
    /// The rewrites that make `publications`' pages link to the preview at `base`
    /// (`http://127.0.0.1:8080/`).
    pub fn new(publications: &[Publication], base: &str) -> Rewrites {
        let mut pairs = Vec::new();
        let Ok(preview) = Url::parse(base) else {
            return Rewrites(pairs);
        };
        for publication in publications {
            let link = &publication.channel.link;
            if link.as_str() == preview.as_str() {
                continue;
            }
            for (from, to) in forms(link).into_iter().zip(forms(&preview)) {
                if !pairs.iter().any(|(f, _)| *f == from) {
                    pairs.push((from, to));
                }
            }
        }
        // A link that is a prefix of another (`https://a.org/` and `https://a.org/b/`)
        // must not take the longer one's place.
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Rewrites(pairs)
    }

    /// `page` with every rewrite made, in one pass (a replacement is never rewritten
    /// again).
    pub fn apply(&self, page: Vec<u8>) -> Vec<u8> {
        if self.0.is_empty() {
            return page;
        }
        // Every match, then the earliest (and, at one place, the longest) of them.
        let mut found: Vec<(usize, usize)> = Vec::new();
        for (index, (from, _)) in self.0.iter().enumerate() {
            for at in memchr::memmem::find_iter(&page, from.as_bytes()) {
                found.push((at, index));
            }
        }
        if found.is_empty() {
            return page;
        }
        found.sort_unstable();
        let mut out = Vec::with_capacity(page.len() + page.len() / 32);
        let mut done = 0;
        for (at, index) in found {
            if at < done {
                continue;
            }
            let (from, to) = &self.0[index];
            out.extend_from_slice(&page[done..at]);
            out.extend_from_slice(to.as_bytes());
            done = at + from.len();
        }
        out.extend_from_slice(&page[done..]);
        out
    }
}

/// The forms a base URL takes in a page, in a fixed order: as is and with `webcal:`
/// (both HTML-escaped, as in an attribute), and both percent-encoded (as in a query).
fn forms(base: &Url) -> [String; 4] {
    let plain = base.as_str().to_string();
    let rest = plain
        .strip_prefix("https://")
        .or_else(|| plain.strip_prefix("http://"))
        .unwrap_or(&plain);
    let webcal = format!("webcal://{rest}");
    let query = |text: &str| byte_serialize(text.as_bytes()).collect::<String>();
    [
        escape(&plain),
        escape(&webcal),
        query(&plain),
        query(&webcal),
    ]
}

/// `page` with a banner saying that it is out of date, right after its `<body>` tag
/// (at the start when it has none).
pub fn stale_banner(page: &[u8], summary: &str) -> Vec<u8> {
    let banner = format!(
        "<div role=\"alert\" style=\"background:#8b0000;color:#fff;padding:.75em 1em;\
         font:1rem/1.4 system-ui,sans-serif\"><strong>Preview out of date:</strong> the \
         last edit did not build ({}). This is the last good build; the terminal running \
         <code>calfeed serve</code> lists the problems.</div>\n",
        escape(summary)
    );
    let at = memchr::memmem::find(page, b"<body")
        .and_then(|start| memchr::memchr(b'>', &page[start..]).map(|end| start + end + 1))
        .unwrap_or(0);
    let mut out = Vec::with_capacity(page.len() + banner.len());
    out.extend_from_slice(&page[..at]);
    if at > 0 && page.get(at) == Some(&b'\n') {
        out.push(b'\n');
        out.extend_from_slice(banner.as_bytes());
        out.extend_from_slice(&page[at + 1..]);
    } else {
        out.extend_from_slice(banner.as_bytes());
        out.extend_from_slice(&page[at..]);
    }
    out
}

/// One line summing up a failed rebuild, for the banner and the `X-Calfeed-Stale`
/// header: the number of problems and the first one, in printable ASCII (a header
/// value has no room for more), at most 300 characters.
pub fn stale_summary(problems: &[Diagnostic]) -> String {
    let mut text = format!("{} problem(s) in the input", problems.len());
    if let Some(first) = problems.first() {
        text.push_str(&format!("; first: {}", first.file));
        if first.line > 0 {
            text.push_str(&format!(":{}:{}", first.line, first.column));
        }
        if !first.field.is_empty() {
            text.push_str(&format!(": {}", first.field));
        }
        text.push_str(&format!(": {}", first.message));
    }
    let mut line: String = text
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(300)
        .collect();
    line.truncate(line.trim_end().len());
    line
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrites(pairs: &[(&str, &str)]) -> Rewrites {
        Rewrites(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn every_form_of_the_link_is_rewritten_once() {
        let base = Url::parse("https://example.org/events/").unwrap();
        let preview = Url::parse("http://127.0.0.1:8080/").unwrap();
        let [plain, webcal, query, query_webcal] = forms(&base);
        assert_eq!(plain, "https://example.org/events/");
        assert_eq!(webcal, "webcal://example.org/events/");
        assert_eq!(query, "https%3A%2F%2Fexample.org%2Fevents%2F");
        assert_eq!(query_webcal, "webcal%3A%2F%2Fexample.org%2Fevents%2F");
        let pairs: Vec<_> = forms(&base).into_iter().zip(forms(&preview)).collect();
        let rewrites = Rewrites(pairs);
        let page = "<a href=\"webcal://example.org/events/a.ics\">\
                    <a href=\"https://g/?cid=webcal%3A%2F%2Fexample.org%2Fevents%2Fa.ics\">\
                    <input value=\"https://example.org/events/a.ics\">\
                    https://example.org/other";
        let out = String::from_utf8(rewrites.apply(page.as_bytes().to_vec())).unwrap();
        assert_eq!(
            out,
            "<a href=\"webcal://127.0.0.1:8080/a.ics\">\
             <a href=\"https://g/?cid=webcal%3A%2F%2F127.0.0.1%3A8080%2Fa.ics\">\
             <input value=\"http://127.0.0.1:8080/a.ics\">\
             https://example.org/other"
        );
    }

    #[test]
    fn the_longest_match_wins_and_replacements_are_not_rewritten() {
        let nested = rewrites(&[("https://a.org/b/", "L/"), ("https://a.org/", "S/")]);
        let out = nested.apply(b"https://a.org/b/x https://a.org/y".to_vec());
        assert_eq!(out, b"L/x S/y");
        let looping = rewrites(&[("ab", "abab")]);
        assert_eq!(looping.apply(b"xaby".to_vec()), b"xababy");
    }

    #[test]
    fn the_banner_goes_after_the_body_tag_escaped() {
        let page = b"<html><body class=\"x\">\n<h1>Hi</h1></body></html>";
        let out = String::from_utf8(stale_banner(page, "1 problem: <b>")).unwrap();
        assert!(
            out.starts_with("<html><body class=\"x\">\n<div role=\"alert\""),
            "{out}"
        );
        assert!(out.contains("(1 problem: &lt;b&gt;)"), "{out}");
        assert!(out.ends_with("</div>\n<h1>Hi</h1></body></html>"), "{out}");
    }

    #[test]
    fn summaries_are_one_printable_line() {
        let problem = Diagnostic::file("feeds/a.toml", "bad\nthing é");
        let summary = stale_summary(&[problem]);
        assert_eq!(
            summary,
            "1 problem(s) in the input; first: feeds/a.toml: bad?thing ?"
        );
        assert!(stale_summary(&[]).starts_with("0 problem(s)"));
    }
}
