//! The MAC: receive and transmit for one GMII port, with status counters. What `mac_gmii.v`
//! holds.
//!
//! The two directions share nothing but the module: the receiver runs on the PHY's receive
//! clock and the transmitter on the transmit clock. Crossing from the receive clock to the
//! engine's clock is the board top's business (in simulation both are one clock).
//!
//! Ports, receive side (`rx_clock` domain):
//! - `rx_clock`; `gmii_rxd`, `gmii_rx_dv`, `gmii_rx_er`: GMII in;
//! - `rx`: frames out, FCS removed, `error` on the last beat of a bad frame ([`GmiiRx`]);
//! - `rx_frames_ok`, `rx_bad_fcs`, `rx_runts`, `rx_oversize`, `rx_phy_errors`: counters.
//!
//! Ports, transmit side (`tx_clock` domain):
//! - `tx_clock`; `tx`: frames in (valid/ready, [`GmiiTx`]);
//! - `gmii_txd`, `gmii_tx_en`, `gmii_tx_er`: GMII out;
//! - `tx_frames`, `tx_underflows`, `tx_aborts`: counters.

use crate::counter::{EventCounter, COUNTER_BITS};
use crate::gmii_rx::{GmiiRx, RxParamError};
use crate::gmii_tx::GmiiTx;
use exo_hdl_common::{FrameRxOut, FrameTxIn};
use rust_hdl::prelude::*;

/// The MAC (see the module documentation).
#[derive(LogicBlock)]
pub struct MacGmii {
    // Receive side
    pub rx_clock: Signal<In, Clock>,
    pub gmii_rxd: Signal<In, Bits<8>>,
    pub gmii_rx_dv: Signal<In, Bit>,
    pub gmii_rx_er: Signal<In, Bit>,
    pub rx: FrameRxOut,
    pub rx_frames_ok: Signal<Out, Bits<COUNTER_BITS>>,
    pub rx_bad_fcs: Signal<Out, Bits<COUNTER_BITS>>,
    pub rx_runts: Signal<Out, Bits<COUNTER_BITS>>,
    pub rx_oversize: Signal<Out, Bits<COUNTER_BITS>>,
    pub rx_phy_errors: Signal<Out, Bits<COUNTER_BITS>>,
    // Transmit side
    pub tx_clock: Signal<In, Clock>,
    pub tx: FrameTxIn,
    pub gmii_txd: Signal<Out, Bits<8>>,
    pub gmii_tx_en: Signal<Out, Bit>,
    pub gmii_tx_er: Signal<Out, Bit>,
    pub tx_frames: Signal<Out, Bits<COUNTER_BITS>>,
    pub tx_underflows: Signal<Out, Bits<COUNTER_BITS>>,
    pub tx_aborts: Signal<Out, Bits<COUNTER_BITS>>,
    // Blocks
    pub receiver: GmiiRx,
    pub transmitter: GmiiTx,
    good: EventCounter,
    bad_fcs: EventCounter,
    runts: EventCounter,
    oversize: EventCounter,
    phy_errors: EventCounter,
    sent: EventCounter,
    underflows: EventCounter,
    aborts: EventCounter,
}

impl MacGmii {
    /// A MAC whose receiver flags frames longer than `max_len` bytes (FCS included).
    pub fn new(max_len: usize) -> Result<MacGmii, RxParamError> {
        Ok(MacGmii {
            rx_clock: Default::default(),
            gmii_rxd: Default::default(),
            gmii_rx_dv: Default::default(),
            gmii_rx_er: Default::default(),
            rx: Default::default(),
            rx_frames_ok: Default::default(),
            rx_bad_fcs: Default::default(),
            rx_runts: Default::default(),
            rx_oversize: Default::default(),
            rx_phy_errors: Default::default(),
            tx_clock: Default::default(),
            tx: Default::default(),
            gmii_txd: Default::default(),
            gmii_tx_en: Default::default(),
            gmii_tx_er: Default::default(),
            tx_frames: Default::default(),
            tx_underflows: Default::default(),
            tx_aborts: Default::default(),
            receiver: GmiiRx::new(max_len)?,
            transmitter: Default::default(),
            good: Default::default(),
            bad_fcs: Default::default(),
            runts: Default::default(),
            oversize: Default::default(),
            phy_errors: Default::default(),
            sent: Default::default(),
            underflows: Default::default(),
            aborts: Default::default(),
        })
    }
}

impl Default for MacGmii {
    fn default() -> Self {
        MacGmii::new(crate::gmii_rx::DEFAULT_MAX_LEN).expect("1518 is within the counter's range")
    }
}

impl Logic for MacGmii {
    #[hdl_gen]
    fn update(&mut self) {
        // Receive side
        self.receiver.clock.next = self.rx_clock.val();
        self.receiver.gmii_rxd.next = self.gmii_rxd.val();
        self.receiver.gmii_rx_dv.next = self.gmii_rx_dv.val();
        self.receiver.gmii_rx_er.next = self.gmii_rx_er.val();
        FrameRxOut::link(&mut self.rx, &mut self.receiver.rx);
        self.good.clock.next = self.rx_clock.val();
        self.bad_fcs.clock.next = self.rx_clock.val();
        self.runts.clock.next = self.rx_clock.val();
        self.oversize.clock.next = self.rx_clock.val();
        self.phy_errors.clock.next = self.rx_clock.val();
        self.good.pulse.next = self.receiver.stat_good.val();
        self.bad_fcs.pulse.next = self.receiver.stat_bad_fcs.val();
        self.runts.pulse.next = self.receiver.stat_runt.val();
        self.oversize.pulse.next = self.receiver.stat_oversize.val();
        self.phy_errors.pulse.next = self.receiver.stat_phy_error.val();
        self.rx_frames_ok.next = self.good.count.val();
        self.rx_bad_fcs.next = self.bad_fcs.count.val();
        self.rx_runts.next = self.runts.count.val();
        self.rx_oversize.next = self.oversize.count.val();
        self.rx_phy_errors.next = self.phy_errors.count.val();
        // Transmit side
        self.transmitter.clock.next = self.tx_clock.val();
        FrameTxIn::link(&mut self.tx, &mut self.transmitter.tx);
        self.gmii_txd.next = self.transmitter.gmii_txd.val();
        self.gmii_tx_en.next = self.transmitter.gmii_tx_en.val();
        self.gmii_tx_er.next = self.transmitter.gmii_tx_er.val();
        self.sent.clock.next = self.tx_clock.val();
        self.underflows.clock.next = self.tx_clock.val();
        self.aborts.clock.next = self.tx_clock.val();
        self.sent.pulse.next = self.transmitter.stat_sent.val();
        self.underflows.pulse.next = self.transmitter.stat_underflow.val();
        self.aborts.pulse.next = self.transmitter.stat_aborted.val();
        self.tx_frames.next = self.sent.count.val();
        self.tx_underflows.next = self.underflows.count.val();
        self.tx_aborts.next = self.aborts.count.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_gmii_is_synthesizable() {
        let mut uut = MacGmii::default();
        exo_hdl_common::check_synthesizable(&mut uut, "mac_gmii").unwrap();
    }
}
