//! calfeed publishes event and article data as things people subscribe to: an iCalendar
//! calendar (RFC 5545 + RFC 7986), RSS 2.0, Atom and JSON Feed, and a subscribe page, all
//! byte-for-byte reproducible.
//!
//! The pipeline: [`load`] reads `feeds/*.toml` / `*.json` into a validated
//! [`model::Publication`]; [`export`] renders each output format from it; [`publish`]
//! writes the files atomically, or checks that the published ones are current; [`changes`]
//! says what subscribers will see change, which the publish guard acts on. [`build`] runs
//! all of it as one call, with the same guarantees as `calfeed build`: that is the way in
//! for a CMS or a bot (its documentation has a complete example, guard included).
//!
//! The parts can also be called one by one: parse, render, write.
//!
//! ```
//! use calfeed::load::{LoadOptions, parse_publication};
//! use calfeed::load::Format;
//!
//! let data = r#"
//! [channel]
//! title = "Launches"
//! description = "Product launches"
//! link = "https://example.org/"
//! language = "en"
//! timezone = "Asia/Shanghai"
//!
//! [[events]]
//! id = "launch"
//! title = "Launch"
//! start = "2022-07-04T19:00"
//! duration = "2h"
//! "#;
//! let options = LoadOptions::at(chrono::DateTime::UNIX_EPOCH);
//! let publication = parse_publication("launches", "launches.toml", data, Format::Toml, &options)
//!     .expect("valid data");
//!
//! // Every file of a build, as paths relative to the output directory and their bytes:
//! let outputs = calfeed::export::render(&publication);
//! let calendar = outputs.iter().find(|o| o.path.ends_with("launches.ics")).unwrap();
//! let calendar = String::from_utf8_lossy(&calendar.contents);
//! assert!(calendar.contains("DTSTART;TZID=Asia/Shanghai:20220704T190000\r\n"));
//! assert!(calendar.contains("UID:launch@example.org\r\n"));
//!
//! // Or one format at a time:
//! let shared = calfeed::export::Shared::new(&publication);
//! let rss = calfeed::export::rss::feed(&shared);
//! assert!(rss.starts_with("<?xml"));
//! ```
//!
//! Invalid data gives [`diagnostic::Diagnostic`]s that point at the file, line, column and
//! field:
//!
//! ```
//! use calfeed::load::{LoadOptions, parse_publication};
//! use calfeed::load::Format;
//!
//! let data = "[channel]\ntitle = \"T\"\ndescription = \"D\"\nlink = \"https://e.org/\"\n\
//!             language = \"en\"\ntimezone = \"Mars/Olympus\"\n";
//! let problems = parse_publication("x", "x.toml", data, Format::Toml, &LoadOptions::from_env())
//!     .unwrap_err();
//! assert_eq!(problems[0].field, "channel.timezone");
//! assert_eq!((problems[0].line, problems[0].column), (6, 12));
//! ```

pub mod build;
pub mod changes;
pub mod diagnostic;
pub mod export;
pub mod limits;
pub mod listing;
pub mod load;
mod memory;
pub mod model;
pub mod publish;
pub mod recurrence;
pub mod scaffold;
pub mod serve;
mod spill;
pub mod vtimezone;
pub mod when;
