//! `StreamSlice`: a register slice for a transmit stream (a two-entry skid buffer).
//!
//! It cuts every combinational path through a valid/ready handshake: `out` comes from a
//! register and `inp.ready` is a register too, so the consumer's `ready` never reaches the
//! producer's logic in the same cycle. Throughput is one beat per cycle; a stream whose
//! `valid` stays high from a frame's first beat to its last comes out the same way whenever
//! the consumer keeps `ready` high (what a MAC transmitter needs).
//!
//! Latency: a beat offered at edge `t` is on `out` after `t`. Ports: `clock`, `inp` (in),
//! `out` (out).

use crate::stream::{FrameTxIn, FrameTxOut};
use rust_hdl::prelude::*;

/// A beat: `{error, last, data}`.
const BEAT: usize = crate::stream::BEAT_BITS + 2;

/// The slice (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct StreamSlice {
    pub clock: Signal<In, Clock>,
    pub inp: FrameTxIn,
    pub out: FrameTxOut,
    main: DFF<Bits<BEAT>>,
    main_valid: DFF<Bit>,
    /// The beat taken while `out` was stalled.
    skid: DFF<Bits<BEAT>>,
    skid_valid: DFF<Bit>,
    incoming: Signal<Local, Bits<BEAT>>,
    push: Signal<Local, Bit>,
}

impl Logic for StreamSlice {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, main, main_valid, skid, skid_valid);
        self.incoming.next = bit_cast::<BEAT, 8>(self.inp.data.val())
            | (bit_cast::<BEAT, 1>(self.inp.last.val().into()) << 8)
            | (bit_cast::<BEAT, 1>(self.inp.error.val().into()) << 9);
        self.inp.ready.next = !self.skid_valid.q.val();
        self.push.next = self.inp.valid.val() & !self.skid_valid.q.val();
        self.out.valid.next = self.main_valid.q.val();
        self.out.data.next = self.main.q.val().get_bits::<8>(0);
        self.out.last.next = self.main.q.val().get_bit(8);
        self.out.error.next = self.main.q.val().get_bit(9);
        if !self.main_valid.q.val() | self.out.ready.val() {
            // The main register empties (or was empty): refill it, the skid first.
            if self.skid_valid.q.val() {
                self.main.d.next = self.skid.q.val();
                self.main_valid.d.next = true;
                self.skid_valid.d.next = false;
            } else {
                self.main.d.next = self.incoming.val();
                self.main_valid.d.next = self.push.val();
            }
        } else if self.push.val() {
            self.skid.d.next = self.incoming.val();
            self.skid_valid.d.next = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{cycle, settle};

    /// Random `valid` and `ready`: every beat comes out once, in order.
    #[test]
    fn passes_every_beat_in_order_under_random_handshakes() {
        let mut s = StreamSlice::default();
        s.connect_all();
        let mut state = 0x1234_5678_u32;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let (mut next_in, mut next_out) = (0u32, 0u32);
        for _ in 0..5000 {
            s.inp.valid.next = rand() % 3 != 0;
            s.inp.data.next = (next_in & 0xff).to_bits();
            s.inp.last.next = next_in % 7 == 6;
            s.out.ready.next = rand() % 4 != 0;
            settle(&mut s);
            if s.out.valid.val() && s.out.ready.val() {
                assert_eq!(s.out.data.val().to_u32(), next_out & 0xff);
                assert_eq!(s.out.last.val(), next_out % 7 == 6);
                next_out += 1;
            }
            if s.inp.valid.val() && s.inp.ready.val() {
                next_in += 1;
            }
            cycle(&mut s, |s| &mut s.clock);
        }
        assert!(next_out > 2000, "throughput: {next_out} beats");
    }

    /// A continuous source and a consumer that is ready from some cycle on: the output is
    /// continuous from then on, after the slice filled while the consumer waited.
    #[test]
    fn stays_continuous_once_the_consumer_is_ready() {
        let mut s = StreamSlice::default();
        s.connect_all();
        s.inp.valid.next = true;
        s.out.ready.next = false;
        for _ in 0..5 {
            cycle(&mut s, |s| &mut s.clock);
        }
        s.out.ready.next = true;
        for _ in 0..50 {
            settle(&mut s);
            assert!(s.out.valid.val(), "no bubble");
            cycle(&mut s, |s| &mut s.clock);
        }
    }

    #[test]
    fn stream_slice_is_synthesizable() {
        let stats = crate::check_synthesizable(&mut StreamSlice::default(), "stream_slice")
            .expect("yosys synth_ecp5");
        assert_eq!(stats.ff, 22, "two beats and their valid bits: {stats}");
    }
}
