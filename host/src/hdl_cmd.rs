//! `exo emit` and `exo pnr`: the RTL as a product.
//!
//! `exo emit --out DIR` writes every emitted design — the engine, the MAC, the RGMII adapter,
//! the fabric and the board's logic (`exo_board`) — as `<name>.v` with its readable top module, `<name>.vlt` with its lint
//! waivers, and `manifest.json` with each design's parameters and ports. `exo pnr` synthesizes one design with yosys and places and routes it with
//! nextpnr-ecp5 on LFE5U-25F-6BG256C at 125 MHz — never with `--timing-allow-fail` — and
//! prints its use of LUT4, FF and DP16KD and its Fmax.
//!
//! The design is placed inside the place-and-route [`Harness`]: every port on a register, as
//! on a board, where the engine's neighbours (MACs, host link, slices) are registered. Without
//! it, 142 pins spread around the package pull the logic they touch apart and the figure
//! measures the pin ring rather than the engine. The harness's own cells are printed beside
//! the totals.

use clap::{Args, ValueEnum};
use exo_engine::EngineParams;
use exo_hdl_common::harness::Harness;
use exo_hdl_common::tools::{self, LFE5U_25F_6BG256C};
use exo_hdl_common::Design;
use std::path::PathBuf;
use std::process::ExitCode;

/// Engine parameters on the command line.
#[derive(Args, Debug, Clone)]
pub struct EngineArgs {
    /// Hosts in the cluster (1 to 256).
    #[arg(long, default_value_t = 5)]
    pub nodes: usize,
    /// This engine's host id.
    #[arg(long, default_value_t = 0)]
    pub host_id: u8,
    /// Cluster id carried in every frame.
    #[arg(long, default_value_t = 1)]
    pub cluster: u16,
    /// Messages that may wait to be sent (1 to 64).
    #[arg(long, default_value_t = 16)]
    pub max_posted: usize,
    /// Token timeout in 8 ns cycles.
    #[arg(long, default_value_t = exo_engine::params::DEFAULT_TOKEN_TIMEOUT_CYCLES)]
    pub token_timeout_cycles: u32,
}

impl EngineArgs {
    pub fn params(&self) -> EngineParams {
        let mut p = EngineParams::new(self.nodes, self.host_id);
        p.cluster = self.cluster;
        p.max_posted = self.max_posted;
        p.token_timeout_cycles = self.token_timeout_cycles;
        p
    }
}

#[derive(Args, Debug)]
pub struct EmitArgs {
    /// Directory to write into (created if missing).
    #[arg(long, default_value = "build/hdl")]
    pub out: PathBuf,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Hosts on the broadcast/aggregate fabric (exo_fabric.v).
    #[arg(long, default_value_t = 8)]
    pub fabric_ports: usize,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Which {
    Engine,
}

#[derive(Args, Debug)]
pub struct PnrArgs {
    /// The design to place and route.
    #[arg(long, value_enum, default_value_t = Which::Engine)]
    pub design: Which,
    /// Working directory for the tools' files.
    #[arg(long, default_value = "build/pnr")]
    pub out: PathBuf,
    /// Target clock, MHz (GMII runs at 125).
    #[arg(long, default_value_t = 125.0)]
    pub mhz: f64,
    /// nextpnr's placement seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Every design `exo emit` writes: the engine, the MAC and its RGMII adapter, the fabric, and
/// the board's logic from the RGMII pins in (`exo_board`, around an engine of the same
/// parameters, with the default RGMII delays).
pub fn designs(engine: &EngineArgs, fabric_ports: usize) -> Result<Vec<Design>, String> {
    let mut all = vec![exo_engine::design(&engine.params()).map_err(|e| format!("engine: {e}"))?];
    all.extend(exo_mac::designs());
    all.push(exo_fabric::design(fabric_ports).map_err(|e| format!("fabric: {e}"))?);
    all.push(
        exo_boards::design::design(
            &engine.params(),
            exo_mac::RGMII_RX_DELAY_TAPS,
            exo_mac::RGMII_TX_CLOCK_DELAY_TAPS,
        )
        .map_err(|e| format!("board: {e}"))?,
    );
    Ok(all)
}

pub fn emit(args: EmitArgs) -> ExitCode {
    let designs = match designs(&args.engine, args.fabric_ports) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("exo emit: {e}");
            return ExitCode::from(2);
        }
    };
    for d in &designs {
        if let Err(e) = d.write(&args.out) {
            eprintln!("exo emit: {e}");
            return ExitCode::FAILURE;
        }
        println!("{}", args.out.join(d.file_name()).display());
    }
    let manifest = serde_json::json!({
        "generator": format!("exo {}", env!("CARGO_PKG_VERSION")),
        "designs": designs.iter().map(|d| serde_json::json!({
            "name": d.name,
            "file": d.file_name(),
            "waivers": d.waiver_file_name(),
            "summary": d.summary,
            "parameters": d.parameters,
            "ports": d.ports,
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    if let Err(e) = tools::write(&args.out, "manifest.json", &text) {
        eprintln!("exo emit: {e}");
        return ExitCode::FAILURE;
    }
    println!("{}", args.out.join("manifest.json").display());
    ExitCode::SUCCESS
}

pub fn pnr(args: PnrArgs) -> ExitCode {
    let design = match args.design {
        Which::Engine => exo_engine::design(&args.engine.params()).map_err(|e| e.to_string()),
    };
    let design = match design {
        Ok(d) => d,
        Err(e) => {
            eprintln!("exo pnr: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = args.out.join(&design.name);
    eprintln!(
        "exo pnr: {} on {}-{}{} at {} MHz in {} (synthesis, then place and route; a few minutes)",
        design.name,
        LFE5U_25F_6BG256C.device,
        LFE5U_25F_6BG256C.speed,
        LFE5U_25F_6BG256C.package,
        args.mhz,
        dir.display()
    );
    let harness = Harness::new(&design, &["clock"]);
    let report =
        match harness.place_and_route(&design, &dir, &LFE5U_25F_6BG256C, args.mhz, args.seed) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("exo pnr: {e}");
                return ExitCode::FAILURE;
            }
        };
    if args.json {
        let (h_lut, h_ff) = harness.cost();
        let out = serde_json::json!({
            "design": design.name,
            "parameters": design.parameters,
            "report": report,
            "harness": { "lut4": h_lut, "ff": h_ff },
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("design      {}", design.name);
        println!(
            "part        {}-{}{}",
            report.device, report.speed, report.package
        );
        let (h_lut, h_ff) = harness.cost();
        println!(
            "LUT4        {} (of which the harness {h_lut}: engine {})",
            report.lut4,
            report.lut4.saturating_sub(h_lut as u64)
        );
        println!(
            "FF          {} (of which the harness {h_ff}: engine {})",
            report.ff,
            report.ff.saturating_sub(h_ff as u64)
        );
        println!("DP16KD      {}", report.dp16kd);
        println!("IO          {}", report.io);
        for (clock, f) in &report.fmax_mhz {
            println!(
                "Fmax        {f:.2} MHz ({clock}; target {} MHz)",
                report.target_mhz
            );
        }
    }
    ExitCode::SUCCESS
}
