//! The board's RTL, one block per file: the portable core ([`board_core`]) and what it is
//! built from here — the clock-domain crossings, the board's counters and LEDs — and the
//! board's logic from the RGMII pins in ([`exo_board`]).

pub mod board_core;
pub mod counter_bank;
pub mod distributed_ram;
pub mod exo_board;
pub mod frame_crossing;
pub mod gray_code;
pub mod pulse_crossing;
pub mod rx_crossing;
pub mod status_leds;
#[cfg(test)]
pub mod two_clocks;

pub use board_core::BoardCore;
pub use exo_board::{BoardParamError, ExoBoard};
