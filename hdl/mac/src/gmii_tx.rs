//! MAC transmit: frame stream in, GMII out.
//!
//! For each frame taken from [`FrameTxIn`] it sends seven preamble bytes and the SFD, the
//! frame's bytes, zero padding up to 60 bytes, the FCS (least-significant byte first), and
//! then keeps `gmii_tx_en` low for exactly 12 cycles before the next preamble (the minimum
//! inter-frame gap; longer if no frame waits).
//!
//! `ready` is high only while the frame's bytes go out, one per cycle: GMII cannot pause, so a
//! source must keep `valid` high from a frame's first beat to its last. A cycle in the middle
//! of a frame without a beat is an **underflow**: the MAC pads the frame to the minimum,
//! sends it with an inverted FCS and `gmii_tx_er` high on the FCS bytes (so no receiver
//! accepts it), counts it, and afterwards takes and discards the rest of the source's frame
//! up to its `last` beat. A frame whose last beat has `error` set is **aborted** the same way
//! (no underflow, counted apart). Frames are not truncated: the source decides their length.
//!
//! Ports:
//! - `clock`: the transmit clock (GMII `GTX_CLK`, 125 MHz);
//! - `tx`: the frame stream in (valid/ready);
//! - `gmii_txd`, `gmii_tx_en`, `gmii_tx_er`: GMII transmit, registered;
//! - `stat_sent`, `stat_underflow`, `stat_aborted`: one-cycle pulses after a frame's last
//!   FCS byte (`stat_sent` for a frame sent with its correct FCS).

use crate::crc32::{Crc32Byte, CRC_INIT};
use exo_hdl_common::FrameTxIn;
use exo_proto::wire::{FCS_LEN, IFG_LEN, MIN_FRAME_LEN, PREAMBLE_LEN};
use rust_hdl::prelude::*;

/// Cycles from `valid` rising on an idle transmitter to the first preamble byte on GMII.
pub const TX_LATENCY: usize = 2;

/// Bits of the byte counter; it saturates (only frames shorter than the minimum need it).
const COUNT_BITS: usize = 11;

/// Where the transmitter is in a frame.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum TxState {
    /// Between frames (the initial state: the first variant).
    Idle,
    /// Preamble bytes, then the SFD.
    Preamble,
    /// The frame's bytes, one per cycle.
    Data,
    /// Zero bytes up to the minimum frame length.
    Pad,
    /// The four FCS bytes.
    Fcs,
    /// The inter-frame gap.
    Gap,
}

/// The transmitter (see the module documentation).
#[derive(LogicBlock)]
pub struct GmiiTx {
    // Clock
    pub clock: Signal<In, Clock>,
    // Frame stream in
    pub tx: FrameTxIn,
    // GMII transmit
    pub gmii_txd: Signal<Out, Bits<8>>,
    pub gmii_tx_en: Signal<Out, Bit>,
    pub gmii_tx_er: Signal<Out, Bit>,
    // Status pulses
    pub stat_sent: Signal<Out, Bit>,
    pub stat_underflow: Signal<Out, Bit>,
    pub stat_aborted: Signal<Out, Bit>,
    // State
    state: DFF<TxState>,
    /// Cycle within the preamble, the FCS or the gap.
    step: DFF<Bits<4>>,
    /// Frame bytes sent so far, padding included; saturates.
    count: DFF<Bits<COUNT_BITS>>,
    crc: DFF<Bits<32>>,
    crc_step: Crc32Byte,
    /// This frame ends with a bad FCS (underflow or a source's error).
    abort: DFF<Bit>,
    /// This frame underflowed (as opposed to a source's error).
    underflow: DFF<Bit>,
    /// The source still owes the rest of an underflowed frame: take it and drop it.
    drain: DFF<Bit>,
    // Output registers
    txd: DFF<Bits<8>>,
    tx_en: DFF<Bit>,
    tx_er: DFF<Bit>,
    sent: DFF<Bit>,
    underflowed: DFF<Bit>,
    aborted: DFF<Bit>,
    // Constants
    preamble: Constant<Bits<8>>,
    sfd: Constant<Bits<8>>,
    crc_init: Constant<Bits<32>>,
    preamble_last: Constant<Bits<4>>,
    fcs_last: Constant<Bits<4>>,
    gap_last: Constant<Bits<4>>,
    /// The last byte of padding is byte `min_len - 1`.
    pad_last: Constant<Bits<COUNT_BITS>>,
    count_saturated: Constant<Bits<COUNT_BITS>>,
}

impl Default for GmiiTx {
    fn default() -> Self {
        // The gap counts 11 cycles here and the Idle cycle that starts the next frame is the
        // 12th (the first preamble byte leaves one cycle after Idle sees `valid`).
        const _: () = assert!(IFG_LEN >= 2 && IFG_LEN - 2 < 16 && PREAMBLE_LEN - 1 < 16);
        GmiiTx {
            clock: Default::default(),
            tx: Default::default(),
            gmii_txd: Default::default(),
            gmii_tx_en: Default::default(),
            gmii_tx_er: Default::default(),
            stat_sent: Default::default(),
            stat_underflow: Default::default(),
            stat_aborted: Default::default(),
            state: Default::default(),
            step: Default::default(),
            count: Default::default(),
            crc: Default::default(),
            crc_step: Default::default(),
            abort: Default::default(),
            underflow: Default::default(),
            drain: Default::default(),
            txd: Default::default(),
            tx_en: Default::default(),
            tx_er: Default::default(),
            sent: Default::default(),
            underflowed: Default::default(),
            aborted: Default::default(),
            preamble: Constant::new(0x55u8.to_bits()),
            sfd: Constant::new(0xD5u8.to_bits()),
            crc_init: Constant::new(CRC_INIT.to_bits()),
            preamble_last: Constant::new((PREAMBLE_LEN - 1).to_bits()),
            fcs_last: Constant::new((FCS_LEN - 1).to_bits()),
            gap_last: Constant::new((IFG_LEN - 2).to_bits()),
            pad_last: Constant::new((MIN_FRAME_LEN - 1).to_bits()),
            count_saturated: Constant::new(((1usize << COUNT_BITS) - 1).to_bits()),
        }
    }
}

impl Logic for GmiiTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            step,
            count,
            crc,
            abort,
            underflow,
            drain,
            txd,
            tx_en,
            tx_er,
            sent,
            underflowed,
            aborted
        );
        self.gmii_txd.next = self.txd.q.val();
        self.gmii_tx_en.next = self.tx_en.q.val();
        self.gmii_tx_er.next = self.tx_er.q.val();
        self.stat_sent.next = self.sent.q.val();
        self.stat_underflow.next = self.underflowed.q.val();
        self.stat_aborted.next = self.aborted.q.val();
        // Defaults: a byte of padding goes through the CRC; nothing is sent or taken.
        self.crc_step.crc_in.next = self.crc.q.val();
        self.crc_step.data.next = 0.into();
        self.txd.d.next = 0.into();
        self.tx_en.d.next = false;
        self.tx_er.d.next = false;
        self.sent.d.next = false;
        self.underflowed.d.next = false;
        self.aborted.d.next = false;
        self.tx.ready.next = false;
        match self.state.q.val() {
            TxState::Idle => {
                self.crc.d.next = self.crc_init.val();
                self.count.d.next = 0.into();
                self.step.d.next = 0.into();
                self.abort.d.next = false;
                self.underflow.d.next = false;
                if self.drain.q.val() {
                    // The rest of an underflowed frame: taken and dropped.
                    self.tx.ready.next = true;
                    if self.tx.valid.val() & self.tx.last.val() {
                        self.drain.d.next = false;
                    }
                } else if self.tx.valid.val() {
                    self.state.d.next = TxState::Preamble;
                }
            }
            TxState::Preamble => {
                self.tx_en.d.next = true;
                self.step.d.next = self.step.q.val() + 1;
                if self.step.q.val() == self.preamble_last.val() {
                    self.txd.d.next = self.sfd.val();
                    self.state.d.next = TxState::Data;
                } else {
                    self.txd.d.next = self.preamble.val();
                }
            }
            TxState::Data => {
                self.tx.ready.next = true;
                self.tx_en.d.next = true;
                self.crc.d.next = self.crc_step.crc_out.val();
                if self.count.q.val() != self.count_saturated.val() {
                    self.count.d.next = self.count.q.val() + 1;
                }
                self.step.d.next = 0.into();
                if self.tx.valid.val() {
                    self.crc_step.data.next = self.tx.data.val();
                    self.txd.d.next = self.tx.data.val();
                    if self.tx.last.val() {
                        self.abort.d.next = self.tx.error.val();
                        if self.count.q.val() < self.pad_last.val() {
                            self.state.d.next = TxState::Pad;
                        } else {
                            self.state.d.next = TxState::Fcs;
                        }
                    }
                } else {
                    // Underflow: this cycle sends a zero byte, and the frame ends as short
                    // as it may with a bad FCS; the source's remainder is drained later.
                    self.abort.d.next = true;
                    self.underflow.d.next = true;
                    self.drain.d.next = true;
                    if self.count.q.val() < self.pad_last.val() {
                        self.state.d.next = TxState::Pad;
                    } else {
                        self.state.d.next = TxState::Fcs;
                    }
                }
            }
            TxState::Pad => {
                self.tx_en.d.next = true;
                self.crc.d.next = self.crc_step.crc_out.val();
                self.count.d.next = self.count.q.val() + 1;
                if self.count.q.val() == self.pad_last.val() {
                    self.state.d.next = TxState::Fcs;
                }
            }
            TxState::Fcs => {
                // The register shifts right a byte at a time; its low byte, inverted, is the
                // next FCS byte. An aborted frame sends it uninverted: always wrong.
                self.tx_en.d.next = true;
                self.tx_er.d.next = self.abort.q.val();
                if self.abort.q.val() {
                    self.txd.d.next = self.crc.q.val().get_bits::<8>(0);
                } else {
                    self.txd.d.next = !self.crc.q.val().get_bits::<8>(0);
                }
                self.crc.d.next = self.crc.q.val() >> 8;
                self.step.d.next = self.step.q.val() + 1;
                if self.step.q.val() == self.fcs_last.val() {
                    self.step.d.next = 0.into();
                    self.state.d.next = TxState::Gap;
                    self.sent.d.next = !self.abort.q.val();
                    self.underflowed.d.next = self.underflow.q.val();
                    self.aborted.d.next = self.abort.q.val() & !self.underflow.q.val();
                }
            }
            TxState::Gap => {
                self.step.d.next = self.step.q.val() + 1;
                if self.step.q.val() == self.gap_last.val() {
                    self.state.d.next = TxState::Idle;
                }
            }
            _ => {
                self.state.d.next = TxState::Idle;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmii_tx_is_synthesizable() {
        let mut uut = GmiiTx::default();
        exo_hdl_common::check_synthesizable(&mut uut, "gmii_tx").unwrap();
    }
}
