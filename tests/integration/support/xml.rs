//! The one XML reader of the tests and the fuzz targets: quick-xml, strictly (well-formed,
//! one root, end names checked, nothing calfeed never writes), into a flat list of
//! [`Element`]s.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::Event as XmlEvent;

/// One element of an XML document.
#[derive(Debug)]
pub struct Element {
    /// `rss/channel/item/title`.
    pub path: String,
    /// Names and values, normalized as XML 1.0 §3.3.3 requires of a parser.
    pub attributes: Vec<(String, String)>,
    /// The element's own character data (text, CDATA and references, in order), with line
    /// ends normalized as XML 1.0 §2.11 requires of a parser.
    pub text: String,
}

/// Parses `xml` strictly: well-formed, one root element, no comment, processing
/// instruction or DOCTYPE (calfeed writes none), nothing but white space outside the root.
pub fn parse(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    let push = |elements: &mut Vec<Element>, open: &[usize], e: &quick_xml::events::BytesStart| {
        let name = String::from_utf8(e.name().as_ref().to_vec()).expect("UTF-8 name");
        let path = match open.last() {
            Some(&parent) => format!("{}/{name}", elements[parent].path),
            None => name,
        };
        let attributes = e
            .attributes()
            .map(|a| {
                let a = a.unwrap_or_else(|err| panic!("bad attribute: {err}\n{xml}"));
                (
                    String::from_utf8(a.key.as_ref().to_vec()).expect("UTF-8 key"),
                    a.normalized_value(XmlVersion::Explicit1_0)
                        .unwrap_or_else(|err| panic!("bad attribute value: {err}"))
                        .into_owned(),
                )
            })
            .collect();
        elements.push(Element {
            path,
            attributes,
            text: String::new(),
        });
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
        let text = match &event {
            XmlEvent::Start(e) => {
                if open.is_empty() {
                    roots += 1;
                }
                push(&mut elements, &open, e);
                open.push(elements.len() - 1);
                None
            }
            XmlEvent::Empty(e) => {
                if open.is_empty() {
                    roots += 1;
                }
                push(&mut elements, &open, e);
                None
            }
            XmlEvent::End(_) => {
                open.pop();
                None
            }
            XmlEvent::Text(t) => Some(t.xml10_content().expect("UTF-8").into_owned()),
            XmlEvent::CData(t) => Some(t.xml10_content().expect("UTF-8").into_owned()),
            XmlEvent::GeneralRef(r) => Some(if r.is_char_ref() {
                r.resolve_char_ref()
                    .expect("valid character reference")
                    .expect("a character")
                    .to_string()
            } else {
                match r.decode().expect("UTF-8").as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("undeclared entity &{other};"),
                }
                .to_string()
            }),
            XmlEvent::Decl(_) => None,
            XmlEvent::Eof => break,
            other => panic!("unexpected {other:?} in calfeed's XML"),
        };
        if let Some(text) = text {
            match open.last() {
                Some(&i) => elements[i].text.push_str(&text),
                None => assert!(
                    text.trim().is_empty(),
                    "character data outside the root: {text:?}"
                ),
            }
        }
    }
    assert!(open.is_empty(), "unclosed elements at the end");
    assert_eq!(roots, 1, "expected one root element");
    elements
}

/// Element paths and attribute names, in order.
pub fn shape(elements: &[Element]) -> Vec<String> {
    elements
        .iter()
        .map(|e| {
            let names: Vec<&str> = e.attributes.iter().map(|(k, _)| k.as_str()).collect();
            format!("{}{names:?}", e.path)
        })
        .collect()
}

/// The text of every element at `path`.
pub fn texts(elements: &[Element], path: &str) -> Vec<String> {
    elements
        .iter()
        .filter(|e| e.path == path)
        .map(|e| e.text.clone())
        .collect()
}

/// The value of attribute `name` of every element at `path`.
pub fn attribute_values(elements: &[Element], path: &str, name: &str) -> Vec<String> {
    elements
        .iter()
        .filter(|e| e.path == path)
        .filter_map(|e| e.attributes.iter().find(|(k, _)| k == name))
        .map(|(_, v)| v.clone())
        .collect()
}

// ---- Reading JSON ---------------------------------------------------------------------------

/// The text of every element named `name` (the last step of its path), in document
/// order: `title` finds the channel's title and every item's.
pub fn named_texts(elements: &[Element], name: &str) -> Vec<String> {
    elements
        .iter()
        .filter(|e| e.path.rsplit('/').next() == Some(name))
        .map(|e| e.text.clone())
        .collect()
}
