//! `PulseCrossing`: event pulses from one clock domain to another.
//!
//! Each of the `W` lanes turns a one-cycle pulse in the source domain into a toggle of a
//! source register; the destination samples the toggles through two flip-flops (the first
//! may go metastable, the second settles) and a third, and pulses a lane for one cycle
//! when its sampled toggle changed. A lane may pulse at most once every four destination
//! cycles (its toggle must hold while it crosses): the events it carries are one per frame,
//! at least 64 cycles apart.
//!
//! Latency: 2–3 destination cycles. Ports: `source_clock`, `pulses` (in); `dest_clock`,
//! `out` (out).

use rust_hdl::prelude::*;

/// The crossing (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct PulseCrossing<const W: usize> {
    pub source_clock: Signal<In, Clock>,
    pub pulses: Signal<In, Bits<W>>,
    pub dest_clock: Signal<In, Clock>,
    pub out: Signal<Out, Bits<W>>,
    toggle: DFF<Bits<W>>,
    sync1: DFF<Bits<W>>,
    sync2: DFF<Bits<W>>,
    seen: DFF<Bits<W>>,
}

impl<const W: usize> Logic for PulseCrossing<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, source_clock, toggle);
        dff_setup!(self, dest_clock, sync1, sync2, seen);
        self.toggle.d.next = self.toggle.q.val() ^ self.pulses.val();
        self.sync1.d.next = self.toggle.q.val();
        self.sync2.d.next = self.sync1.q.val();
        self.seen.d.next = self.sync2.q.val();
        self.out.next = self.sync2.q.val() ^ self.seen.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtl::two_clocks::TwoClocks;

    /// Pulses at random moments in a 7 ns source domain arrive, each once, in an 8 ns one.
    #[test]
    fn every_pulse_arrives_once() {
        let mut uut = PulseCrossing::<2>::default();
        uut.connect_all();
        let mut clocks = TwoClocks::new(7_000, 8_000);
        let (mut sent, mut got) = ([0u32; 2], [0u32; 2]);
        let mut lane = 0usize;
        for step in 0..40_000u32 {
            let (source_edge, dest_edge) =
                clocks.advance(&mut uut, |u| &mut u.source_clock, |u| &mut u.dest_clock);
            if dest_edge {
                for (l, g) in got.iter_mut().enumerate() {
                    *g += u32::from(uut.out.val().get_bit(l));
                }
            }
            if source_edge {
                let fire = step % 97 == 0;
                uut.pulses.next = if fire {
                    (1u32 << lane).to_bits()
                } else {
                    0.into()
                };
                if fire {
                    sent[lane] += 1;
                    lane = 1 - lane;
                }
            }
        }
        for _ in 0..64 {
            let (_, dest_edge) =
                clocks.advance(&mut uut, |u| &mut u.source_clock, |u| &mut u.dest_clock);
            uut.pulses.next = 0.into();
            if dest_edge {
                for (l, g) in got.iter_mut().enumerate() {
                    *g += u32::from(uut.out.val().get_bit(l));
                }
            }
        }
        assert!(sent[0] > 50 && sent[1] > 50);
        assert_eq!(got, sent);
    }

    #[test]
    fn pulse_crossing_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut PulseCrossing::<3>::default(), "pulse_crossing")
            .expect("yosys synth_ecp5");
    }
}
