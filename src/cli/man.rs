//! `calfeed man`: one man page for the whole command. clap_mangen's own page refers to a
//! page per subcommand (`calfeed-build(1)`...) that is never installed; this one puts every
//! command with its options on the page itself, and adds the data format and the exit
//! status.

use std::io::{self, Write};

use clap_mangen::Man;

use super::exit::Exit;

/// The data format in brief; docs/data-format.md is the reference.
const DATA_FORMAT: &str = "\
One publication per file: DIR/<slug>.toml or DIR/<slug>.json (the same structure). The slug, \
the file name without its extension, names the outputs. Unknown keys are errors.
[channel] requires title, description, link (where the outputs are served), language and \
timezone (for times written without one). Each [[events]] entry requires id, title and start, \
and takes end or duration, a timezone, a location, a livestream link, reminders, a repeat \
rule with exceptions and overrides, and more. Each [[articles]] entry requires id, title and \
published, and takes a summary, Markdown content, the ids of related events, and more.
Times are local times in a zone (2022-07-04T19:00), instants (2022-07-04T11:00:00Z, \
2022-07-04T19:00+08:00) or dates (2022-07-04: all day). Zones are IANA names \
(Asia/Shanghai), UTC, or offsets (GMT+8). Durations are 2h, 90m, 1h30m, 1d, 1w or ISO 8601 \
(PT2H). Ids are 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'; they become UIDs, \
file names and anchors, so never change one once published.
`calfeed init` writes a commented example. The full reference, every key with its type, \
default and checks, is docs/data-format.md in calfeed's source, and the README there is the \
manual.";

/// Writes the man page of `command` (the whole command line, not yet built) to `out`.
pub fn render(mut command: clap::Command, out: &mut dyn Write) -> io::Result<()> {
    command.build();
    let page = Man::new(command.clone());
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        writeln!(out, ".SS \"calfeed {}\"", sub.get_name())?;
        // The global flags are described once, above.
        let own = ["quiet", "verbose", "help", "version"]
            .into_iter()
            .filter(|id| sub.get_arguments().any(|a| a.get_id() == id))
            .fold(sub.clone(), |sub, id| sub.mut_arg(id, |a| a.hide(true)));
        let sub_page = Man::new(own);
        // Its synopsis and options, under this heading rather than sections of their own.
        for part in [
            Man::render_synopsis_section as fn(&Man, &mut dyn Write) -> io::Result<()>,
            Man::render_description_section,
            Man::render_options_section,
        ] {
            let mut buffer = Vec::new();
            part(&sub_page, &mut buffer)?;
            let text = String::from_utf8_lossy(&buffer);
            for line in text.lines() {
                if line.starts_with(".SH ") {
                    writeln!(out, ".PP")?;
                } else {
                    writeln!(out, "{line}")?;
                }
            }
        }
    }
    writeln!(out, ".SH \"DATA FORMAT\"")?;
    for paragraph in DATA_FORMAT.lines() {
        writeln!(out, ".PP\n{}", roff_text(paragraph))?;
    }
    writeln!(out, ".SH \"EXIT STATUS\"\n.nf")?;
    for line in Exit::help().lines().skip(1) {
        writeln!(out, "{}", roff_text(line))?;
    }
    writeln!(out, ".fi")?;
    writeln!(
        out,
        ".SH \"SEE ALSO\"\n{}",
        roff_text(
            "README.md (the manual) and docs/data-format.md (the data format) in calfeed's \
             source; calfeed <command> --help."
        )
    )?;
    page.render_version_section(out)
}

/// Text for a roff line: backslashes and hyphens escaped, no control character first.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
