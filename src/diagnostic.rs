//! Errors about input data, pointing at file, line, column and field in the style of
//! rustc and cargo, so that a maintainer can jump straight to the mistake.

use std::fmt;
use std::ops::Range;

/// How much of a source line a diagnostic shows around the problem.
const SNIPPET_CHARS: usize = 80;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file as the user named it (e.g. `feeds/xiaomi-12s.toml`).
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// The field's path, e.g. `events[0].start`; empty for file-level problems.
    pub field: String,
    pub message: String,
    /// What would be valid.
    pub help: Option<String>,
    /// The source line and the caret under the offending span.
    #[serde(skip)]
    snippet: Option<(String, usize, usize)>,
}

/// Workflow-command escaping of a GitHub Actions message: `%`, CR and LF.
pub(crate) fn workflow_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property value: as a message, and `:` and `,`.
pub(crate) fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Diagnostic {
    /// A problem with the file as a whole (unreadable, unknown extension, ...).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: 0,
            column: 0,
            field: String::new(),
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// A problem at byte range `span` of `text`.
    pub fn at(
        file: impl Into<String>,
        text: &str,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(text, span.end.clamp(start, line_end));
        let width = text[start..end].chars().count().clamp(1, SNIPPET_CHARS);
        // A long line (minified JSON, a huge array) is shown as a window around the column.
        let window_start = floor_char_boundary(
            text,
            start.saturating_sub(SNIPPET_CHARS / 2).max(line_start),
        );
        let shown_column = text[window_start..start].chars().count() + 1;
        let source_line: String = text[window_start..line_end]
            .trim_end_matches('\r')
            .chars()
            .take(SNIPPET_CHARS * 3 / 2)
            .collect();
        Diagnostic {
            file: file.into(),
            line,
            column,
            field: field.into(),
            message: message.into(),
            help: None,
            snippet: Some((source_line, shown_column, width)),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The problem as a GitHub Actions workflow command, so that it shows on the pull
    /// request's diff: `::error file=F,line=L,col=C,title=FIELD::MESSAGE`.
    pub fn github_annotation(&self) -> String {
        let (data, property) = (workflow_data, workflow_property);
        let mut properties = vec![format!("file={}", property(&self.file))];
        if self.line > 0 {
            properties.push(format!("line={}", self.line));
            properties.push(format!("col={}", self.column));
        }
        if !self.field.is_empty() {
            properties.push(format!("title={}", property(&self.field)));
        }
        let mut message = self.message.clone();
        if let Some(help) = &self.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        format!("::error {}::{}", properties.join(","), data(&message))
    }

    /// `file:line:column`, or just the file for file-level problems.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// How many candidates a help line lists at most.
pub const MAX_CANDIDATES: usize = 5;

/// The edit distance (optimal string alignment, ignoring ASCII case) between two words.
fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_ascii_lowercase(), &b.to_ascii_lowercase())
}

/// The candidates nearest to `word`, nearest first (ties keep their order), at most
/// `most`.
pub fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    most: usize,
) -> Vec<&'a str> {
    let mut ranked: Vec<(usize, usize, &str)> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| (distance(word, c), i, c))
        .collect();
    // Only the nearest few are wanted: no full sort of a long list.
    if ranked.len() > most {
        ranked.select_nth_unstable(most);
        ranked.truncate(most);
    }
    ranked.sort();
    ranked.into_iter().map(|(_, _, c)| c).collect()
}

/// The one candidate close enough to `word` to be what was meant (a typo, a letter
/// missing or doubled, two letters swapped, another case), if there is one.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let near = word.chars().count().div_ceil(4).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|&(d, c)| d <= near && c != word)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// A help line for `word`, which is none of `candidates` (`what` names them, plural):
/// the one meant when it is close, else the nearest few, nearest first.
pub fn candidates_help<'a>(
    word: &str,
    what: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
) -> String {
    if let Some(meant) = did_you_mean(word, candidates.clone()) {
        return format!("did you mean {meant:?}?");
    }
    let total = candidates.clone().count();
    let shown = nearest(word, candidates, MAX_CANDIDATES).join(", ");
    if total > MAX_CANDIDATES {
        format!("the nearest of the {total} {what}: {shown}")
    } else {
        format!("known {what}: {shown}")
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.without_level())
    }
}

/// A [`Diagnostic`]'s text after its `error: `, for a reporter that styles the level.
pub struct WithoutLevel<'a>(&'a Diagnostic);

impl Diagnostic {
    /// The rustc-style text without the `error: ` it starts with.
    pub fn without_level(&self) -> WithoutLevel<'_> {
        WithoutLevel(self)
    }
}

impl fmt::Display for WithoutLevel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let WithoutLevel(this) = self;
        if this.field.is_empty() {
            writeln!(f, "{}", this.message)?;
        } else {
            writeln!(f, "{}: {}", this.field, this.message)?;
        }
        let gutter = " ".repeat(this.line.to_string().len());
        writeln!(f, "{gutter}--> {}", this.location())?;
        if let Some((source_line, column, width)) = &this.snippet {
            writeln!(f, "{gutter} |")?;
            writeln!(f, "{} | {source_line}", this.line)?;
            let pad: String = source_line
                .chars()
                .take(column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{gutter} | {pad}{}", "^".repeat(*width))?;
        }
        if let Some(help) = &this.help {
            writeln!(f, "{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_line_column_and_field() {
        let text = "[channel]\ntitle = \"x\"\nstart = \"2022-07-04T25:00\"\n";
        let span_start = text.find("\"2022").unwrap();
        let d = Diagnostic::at(
            "feeds/a.toml",
            text,
            span_start..span_start + 18,
            "events[0].start",
            "invalid time",
        )
        .with_help("use 2022-07-04T19:00");
        assert_eq!((d.line, d.column), (3, 9));
        let shown = d.to_string();
        assert!(shown.starts_with("error: events[0].start: invalid time\n"));
        assert!(shown.contains("--> feeds/a.toml:3:9\n"), "{shown}");
        assert!(shown.contains("3 | start = \"2022-07-04T25:00\"\n"));
        assert!(
            shown.contains("  |         ^^^^^^^^^^^^^^^^^^\n"),
            "{shown}"
        );
        assert!(shown.contains("= help: use 2022-07-04T19:00"));
    }

    #[test]
    fn long_lines_are_shown_as_a_window() {
        let text = format!("x = [{}1, oops]", "1, ".repeat(10_000));
        let at = text.find("oops").unwrap();
        let d = Diagnostic::at("f.toml", &text, at..at + 4, "x", "bad");
        assert_eq!(d.column, at + 1);
        let shown = d.to_string();
        assert!(shown.len() < 600, "{}", shown.len());
        let source = shown.lines().find(|l| l.starts_with("1 | ")).unwrap();
        let caret = shown.lines().find(|l| l.contains('^')).unwrap();
        let caret_at = caret.find('^').unwrap();
        assert_eq!(&source[caret_at..caret_at + 4], "oops");
    }

    #[test]
    fn github_annotations_follow_the_workflow_command_syntax() {
        let text = "a = 1\nstart = \"x\"\n";
        let d = Diagnostic::at(
            "feeds/a,b.toml",
            text,
            14..17,
            "events[0].start",
            "bad: 100%\nreally",
        )
        .with_help("use a date");
        assert_eq!(
            d.github_annotation(),
            "::error file=feeds/a%2Cb.toml,line=2,col=9,title=events[0].start::bad: 100%25%0Areally%0Ahelp: use a date"
        );
        let whole = Diagnostic::file("feeds", "no publications");
        assert_eq!(
            whole.github_annotation(),
            "::error file=feeds::no publications"
        );
    }

    #[test]
    fn json_form_has_every_field_but_the_snippet() {
        let d = Diagnostic::at("f.toml", "x = 1", 4..5, "x", "m").with_help("h");
        let value = serde_json::to_value(&d).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"file": "f.toml", "line": 1, "column": 5, "field": "x", "message": "m", "help": "h"})
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "title = \"東京\" x";
        let at = text.find('x').unwrap();
        let d = Diagnostic::at("f.toml", text, at..at + 1, "title", "m");
        assert_eq!(d.column, 14);
    }

    #[test]
    fn suggestions_are_near_and_few() {
        let ids = ["launch", "keynote", "spring-launch", "Q&A"];
        assert_eq!(did_you_mean("lunch", ids), Some("launch"));
        assert_eq!(did_you_mean("Spring-Lauhcn", ids), Some("spring-launch"));
        assert_eq!(did_you_mean("dinner", ids), None);
        assert_eq!(did_you_mean("launch", ids), None);
        assert_eq!(nearest("keynotes", ids, 2), vec!["keynote", "launch"]);
        let many: Vec<String> = (0..1000).map(|i| format!("event-{i}")).collect();
        let help = candidates_help("party", "event ids", many.iter().map(String::as_str));
        assert!(
            help.starts_with("the nearest of the 1000 event ids: "),
            "{help}"
        );
        assert_eq!(help.matches(", ").count(), MAX_CANDIDATES - 1, "{help}");
        assert_eq!(
            candidates_help("evnt-7", "event ids", many.iter().map(String::as_str)),
            "did you mean \"event-7\"?"
        );
    }
}
