//! Place and route of the MAC (receive + transmit + counters) on LFE5U-25F-6BG256C at
//! 125 MHz, without `--timing-allow-fail`: `cargo run --release -p exo-mac --example pnr -- [seed]`.
//!
//! `mac_gmii` has 8 × 32 counter bits among its ports, more than the package's pins, so it is
//! placed inside the harness of `exo_hdl_common::harness` (every port on a register, shift
//! chains to four pins, both MAC clocks on the harness clock); the harness's cost is printed
//! beside the figures, and the design's own cell counts after synthesis alone.

use exo_hdl_common::harness::Harness;
use exo_hdl_common::tools::LFE5U_25F_6BG256C;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let seed: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let design = exo_mac::mac_gmii();
    let dir = PathBuf::from("build/pnr/mac_gmii");
    let alone = match design.synthesize(&dir.join("synth")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pnr: synthesis: {e}");
            return ExitCode::FAILURE;
        }
    };
    let harness = Harness::new(&design, &["rx_clock", "tx_clock"]);
    match harness.place_and_route(&design, &dir, &LFE5U_25F_6BG256C, 125.0, seed) {
        Ok(r) => {
            let (hl, hf) = harness.cost();
            println!(
                "mac_gmii on {}-{}{} at 125 MHz (nextpnr seed {seed})",
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
                "  latency:              receive {} cycles (last FCS byte sampled to last beat out), transmit {} cycles (frame offered to first preamble byte)",
                exo_mac::gmii_rx::RX_LATENCY,
                exo_mac::gmii_tx::TX_LATENCY
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pnr: {e}");
            ExitCode::FAILURE
        }
    }
}
