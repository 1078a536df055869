//! Limits: over-long fields, over-large files and absurdly deep nesting are refused with
//! an error, never with a crash.

use std::fs;
use std::time::{Duration, Instant};

use crate::support::Test;
use crate::support::api::{
    self, DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_INPUT_BYTES, Format, LoadOptions, load_dir,
    parse_publication,
};
use crate::support::fixtures::{Field, fixture};

#[test]
fn a_field_over_the_limit_is_rejected_naming_the_field() {
    let limited = LoadOptions {
        max_field_bytes: 64,
        ..api::options()
    };
    for field in Field::ALL {
        let at_limit = fixture(field, &"é".repeat(32));
        if let Err(problems) =
            parse_publication("x", "feeds/x.toml", &at_limit, Format::Toml, &limited)
        {
            panic!("{field:?} at the limit: {}", problems[0]);
        }
        let over = fixture(field, &format!("{}x", "é".repeat(32)));
        let problems = parse_publication("x", "feeds/x.toml", &over, Format::Toml, &limited)
            .err()
            .unwrap_or_else(|| panic!("{field:?} over the limit was accepted"));
        assert_eq!(problems.len(), 1, "{field:?}: {problems:?}");
        assert_eq!(problems[0].field, field.path());
        assert_eq!(
            problems[0].message,
            "is 65 bytes long, more than the limit of 64 bytes"
        );
    }
}

#[test]
fn the_default_field_limit_is_one_mebibyte() {
    let limit = DEFAULT_MAX_FIELD_BYTES;
    assert_eq!(limit, 1 << 20);
    let site = Test::new().feed(
        "long.toml",
        &fixture(Field::EventDescription, &"x".repeat(limit + 1)),
    );
    site.again()
        .args(["check"])
        .rejects(
            "events[0].description",
            &format!(
                "is {} bytes long, more than the limit of {limit} bytes",
                limit + 1
            ),
        )
        .run();
    site.write(
        "feeds/long.toml",
        &fixture(Field::EventDescription, &"x".repeat(limit)),
    );
    site.again().args(["check"]).run();
}

/// (Found by this test: the help used to name a flag that did not exist.)
#[test]
fn the_flag_the_field_limit_help_names_exists() {
    let site = Test::new().feed(
        "long.toml",
        &fixture(
            Field::EventDescription,
            &"x".repeat(DEFAULT_MAX_FIELD_BYTES + 1),
        ),
    );
    let run = site.again().args(["check"]).any_status().run();
    let help = run
        .stderr
        .lines()
        .find(|l| l.contains("= help:"))
        .unwrap_or_else(|| panic!("no help\n{}", run.shown));
    let flag = help
        .split_whitespace()
        .find(|w| w.starts_with("--"))
        .unwrap_or_else(|| panic!("the help names no flag: {help}"))
        .trim_end_matches(['.', ',', ')']);
    let limit = (DEFAULT_MAX_FIELD_BYTES * 2).to_string();
    site.again()
        .args(["check", flag, &limit, "--in", "feeds"])
        .any_status()
        .run()
        .success();
}

#[test]
fn a_file_over_the_input_limit_is_rejected() {
    let site = Test::new();
    let text = fixture(Field::EventDescription, &"x".repeat(2048));
    site.write("feeds/big.toml", &text);
    let limited = LoadOptions {
        max_input_bytes: 1024,
        ..api::options()
    };
    let Err(problems) = load_dir(&site.path("feeds"), &limited) else {
        panic!("a file over the limit was accepted");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("1024") && problems[0].message.contains("bytes"),
        "the message does not name the limit: {}",
        problems[0]
    );
    let run = site
        .again()
        .args(["check", "--max-input-size", "1K", "--in", "feeds"])
        .any_status()
        .run();
    assert_eq!(run.code, Some(1), "{}", run.shown);
    assert!(run.stderr.contains("feeds/big.toml"), "{}", run.shown);
}

/// A file just over the default input limit (sparse: it takes no disk space) is refused
/// before it is read: the binary runs with too little address space to read it.
#[test]
fn a_file_over_the_default_input_limit_is_refused_before_reading() {
    let site = Test::new();
    let file = fs::File::create(site.path("feeds/huge.toml")).expect("create");
    file.set_len(DEFAULT_MAX_INPUT_BYTES + 1)
        .expect("make a sparse file");
    let started = Instant::now();
    let run = site
        .again()
        .ulimit("-v 200000")
        .args(["check"])
        .any_status()
        .run();
    assert_eq!(run.code, Some(1), "{}", run.shown);
    assert!(run.stderr.contains("huge.toml"), "{}", run.shown);
    assert!(
        run.stderr.contains(&DEFAULT_MAX_INPUT_BYTES.to_string()),
        "the message does not name the limit\n{}",
        run.shown
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

const DEPTH: usize = 100_000;

fn deep_toml(open: &str, close: &str, at: &str) -> String {
    let value = format!("{}{}", open.repeat(DEPTH), close.repeat(DEPTH));
    match at {
        "unknown" => format!("{}nested = {value}\n", fixture(Field::EventTitle, "x")),
        "updated" => fixture(Field::EventTitle, "x").replacen(
            "timezone = \"Europe/Berlin\"\n",
            &format!("timezone = \"Europe/Berlin\"\nupdated = {value}\n"),
            1,
        ),
        _ => fixture(Field::EventTitle, "x").replacen(
            "categories = [",
            &format!("categories = [{value}, "),
            1,
        ),
    }
}

fn deep_json(open: &str, close: &str, at: &str) -> String {
    let value = format!("{}{}", open.repeat(DEPTH), close.repeat(DEPTH));
    let channel = r#""title": "T", "description": "D", "link": "https://example.org/", "language": "en", "timezone": "UTC""#;
    match at {
        "unknown" => format!(r#"{{"channel": {{{channel}, "nested": {value}}}}}"#),
        "updated" => format!(r#"{{"channel": {{{channel}, "updated": {value}}}}}"#),
        _ => format!(
            r#"{{"channel": {{{channel}}}, "events": [{{"id": "a", "title": "A", "start": "2024-01-01", "categories": {value}}}]}}"#
        ),
    }
}

/// Every deeply nested document, in each format.
fn deep_documents() -> Vec<(String, Format, String)> {
    let mut documents = Vec::new();
    for at in ["unknown", "updated", "categories"] {
        documents.push((
            format!("TOML arrays at {at}"),
            Format::Toml,
            deep_toml("[", "]", at),
        ));
        documents.push((
            format!("TOML inline tables at {at}"),
            Format::Toml,
            deep_toml("{a = ", "}", at),
        ));
        documents.push((
            format!("JSON arrays at {at}"),
            Format::Json,
            deep_json("[", "]", at),
        ));
        documents.push((
            format!("JSON objects at {at}"),
            Format::Json,
            deep_json(r#"{"a": "#, "}", at),
        ));
    }
    documents
}

/// In a thread with the default 2 MiB stack of a spawned thread (the main thread has 8):
/// a recursion without a limit would overflow it and abort the whole test binary.
#[test]
fn deep_nesting_is_rejected_without_overflowing_the_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            for (what, format, text) in deep_documents() {
                let file = match format {
                    Format::Toml => "feeds/deep.toml",
                    Format::Json => "feeds/deep.json",
                };
                let result = parse_publication("deep", file, &text, format, &api::options());
                let problems = result.err().unwrap_or_else(|| panic!("{what}: accepted"));
                assert!(!problems.is_empty(), "{what}");
                // The message renders (with its snippet of a 200 000-character line).
                let shown = problems[0].to_string();
                assert!(shown.starts_with("error: "), "{what}: {shown}");
                assert!(
                    shown.len() < 2_000,
                    "{what}: {} bytes of message",
                    shown.len()
                );
            }
        })
        .expect("spawn");
    worker.join().expect("no panic");
}

#[test]
fn the_binary_rejects_deep_nesting_with_exit_1() {
    for (what, format, text) in deep_documents().into_iter().step_by(2) {
        let name = match format {
            Format::Toml => "deep.toml",
            Format::Json => "deep.json",
        };
        let run = Test::new()
            .feed(name, &text)
            .args(["check"])
            .any_status()
            .run();
        assert_eq!(run.code, Some(1), "{what}\n{}", run.shown);
        assert!(run.stderr.starts_with("error: "), "{what}\n{}", run.shown);
    }
}
