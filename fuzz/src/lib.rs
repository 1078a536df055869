//! What the fuzz targets check. The checks and the readers they use are the integration
//! tests' own (tests/integration/support/), compiled in here, so that the regression
//! replays in tests/integration/fuzz_replays.rs check exactly what the fuzzers do.

#[path = "../../tests/integration/support/api.rs"]
pub mod api;
#[path = "../../tests/integration/support/fuzz.rs"]
mod fuzz;
#[path = "../../tests/integration/support/ics.rs"]
pub mod ics;
#[path = "../../tests/integration/support/json.rs"]
pub mod json;
#[path = "../../tests/integration/support/text.rs"]
pub mod text;
#[path = "../../tests/integration/support/xml.rs"]
pub mod xml;

pub use api::Format;
pub use fuzz::{load, round_trip};
