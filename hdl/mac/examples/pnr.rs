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
        }
        Err(e) => {
            eprintln!("pnr: {e}");
            return ExitCode::FAILURE;
        }
    }
    match adapter_loopback(seed) {
        Ok(r) => {
            println!(
                "rgmii_ecp5 on {}-{}{} at 125 MHz (nextpnr seed {seed}), in the loopback top on the 5A-75B's PHY0 pins",
                r.device, r.speed, r.package
            );
            println!(
                "  placed (adapter + 10-FF loopback): LUT4 {}, FF {}, DP16KD {}, I/O {}",
                r.lut4, r.ff, r.dp16kd, r.io
            );
            println!("  Fmax:                 {:.1} MHz", r.min_fmax());
            println!("  latency:              receive 2 rising edges of rgmii_rx_clk, transmit 1 (first nibble)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pnr: rgmii_ecp5: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The Colorlight 5A-75B V7.0's PHY0 (U3) pins, from github.com/q3k/chubby75
/// (5a-75b/hardware_V7.0.md): the ECP5's DDR and delay cells live in the I/O tiles, so nextpnr
/// places them only on constrained pins.
const PHY0_LPF: &str = r#"LOCATE COMP "rgmii_rx_clk" SITE "M1";
LOCATE COMP "rgmii_rxd[0]" SITE "N1";
LOCATE COMP "rgmii_rxd[1]" SITE "M5";
LOCATE COMP "rgmii_rxd[2]" SITE "N5";
LOCATE COMP "rgmii_rxd[3]" SITE "M6";
LOCATE COMP "rgmii_rx_ctl" SITE "N6";
LOCATE COMP "rgmii_tx_clk" SITE "M2";
LOCATE COMP "rgmii_txd[0]" SITE "L1";
LOCATE COMP "rgmii_txd[1]" SITE "L3";
LOCATE COMP "rgmii_txd[2]" SITE "P2";
LOCATE COMP "rgmii_txd[3]" SITE "L4";
LOCATE COMP "rgmii_tx_ctl" SITE "M3";
FREQUENCY PORT "rgmii_rx_clk" 125 MHZ;
"#;

/// The adapter in the cocotb loopback top (tb/rgmii_ecp5/tb_rgmii_loopback.v: GMII receive
/// registered back into GMII transmit, one clock), placed and routed on PHY0's pins.
fn adapter_loopback(
    seed: u32,
) -> Result<exo_hdl_common::tools::PnrReport, exo_hdl_common::tools::ToolError> {
    use exo_hdl_common::tools;
    let adapter = exo_mac::rgmii_ecp5();
    let dir = PathBuf::from("build/pnr/rgmii_ecp5");
    adapter.write(&dir)?;
    let top = include_str!("../tb/rgmii_ecp5/tb_rgmii_loopback.v");
    tools::write(&dir, "tb_rgmii_loopback.v", top)?;
    tools::write(&dir, "phy0.lpf", PHY0_LPF)?;
    tools::synth_ecp5(
        &dir,
        &[&adapter.file_name(), "tb_rgmii_loopback.v"],
        "tb_rgmii_loopback",
    )?;
    tools::pnr_ecp5(
        &dir,
        "tb_rgmii_loopback.json",
        &LFE5U_25F_6BG256C,
        125.0,
        Some("phy0.lpf"),
        seed,
    )
}
