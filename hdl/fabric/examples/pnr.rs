//! Place and route of the fabric on LFE5U-25F-6BG256C at 125 MHz, without
//! `--timing-allow-fail`: `cargo run --release -p exo-fabric --example pnr -- [N] [seed]`.
//!
//! The fabric for 8 hosts has more port bits than the package has pins, so it is placed
//! inside the harness of `exo_hdl_common::harness` (every port on a register, shift chains to
//! four pins); the harness's cost is printed beside the figures, and the design's own cell
//! counts after synthesis alone.

use exo_hdl_common::harness::Harness;
use exo_hdl_common::tools::LFE5U_25F_6BG256C;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(8);
    let seed: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let design = match exo_fabric::design(n) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("pnr: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = PathBuf::from(format!("build/pnr/exo_fabric_{n}"));
    let alone = match design.synthesize(&dir.join("synth")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pnr: synthesis: {e}");
            return ExitCode::FAILURE;
        }
    };
    let harness = Harness::new(&design, &["clock"]);
    match harness.place_and_route(&design, &dir, &LFE5U_25F_6BG256C, 125.0, seed) {
        Ok(r) => {
            let (hl, hf) = harness.cost();
            println!(
                "exo_fabric N={n} on {}-{}{} at 125 MHz (nextpnr seed {seed})",
                r.device, r.speed, r.package
            );
            println!("  design alone (yosys): {alone}");
            println!(
                "  placed in harness:    LUT4 {}, FF {}, DP16KD {}",
                r.lut4, r.ff, r.dp16kd
            );
            println!(
                "  harness cost:         LUT4 {hl}, FF {hf} ({} input and {} output bits)",
                harness.input_bits, harness.output_bits
            );
            println!("  Fmax:                 {:.1} MHz", r.min_fmax());
            println!(
                "  latency:              {} cycles (aggregate {} + broadcast {})",
                exo_fabric::FABRIC_LATENCY,
                exo_fabric::AGGREGATE_LATENCY,
                exo_fabric::BROADCAST_LATENCY
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pnr: {e}");
            ExitCode::FAILURE
        }
    }
}
