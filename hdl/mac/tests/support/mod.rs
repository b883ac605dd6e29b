//! What the MAC's simulation tests share: a seeded generator, the two-clock stepper, and the
//! Ethernet framing done in software (with `crc32fast`, independent of the RTL's CRC).

#![allow(dead_code)]

use exo_hdl_common::sim::settle;
use exo_mac::MacGmii;
use rust_hdl::prelude::*;

/// SplitMix64: small, seedable, good enough to pick frame sizes, gaps and faults.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `EXO_SEED` if set, else from `default`; prints the seed so a
    /// failing run can be replayed with `EXO_SEED=<seed>`.
    pub fn from_env(test: &str, default: u64) -> Rng {
        let seed = std::env::var("EXO_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default);
        println!("{test}: seed {seed} (replay with EXO_SEED={seed})");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// The frame with its FCS appended, as it goes on the wire after the SFD.
pub fn with_fcs(body: &[u8]) -> Vec<u8> {
    let mut v = body.to_vec();
    v.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    v
}

/// A MAC ready to step: connected, both clocks low, settled.
pub fn mac() -> MacGmii {
    let mut uut = MacGmii::default();
    uut.connect_all();
    settle(&mut uut);
    uut
}

/// One cycle of both clocks (the tests run both directions on one clock).
pub fn cycle(uut: &mut MacGmii) {
    uut.rx_clock.next = Clock { clk: true };
    uut.tx_clock.next = Clock { clk: true };
    settle(uut);
    uut.rx_clock.next = Clock { clk: false };
    uut.tx_clock.next = Clock { clk: false };
    settle(uut);
}

/// The receive stream's beats, gathered into frames.
#[derive(Default)]
pub struct RxCollector {
    current: Vec<u8>,
    /// Finished frames: bytes and the error flag of the last beat.
    pub frames: Vec<(Vec<u8>, bool)>,
}

impl RxCollector {
    /// Looks at the stream after a cycle.
    pub fn observe(&mut self, uut: &MacGmii) {
        if uut.rx.valid.val() {
            self.current.push(uut.rx.data.val().to_u8());
            if uut.rx.last.val() {
                let error = uut.rx.error.val();
                self.frames.push((std::mem::take(&mut self.current), error));
            }
        }
    }
}

/// The GMII transmit side, gathered into frames (bytes after the SFD, and which of them had
/// `tx_er`), with the idle gap before each.
#[derive(Default)]
pub struct GmiiCollector {
    current: Vec<u8>,
    current_er: Vec<bool>,
    idle: usize,
    /// Finished frames: all bytes with `tx_en` (preamble included), `tx_er` per byte, and the
    /// idle cycles before the frame.
    pub frames: Vec<(Vec<u8>, Vec<bool>, usize)>,
    gap_before: usize,
}

impl GmiiCollector {
    pub fn observe(&mut self, uut: &MacGmii) {
        if uut.gmii_tx_en.val() {
            if self.current.is_empty() {
                self.gap_before = self.idle;
            }
            self.current.push(uut.gmii_txd.val().to_u8());
            self.current_er.push(uut.gmii_tx_er.val());
            self.idle = 0;
        } else {
            if !self.current.is_empty() {
                self.frames.push((
                    std::mem::take(&mut self.current),
                    std::mem::take(&mut self.current_er),
                    self.gap_before,
                ));
            }
            self.idle += 1;
        }
    }
}
