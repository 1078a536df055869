//! The one iCalendar reader of the tests and the fuzz targets: the `icalendar` crate's own
//! parser, owned into [`Ics`], with every content line accounted for; strict RFC 5545 TEXT
//! unescaping and RFC 6868 parameter decoding; and raw unfolded lines.

use icalendar::parser::{Component, read_components, unfold};

/// A component as the `icalendar` crate's parser reads it, owned.
#[derive(Debug)]
pub struct Ics {
    pub name: String,
    /// Name, parameters (key, value) and value of each property, in order. TEXT values of
    /// properties the crate knows (SUMMARY, DESCRIPTION, LOCATION, X-...) are unescaped by
    /// the crate; NAME and CATEGORIES are left as written (see [`Ics::text`]).
    pub properties: Vec<Property>,
    pub children: Vec<Ics>,
}

/// A property's name, parameters (key, value) and value.
pub type Property = (String, Vec<(String, Option<String>)>, String);

impl Ics {
    /// Parses a whole calendar: every physical line checked ([`assert_physical_lines`]),
    /// one root VCALENDAR, every content line accounted for.
    pub fn parse(ics: &str) -> Ics {
        assert_physical_lines(ics);
        let unfolded = unfold(ics);
        let roots = read_components(&unfolded)
            .unwrap_or_else(|e| panic!("the icalendar crate cannot parse it: {e}\n{ics}"));
        assert_eq!(roots.len(), 1, "expected one root component\n{unfolded}");
        let root = Ics::from(&roots[0]);
        assert_eq!(root.name, "VCALENDAR");
        // The parser stops quietly at what it does not understand: make sure that every
        // content line became a BEGIN, an END or a property.
        let lines = unfolded.split("\r\n").filter(|l| !l.is_empty()).count();
        assert_eq!(
            lines,
            root.line_count(),
            "some content lines were not parsed\n{unfolded}"
        );
        root
    }

    fn from(component: &Component<'_>) -> Ics {
        Ics {
            name: component.name.as_str().to_string(),
            properties: component
                .properties
                .iter()
                .map(|p| {
                    (
                        p.name.as_str().to_string(),
                        p.params
                            .iter()
                            .map(|param| {
                                (
                                    param.key.as_str().to_string(),
                                    param.val.as_ref().map(|v| v.as_str().to_string()),
                                )
                            })
                            .collect(),
                        p.val.as_str().to_string(),
                    )
                })
                .collect(),
            children: component.components.iter().map(Ics::from).collect(),
        }
    }

    fn line_count(&self) -> usize {
        2 + self.properties.len() + self.children.iter().map(Ics::line_count).sum::<usize>()
    }

    /// The names of every component and property, in order: what must not change when a
    /// field's text does.
    pub fn shape(&self) -> Vec<String> {
        let mut out = vec![format!("BEGIN:{}", self.name)];
        out.extend(self.properties.iter().map(|(name, params, _)| {
            let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
            format!("{}.{name}{keys:?}", self.name)
        }));
        for child in &self.children {
            out.extend(child.shape());
        }
        out.push(format!("END:{}", self.name));
        out
    }

    /// The one child component named `name`.
    pub fn only(&self, name: &str) -> &Ics {
        let found: Vec<&Ics> = self.children.iter().filter(|c| c.name == name).collect();
        assert_eq!(found.len(), 1, "expected one {name} in {}", self.name);
        found[0]
    }

    /// The property `name`, if there is one; there must not be two.
    pub fn property(&self, name: &str) -> Option<&Property> {
        let mut found = self.properties.iter().filter(|p| p.0 == name);
        let first = found.next();
        assert!(found.next().is_none(), "{name} twice in {}", self.name);
        first
    }

    /// The value of the one property `name`, as the crate's parser gives it.
    pub fn value(&self, name: &str) -> String {
        self.property(name)
            .unwrap_or_else(|| panic!("no {name} in {}", self.name))
            .2
            .clone()
    }

    /// The values of every property `name`, as the crate's parser gives them.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.properties
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, _, v)| v.clone())
            .collect()
    }

    /// The one TEXT value of `name`, unescaped: by the crate's parser where it knows the
    /// property as TEXT, else (RFC 7986 `NAME`) here, strictly.
    pub fn text(&self, name: &str) -> String {
        let values = self.values(name);
        assert_eq!(values.len(), 1, "expected one {name} in {}", self.name);
        if name == "NAME" {
            unescape_text(&values[0])
        } else {
            values[0].clone()
        }
    }

    /// The items of the one CATEGORIES property, split on unescaped commas and unescaped
    /// (the crate's parser leaves text lists as written).
    /// The ids of the calendar's events, in order: their UIDs before the `@`.
    pub fn event_ids(&self) -> Vec<String> {
        self.children
            .iter()
            .filter(|c| c.name == "VEVENT")
            .map(|c| c.value("UID").split('@').next().unwrap().to_string())
            .collect()
    }

    pub fn categories(&self) -> Vec<String> {
        let values = self.values("CATEGORIES");
        assert_eq!(values.len(), 1, "expected one CATEGORIES");
        let raw = &values[0];
        let mut items = Vec::new();
        let mut current = String::new();
        let mut escaped = false;
        for c in raw.chars() {
            match c {
                _ if escaped => {
                    current.push('\\');
                    current.push(c);
                    escaped = false;
                }
                '\\' => escaped = true,
                ',' => items.push(unescape_text(&std::mem::take(&mut current))),
                c => current.push(c),
            }
        }
        assert!(!escaped, "CATEGORIES ends in a lone backslash: {raw}");
        items.push(unescape_text(&current));
        items
    }
}

/// RFC 5545 §3.3.11 TEXT unescaping that refuses any escape the RFC does not define.
pub fn unescape_text(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            assert!(
                !matches!(c, ';' | ','),
                "unescaped {c:?} in TEXT value {raw:?}"
            );
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some(';') => out.push(';'),
            Some(',') => out.push(','),
            Some('n' | 'N') => out.push('\n'),
            other => panic!("invalid TEXT escape \\{other:?} in {raw:?}"),
        }
    }
    out
}

/// RFC 6868 decoding of a parameter value (`^^`, `^'`, `^n`).
pub fn decode_param(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('^') => out.push('^'),
            Some('\'') => out.push('"'),
            Some('n') => out.push('\n'),
            Some(other) => {
                out.push('^');
                out.push(other);
            }
            None => out.push('^'),
        }
    }
    out
}

/// Every physical line ends in CRLF, holds at most 75 octets, and has no other CR or LF.
pub fn assert_physical_lines(ics: &str) {
    assert!(ics.ends_with("\r\n"), "does not end in CRLF");
    for line in ics[..ics.len() - 2].split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(
            !line.contains(['\r', '\n']),
            "bare CR or LF in line {line:?}"
        );
    }
}

/// The content lines of a calendar, unfolded (RFC 5545 §3.1) and without their CRLF, as
/// written (nothing unescaped).
pub fn unfolded(ics: &str) -> Vec<String> {
    unfold(ics)
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The content lines of the first VEVENT in `ics` whose property is `name` (`DTSTART`,
/// ...), as written.
pub fn event_lines(ics: &str, name: &str) -> Vec<String> {
    let lines = unfolded(ics);
    let begin = lines
        .iter()
        .position(|l| l == "BEGIN:VEVENT")
        .expect("a VEVENT");
    lines[begin..]
        .iter()
        .take_while(|l| *l != "END:VEVENT")
        .filter(|l| l.starts_with(&format!("{name}:")) || l.starts_with(&format!("{name};")))
        .cloned()
        .collect()
}
