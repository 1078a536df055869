//! Article bodies: Markdown to HTML, rendered once and shared by every feed format.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use url::Url;

use super::escape::escape_html;

/// Renders `markdown` to HTML. Raw HTML in the source is shown as text unless
/// `allow_html` (feed readers render content as HTML, so a stray `<script>` or unclosed tag
/// would otherwise reach them). Relative link and image targets are resolved against
/// `base`, since feed readers have no page to resolve them against; targets that are not
/// web or mail addresses (`javascript:`, `data:`) are dropped. With `top_heading`, the
/// body's highest heading becomes that level and the others follow it (at most `h6`), so
/// that they rank below the heading the body is shown under without skipping a level.
pub fn to_html(markdown: &str, base: &Url, allow_html: bool, top_heading: Option<usize>) -> String {
    to_html_with_headings(markdown, base, allow_html, top_heading).0
}

/// [`to_html`], and the level of the highest heading of the source (before any shift),
/// which [`shift_headings`] needs to lower the headings of the result later.
pub fn to_html_with_headings(
    markdown: &str,
    base: &Url,
    allow_html: bool,
    top_heading: Option<usize>,
) -> (String, Option<usize>) {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION;
    let shift = top_heading.map_or(0, |top| {
        let highest = Parser::new_ext(markdown, options)
            .filter_map(|event| match event {
                Event::Start(Tag::Heading { level, .. }) => Some(level as usize),
                _ => None,
            })
            .min()
            .unwrap_or(top);
        top.saturating_sub(highest)
    });
    let lower = |level: HeadingLevel| {
        HeadingLevel::try_from((level as usize + shift).min(6)).unwrap_or(HeadingLevel::H6)
    };
    let highest = std::cell::Cell::new(None::<usize>);
    let seen = |level: HeadingLevel| {
        let number = level as usize;
        highest.set(Some(highest.get().map_or(number, |h| h.min(number))));
        lower(level)
    };
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) if !allow_html => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: absolute(base, &dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: absolute(base, &dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: seen(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    (out, highest.get())
}

/// Lowers every heading of HTML rendered by [`to_html`] by `by` levels (at most `h6`):
/// the same result as rendering again with a `top_heading`, without parsing the Markdown
/// twice more. Only for HTML without raw HTML from the source (`allow_html` off), where
/// every `<h1>`..`<h6>` tag is one the renderer wrote and text `<` is escaped.
pub fn shift_headings(html: &str, by: usize) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let bytes = html.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    // A char, not a one-char string: a char is searched for with memchr.
    while let Some(found) = html[at..].find('<') {
        let tag = at + found;
        let digit = match bytes.get(tag + 1) {
            Some(b'h') => tag + 2,
            Some(b'/') if bytes.get(tag + 2) == Some(&b'h') => tag + 3,
            _ => {
                at = tag + 1;
                continue;
            }
        };
        match (bytes.get(digit), bytes.get(digit + 1)) {
            (Some(d @ b'1'..=b'6'), Some(b'>' | b' ')) => {
                let level = (usize::from(d - b'0') + by).min(6);
                out.push_str(&html[copied..digit]);
                out.push(char::from(b'0' + level as u8));
                copied = digit + 1;
                at = digit + 1;
            }
            _ => at = tag + 1,
        }
    }
    out.push_str(&html[copied..]);
    out
}

fn absolute(base: &Url, target: &str) -> CowStr<'static> {
    match base.join(target.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https" | "mailto") => url.to_string().into(),
        _ => CowStr::Borrowed(""),
    }
}

/// A plain-text paragraph as HTML (newlines become `<br>`).
pub fn text_to_html(text: &str) -> String {
    escape_html(text.trim()).replace('\n', "<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.org/news/post.html").unwrap()
    }

    #[test]
    fn renders_markdown() {
        let html = to_html("Hello **world**\n\n- a\n- b", &base(), false, None);
        assert!(html.contains("<strong>world</strong>"));
        assert!(html.contains("<li>a</li>"));
    }

    #[test]
    fn headings_move_down_by_the_offset() {
        let html = to_html("# One\n\n## Two\n\n##### Five", &base(), false, Some(4));
        assert!(html.contains("<h4>One</h4>"), "{html}");
        assert!(html.contains("<h5>Two</h5>"), "{html}");
        assert!(html.contains("<h6>Five</h6>"), "{html}");
        // The highest heading takes the given level: no level is skipped.
        let html = to_html("## Two\n\n### Three", &base(), false, Some(4));
        assert!(
            html.contains("<h4>Two</h4>") && html.contains("<h5>Three</h5>"),
            "{html}"
        );
        assert!(to_html("## Two", &base(), false, None).contains("<h2>Two</h2>"));
    }

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        let source = "Hi <script>alert(1)</script>\n\n<div>block</div>";
        let escaped = to_html(source, &base(), false, None);
        assert!(!escaped.contains("<script>"), "{escaped}");
        assert!(escaped.contains("&lt;script&gt;"), "{escaped}");
        assert!(escaped.contains("&lt;div&gt;"), "{escaped}");
        let allowed = to_html(source, &base(), true, None);
        assert!(allowed.contains("<div>block</div>"), "{allowed}");
    }

    #[test]
    fn relative_links_become_absolute_and_scripts_are_dropped() {
        let html = to_html(
            "[a](other.html) [b](/root) ![i](img/x.png) [c](javascript:alert(1))",
            &base(),
            false,
            None,
        );
        assert!(
            html.contains(r#"href="https://example.org/news/other.html""#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="https://example.org/root""#),
            "{html}"
        );
        assert!(
            html.contains(r#"src="https://example.org/news/img/x.png""#),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
    }

    /// Sources whose headings are hard to find in the HTML: every `<h…` that is not a
    /// heading the renderer wrote, headings it does not write, and headings at the cap.
    const TRICKY: &[&str] = &[
        "# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six",
        "####### Seven hashes is a paragraph\n\n## Two",
        "Setext one\n==========\n\nSetext two\n----------\n\n### Three",
        "## Code\n\n```\n<h2>not a heading</h2>\n</h3>\n<h1 class=\"x\">\n```\n\n    <h4>indented</h4>\n",
        "### Inline\n\nThe `<h2>` and `</h3>` tags, and `<h1 id=a>`.",
        "## The `<h1>` tag\n\ntext",
        "<h1>Raw block</h1>\n\n## Two\n\nInline <h2>raw</h2> and </h3> and <h5 class=\"x\">",
        "# A\n\n---\n\n***\n\n<hr>\n\n## B",
        "## Table\n\n| <h1> | `</h2>` |\n|------|---------|\n| h1 | <h3>x</h3> |",
        "###### Already six\n\n###### Again",
        "###### Six first\n\n# Then one\n\n### Three",
        "No headings at all: <text> & `code`, h1 h2 <h 1>.",
        "> # Quoted\n\n- ## In a list\n- item\n\nText[^1]\n\n[^1]: ## Footnote heading",
        "",
    ];

    #[test]
    fn shifting_headings_is_rendering_with_a_top_heading() {
        for &source in TRICKY {
            let (feed, highest) = to_html_with_headings(source, &base(), false, None);
            assert_eq!(feed, to_html(source, &base(), false, None), "{source:?}");
            for top in 1..=6_usize {
                let by = highest.map_or(0, |highest| top.saturating_sub(highest));
                assert_eq!(
                    shift_headings(&feed, by),
                    to_html(source, &base(), false, Some(top)),
                    "{source:?} with top heading {top}"
                );
            }
        }
    }

    #[test]
    fn the_highest_heading_of_the_source_is_reported() {
        let highest = |source| to_html_with_headings(source, &base(), false, Some(3)).1;
        assert_eq!(highest(TRICKY[0]), Some(1));
        assert_eq!(highest(TRICKY[1]), Some(2));
        assert_eq!(highest(TRICKY[2]), Some(1));
        assert_eq!(highest(TRICKY[3]), Some(2));
        assert_eq!(highest(TRICKY[6]), Some(2), "raw <h1> is not a heading");
        assert_eq!(highest(TRICKY[9]), Some(6));
        assert_eq!(highest(TRICKY[10]), Some(1));
        assert_eq!(highest(TRICKY[11]), None);
        assert_eq!(highest(""), None);
    }

    #[test]
    fn shifting_caps_headings_at_h6_and_leaves_other_tags_alone() {
        let html = to_html(TRICKY[10], &base(), false, None);
        let shifted = shift_headings(&html, 3);
        assert!(shifted.contains("<h6>Six first</h6>"), "{shifted}");
        assert!(shifted.contains("<h4>Then one</h4>"), "{shifted}");
        assert!(shifted.contains("<h6>Three</h6>"), "{shifted}");
        let html = to_html(TRICKY[7], &base(), false, None);
        let shifted = shift_headings(&html, 2);
        assert_eq!(shifted.matches("<hr />").count(), 2, "{shifted}");
        assert!(shifted.contains("&lt;hr&gt;"), "{shifted}");
        assert!(
            shifted.contains("<h3>A</h3>") && shifted.contains("<h4>B</h4>"),
            "{shifted}"
        );
        let html = to_html(TRICKY[8], &base(), false, None);
        assert!(html.contains("<thead>"), "{html}");
        assert_eq!(
            shift_headings(&html, 1).replace("<h3>Table</h3>", "<h2>Table</h2>"),
            html
        );
        assert_eq!(
            shift_headings("<h2 id=\"x\">a</h2><hr /><h6>b</h6><h7>c</h7><h1", 1),
            "<h3 id=\"x\">a</h3><hr /><h6>b</h6><h7>c</h7><h1"
        );
    }
}
