//! Every path into the `calfeed` library that the tests and the fuzz targets use, in one
//! place: when the library moves an item, only these lines change.

pub use calfeed::export::ical_text::{escape_text, param_value, refold, unfold};
pub use calfeed::export::{Output, render, render_all};
pub use calfeed::load::Format;
pub use calfeed::load::SPILL_AT;
pub use calfeed::load::{
    DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_INPUT_BYTES, LoadOptions, load_dir, parse_publication,
};
pub use calfeed::vtimezone::vtimezone_lines;

/// The options every in-process load uses: the clock stopped at the Unix epoch.
pub fn options() -> LoadOptions {
    LoadOptions::at(chrono::DateTime::UNIX_EPOCH)
}
