//! Lattice ECP5-5G Versa (LFE5UM5G-45F-VERSA-EVN): LFE5UM5G-45F-8BG381C, a 100 MHz LVDS
//! clock, two RGMII PHYs (Marvell 88E1512), eight LEDs, a reset button. Each pin below is
//! the same in the LiteX and the Amaranth board files (and, for the clock and the LEDs, in
//! prjtrellis's Versa example); the Amaranth file describes the non-5G LFE5UM-45F Versa,
//! whose board is the same (its OpenOCD notes say so), LiteX builds either part from one pin
//! list.

use crate::board::{Board, Button, ClockInput, Led, LedRole, Phy, Pin, Source};
use exo_hdl_common::tools::Ecp5Part;

/// The Versa's part.
pub const LFE5UM5G_45F_8BG381C: Ecp5Part = Ecp5Part {
    device_flag: "--um5g-45k",
    device: "LFE5UM5G-45F",
    package: "CABGA381",
    speed: 8,
};

const SOURCES: &[Source] = &[
    Source {
        key: "litex-versa",
        what: "litex-hub/litex-boards litex_boards/platforms/lattice_versa_ecp5.py @ 8a3cacae32fbffa007608101335a26a63006eecb",
        url: "https://github.com/litex-hub/litex-boards/blob/8a3cacae32fbffa007608101335a26a63006eecb/litex_boards/platforms/lattice_versa_ecp5.py",
    },
    Source {
        key: "amaranth-versa",
        what: "amaranth-lang/amaranth-boards amaranth_boards/versa_ecp5.py @ 0c11ee9f3b007c1b084c9bad196227b3c3491d32",
        url: "https://github.com/amaranth-lang/amaranth-boards/blob/0c11ee9f3b007c1b084c9bad196227b3c3491d32/amaranth_boards/versa_ecp5.py",
    },
    Source {
        key: "trellis-versa5g",
        what: "YosysHQ/prjtrellis examples/versa5g/versa.lpf and demo.v @ 637d7d495753056fd8cb4e38c28d680ecf379024 (clock and LEDs; demo.v drives the LEDs inverted)",
        url: "https://github.com/YosysHQ/prjtrellis/blob/637d7d495753056fd8cb4e38c28d680ecf379024/examples/versa5g/versa.lpf",
    },
    Source {
        key: "litex-versa-target",
        what: "litex-hub/litex-boards litex_boards/targets/lattice_versa_ecp5.py @ 00ff61baa9ac8ed07ccbbb54ac141f3e7add28ac (LiteEthPHYRGMII with tx_delay = 0 and rx_delay = 0)",
        url: "https://github.com/litex-hub/litex-boards/blob/00ff61baa9ac8ed07ccbbb54ac141f3e7add28ac/litex_boards/targets/lattice_versa_ecp5.py",
    },
];

const BOTH: &[&str] = &["litex-versa", "amaranth-versa"];
const ALL_THREE: &[&str] = &["litex-versa", "amaranth-versa", "trellis-versa5g"];

const fn eth(site: &'static str) -> Pin {
    Pin {
        site,
        io_type: "LVCMOS25",
        attrs: "",
        sources: BOTH,
    }
}

const fn led(site: &'static str, role: LedRole) -> Led {
    Led {
        pin: Pin {
            site,
            io_type: "LVCMOS25",
            attrs: "",
            sources: ALL_THREE,
        },
        role,
        active_low: true,
    }
}

/// The board.
pub const VERSA: Board = Board {
    name: "ecp5-versa",
    title: "Lattice ECP5-5G Versa (LFE5UM5G-45F-VERSA-EVN)",
    part_code: "LFE5UM5G-45F-8BG381C",
    part: &LFE5UM5G_45F_8BG381C,
    clock: ClockInput {
        port: "clk100",
        pin: Pin {
            site: "P3",
            io_type: "LVDS",
            attrs: "",
            sources: ALL_THREE,
        },
        mhz: 100.0,
    },
    host_phy: Phy {
        name: "88E1512, LiteX eth 0",
        rx_clk: eth("L20"),
        rxd: [eth("T20"), eth("U20"), eth("T19"), eth("R18")],
        rx_ctl: eth("U19"),
        tx_clk: eth("P19"),
        txd: [eth("N19"), eth("N20"), eth("P18"), eth("P20")],
        tx_ctl: eth("R20"),
    },
    exo_phy: Phy {
        name: "88E1512, LiteX eth 1",
        rx_clk: eth("J19"),
        rxd: [eth("G18"), eth("G16"), eth("H18"), eth("H17")],
        rx_ctl: eth("F19"),
        tx_clk: eth("C20"),
        txd: [eth("J17"), eth("J16"), eth("D19"), eth("D20")],
        tx_ctl: eth("E19"),
    },
    phy_resets: &[eth("U17"), eth("F20")],
    leds: &[
        led("E16", LedRole::Status),
        led("D17", LedRole::ExoLink),
        led("D18", LedRole::HostLink),
        led("E18", LedRole::Token),
        led("F17", LedRole::Anomaly),
        led("F18", LedRole::Off),
        led("E17", LedRole::Off),
        led("F16", LedRole::Off),
    ],
    button: Some(Button {
        pin: Pin {
            site: "T1",
            io_type: "LVCMOS33",
            attrs: "PULLMODE=UP",
            sources: BOTH,
        },
        active_low: true,
    }),
    rgmii_rx_delay_taps: 0,
    rgmii_tx_clock_delay_taps: 0,
    rgmii_delay_note: "the PHYs add both RGMII delays themselves (FPGA: 0 and 0), as LiteX's target for this board does",
    sources: SOURCES,
    notes: &[
        "The 100 MHz clock is the LVDS pair P3/P4; the constraints name its P side.",
        "LEDs 0-4 show status, Exo link, host link, token and anomaly; 5-7 stay dark. They are active low (Amaranth: invert=True; prjtrellis's demo drives them inverted).",
        "The reset button (T1) is active low (LiteX: rst_n; Amaranth: PinsN).",
        "Port 0 (host link) is LiteX's eth 0, port 1 (Exo network) its eth 1; which jack is which on the board is not in the sources.",
    ],
};
