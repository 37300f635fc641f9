use std::process::ExitCode;

use ucsconf::cli::args::{Command, DemoArgs};
use ucsconf::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The program's own log; never fails the command.
    let _ = ucsconf::telemetry::init();
    let tui = matches!(
        cli.command,
        None | Some(Command::Demo(DemoArgs { no_tui: false, .. }))
    );
    // A command is short-lived and mostly waits on files and sockets: one
    // thread starts faster. The TUI keeps drawing while background work runs.
    let runtime = if tui {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            ucsconf::cli::term::err_line(&format!("error: cannot start: {e}"));
            return ExitCode::from(1);
        }
    };
    // The TUI's future on the heap: on the stack, every page of a large
    // future is touched at start (a command's is small: see `cli::boxed`).
    let code = runtime.block_on(async move {
        if tui {
            Box::pin(cli::tui_entry(cli)).await
        } else {
            cli::run(cli).await
        }
    });
    ExitCode::from(code)
}
