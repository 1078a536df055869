//! The ids `calfeed new` makes: from the title, Latin diacritics written without them, or
//! from the kind and date when the title has no Latin letters.

use std::collections::BTreeSet;

use super::EntryKind;
use crate::load::check_id;

/// An id made from `title`: lower case ASCII letters and digits joined by `-`, Latin
/// letters with diacritics written without them (`Café & Ünïcode!` is `cafe-unicode`),
/// at most 48 characters. `None` when the title has no Latin letter or digit to make one
/// from (a title in Chinese, say).
pub fn id_from_title(title: &str) -> Option<String> {
    let mut base = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else if let Some(latin) = without_diacritics(c) {
            base.push_str(latin);
        } else if is_combining_mark(c) {
            // A decomposed accent (`e` + U+0301): the letter is already written.
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let base = base.trim_matches('-').chars().take(48).collect::<String>();
    let base = base.trim_end_matches('-').to_string();
    if base.is_empty() {
        None
    } else if check_id(&base).is_err() {
        // A reserved Windows name such as `con`.
        Some(format!("entry-{base}"))
    } else {
        Some(base)
    }
}

/// A fresh id for a new entry: [`id_from_title`], or for a title without Latin letters
/// the kind and date (`event-2025-03-20`, `article-2025-01-10`), with a number added when
/// it is already taken (ignoring case, as the loader does).
pub fn fresh_id(title: &str, kind: EntryKind, when: &str, taken: &BTreeSet<String>) -> String {
    let base = id_from_title(title).unwrap_or_else(|| {
        let kind = match kind {
            EntryKind::Event => "event",
            EntryKind::Article => "article",
        };
        match when
            .get(..10)
            .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        {
            Some(day) => format!("{kind}-{day}"),
            None => kind.to_string(),
        }
    });
    // `index` would name the publication's page (`<slug>/index.html`): the loader refuses it.
    let free = |id: &str| id != "index" && !taken.contains(&id.to_ascii_lowercase());
    if free(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| free(id))
        .expect("some number is free")
}

/// Combining diacritical marks (U+0300 to U+036F), as in decomposed text.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// A Latin letter with a diacritic (or a ligature, or a letter such as `ß`) written in
/// lower-case ASCII: Latin-1, Latin Extended-A, the letters of Romanian, Vietnamese and
/// pinyin's tone marks. `None` for anything else.
fn without_diacritics(c: char) -> Option<&'static str> {
    const RANGES: &[(u32, u32, &str)] = &[
        (0xC0, 0xC5, "a"),
        (0xC6, 0xC6, "ae"),
        (0xC7, 0xC7, "c"),
        (0xC8, 0xCB, "e"),
        (0xCC, 0xCF, "i"),
        (0xD0, 0xD0, "d"),
        (0xD1, 0xD1, "n"),
        (0xD2, 0xD6, "o"),
        (0xD8, 0xD8, "o"),
        (0xD9, 0xDC, "u"),
        (0xDD, 0xDD, "y"),
        (0xDE, 0xDE, "th"),
        (0xDF, 0xDF, "ss"),
        (0xE0, 0xE5, "a"),
        (0xE6, 0xE6, "ae"),
        (0xE7, 0xE7, "c"),
        (0xE8, 0xEB, "e"),
        (0xEC, 0xEF, "i"),
        (0xF0, 0xF0, "d"),
        (0xF1, 0xF1, "n"),
        (0xF2, 0xF6, "o"),
        (0xF8, 0xF8, "o"),
        (0xF9, 0xFC, "u"),
        (0xFD, 0xFD, "y"),
        (0xFE, 0xFE, "th"),
        (0xFF, 0xFF, "y"),
        (0x100, 0x105, "a"),
        (0x106, 0x10D, "c"),
        (0x10E, 0x111, "d"),
        (0x112, 0x11B, "e"),
        (0x11C, 0x123, "g"),
        (0x124, 0x127, "h"),
        (0x128, 0x131, "i"),
        (0x132, 0x133, "ij"),
        (0x134, 0x135, "j"),
        (0x136, 0x138, "k"),
        (0x139, 0x142, "l"),
        (0x143, 0x149, "n"),
        (0x14A, 0x14B, "ng"),
        (0x14C, 0x151, "o"),
        (0x152, 0x153, "oe"),
        (0x154, 0x159, "r"),
        (0x15A, 0x161, "s"),
        (0x162, 0x167, "t"),
        (0x168, 0x173, "u"),
        (0x174, 0x175, "w"),
        (0x176, 0x178, "y"),
        (0x179, 0x17E, "z"),
        (0x17F, 0x17F, "s"),
        (0x1A0, 0x1A1, "o"),
        (0x1AF, 0x1B0, "u"),
        (0x1CD, 0x1CE, "a"),
        (0x1CF, 0x1D0, "i"),
        (0x1D1, 0x1D2, "o"),
        (0x1D3, 0x1DC, "u"),
        (0x218, 0x219, "s"),
        (0x21A, 0x21B, "t"),
        (0x1EA0, 0x1EB7, "a"),
        (0x1EB8, 0x1EC7, "e"),
        (0x1EC8, 0x1ECB, "i"),
        (0x1ECC, 0x1EE3, "o"),
        (0x1EE4, 0x1EF1, "u"),
        (0x1EF2, 0x1EF9, "y"),
    ];
    let code = u32::from(c);
    RANGES
        .iter()
        .find(|(first, last, _)| (*first..=*last).contains(&code))
        .map(|(_, _, latin)| *latin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_valid_and_unused() {
        let taken: BTreeSet<String> = ["spring-launch".to_string()].into();
        let id = |title: &str| fresh_id(title, EntryKind::Event, "2025-03-20T18:00", &taken);
        assert_eq!(id("Spring Launch!"), "spring-launch-2");
        assert_eq!(id("Index"), "index-2");
        assert_eq!(id("Café & Q&A: 2025"), "cafe-q-a-2025");
        assert_eq!(id("Con"), "entry-con");
        assert!(check_id(&id(&"x".repeat(200))).is_ok());
    }

    #[test]
    fn latin_diacritics_are_written_without_them() {
        assert_eq!(
            id_from_title("Café & Ünïcode!").as_deref(),
            Some("cafe-unicode")
        );
        assert_eq!(
            id_from_title("Straße, Œuvre, Łódź, Ærø, Þing").as_deref(),
            Some("strasse-oeuvre-lodz-aero-thing")
        );
        assert_eq!(
            id_from_title("Hội An, București").as_deref(),
            Some("hoi-an-bucuresti")
        );
        // Decomposed: e followed by a combining acute accent.
        assert_eq!(
            id_from_title("Cafe\u{301} noir").as_deref(),
            Some("cafe-noir")
        );
        assert_eq!(
            id_from_title("東京 2025 Meetup").as_deref(),
            Some("2025-meetup")
        );
        assert_eq!(id_from_title("小米发布会"), None);
        assert_eq!(id_from_title("Встреча"), None);
    }

    #[test]
    fn titles_without_latin_letters_get_the_kind_and_date() {
        let mut taken = BTreeSet::new();
        let event = fresh_id("小米发布会", EntryKind::Event, "2025-03-20T18:00", &taken);
        assert_eq!(event, "event-2025-03-20");
        taken.insert(event);
        assert_eq!(
            fresh_id("发布会", EntryKind::Event, "2025-03-20T19:00+08:00", &taken),
            "event-2025-03-20-2"
        );
        assert_eq!(
            fresh_id("新闻", EntryKind::Article, "2025-01-10", &taken),
            "article-2025-01-10"
        );
        assert_eq!(
            fresh_id("新闻", EntryKind::Article, "soon", &taken),
            "article"
        );
    }
}
