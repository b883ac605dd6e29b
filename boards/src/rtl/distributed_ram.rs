//! `DistributedRam`: a small RAM in the ECP5's LUTs (TRELLIS_DPR16X4 cells) with a write port
//! on one clock and a combinational read port, usable from another clock.
//!
//! The receive crossing reads the entry at its read pointer in the same cycle it decides
//! whether to take it (it must see a frame's `last` before it starts the next frame), which
//! is what a distributed RAM's asynchronous read gives. Reading an entry while another is
//! written is safe; the crossing never reads an entry before the write pointer that covers
//! it has crossed over, two of the reader's edges after the write.
//!
//! Parameters: `D` (data), `A` (address bits). Ports: `write_clock`, `write_address`,
//! `write_data`, `write_enable`; `read_address`, `read_data` (combinational).

use rust_hdl::prelude::*;
use std::collections::BTreeMap;

/// The RAM (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct DistributedRam<D: Synth, const A: usize> {
    pub write_clock: Signal<In, Clock>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, D>,
    pub write_enable: Signal<In, Bit>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, D>,
    _memory: BTreeMap<Bits<A>, D>,
}

impl<D: Synth, const A: usize> Logic for DistributedRam<D, A> {
    fn update(&mut self) {
        if self.write_clock.pos_edge() && self.write_enable.val() {
            self._memory
                .insert(self.write_address.val(), self.write_data.val());
        }
        self.read_data.next = self
            ._memory
            .get(&self.read_address.val())
            .copied()
            .unwrap_or_default();
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
(* ram_style = \"distributed\" *)
reg [{top}:0] mem [0:{last}];

always @(posedge write_clock) begin
    if (write_enable) begin
        mem[write_address] <= write_data;
    end
end

always @(*) begin
    read_data = mem[read_address];
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
    fn maps_to_distributed_ram_cells() {
        let mut ram = DistributedRam::<Bits<10>, 4>::default();
        let stats = exo_hdl_common::check_synthesizable(&mut ram, "distributed_ram")
            .expect("yosys synth_ecp5");
        assert_eq!(stats.dp16kd, 0, "{stats}");
        assert_eq!(stats.lutram, 3, "16 × 10 bits in 16 × 4 cells: {stats}");
        assert_eq!(stats.ff, 0, "{stats}");
    }
}
