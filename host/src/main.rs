//! `exo`: the command-line tool of the Exo project.

mod build_cmd;
mod check_cmd;
mod hdl_cmd;
mod rtl_cmd;
mod sim_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "exo",
    version,
    about = "Exo: atomic broadcast for the rack-scale computer"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the seeded rack simulator: N golden-model hosts on a simulated fabric (with --rtl:
    /// the Verilated RTL rack, each engine held to its golden model).
    Sim(sim_cmd::SimArgs),
    /// Model-check the real host model (engine + recovery) with stateright: every state within
    /// bounds (breadth-first), or seeded random walks.
    Check(check_cmd::CheckArgs),
    /// Print the Exo network frame layout (the table the protocol document embeds), or with
    /// `--host-link` the host link's tables (docs/host_link.md).
    Wire {
        /// The host link's frame, ops, status codes and board registers instead.
        #[arg(long)]
        host_link: bool,
    },
    /// Write the RTL as Verilog (one file per design, lint waivers, a JSON manifest).
    Emit(hdl_cmd::EmitArgs),
    /// Synthesize, place and route a design on LFE5U-25F-6BG256C; print LUT4/FF/DP16KD/Fmax.
    Pnr(hdl_cmd::PnrArgs),
    /// Build a board's bitstream: Verilog, yosys, nextpnr-ecp5 (timing must be met), ecppack;
    /// writes DIR/<board>.bit and DIR/report.json.
    Build(build_cmd::BuildArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sim(args) => sim_cmd::run(args),
        Command::Check(args) => check_cmd::run(args),
        Command::Emit(args) => hdl_cmd::emit(args),
        Command::Pnr(args) => hdl_cmd::pnr(args),
        Command::Build(args) => build_cmd::run(args),
        Command::Wire { host_link } => {
            if host_link {
                print!("{}", exo_proto::host_link::layout_markdown());
            } else {
                print!("{}", exo_proto::wire::layout_markdown());
            }
            ExitCode::SUCCESS
        }
    }
}
