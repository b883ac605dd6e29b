//! The RGMII adapter in the rust-hdl simulator, on the stated models of its ECP5 cells:
//! seeded random bytes with `dv`/`er` go in on both clock edges and come out as GMII; GMII
//! bytes go out as nibbles on both edges with the forwarded clock.

mod support;

use exo_hdl_common::sim::settle;
use exo_mac::RgmiiEcp5;
use rust_hdl::prelude::*;
use support::Rng;

fn adapter() -> RgmiiEcp5 {
    let mut uut = RgmiiEcp5::new(exo_mac::RGMII_RX_DELAY_TAPS, 0).unwrap();
    uut.connect_all();
    settle(&mut uut);
    uut
}

fn set_clocks(uut: &mut RgmiiEcp5, high: bool) {
    uut.rgmii_rx_clk.next = Clock { clk: high };
    uut.gmii_tx_clk.next = Clock { clk: high };
    settle(uut);
}

#[test]
fn receive_pins_become_gmii_two_edges_later() {
    let mut rng = Rng::from_env(
        "rgmii_ecp5 receive_pins_become_gmii_two_edges_later",
        0x5EED_0004,
    );
    let mut uut = adapter();
    let bytes: Vec<(u8, bool, bool)> = (0..500)
        .map(|_| (rng.next() as u8, rng.chance(80), rng.chance(10)))
        .collect();
    let mut got = Vec::new();
    for &(b, dv, er) in &bytes {
        // Low half: the low nibble and dv lead into the rising edge.
        uut.rgmii_rxd.next = (b & 0xF).to_bits();
        uut.rgmii_rx_ctl.next = dv;
        settle(&mut uut);
        set_clocks(&mut uut, true);
        got.push((
            uut.gmii_rxd.val().to_u8(),
            uut.gmii_rx_dv.val(),
            uut.gmii_rx_er.val(),
        ));
        // High half: the high nibble and dv ^ er lead into the falling edge.
        uut.rgmii_rxd.next = (b >> 4).to_bits();
        uut.rgmii_rx_ctl.next = dv ^ er;
        settle(&mut uut);
        set_clocks(&mut uut, false);
    }
    // Byte k is on GMII after rising edge k + 1.
    assert_eq!(&got[1..], &bytes[..bytes.len() - 1]);
}

#[test]
fn gmii_becomes_nibbles_on_both_edges_with_the_clock() {
    let mut rng = Rng::from_env(
        "rgmii_ecp5 gmii_becomes_nibbles_on_both_edges_with_the_clock",
        0x5EED_0005,
    );
    let mut uut = adapter();
    let bytes: Vec<(u8, bool, bool)> = (0..500)
        .map(|_| (rng.next() as u8, rng.chance(80), rng.chance(10)))
        .collect();
    let mut high_half = Vec::new();
    let mut low_half = Vec::new();
    for &(b, en, er) in &bytes {
        uut.gmii_txd.next = b.to_bits();
        uut.gmii_tx_en.next = en;
        uut.gmii_tx_er.next = er;
        set_clocks(&mut uut, true);
        assert!(
            uut.rgmii_tx_clk.val(),
            "the forwarded clock is high in the high half"
        );
        high_half.push((uut.rgmii_txd.val().to_u8(), uut.rgmii_tx_ctl.val()));
        set_clocks(&mut uut, false);
        assert!(!uut.rgmii_tx_clk.val(), "and low in the low half");
        low_half.push((uut.rgmii_txd.val().to_u8(), uut.rgmii_tx_ctl.val()));
    }
    for (k, &(b, en, er)) in bytes.iter().enumerate() {
        assert_eq!(
            high_half[k],
            (b & 0xF, en),
            "byte {k}: low nibble and tx_en"
        );
        assert_eq!(
            low_half[k],
            (b >> 4, en ^ er),
            "byte {k}: high nibble and tx_en ^ tx_er"
        );
    }
}

#[test]
fn refuses_delays_a_delayg_cannot_make() {
    assert!(RgmiiEcp5::new(128, 0).is_err());
    assert!(RgmiiEcp5::new(0, 200).is_err());
}

#[test]
fn rgmii_ecp5_is_synthesizable_with_the_real_cells() {
    let design = exo_mac::rgmii_ecp5();
    let dir = std::env::temp_dir().join(format!("exo-rgmii-synth-{}", std::process::id()));
    let stats = design.synthesize(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let stats = stats.unwrap();
    // Besides the I/O cells, only RGMII's ctl encoding: rx_er = q0 ^ q1, and tx_en ^ tx_er.
    assert_eq!(stats.lut4, 2, "two XORs and nothing else: {stats}");
}
