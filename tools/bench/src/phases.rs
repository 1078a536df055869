//! `phases`: one publication loaded, rendered and written in-process, as `calfeed build`
//! does, one phase at a time.
//!
//! The only module that uses the calfeed library: a change of its paths or signatures is
//! followed here (`cargo clippy --workspace --all-targets` builds this tool).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike};

use calfeed::export::{self, atom, html, ics, json, markdown, rss};
use calfeed::load::Format;
use calfeed::load::{self, LoadOptions};
use calfeed::model::Schedule;
use calfeed::publish;
use calfeed::vtimezone::vtimezone_lines;
use calfeed::when::Zone;

use crate::bad;
use crate::generate::Syntax;
use crate::timer::Phases;

/// Loads one publication file as `calfeed build` does (read, parse, validate: the
/// streamed JSON reader included) and nothing else, whatever its size: what a rebuild with
/// nothing changed is measured against.
pub fn load_only(file: &Path) -> io::Result<()> {
    let options = LoadOptions {
        max_input_bytes: u64::MAX,
        ..LoadOptions::at(DateTime::UNIX_EPOCH)
    };
    let publication = load::load_file(file, &options).map_err(|problems| {
        bad(format!(
            "{}: {} problem(s): {}",
            file.display(),
            problems.len(),
            problems[0]
        ))
    })?;
    println!(
        "loaded {}: {} events, {} articles",
        file.display(),
        publication.events.len(),
        publication.articles.len()
    );
    Ok(())
}

/// Loads, renders and writes one publication as `calfeed build` does, one phase at a time,
/// and times pieces of the work (Markdown alone, VTIMEZONEs alone) for comparison.
pub fn phases(file: &Path, out: Option<&Path>) -> io::Result<()> {
    let format = match Syntax::of(file) {
        Some(Syntax::Json) => Format::Json,
        Some(Syntax::Toml) => Format::Toml,
        None => return Err(bad("FILE must end in .json or .toml")),
    };
    let slug = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = file.display().to_string();
    let mut p = Phases::default();

    let text = p.time("read input", true, || fs::read_to_string(file))?;
    let options = LoadOptions::at(DateTime::UNIX_EPOCH);
    let publication = p
        .time("parse + validate (load::parse_publication)", true, || {
            load::parse_publication(&slug, &shown, &text, format, &options)
        })
        .map_err(|problems| {
            bad(format!(
                "{shown}: {} problem(s): {}",
                problems.len(),
                problems[0]
            ))
        })?;
    p.time("syntax only: serde_json/toml to a Value", false, || {
        match format {
            Format::Json => drop(serde_json::from_str::<serde_json::Value>(&text)),
            Format::Toml => drop(toml::from_str::<toml::Table>(&text)),
        };
    });
    drop(text);
    let pubs = std::slice::from_ref(&publication);

    let mut outputs = Vec::new();
    let mut add = |name: String, contents: String| {
        outputs.push(export::Output {
            path: PathBuf::from(name),
            contents: contents.into_bytes(),
        })
    };
    let shared = p.time("render Markdown bodies (shared)", true, || {
        export::Shared::new(&publication)
    });
    add(
        format!("{slug}.ics"),
        p.time("render calendar .ics", true, || ics::calendar(&shared)),
    );
    add(
        format!("{slug}.xml"),
        p.time("render RSS .xml", true, || rss::feed(&shared)),
    );
    add(
        format!("{slug}.atom"),
        p.time("render Atom .atom", true, || atom::feed(&shared)),
    );
    add(
        format!("{slug}.json"),
        p.time("render JSON Feed .json", true, || json::feed(&shared)),
    );
    add(
        format!("{slug}/index.html"),
        p.time("render publication page", true, || {
            let mut page = Vec::new();
            html::write_publication_page(&shared, &mut page).expect("writing to memory");
            String::from_utf8(page).expect("UTF-8")
        }),
    );
    let singles = p.time("render one-event .ics files", true, || {
        publication
            .events
            .iter()
            .map(|event| {
                (
                    export::files::event_calendar(&publication.slug, &event.id),
                    ics::single_event(&shared, event),
                )
            })
            .collect::<Vec<_>>()
    });
    for (name, contents) in singles {
        add(name, contents);
    }
    add(
        "index.html".into(),
        p.time("render index page", true, || html::index_page(pubs)),
    );

    p.time("Markdown to HTML, every article once", false, || {
        for article in &publication.articles {
            if let Some(content) = &article.content {
                std::hint::black_box(markdown::to_html(
                    &content.get(),
                    &article.link,
                    publication.channel.allow_html,
                    None,
                ));
            }
        }
    });
    p.time(
        "VTIMEZONE per timed event (as one-event files)",
        false,
        || {
            for event in &publication.events {
                if let Schedule::Timed {
                    start,
                    zone: Zone::Iana(tz),
                    ..
                } = event.schedule
                {
                    let year = start.with_timezone(&tz).year();
                    std::hint::black_box(vtimezone_lines(tz, year, year));
                }
            }
        },
    );

    let total_bytes: usize = outputs.iter().map(|o| o.contents.len()).sum();
    let temp;
    let out = match out {
        Some(out) => out,
        None => {
            temp = tempfile::tempdir()?;
            temp.path()
        }
    };
    if out.exists() {
        fs::remove_dir_all(out)?;
    }
    p.time("write all (fresh directory)", true, || {
        publish::write_all(out, &outputs)
    })?;
    p.time("rebuild: write all again, nothing changed", false, || {
        publish::write_all(out, &outputs)
    })?;
    let files = outputs.len();
    drop(outputs);
    p.time("export::render_all (the build's own call)", false, || {
        std::hint::black_box(export::render_all(pubs).len())
    });
    println!(
        "{}: {} events, {} articles -> {} files, {:.1} MB",
        file.display(),
        publication.events.len(),
        publication.articles.len(),
        files,
        total_bytes as f64 / 1e6
    );
    p.print();
    Ok(())
}
