//! `Deliver`: the stream of records from the engine to the host.
//!
//! The protocol core pushes one record descriptor per event into a 16-deep FIFO; this block
//! turns each into a record on the host stream (a `FrameTxOut`: one record per frame, `last`
//! on its final byte, backpressure through `ready`, every output from a flip-flop). Entry
//! payloads are read ahead from the `EntryBuffer` by a `PayloadReader` while the record's
//! header goes out, and released once their last byte is in the output register. Records, byte by byte (big-endian; `host_if::Record` is the software
//! definition and the tests decode with it):
//!
//! | kind | bytes |
//! |------|-------|
//! | entry (1) | `01`, seq (8), epoch (4), sender (1), agreed (8), payload length (2), payload |
//! | agreed (2) | `02`, agreed (8) |
//! | anomaly (3) | `03`, kind (1), flags (1: bit 0 = about a frame), local seq (8), frame seq (8), sender (1) |
//!
//! `agreed` is the agreement pointer after the event: entries below it are agreed.
//! Descriptors wait in a 16-entry distributed RAM read at a registered slot: a record starts
//! from flip-flops (`active`, `waiting`), and the next descriptor is read while the current
//! record goes out (a record lasts at least nine cycles).
//! `room` is low when fewer than four descriptors fit. A record is counted three edges after
//! the core decides it (the core's decision, `push_r`, the FIFO write), and a frame's room is
//! checked the cycle before its verdict: the two records decided before the check, a
//! lost-token report beside it, and the frame's own always fit.

use rust_hdl::prelude::*;

use crate::payload_reader::PayloadReader;
use exo_hdl_common::lutram::LutRam;
use exo_hdl_common::stream::FrameTxOut;

/// Record header lengths in bytes, by kind (entry, agreed, anomaly).
pub const ENTRY_HEADER_LEN: u64 = 24;
pub const AGREED_LEN: u64 = 9;
pub const ANOMALY_LEN: u64 = 20;

/// Descriptor bit layout: kind 2, seq 64, agreed 64, epoch 32, sender 8, len 16, anomaly 3,
/// has_frame 1, base 12.
const DESC_BITS: usize = 202;

#[derive(LogicBlock, Default)]
pub struct Deliver {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // ---- Descriptors from the protocol core
    pub push: Signal<In, Bit>,
    pub kind: Signal<In, Bits<2>>,
    pub seq: Signal<In, Bits<64>>,
    pub agreed: Signal<In, Bits<64>>,
    pub epoch: Signal<In, Bits<32>>,
    pub sender: Signal<In, Bits<8>>,
    pub len: Signal<In, Bits<16>>,
    pub anomaly: Signal<In, Bits<3>>,
    pub has_frame: Signal<In, Bit>,
    /// Entry records: address of the payload in the entry buffer.
    pub base: Signal<In, Bits<12>>,
    pub room: Signal<Out, Bit>,
    // ---- Entry buffer read side
    pub buf_addr: Signal<Out, Bits<12>>,
    pub buf_data: Signal<In, Bits<8>>,
    pub buf_release: Signal<Out, Bit>,
    pub buf_release_len: Signal<Out, Bits<13>>,
    // ---- Records to the host
    pub host: FrameTxOut,
    // ---- Internals
    /// The waiting descriptors: written at `wr_slot`, the oldest at `rd_slot`, `count` of
    /// them.
    descs: LutRam<Bits<DESC_BITS>, 4>,
    wr_slot: DFF<Bits<4>>,
    rd_slot: DFF<Bits<4>>,
    count: DFF<Bits<5>>,
    /// The pushed descriptor, registered before it enters the FIFO (the core's decision is
    /// not in the FIFO's paths; `room` keeps a margin for it).
    push_r: DFF<Bit>,
    desc_in: DFF<Bits<202>>,
    /// A descriptor was waiting in the cycle before: the RAM's registered read at `rd_slot`
    /// shows it now (a descriptor written at edge `t` is read at `t + 1` and counted in
    /// `waiting` after it). A pop makes `active` high at the next edge, so the flag's lag
    /// never lets a record start twice.
    waiting: DFF<Bit>,
    active: DFF<Bit>,
    /// Header bytes still to send, the next one in the top 8 bits of `header`.
    header: DFF<Bits<192>>,
    header_left: DFF<Bits<5>>,
    /// `header_left != 0`, kept beside it: `moved`, whose enable reaches every header
    /// flip-flop, starts from flip-flops.
    in_header_r: DFF<Bit>,
    pay_left: DFF<Bits<16>>,
    pay_len: DFF<Bits<16>>,
    /// The payload, from the entry buffer through registers (the buffer's block RAM is too
    /// slow to feed the output register, whose load waits for `ready`).
    payload: PayloadReader,
    /// The output beat, registered: a header byte or the reader's head byte.
    o_valid: DFF<Bit>,
    o_data: DFF<Bits<8>>,
    o_last: DFF<Bit>,
    desc: Signal<Local, Bits<DESC_BITS>>,
    d_kind: Signal<Local, Bits<2>>,
    d_seq: Signal<Local, Bits<64>>,
    d_agreed: Signal<Local, Bits<64>>,
    d_epoch: Signal<Local, Bits<32>>,
    d_sender: Signal<Local, Bits<8>>,
    d_len: Signal<Local, Bits<16>>,
    d_anomaly: Signal<Local, Bits<3>>,
    d_has_frame: Signal<Local, Bit>,
    d_base: Signal<Local, Bits<12>>,
    moved: Signal<Local, Bit>,
    /// The next byte to send is here: a header byte, or a payload byte the reader holds.
    beat_ready: Signal<Local, Bit>,
    cur_last: Signal<Local, Bit>,
    popped: Signal<Local, Bit>,
    in_header: Signal<Local, Bit>,
}

impl Logic for Deliver {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            wr_slot,
            rd_slot,
            count,
            push_r,
            desc_in,
            waiting,
            active,
            header,
            header_left,
            in_header_r,
            pay_left,
            pay_len,
            o_valid,
            o_data,
            o_last
        );
        self.descs.read_clock.next = self.clock.val();
        self.descs.write_clock.next = self.clock.val();
        self.payload.clock.next = self.clock.val();
        self.payload.reset.next = self.reset.val();
        self.buf_addr.next = self.payload.buf_addr.val();
        self.payload.buf_data.next = self.buf_data.val();
        // ---- Descriptors in
        self.descs.write_data.next = self.desc_in.q.val();
        self.descs.write_address.next = self.wr_slot.q.val();
        self.descs.read_address.next = self.rd_slot.q.val();
        self.desc_in.d.next = bit_cast::<202, 2>(self.kind.val())
            | (bit_cast::<202, 64>(self.seq.val()) << 2)
            | (bit_cast::<202, 64>(self.agreed.val()) << 66)
            | (bit_cast::<202, 32>(self.epoch.val()) << 130)
            | (bit_cast::<202, 8>(self.sender.val()) << 162)
            | (bit_cast::<202, 16>(self.len.val()) << 170)
            | (bit_cast::<202, 3>(self.anomaly.val()) << 186)
            | (bit_cast::<202, 1>(self.has_frame.val().into()) << 189)
            | (bit_cast::<202, 12>(self.base.val()) << 190);
        self.push_r.d.next = self.push.val();
        self.descs.write_enable.next = self.push_r.q.val();
        if self.push_r.q.val() {
            self.wr_slot.d.next = self.wr_slot.q.val() + 1;
        }
        self.room.next = self.count.q.val() < 13;
        // ---- The head descriptor's fields
        self.desc.next = self.descs.read_data.val();
        self.d_kind.next = self.desc.val().get_bits::<2>(0);
        self.d_seq.next = self.desc.val().get_bits::<64>(2);
        self.d_agreed.next = self.desc.val().get_bits::<64>(66);
        self.d_epoch.next = self.desc.val().get_bits::<32>(130);
        self.d_sender.next = self.desc.val().get_bits::<8>(162);
        self.d_len.next = self.desc.val().get_bits::<16>(170);
        self.d_anomaly.next = self.desc.val().get_bits::<3>(186);
        self.d_has_frame.next = self.desc.val().get_bit(189);
        self.d_base.next = self.desc.val().get_bits::<12>(190);
        // ---- Stream out: header bytes from the shift register, then payload from the reader,
        // each moved into the output register when it is free (or frees up at this edge).
        self.in_header.next = self.in_header_r.q.val();
        self.host.valid.next = self.o_valid.q.val();
        self.host.data.next = self.o_data.q.val();
        self.host.last.next = self.o_last.q.val();
        self.host.error.next = false;
        self.cur_last.next =
            (self.in_header.val() & (self.header_left.q.val() == 1) & !self.pay_left.q.val().any())
                | (!self.in_header.val() & (self.pay_left.q.val() == 1));
        self.beat_ready.next = self.in_header.val() | self.payload.head_valid.val();
        self.moved.next = self.active.q.val()
            & self.beat_ready.val()
            & (self.host.ready.val() | !self.o_valid.q.val());
        if self.host.ready.val() {
            self.o_valid.d.next = false;
        }
        if self.moved.val() {
            self.o_valid.d.next = true;
            self.o_data.d.next = self.payload.head.val();
            if self.in_header.val() {
                self.o_data.d.next = self.header.q.val().get_bits::<8>(184);
            }
            self.o_last.d.next = self.cur_last.val();
        }
        self.payload.take.next = self.moved.val() & !self.in_header.val();
        self.buf_release.next = false;
        self.buf_release_len.next = bit_cast::<13, 16>(self.pay_len.q.val());
        if self.moved.val() {
            if self.in_header.val() {
                self.header.d.next = self.header.q.val() << 8;
                self.header_left.d.next = self.header_left.q.val() - 1;
                self.in_header_r.d.next = self.header_left.q.val() != 1;
            } else {
                self.pay_left.d.next = self.pay_left.q.val() - 1;
            }
            if self.cur_last.val() {
                self.active.d.next = false;
                self.buf_release.next = self.pay_len.q.val().any();
            }
        }
        // ---- Next record: load the head descriptor when idle
        self.waiting.d.next = self.count.q.val().any();
        self.popped.next = !self.active.q.val() & self.waiting.q.val();
        if self.popped.val() {
            self.rd_slot.d.next = self.rd_slot.q.val() + 1;
        }
        // An entry's payload is read from its base while its header goes out.
        self.payload.start.next = self.popped.val() & (self.d_kind.val() == 1);
        self.payload.start_addr.next = self.d_base.val();
        self.payload.start_len.next = self.d_len.val();
        if self.popped.val() {
            self.active.d.next = true;
            self.in_header_r.d.next = true;
            self.pay_left.d.next = 0.into();
            self.pay_len.d.next = 0.into();
            if self.d_kind.val() == 1 {
                self.header.d.next = (bit_cast::<192, 8>(1.into()) << 184)
                    | (bit_cast::<192, 64>(self.d_seq.val()) << 120)
                    | (bit_cast::<192, 32>(self.d_epoch.val()) << 88)
                    | (bit_cast::<192, 8>(self.d_sender.val()) << 80)
                    | (bit_cast::<192, 64>(self.d_agreed.val()) << 16)
                    | bit_cast::<192, 16>(self.d_len.val());
                self.header_left.d.next = 24.into();
                self.pay_left.d.next = self.d_len.val();
                self.pay_len.d.next = self.d_len.val();
            } else if self.d_kind.val() == 2 {
                self.header.d.next = (bit_cast::<192, 8>(2.into()) << 184)
                    | (bit_cast::<192, 64>(self.d_agreed.val()) << 120);
                self.header_left.d.next = 9.into();
            } else {
                self.header.d.next = (bit_cast::<192, 8>(3.into()) << 184)
                    | (bit_cast::<192, 3>(self.d_anomaly.val()) << 176)
                    | (bit_cast::<192, 1>(self.d_has_frame.val().into()) << 168)
                    | (bit_cast::<192, 64>(self.d_agreed.val()) << 104)
                    | (bit_cast::<192, 64>(self.d_seq.val()) << 40)
                    | (bit_cast::<192, 8>(self.d_sender.val()) << 32);
                self.header_left.d.next = 20.into();
            }
        }
        // ---- Occupancy, for `room`
        if self.push_r.q.val() & !self.popped.val() {
            self.count.d.next = self.count.q.val() + 1;
        } else if !self.push_r.q.val() & self.popped.val() {
            self.count.d.next = self.count.q.val() - 1;
        }
        if self.reset.val() {
            // Drop every descriptor, the one written at this edge too.
            self.push_r.d.next = false;
            self.rd_slot.d.next = self.wr_slot.q.val();
            if self.push_r.q.val() {
                self.rd_slot.d.next = self.wr_slot.q.val() + 1;
            }
            self.waiting.d.next = false;
            self.active.d.next = false;
            self.o_valid.d.next = false;
            self.count.d.next = 0.into();
            self.header_left.d.next = 0.into();
            self.in_header_r.d.next = false;
            self.pay_left.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod synth_tests {
    use super::*;

    #[test]
    fn deliver_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut Deliver::default(), "deliver")
            .expect("yosys synth_ecp5");
    }
}
