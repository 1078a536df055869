//! Arbitrary bytes as a JSON publication: the loader never panics; whatever it accepts
//! renders to well-formed outputs. See `calfeed_fuzz::load`.
#![no_main]

use calfeed::load::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| calfeed_fuzz::load(data, Format::Json));
