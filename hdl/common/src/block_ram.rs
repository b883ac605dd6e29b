//! A simple dual-port block RAM with a registered output: what the fabric's input buffers and
//! the boards' receive buffers store frames in. One DP16KD on the ECP5 for 2048 × 9. The write
//! port and the read port have their own clocks (the same one in the fabric; a PHY's receive
//! clock and the engine's on a board).
//!
//! A read takes two edges of `read_clock`: the address is sampled at one, the data is in the
//! output register after the next (`read_data`). The register is there for timing: yosys maps
//! the DP16KD without its own output register, whose clock-to-out (5.8 ns in nextpnr's
//! model) leaves no room at 125 MHz for any logic after it; a flip-flop fed straight from the
//! RAM does fit.
//!
//! For that flip-flop to be fed *straight*, the memory carries yosys's `no_rw_check`: a read
//! of the address being written in the same cycle is undefined, which spares the bypass
//! logic yosys would otherwise put between the RAM and the register. The buffers never do
//! that: they read only committed beats (on a board, only once the commit has crossed over)
//! and write only beyond them. (The simulation model returns the old data in that case.)
//!
//! Parameters: `D` (data), `A` (address bits). Ports: `write_clock`, `write_address`,
//! `write_data`, `write_enable`; `read_clock`, `read_address`, `read_data`.

use rust_hdl::prelude::*;
use std::collections::BTreeMap;

/// The RAM (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct BlockRam<D: Synth, const A: usize> {
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

impl<D: Synth, const A: usize> Logic for BlockRam<D, A> {
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
    use crate::sim::settle;

    #[test]
    fn reads_take_two_cycles_and_return_what_was_written() {
        let mut ram = BlockRam::<Bits<9>, 4>::default();
        ram.connect_all();
        // One clock on both ports, as in the fabric.
        let cycle = |ram: &mut BlockRam<Bits<9>, 4>| {
            for level in [true, false] {
                ram.write_clock.next = Clock { clk: level };
                ram.read_clock.next = Clock { clk: level };
                settle(ram);
            }
        };
        for a in 0..16u32 {
            ram.write_address.next = a.to_bits();
            ram.write_data.next = (a * 7 + 3).to_bits();
            ram.write_enable.next = true;
            cycle(&mut ram);
        }
        ram.write_enable.next = false;
        let mut seen = Vec::new();
        for a in 0..18u32 {
            ram.read_address.next = (a % 16).to_bits();
            cycle(&mut ram);
            seen.push(ram.read_data.val().to_u32());
        }
        // seen[k] is read_data in the cycle after edge k: the address set before edge k is
        // sampled there, its data is in the output register after edge k + 1.
        let want: Vec<u32> = (0..16).map(|a| a * 7 + 3).collect();
        assert_eq!(&seen[1..17], &want[..], "data two edges after its address");
    }

    #[test]
    fn block_ram_maps_to_one_dp16kd_and_a_plain_register() {
        let mut ram = BlockRam::<Bits<9>, 11>::default();
        let stats = crate::check_synthesizable(&mut ram, "block_ram").unwrap();
        assert_eq!(stats.dp16kd, 1, "{stats}");
        assert_eq!(stats.ff, 9, "the output register: {stats}");
        assert_eq!(
            stats.lut4, 0,
            "no bypass logic between RAM and register: {stats}"
        );
    }
}
