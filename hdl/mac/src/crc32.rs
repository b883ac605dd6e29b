//! CRC-32 of IEEE 802.3, one byte per cycle: the single CRC engine of the MAC, used by both
//! the receiver (check) and the transmitter (generate).
//!
//! # Datasheet
//!
//! | property          | value                                                        |
//! |-------------------|--------------------------------------------------------------|
//! | polynomial        | 0x04C11DB7, processed least-significant bit first (0xEDB88320) |
//! | register start    | 0xFFFFFFFF at the first byte after the SFD                   |
//! | input             | one byte per call, bit 0 first (the wire order)              |
//! | FCS               | `!register`, sent least-significant byte first               |
//! | check residue     | register == 0xDEBB20E3 after the frame *and* its FCS          |
//!
//! The block is combinational: `crc_out = step(crc_in, data)`. Every output bit is the parity
//! of a fixed subset of the 32 register bits and 8 data bits (the step is linear over GF(2)).
//! [`masks`] derives those subsets once from the bitwise definition in [`step_reference`],
//! and both the simulation model and the emitted Verilog (one `assign` per output bit) use
//! them, so the Verilog is exactly what the Rust tests check against an independent CRC
//! (`crc32fast`) and the cocotb tests against Python's `zlib.crc32`.
//!
//! Ports: `crc_in` (32, the register before the byte), `data` (8), `crc_out` (32, after it).

use rust_hdl::prelude::*;
use std::fmt::Write;

/// The register's value before the first byte of a frame.
pub const CRC_INIT: u32 = 0xFFFF_FFFF;
/// The register's value after a frame whose FCS is correct has passed through, FCS included.
pub const CRC_RESIDUE: u32 = 0xDEBB_20E3;
/// The reflected polynomial.
const POLY_REFLECTED: u32 = 0xEDB8_8320;

/// One byte through the register, bit by bit: the definition the masks are derived from.
pub const fn step_reference(crc: u32, data: u8) -> u32 {
    let mut c = crc ^ data as u32;
    let mut bit = 0;
    while bit < 8 {
        c = if c & 1 != 0 {
            (c >> 1) ^ POLY_REFLECTED
        } else {
            c >> 1
        };
        bit += 1;
    }
    c
}

/// For each output bit `j`: the register bits and the data bits whose parity gives it.
pub const fn masks() -> ([u32; 32], [u8; 32]) {
    let mut reg = [0u32; 32];
    let mut dat = [0u8; 32];
    let mut k = 0;
    while k < 32 {
        let col = step_reference(1 << k, 0);
        let mut j = 0;
        while j < 32 {
            if col >> j & 1 != 0 {
                reg[j] |= 1 << k;
            }
            j += 1;
        }
        k += 1;
    }
    let mut k = 0;
    while k < 8 {
        let col = step_reference(0, 1 << k);
        let mut j = 0;
        while j < 32 {
            if col >> j & 1 != 0 {
                dat[j] |= 1 << k;
            }
            j += 1;
        }
        k += 1;
    }
    (reg, dat)
}

const MASKS: ([u32; 32], [u8; 32]) = masks();

/// One byte through the register using the parity equations (what the hardware computes).
pub fn step(crc: u32, data: u8) -> u32 {
    let (reg, dat) = &MASKS;
    (0..32).fold(0, |out, j| {
        let bit = (crc & reg[j]).count_ones() + (data & dat[j]).count_ones();
        out | (bit & 1) << j
    })
}

/// The combinational CRC step (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct Crc32Byte {
    /// The register before `data`.
    pub crc_in: Signal<In, Bits<32>>,
    /// The byte, bit 0 first on the wire.
    pub data: Signal<In, Bits<8>>,
    /// The register after `data`.
    pub crc_out: Signal<Out, Bits<32>>,
}

impl Logic for Crc32Byte {
    fn update(&mut self) {
        let crc = self.crc_in.val().to_u32();
        let data = self.data.val().to_u32() as u8;
        self.crc_out.next = step(crc, data).to_bits();
    }

    fn connect(&mut self) {
        self.crc_out.connect();
    }

    fn hdl(&self) -> Verilog {
        let (reg, dat) = &MASKS;
        let mut code = String::from(
            "// CRC-32 (IEEE 802.3), one byte: crc_out[j] = ^(crc_in & R[j]) ^ ^(data & D[j])\n",
        );
        for j in 0..32 {
            let _ = writeln!(
                code,
                "assign crc_out[{j}] = (^(crc_in & 32'h{:08x})) ^ (^(data & 8'h{:02x}));",
                reg[j], dat[j]
            );
        }
        Verilog::Wrapper(Wrapper {
            code,
            cores: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc_of(bytes: &[u8]) -> u32 {
        !bytes.iter().fold(CRC_INIT, |c, &b| step(c, b))
    }

    #[test]
    fn equations_match_an_independent_crc() {
        assert_eq!(crc_of(b"123456789"), 0xCBF4_3926);
        let mut x = 0x1234_5678_u32;
        for len in 0..300usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            assert_eq!(crc_of(&bytes), crc32fast::hash(&bytes), "length {len}");
        }
    }

    #[test]
    fn every_register_and_byte_agrees_with_the_bitwise_definition() {
        for data in 0..=255u8 {
            for k in 0..32 {
                let crc = 0x9E37_79B9u32.rotate_left(k) ^ (1 << k);
                assert_eq!(step(crc, data), step_reference(crc, data));
            }
        }
    }

    #[test]
    fn a_frame_with_its_fcs_leaves_the_residue() {
        let body: Vec<u8> = (0..60u8).collect();
        let fcs = crc32fast::hash(&body).to_le_bytes();
        let reg = body.iter().chain(&fcs).fold(CRC_INIT, |c, &b| step(c, b));
        assert_eq!(reg, CRC_RESIDUE);
    }

    #[test]
    fn crc32_byte_is_synthesizable() {
        let mut uut = Crc32Byte::default();
        exo_hdl_common::check_synthesizable(&mut uut, "crc32_byte").unwrap();
    }
}
