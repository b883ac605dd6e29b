//! `DualClockRam`: a block RAM (one DP16KD for 2048 × 9) written on one clock and read on
//! another, with a register after the read.
//!
//! A read takes two edges of the read clock: the address is sampled at one, the data is in
//! the output register after the next. The register is there for timing, as in the fabric's
//! `BlockRam`: the DP16KD's own clock-to-out (5.8 ns in nextpnr's model) leaves no room at
//! 125 MHz for logic after it, a flip-flop fed straight from it does fit. `no_rw_check`
//! spares the bypass logic yosys would otherwise add for a read of the address being
//! written; the frame crossing never reads an entry before its frame was committed and the
//! commit crossed over.
//!
//! Parameters: `D` (data), `A` (address bits). Ports: `write_clock`, `write_address`,
//! `write_data`, `write_enable`; `read_clock`, `read_address`, `read_data`.

use rust_hdl::prelude::*;
use std::collections::BTreeMap;

/// The RAM (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct DualClockRam<D: Synth, const A: usize> {
    pub write_clock: Signal<In, Clock>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, D>,
    pub write_enable: Signal<In, Bit>,
    pub read_clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, D>,
    _memory: BTreeMap<Bits<A>, D>,
    _read_raw: D,
}

impl<D: Synth, const A: usize> Logic for DualClockRam<D, A> {
    fn update(&mut self) {
        if self.read_clock.pos_edge() {
            self.read_data.next = self._read_raw;
            self._read_raw = self
                ._memory
                .get(&self.read_address.val())
                .copied()
                .unwrap_or_default();
        }
        if self.write_clock.pos_edge() && self.write_enable.val() {
            self._memory
                .insert(self.write_address.val(), self.write_data.val());
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
(* no_rw_check *)
reg [{top}:0] mem [0:{last}];
reg [{top}:0] read_raw;

always @(posedge write_clock) begin
    if (write_enable) begin
        mem[write_address] <= write_data;
    end
end

always @(posedge read_clock) begin
    read_raw <= mem[read_address];
    read_data <= read_raw;
end
",
            top = D::BITS - 1,
            last = (1usize << A) - 1
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_one_dp16kd_and_a_plain_register() {
        let mut ram = DualClockRam::<Bits<9>, 11>::default();
        let stats = exo_hdl_common::check_synthesizable(&mut ram, "dual_clock_ram")
            .expect("yosys synth_ecp5");
        assert_eq!(stats.dp16kd, 1, "{stats}");
        assert_eq!(stats.ff, 9, "the output register: {stats}");
        assert_eq!(stats.lut4, 0, "no bypass logic: {stats}");
    }
}
