//! `ReadQueue`: the read side of a frame buffer in block RAM — what turns the RAM's two-cycle
//! reads into a first-word-fall-through stream that keeps `valid` high from a frame's first
//! beat to its last while `ready` is.
//!
//! The buffer reads its RAM at its read pointer every cycle; the queue says when such a read
//! counts (`issue`: a committed beat is there and the queue has room for it and for the reads
//! on their way), and takes the beat from the RAM's output register two edges later into a
//! 4-entry register queue. So `out.valid` and `out.data` come straight from registers and
//! `out.ready` never reaches the RAM's address. Used by the fabric's input buffers and the
//! boards' host port buffer.
//!
//! Ports: `clock`; `available` (in: a committed beat is at the read pointer), `issue` (out:
//! advance the read pointer), `ram_data` (in: `{last, data}` from the RAM's output register);
//! `out` (frames out, valid/ready; `error` always low).

use crate::stream::FrameTxOut;
use rust_hdl::prelude::*;

/// Beats the queue holds beyond the RAM.
pub const QUEUE_ENTRIES: usize = 4;

/// The queue (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct ReadQueue {
    pub clock: Signal<In, Clock>,
    pub available: Signal<In, Bit>,
    pub issue: Signal<Out, Bit>,
    pub ram_data: Signal<In, Bits<9>>,
    pub out: FrameTxOut,
    /// A RAM read was issued last cycle: it is inside the RAM now.
    in_flight: DFF<Bit>,
    /// The read issued two cycles ago: its data is on `ram_data` now.
    arriving: DFF<Bit>,
    pop: Signal<Local, Bit>,
    queue0: DFF<Bits<9>>,
    queue1: DFF<Bits<9>>,
    queue2: DFF<Bits<9>>,
    queue3: DFF<Bits<9>>,
    queued: DFF<Bits<3>>,
    /// Beats queued or on their way: the queue must have room for all of them.
    committed_to_queue: Signal<Local, Bits<3>>,
}

// The update code writes the queue's size as a literal.
const _: () = assert!(QUEUE_ENTRIES == 4);

impl Logic for ReadQueue {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, in_flight, arriving, queue0, queue1, queue2, queue3, queued);
        self.committed_to_queue.next = self.queued.q.val()
            + bit_cast::<3, 1>(self.in_flight.q.val().into())
            + bit_cast::<3, 1>(self.arriving.q.val().into());
        self.issue.next = self.available.val() & (self.committed_to_queue.val() < 4);
        self.in_flight.d.next = self.issue.val();
        self.arriving.d.next = self.in_flight.q.val();
        self.out.valid.next = self.queued.q.val() != 0;
        self.out.data.next = self.queue0.q.val().get_bits::<8>(0);
        self.out.last.next = self.queue0.q.val().get_bit(8);
        self.out.error.next = false;
        self.pop.next = (self.queued.q.val() != 0) & self.out.ready.val();
        if self.pop.val() {
            self.queue0.d.next = self.queue1.q.val();
            self.queue1.d.next = self.queue2.q.val();
            self.queue2.d.next = self.queue3.q.val();
        }
        // The beat arriving from the RAM goes to the first free entry after the pop.
        if self.arriving.q.val() {
            if (self.queued.q.val() == 0) | ((self.queued.q.val() == 1) & self.pop.val()) {
                self.queue0.d.next = self.ram_data.val();
            } else if (self.queued.q.val() == 1) | ((self.queued.q.val() == 2) & self.pop.val()) {
                self.queue1.d.next = self.ram_data.val();
            } else if (self.queued.q.val() == 2) | ((self.queued.q.val() == 3) & self.pop.val()) {
                self.queue2.d.next = self.ram_data.val();
            } else {
                self.queue3.d.next = self.ram_data.val();
            }
        }
        if self.arriving.q.val() & !self.pop.val() {
            self.queued.d.next = self.queued.q.val() + 1;
        } else if !self.arriving.q.val() & self.pop.val() {
            self.queued.d.next = self.queued.q.val() - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_queue_is_synthesizable() {
        crate::check_synthesizable(&mut ReadQueue::default(), "read_queue")
            .expect("yosys synth_ecp5");
    }
}
