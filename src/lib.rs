//! calfeed publishes event and article data as things people subscribe to: an iCalendar
//! calendar (RFC 5545 + RFC 7986) and an RSS 2.0 feed, byte-for-byte reproducible.
//!
//! The pipeline: [`load`] reads `feeds/*.toml` / `*.json` into a validated
//! [`model::Publication`]; [`export`] renders each output format from it; [`publish`]
//! writes the files atomically, or checks that the published ones are current.

pub mod diagnostic;
pub mod export;
pub mod guard;
pub mod load;
pub mod locate;
pub mod model;
pub mod publish;
pub mod recurrence;
pub mod scaffold;
pub mod serve;
pub mod vtimezone;
pub mod when;
