//! What every HTML page of a build shares: the document's head with its inline style, the
//! footer, the script that adds the reader's local time, and the writing out of a page in
//! pieces.

use chrono::{DateTime, Utc};

use std::io::{self, Write};

use super::escape::escape_html as esc;

/// Writes `html` out once it holds a few blocks, so that a page is never held whole.
pub(super) fn flush(html: &mut String, out: &mut dyn Write) -> io::Result<()> {
    if html.len() >= 64 * 1024 {
        out.write_all(html.as_bytes())?;
        html.clear();
    }
    Ok(())
}

/// The footer: when the publication was last updated.
pub(super) fn footer(updated: DateTime<Utc>) -> String {
    format!(
        "<footer>\n<p>Updated <time datetime=\"{}\">{}</time>. Made with calfeed.</p>\n</footer>\n",
        updated.to_rfc3339(),
        updated.format("%-d %B %Y, %H:%M UTC")
    )
}

const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1a1a1a;--bg:#fdfdfc;--muted:#555;--accent:#0b57d0;--card:#fff;--line:#d8d8d8}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#141414;--muted:#b4b4b4;--accent:#8ab4f8;--card:#1e1e1e;--line:#3a3a3a}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:46rem;margin:0 auto;padding:1rem 1.25rem}
header{border-bottom:1px solid var(--line)}
h1{font-size:1.8rem;line-height:1.2;margin:.5rem 0}
h2{font-size:1.35rem;margin:2rem 0 .75rem}
h3{font-size:1.1rem;margin:.25rem 0 .5rem}
a{color:var(--accent)}
a:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.item{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem 1.1rem;margin:0 0 1rem}
.when{font-weight:600;margin:.25rem 0}
.local-time,.meta,.where{color:var(--muted);margin:.25rem 0}
.links{padding-left:1.2rem}
.links li{margin:.35rem 0}
.button{font-weight:600}
.badge{font-weight:700;color:#a50e0e}
@media (prefers-color-scheme:dark){.badge{color:#f28b82}}
.cancelled h3{text-decoration:line-through}
.cancelled h3 .badge{display:inline-block;text-decoration:none}
input{width:100%;max-width:32rem;font:inherit;padding:.3rem .4rem;margin-top:.25rem;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:.3rem}
.content img{max-width:100%;height:auto}
footer{color:var(--muted);font-size:.9rem;border-top:1px solid var(--line)}
";

/// Adds "Your time: ..." under each timed event, in the reader's own zone. Without
/// JavaScript the page still shows the event's zone and UTC.
const LOCAL_TIME_SCRIPT: &str = "\
document.querySelectorAll('time[data-local-time]').forEach(function (t) {
  var d = new Date(t.getAttribute('datetime'));
  if (isNaN(d)) return;
  var p = document.createElement('p');
  p.className = 'local-time';
  p.textContent = 'Your time: ' + d.toLocaleString(undefined, {weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short'});
  t.parentNode.insertAdjacentElement('afterend', p);
});
";

/// The document up to and including `<body>`.
pub(super) fn document_start(title: &str, description: &str, language: &str, head: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<meta name=\"description\" content=\"{description}\">\n\
         <meta name=\"generator\" content=\"calfeed {version}\">\n{head}<style>\n{STYLE}</style>\n\
         </head>\n<body>\n",
        lang = esc(language),
        title = esc(title),
        description = esc(description),
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// The script and the closing tags.
pub(super) fn document_end(out: &mut String) {
    out.push_str("<script>\n");
    out.push_str(LOCAL_TIME_SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
}
