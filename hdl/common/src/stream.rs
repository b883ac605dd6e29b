//! The frame streams every block meets at, defined once.
//!
//! A frame is a run of beats from its first byte (destination MAC) to its last byte, without
//! preamble, SFD or FCS: the MAC adds and checks those. Beats carry [`BEAT_BITS`] bits of the
//! frame in wire order (the first byte in the low bits). The datapath is 8 bits today
//! (GMII, 125 MHz); the width is this one constant so that a wider path is a change here and
//! in the blocks that count bytes, not an assumption spread through the design.
//!
//! Two kinds of stream:
//!
//! - **Receive streams** ([`FrameRxOut`] → [`FrameRxIn`]) come from a wire and cannot be
//!   stalled: a beat is there in the cycle `valid` is high. `last` marks a frame's final beat,
//!   and `error` (meaningful with `last`) says the frame is bad (FCS, runt, oversize, PHY
//!   error, or a buffer overrun) and must change no state.
//! - **Transmit streams** ([`FrameTxOut`] → [`FrameTxIn`]) have backpressure: a beat moves in
//!   a cycle where both `valid` and `ready` are high. `last` marks the final beat; `error`
//!   with `last` aborts the frame (a MAC sends it with a bad FCS so that nobody accepts it).
//!   A source must not drop `valid` in the middle of a frame bound for a MAC: GMII cannot
//!   pause, and a MAC treats a gap as an underflow.

use rust_hdl::prelude::*;

/// Bits per beat of every frame stream.
pub const BEAT_BITS: usize = 8;
/// Frame bytes per beat.
pub const BEAT_BYTES: usize = BEAT_BITS / 8;
/// One beat of a frame stream.
pub type Beat = Bits<BEAT_BITS>;

const _: () = assert!(
    BEAT_BITS == 8,
    "only the 8-bit (GMII) datapath is implemented"
);

/// The driving side of a receive stream (no backpressure).
#[derive(LogicInterface, Default)]
#[join = "FrameRxIn"]
pub struct FrameRxOut {
    pub data: Signal<Out, Beat>,
    pub valid: Signal<Out, Bit>,
    pub last: Signal<Out, Bit>,
    pub error: Signal<Out, Bit>,
}

/// The receiving side of a receive stream (no backpressure).
#[derive(LogicInterface, Default)]
#[join = "FrameRxOut"]
pub struct FrameRxIn {
    pub data: Signal<In, Beat>,
    pub valid: Signal<In, Bit>,
    pub last: Signal<In, Bit>,
    pub error: Signal<In, Bit>,
}

/// The driving side of a transmit stream (valid/ready handshake).
#[derive(LogicInterface, Default)]
#[join = "FrameTxIn"]
pub struct FrameTxOut {
    pub data: Signal<Out, Beat>,
    pub valid: Signal<Out, Bit>,
    pub last: Signal<Out, Bit>,
    pub error: Signal<Out, Bit>,
    pub ready: Signal<In, Bit>,
}

/// The receiving side of a transmit stream (valid/ready handshake).
#[derive(LogicInterface, Default)]
#[join = "FrameTxOut"]
pub struct FrameTxIn {
    pub data: Signal<In, Beat>,
    pub valid: Signal<In, Bit>,
    pub last: Signal<In, Bit>,
    pub error: Signal<In, Bit>,
    pub ready: Signal<Out, Bit>,
}
