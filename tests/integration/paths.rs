//! Paths: no slug or id can name a file outside `public/` or collide with another.

use std::fs;
use std::path::PathBuf;

use crate::support::Test;
use crate::support::api::Format;
use crate::support::fixtures::{Field, fixture, many_events, problems};
use crate::support::text::toml_string;
use crate::support::tree::tree;

/// Ids that would name a file outside the publication's folder, a hidden or reserved file,
/// or one that differs by platform.
fn hostile_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "../x",
        "../../etc/passwd",
        "/abs",
        "a/b",
        "a\\b",
        "C:x",
        ".hidden",
        "..",
        ".",
        "CON",
        "con.ics",
        "Nul",
        "aux.tar.gz",
        "COM1",
        "lpt9.txt",
        "x.",
        "",
        " launch",
        "launch ",
        "é",
        "a b",
        "a:b",
        "a*b",
        "a?b",
        "%2e%2e",
        "-x",
        "_x",
        "x\u{0}y",
        "x\ny",
    ]
    .map(String::from)
    .to_vec();
    ids.push("x".repeat(65));
    ids
}

#[test]
fn ids_that_could_escape_or_clash_are_rejected() {
    for id in hostile_ids() {
        for (field, text) in [
            (
                "events[0].id",
                fixture(Field::EventTitle, "x").replacen(
                    "id = \"launch\"",
                    &format!("id = {}", toml_string(&id)),
                    1,
                ),
            ),
            (
                "articles[0].id",
                fixture(Field::EventTitle, "x").replacen(
                    "id = \"news\"",
                    &format!("id = {}", toml_string(&id)),
                    1,
                ),
            ),
        ] {
            let found = problems(&text, Format::Toml);
            assert!(
                found
                    .iter()
                    .any(|(f, m)| f == field && m.starts_with("invalid id ")),
                "{field} = {id:?}: {found:?}"
            );
        }
    }
}

#[test]
fn the_binary_rejects_path_ids_with_exit_1_and_writes_nothing() {
    let mut text = fixture(Field::EventTitle, "x")
        .replacen("id = \"launch\"", "id = \"../../escaped\"", 1)
        .replacen("events = [\"launch\"]", "events = []", 1)
        .replacen("id = \"news\"", "id = \"/abs/news\"", 1);
    text.push_str("\n[[events]]\nid = \"CON\"\ntitle = \"Reserved\"\nstart = \"2024-07-04\"\n");
    let run = Test::new()
        .feed("paths.toml", &text)
        .args(["build"])
        .any_status()
        .run();
    run.rejects(
        "events[0].id",
        "invalid id \"../../escaped\": '/' is not allowed",
    )
    .rejects(
        "articles[0].id",
        "invalid id \"/abs/news\": '/' is not allowed",
    )
    .rejects(
        "events[1].id",
        "invalid id \"CON\": \"con\" is a reserved file name on Windows",
    );
    assert!(!run.path("public").exists());
    assert!(!run.path("escaped.ics").exists());
}

#[test]
fn ids_differing_only_in_case_are_rejected() {
    let mut text = fixture(Field::EventTitle, "x");
    text.push_str("\n[[events]]\nid = \"Launch\"\ntitle = \"Again\"\nstart = \"2024-07-04\"\n");
    text.push_str("\n[[articles]]\nid = \"NEWS\"\ntitle = \"Again\"\npublished = \"2024-07-01\"\n");
    let found = problems(&text, Format::Toml);
    assert_eq!(
        found,
        [
            (
                "events[1].id".to_string(),
                "duplicate id \"Launch\": events[0] already uses it".to_string()
            ),
            (
                "articles[1].id".to_string(),
                "duplicate id \"NEWS\": articles[0] already uses it".to_string()
            ),
        ]
    );
}

#[test]
fn file_names_that_are_not_slugs_are_rejected() {
    let site = Test::new();
    let names = [
        (
            "CON.toml",
            "\"CON\" cannot be a slug: \"con\" is a reserved file name on Windows",
        ),
        (
            "nul.json",
            "\"nul\" cannot be a slug: \"nul\" is a reserved file name on Windows",
        ),
        ("a b.toml", "\"a b\" cannot be a slug: ' ' is not allowed"),
        ("é.toml", "\"é\" cannot be a slug: 'é' is not allowed"),
        (
            "-x.toml",
            "\"-x\" cannot be a slug: it must start with a letter or digit",
        ),
        (
            "x..toml",
            "\"x.\" cannot be a slug: it must not end with '.'",
        ),
        ("a;b.toml", "\"a;b\" cannot be a slug: ';' is not allowed"),
        (
            "a\\b.toml",
            "\"a\\\\b\" cannot be a slug: '\\\\' is not allowed",
        ),
    ];
    for (name, _) in names {
        site.write(&format!("feeds/{name}"), &many_events(1, 0, "x"));
    }
    let run = site.again().args(["build"]).any_status().run();
    for (name, message) in names {
        assert_eq!(run.code, Some(1), "{}", run.shown);
        assert!(
            run.stderr
                .contains(&format!("error: file name {message}\n --> feeds/{name}\n")),
            "{name}: {message}\n{}",
            run.shown
        );
    }
    assert!(!site.path("public").exists());
}

#[test]
fn hidden_and_nested_files_are_not_publications() {
    let site = Test::new();
    site.write("feeds/.hidden.toml", &many_events(1, 0, "hidden"));
    site.write("feeds/sub/nested.toml", &many_events(1, 0, "nested"));
    site.write(
        "feeds/sub/../../outside.toml",
        &many_events(1, 0, "outside"),
    );
    // Alone they make no publication at all.
    site.again()
        .args(["build"])
        .rejects("", "no publications found")
        .run();
    site.write("feeds/real.toml", &many_events(1, 0, "real"));
    site.again().args(["build"]).run();
    let published: Vec<PathBuf> = tree(&site.path("public")).into_keys().collect();
    for path in &published {
        let name = path.to_string_lossy();
        assert!(
            !name.contains("hidden") && !name.contains("nested"),
            "{name} was published"
        );
    }
    assert!(published.contains(&PathBuf::from("real.ics")));
}

#[test]
fn slugs_differing_only_in_case_are_rejected() {
    let site = Test::new();
    site.write("feeds/Launch.toml", &many_events(1, 0, "upper"));
    site.write("feeds/launch.toml", &many_events(1, 0, "lower"));
    if fs::read_dir(site.path("feeds")).expect("list").count() < 2 {
        println!("skipped: this file system does not tell Launch.toml from launch.toml");
        return;
    }
    let run = site.again().args(["build"]).any_status().run();
    run.rejects(
        "",
        "this publication and feeds/Launch.toml: their outputs would collide (the file names \
         differ only in extension or case)",
    );
    assert!(
        run.stderr.contains(" --> feeds/launch.toml\n"),
        "{}",
        run.shown
    );
    assert!(!site.path("public").exists());
}
