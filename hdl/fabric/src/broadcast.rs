//! Broadcast: one transmit stream in, the same stream on N outputs — every host of the Exo
//! network, the sender included, sees every frame in the aggregate's order.
//!
//! A beat is offered to all outputs at once and leaves the input when every output has taken
//! it: an output that takes it early is marked and waits for the others, so no output ever
//! sees a beat twice or misses one. Outputs that are ready together (N identical MAC
//! transmitters on one clock are) move in lockstep and see each frame without gaps.
//!
//! Timing: combinational from input to outputs: 0 cycles ([`BROADCAST_LATENCY`]).
//!
//! Parameters: `N` (outputs, 2..=16). Ports: `clock`; `source` (valid/ready); `outputs` (N
//! frame streams out, valid/ready).

use exo_hdl_common::{FrameTxIn, FrameTxOut};
use rust_hdl::prelude::*;

/// Cycles from a beat on the input to the same beat on the outputs.
pub const BROADCAST_LATENCY: usize = 0;

/// The broadcast (see the module documentation).
#[derive(LogicBlock)]
pub struct Broadcast<const N: usize> {
    // Clock
    pub clock: Signal<In, Clock>,
    // Frames in
    pub source: FrameTxIn,
    // Frames out
    pub outputs: [FrameTxOut; N],
    /// Output `i` has taken the beat on the input; it waits for the others.
    taken: [DFF<Bit>; N],
    all_taken: Signal<Local, Bit>,
}

impl<const N: usize> Default for Broadcast<N> {
    fn default() -> Self {
        assert!((2..=16).contains(&N), "N = {N}: 2..=16 outputs");
        Broadcast {
            clock: Default::default(),
            source: Default::default(),
            outputs: std::array::from_fn(|_| Default::default()),
            taken: std::array::from_fn(|_| Default::default()),
            all_taken: Default::default(),
        }
    }
}

impl<const N: usize> Logic for Broadcast<N> {
    #[hdl_gen]
    fn update(&mut self) {
        // The beat leaves when each output has it: taken before, or taking it now.
        self.all_taken.next = true;
        for i in 0..N {
            self.taken[i].clock.next = self.clock.val();
            self.taken[i].d.next = self.taken[i].q.val();
            self.outputs[i].valid.next = self.source.valid.val() & !self.taken[i].q.val();
            self.outputs[i].data.next = self.source.data.val();
            self.outputs[i].last.next = self.source.last.val();
            self.outputs[i].error.next = self.source.error.val();
            if !(self.outputs[i].ready.val() | self.taken[i].q.val()) {
                self.all_taken.next = false;
            }
        }
        self.source.ready.next = self.all_taken.val();
        for i in 0..N {
            if self.source.valid.val() & self.all_taken.val() {
                self.taken[i].d.next = false;
            } else if self.outputs[i].valid.val() & self.outputs[i].ready.val() {
                self.taken[i].d.next = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_is_synthesizable() {
        let mut uut = Broadcast::<4>::default();
        exo_hdl_common::check_synthesizable(&mut uut, "broadcast").unwrap();
    }
}
