//! `EntryBuffer`: payloads of received frames, kept until the host has taken them.
//!
//! A frame's payload is written as it arrives, before anyone knows whether it will be
//! accepted; the verdict then either commits it (it becomes part of an entry record) or
//! rewinds the write pointer over it. The buffer is a 4 KiB ring of block RAM with three
//! pointers, each one bit wider than the address so that full and empty differ:
//! `wr` (next byte written), `base` (start of the frame being received: everything before it
//! is committed), and `rd` (oldest byte the host has not taken). A payload that does not fit
//! sets `overrun`; the protocol core then drops the frame as if it had been lost.

use crate::params::RX_BUFFER_ADDR_BITS;
use exo_hdl_common::sync_ram::SyncRam;
use rust_hdl::prelude::*;

const _: () = assert!(RX_BUFFER_ADDR_BITS == 12);

#[derive(LogicBlock, Default)]
pub struct EntryBuffer {
    pub clock: Signal<In, Clock>,
    /// Synchronous: empty.
    pub reset: Signal<In, Bit>,
    // ---- Write side (FrameRx, ProtocolCore)
    /// Pulse with the first beat of a frame: its payload will start at `base`.
    pub frame_begin: Signal<In, Bit>,
    pub wr_valid: Signal<In, Bit>,
    pub wr_data: Signal<In, Bits<8>>,
    /// Pulse: the frame is accepted; its payload stays until released.
    pub commit: Signal<In, Bit>,
    /// Pulse: the frame is dropped; its bytes are free again.
    pub rewind: Signal<In, Bit>,
    /// The frame being received did not fit.
    pub overrun: Signal<Out, Bit>,
    /// Address of the current frame's first payload byte.
    pub base: Signal<Out, Bits<12>>,
    // ---- Read side (Deliver)
    pub rd_addr: Signal<In, Bits<12>>,
    /// Registered: the byte at the previous cycle's `rd_addr`.
    pub rd_data: Signal<Out, Bits<8>>,
    /// Pulse: the host has taken `release_len` bytes from the oldest end.
    pub free: Signal<In, Bit>,
    pub free_len: Signal<In, Bits<13>>,
    // ---- Internals
    /// The bytes' low and high nibbles: each 4096 × 4 half is one block RAM, so a read
    /// needs no multiplexer after the RAMs' slow clock-to-data (one 4096 × 8 RAM maps to two
    /// 2048 × 9 halves and a multiplexer on the address's top bit). A `SyncRam` (no
    /// read-write collision logic either): Deliver reads only the bytes of frames whose
    /// writes are done, and the writer writes only beyond the oldest unreleased byte.
    ram_lo: SyncRam<4, 12>,
    ram_hi: SyncRam<4, 12>,
    wr: DFF<Bits<13>>,
    base_r: DFF<Bits<13>>,
    rd: DFF<Bits<13>>,
    over: DFF<Bit>,
    /// The ring is full (`wr − rd = 4096`): same address, other lap. Written as a compare,
    /// not a subtraction, so the write enable waits for no carry chain.
    full: Signal<Local, Bit>,
    wr_addr: Signal<Local, Bits<12>>,
    rd_addr_r: Signal<Local, Bits<12>>,
}

impl Logic for EntryBuffer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wr, base_r, rd, over);
        self.ram_lo.read_clock.next = self.clock.val();
        self.ram_lo.write_clock.next = self.clock.val();
        self.ram_hi.read_clock.next = self.clock.val();
        self.ram_hi.write_clock.next = self.clock.val();
        self.ram_lo.read_address.next = self.rd_addr.val();
        self.ram_hi.read_address.next = self.rd_addr.val();
        self.rd_data.next = bit_cast::<8, 4>(self.ram_lo.read_data.val())
            | (bit_cast::<8, 4>(self.ram_hi.read_data.val()) << 4);
        self.ram_lo.write_address.next = self.wr.q.val().get_bits::<12>(0);
        self.ram_hi.write_address.next = self.wr.q.val().get_bits::<12>(0);
        self.ram_lo.write_data.next = self.wr_data.val().get_bits::<4>(0);
        self.ram_hi.write_data.next = self.wr_data.val().get_bits::<4>(4);
        self.ram_lo.write_enable.next = false;
        self.ram_hi.write_enable.next = false;
        self.overrun.next = self.over.q.val();
        self.base.next = self.base_r.q.val().get_bits::<12>(0);
        self.wr_addr.next = self.wr.q.val().get_bits::<12>(0);
        self.rd_addr_r.next = self.rd.q.val().get_bits::<12>(0);
        self.full.next = (self.wr_addr.val() == self.rd_addr_r.val())
            & (self.wr.q.val().get_bit(12) != self.rd.q.val().get_bit(12));
        if self.frame_begin.val() {
            self.wr.d.next = self.base_r.q.val();
            self.over.d.next = false;
        } else if self.wr_valid.val() {
            if self.full.val() | self.over.q.val() {
                self.over.d.next = true;
            } else {
                self.ram_lo.write_enable.next = true;
                self.ram_hi.write_enable.next = true;
                self.wr.d.next = self.wr.q.val() + 1;
            }
        }
        if self.commit.val() {
            self.base_r.d.next = self.wr.q.val();
        }
        if self.rewind.val() {
            self.wr.d.next = self.base_r.q.val();
        }
        if self.free.val() {
            self.rd.d.next = self.rd.q.val() + self.free_len.val();
        }
        if self.reset.val() {
            self.wr.d.next = 0.into();
            self.base_r.d.next = 0.into();
            self.rd.d.next = 0.into();
            self.over.d.next = false;
        }
    }
}

#[cfg(test)]
mod synth_tests {
    use super::*;

    #[test]
    fn entry_buffer_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut EntryBuffer::default(), "entry_buffer")
            .expect("yosys synth_ecp5");
    }
}
