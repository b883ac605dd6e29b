//! `LutRam`: rust-hdl's `RAM` (one registered read port, one write port), mapped to the
//! ECP5's distributed RAM instead of a block RAM.
//!
//! A DP16KD's data arrives 5.8 ns after the clock — most of a 125 MHz cycle — so a small
//! memory whose data feeds logic in the same cycle belongs in LUTs, where the read is
//! combinational and the registered output leaves the flip-flop 0.5 ns after the clock. The
//! Verilog asks yosys for that with `ram_style = "distributed"`; the simulation is the same as
//! rust-hdl's `RAM`.

use crate::sync_ram::{ram_timing, ram_verilog};
use rust_hdl::prelude::*;
use std::collections::BTreeMap;

#[derive(LogicBlock, Default)]
pub struct LutRam<D: Synth, const N: usize> {
    pub read_address: Signal<In, Bits<N>>,
    pub read_clock: Signal<In, Clock>,
    pub read_data: Signal<Out, D>,
    pub write_address: Signal<In, Bits<N>>,
    pub write_clock: Signal<In, Clock>,
    pub write_data: Signal<In, D>,
    pub write_enable: Signal<In, bool>,
    _sim: BTreeMap<Bits<N>, D>,
}

impl<D: Synth, const N: usize> Logic for LutRam<D, N> {
    fn update(&mut self) {
        if self.read_clock.pos_edge() {
            self.read_data.next = *self
                ._sim
                .get(&self.read_address.val())
                .unwrap_or(&D::default());
        }
        if self.write_clock.pos_edge() && self.write_enable.val() {
            self._sim
                .insert(self.write_address.val(), self.write_data.val());
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(ram_verilog("(* ram_style = \"distributed\" *)", D::BITS, N))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        ram_timing("lutram")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_distributed_ram() {
        let mut ram = LutRam::<Bits<8>, 8>::default();
        let stats = crate::check_synthesizable(&mut ram, "lutram").expect("yosys synth_ecp5");
        assert_eq!(stats.dp16kd, 0, "{stats}");
        assert!(stats.lutram > 0, "{stats}");
    }
}
