//! Exo on ECP5 boards: from a clean checkout to a bitstream with one command
//! (`exo build --board NAME --out DIR`).
//!
//! - [`board`]: a board as data, every pin with the public sources that agree on it;
//!   [`colorlight_5a_75b`] and [`ecp5_versa`] are the boards ([`BOARDS`]);
//! - [`rtl`]: the portable board core (MACs, clock-domain crossings, host link, engine,
//!   counters, LEDs) and the board's logic from the RGMII pins in, in rust-hdl;
//! - [`design`]: that logic as the emitted `exo_board.v`;
//! - [`top`]: the generated board top (`exo_top.v`: PLL, reset, LEDs, pins) and constraints;
//! - [`flow`]: ecppll, yosys, nextpnr-ecp5 (never `--timing-allow-fail`), ecppack, and
//!   [`report`]: what `report.json` holds.

pub mod board;
pub mod colorlight_5a_75b;
pub mod design;
pub mod ecp5_versa;
pub mod flow;
pub mod report;
pub mod rtl;
pub mod top;

pub use board::Board;

/// Every board `exo build` knows.
pub const BOARDS: &[&Board] = &[
    &colorlight_5a_75b::V8_0,
    &colorlight_5a_75b::V7_0,
    &ecp5_versa::VERSA,
];

/// The hosts an engine is built for unless told otherwise: small enough to build in minutes,
/// large enough for a rack's worth of boards.
pub const DEFAULT_HOSTS: usize = 8;

/// A board name `exo build` does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown board {name:?}; the boards are: {list}", name = .0, list = names())]
pub struct UnknownBoard(pub String);

fn names() -> String {
    BOARDS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
}

/// The board called `name`.
pub fn find(name: &str) -> Result<&'static Board, UnknownBoard> {
    BOARDS
        .iter()
        .copied()
        .find(|b| b.name == name)
        .ok_or_else(|| UnknownBoard(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_are_found_by_name_and_unknown_names_list_them() {
        assert_eq!(find("ecp5-versa").unwrap().part.device, "LFE5UM5G-45F");
        let err = find("ulx3s").unwrap_err().to_string();
        assert!(
            err.contains("colorlight-5a-75b-v8") && err.contains("ecp5-versa"),
            "{err}"
        );
        for b in BOARDS {
            b.check().unwrap();
        }
    }
}
