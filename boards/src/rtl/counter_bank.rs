//! `CounterBank`: `N` event counters of 32 bits (wrapping) with one registered read port —
//! the board's counters of `exo_proto::host_link::board`.
//!
//! Each cycle, counter `i` counts up if `events` bit `i` is high; `value` shows the counter
//! at `index` one edge after `index` (0 for an index of `N` or more). The Verilog keeps the
//! counters in one vector and updates each lane in a loop (rust-hdl has no arrays of
//! registers); the Rust model is the same.
//!
//! Parameter: `N` (1..=16). Ports: `clock`, `events` (in), `index` (in), `value` (out).

use rust_hdl::prelude::*;

/// The bank (see the module documentation).
#[derive(LogicBlock)]
pub struct CounterBank<const N: usize> {
    pub clock: Signal<In, Clock>,
    pub events: Signal<In, Bits<N>>,
    pub index: Signal<In, Bits<4>>,
    pub value: Signal<Out, Bits<32>>,
    _counts: Vec<u32>,
}

impl<const N: usize> Default for CounterBank<N> {
    fn default() -> Self {
        assert!((1..=16).contains(&N), "N = {N}: the index has 4 bits");
        CounterBank {
            clock: Default::default(),
            events: Default::default(),
            index: Default::default(),
            value: Default::default(),
            _counts: vec![0; N],
        }
    }
}

impl<const N: usize> Logic for CounterBank<N> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let i = self.index.val().to_u32() as usize;
            self.value.next = self._counts.get(i).copied().unwrap_or(0).to_bits();
            let events = self.events.val().to_u64();
            for (lane, count) in self._counts.iter_mut().enumerate() {
                if events >> lane & 1 == 1 {
                    *count = count.wrapping_add(1);
                }
            }
        }
    }

    fn connect(&mut self) {
        self.value.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
reg [{top}:0] counts;
integer lane;

initial counts = {bits}'d0;

always @(posedge clock) begin
    for (lane = 0; lane < {n}; lane = lane + 1) begin
        if (events[lane]) begin
            counts[32 * lane +: 32] <= counts[32 * lane +: 32] + 32'd1;
        end
    end
    if ({{28'd0, index}} < {n}) begin
        value <= counts[32 * index +: 32];
    end else begin
        value <= 32'd0;
    end
end
",
            top = 32 * N - 1,
            bits = 32 * N,
            n = N
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::cycle;

    #[test]
    fn counts_each_lane_and_reads_one_edge_later() {
        let mut bank = CounterBank::<3>::default();
        bank.connect_all();
        for step in 0..10u32 {
            bank.events.next = ((step % 2) | (1 << 2)).to_bits();
            cycle(&mut bank, |b| &mut b.clock);
        }
        bank.events.next = 0.into();
        let mut seen = Vec::new();
        for i in [0u32, 1, 2, 3] {
            bank.index.next = i.to_bits();
            cycle(&mut bank, |b| &mut b.clock);
            seen.push(bank.value.val().to_u32());
        }
        assert_eq!(seen, [5, 0, 10, 0]);
    }

    #[test]
    fn counter_bank_is_synthesizable() {
        let stats =
            exo_hdl_common::check_synthesizable(&mut CounterBank::<15>::default(), "counters")
                .expect("yosys synth_ecp5");
        assert_eq!(stats.ff, 15 * 32 + 32, "{stats}");
    }
}
