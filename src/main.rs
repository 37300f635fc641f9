use std::process::ExitCode;

use clap::Parser;
use ucsconf::cli::{self, Cli, args::Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The program's own log; never fails the command.
    let _ = ucsconf::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(async move {
        match &cli.command {
            None | Some(Command::Demo { no_tui: false, .. }) => cli::tui_entry(cli).await,
            Some(_) => cli::run(cli).await,
        }
    });
    ExitCode::from(code)
}
