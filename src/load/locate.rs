//! Maps field paths (`events[0].start`) to byte spans of the source text and back, for
//! TOML and JSON, so that errors found after deserialization still point at the file.
//! It owns the two input formats' own knowledge of where a value is written.

use std::cell::OnceCell;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::path::{FieldPath, Step};

/// The syntax a publication is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

/// A node of the located tree: the span of a value and its children.
#[derive(Debug, Default)]
struct Node {
    span: Range<usize>,
    /// For a key of a table: the span of the key itself.
    key_span: Option<Range<usize>>,
    children: Vec<(Step, Node)>,
}

/// Finds positions in one source text. The tree of spans is built on first use, since
/// valid input (the common case, and the large one) never needs it.
pub struct Locator<'a> {
    text: &'a str,
    format: Format,
    root: OnceCell<Option<Node>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str, format: Format) -> Self {
        Locator {
            text,
            format,
            root: OnceCell::new(),
        }
    }

    /// The syntax of the text located.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A text that does not parse gives a locator that finds nothing (its syntax error is
    /// reported by the deserializer instead).
    fn root(&self) -> Option<&Node> {
        self.root
            .get_or_init(|| match self.format {
                Format::Toml => DeTable::parse(self.text).ok().map(|table| {
                    let span = table.span();
                    toml_table(table.get_ref(), span)
                }),
                Format::Json => JsonScanner {
                    text: self.text,
                    pos: 0,
                    depth: 0,
                }
                .document(),
            })
            .as_ref()
    }

    /// The span of the value at `path`, or of its deepest existing ancestor.
    pub fn span_of(&self, path: &FieldPath) -> Option<Range<usize>> {
        let mut node = self.root()?;
        for step in path.steps() {
            match node.children.iter().find(|(s, _)| s == step) {
                Some((_, child)) => node = child,
                None => break,
            }
        }
        Some(node.span.clone())
    }

    /// The path of the innermost value (or key) containing byte `offset`. The whole tree is
    /// searched, since a TOML table's span is only its `[header]`, not its body.
    pub fn path_at(&self, offset: usize) -> FieldPath {
        fn search(node: &Node, offset: usize, path: &mut FieldPath) -> bool {
            for (step, child) in &node.children {
                path.push(step.clone());
                let here = child.span.contains(&offset)
                    || child.key_span.as_ref().is_some_and(|k| k.contains(&offset));
                if search(child, offset, path) || here {
                    return true;
                }
                path.pop();
            }
            false
        }
        let mut path = FieldPath::root();
        match self.root() {
            Some(root) => {
                search(root, offset, &mut path);
            }
            None if self.format == Format::Toml => path = toml_key_on_line(self.text, offset),
            None => {}
        }
        path
    }
}

/// For TOML that does not parse, the `key = ` on the line of `offset` under the nearest
/// `[table]` or `[[array]]` header above it: enough to name the field of a syntax error.
/// A TOML line without its `# comment`, if it has one outside a string.
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => return &line[..i],
            _ => {}
        }
        escaped = false;
    }
    line
}

pub(super) fn toml_key_on_line(text: &str, offset: usize) -> FieldPath {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let Some((key, _)) = line.split_once('=') else {
        return FieldPath::root();
    };
    let key = key.trim().trim_matches('"');
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return FieldPath::root();
    }
    let mut path = FieldPath::root();
    let above = &text[..line_start];
    if let Some(header) = above
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
    {
        let name = header.trim_matches(['[', ']']).trim();
        for part in name.split('.') {
            path.push(Step::Key(part.trim().to_string()));
        }
        if header.starts_with("[[") {
            // The how-many-th table of that array this is.
            let count = above.lines().filter(|l| l.trim() == header).count();
            path.push(Step::Index(count.saturating_sub(1)));
        }
    }
    for part in key.split('.') {
        path.push(Step::Key(part.trim().to_string()));
    }
    path
}

/// Where a TOML array left open ends, when the parser stopped at `offset` at the start of a
/// later line that begins a new `key = ` or `[table]` (it wanted a `,` or a `]` there): the
/// end of the array's last element, and the start of the line that opened the array. The
/// parser's own position is a line late, on another field.
pub(super) fn unclosed_toml_array(text: &str, offset: usize) -> Option<(usize, usize)> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let here = text[line_start..].lines().next().unwrap_or("").trim_start();
    let starts_entry = here.starts_with('[')
        || here.split_once('=').is_some_and(|(key, _)| {
            let key = key.trim();
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.\"' ".contains(c))
        });
    if !starts_entry || text[line_start..offset].trim() != "" {
        return None;
    }
    // The last element: the end of the last line above with something but a comment.
    let mut end = None;
    let mut opener = None;
    let mut cursor = line_start;
    while cursor > 0 {
        let above_start = text[..cursor - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[above_start..cursor - 1];
        let content = line.trim_end_matches('\r');
        let trimmed = content.trim();
        if end.is_none() && !trimmed.is_empty() && !trimmed.starts_with('#') {
            end = Some(above_start + without_comment(content).trim_end().len());
        }
        if end.is_some()
            && let Some((key, value)) = content.split_once('=')
            && !key.contains(['"', '['])
            && value.trim_start().starts_with('[')
        {
            opener = Some(above_start);
            break;
        }
        if trimmed.starts_with('[') && !trimmed.starts_with("[\"") && end.is_some() {
            // A table header: the array did not open on a line above it.
            break;
        }
        cursor = above_start;
    }
    Some((end?, opener?))
}

fn toml_table(table: &DeTable<'_>, span: Range<usize>) -> Node {
    let children = table
        .iter()
        .map(|(key, value)| {
            let mut node = toml_value(value.get_ref(), value.span());
            node.key_span = Some(key.span());
            (Step::Key(key.get_ref().to_string()), node)
        })
        .collect();
    Node {
        span,
        key_span: None,
        children,
    }
}

fn toml_value(value: &DeValue<'_>, span: Range<usize>) -> Node {
    match value {
        DeValue::Table(table) => toml_table(table, span),
        DeValue::Array(items) => Node {
            span,
            key_span: None,
            children: items
                .iter()
                .enumerate()
                .map(|(i, item)| (Step::Index(i), toml_value(item.get_ref(), item.span())))
                .collect(),
        },
        _ => Node {
            span,
            ..Node::default()
        },
    }
}

/// Just enough of a JSON reader to know where each value starts and ends; the real
/// parsing is serde_json's, which has already accepted the text when this runs.
struct JsonScanner<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// Deeper documents are not located (serde_json refuses them beyond 128 levels anyway);
/// the limit keeps the recursion off the end of the stack.
const MAX_JSON_DEPTH: usize = 256;

impl JsonScanner<'_> {
    fn document(mut self) -> Option<Node> {
        self.value()
    }

    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn value(&mut self) -> Option<Node> {
        self.skip_ws();
        let start = self.pos;
        if self.depth >= MAX_JSON_DEPTH {
            return None;
        }
        self.depth += 1;
        let children = match self.peek()? {
            b'{' => self.object()?,
            b'[' => self.array()?,
            b'"' => {
                self.string()?;
                Vec::new()
            }
            _ => {
                let rest = &self.text[self.pos..];
                let len = rest
                    .find(|c: char| matches!(c, ',' | '}' | ']') || c.is_whitespace())
                    .unwrap_or(rest.len());
                // Not a value (text serde_json refused, such as `[}`): give up rather
                // than loop without moving.
                if len == 0 {
                    return None;
                }
                self.pos += len;
                Vec::new()
            }
        };
        self.depth -= 1;
        Some(Node {
            span: start..self.pos,
            key_span: None,
            children,
        })
    }

    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        let bytes = self.text.as_bytes();
        while *bytes.get(self.pos)? != b'"' {
            self.pos += if bytes[self.pos] == b'\\' { 2 } else { 1 };
        }
        self.pos += 1;
        let quoted = &self.text[start..self.pos];
        // A key with an escape serde_json refuses (a lone surrogate) is still located,
        // by its text as written.
        Some(
            serde_json::from_str(quoted)
                .unwrap_or_else(|_| quoted[1..quoted.len() - 1].to_string()),
        )
    }

    fn object(&mut self) -> Option<Vec<(Step, Node)>> {
        self.pos += 1;
        let mut children = Vec::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(children);
                }
                b',' => self.pos += 1,
                b'"' => {
                    let key_start = self.pos;
                    let key = self.string()?;
                    let key_span = key_start..self.pos;
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    let mut node = self.value()?;
                    node.key_span = Some(key_span);
                    children.push((Step::Key(key), node));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Vec<(Step, Node)>> {
        self.pos += 1;
        let mut children = Vec::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b']' => {
                    self.pos += 1;
                    return Some(children);
                }
                b',' => self.pos += 1,
                _ => {
                    let node = self.value()?;
                    children.push((Step::Index(children.len()), node));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> FieldPath {
        let mut path = FieldPath::root();
        for part in text.split('.') {
            let (key, index) = part.split_once('[').unwrap_or((part, ""));
            path = path.key(key);
            if let Some(i) = index.strip_suffix(']') {
                path = path.index(i.parse().unwrap());
            }
        }
        path
    }

    #[test]
    fn toml_paths_find_their_values() {
        let text = "[channel]\ntitle = \"T\"\n\n[[events]]\nid = \"a\"\n\n[[events]]\nid = \"b\"\ncategories = [\"x\", \"y\"]\n";
        let locator = Locator::new(text, Format::Toml);
        let span = locator.span_of(&path("events[1].id")).unwrap();
        assert_eq!(&text[span], "\"b\"");
        let span = locator.span_of(&path("events[1].categories[1]")).unwrap();
        assert_eq!(&text[span], "\"y\"");
        let offset = text.find("\"y\"").unwrap();
        assert_eq!(
            locator.path_at(offset).to_string(),
            "events[1].categories[1]"
        );
    }

    #[test]
    fn json_paths_find_their_values() {
        let text =
            r#"{"channel": {"title": "T\"q"}, "events": [{"id": "a"}, {"id": "b", "n": 3}]}"#;
        let locator = Locator::new(text, Format::Json);
        assert_eq!(
            &text[locator.span_of(&path("events[1].id")).unwrap()],
            "\"b\""
        );
        assert_eq!(&text[locator.span_of(&path("events[1].n")).unwrap()], "3");
        assert_eq!(
            &text[locator.span_of(&path("channel.title")).unwrap()],
            r#""T\"q""#
        );
        let offset = text.find("\"b\"").unwrap();
        assert_eq!(locator.path_at(offset).to_string(), "events[1].id");
    }

    #[test]
    fn absurdly_deep_json_is_not_located_and_does_not_overflow() {
        let text = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let locator = Locator::new(&text, Format::Json);
        assert_eq!(locator.span_of(&path("a")), None);
    }

    #[test]
    fn malformed_json_is_not_located_and_does_not_loop() {
        for text in [
            "[}",
            r#"{"channel": {"title": ["x",}]}}"#,
            "{\"a\": }",
            "[1,",
        ] {
            let locator = Locator::new(text, Format::Json);
            assert_eq!(locator.path_at(1), FieldPath::root(), "{text}");
        }
    }

    #[test]
    fn an_unclosed_toml_array_ends_after_its_last_item() {
        let text = "[[events]]\nreminders = [\"1h\",\n  \"1#0m\"  # ten\n\nduration = \"1h\"\n";
        let stopped = text.find("duration").unwrap();
        let (end, opener) = unclosed_toml_array(text, stopped).unwrap();
        assert_eq!(&text[..end], "[[events]]\nreminders = [\"1h\",\n  \"1#0m\"");
        assert_eq!(&text[opener..opener + 9], "reminders");
        assert_eq!(
            toml_key_on_line(text, opener).to_string(),
            "events[0].reminders"
        );
        // Not a missing `]`: two items without a comma on one line.
        let text = "categories = [\"a\" \"b\"]\n";
        assert_eq!(unclosed_toml_array(text, text.find("\"b").unwrap()), None);
    }

    #[test]
    fn missing_fields_point_at_their_parent() {
        let text = "[channel]\ntitle = \"T\"\n";
        let locator = Locator::new(text, Format::Toml);
        let span = locator.span_of(&path("channel.link")).unwrap();
        assert!(text[span].contains("channel"));
    }
}
