//! The board's logic as an emitted design: `exo_board.v` (module `exo_board`, with the ECP5
//! cells' simulation models under `ifndef SYNTHESIS`) and its lint waivers.

use crate::rtl::{BoardParamError, ExoBoard};
use exo_engine::EngineParams;
use exo_hdl_common::Design;

/// Name of the design, its module and its file.
pub const NAME: &str = "exo_board";

/// The Verilator `-Wall` waivers of `exo_board.v`: (rule, pattern the message must match or
/// "", reason).
pub const WAIVERS: &[(&str, &str, &str)] = &[
    ("WIDTHEXPAND", "", "rust-hdl writes every literal and every + 1 as 32 bits; the widths are Rust's Bits<N> types, checked before emission"),
    ("WIDTHTRUNC", "", "the same 32-bit literals, assigned to narrower registers"),
    ("DECLFILENAME", "", "one file holds the wrapper exo_board, its rust-hdl modules exo_board_core* and the ECP5 cells' simulation models"),
    ("UNUSEDPARAM", "", "rust-hdl declares every variant of a state enum as a localparam in each module that stores the state; the DELAYG simulation model ignores its delay"),
    ("UNUSEDSIGNAL", "*fifo$*", "rust-hdl's SynchronousFIFO (the engine's record FIFO) exposes flags and fill levels the engine does not use"),
    ("UNUSEDSIGNAL", "*_logic$*", "rust-hdl's FIFO read/write logic blocks get clock ports they do not use"),
    ("UNUSEDSIGNAL", "*engine$event_*", "the engine's verification events are for the co-simulation; the board has no use for them"),
    ("UNUSEDSIGNAL", "*engine$running*", "the LEDs show the engine's halt (anomaly) and token, not `running`"),
    ("UNUSEDSIGNAL", "*mac_rx$stat_*", "the board counts received frames where they cross into the engine's clock (host_in, exo_in); the MAC receivers' per-kind pulses would each need a crossing of their own"),
    ("UNUSEDSIGNAL", "*mac_tx$stat_aborted*", "neither source of a MAC transmitter ever aborts a frame (error with last)"),
    ("UNUSEDSIGNAL", "*host_in$good*", "good host port frames are counted by the host link parser (host-rx-frames), which also knows their EtherType"),
    ("UNUSEDSIGNAL", "*replies$drops*", "the reply buffer never drops: a request starts only when a reply slot is free"),
    ("UNUSEDSIGNAL", "*replies$errors*", "the reply buffer discards only truncated READ replies, which are answered by ERROR and counted as error-replies"),
    ("UNOPTFLAT", "", "no real loop: rust-hdl writes each block's logic as one always block, so a handshake's valid (forward) and ready (backward) share blocks (the reply buffer's, as in the fabric); no ready depends on its own valid"),
];

fn waiver_file() -> String {
    let mut text = String::from("`verilator_config\n");
    for (rule, pattern, reason) in WAIVERS {
        let matching = if pattern.is_empty() {
            String::new()
        } else {
            format!(" -match \"{pattern}\"")
        };
        text.push_str(&format!(
            "lint_off -rule {rule} -file \"*{NAME}.v\"{matching} // {reason}\n"
        ));
    }
    text
}

/// `exo_board` for an engine with `params` and RGMII delays of the board's.
pub fn design(
    params: &EngineParams,
    rx_delay_taps: u8,
    tx_clock_delay_taps: u8,
) -> Result<Design, BoardParamError> {
    let mut board = ExoBoard::new(params, rx_delay_taps, tx_clock_delay_taps)?;
    let parameters = serde_json::json!({
        "engine": params,
        "rgmii_rx_delay_taps": rx_delay_taps,
        "rgmii_tx_clock_delay_taps": tx_clock_delay_taps,
    });
    let mut design = Design::from_block(
        &mut board,
        NAME,
        "Exo on a two-port ECP5 board, from the RGMII pins in: two RGMII adapters (ECP5 IDDRX1F/ODDRX1F/DELAYG) around the portable core (MACs, clock-domain crossings, host link, engine, board counters, LEDs).",
        parameters,
        &waiver_file(),
    );
    design.verilog.push_str(exo_mac::ecp5::SIM_MODELS);
    Ok(design)
}
