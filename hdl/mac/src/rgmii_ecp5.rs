//! RGMII ↔ GMII for the ECP5: the board-level adapter between an RGMII PHY's pins and
//! [`crate::MacGmii`]. What `rgmii_ecp5.v` holds. Its only logic is the ECP5 I/O cells of
//! [`crate::ecp5`]; the simulation model is theirs.
//!
//! Receive: `rgmii_rxd` and `rgmii_rx_ctl` pass a DELAYG of `rx_delay_taps` (about 25 ps a
//! tap: 80 taps ≈ 2 ns, the RGMII clock-to-data skew a PHY without internal receive delay
//! needs) into IDDRX1F cells clocked by the PHY's `rgmii_rx_clk`. The rising-edge nibble is
//! `gmii_rxd[3:0]` and `rx_dv`; the falling-edge nibble is `gmii_rxd[7:4]` and `rx_dv ^ rx_er`.
//! The GMII receive side is in the `rgmii_rx_clk` domain: `gmii_rx_clk` is that clock,
//! handed on for the MAC receiver.
//!
//! Transmit: ODDRX1F cells clocked by `gmii_tx_clk` (the 125 MHz transmit clock) send
//! `gmii_txd[3:0]` and `tx_en` in the high half of the clock, `gmii_txd[7:4]` and
//! `tx_en ^ tx_er` in the low half. `rgmii_tx_clk` is made by one more ODDRX1F (1 then 0)
//! through a DELAYG of `tx_clock_delay_taps`, so that clock and data leave through the same
//! kind of cell and the skew is the delay alone (0 for a PHY with internal transmit delay).
//!
//! Latency: a byte on the RGMII pins is on `gmii_rxd` after the second rising edge of
//! `rgmii_rx_clk`; a byte on `gmii_txd` is on the pins from the next rising edge of
//! `gmii_tx_clk` (first nibble) to the edge after (second nibble).
//!
//! Ports: PHY side `rgmii_rx_clk`, `rgmii_rxd`, `rgmii_rx_ctl` (in), `rgmii_tx_clk`,
//! `rgmii_txd`, `rgmii_tx_ctl` (out); MAC side `gmii_rx_clk`, `gmii_rxd`, `gmii_rx_dv`,
//! `gmii_rx_er` (out), `gmii_tx_clk`, `gmii_txd`, `gmii_tx_en`, `gmii_tx_er` (in).

use crate::ecp5::{Delay, InputDdr, OutputDdr, MAX_DELAY_TAPS};
use rust_hdl::prelude::*;

/// Elaboration parameters the adapter cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RgmiiParamError {
    #[error("a DELAYG takes 0..={MAX_DELAY_TAPS} taps; {0} asked")]
    Taps(u8),
}

/// The adapter (see the module documentation).
#[derive(LogicBlock)]
pub struct RgmiiEcp5 {
    // PHY side
    pub rgmii_rx_clk: Signal<In, Clock>,
    pub rgmii_rxd: Signal<In, Bits<4>>,
    pub rgmii_rx_ctl: Signal<In, Bit>,
    pub rgmii_tx_clk: Signal<Out, Bit>,
    pub rgmii_txd: Signal<Out, Bits<4>>,
    pub rgmii_tx_ctl: Signal<Out, Bit>,
    // MAC side
    pub gmii_rx_clk: Signal<Out, Clock>,
    pub gmii_rxd: Signal<Out, Bits<8>>,
    pub gmii_rx_dv: Signal<Out, Bit>,
    pub gmii_rx_er: Signal<Out, Bit>,
    pub gmii_tx_clk: Signal<In, Clock>,
    pub gmii_txd: Signal<In, Bits<8>>,
    pub gmii_tx_en: Signal<In, Bit>,
    pub gmii_tx_er: Signal<In, Bit>,
    // Cells: lanes are {ctl, d[3:0]}
    rx_delay: Delay<5>,
    rx_ddr: InputDdr<5>,
    tx_ddr: OutputDdr<5>,
    tx_clock_ddr: OutputDdr<1>,
    tx_clock_delay: Delay<1>,
}

impl RgmiiEcp5 {
    /// An adapter delaying the receive pins by `rx_delay_taps` and the transmit clock by
    /// `tx_clock_delay_taps` (DELAYG steps of about 25 ps).
    pub fn new(rx_delay_taps: u8, tx_clock_delay_taps: u8) -> Result<RgmiiEcp5, RgmiiParamError> {
        for taps in [rx_delay_taps, tx_clock_delay_taps] {
            if taps > MAX_DELAY_TAPS {
                return Err(RgmiiParamError::Taps(taps));
            }
        }
        Ok(RgmiiEcp5 {
            rgmii_rx_clk: Default::default(),
            rgmii_rxd: Default::default(),
            rgmii_rx_ctl: Default::default(),
            rgmii_tx_clk: Default::default(),
            rgmii_txd: Default::default(),
            rgmii_tx_ctl: Default::default(),
            gmii_rx_clk: Default::default(),
            gmii_rxd: Default::default(),
            gmii_rx_dv: Default::default(),
            gmii_rx_er: Default::default(),
            gmii_tx_clk: Default::default(),
            gmii_txd: Default::default(),
            gmii_tx_en: Default::default(),
            gmii_tx_er: Default::default(),
            rx_delay: Delay::new(rx_delay_taps),
            rx_ddr: Default::default(),
            tx_ddr: Default::default(),
            tx_clock_ddr: Default::default(),
            tx_clock_delay: Delay::new(tx_clock_delay_taps),
        })
    }
}

impl Logic for RgmiiEcp5 {
    #[hdl_gen]
    fn update(&mut self) {
        // Receive
        self.rx_delay.a.next = bit_cast::<5, 4>(self.rgmii_rxd.val())
            | (bit_cast::<5, 1>(self.rgmii_rx_ctl.val().into()) << 4);
        self.rx_ddr.clock.next = self.rgmii_rx_clk.val();
        self.rx_ddr.d.next = self.rx_delay.z.val();
        self.gmii_rx_clk.next = self.rgmii_rx_clk.val();
        self.gmii_rxd.next = bit_cast::<8, 4>(self.rx_ddr.q0.val().get_bits::<4>(0))
            | (bit_cast::<8, 4>(self.rx_ddr.q1.val().get_bits::<4>(0)) << 4);
        self.gmii_rx_dv.next = self.rx_ddr.q0.val().get_bit(4);
        self.gmii_rx_er.next = self.rx_ddr.q0.val().get_bit(4) ^ self.rx_ddr.q1.val().get_bit(4);
        // Transmit
        self.tx_ddr.clock.next = self.gmii_tx_clk.val();
        self.tx_ddr.d0.next = bit_cast::<5, 4>(self.gmii_txd.val().get_bits::<4>(0))
            | (bit_cast::<5, 1>(self.gmii_tx_en.val().into()) << 4);
        self.tx_ddr.d1.next = bit_cast::<5, 4>(self.gmii_txd.val().get_bits::<4>(4))
            | (bit_cast::<5, 1>((self.gmii_tx_en.val() ^ self.gmii_tx_er.val()).into()) << 4);
        self.rgmii_txd.next = self.tx_ddr.q.val().get_bits::<4>(0);
        self.rgmii_tx_ctl.next = self.tx_ddr.q.val().get_bit(4);
        self.tx_clock_ddr.clock.next = self.gmii_tx_clk.val();
        self.tx_clock_ddr.d0.next = 1.into();
        self.tx_clock_ddr.d1.next = 0.into();
        self.tx_clock_delay.a.next = self.tx_clock_ddr.q.val();
        self.rgmii_tx_clk.next = self.tx_clock_delay.z.val().into();
    }
}
