//! A 32-bit event counter: adds one in each cycle its `pulse` input is high.
//!
//! The MAC's status counters. They wrap at 2^32 (over 48 minutes of minimum-size frames at
//! 1 Gb/s): a reader takes differences. They start at zero when the FPGA is configured
//! (rust-hdl registers have initial values and no reset).
//!
//! Ports: `clock`; `pulse` (count this cycle); `count` (the total, registered).

use rust_hdl::prelude::*;

/// Bits of every counter.
pub const COUNTER_BITS: usize = 32;

/// The counter (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct EventCounter {
    pub clock: Signal<In, Clock>,
    pub pulse: Signal<In, Bit>,
    pub count: Signal<Out, Bits<COUNTER_BITS>>,
    total: DFF<Bits<COUNTER_BITS>>,
}

impl Logic for EventCounter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, total);
        self.count.next = self.total.q.val();
        if self.pulse.val() {
            self.total.d.next = self.total.q.val() + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim;

    #[test]
    fn counts_the_cycles_with_an_event() {
        let mut uut = EventCounter::default();
        uut.connect_all();
        let pattern = [true, false, true, true, false, false, true];
        for &e in &pattern {
            uut.pulse.next = e;
            sim::cycle(&mut uut, |u| &mut u.clock);
        }
        assert_eq!(uut.count.val().to_u32(), 4);
    }

    #[test]
    fn event_counter_is_synthesizable() {
        let mut uut = EventCounter::default();
        exo_hdl_common::check_synthesizable(&mut uut, "event_counter").unwrap();
    }
}
