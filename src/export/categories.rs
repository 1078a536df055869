//! Per-category subscriptions (the channel's `by_category`): which categories get a calendar
//! and an RSS feed of their own, what each carries, and the file name that stands for the
//! category in their paths (`<slug>/category/<name>.ics` and `.xml`).
//!
//! Categories are free text, so the file name is derived, and must never change while the
//! category does not: subscribers keep the address. A category spelled with ASCII
//! letters, digits and single spaces becomes that spelling with hyphens
//! (`Launch event` -> `launch-event`); any other (`launch-event` itself included) keeps what it can and ends in six hex
//! digits of a hash of its name (`Talks, panels` -> `talks-panels-1a2b3c`), so that two
//! categories never share a file and no file name depends on which other categories exist.

use std::collections::BTreeMap;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::model::Publication;

/// One category's subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    /// As the data first spells it (events before articles, in the data's order).
    pub name: String,
    /// The file name of its calendar and feed, without the extension.
    pub file_name: String,
    /// Positions of the events that carry it, in the data's order.
    pub events: Vec<usize>,
    /// Positions of the articles that carry it, newest first (as the publication lists them).
    pub articles: Vec<usize>,
}

/// The longest a category's file name may be, percent-encoded as its URL carries it: with
/// the channel's link and the slug, subscribe URLs stay well under the 256 characters
/// Google Calendar takes.
const LONGEST_FILE_NAME: usize = 64;

/// Every category that gets a subscription, sorted by name (ignoring case); none unless the
/// channel asks for them.
pub fn of(publication: &Publication) -> Vec<Category> {
    let Some(by_category) = &publication.channel.by_category else {
        return Vec::new();
    };
    let wanted = |key: &str| {
        by_category.only.is_empty() || by_category.only.iter().any(|o| o.to_lowercase() == key)
    };
    let mut found: BTreeMap<String, Category> = BTreeMap::new();
    let mut add = |name: &str, event: Option<usize>, article: Option<usize>| {
        let key = name.to_lowercase();
        if !wanted(&key) {
            return;
        }
        let category = found.entry(key).or_insert_with_key(|key| Category {
            name: name.to_string(),
            file_name: file_name(key),
            events: Vec::new(),
            articles: Vec::new(),
        });
        // An item that lists a category twice is in it once.
        if let Some(i) = event
            && category.events.last() != Some(&i)
        {
            category.events.push(i);
        }
        if let Some(i) = article
            && category.articles.last() != Some(&i)
        {
            category.articles.push(i);
        }
    };
    for (i, event) in publication.events.iter().enumerate() {
        for name in &event.categories {
            add(name, Some(i), None);
        }
    }
    for (i, article) in publication.articles.iter().enumerate() {
        for name in &article.categories {
            add(name, None, Some(i));
        }
    }
    found.into_values().collect()
}

/// The file name of the category whose lowercased name is `key` (see the module's doc).
fn file_name(key: &str) -> String {
    let mut plain = String::with_capacity(key.len());
    for c in key.chars() {
        if c.is_alphanumeric() {
            plain.push(c);
        } else if !plain.is_empty() && !plain.ends_with('-') {
            plain.push('-');
        }
    }
    let plain = plain.trim_end_matches('-');
    // Only one spelling may map to a plain file name: words of ASCII letters and digits
    // separated by single spaces (so `launch-event` itself ends in a hash).
    let clean = !plain.is_empty()
        && plain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && key == plain.replace('-', " ");
    let encoded_len = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string().len();
    if clean && plain.len() <= LONGEST_FILE_NAME {
        return plain.to_string();
    }
    // Room for `-` and the hash.
    let mut kept = String::new();
    for c in plain.chars() {
        kept.push(c);
        if encoded_len(&kept) > LONGEST_FILE_NAME - 7 {
            kept.pop();
            break;
        }
    }
    let kept = kept.trim_end_matches('-');
    let hash = format!("{:06x}", fnv1a(key.as_bytes()) & 0xff_ffff);
    if kept.is_empty() {
        hash
    } else {
        format!("{kept}-{hash}")
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every build and on every machine (the
/// standard library's is seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;

    #[test]
    fn plain_names_keep_their_spelling_others_end_in_a_hash() {
        assert_eq!(file_name("leica"), "leica");
        assert_eq!(file_name("launch event"), "launch-event");
        // Its hyphenated spelling is another category, with another file.
        assert_ne!(file_name("launch-event"), "launch-event");
        assert_eq!(file_name("12s"), "12s");
        let talks = file_name("talks, panels");
        assert!(
            talks.starts_with("talks-panels-") && talks.len() == "talks-panels-".len() + 6,
            "{talks}"
        );
        // Names that would read the same get different files.
        assert_ne!(file_name("c++"), file_name("c#"));
        assert_ne!(file_name("launch  event"), file_name("launch event"));
        // Letters of any script stay; the hash tells them apart from a plain spelling.
        let music = file_name("música");
        assert!(music.starts_with("música-"), "{music}");
        let xiaomi = file_name("小米");
        assert!(xiaomi.starts_with("小米-"), "{xiaomi}");
        // Nothing but punctuation: the hash alone.
        assert_eq!(file_name("!!!").len(), 6);
        // The same name, the same file, in every build.
        assert_eq!(file_name("talks, panels"), talks);
    }

    #[test]
    fn long_names_are_cut_to_a_short_url() {
        let long = "a".repeat(300);
        let name = file_name(&long);
        assert!(name.len() <= LONGEST_FILE_NAME, "{}", name.len());
        let chinese = "长".repeat(100);
        let name = file_name(&chinese);
        let encoded = utf8_percent_encode(&name, NON_ALPHANUMERIC).to_string();
        assert!(encoded.len() <= LONGEST_FILE_NAME, "{encoded}");
        assert_ne!(file_name(&"a".repeat(301)), file_name(&long));
    }

    fn publication(by_category: &str) -> Publication {
        test_publication(
            "s",
            &format!(
                r#"
[channel]
title = "T"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "UTC"
updated = "2024-06-01T00:00:00Z"
{by_category}

[[events]]
id = "e1"
title = "E1"
start = "2024-09-01T10:00"
categories = ["Leica", "Xiaomi"]

[[events]]
id = "e2"
title = "E2"
start = "2024-09-02T10:00"
categories = ["leica", "LEICA"]

[[articles]]
id = "a1"
title = "A1"
published = "2024-05-01"
categories = ["Xiaomi", "News"]

[[articles]]
id = "a2"
title = "A2"
published = "2024-05-02"
categories = ["Leica"]
"#
            ),
        )
    }

    #[test]
    fn each_category_gathers_its_events_and_articles_ignoring_case() {
        assert_eq!(of(&publication("")), Vec::new());
        let all = of(&publication("by_category = {}"));
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Leica", "News", "Xiaomi"]);
        let leica = &all[0];
        assert_eq!(leica.file_name, "leica");
        assert_eq!(leica.events, [0, 1]);
        // Articles newest first: a2 (May 2) is at position 0.
        assert_eq!(leica.articles, [0]);
        assert_eq!(all[2].events, [0]);
        assert_eq!(all[2].articles, [1]);
        let only = of(&publication("by_category = { only = [\"xiaomi\"] }"));
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].name, "Xiaomi");
    }
}
