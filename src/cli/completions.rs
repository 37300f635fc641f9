//! Packaging: shell completion scripts and the man page,
//! all generated from the clap definition so they never drift from it.

use std::io;

use clap_complete::Shell;

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut command = super::args::full_command();
    let name = command.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    script
}

/// The man page (roff) of the whole command line.
pub fn man_page() -> Vec<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(super::args::full_command())
        .render(&mut page)
        .expect("writing to memory cannot fail");
    page
}

/// `ucsconf completions SHELL`.
pub fn print_completions(shell: Shell) -> u8 {
    print(&completions(shell))
}

/// `ucsconf man`.
pub fn print_man() -> u8 {
    print(&man_page())
}

/// Writes to stdout; a reader that went away early (`| head`) is not an error.
fn print(bytes: &[u8]) -> u8 {
    match super::term::out_own_bytes(bytes) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            super::term::errln!("error: cannot write to standard output: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_is_roff_naming_the_commands() {
        let page = String::from_utf8(man_page()).unwrap();
        assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
        assert!(page.contains(".TH ucsconf"), "{page}");
        for command in [
            "presence",
            "calendar",
            "credentials",
            "doctor",
            "completions",
        ] {
            assert!(page.contains(command), "{command}");
        }
    }
}
