//! A board as data: its FPGA, its clock, its two RGMII PHYs, its LEDs and button, and where
//! each pin assignment comes from.
//!
//! Every pin names the public sources that agree on it ([`Source`], by key); a board file
//! lists at least two for each PHY pin, the clock, the LEDs and the button. The generated
//! board top ([`crate::top`]) and constraints are written from this data only.

use exo_hdl_common::tools::Ecp5Part;
use serde::Serialize;

/// A public document a pin assignment was checked against.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Source {
    /// Short key the pins refer to.
    pub key: &'static str,
    /// The document: repository, file and the revision read.
    pub what: &'static str,
    pub url: &'static str,
}

/// One FPGA pin.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Pin {
    /// The ball, e.g. "P6".
    pub site: &'static str,
    /// `IO_TYPE` of its bank's voltage.
    pub io_type: &'static str,
    /// Further `IOBUF` attributes, e.g. "PULLMODE=UP" (empty if none).
    pub attrs: &'static str,
    /// Keys of the sources that agree on this assignment.
    pub sources: &'static [&'static str],
}

/// One RGMII PHY's pins.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Phy {
    /// Which PHY on the board (reference designator, chip).
    pub name: &'static str,
    pub rx_clk: Pin,
    /// RXD[0..3].
    pub rxd: [Pin; 4],
    pub rx_ctl: Pin,
    pub tx_clk: Pin,
    /// TXD[0..3].
    pub txd: [Pin; 4],
    pub tx_ctl: Pin,
}

/// What an LED shows (see `StatusLeds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LedRole {
    /// The four below on one LED: blinking halted, lit with the token, dim with traffic.
    Status,
    ExoLink,
    HostLink,
    Token,
    Anomaly,
    /// Not used: kept dark.
    Off,
}

impl LedRole {
    /// The `exo_board` output behind this role (`None`: dark).
    pub fn signal(self) -> Option<&'static str> {
        match self {
            LedRole::Status => Some("led_status"),
            LedRole::ExoLink => Some("led_exo_link"),
            LedRole::HostLink => Some("led_host_link"),
            LedRole::Token => Some("led_token"),
            LedRole::Anomaly => Some("led_anomaly"),
            LedRole::Off => None,
        }
    }
}

/// One LED.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Led {
    pub pin: Pin,
    pub role: LedRole,
    /// Lit when the pin is low.
    pub active_low: bool,
}

/// The board's clock input.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ClockInput {
    /// Port name in the board top, e.g. "clk25".
    pub port: &'static str,
    pub pin: Pin,
    pub mhz: f64,
}

/// A push button that resets the engine (active low).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Button {
    pub pin: Pin,
    pub active_low: bool,
}

/// A board (see the module documentation).
#[derive(Clone, Copy, Serialize)]
pub struct Board {
    /// What `exo build --board` takes, e.g. "colorlight-5a-75b-v8".
    pub name: &'static str,
    pub title: &'static str,
    /// The FPGA as nextpnr takes it.
    #[serde(skip)]
    pub part: &'static Ecp5Part,
    /// Its ordering code, e.g. "LFE5U-25F-6BG256C".
    pub part_code: &'static str,
    pub clock: ClockInput,
    /// Port 0: the host link.
    pub host_phy: Phy,
    /// Port 1: the Exo network.
    pub exo_phy: Phy,
    /// PHY reset pins (active low), driven high.
    pub phy_resets: &'static [Pin],
    pub leds: &'static [Led],
    pub button: Option<Button>,
    /// DELAYG taps (about 25 ps each) on the RGMII receive pins, and on the transmit clock.
    pub rgmii_rx_delay_taps: u8,
    pub rgmii_tx_clock_delay_taps: u8,
    /// Why those delays: which side adds the RGMII skew, and the source.
    pub rgmii_delay_note: &'static str,
    pub sources: &'static [Source],
    /// What a user should know (revision differences, clocking quirks).
    pub notes: &'static [&'static str],
}

/// The name of bit `i` of an `n`-bit port: a one-bit port is a scalar (`led`), as yosys and
/// nextpnr name it, a wider one is indexed (`led[2]`).
pub fn bit_name(base: &str, i: usize, n: usize) -> String {
    if n == 1 {
        base.to_string()
    } else {
        format!("{base}[{i}]")
    }
}

// Ecp5Part has no Debug; a board is known by its name.
impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Board({})", self.name)
    }
}

impl Board {
    /// Every pin of the board with its port name in the board top, in port order.
    pub fn pins(&self) -> Vec<(String, Pin)> {
        let mut pins = vec![(self.clock.port.to_string(), self.clock.pin)];
        if let Some(b) = self.button {
            pins.push(("button".to_string(), b.pin));
        }
        for (i, led) in self.leds.iter().enumerate() {
            pins.push((bit_name("led", i, self.leds.len()), led.pin));
        }
        for (i, pin) in self.phy_resets.iter().enumerate() {
            pins.push((bit_name("phy_reset_n", i, self.phy_resets.len()), *pin));
        }
        for (port, phy) in [("eth0", &self.host_phy), ("eth1", &self.exo_phy)] {
            pins.push((format!("{port}_rx_clk"), phy.rx_clk));
            for (i, p) in phy.rxd.iter().enumerate() {
                pins.push((format!("{port}_rxd[{i}]"), *p));
            }
            pins.push((format!("{port}_rx_ctl"), phy.rx_ctl));
            pins.push((format!("{port}_tx_clk"), phy.tx_clk));
            for (i, p) in phy.txd.iter().enumerate() {
                pins.push((format!("{port}_txd[{i}]"), *p));
            }
            pins.push((format!("{port}_tx_ctl"), phy.tx_ctl));
        }
        pins
    }

    /// Checks the data: no ball used twice, every pin backed by two known sources.
    pub fn check(&self) -> Result<(), String> {
        let pins = self.pins();
        for (i, (port, pin)) in pins.iter().enumerate() {
            if let Some((other, _)) = pins[..i].iter().find(|(_, p)| p.site == pin.site) {
                return Err(format!(
                    "{}: {port} and {other} both on {}",
                    self.name, pin.site
                ));
            }
            if pin.sources.len() < 2 {
                return Err(format!("{}: {port} has fewer than two sources", self.name));
            }
            for key in pin.sources {
                if !self.sources.iter().any(|s| s.key == *key) {
                    return Err(format!("{}: {port} cites unknown source {key}", self.name));
                }
            }
        }
        Ok(())
    }
}
