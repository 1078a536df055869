//! Injection: each text field in turn holds [`NASTY`], a string that tries to end the
//! iCalendar line, the XML element, the CDATA section, the HTML page and the JSON string
//! it is written into. The real binary builds it, and independent readers take every output
//! apart: the `icalendar` crate's own parser, quick-xml, serde_json, and plain counting for
//! the HTML page. Each must give back exactly the text that went in, in exactly the same
//! structure as a publication with a plain value in that field (no extra component,
//! property, element, key or script).

use crate::support::api::Format;
use crate::support::api::{param_value, refold};
use crate::support::fixtures::{Field, fixture, problems};
use crate::support::ics::{Ics, decode_param, unescape_text};
use crate::support::text::{lf, one_line};
use crate::support::xml::Element;
use crate::support::{Test, json, xml};

/// Everything at once: iCalendar line ends, folding, component and property syntax, TEXT
/// and RFC 6868 escapes; XML and HTML markup, entities, CDATA ends and comments; the
/// closing tags of every element calfeed writes text into; a script; and Unicode that
/// parsers like to mangle (astral plane, line and paragraph separators, NEL, bidi override,
/// BOM, the last code point). It neither starts nor ends with white space, which some
/// outputs trim on purpose.
pub const NASTY: &str = concat!(
    "A\rB\nC\r\nD\r\n BEGIN:VEVENT\r\nUID:injected\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "X-INJECTED;LABEL=\"x\":y ; , : \\ \\n \\, \\; \\\\ ^ ^n ^' \" ' ` ",
    "< > & &amp; &lt; &#60; &#x3C; ]]> <![CDATA[ x ]]]]> ",
    "</item><item><title>injected</title></item> </title></entry><entry> ",
    "</summary></description></content:encoded></channel></feed> ",
    "<!-- x --> <?xml version=\"1.0\"?> <script>alert(1)</script> <img src=x onerror=alert(1)> ",
    "{{x}} ${x} %s \t tab é 東京 😀 𝄞 \u{2028} \u{2029} \u{85} \u{202E} \u{FEFF} \u{FFFD} \u{10FFFF} end",
);

/// HTML escaping as an independent writer would do it (quotes included: the text also goes
/// into attributes).
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// calfeed's own script is the only one, and nothing from the data became an element: the
/// data's `<script>`, `<img>`, `<item>`, comment and `</title>` all stayed text.
pub fn assert_html_inert(html: &str, page: &str) {
    let count = |needle: &str| html.matches(needle).count();
    assert_eq!(count("<script"), 1, "{page}: scripts");
    assert_eq!(count("</script>"), 1, "{page}: script ends");
    assert!(
        html.contains("<script>\ndocument.querySelectorAll('time[data-local-time]')"),
        "{page}: calfeed's own script is missing"
    );
    assert_eq!(count("<title>"), 1, "{page}: titles");
    assert_eq!(count("</title>"), 1, "{page}: title ends");
    for markup in [
        "<img",
        "<item",
        "</item",
        "<!--",
        "<![CDATA[",
        "<?xml",
        "<entry",
    ] {
        assert_eq!(count(markup), 0, "{page}: {markup} is markup");
    }
}

/// Every output of one build of [`fixture`], parsed.
pub struct Outputs {
    pub calendar: Ics,
    pub single: Ics,
    pub rss: Vec<Element>,
    pub atom: Vec<Element>,
    pub json: serde_json::Value,
    pub page: String,
    pub index: String,
    /// The permalinks of the event and the article, the archive's contents and its page.
    pub event_page: String,
    pub article_page: String,
    pub archive: String,
    pub archive_page: String,
}

impl Outputs {
    pub fn build(field: Field, value: &str) -> Outputs {
        let site = Test::new()
            .feed("hostile.toml", &fixture(field, value))
            .args(["build"])
            .run();
        Outputs {
            calendar: Ics::parse(&site.read("public/hostile.ics")),
            single: Ics::parse(&site.read("public/hostile/launch.ics")),
            rss: xml::parse(&site.read("public/hostile.xml")),
            atom: xml::parse(&site.read("public/hostile.atom")),
            json: json::parse(&site.read("public/hostile.json")),
            page: site.read("public/hostile/index.html"),
            index: site.read("public/index.html"),
            event_page: site.read("public/hostile/launch.html"),
            article_page: site.read("public/hostile/news.html"),
            archive: site.read("public/hostile/archive/index.html"),
            archive_page: site.read("public/hostile/archive/2024.html"),
        }
    }

    fn event(&self) -> &Ics {
        self.calendar.only("VEVENT")
    }

    /// The related article's HTML in all three feeds: the same in each.
    fn content_html(&self) -> String {
        let rss = xml::texts(&self.rss, "rss/channel/item/content:encoded");
        let atom = xml::texts(&self.atom, "feed/entry/content");
        let json = lf(json::str_at(&self.json, "/items/0/content_html"));
        assert_eq!(
            rss,
            std::slice::from_ref(&json),
            "RSS and JSON Feed content differ"
        );
        assert_eq!(
            atom,
            std::slice::from_ref(&json),
            "Atom and JSON Feed content differ"
        );
        json
    }
}

/// Builds the publication with `field` holding [`NASTY`] and with a plain text, and checks
/// what must hold for every field: every output parses, and has exactly the structure of the
/// plain build (no component, property, element, attribute or key added or lost); the
/// pages' only script is calfeed's own.
fn nasty(field: Field) -> Outputs {
    injected(field, NASTY)
}

/// The text an HTML fragment that holds only text shows: no markup in it, entities decoded.
pub fn html_text(html: &str) -> String {
    assert!(!html.contains('<'), "markup in what should be text: {html}");
    let text = html
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'");
    assert!(
        !text.replace("&amp;", "").contains('&'),
        "an unknown entity in {html}"
    );
    text.replace("&amp;", "&")
}

/// What [`nasty`] checks, with any text.
fn injected(field: Field, value: &str) -> Outputs {
    let plain = Outputs::build(field, "Plain value");
    let nasty = Outputs::build(field, value);
    assert_eq!(nasty.calendar.shape(), plain.calendar.shape(), "calendar");
    assert_eq!(
        nasty.single.shape(),
        plain.single.shape(),
        "one-event calendar"
    );
    assert_eq!(
        nasty
            .calendar
            .children
            .iter()
            .filter(|c| c.name == "VEVENT")
            .count(),
        1
    );
    assert_eq!(xml::shape(&nasty.rss), xml::shape(&plain.rss), "RSS");
    assert_eq!(xml::shape(&nasty.atom), xml::shape(&plain.atom), "Atom");
    assert_eq!(xml::texts(&nasty.rss, "rss/channel/item").len(), 1);
    assert_eq!(xml::texts(&nasty.atom, "feed/entry").len(), 1);
    assert_eq!(
        json::shape(&nasty.json),
        json::shape(&plain.json),
        "JSON Feed"
    );
    assert_html_inert(&nasty.page, "publication page");
    assert_html_inert(&nasty.index, "index page");
    assert_html_inert(&nasty.event_page, "event's page");
    assert_html_inert(&nasty.article_page, "article's page");
    assert_html_inert(&nasty.archive, "archive");
    assert_html_inert(&nasty.archive_page, "archive page");
    // The related event's title is in every feed's content; the data's markup never is.
    let content = nasty.content_html();
    for markup in ["<script", "<img", "<item", "<!--", "<title", "<entry"] {
        assert!(!content.contains(markup), "{markup} in content: {content}");
    }
    nasty
}

#[test]
fn channel_title_is_never_injected() {
    // A one-line field: NASTY without its line breaks (a line break is refused).
    let line = one_line(NASTY);
    let out = injected(Field::ChannelTitle, &line);
    assert_eq!(out.calendar.text("NAME"), line.clone());
    assert_eq!(out.calendar.text("X-WR-CALNAME"), line.clone());
    assert!(out.single.values("NAME").is_empty());
    assert_eq!(xml::texts(&out.rss, "rss/channel/title"), [line.as_str()]);
    assert_eq!(xml::texts(&out.atom, "feed/title"), [line.as_str()]);
    assert_eq!(json::str_at(&out.json, "/title"), line);
    let shown = html_escape(&line);
    assert!(out.page.contains(&format!("<title>{shown}</title>")));
    assert!(out.page.contains(&format!("<h1>{shown}</h1>")));
    assert!(out.index.contains(&shown));
}

#[test]
fn channel_description_is_never_injected() {
    let out = nasty(Field::ChannelDescription);
    assert_eq!(out.calendar.text("DESCRIPTION"), lf(NASTY));
    assert_eq!(out.calendar.text("X-WR-CALDESC"), lf(NASTY));
    // RSS readers read <description> as HTML: the text goes in escaped.
    let rss = xml::texts(&out.rss, "rss/channel/description");
    assert_eq!(rss.len(), 1);
    assert_eq!(html_text(&rss[0]), lf(NASTY));
    assert_eq!(xml::texts(&out.atom, "feed/subtitle"), [lf(NASTY)]);
    assert_eq!(json::str_at(&out.json, "/description"), NASTY);
    let shown = html_escape(NASTY);
    assert!(out.page.contains(&format!("<p>{shown}</p>")));
    assert!(
        out.page
            .contains(&format!("<meta name=\"description\" content=\"{shown}\">"))
    );
    assert!(out.index.contains(&shown));
}

#[test]
fn channel_author_is_never_injected() {
    // A one-line field: NASTY without its line breaks (a line break is refused).
    let line = one_line(NASTY);
    let out = injected(Field::ChannelAuthor, &line);
    // The article has no author of its own, so the channel's stands for it.
    assert_eq!(
        xml::texts(&out.rss, "rss/channel/item/dc:creator"),
        [line.as_str()]
    );
    assert_eq!(xml::texts(&out.atom, "feed/author/name"), [line.as_str()]);
    assert_eq!(json::str_at(&out.json, "/authors/0/name"), line);
}

#[test]
fn event_title_is_never_injected() {
    // A one-line field: NASTY without its line breaks (a line break is refused).
    let line = one_line(NASTY);
    let out = injected(Field::EventTitle, &line);
    assert_eq!(out.event().text("SUMMARY"), line.clone());
    assert_eq!(out.event().only("VALARM").text("DESCRIPTION"), line.clone());
    assert_eq!(out.single.only("VEVENT").text("SUMMARY"), line.clone());
    // The related article names the event in every feed, as escaped HTML.
    let content = out.content_html();
    assert!(
        content.contains(&format!("<strong>{}</strong>", html_escape(&line.clone()))),
        "{content}"
    );
    assert!(
        json::str_at(&out.json, "/items/0/content_html")
            .contains(&format!("<strong>{}</strong>", html_escape(&line)))
    );
    assert!(
        out.page
            .contains(&format!("\">{}</a></h3>", html_escape(&line)))
    );
    assert!(
        out.event_page
            .contains(&format!("<h1>{}</h1>", html_escape(&line)))
    );
}

#[test]
fn event_description_is_never_injected() {
    let out = nasty(Field::EventDescription);
    for event in [out.event(), out.single.only("VEVENT")] {
        let description = event.text("DESCRIPTION");
        let rest = description
            .strip_prefix(&format!("{}\n\n", lf(NASTY)))
            .unwrap_or_else(|| panic!("DESCRIPTION does not start with the text: {description:?}"));
        assert_eq!(
            rest,
            "Livestream: https://example.org/live\nEvent page: https://example.org/cal/hostile/launch.html"
        );
    }
    // The page shows it as paragraphs and line breaks, every piece escaped.
    for line in lf(NASTY).lines() {
        assert!(
            out.page.contains(&html_escape(line.trim())),
            "{line:?} is not on the page"
        );
    }
}

#[test]
fn event_location_is_never_injected() {
    // A one-line field: NASTY without its line breaks (a line break is refused).
    let line = one_line(NASTY);
    let out = injected(Field::EventLocation, &line);
    assert_eq!(out.event().text("LOCATION"), line.clone());
    assert_eq!(out.single.only("VEVENT").text("LOCATION"), line.clone());
    assert!(
        out.page
            .contains(&format!("<p class=\"where\">{}</p>", html_escape(&line)))
    );
}

#[test]
fn event_categories_are_never_injected() {
    let category = one_line(NASTY);
    let out = injected(Field::EventCategory, &category);
    let expected = [category, "Second category".to_string()];
    assert_eq!(out.event().categories(), expected);
    assert_eq!(out.single.only("VEVENT").categories(), expected);
}

/// `CONFERENCE;LABEL=Livestream` is the one parameter whose value is text: no field of the
/// input reaches it (the label is fixed), so the encoder that writes it, `param_value`, is
/// given the nasty text directly and read back through the crate's parser.
#[test]
fn parameter_values_are_never_injected() {
    let calendar = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nCONFERENCE;VALUE=URI;LABEL={}:https://example.org/live\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        param_value(NASTY)
    );
    let parsed = Ics::parse(&refold(&calendar));
    let event = parsed.only("VEVENT");
    assert_eq!(event.properties.len(), 1, "{:?}", event.properties);
    let (name, params, value) = &event.properties[0];
    assert_eq!(name, "CONFERENCE");
    assert_eq!(value, "https://example.org/live");
    assert_eq!(params.len(), 2, "{params:?}");
    assert_eq!(params[1].0, "LABEL");
    assert_eq!(
        decode_param(params[1].1.as_deref().unwrap_or("")),
        lf(NASTY)
    );
}

#[test]
fn article_title_is_never_injected() {
    // A one-line field: NASTY without its line breaks (a line break is refused).
    let line = one_line(NASTY);
    let out = injected(Field::ArticleTitle, &line);
    assert_eq!(
        xml::texts(&out.rss, "rss/channel/item/title"),
        [line.as_str()]
    );
    assert_eq!(xml::texts(&out.atom, "feed/entry/title"), [line.as_str()]);
    assert_eq!(json::str_at(&out.json, "/items/0/title"), line);
    assert!(
        out.page
            .contains(&format!("\">{}</a></h3>", html_escape(&line)))
    );
    assert!(
        out.article_page
            .contains(&format!("<h1>{}</h1>", html_escape(&line)))
    );
}

#[test]
fn article_summary_is_never_injected() {
    let out = nasty(Field::ArticleSummary);
    // RSS readers read <description> as HTML: the text goes in escaped.
    let rss = xml::texts(&out.rss, "rss/channel/item/description");
    assert_eq!(rss.len(), 1);
    assert_eq!(html_text(&rss[0]), lf(NASTY));
    assert_eq!(xml::texts(&out.atom, "feed/entry/summary"), [lf(NASTY)]);
    assert_eq!(json::str_at(&out.json, "/items/0/summary"), NASTY);
    assert!(
        out.page
            .contains(&format!("<p class=\"summary\">{}</p>", html_escape(NASTY)))
    );
}

#[test]
fn article_content_is_never_injected() {
    let out = nasty(Field::ArticleContent);
    // Markdown: the raw HTML in it is shown as text, never passed through.
    let content = out.content_html();
    for shown in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;/item&gt;&lt;item&gt;&lt;title&gt;injected&lt;/title&gt;&lt;/item&gt;",
        "&lt;!-- x --&gt;",
        "東京 😀 𝄞",
    ] {
        assert!(content.contains(shown), "{shown} is not in {content}");
        assert!(out.page.contains(shown), "{shown} is not on the page");
    }
}

#[test]
fn article_author_is_never_injected() {
    // A one-line field: NASTY without its line breaks (a line break is refused).
    let line = one_line(NASTY);
    let out = injected(Field::ArticleAuthor, &line);
    assert_eq!(
        xml::texts(&out.rss, "rss/channel/item/dc:creator"),
        [line.as_str()]
    );
    assert_eq!(
        xml::texts(&out.atom, "feed/entry/author/name"),
        [line.as_str()]
    );
    assert_eq!(json::str_at(&out.json, "/items/0/authors/0/name"), line);
    assert!(out.page.contains(&format!(" · {}</p>", html_escape(&line))));
}

#[test]
fn article_categories_are_never_injected() {
    let category = one_line(NASTY);
    let out = injected(Field::ArticleCategory, &category);
    let expected = [category.clone(), "Second category".to_string()];
    assert_eq!(xml::texts(&out.rss, "rss/channel/item/category"), expected);
    assert_eq!(
        xml::attribute_values(&out.atom, "feed/entry/category", "term"),
        expected
    );
    assert_eq!(json::str_at(&out.json, "/items/0/tags/0"), category);
}

#[test]
fn a_category_with_a_line_break_or_tab_is_rejected() {
    for field in [Field::EventCategory, Field::ArticleCategory] {
        for category in ["one\ntwo", "one\r\ntwo", "one\rtwo", "one\ttwo"] {
            let found = problems(&fixture(field, category), Format::Toml);
            assert_eq!(
                found,
                [(
                    field.path().to_string(),
                    "a category is one line of text".to_string()
                )],
                "{category:?}"
            );
        }
    }
}

/// The checks above would notice an injection: a calendar or feed with an extra component,
/// line or element does not pass them.
#[test]
fn the_checkers_notice_an_injection() {
    let fails = |f: &dyn Fn()| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
    let calendar = |summary: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    let plain = Ics::parse(&calendar("plain")).shape();
    assert_ne!(Ics::parse(&calendar("a\r\nUID:evil")).shape(), plain);
    assert_ne!(
        Ics::parse(&calendar("a\r\nEND:VEVENT\r\nBEGIN:VEVENT")).shape(),
        plain
    );
    assert!(fails(&|| {
        Ics::parse(&calendar(
            "a\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT",
        ));
    }));
    assert!(fails(&|| {
        Ics::parse(&calendar(&"long".repeat(30)));
    }));
    assert!(fails(&|| {
        Ics::parse(&calendar("bare\nnewline"));
    }));
    assert!(fails(&|| {
        unescape_text("a\\tb");
    }));
    let feed =
        |title: &str| format!("<rss><channel><item><title>{title}</title></item></channel></rss>");
    let plain = xml::shape(&xml::parse(&feed("plain")));
    assert_ne!(
        xml::shape(&xml::parse(&feed("a</title></item><item><title>b"))),
        plain
    );
    assert_ne!(xml::shape(&xml::parse(&feed("a<b/>"))), plain);
    assert!(fails(&|| {
        xml::parse(&feed("a</item>"));
    }));
    assert!(fails(&|| {
        xml::parse(&feed("a<!-- x -->"));
    }));
    assert!(fails(&|| {
        xml::parse(&format!("{}<rss/>", feed("a")));
    }));
    assert_eq!(
        xml::texts(
            &xml::parse(&feed("a&amp;b&#13;c\r\nd<![CDATA[<]]]]><![CDATA[>]]>")),
            "rss/channel/item/title"
        ),
        ["a&b\rc\nd<]]>"]
    );
    assert!(fails(&|| assert_html_inert(
        "<title>t</title><script>x</script>",
        "page"
    )));
}
