//! `calfeed serve`: the preview server.

use std::net::SocketAddr;

use calfeed::serve;

use super::InputArgs;
use super::exit::Exit;
use super::report::{DiagnosticFormat, Reporter};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Address to listen on. Loopback unless given otherwise; port 0 picks a free port.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    let reporter = *reporter;
    let options = serve::Options {
        input: args.input.input.clone(),
        addr: args.addr,
        load: args.input.options(),
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
