//! `ExoBoard`: the board's logic from its RGMII pins in: two `RgmiiEcp5` adapters (ECP5
//! IDDRX1F/ODDRX1F/DELAYG cells, with the board's delays) around the portable
//! [`BoardCore`]. What `exo_board.v` holds; the generated board top adds the PLL, the reset
//! button, the LEDs' polarity and the pin names.
//!
//! The adapters' receive sides run on each PHY's receive clock and hand it to the core with
//! the GMII bytes; their transmit sides run on `clock`, which they also forward to the PHYs
//! as the RGMII transmit clock.

use crate::rtl::board_core::BoardCore;
use exo_engine::{EngineParams, ParamError};
use exo_mac::RgmiiEcp5;
use rust_hdl::prelude::*;

/// The board's logic (see the module documentation).
#[derive(LogicBlock)]
pub struct ExoBoard {
    // ---- Clock and reset
    pub clock: Signal<In, Clock>,
    pub reset_request: Signal<In, Bit>,
    // ---- Port 0: the host link's PHY
    pub host_rgmii_rx_clk: Signal<In, Clock>,
    pub host_rgmii_rxd: Signal<In, Bits<4>>,
    pub host_rgmii_rx_ctl: Signal<In, Bit>,
    pub host_rgmii_tx_clk: Signal<Out, Bit>,
    pub host_rgmii_txd: Signal<Out, Bits<4>>,
    pub host_rgmii_tx_ctl: Signal<Out, Bit>,
    // ---- Port 1: the Exo network's PHY
    pub exo_rgmii_rx_clk: Signal<In, Clock>,
    pub exo_rgmii_rxd: Signal<In, Bits<4>>,
    pub exo_rgmii_rx_ctl: Signal<In, Bit>,
    pub exo_rgmii_tx_clk: Signal<Out, Bit>,
    pub exo_rgmii_txd: Signal<Out, Bits<4>>,
    pub exo_rgmii_tx_ctl: Signal<Out, Bit>,
    // ---- LEDs (active high)
    pub led_status: Signal<Out, Bit>,
    pub led_exo_link: Signal<Out, Bit>,
    pub led_host_link: Signal<Out, Bit>,
    pub led_token: Signal<Out, Bit>,
    pub led_anomaly: Signal<Out, Bit>,
    // ---- Blocks
    host_phy: RgmiiEcp5,
    exo_phy: RgmiiEcp5,
    pub core: BoardCore,
}

impl ExoBoard {
    /// The board's logic around an engine for `params`, its RGMII receive pins delayed by
    /// `rx_delay_taps` and its transmit clocks by `tx_clock_delay_taps` (DELAYG steps of
    /// about 25 ps).
    pub fn new(
        params: &EngineParams,
        rx_delay_taps: u8,
        tx_clock_delay_taps: u8,
    ) -> Result<ExoBoard, BoardParamError> {
        let phy = || RgmiiEcp5::new(rx_delay_taps, tx_clock_delay_taps);
        Ok(ExoBoard {
            clock: Default::default(),
            reset_request: Default::default(),
            host_rgmii_rx_clk: Default::default(),
            host_rgmii_rxd: Default::default(),
            host_rgmii_rx_ctl: Default::default(),
            host_rgmii_tx_clk: Default::default(),
            host_rgmii_txd: Default::default(),
            host_rgmii_tx_ctl: Default::default(),
            exo_rgmii_rx_clk: Default::default(),
            exo_rgmii_rxd: Default::default(),
            exo_rgmii_rx_ctl: Default::default(),
            exo_rgmii_tx_clk: Default::default(),
            exo_rgmii_txd: Default::default(),
            exo_rgmii_tx_ctl: Default::default(),
            led_status: Default::default(),
            led_exo_link: Default::default(),
            led_host_link: Default::default(),
            led_token: Default::default(),
            led_anomaly: Default::default(),
            host_phy: phy()?,
            exo_phy: phy()?,
            core: BoardCore::new(params)?,
        })
    }
}

/// Why the board's logic cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoardParamError {
    #[error("engine: {0}")]
    Engine(#[from] ParamError),
    #[error("RGMII adapter: {0}")]
    Rgmii(#[from] exo_mac::rgmii_ecp5::RgmiiParamError),
}

impl Logic for ExoBoard {
    #[hdl_gen]
    fn update(&mut self) {
        self.core.clock.next = self.clock.val();
        self.core.reset_request.next = self.reset_request.val();
        // ---- Port 0
        self.host_phy.rgmii_rx_clk.next = self.host_rgmii_rx_clk.val();
        self.host_phy.rgmii_rxd.next = self.host_rgmii_rxd.val();
        self.host_phy.rgmii_rx_ctl.next = self.host_rgmii_rx_ctl.val();
        self.host_rgmii_tx_clk.next = self.host_phy.rgmii_tx_clk.val();
        self.host_rgmii_txd.next = self.host_phy.rgmii_txd.val();
        self.host_rgmii_tx_ctl.next = self.host_phy.rgmii_tx_ctl.val();
        self.core.host_rx_clock.next = self.host_phy.gmii_rx_clk.val();
        self.core.host_rxd.next = self.host_phy.gmii_rxd.val();
        self.core.host_rx_dv.next = self.host_phy.gmii_rx_dv.val();
        self.core.host_rx_er.next = self.host_phy.gmii_rx_er.val();
        self.host_phy.gmii_tx_clk.next = self.clock.val();
        self.host_phy.gmii_txd.next = self.core.host_txd.val();
        self.host_phy.gmii_tx_en.next = self.core.host_tx_en.val();
        self.host_phy.gmii_tx_er.next = self.core.host_tx_er.val();
        // ---- Port 1
        self.exo_phy.rgmii_rx_clk.next = self.exo_rgmii_rx_clk.val();
        self.exo_phy.rgmii_rxd.next = self.exo_rgmii_rxd.val();
        self.exo_phy.rgmii_rx_ctl.next = self.exo_rgmii_rx_ctl.val();
        self.exo_rgmii_tx_clk.next = self.exo_phy.rgmii_tx_clk.val();
        self.exo_rgmii_txd.next = self.exo_phy.rgmii_txd.val();
        self.exo_rgmii_tx_ctl.next = self.exo_phy.rgmii_tx_ctl.val();
        self.core.exo_rx_clock.next = self.exo_phy.gmii_rx_clk.val();
        self.core.exo_rxd.next = self.exo_phy.gmii_rxd.val();
        self.core.exo_rx_dv.next = self.exo_phy.gmii_rx_dv.val();
        self.core.exo_rx_er.next = self.exo_phy.gmii_rx_er.val();
        self.exo_phy.gmii_tx_clk.next = self.clock.val();
        self.exo_phy.gmii_txd.next = self.core.exo_txd.val();
        self.exo_phy.gmii_tx_en.next = self.core.exo_tx_en.val();
        self.exo_phy.gmii_tx_er.next = self.core.exo_tx_er.val();
        // ---- LEDs
        self.led_status.next = self.core.led_status.val();
        self.led_exo_link.next = self.core.led_exo_link.val();
        self.led_host_link.next = self.core.led_host_link.val();
        self.led_token.next = self.core.led_token.val();
        self.led_anomaly.next = self.core.led_anomaly.val();
    }
}
