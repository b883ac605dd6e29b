//! `StatusLeds`: what the board's LEDs show, from the engine's status and the ports' traffic.
//!
//! Time is cut into windows of 2^`W` cycles (2^24 at 125 MHz: 134 ms). An LED for an event
//! is lit for the window after one in which the event happened:
//!
//! - `exo_link`: a good frame arrived on the Exo network port (a running ring sends frames
//!   all the time: empty messages pass the token);
//! - `host_link`: a host link frame arrived on the host port;
//! - `token`: the engine held the token;
//! - `anomaly`: the engine is halted (directly, not windowed).
//!
//! `status` puts the four on one LED for boards that have only one: blinking (2^`W` cycles
//! on, 2^`W` off) when halted, else lit while the token comes round, else dimly lit (one
//! cycle in eight) while the Exo network port has traffic, else dark. All outputs are
//! registered and active high (the board top inverts them for active-low LEDs).

use rust_hdl::prelude::*;

/// The block (see the module documentation).
#[derive(LogicBlock)]
pub struct StatusLeds<const W: usize> {
    pub clock: Signal<In, Clock>,
    // ---- Events and status
    pub exo_frame: Signal<In, Bit>,
    pub host_frame: Signal<In, Bit>,
    pub token: Signal<In, Bit>,
    pub halted: Signal<In, Bit>,
    // ---- LEDs
    pub exo_link: Signal<Out, Bit>,
    pub host_link: Signal<Out, Bit>,
    pub token_led: Signal<Out, Bit>,
    pub anomaly: Signal<Out, Bit>,
    pub status: Signal<Out, Bit>,
    tick: DFF<Bits<W>>,
    exo_seen: DFF<Bit>,
    host_seen: DFF<Bit>,
    token_seen: DFF<Bit>,
    exo_on: DFF<Bit>,
    host_on: DFF<Bit>,
    token_on: DFF<Bit>,
    anomaly_on: DFF<Bit>,
    status_on: DFF<Bit>,
    window_end: Signal<Local, Bit>,
    /// 2^(W−1): the tick's top bit.
    half: Constant<Bits<W>>,
}

impl<const W: usize> Default for StatusLeds<W> {
    fn default() -> Self {
        StatusLeds {
            clock: Default::default(),
            exo_frame: Default::default(),
            host_frame: Default::default(),
            token: Default::default(),
            halted: Default::default(),
            exo_link: Default::default(),
            host_link: Default::default(),
            token_led: Default::default(),
            anomaly: Default::default(),
            status: Default::default(),
            tick: Default::default(),
            exo_seen: Default::default(),
            host_seen: Default::default(),
            token_seen: Default::default(),
            exo_on: Default::default(),
            host_on: Default::default(),
            token_on: Default::default(),
            anomaly_on: Default::default(),
            status_on: Default::default(),
            window_end: Default::default(),
            half: Constant::new((1u64 << (W - 1)).to_bits()),
        }
    }
}

impl<const W: usize> Logic for StatusLeds<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, tick, exo_seen, host_seen, token_seen, exo_on, host_on, token_on,
            anomaly_on, status_on
        );
        self.tick.d.next = self.tick.q.val() + 1;
        self.window_end.next = self.tick.q.val().all();
        self.exo_seen.d.next = self.exo_seen.q.val() | self.exo_frame.val();
        self.host_seen.d.next = self.host_seen.q.val() | self.host_frame.val();
        self.token_seen.d.next = self.token_seen.q.val() | self.token.val();
        if self.window_end.val() {
            self.exo_on.d.next = self.exo_seen.q.val() | self.exo_frame.val();
            self.host_on.d.next = self.host_seen.q.val() | self.host_frame.val();
            self.token_on.d.next = self.token_seen.q.val() | self.token.val();
            self.exo_seen.d.next = false;
            self.host_seen.d.next = false;
            self.token_seen.d.next = false;
        }
        self.anomaly_on.d.next = self.halted.val();
        self.status_on.d.next = false;
        if self.halted.val() {
            self.status_on.d.next = self.tick.q.val() >= self.half.val();
        } else if self.token_on.q.val() {
            self.status_on.d.next = true;
        } else if self.exo_on.q.val() {
            self.status_on.d.next = self.tick.q.val().get_bits::<3>(0) == 0;
        }
        self.exo_link.next = self.exo_on.q.val();
        self.host_link.next = self.host_on.q.val();
        self.token_led.next = self.token_on.q.val();
        self.anomaly.next = self.anomaly_on.q.val();
        self.status.next = self.status_on.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::cycle;

    #[test]
    fn leds_follow_events_a_window_later() {
        let mut leds = StatusLeds::<6>::default();
        leds.connect_all();
        let mut status = Vec::new();
        for t in 0..256u32 {
            leds.exo_frame.next = t < 64 && t % 10 == 0;
            leds.token.next = (64..128).contains(&t) && t % 16 == 0;
            leds.halted.next = t >= 192;
            cycle(&mut leds, |l| &mut l.clock);
            if t == 100 {
                assert!(leds.exo_link.val() && !leds.token_led.val());
            }
            if t == 150 {
                assert!(leds.token_led.val() && !leds.exo_link.val());
            }
            if t >= 194 {
                assert!(leds.anomaly.val());
            }
            status.push(leds.status.val());
        }
        let dim: usize = status[66..127].iter().filter(|&&s| s).count();
        assert!(
            (6..=10).contains(&dim),
            "dim: lit one cycle in eight: {dim}"
        );
        assert!(
            status[130..191].iter().all(|&s| s),
            "lit while the token comes round"
        );
        let blink: usize = status[194..256].iter().filter(|&&s| s).count();
        assert!((20..=40).contains(&blink), "blinks when halted: {blink}");
    }

    #[test]
    fn status_leds_are_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut StatusLeds::<24>::default(), "status_leds")
            .expect("yosys synth_ecp5");
    }
}
