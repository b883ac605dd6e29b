//! Aggregate: N receive streams in, one ordered transmit stream out — the serialization point
//! of the Exo network.
//!
//! Each input has its own [`FrameBuffer`] (store and forward, with a drop counter for frames
//! that found it full and an error counter for frames flagged bad). An arbiter grants the
//! output to one buffer holding a complete frame, streams that whole frame, and only then
//! grants again: frames are never interleaved, and each input's frames leave in the order
//! they came. Arbitration is round-robin: after input `g` has sent a frame, the inputs below
//! `g` (descending) are asked first, then the rest from the top, so every input with a frame
//! waiting is served within N frames.
//!
//! Timing: one cycle of arbitration between frames; a frame arriving at an idle aggregate
//! leaves its first beat 5 cycles after its last beat came in ([`AGGREGATE_LATENCY`]):
//! 4 in the buffer and 1 to grant. The output sustains one beat per cycle within a frame.
//!
//! Parameters: `N` (inputs, 2..=16), `A`/`AP1` (buffer address bits, see [`FrameBuffer`]).
//! Ports: `clock`; `inputs` (N frame streams in); `out` (frames out, valid/ready);
//! `drops`, `errors` (per input, 32-bit frame counters).

use crate::frame_buffer::{FrameBuffer, COUNTER_BITS};
use exo_hdl_common::{FrameRxIn, FrameTxOut};
use rust_hdl::prelude::*;

/// Cycles from a frame's last beat on an input to its first beat on the output, when the
/// aggregate is idle and the output ready.
pub const AGGREGATE_LATENCY: usize = 5;
/// Bits of the grant register: at most 16 inputs.
pub const GRANT_BITS: usize = 4;

/// The aggregate (see the module documentation).
#[derive(LogicBlock)]
pub struct Aggregate<const N: usize, const A: usize, const AP1: usize> {
    // Clock
    pub clock: Signal<In, Clock>,
    // Frames in
    pub inputs: [FrameRxIn; N],
    // Frames out
    pub out: FrameTxOut,
    // Status
    pub drops: [Signal<Out, Bits<COUNTER_BITS>>; N],
    pub errors: [Signal<Out, Bits<COUNTER_BITS>>; N],
    // Per-input buffers
    pub buffers: [FrameBuffer<A, AP1>; N],
    // Arbiter
    grant: DFF<Bits<GRANT_BITS>>,
    busy: DFF<Bit>,
    any: Signal<Local, Bit>,
    pick_any: Signal<Local, Bits<GRANT_BITS>>,
    any_below: Signal<Local, Bit>,
    pick_below: Signal<Local, Bits<GRANT_BITS>>,
}

impl<const N: usize, const A: usize, const AP1: usize> Default for Aggregate<N, A, AP1> {
    fn default() -> Self {
        assert!((2..=1 << GRANT_BITS).contains(&N), "N = {N}: 2..=16 inputs");
        Aggregate {
            clock: Default::default(),
            inputs: std::array::from_fn(|_| Default::default()),
            out: Default::default(),
            drops: std::array::from_fn(|_| Default::default()),
            errors: std::array::from_fn(|_| Default::default()),
            buffers: std::array::from_fn(|_| Default::default()),
            grant: Default::default(),
            busy: Default::default(),
            any: Default::default(),
            pick_any: Default::default(),
            any_below: Default::default(),
            pick_below: Default::default(),
        }
    }
}

impl<const N: usize, const A: usize, const AP1: usize> Logic for Aggregate<N, A, AP1> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, grant, busy);
        // Candidates: the highest-numbered input with a frame, and the highest below the
        // last grant (later assignments in the loop win).
        self.any.next = false;
        self.pick_any.next = 0.into();
        self.any_below.next = false;
        self.pick_below.next = 0.into();
        self.out.valid.next = false;
        self.out.data.next = 0.into();
        self.out.last.next = false;
        self.out.error.next = false;
        for i in 0..N {
            self.buffers[i].clock.next = self.clock.val();
            self.buffers[i].rx.data.next = self.inputs[i].data.val();
            self.buffers[i].rx.valid.next = self.inputs[i].valid.val();
            self.buffers[i].rx.last.next = self.inputs[i].last.val();
            self.buffers[i].rx.error.next = self.inputs[i].error.val();
            self.drops[i].next = self.buffers[i].drops.val();
            self.errors[i].next = self.buffers[i].errors.val();
            self.buffers[i].out.ready.next = false;
            if self.buffers[i].out.valid.val() {
                self.any.next = true;
                self.pick_any.next = i.to_bits();
                if self.grant.q.val().index() > i {
                    self.any_below.next = true;
                    self.pick_below.next = i.to_bits();
                }
            }
            if self.busy.q.val() & (self.grant.q.val().index() == i) {
                self.out.valid.next = self.buffers[i].out.valid.val();
                self.out.data.next = self.buffers[i].out.data.val();
                self.out.last.next = self.buffers[i].out.last.val();
                self.out.error.next = self.buffers[i].out.error.val();
                self.buffers[i].out.ready.next = self.out.ready.val();
            }
        }
        if self.busy.q.val() {
            if self.out.valid.val() & self.out.ready.val() & self.out.last.val() {
                self.busy.d.next = false;
            }
        } else if self.any_below.val() {
            self.grant.d.next = self.pick_below.val();
            self.busy.d.next = true;
        } else if self.any.val() {
            self.grant.d.next = self.pick_any.val();
            self.busy.d.next = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_is_synthesizable() {
        let mut uut = Aggregate::<4, 11, 12>::default();
        exo_hdl_common::check_synthesizable(&mut uut, "aggregate").unwrap();
    }
}
