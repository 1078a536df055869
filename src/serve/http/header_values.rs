//! The request header values that choose the answer: whether the client takes gzip
//! (Accept-Encoding), and whether its copy is current (If-None-Match, If-Modified-Since).

use std::time::SystemTime;

use super::date::parse_http_date;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::http::date::http_date;
    use crate::serve::http::tests::at;

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
}
