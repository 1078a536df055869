//! HTTP dates (RFC 9110 section 5.6.7): the IMF-fixdate the server writes (Date,
//! Last-Modified), and the three forms it must read (If-Modified-Since), by the
//! `httpdate` crate behind two small wrappers that say where it differs from what the
//! server needs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second `httpdate` can write: 9999-12-31 23:59:59 (it has four-digit years).
const LAST: Duration = Duration::from_secs(253_402_300_799);

/// An IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// `httpdate` panics for a time before 1970 or after 9999, and a worker must not panic
/// on what a clock says: such a time is written as the nearest date it can write (a
/// clock that far off is broken anyway; Last-Modified is never before 1970, as the site
/// counts whole seconds from it).
pub fn http_date(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    httpdate::fmt_http_date(UNIX_EPOCH + since_epoch.min(LAST))
}

/// Parses the three date forms HTTP recipients must accept (RFC 9110 section 5.6.7):
/// `None` for anything else, which the caller ignores.
///
/// `httpdate` reads exactly the grammar: names in their case, single spaces, two-digit
/// fields, seconds up to 59, and a weekday that matches the date. The one caller is
/// If-Modified-Since, where a date that does not parse only means a full 200 instead of
/// a 304 (RFC 9110 section 13.1.3: an invalid date is ignored), and clients send back
/// the Last-Modified this server wrote, so the strictness costs nothing.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::http::tests::at;

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
        // Whitespace around the value is not part of it.
        assert_eq!(parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT "), Some(t));
    }

    #[test]
    fn only_the_exact_grammar_parses() {
        for bad in [
            "sun, 06 nov 1994 08:49:37 GMT",
            "SUN, 06 NOV 1994 08:49:37 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun Nov 6 08:49:37 1994",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_a_clock_should_never_show_are_written_without_panicking() {
        assert_eq!(
            http_date(UNIX_EPOCH - Duration::from_secs(1)),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            http_date(UNIX_EPOCH + Duration::from_secs(300_000_000_000)),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
        assert_eq!(http_date(at(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
