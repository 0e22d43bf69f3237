//! Entry point of the `gongkai` binary; everything else lives in the library so tests can call it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = gongkai::cli::Cli::parse();
    gongkai::run(cli)
}
