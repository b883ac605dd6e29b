//! The Ethernet MAC glue between the PHYs and the Exo engine (or the fabric).
//!
//! - [`crc32`]: the one CRC-32 engine, documented like a datasheet;
//! - [`gmii_rx`] / [`gmii_tx`]: MAC receive and transmit on GMII (8 bits, 125 MHz);
//! - [`counter`]: the status counters;
//! - [`mac_gmii`]: both directions with their counters — the portable `mac_gmii.v`;
//! - [`ecp5`]: the ECP5 I/O primitives (IDDRX1F, ODDRX1F, DELAYG) with their stated
//!   simulation models, quarantined from the portable logic;
//! - [`rgmii_ecp5`]: the RGMII ↔ GMII adapter built from them — `rgmii_ecp5.v`.
//!
//! [`designs`] returns what `exo emit` writes.

pub mod counter;
pub mod crc32;
pub mod ecp5;
pub mod gmii_rx;
pub mod gmii_tx;
pub mod mac_gmii;
pub mod rgmii_ecp5;

pub use gmii_rx::GmiiRx;
pub use gmii_tx::GmiiTx;
pub use mac_gmii::MacGmii;
pub use rgmii_ecp5::RgmiiEcp5;

use exo_hdl_common::Design;

/// The Verilator `-Wall` waivers every rust-hdl design here needs, each with its reason.
pub const RUST_HDL_WAIVERS: [(&str, &str); 4] = [
    ("WIDTHEXPAND", "rust-hdl writes every literal and every + 1 as 32 bits; the widths are Rust's Bits<N> types, checked before emission"),
    ("WIDTHTRUNC", "the same 32-bit literals, assigned to narrower registers"),
    ("UNUSEDPARAM", "rust-hdl declares a state enum's values as localparams in the register module that only stores the state"),
    ("DECLFILENAME", "one file holds the design's wrapper and all its rust-hdl modules, named <design>_core*"),
];

/// A Verilator configuration waiving `rules` (rule, reason) in `file`: one `lint_off` line
/// per waiver, its reason in a comment on the line.
pub fn waiver_file(file: &str, rules: &[(&str, &str)]) -> String {
    let mut text = String::from("`verilator_config\n");
    for (rule, reason) in rules {
        text.push_str(&format!(
            "lint_off -rule {rule} -file \"*{file}\" // {reason}\n"
        ));
    }
    text
}

/// The MAC design: `mac_gmii`.
pub fn mac_gmii() -> Design {
    let max_len = gmii_rx::DEFAULT_MAX_LEN;
    let mut mac = MacGmii::new(max_len).expect("the default is within range");
    Design::from_block(
        &mut mac,
        "mac_gmii",
        "Ethernet MAC for one GMII port: receive (preamble/SFD, FCS check, runt/oversize/PHY-error flags) and transmit (preamble, padding, FCS, 12-byte gap, underflow abort), with status counters.",
        serde_json::json!({ "max_len": max_len }),
        &waiver_file("mac_gmii.v", &RUST_HDL_WAIVERS),
    )
}

/// The receive-pin delay of the emitted adapter: 80 DELAYG taps, about 2 ns (the RGMII
/// clock-to-data skew for a PHY that adds no receive delay of its own).
pub const RGMII_RX_DELAY_TAPS: u8 = 80;
/// The transmit-clock delay of the emitted adapter: none (for a PHY with internal transmit
/// delay).
pub const RGMII_TX_CLOCK_DELAY_TAPS: u8 = 0;

/// The RGMII adapter for the ECP5: `rgmii_ecp5`, with the simulation models of its cells
/// under `ifndef SYNTHESIS` (see [`ecp5`]).
pub fn rgmii_ecp5() -> Design {
    let mut adapter = RgmiiEcp5::new(RGMII_RX_DELAY_TAPS, RGMII_TX_CLOCK_DELAY_TAPS)
        .expect("the defaults are within range");
    let mut design = Design::from_block(
        &mut adapter,
        "rgmii_ecp5",
        "RGMII to GMII for the ECP5: IDDRX1F/ODDRX1F/DELAYG cells only, with their simulation models below (black boxes when SYNTHESIS is defined).",
        serde_json::json!({
            "rx_delay_taps": RGMII_RX_DELAY_TAPS,
            "tx_clock_delay_taps": RGMII_TX_CLOCK_DELAY_TAPS,
        }),
        &waiver_file("rgmii_ecp5.v", &RGMII_WAIVERS),
    );
    design.verilog.push_str(ecp5::SIM_MODELS);
    design
}

/// The adapter's waivers (on top of nothing: it has no rust-hdl literals to widen).
pub const RGMII_WAIVERS: [(&str, &str); 4] = [
    ("UNUSEDPARAM", "the DELAYG simulation model ignores its delay: simulation is zero-delay"),
    ("DECLFILENAME", "one file holds the wrapper, its rust-hdl modules and the cells' simulation models"),
    ("WIDTHEXPAND", "rust-hdl writes the lane-packing casts with 32-bit literals; the widths are Rust's Bits<N> types"),
    ("WIDTHTRUNC", "the same 32-bit literals, assigned to narrower signals"),
];

/// Every design of the MAC, as `exo emit` writes them.
pub fn designs() -> Vec<Design> {
    vec![mac_gmii(), rgmii_ecp5()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn designs_are_lint_clean_under_verilator_wall() {
        let dir = std::env::temp_dir().join(format!("exo-mac-lint-{}", std::process::id()));
        for design in super::designs() {
            let result = design.lint(&dir);
            assert!(result.is_ok(), "{}: {}", design.name, result.unwrap_err());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
