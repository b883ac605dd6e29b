//! `TokenTimer`: notices that the token is lost.
//!
//! The golden model arms a timer whenever the token moves: with the token at a holder `k`
//! ring steps before this host, this host's deadline is `k` token timeouts later, and after
//! that it repeats once per trip around the ring (`len` timeouts). In epoch mode a deadline
//! reports `TokenLost` to the host software, which starts an epoch change.
//!
//! The timer counts cycles left in the current timeout (`left`, down to zero) and timeouts
//! left (`slots_left`), so a deadline of `k × timeout` cycles needs no multiplier and every
//! decision is a zero test, kept in flags beside the counts (`left_zero`, `slots_one`…) so that
//! `fire`, which the core's record logic waits for, is two gates from flip-flops: `fire` is high for one cycle exactly `slots × timeout` cycles after
//! the cycle `arm` was high, then every `ring_len × timeout` cycles until `arm` or `stop`.
//!
//! `arm`, `slots` and `stop` come from the protocol core's verdict logic: they are registered
//! on entry (with the period in force) and applied a cycle later, as if the count had already
//! run for that cycle, so the deadlines fall on the same cycles as if applied at once. A
//! deadline of the old count in the cycle an arm or a stop waits in its register is dropped,
//! as the arm or stop would have replaced it.

use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct TokenTimer {
    pub clock: Signal<In, Clock>,
    /// Synchronous: disarmed, timeout back to `default_timeout`.
    pub reset: Signal<In, Bit>,
    /// Pulse: the token moved; the first deadline is `slots` timeouts away (`slots` ≥ 1).
    pub arm: Signal<In, Bit>,
    pub slots: Signal<In, Bits<9>>,
    /// Pulse: no deadline until the next `arm` (the engine stopped or halted).
    pub stop: Signal<In, Bit>,
    /// Members in the ring: the period of repeated deadlines, in timeouts.
    pub ring_len: Signal<In, Bits<9>>,
    /// Pulse: load `timeout_in` as the timeout (cycles, not 0: the control port drops a 0,
    /// so that this enable comes from its flip-flop with no test in between); takes effect at the
    /// next `arm`.
    pub set_timeout: Signal<In, Bit>,
    pub timeout_in: Signal<In, Bits<24>>,
    /// The timeout in cycles.
    pub timeout: Signal<Out, Bits<24>>,
    /// One cycle at every deadline.
    pub fire: Signal<Out, Bit>,
    default_timeout: Constant<Bits<24>>,
    pub armed_r: DFF<Bit>,
    left: DFF<Bits<24>>,
    /// timeout − 1, written with the timeout.
    period: DFF<Bits<24>>,
    pub slots_left: DFF<Bits<9>>,
    timeout_r: DFF<Bits<24>>,
    /// `arm`, `slots`, `stop` and the period, as of the last edge.
    arm_q: DFF<Bit>,
    slots_q: DFF<Bits<9>>,
    stop_q: DFF<Bit>,
    period_q: DFF<Bits<24>>,
    /// `left == 0`, `left == 1`, `slots_left == 1`, `period == 0`, `period == 1`, and the
    /// same of `period_q` and `slots_q`, each written with the value it describes (and
    /// matching the power-up zeros of the counts).
    left_zero: DFFWithInit<Bit>,
    left_one: DFF<Bit>,
    slots_one: DFF<Bit>,
    period_zero: DFFWithInit<Bit>,
    period_one: DFF<Bit>,
    period_q_zero: DFFWithInit<Bit>,
    period_q_one: DFF<Bit>,
    period_q_two: DFF<Bit>,
    period_two: DFF<Bit>,
    slots_q_one: DFF<Bit>,
    slots_q_two: DFF<Bit>,
    ring_one: Signal<Local, Bit>,
}

impl TokenTimer {
    /// A timer whose timeout after reset is `cycles` (1 to 2^24 − 1).
    pub fn new(cycles: u32) -> TokenTimer {
        assert!((1..1 << 24).contains(&cycles));
        TokenTimer {
            clock: Default::default(),
            reset: Default::default(),
            arm: Default::default(),
            slots: Default::default(),
            stop: Default::default(),
            ring_len: Default::default(),
            set_timeout: Default::default(),
            timeout_in: Default::default(),
            timeout: Default::default(),
            fire: Default::default(),
            default_timeout: Constant::new((cycles as u64).to_bits()),
            armed_r: Default::default(),
            left: Default::default(),
            period: Default::default(),
            slots_left: Default::default(),
            timeout_r: Default::default(),
            arm_q: Default::default(),
            slots_q: Default::default(),
            stop_q: Default::default(),
            period_q: Default::default(),
            left_zero: DFFWithInit::new(true),
            left_one: Default::default(),
            slots_one: Default::default(),
            period_zero: DFFWithInit::new(true),
            period_one: Default::default(),
            period_q_zero: DFFWithInit::new(true),
            period_q_one: Default::default(),
            period_q_two: Default::default(),
            period_two: Default::default(),
            slots_q_one: Default::default(),
            slots_q_two: Default::default(),
            ring_one: Default::default(),
        }
    }
}

impl Logic for TokenTimer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            armed_r,
            left,
            period,
            slots_left,
            timeout_r,
            arm_q,
            slots_q,
            stop_q,
            period_q,
            left_zero,
            left_one,
            slots_one,
            period_zero,
            period_one,
            period_two,
            period_q_zero,
            period_q_one,
            period_q_two,
            slots_q_one,
            slots_q_two
        );
        self.arm_q.d.next = self.arm.val() & !self.reset.val();
        self.slots_q.d.next = self.slots.val();
        self.slots_q_one.d.next = self.slots.val() == 1;
        self.slots_q_two.d.next = self.slots.val() == 2;
        self.stop_q.d.next = self.stop.val() & !self.reset.val();
        self.period_q.d.next = self.period.q.val();
        self.period_q_zero.d.next = self.period_zero.q.val();
        self.period_q_one.d.next = self.period_one.q.val();
        self.period_q_two.d.next = self.period_two.q.val();
        self.ring_one.next = self.ring_len.val() == 1;
        self.timeout.next = self.timeout_r.q.val();
        self.fire.next = false;
        if self.armed_r.q.val() & !self.arm_q.q.val() & !self.stop_q.q.val() {
            if self.left_zero.q.val() {
                self.left.d.next = self.period.q.val();
                self.left_zero.d.next = self.period_zero.q.val();
                self.left_one.d.next = self.period_one.q.val();
                if self.slots_one.q.val() {
                    self.fire.next = true;
                    self.slots_left.d.next = self.ring_len.val();
                    self.slots_one.d.next = self.ring_one.val();
                } else {
                    self.slots_left.d.next = self.slots_left.q.val() - 1;
                    self.slots_one.d.next = self.slots_left.q.val() == 2;
                }
            } else {
                self.left.d.next = self.left.q.val() - 1;
                self.left_zero.d.next = self.left_one.q.val();
                self.left_one.d.next = self.left.q.val() == 2;
            }
        }
        if self.set_timeout.val() {
            self.timeout_r.d.next = self.timeout_in.val();
            self.period.d.next = self.timeout_in.val() - 1;
            self.period_zero.d.next = self.timeout_in.val() == 1;
            self.period_one.d.next = self.timeout_in.val() == 2;
            self.period_two.d.next = self.timeout_in.val() == 3;
        }
        // An arm taken at the last edge: the count starts at (period, slots) one cycle ago, so
        // it has run for one cycle already.
        if self.arm_q.q.val() {
            self.armed_r.d.next = true;
            if !self.period_q_zero.q.val() {
                self.left.d.next = self.period_q.q.val() - 1;
                self.left_zero.d.next = self.period_q_one.q.val();
                self.left_one.d.next = self.period_q_two.q.val();
                self.slots_left.d.next = self.slots_q.q.val();
                self.slots_one.d.next = self.slots_q_one.q.val();
            } else {
                self.left.d.next = 0.into();
                self.left_zero.d.next = true;
                self.left_one.d.next = false;
                if self.slots_q_one.q.val() {
                    self.fire.next = true;
                    self.slots_left.d.next = self.ring_len.val();
                    self.slots_one.d.next = self.ring_one.val();
                } else {
                    self.slots_left.d.next = self.slots_q.q.val() - 1;
                    self.slots_one.d.next = self.slots_q_two.q.val();
                }
            }
        }
        if self.stop_q.q.val() {
            self.armed_r.d.next = false;
        }
        if self.reset.val() {
            self.armed_r.d.next = false;
            self.timeout_r.d.next = self.default_timeout.val();
            self.period.d.next = self.default_timeout.val() - 1;
            self.period_zero.d.next = self.default_timeout.val() == 1;
            self.period_one.d.next = self.default_timeout.val() == 2;
            self.period_two.d.next = self.default_timeout.val() == 3;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle};

    fn clock(t: &mut TokenTimer) -> &mut Signal<In, Clock> {
        &mut t.clock
    }

    /// Cycles (counted from the arm cycle) at which `fire` is high, over `span` cycles.
    fn fires(timeout: u32, slots: u64, ring_len: u64, span: u64) -> Vec<u64> {
        fires_after_set(timeout, None, slots, ring_len, span)
    }

    /// `fires`, with the timeout optionally changed by `set_timeout` before the arm.
    fn fires_after_set(
        timeout: u32,
        set: Option<u32>,
        slots: u64,
        ring_len: u64,
        span: u64,
    ) -> Vec<u64> {
        let mut t = TokenTimer::new(timeout);
        t.connect_all();
        t.reset.next = true;
        settle(&mut t);
        cycle(&mut t, clock);
        t.reset.next = false;
        if let Some(cycles) = set {
            t.set_timeout.next = true;
            t.timeout_in.next = u64::from(cycles).to_bits();
            settle(&mut t);
            cycle(&mut t, clock);
            t.set_timeout.next = false;
        }
        t.ring_len.next = ring_len.to_bits();
        t.arm.next = true;
        t.slots.next = slots.to_bits();
        let mut out = Vec::new();
        for c in 0..span {
            settle(&mut t);
            if t.fire.val() {
                out.push(c);
            }
            cycle(&mut t, clock);
            t.arm.next = false;
        }
        out
    }

    #[test]
    fn deadlines_fall_on_the_models_slots() {
        // Model: deadline k = since + (steps + k × len) × timeout.
        for (timeout, steps, len) in [
            (1, 1, 1),
            (1, 3, 2),
            (2, 1, 1),
            (2, 2, 3),
            (3, 2, 5),
            (3, 1, 2),
            (7, 4, 4),
            (6250, 3, 5),
        ] {
            let span = (steps + 3 * len) * timeout as u64 + 1;
            let want: Vec<u64> = (0..4).map(|k| (steps + k * len) * timeout as u64).collect();
            assert_eq!(
                fires(timeout, steps, len, span),
                want,
                "timeout {timeout}, steps {steps}, len {len}"
            );
        }
    }

    #[test]
    fn a_new_timeout_sets_the_deadlines() {
        // Every small period, where the count's zero and one flags matter, loaded through
        // `set_timeout` (the reset loads the other flags from the default).
        for (set, steps, len) in [(1, 2, 3), (2, 1, 2), (3, 3, 1), (4, 2, 2), (1000, 1, 3)] {
            let span = (steps + 3 * len) * set as u64 + 1;
            let want: Vec<u64> = (0..4).map(|k| (steps + k * len) * set as u64).collect();
            assert_eq!(
                fires_after_set(5, Some(set), steps, len, span),
                want,
                "timeout set to {set}, steps {steps}, len {len}"
            );
        }
    }

    #[test]
    fn stop_disarms() {
        let mut t = TokenTimer::new(2);
        t.connect_all();
        t.reset.next = true;
        settle(&mut t);
        cycle(&mut t, clock);
        t.reset.next = false;
        t.ring_len.next = 3u64.to_bits();
        t.arm.next = true;
        t.slots.next = 1u64.to_bits();
        settle(&mut t);
        cycle(&mut t, clock);
        t.arm.next = false;
        t.stop.next = true;
        settle(&mut t);
        cycle(&mut t, clock);
        t.stop.next = false;
        for _ in 0..20 {
            settle(&mut t);
            assert!(!t.fire.val());
            cycle(&mut t, clock);
        }
    }

    #[test]
    fn token_timer_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut TokenTimer::new(6250), "token_timer")
            .expect("yosys synth_ecp5");
    }
}
