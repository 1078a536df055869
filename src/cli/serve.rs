//! `calfeed serve`: the preview server.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use calfeed::serve;

use super::InputArgs;
use super::exit::Exit;
use super::report::{DiagnosticFormat, Reporter};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Address to listen on: IP:PORT, or HOST:PORT with a host name (localhost:8080).
    /// Loopback unless given otherwise; port 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    addr: Addrs,
    /// The published calendars the publish guard compares each build with, as
    /// `build --previous` does: a directory holding <slug>.ics files, or one .ics file.
    /// An edit that `build` would refuse is reported. Default: public (where `build`
    /// writes by default).
    #[arg(long, value_name = "PATH", default_value = "public")]
    previous: PathBuf,
}

/// The addresses a `--addr` resolves to.
#[derive(Clone, Debug)]
struct Addrs(Vec<SocketAddr>);

fn parse_addr(text: &str) -> Result<Addrs, String> {
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("{e} (expected IP:PORT or HOST:PORT, e.g. localhost:8080)"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{text} resolves to no address"));
    }
    Ok(Addrs(addrs))
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    let reporter = *reporter;
    let options = serve::Options {
        input: args.input.input.clone(),
        addrs: args.addr.0,
        load: args.input.options(),
        previous: Some(args.previous),
        report: serve::Report::new(move |event| {
            // Problems reach the user even with --quiet; progress goes to stdout.
            if event.is_problem() {
                reporter.note(event);
            } else {
                reporter.info(event);
            }
        }),
    };
    match serve::run(&options) {
        Ok(()) => Exit::Success,
        Err(serve::Error::Input(problems)) => {
            reporter.diagnostics(&problems, DiagnosticFormat::Human)
        }
        Err(e) => {
            reporter.error(e);
            Exit::Serve
        }
    }
}
