//! The Exo network in one block: [`Aggregate`] (N inputs → one ordered stream) feeding
//! [`Broadcast`] (that stream → N outputs). What `exo_fabric.v` holds.
//!
//! Input `i` and output `i` belong to host `i`: a host's frames come back to it in the same
//! order every other host sees them.
//!
//! Timing: a frame arriving at an idle fabric with ready outputs leaves its first beat on all
//! outputs [`FABRIC_LATENCY`] = 5 cycles after its last beat came in (store and forward:
//! the whole frame is in first).
//!
//! Parameters: `N` (hosts, 2..=16), `A`/`AP1` (per-input buffer address bits). Ports:
//! `clock`; `inputs` (N receive streams, e.g. from N MAC receivers); `outputs` (N transmit
//! streams, e.g. to N MAC transmitters); `drops`, `errors` (per input, 32-bit counters of
//! frames dropped because the buffer was full, and of frames discarded because they were
//! flagged bad).

use crate::aggregate::{Aggregate, AGGREGATE_LATENCY};
use crate::broadcast::{Broadcast, BROADCAST_LATENCY};
use crate::frame_buffer::COUNTER_BITS;
use exo_hdl_common::{FrameRxIn, FrameTxOut};
use rust_hdl::prelude::*;

/// Cycles from a frame's last beat on an input to its first beat on the outputs.
pub const FABRIC_LATENCY: usize = AGGREGATE_LATENCY + BROADCAST_LATENCY;

/// The fabric (see the module documentation).
#[derive(LogicBlock)]
pub struct Fabric<const N: usize, const A: usize, const AP1: usize> {
    // Clock
    pub clock: Signal<In, Clock>,
    // Frames in
    pub inputs: [FrameRxIn; N],
    // Frames out
    pub outputs: [FrameTxOut; N],
    // Status
    pub drops: [Signal<Out, Bits<COUNTER_BITS>>; N],
    pub errors: [Signal<Out, Bits<COUNTER_BITS>>; N],
    // Blocks
    pub aggregate: Aggregate<N, A, AP1>,
    pub broadcast: Broadcast<N>,
}

impl<const N: usize, const A: usize, const AP1: usize> Default for Fabric<N, A, AP1> {
    fn default() -> Self {
        Fabric {
            clock: Default::default(),
            inputs: std::array::from_fn(|_| Default::default()),
            outputs: std::array::from_fn(|_| Default::default()),
            drops: std::array::from_fn(|_| Default::default()),
            errors: std::array::from_fn(|_| Default::default()),
            aggregate: Default::default(),
            broadcast: Default::default(),
        }
    }
}

impl<const N: usize, const A: usize, const AP1: usize> Logic for Fabric<N, A, AP1> {
    #[hdl_gen]
    fn update(&mut self) {
        self.aggregate.clock.next = self.clock.val();
        self.broadcast.clock.next = self.clock.val();
        self.broadcast.source.data.next = self.aggregate.out.data.val();
        self.broadcast.source.valid.next = self.aggregate.out.valid.val();
        self.broadcast.source.last.next = self.aggregate.out.last.val();
        self.broadcast.source.error.next = self.aggregate.out.error.val();
        self.aggregate.out.ready.next = self.broadcast.source.ready.val();
        for i in 0..N {
            self.aggregate.inputs[i].data.next = self.inputs[i].data.val();
            self.aggregate.inputs[i].valid.next = self.inputs[i].valid.val();
            self.aggregate.inputs[i].last.next = self.inputs[i].last.val();
            self.aggregate.inputs[i].error.next = self.inputs[i].error.val();
            self.outputs[i].data.next = self.broadcast.outputs[i].data.val();
            self.outputs[i].valid.next = self.broadcast.outputs[i].valid.val();
            self.outputs[i].last.next = self.broadcast.outputs[i].last.val();
            self.outputs[i].error.next = self.broadcast.outputs[i].error.val();
            self.broadcast.outputs[i].ready.next = self.outputs[i].ready.val();
            self.drops[i].next = self.aggregate.drops[i].val();
            self.errors[i].next = self.aggregate.errors[i].val();
        }
    }
}
