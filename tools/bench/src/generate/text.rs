//! The vocabulary (zones, words, titles, categories, ...) and the free text made of it:
//! sentences, plain-text descriptions and Markdown bodies.

use std::fmt::Write as _;

use super::rng::Rng;

/// Zones events are written in: DST in both hemispheres, half- and quarter-hour offsets,
/// Lord Howe's half-hour DST, Casablanca's Ramadan switches, Dublin's negative DST,
/// zones whose rules changed within the decade (Sao Paulo, Tehran), whole-hour offsets
/// written the way people write them (`GMT+8`), one without an IANA zone (`UTC+05:30`),
/// and `None`: the channel's zone.
pub const ZONES: &[Option<&str>] = &[
    Some("America/New_York"),
    Some("Europe/London"),
    Some("Australia/Lord_Howe"),
    Some("Asia/Kathmandu"),
    Some("Asia/Shanghai"),
    Some("America/Sao_Paulo"),
    Some("Africa/Casablanca"),
    Some("Europe/Berlin"),
    Some("America/Los_Angeles"),
    Some("Asia/Tokyo"),
    Some("Asia/Kolkata"),
    Some("Pacific/Auckland"),
    Some("America/St_Johns"),
    Some("Pacific/Chatham"),
    Some("Europe/Dublin"),
    Some("Asia/Tehran"),
    Some("America/Santiago"),
    Some("Australia/Adelaide"),
    Some("Europe/Moscow"),
    Some("America/Mexico_City"),
    Some("UTC"),
    Some("GMT+8"),
    Some("UTC-05:00"),
    Some("UTC+05:30"),
    None,
    None,
];

pub const WORDS: &[&str] = &[
    "calendar",
    "launch",
    "livestream",
    "keynote",
    "workshop",
    "release",
    "Zeitzone",
    "événement",
    "naïve",
    "café",
    "São Paulo",
    "Kathmandu",
    "日程",
    "東京",
    "発表会",
    "新品",
    "Москва",
    "встреча",
    "Ελληνικά",
    "עברית",
    "العربية",
    "हिन्दी",
    "한국어",
    "🎉",
    "🚀",
    "ﬁne",
    "Ünïcödé",
    "daylight-saving",
    "reminder",
    "subscribe",
    "feed",
    "update",
    "agenda",
    "speaker",
    "panel",
    "demo",
    "Q&A",
    "R&D",
    "a < b",
    "x > y",
    "\"quoted\"",
    "it's",
    "back\\slash",
    "semi;colon",
    "com,ma",
    "colon: here",
];

pub const TITLE_HEADS: &[&str] = &[
    "Launch; big, day",
    "Keynote — 基調講演",
    "Q&A: \"live\" with the team",
    "Café & Bühne: Lesung",
    "Встреча разработчиков",
    "Product update 🚀",
    "Workshop <b>not HTML</b>",
    "Rückblick, Ausblick; Diskussion",
    "حدث مباشر",
    "सम्मेलन",
    "Release party \\o/",
    "Panel: time zones, DST & you",
];

pub const CATEGORIES: &[&str] = &[
    "Talks, panels",
    "Q&A; live",
    "Música",
    "技术",
    "Launch event",
    "Rock'n'roll",
    "Community",
    "Livestream",
    "Ελληνικά",
    "News",
    "Back\\slash",
    "Smartphones",
];

pub const REMINDERS: &[&str] = &["10m", "1h", "1d", "PT30M", "2h", "1w"];

pub const DURATIONS: &[&str] = &["1h", "90m", "2h", "1h30m", "PT3H", "45m", "PT2H30M"];

pub const AUTHORS: &[&str] = &[
    "Ana Lúcia",
    "李雷",
    "Jürgen Groß",
    "Zoë O'Brien",
    "Аня",
    "desk, team; night",
];

/// Up to `most` distinct categories.
pub fn categories(rng: &mut Rng, most: usize) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for _ in 0..rng.range(0, most) {
        let name = rng.pick(CATEGORIES).to_string();
        if !chosen.contains(&name) {
            chosen.push(name);
        }
    }
    chosen
}

pub fn words(rng: &mut Rng, count: usize) -> String {
    let mut out = String::new();
    for k in 0..count {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick::<&str>(WORDS));
    }
    out
}

pub fn sentence(rng: &mut Rng) -> String {
    let count = rng.range(6, 14);
    let mut s = words(rng, count);
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push_str(rng.pick::<&str>(&[".", ".", "!", "?", ";", ","]));
    s
}

/// Plain text with the characters iCalendar and XML must escape: commas, semicolons,
/// backslashes, quotes, newlines (one in ten bodies with CRLF), `<` and `&`.
pub fn description(rng: &mut Rng, target: usize) -> String {
    let newline = if rng.chance(10) { "\r\n" } else { "\n" };
    let mut out = String::new();
    while out.len() < target {
        if !out.is_empty() {
            out.push_str(if rng.chance(60) { newline } else { " " });
            if rng.chance(30) {
                out.push_str(newline);
            }
        }
        out.push_str(&sentence(rng));
    }
    out
}

/// 1-5 KB of Markdown: headings, emphasis, links (absolute, relative, to drop), lists,
/// code, tables, quotes, footnotes, raw HTML (escaped by calfeed) and unicode.
pub fn markdown_body(rng: &mut Rng, i: usize) -> String {
    let target = rng.range(1000, 4600);
    let mut out = String::with_capacity(target + 512);
    let mut footnotes = 0;
    while out.len() < target {
        match rng.range(0, 11) {
            0 => {
                let level = "#".repeat(rng.range(1, 3));
                let _ = writeln!(out, "{level} {}\n", words(rng, 3));
            }
            1..=4 => {
                let mut paragraph = String::new();
                for _ in 0..rng.range(2, 5) {
                    let s = sentence(rng);
                    match rng.range(0, 9) {
                        0 => {
                            let _ = write!(paragraph, "**{}** ", s.trim_end_matches(['.', ',']));
                        }
                        1 => {
                            let _ = write!(paragraph, "*{}* ", s.trim_end_matches(['.', ',']));
                        }
                        2 => {
                            let _ = write!(paragraph, "[{}](/news/{i}/more.html) ", words(rng, 2));
                        }
                        3 => {
                            let _ = write!(
                                paragraph,
                                "[{}](https://example.com/a?b=1&c=2#{i}) ",
                                words(rng, 2)
                            );
                        }
                        4 => {
                            let _ = write!(paragraph, "`code {}` ", rng.next() % 1000);
                        }
                        5 => {
                            let _ = write!(paragraph, "~~{}~~ ", words(rng, 2));
                        }
                        6 => {
                            footnotes += 1;
                            let _ = write!(paragraph, "{s}[^{footnotes}] ");
                        }
                        7 => paragraph.push_str("<b>raw</b> & <script>x</script> "),
                        _ => {
                            paragraph.push_str(&s);
                            paragraph.push(' ');
                        }
                    }
                }
                out.push_str(paragraph.trim_end());
                out.push_str("\n\n");
            }
            5 | 6 => {
                let ordered = rng.chance(40);
                for k in 1..=rng.range(3, 6) {
                    if ordered {
                        let _ = writeln!(out, "{k}. {}", sentence(rng));
                    } else {
                        let _ = writeln!(out, "- {}", sentence(rng));
                    }
                }
                out.push('\n');
            }
            7 => {
                let _ = writeln!(
                    out,
                    "```rust\nfn main() {{\n    println!(\"{} ]]> <tag>\");\n}}\n```\n",
                    rng.next() % 100_000
                );
            }
            8 => {
                out.push_str("| zone | offset | note |\n|---|---|---|\n");
                for _ in 0..rng.range(2, 4) {
                    let zone = rng.pick(ZONES).unwrap_or("channel");
                    let _ = writeln!(
                        out,
                        "| {zone} | +{:02}:00 | {} |",
                        rng.range(0, 14),
                        words(rng, 2)
                    );
                }
                out.push('\n');
            }
            9 => {
                let _ = writeln!(out, "> {}\n> {}\n", sentence(rng), sentence(rng));
            }
            10 => {
                let _ = writeln!(out, "![{}](img/{i}.png)\n", words(rng, 1));
            }
            _ => {
                let _ = writeln!(
                    out,
                    "[bad link](javascript:alert({i})) and {}\n",
                    sentence(rng)
                );
            }
        }
    }
    for k in 1..=footnotes {
        let _ = writeln!(out, "[^{k}]: {}", sentence(rng));
    }
    out
}
