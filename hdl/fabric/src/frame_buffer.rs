//! One input's store-and-forward buffer: a receive stream in, whole frames out.
//!
//! Beats are written into a RAM of `2^A` entries (the byte and its `last` flag: 9 bits, one
//! DP16KD for A = 11) as they come; a frame becomes visible to the reader only when its last
//! beat is in (the write pointer is *committed*). So the reader never waits in the middle of
//! a frame, which is what lets the aggregate feed MAC transmitters that cannot pause.
//!
//! A frame is discarded, and the space it took given back, if
//! - the RAM is full when one of its beats comes: counted in `drops` (the input has no
//!   backpressure, so a full buffer can only drop), or
//! - its last beat has `error` (bad FCS and the like): counted in `errors`.
//!
//! The read side is first-word-fall-through: a 4-entry register queue in front of the RAM
//! keeps `out.valid` and `out.data` straight from registers and sustains one beat per cycle
//! without `out.ready` reaching the RAM's address. A RAM read takes two cycles (see
//! [`BlockRam`]: a register straight after the block RAM, for 125 MHz). The 4 entries come on
//! top of the RAM's `2^A`: a stalled reader holds up to `2^A + 4` committed bytes.
//!
//! Timing: a frame's first beat is on `out` 4 cycles after its last beat was on `rx`
//! (commit, RAM read, RAM output register, queue).
//!
//! Parameters: `A` (address bits, 4..=14) and `AP1` (= `A + 1`, the pointers' width: rust-hdl
//! cannot compute it from `A`). Ports: `clock`; `rx` (frames in); `out` (frames out,
//! valid/ready, `error` always low); `drops`, `errors` (32-bit frame counters).

use exo_hdl_common::block_ram::BlockRam;
use exo_hdl_common::read_queue::ReadQueue;
use exo_hdl_common::{FrameRxIn, FrameTxOut};
use rust_hdl::prelude::*;

/// Bits of the drop and error counters.
pub const COUNTER_BITS: usize = 32;
/// Beats the read-side queue holds beyond the RAM.
pub use exo_hdl_common::read_queue::QUEUE_ENTRIES;

/// The buffer (see the module documentation).
#[derive(LogicBlock)]
pub struct FrameBuffer<const A: usize, const AP1: usize> {
    // Clock
    pub clock: Signal<In, Clock>,
    // Frames in
    pub rx: FrameRxIn,
    // Frames out
    pub out: FrameTxOut,
    // Status
    pub drops: Signal<Out, Bits<COUNTER_BITS>>,
    pub errors: Signal<Out, Bits<COUNTER_BITS>>,
    // Storage: {last, data} per beat
    ram: BlockRam<Bits<9>, A>,
    // Write side
    write_ptr: DFF<Bits<AP1>>,
    commit_ptr: DFF<Bits<AP1>>,
    /// The current frame has lost a beat: discard it at its last beat.
    dropping: DFF<Bit>,
    full: Signal<Local, Bit>,
    drop_count: DFF<Bits<COUNTER_BITS>>,
    error_count: DFF<Bits<COUNTER_BITS>>,
    // Read side
    read_ptr: DFF<Bits<AP1>>,
    queue: ReadQueue,
    // Constants
    capacity: Constant<Bits<AP1>>,
}

impl<const A: usize, const AP1: usize> Default for FrameBuffer<A, AP1> {
    fn default() -> Self {
        assert_eq!(AP1, A + 1, "AP1 must be A + 1");
        assert!(
            (4..=14).contains(&A),
            "A = {A}: the buffer holds 16 to 16384 beats"
        );
        FrameBuffer {
            clock: Default::default(),
            rx: Default::default(),
            out: Default::default(),
            drops: Default::default(),
            errors: Default::default(),
            ram: Default::default(),
            write_ptr: Default::default(),
            commit_ptr: Default::default(),
            dropping: Default::default(),
            full: Default::default(),
            drop_count: Default::default(),
            error_count: Default::default(),
            read_ptr: Default::default(),
            queue: Default::default(),
            capacity: Constant::new((1usize << A).to_bits()),
        }
    }
}

impl<const A: usize, const AP1: usize> Logic for FrameBuffer<A, AP1> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            write_ptr,
            commit_ptr,
            dropping,
            drop_count,
            error_count,
            read_ptr
        );
        self.ram.write_clock.next = self.clock.val();
        self.ram.read_clock.next = self.clock.val();
        self.queue.clock.next = self.clock.val();
        self.drops.next = self.drop_count.q.val();
        self.errors.next = self.error_count.q.val();
        // Write side: a beat goes in unless the RAM is full or its frame already lost one.
        // Full is `write − read = 2^A`: the same address, the other lap. Written as a compare
        // of the pointers' XOR, not a subtraction, so the write enable waits for no carry chain.
        self.full.next = (self.write_ptr.q.val() ^ self.read_ptr.q.val()) == self.capacity.val();
        self.ram.write_address.next = self.write_ptr.q.val().get_bits::<A>(0);
        self.ram.write_data.next = bit_cast::<9, 8>(self.rx.data.val())
            | (bit_cast::<9, 1>(self.rx.last.val().into()) << 8);
        self.ram.write_enable.next = false;
        if self.rx.valid.val() {
            if self.dropping.q.val() | self.full.val() {
                self.dropping.d.next = true;
                if self.rx.last.val() {
                    self.write_ptr.d.next = self.commit_ptr.q.val();
                    self.dropping.d.next = false;
                    self.drop_count.d.next = self.drop_count.q.val() + 1;
                }
            } else {
                self.ram.write_enable.next = true;
                self.write_ptr.d.next = self.write_ptr.q.val() + 1;
                if self.rx.last.val() {
                    if self.rx.error.val() {
                        self.write_ptr.d.next = self.commit_ptr.q.val();
                        self.error_count.d.next = self.error_count.q.val() + 1;
                    } else {
                        self.commit_ptr.d.next = self.write_ptr.q.val() + 1;
                    }
                }
            }
        }
        // Read side: the RAM is read at `read_ptr` every cycle; the queue says when a read
        // counts (a committed beat is there and it has room) and takes the data.
        self.ram.read_address.next = self.read_ptr.q.val().get_bits::<A>(0);
        self.queue.available.next = self.read_ptr.q.val() != self.commit_ptr.q.val();
        self.queue.ram_data.next = self.ram.read_data.val();
        if self.queue.issue.val() {
            self.read_ptr.d.next = self.read_ptr.q.val() + 1;
        }
        FrameTxOut::link(&mut self.out, &mut self.queue.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_buffer_is_synthesizable() {
        let mut uut = FrameBuffer::<11, 12>::default();
        exo_hdl_common::check_synthesizable(&mut uut, "frame_buffer").unwrap();
    }
}
