//! What the behaviour files share: the one builder that drives the binary ([`Test`]), the
//! readers of every output format, the VTIMEZONE evaluator, the fixtures, and the one
//! place that names the library's paths ([`api`]).
//!
//! `api`, `ics`, `xml`, `json`, `text` and `fuzz` are also compiled into the fuzz crate
//! (fuzz/src/lib.rs), so they refer to each other only as `super::<module>` and use no
//! crate the fuzz crate lacks.

pub mod api;
pub mod fixtures;
pub mod fuzz;
pub mod ics;
pub mod json;
pub mod running;
pub mod serve;
pub mod test;
pub mod text;
pub mod tree;
pub mod xml;
pub mod zone;

pub use test::{Ran, Test};
