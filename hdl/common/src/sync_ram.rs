//! `SyncRam`: rust-hdl's `RAM` (one write port, one read port registered once, read data
//! the edge after its address) with yosys's `no_rw_check` on the memory.
//!
//! Why: the ECP5's DP16KD does not define what one port reads while the other writes the same
//! address. yosys keeps rust-hdl's "read the old data" by emulation: it delays every write by a
//! cycle and puts a bypass multiplexer (a registered address compare selecting the delayed
//! write data) behind the RAM's output. That multiplexer sits after the DP16KD's 5.8 ns
//! clock-to-data, where a 125 MHz cycle has no room left for logic and its routing.
//! `no_rw_check` says the collision never matters, so the RAM's data goes straight to
//! whatever register the user puts after it.
//!
//! The contract, for every user: a read of the address being written in the same cycle is
//! undefined, so the reader must never use such a read. The queues that use this RAM read only
//! bytes whose writes are complete and write only beyond them.
//!
//! The simulation holds the design to that contract: a colliding read returns the old data
//! with every bit inverted, a value no correct reader can depend on, so a test that relies on
//! a collision fails instead of passing on behaviour the hardware does not have.

use rust_hdl::prelude::*;
use std::collections::BTreeMap;

/// The RAM (see the module documentation): `W` data bits, `A` address bits.
#[derive(LogicBlock, Default)]
pub struct SyncRam<const W: usize, const A: usize> {
    pub read_address: Signal<In, Bits<A>>,
    pub read_clock: Signal<In, Clock>,
    pub read_data: Signal<Out, Bits<W>>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_clock: Signal<In, Clock>,
    pub write_data: Signal<In, Bits<W>>,
    pub write_enable: Signal<In, bool>,
    _memory: BTreeMap<Bits<A>, Bits<W>>,
}

impl<const W: usize, const A: usize> Logic for SyncRam<W, A> {
    fn update(&mut self) {
        let writing = self.write_clock.pos_edge() && self.write_enable.val();
        if self.read_clock.pos_edge() {
            let old = self
                ._memory
                .get(&self.read_address.val())
                .copied()
                .unwrap_or_default();
            let collision = writing && self.write_address.val() == self.read_address.val();
            self.read_data.next = if collision { !old } else { old };
        }
        if writing {
            self._memory
                .insert(self.write_address.val(), self.write_data.val());
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(ram_verilog("(* no_rw_check *)", W, A))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        ram_timing("sync_ram")
    }
}

/// The Verilog of a RAM with rust-hdl's `RAM` ports (one write port, a read port registered
/// once), `attribute` on its memory: what `SyncRam` and `LutRam` tell yosys apart.
pub(crate) fn ram_verilog(attribute: &str, width: usize, address_bits: usize) -> String {
    format!(
        "\
{attribute}
reg [{top}:0] mem [0:{last}];

always @(posedge read_clock) begin
   read_data <= mem[read_address];
end

always @(posedge write_clock) begin
   if (write_enable) begin
      mem[write_address] <= write_data;
   end
end
",
        top = width - 1,
        last = (1usize << address_bits) - 1
    )
}

/// The timing arcs of such a RAM, named `<name>_read` and `<name>_write`.
pub(crate) fn ram_timing(name: &str) -> Vec<TimingInfo> {
    vec![
        TimingInfo {
            name: format!("{name}_read"),
            clock: "read_clock".into(),
            inputs: vec!["read_address".into()],
            outputs: vec!["read_data".into()],
        },
        TimingInfo {
            name: format!("{name}_write"),
            clock: "write_clock".into(),
            inputs: vec![
                "write_address".into(),
                "write_data".into(),
                "write_enable".into(),
            ],
            outputs: vec![],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::settle;

    fn cycle(ram: &mut SyncRam<4, 4>) {
        for level in [true, false] {
            ram.write_clock.next = Clock { clk: level };
            ram.read_clock.next = Clock { clk: level };
            settle(ram);
        }
    }

    #[test]
    fn reads_return_what_was_written_the_edge_after_their_address() {
        let mut ram = SyncRam::<4, 4>::default();
        ram.connect_all();
        for a in 0..16u32 {
            ram.write_address.next = a.to_bits();
            ram.write_data.next = ((a * 5 + 3) % 16).to_bits();
            ram.write_enable.next = true;
            cycle(&mut ram);
        }
        ram.write_enable.next = false;
        for a in 0..16u32 {
            ram.read_address.next = a.to_bits();
            cycle(&mut ram);
            assert_eq!(
                ram.read_data.val().to_u32(),
                (a * 5 + 3) % 16,
                "address {a}"
            );
        }
    }

    #[test]
    fn a_colliding_read_returns_no_value_a_reader_could_use() {
        let mut ram = SyncRam::<4, 4>::default();
        ram.connect_all();
        ram.write_address.next = 7u32.to_bits();
        ram.write_data.next = 0b1010u32.to_bits();
        ram.write_enable.next = true;
        cycle(&mut ram);
        // Write 0b0011 at 7 while reading 7: neither the old nor the new value comes back.
        ram.write_data.next = 0b0011u32.to_bits();
        ram.read_address.next = 7u32.to_bits();
        cycle(&mut ram);
        assert_eq!(ram.read_data.val().to_u32(), 0b0101);
        // The write happened; an ordinary read sees it.
        ram.write_enable.next = false;
        cycle(&mut ram);
        assert_eq!(ram.read_data.val().to_u32(), 0b0011);
    }

    #[test]
    fn maps_to_block_ram_with_nothing_behind_it() {
        let mut ram = SyncRam::<4, 12>::default();
        let stats = crate::check_synthesizable(&mut ram, "sync_ram").expect("yosys synth_ecp5");
        assert_eq!(stats.dp16kd, 1, "{stats}");
        assert_eq!(
            (stats.lut4, stats.ff),
            (0, 0),
            "no write delay or bypass logic around the RAM: {stats}"
        );
    }
}
