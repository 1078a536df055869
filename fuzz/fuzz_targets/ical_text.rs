//! Arbitrary text through calfeed's iCalendar writer and back through the `icalendar`
//! crate's parser: it comes back exactly. See `calfeed_fuzz::round_trip`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        calfeed_fuzz::round_trip(text);
    }
});
