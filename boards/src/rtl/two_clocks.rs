//! Two unrelated clocks for block tests of the clock-domain crossings: each clock has its
//! own period (in picoseconds), and [`TwoClocks::advance`] moves simulated time to the next
//! edge of either, settling the design after it. The crossings are tested with periods that
//! drift against each other, so that every phase between the two clocks occurs.

use exo_hdl_common::sim::settle;
use rust_hdl::prelude::*;

/// The simulated time of both clocks' next edges.
pub struct TwoClocks {
    half_a: u64,
    half_b: u64,
    next_a: u64,
    next_b: u64,
    high_a: bool,
    high_b: bool,
}

impl TwoClocks {
    /// Clocks of `period_a_ps` and `period_b_ps`; b starts a third of its period late.
    pub fn new(period_a_ps: u64, period_b_ps: u64) -> TwoClocks {
        TwoClocks {
            half_a: period_a_ps / 2,
            half_b: period_b_ps / 2,
            next_a: period_a_ps / 2,
            next_b: period_b_ps / 2 + period_b_ps / 3,
            high_a: false,
            high_b: false,
        }
    }

    /// Moves to the next edge (or two simultaneous edges), applies it and settles. Returns
    /// whether clock a and clock b rose.
    pub fn advance<B: Block>(
        &mut self,
        uut: &mut B,
        a: fn(&mut B) -> &mut Signal<In, Clock>,
        b: fn(&mut B) -> &mut Signal<In, Clock>,
    ) -> (bool, bool) {
        let now = self.next_a.min(self.next_b);
        let (mut rose_a, mut rose_b) = (false, false);
        if self.next_a == now {
            self.high_a = !self.high_a;
            rose_a = self.high_a;
            a(uut).next = Clock { clk: self.high_a };
            self.next_a += self.half_a;
        }
        if self.next_b == now {
            self.high_b = !self.high_b;
            rose_b = self.high_b;
            b(uut).next = Clock { clk: self.high_b };
            self.next_b += self.half_b;
        }
        settle(uut);
        (rose_a, rose_b)
    }
}
