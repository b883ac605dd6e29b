//! Colorlight 5A-75B, revisions 7.0 and 8.0: LFE5U-25F-6BG256C, a 25 MHz clock, two RGMII
//! PHYs (7.0: Broadcom B50612D, 8.0: Realtek RTL8211FD), one LED, one button. Each pin below
//! is the same in both sources cited for it (the chubby75 reverse-engineering notes and the
//! LiteX board file); revisions 6.1 (another package) and 8.2 (one source only) are not
//! supported.

use crate::board::{Board, Button, ClockInput, Led, LedRole, Phy, Pin, Source};
use exo_hdl_common::tools::LFE5U_25F_6BG256C;

const SOURCES_V7: &[Source] = &[
    Source {
        key: "chubby75-v7",
        what: "q3k/chubby75 5a-75b/hardware_V7.0.md @ 18fdef5ae936738dac35453a6358a75e575ab75c",
        url: "https://github.com/q3k/chubby75/blob/18fdef5ae936738dac35453a6358a75e575ab75c/5a-75b/hardware_V7.0.md",
    },
    Source {
        key: "litex-v7",
        what: "litex-hub/litex-boards litex_boards/platforms/colorlight_5a_75b.py, _io_v7_0 @ 133f735e1fe46adf99bbc62d11401b16870e6010",
        url: "https://github.com/litex-hub/litex-boards/blob/133f735e1fe46adf99bbc62d11401b16870e6010/litex_boards/platforms/colorlight_5a_75b.py",
    },
    LITEX_TARGET,
];

const SOURCES_V8: &[Source] = &[
    Source {
        key: "chubby75-v8",
        what: "q3k/chubby75 5a-75b/hardware_V8.0.md @ 1366de15fb7ad82a4f99c5a6071018e9785aa985",
        url: "https://github.com/q3k/chubby75/blob/1366de15fb7ad82a4f99c5a6071018e9785aa985/5a-75b/hardware_V8.0.md",
    },
    Source {
        key: "litex-v8",
        what: "litex-boards litex_boards/platforms/colorlight_5a_75b.py, _io_v8_0, as in the fork stanleyseow/litex-boards @ 2c258bcdf8721da7b9ece0e1a6730aea051b10ba",
        url: "https://github.com/stanleyseow/litex-boards/blob/2c258bcdf8721da7b9ece0e1a6730aea051b10ba/litex_boards/platforms/colorlight_5a_75b.py",
    },
    LITEX_TARGET,
];

/// Where the RGMII delays come from.
const LITEX_TARGET: Source = Source {
    key: "litex-target",
    what: "litex-hub/litex-boards litex_boards/targets/colorlight_5a_75x.py @ 00ff61baa9ac8ed07ccbbb54ac141f3e7add28ac (LiteEthPHYRGMII with tx_delay = 0, rx_delay at LiteEth's default of 2 ns)",
    url: "https://github.com/litex-hub/litex-boards/blob/00ff61baa9ac8ed07ccbbb54ac141f3e7add28ac/litex_boards/targets/colorlight_5a_75x.py",
};

const V7: &[&str] = &["chubby75-v7", "litex-v7"];
const V8: &[&str] = &["chubby75-v8", "litex-v8"];

const fn pin(site: &'static str, sources: &'static [&'static str]) -> Pin {
    Pin {
        site,
        io_type: "LVCMOS33",
        attrs: "",
        sources,
    }
}

const fn phy(
    name: &'static str,
    [rx_clk, rx_ctl, tx_clk, tx_ctl]: [&'static str; 4],
    rxd: [&'static str; 4],
    txd: [&'static str; 4],
    sources: &'static [&'static str],
) -> Phy {
    Phy {
        name,
        rx_clk: pin(rx_clk, sources),
        rxd: [
            pin(rxd[0], sources),
            pin(rxd[1], sources),
            pin(rxd[2], sources),
            pin(rxd[3], sources),
        ],
        rx_ctl: pin(rx_ctl, sources),
        tx_clk: pin(tx_clk, sources),
        txd: [
            pin(txd[0], sources),
            pin(txd[1], sources),
            pin(txd[2], sources),
            pin(txd[3], sources),
        ],
        tx_ctl: pin(tx_ctl, sources),
    }
}

const DELAY_NOTE: &str = "the PHYs add the transmit clock delay themselves (FPGA: 0); the FPGA delays the receive pins by 2 ns (80 taps), as LiteX's target for this board does";

/// What differs between the revisions; [`board`] adds what they share (the part, the
/// 25 MHz clock on P6, one active-low status LED, an active-low button, the RGMII delays).
struct Revision {
    name: &'static str,
    title: &'static str,
    /// The keys of the two sources every pin of this revision is checked against.
    agree: &'static [&'static str],
    sources: &'static [Source],
    host_phy: Phy,
    exo_phy: Phy,
    phy_resets: &'static [Pin],
    leds: &'static [Led],
    button: &'static str,
    notes: &'static [&'static str],
}

const fn board(r: Revision) -> Board {
    Board {
        name: r.name,
        title: r.title,
        part_code: "LFE5U-25F-6BG256C",
        part: &LFE5U_25F_6BG256C,
        clock: ClockInput {
            port: "clk25",
            pin: pin("P6", r.agree),
            mhz: 25.0,
        },
        host_phy: r.host_phy,
        exo_phy: r.exo_phy,
        phy_resets: r.phy_resets,
        leds: r.leds,
        button: Some(Button {
            pin: Pin {
                site: r.button,
                io_type: "LVCMOS33",
                attrs: "PULLMODE=UP",
                sources: r.agree,
            },
            active_low: true,
        }),
        rgmii_rx_delay_taps: 80,
        rgmii_tx_clock_delay_taps: 0,
        rgmii_delay_note: DELAY_NOTE,
        sources: r.sources,
        notes: r.notes,
    }
}

const fn status_led(site: &'static str, sources: &'static [&'static str]) -> Led {
    Led {
        pin: pin(site, sources),
        role: LedRole::Status,
        active_low: true,
    }
}

/// Revision 8.0.
pub const V8_0: Board = board(Revision {
    name: "colorlight-5a-75b-v8",
    title: "Colorlight 5A-75B V8.0",
    agree: V8,
    sources: SOURCES_V8,
    host_phy: phy(
        "U11 (RTL8211FD), LiteX eth 0",
        ["J1", "J2", "L1", "L2"],
        ["K2", "J3", "K1", "K3"],
        ["M2", "M1", "P1", "R1"],
        V8,
    ),
    exo_phy: phy(
        "U13 (RTL8211FD), LiteX eth 1",
        ["M16", "P16", "J16", "K14"],
        ["M15", "R16", "L15", "L16"],
        ["K16", "J15", "J14", "K15"],
        V8,
    ),
    phy_resets: &[pin("R6", V8)],
    leds: &[status_led("T6", V8)],
    button: "R7",
    notes: &[
        "The 25 MHz clock on P6 comes from PHY U13: the PHY reset (R6, shared by both PHYs) is driven high for good, never pulsed (chubby75-v8).",
        "The LED (T6, DATA_LED- on J19) is active low; the button (R7, KEY+ on J19) reads low when pressed (LiteX: user_btn_n).",
        "Port 0 (host link) is PHY U11, port 1 (Exo network) is PHY U13.",
    ],
});

/// Revision 7.0.
pub const V7_0: Board = board(Revision {
    name: "colorlight-5a-75b-v7",
    title: "Colorlight 5A-75B V7.0",
    agree: V7,
    sources: SOURCES_V7,
    host_phy: phy(
        "U3 (B50612D), LiteX eth 0",
        ["M1", "N6", "M2", "M3"],
        ["N1", "M5", "N5", "M6"],
        ["L1", "L3", "P2", "L4"],
        V7,
    ),
    exo_phy: phy(
        "U7 (B50612D), LiteX eth 1",
        ["M16", "L15", "M12", "R15"],
        ["P13", "N13", "P14", "M15"],
        ["T14", "R12", "R13", "R14"],
        V7,
    ),
    phy_resets: &[pin("P5", V7)],
    leds: &[status_led("P11", V7)],
    button: "M13",
    notes: &[
        "The PHY reset (P5, shared by both PHYs) is driven high: the PHYs run from power-up.",
        "The LED (P11) is active low; the button (M13) reads low when pressed (chubby75-v7).",
        "Port 0 (host link) is PHY U3, port 1 (Exo network) is PHY U7.",
    ],
});
