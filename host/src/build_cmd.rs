//! `exo build --board NAME --out DIR`: a board's bitstream from a clean checkout.
//!
//! Emits the Verilog and the constraints, synthesizes with yosys, places and routes with
//! nextpnr-ecp5 against the board's real clock constraints (never `--timing-allow-fail`),
//! packs with ecppack, and writes `DIR/<board>.bit` and `DIR/report.json` (Fmax per clock,
//! LUT4/FF/DP16KD/IO, the PLL, tool versions, step times). Progress goes to stderr; a
//! failing tool stops the build with its message (its whole log stays in DIR) and exit 1;
//! bad arguments (an unknown board, engine parameters the hardware cannot take) exit 2.

use clap::Args;
use exo_boards::flow::{self, BuildOptions, BuildReport};
use exo_boards::{Board, BOARDS, DEFAULT_HOSTS};
use exo_engine::EngineParams;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The board (`--list` shows them).
    #[arg(long, required_unless_present = "list")]
    pub board: Option<String>,
    /// The build directory: `<board>.bit`, `report.json`, the sources and the tools' logs.
    #[arg(long, required_unless_present = "list")]
    pub out: Option<PathBuf>,
    /// List the boards and exit.
    #[arg(long)]
    pub list: bool,
    /// Hosts in the cluster the engine is built for (1 to 256).
    #[arg(long, default_value_t = DEFAULT_HOSTS)]
    pub nodes: usize,
    /// This board's host id in the cluster (each board of a cluster is built with its own).
    #[arg(long, default_value_t = 0)]
    pub host_id: u8,
    /// Cluster id carried in every frame.
    #[arg(long, default_value_t = 1)]
    pub cluster: u16,
    /// Token timeout in 8 ns cycles.
    #[arg(long, default_value_t = exo_engine::params::DEFAULT_TOKEN_TIMEOUT_CYCLES)]
    pub token_timeout_cycles: u32,
    /// nextpnr's placement seed: only this one. Without it, seeds 1 to 4 are tried in turn
    /// until one meets timing (the report lists each attempt).
    #[arg(long)]
    pub seed: Option<u32>,
}

fn list() -> ExitCode {
    for b in BOARDS {
        println!("{:<22} {:<24} {}", b.name, b.part_code, b.title);
    }
    ExitCode::SUCCESS
}

fn params(args: &BuildArgs) -> Result<EngineParams, String> {
    let mut p = EngineParams::new(args.nodes, args.host_id);
    p.cluster = args.cluster;
    p.token_timeout_cycles = args.token_timeout_cycles;
    p.validate().map_err(|e| e.to_string())?;
    Ok(p)
}

fn print_summary(report: &BuildReport, out: &std::path::Path) {
    println!("board       {} ({})", report.board, report.part);
    println!(
        "engine      {} hosts, host id {}",
        report.engine.hosts, report.engine.host_id
    );
    for a in report.attempts.iter().filter(|a| !a.timing_met) {
        let worst = a
            .clocks
            .iter()
            .filter(|c| !c.met)
            .map(|c| format!("{} at {:.2} MHz", c.clock, c.fmax_mhz))
            .collect::<Vec<_>>()
            .join(", ");
        println!("seed {:<7}missed: {worst}", a.seed);
    }
    println!("seed        {} (met timing)", report.seed);
    for c in &report.clocks {
        println!(
            "Fmax        {:.2} MHz (constraint {:.2} MHz)  {}",
            c.fmax_mhz, c.constraint_mhz, c.clock
        );
    }
    let u = &report.utilization;
    for (what, cells) in [
        ("LUT4", u.lut4),
        ("FF", u.ff),
        ("DP16KD", u.dp16kd),
        ("IO", u.io),
    ] {
        println!("{what:<12}{} of {}", cells.used, cells.available);
    }
    println!("time        {:.0} s", report.seconds.total);
    if let Some(bit) = &report.bitstream {
        println!("bitstream   {}", out.join(bit).display());
    }
    println!("report      {}", out.join("report.json").display());
}

pub fn run(args: BuildArgs) -> ExitCode {
    if args.list {
        return list();
    }
    let (Some(name), Some(out)) = (&args.board, &args.out) else {
        eprintln!("exo build: --board and --out are required");
        return ExitCode::from(2);
    };
    let board: &Board = match exo_boards::find(name) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("exo build: {e}");
            return ExitCode::from(2);
        }
    };
    let params = match params(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("exo build: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "exo build: {} ({}), engine for {} hosts as host {}, into {}",
        board.name,
        board.title,
        params.hosts,
        params.host_id,
        out.display()
    );
    let opts = BuildOptions {
        board,
        params,
        out: out.clone(),
        seeds: match args.seed {
            Some(seed) => vec![seed],
            None => flow::DEFAULT_SEEDS.to_vec(),
        },
    };
    let mut progress = |line: &str| eprintln!("exo build: {line}");
    match flow::build(&opts, &mut progress) {
        Ok(report) => {
            print_summary(&report, out);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("exo build: {e}");
            ExitCode::FAILURE
        }
    }
}
