//! `GrayToBinary`: a Gray-coded pointer back to binary, for the clock-domain crossings.
//!
//! A pointer crosses between clocks in Gray code (one bit changes per step, so a sample
//! taken while it changes is the old value or the new one, never a mix); the receiving side
//! converts it back to count with it. Bit `i` of the binary value is the XOR of the Gray bits
//! from `i` up (`^gray[N-1:i]` in the Verilog). The reverse direction is one XOR per bit,
//! written inline where it is needed: [`to_gray`] is its software model.
//!
//! Ports: `gray` (in), `binary` (out), combinational.

use rust_hdl::prelude::*;

/// The Gray code of `b`.
pub fn to_gray(b: u64) -> u64 {
    b ^ (b >> 1)
}

/// The binary value of the Gray code `g`.
pub fn from_gray(g: u64) -> u64 {
    (0..64).fold(0, |b, i| b ^ (g >> i))
}

/// The converter (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct GrayToBinary<const N: usize> {
    pub gray: Signal<In, Bits<N>>,
    pub binary: Signal<Out, Bits<N>>,
}

impl<const N: usize> Logic for GrayToBinary<N> {
    fn update(&mut self) {
        let g = self.gray.val().to_u64();
        self.binary.next = from_gray(g).to_bits();
    }

    fn connect(&mut self) {
        self.binary.connect();
    }

    fn hdl(&self) -> Verilog {
        let code = (0..N)
            .map(|i| format!("assign binary[{i}] = ^gray[{}:{i}];", N - 1))
            .collect::<Vec<_>>()
            .join("\n");
        Verilog::Wrapper(Wrapper {
            code,
            cores: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_steps_change_one_bit() {
        for b in 0..4096u64 {
            assert_eq!(from_gray(to_gray(b)), b);
            let step = to_gray(b) ^ to_gray((b + 1) % 4096);
            assert_eq!(step.count_ones(), 1, "{b}");
        }
        let mut uut = GrayToBinary::<12>::default();
        uut.connect_all();
        for b in [0u64, 1, 2, 3, 1000, 2047, 4095] {
            uut.gray.next = to_gray(b).to_bits();
            exo_hdl_common::sim::settle(&mut uut);
            assert_eq!(uut.binary.val().to_u64(), b);
        }
    }

    #[test]
    fn gray_to_binary_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut GrayToBinary::<12>::default(), "gray")
            .expect("yosys synth_ecp5");
    }
}
