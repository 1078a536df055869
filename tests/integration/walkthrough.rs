//! The first hour: the README's walkthrough run exactly as written, and the smaller things
//! a newcomer meets on the way (`new`'s ids and its care for a JSON file, the man page).

use crate::support::Test;
use crate::support::fixtures::{MINIMAL_JSON, publication};

const README: &str = include_str!("../../README.md");

/// A README line of shell, split into words as a shell would (double quotes only).
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    assert!(!quoted, "an unclosed quote in {line:?}");
    if started {
        words.push(word);
    }
    words
}

/// The commands of the README's "A first publication", each with the output shown for it.
fn walkthrough() -> Vec<(String, Vec<String>)> {
    let start = README
        .find("\n## A first publication\n")
        .expect("the README has a walkthrough");
    let section = &README[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if let Some(command) = line.strip_prefix("    $ ") {
            steps.push((command.to_string(), Vec::new()));
            in_block = true;
        } else if in_block && line.starts_with("    ") {
            if let Some((_, output)) = steps.last_mut() {
                output.push(line[4..].to_string());
            }
        } else {
            in_block = false;
        }
    }
    steps
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let steps = walkthrough();
    let commands: Vec<&str> = steps.iter().map(|(c, _)| c.as_str()).collect();
    for needed in [
        "calfeed init",
        "calfeed new event",
        "calfeed new article",
        "calfeed check",
        "calfeed occurrences",
        "calfeed serve",
        "calfeed build",
    ] {
        assert!(
            commands.iter().any(|c| c.starts_with(needed)),
            "the walkthrough lacks `{needed}`: {commands:?}"
        );
    }
    let mut test = Test::new();
    for (command, shown) in steps {
        let words = words(&command);
        assert_eq!(words[0], "calfeed", "{command}");
        if words[1] == "serve" {
            // It runs until stopped; tests/integration/serve.rs drives it.
            continue;
        }
        let ran = test.args(&words[1..]).run();
        let printed: Vec<String> = ran
            .stdout
            .lines()
            .map(|line| match line.rfind(" removed in ") {
                // The build's time is not shown in the README.
                Some(at) => line[..at + " removed".len()].to_string(),
                None => line.to_string(),
            })
            .collect();
        match shown.iter().position(|line| line == "...") {
            // `...` stands for lines left out: what is shown before and after it must match.
            Some(gap) => {
                let (head, tail) = (&shown[..gap], &shown[gap + 1..]);
                assert!(
                    printed.starts_with(head) && printed.ends_with(tail),
                    "`{command}` printed\n{}\nbut the README shows\n{}",
                    printed.join("\n"),
                    shown.join("\n")
                );
            }
            None => assert_eq!(printed, shown, "`{command}`"),
        }
        test = ran.then();
    }
}

#[test]
fn new_makes_ids_from_accented_and_non_latin_titles_and_takes_id() {
    let ran = Test::new()
        .feed("launch.toml", &publication(""))
        .args([
            "new",
            "event",
            "--feed",
            "launch",
            "--title",
            "Café & Ünïcode!",
            "--when",
            "2025-03-20T18:00",
            "--duration",
            "1h",
        ])
        .stdout_contains("added `cafe-unicode` to feeds/launch.toml")
        .run()
        .then()
        .args([
            "new",
            "article",
            "--feed",
            "launch",
            "--title",
            "小米发布会",
            "--when",
            "2025-03-01",
        ])
        .stdout_contains("added `article-2025-03-01` to feeds/launch.toml (made from the date")
        .stdout_contains("choose it with --id")
        .run()
        .then()
        .args([
            "new",
            "article",
            "--feed",
            "launch",
            "--title",
            "新闻",
            "--when",
            "2025-03-01",
        ])
        .stdout_contains("added `article-2025-03-01-2`")
        .run()
        .then()
        .args([
            "new",
            "event",
            "--feed",
            "launch",
            "--id",
            "xiaomi-launch",
            "--title",
            "发布会",
            "--when",
            "2025-04-01T19:00",
            "--duration",
            "2h",
        ])
        .stdout_contains("added `xiaomi-launch` to feeds/launch.toml")
        .run()
        .then()
        .args([
            "new",
            "event",
            "--feed",
            "launch",
            "--id",
            "Xiaomi-Launch",
            "--title",
            "Again",
            "--when",
            "2025-04-02T19:00",
        ])
        .status(1)
        .stderr_contains("--id \"Xiaomi-Launch\" is already used")
        .run();
    let data = ran.read("feeds/launch.toml");
    assert!(
        data.contains("id = \"cafe-unicode\"\ntitle = \"Café & Ünïcode!\""),
        "{data}"
    );
    assert!(
        data.contains("id = \"xiaomi-launch\"\ntitle = \"发布会\""),
        "{data}"
    );
}

#[test]
fn new_keeps_a_json_publication_as_written() {
    let ran = Test::new()
        .feed("launch.json", MINIMAL_JSON)
        .args([
            "new",
            "event",
            "--feed",
            "launch",
            "--title",
            "Second",
            "--when",
            "2022-08-01T10:00",
            "--duration",
            "1h",
        ])
        .run();
    let data = ran.read("feeds/launch.json");
    // Everything up to the end of the last event is kept byte for byte (the channel's
    // keys are not in alphabetical order), and the new event follows it, keys in order.
    let kept = &MINIMAL_JSON[..MINIMAL_JSON.find("\"2h\" }").expect("the fixture") + 6];
    assert!(data.starts_with(kept), "{data}");
    assert!(
        data[kept.len()..].starts_with(
            ",\n    {\n      \"id\": \"second\",\n      \"title\": \"Second\",\n      \"start\": \"2022-08-01T10:00\",\n      \"duration\": \"1h\",\n      \"sequence\": 0\n    }\n  ]\n}\n"
        ),
        "{data}"
    );
    ran.then()
        .args(["check"])
        .stdout_contains("2 event(s)")
        .run();
}

#[test]
fn the_man_page_names_no_missing_page_and_has_the_data_format() {
    let ran = Test::new().args(["man"]).run();
    let page = &ran.stdout;
    assert!(!page.contains("calfeed\\-build(1)"), "{page}");
    assert!(
        !page.contains("(1)\n"),
        "a reference to a page that does not exist"
    );
    for heading in [
        ".SS \"calfeed build\"",
        ".SS \"calfeed new\"",
        ".SH \"DATA FORMAT\"",
        ".SH \"EXIT STATUS\"",
        ".SH \"SEE ALSO\"",
    ] {
        assert!(page.contains(heading), "{heading}");
    }
    assert!(page.contains("docs/data\\-format.md"));
    assert!(page.contains("\\-\\-id"), "new's --id is described");
}
