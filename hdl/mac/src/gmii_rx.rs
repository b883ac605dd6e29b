//! MAC receive: GMII in, frame stream out.
//!
//! Finds the start of frame (any number of preamble bytes 0x55, then the SFD 0xD5), passes the
//! frame's bytes to [`FrameRxOut`] without preamble, SFD or FCS, and flags the last beat with
//! `error` if the frame is bad. One status pulse per frame feeds the counters of
//! [`crate::MacGmii`].
//!
//! A frame is bad if any of these hold (they are counted independently):
//! - **bad FCS**: the CRC register is not the residue after the frame and its FCS;
//! - **runt**: fewer than 64 bytes from destination address to FCS;
//! - **oversize**: more than `max_len` bytes (1518 for untagged Ethernet);
//! - **PHY error**: `gmii_rx_er` was high in a byte of the frame (preamble included).
//!
//! A frame of 4 bytes or fewer after the SFD has no byte left once the FCS is removed: it
//! produces no beat at all, and is counted as a runt (and almost surely as a bad FCS). A
//! frame whose first byte is neither a preamble byte nor the SFD is ignored until `rx_dv`
//! drops (a false start is no frame).
//!
//! Timing: a byte leaves 5 bytes after it came (the FCS must be seen before the last data
//! byte can be marked `last`), plus the input and output registers: the last beat is on the
//! stream 2 rising edges after the edge that samples the last FCS byte. Beats of one frame
//! are on consecutive cycles.
//!
//! Ports:
//! - `clock`: the receive clock (GMII `RX_CLK`, 125 MHz);
//! - `gmii_rxd`, `gmii_rx_dv`, `gmii_rx_er`: GMII receive, sampled on the rising edge;
//! - `rx`: the frame stream out (no backpressure: GMII cannot wait);
//! - `stat_*`: one-cycle pulses at the end of each frame (`stat_good` if none of the others).

use crate::crc32::{Crc32Byte, CRC_INIT, CRC_RESIDUE};
use exo_hdl_common::FrameRxOut;
use exo_proto::wire::{FCS_LEN, MAX_FRAME_LEN, MIN_FRAME_LEN};
use rust_hdl::prelude::*;

/// Rising edges from the one that samples a frame's last FCS byte to its last beat on `rx`.
pub const RX_LATENCY: usize = 2;

/// A preamble byte.
pub const PREAMBLE_BYTE: u8 = 0x55;
/// The start-of-frame delimiter.
pub const SFD_BYTE: u8 = 0xD5;
/// Bits of the frame length counter: it saturates at 2047 bytes.
pub const LEN_BITS: usize = 11;
/// The largest `max_len` the length counter can tell apart from a longer frame.
pub const MAX_LEN_LIMIT: usize = (1 << LEN_BITS) - 2;

/// Untagged Ethernet's longest frame, FCS included: 1518 bytes.
pub const DEFAULT_MAX_LEN: usize = MAX_FRAME_LEN + FCS_LEN;

/// Where the receiver is in a frame.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum RxState {
    /// Between frames (the initial state: the first variant).
    Idle,
    /// In the preamble, waiting for the SFD.
    Preamble,
    /// After the SFD: frame bytes.
    Data,
    /// A false start: waiting for `rx_dv` to drop.
    Drop,
}

/// The receiver (see the module documentation).
#[derive(LogicBlock)]
pub struct GmiiRx {
    // Clock
    pub clock: Signal<In, Clock>,
    // GMII receive
    pub gmii_rxd: Signal<In, Bits<8>>,
    pub gmii_rx_dv: Signal<In, Bit>,
    pub gmii_rx_er: Signal<In, Bit>,
    // Frame stream out
    pub rx: FrameRxOut,
    // Status pulses, one cycle at the end of each frame
    pub stat_good: Signal<Out, Bit>,
    pub stat_bad_fcs: Signal<Out, Bit>,
    pub stat_runt: Signal<Out, Bit>,
    pub stat_oversize: Signal<Out, Bit>,
    pub stat_phy_error: Signal<Out, Bit>,
    // Input registers
    rxd: DFF<Bits<8>>,
    dv: DFF<Bit>,
    er: DFF<Bit>,
    // Frame state
    state: DFF<RxState>,
    crc: DFF<Bits<32>>,
    crc_step: Crc32Byte,
    /// The last five bytes, newest in bits 7..0: the oldest leaves when a new one comes.
    delay: DFF<Bits<40>>,
    /// Bytes after the SFD so far, FCS included; saturates.
    count: DFF<Bits<LEN_BITS>>,
    phy_error: DFF<Bit>,
    // Output registers
    out_data: DFF<Bits<8>>,
    out_valid: DFF<Bit>,
    out_last: DFF<Bit>,
    out_error: DFF<Bit>,
    good: DFF<Bit>,
    bad_fcs: DFF<Bit>,
    runt: DFF<Bit>,
    oversize: DFF<Bit>,
    phy: DFF<Bit>,
    // End-of-frame verdicts, combinational
    is_bad_fcs: Signal<Local, Bit>,
    is_runt: Signal<Local, Bit>,
    is_oversize: Signal<Local, Bit>,
    // Constants
    preamble: Constant<Bits<8>>,
    sfd: Constant<Bits<8>>,
    crc_init: Constant<Bits<32>>,
    crc_residue: Constant<Bits<32>>,
    min_len: Constant<Bits<LEN_BITS>>,
    max_len: Constant<Bits<LEN_BITS>>,
    len_saturated: Constant<Bits<LEN_BITS>>,
    fcs_len: Constant<Bits<LEN_BITS>>,
}

/// An elaboration parameter the receiver cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RxParamError {
    #[error("max_len {0} is outside 64..={MAX_LEN_LIMIT} bytes (the length counter has {LEN_BITS} bits)")]
    MaxLen(usize),
}

impl GmiiRx {
    /// A receiver that flags frames longer than `max_len` bytes (FCS included) as oversize.
    pub fn new(max_len: usize) -> Result<GmiiRx, RxParamError> {
        if !(MIN_FRAME_LEN + FCS_LEN..=MAX_LEN_LIMIT).contains(&max_len) {
            return Err(RxParamError::MaxLen(max_len));
        }
        Ok(GmiiRx {
            clock: Default::default(),
            gmii_rxd: Default::default(),
            gmii_rx_dv: Default::default(),
            gmii_rx_er: Default::default(),
            rx: Default::default(),
            stat_good: Default::default(),
            stat_bad_fcs: Default::default(),
            stat_runt: Default::default(),
            stat_oversize: Default::default(),
            stat_phy_error: Default::default(),
            rxd: Default::default(),
            dv: Default::default(),
            er: Default::default(),
            state: Default::default(),
            crc: Default::default(),
            crc_step: Default::default(),
            delay: Default::default(),
            count: Default::default(),
            phy_error: Default::default(),
            out_data: Default::default(),
            out_valid: Default::default(),
            out_last: Default::default(),
            out_error: Default::default(),
            good: Default::default(),
            bad_fcs: Default::default(),
            runt: Default::default(),
            oversize: Default::default(),
            phy: Default::default(),
            is_bad_fcs: Default::default(),
            is_runt: Default::default(),
            is_oversize: Default::default(),
            preamble: Constant::new(PREAMBLE_BYTE.to_bits()),
            sfd: Constant::new(SFD_BYTE.to_bits()),
            crc_init: Constant::new(CRC_INIT.to_bits()),
            crc_residue: Constant::new(CRC_RESIDUE.to_bits()),
            min_len: Constant::new((MIN_FRAME_LEN + FCS_LEN).to_bits()),
            max_len: Constant::new(max_len.to_bits()),
            len_saturated: Constant::new(((1usize << LEN_BITS) - 1).to_bits()),
            fcs_len: Constant::new(FCS_LEN.to_bits()),
        })
    }
}

impl Default for GmiiRx {
    /// Untagged Ethernet: at most 1518 bytes with the FCS.
    fn default() -> Self {
        GmiiRx::new(DEFAULT_MAX_LEN).expect("1518 is within the counter's range")
    }
}

impl Logic for GmiiRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, rxd, dv, er, state, crc, delay, count, phy_error, out_data, out_valid,
            out_last, out_error, good, bad_fcs, runt, oversize, phy
        );
        self.rxd.d.next = self.gmii_rxd.val();
        self.dv.d.next = self.gmii_rx_dv.val();
        self.er.d.next = self.gmii_rx_er.val();
        self.crc_step.crc_in.next = self.crc.q.val();
        self.crc_step.data.next = self.rxd.q.val();
        // Outputs are registers; a beat or a pulse lasts one cycle unless set below.
        self.rx.data.next = self.out_data.q.val();
        self.rx.valid.next = self.out_valid.q.val();
        self.rx.last.next = self.out_last.q.val();
        self.rx.error.next = self.out_error.q.val();
        self.stat_good.next = self.good.q.val();
        self.stat_bad_fcs.next = self.bad_fcs.q.val();
        self.stat_runt.next = self.runt.q.val();
        self.stat_oversize.next = self.oversize.q.val();
        self.stat_phy_error.next = self.phy.q.val();
        self.out_data.d.next = self.delay.q.val().get_bits::<8>(32);
        self.out_valid.d.next = false;
        self.out_last.d.next = false;
        self.out_error.d.next = false;
        self.good.d.next = false;
        self.bad_fcs.d.next = false;
        self.runt.d.next = false;
        self.oversize.d.next = false;
        self.phy.d.next = false;
        // Verdicts at the end of a frame: the registers then hold every byte of it.
        self.is_bad_fcs.next = self.crc.q.val() != self.crc_residue.val();
        self.is_runt.next = self.count.q.val() < self.min_len.val();
        self.is_oversize.next = self.count.q.val() > self.max_len.val();
        match self.state.q.val() {
            RxState::Idle => {
                self.crc.d.next = self.crc_init.val();
                self.count.d.next = 0.into();
                self.phy_error.d.next = self.er.q.val();
                if self.dv.q.val() {
                    if self.rxd.q.val() == self.sfd.val() {
                        self.state.d.next = RxState::Data;
                    } else if self.rxd.q.val() == self.preamble.val() {
                        self.state.d.next = RxState::Preamble;
                    } else {
                        self.state.d.next = RxState::Drop;
                    }
                }
            }
            RxState::Preamble => {
                self.phy_error.d.next = self.phy_error.q.val() | self.er.q.val();
                if !self.dv.q.val() {
                    self.state.d.next = RxState::Idle;
                } else if self.rxd.q.val() == self.sfd.val() {
                    self.state.d.next = RxState::Data;
                } else if self.rxd.q.val() != self.preamble.val() {
                    self.state.d.next = RxState::Drop;
                }
            }
            RxState::Data => {
                if self.dv.q.val() {
                    self.crc.d.next = self.crc_step.crc_out.val();
                    self.delay.d.next =
                        (self.delay.q.val() << 8) | bit_cast::<40, 8>(self.rxd.q.val());
                    if self.count.q.val() != self.len_saturated.val() {
                        self.count.d.next = self.count.q.val() + 1;
                    }
                    self.phy_error.d.next = self.phy_error.q.val() | self.er.q.val();
                    // The byte five back is data, not FCS, once a sixth has come.
                    self.out_valid.d.next = self.count.q.val() > self.fcs_len.val();
                } else {
                    self.state.d.next = RxState::Idle;
                    self.out_valid.d.next = self.count.q.val() > self.fcs_len.val();
                    self.out_last.d.next = self.count.q.val() > self.fcs_len.val();
                    self.out_error.d.next = self.is_bad_fcs.val()
                        | self.is_runt.val()
                        | self.is_oversize.val()
                        | self.phy_error.q.val();
                    self.good.d.next = !(self.is_bad_fcs.val()
                        | self.is_runt.val()
                        | self.is_oversize.val()
                        | self.phy_error.q.val());
                    self.bad_fcs.d.next = self.is_bad_fcs.val();
                    self.runt.d.next = self.is_runt.val();
                    self.oversize.d.next = self.is_oversize.val();
                    self.phy.d.next = self.phy_error.q.val();
                }
            }
            RxState::Drop => {
                if !self.dv.q.val() {
                    self.state.d.next = RxState::Idle;
                }
            }
            _ => {
                self.state.d.next = RxState::Idle;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmii_rx_is_synthesizable() {
        let mut uut = GmiiRx::default();
        exo_hdl_common::check_synthesizable(&mut uut, "gmii_rx").unwrap();
    }

    #[test]
    fn refuses_a_max_len_the_counter_cannot_hold() {
        assert!(GmiiRx::new(MAX_LEN_LIMIT + 1).is_err());
        assert!(GmiiRx::new(63).is_err());
        assert!(GmiiRx::new(1522).is_ok());
    }
}
