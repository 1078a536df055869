//! The integration tests: one test binary, one module per behaviour, all of them driving
//! the real `calfeed` binary through [`support::Test`] or the library through
//! [`support::api`].

mod support;

mod add_to_calendar;
mod atomic;
mod budgets;
mod build;
mod build_cache;
mod categories;
mod characters;
mod check;
mod commands;
mod diagnostics;
mod fuzz_replays;
mod golden;
mod guard;
mod history;
mod incremental;
mod injection;
mod limits;
mod limits_check;
mod links;
mod mistakes;
mod ordering;
mod paths;
mod properties;
mod readers;
mod rejections;
mod reliability;
mod serve;
mod serve_clients;
mod serve_lazy;
mod serve_preview;
mod times;
mod vtimezone;
mod walkthrough;
