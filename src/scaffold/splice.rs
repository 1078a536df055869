//! Adding an entry to a JSON publication without rewriting the rest of it: key order,
//! spacing and formatting stay as the author wrote them.

/// `text` (a JSON object) with an entry added at the end of its array `table` (made when
/// missing), every other byte kept as written: key order, spacing and formatting. The
/// entry comes `pretty` (one member a line) and `compact` (for an array on one line).
pub(super) fn splice_json(
    text: &str,
    table: &str,
    pretty: &str,
    compact: &str,
) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the file is not valid JSON: {e}"))?;
    let object = value
        .as_object()
        .ok_or("the file's top level is not a JSON object")?;
    if object.get(table).is_some_and(|v| !v.is_array()) {
        return Err(format!("`{table}` is not an array"));
    }
    let bytes = text.as_bytes();
    let open = skip_space(bytes, 0);
    // The members of the top-level object: (key, start of the key, start and end of value).
    let mut members = Vec::new();
    let mut at = skip_space(bytes, open + 1);
    while bytes.get(at) == Some(&b'"') {
        let key_end = value_end(bytes, at);
        let key: String = serde_json::from_str(&text[at..key_end]).map_err(|e| e.to_string())?;
        let colon = skip_space(bytes, key_end);
        let value_start = skip_space(bytes, colon + 1);
        let value_stop = value_end(bytes, value_start);
        members.push((key, at, value_start, value_stop));
        at = skip_space(bytes, value_stop);
        if bytes.get(at) == Some(&b',') {
            at = skip_space(bytes, at + 1);
        }
    }
    let close = at;
    // The indentation of the object's members, and one level of it.
    let member_indent = members
        .first()
        .map(|&(_, key_start, _, _)| line_indent(text, key_start))
        .filter(|indent| !indent.is_empty())
        .unwrap_or("  ")
        .to_string();
    let pretty = |indent: &str| pretty.replace('\n', &format!("\n{indent}"));
    // The last of duplicate keys, as serde_json (and so the loader) reads it.
    let spliced = match members.iter().rev().find(|(key, ..)| key == table) {
        Some(&(_, key_start, array_start, array_stop)) => {
            let inner_end = array_stop - 1;
            let last = text[..inner_end].trim_end().len();
            if last == array_start + 1 {
                // An empty array.
                let outer = line_indent(text, key_start);
                let indent = format!("{outer}{member_indent}");
                format!(
                    "{}[\n{indent}{}\n{outer}{}",
                    &text[..array_start],
                    pretty(&indent),
                    &text[inner_end..]
                )
            } else {
                let first = skip_space(bytes, array_start + 1);
                let added = if text[array_start..first].contains('\n') {
                    // One element a line: the new one too, indented as the first.
                    format!(",\n{}", line_indent(text, first)) + &pretty(line_indent(text, first))
                } else {
                    // All on one line: the new element compact, on it too.
                    format!(", {compact}")
                };
                format!("{}{added}{}", &text[..last], &text[last..])
            }
        }
        None => {
            let last = text[..close].trim_end().len();
            let comma = if members.is_empty() { "" } else { "," };
            format!(
                "{}{comma}\n{member_indent}{}: [\n{member_indent}{member_indent}{}\n{member_indent}]{}",
                &text[..last],
                serde_json::Value::from(table),
                pretty(&format!("{member_indent}{member_indent}")),
                &text[last..]
            )
        }
    };
    Ok(if spliced.ends_with('\n') {
        spliced
    } else {
        spliced + "\n"
    })
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Where the JSON value starting at `at` ends (one past its last byte). The text is
/// known to be valid JSON.
fn value_end(bytes: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut i = at;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if depth == 0 {
                    return i + 1;
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b',' | b'}' | b']' if depth == 0 => return i,
            b if depth == 0 && b.is_ascii_whitespace() => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The spaces and tabs that start the line `at` is on, when nothing else precedes `at`
/// on it; else "".
fn line_indent(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let before = &text[start..at];
    if before.chars().all(|c| c == ' ' || c == '\t') {
        before
    } else {
        ""
    }
}
