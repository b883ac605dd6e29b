//! `FrameTx`: builds and sends this host's Exo frame when it is its turn.
//!
//! On `start` the block samples the frame's variable fields (epoch, seq, history length, the
//! history's newest RAM address, whether the head posted message goes along) and streams to the
//! MAC exactly the bytes of `exo_proto::wire::Frame::encode()`: broadcast destination, this
//! host's MAC, the fixed header at the offsets of `wire::FIXED_FIELDS`, the history ids newest
//! first, the payload, zeros up to `wire::MIN_FRAME_LEN`. The constant header bytes come from a
//! small ROM filled at elaboration with the encoding of a template frame, so the wire module is
//! the only place the layout is written down; the variable fields are laid over it by their
//! `wire` offsets.
//!
//! The output beat is registered (the MAC sees a flip-flop, not a block RAM's output through
//! muxes): payload bytes go into their own register from a `PayloadReader`, which reads the
//! PostQueue's payload RAM ahead into a four-byte register queue from `start` on (the header
//! is longer than the reader's four-cycle latency, and from then on it delivers a byte per
//! cycle, so a payload beat never waits); other bytes go into another register, and a
//! registered flag picks one for `tx.data`. Once `valid` rises it stays high through `last`, because a GMII MAC cannot pause: the
//! beat after the current one is always ready one cycle ahead: the history RAM is read for it
//! in the cycle before (at both candidate addresses, whether or not the current beat moves
//! in this cycle), and the payload waits in the reader's queue. When `tx.ready` is low the beat is held.
//!
//! **Latency: 1 cycle.** `start` is sampled at a clock edge; the first beat is valid on `tx`
//! right after that edge. `done` pulses in the cycle after the edge at which the last beat
//! moved, the same cycle `busy` falls; a new `start` is taken in that cycle.
//!
//! # Ports
//!
//! | group | port | dir | width | meaning |
//! |---|---|---|---|---|
//! | clock | `clock` | in | 1 | the engine clock |
//! | clock | `reset` | in | 1 | synchronous: abandons a frame (the MAC must be reset with it), idle |
//! | command | `start` | in | 1 | pulse: send a frame (ignored while `busy`) |
//! | command | `epoch` | in | 32 | sampled with `start` |
//! | command | `seq` | in | 64 | sampled with `start` |
//! | command | `hist_len` | in | 8 | ids in the history, 0 to 128, sampled with `start` |
//! | command | `hist_newest` | in | 8 | history RAM address of the newest id, sampled with `start` |
//! | command | `with_post` | in | 1 | carry the PostQueue's head as payload (else payload length 0), sampled with `start` |
//! | history | `hist_addr` | out | 8 | history RAM read address of the entry the next beat holds if no beat moves now: entry `i` (0 = newest) is at `hist_newest − i` mod 256 |
//! | history | `hist_addr2` | out | 8 | read address of the entry the next beat holds if a beat moves now (both are read; a register picks, so the MAC's `ready` never steers a RAM address) |
//! | history | `hist_data`, `hist_data2` | in | 8 | the ids at the previous cycle's `hist_addr` and `hist_addr2` |
//! | post link | `post_valid` | in | 1 | PostQueue `head_valid`: `with_post` is ignored without it |
//! | post link | `post_len` | in | 11 | PostQueue `head_len`, sampled with `start` |
//! | post link | `post_start` | in | 12 | PostQueue `rd_start`, sampled with `start` |
//! | post link | `post_addr` | out | 12 | PostQueue `rd_addr` |
//! | post link | `post_data` | in | 8 | PostQueue `rd_data`: the byte at the `post_addr` of the previous cycle |
//! | frame | `tx` | [`FrameTxOut`] | 8 | the frame without preamble and FCS, to the MAC; `error` is always low |
//! | status | `busy` | out | 1 | a frame is being sent (from the cycle after `start` to the last beat's move) |
//! | status | `done` | out | 1 | pulse: the last beat moved at the previous edge |
//!
//! The history RAM and the PostQueue's head must not change while `busy`.

use crate::params::{EngineParams, QUEUE_ADDR_BITS};
use crate::payload_reader::PayloadReader;
use crate::post_queue::LEN_BITS;
use exo_hdl_common::FrameTxOut;
use exo_proto::wire::{self, Frame, EPOCH, HEADER_LEN, HISTORY_LEN, PAYLOAD_LEN, SEQ};
use exo_proto::HostId;
use rust_hdl::prelude::*;

/// Width of a byte index into the frame: the longest frame the inputs can describe
/// (header, 255 history ids, 2047 payload bytes) fits, so no index ever wraps.
pub const IDX_BITS: usize = 12;
/// Address bits of the header ROM.
const ROM_BITS: usize = 6;

// The first beat leaves before the fields are sampled, so it must be a constant byte.
const _: () = assert!(wire::DST_MAC.offset == 0 && wire::DST_MAC.len > 0);
const _: () = assert!(HEADER_LEN <= 1 << ROM_BITS);
const _: () = assert!(EPOCH.len == 4 && SEQ.len == 8 && PAYLOAD_LEN.len == 2);
const _: () = assert!(HISTORY_LEN.len == 1 && wire::MIN_FRAME_LEN > HEADER_LEN);
const _: () = assert!(HEADER_LEN + 255 + (1 << LEN_BITS) < 1 << IDX_BITS);

#[derive(LogicBlock)]
pub struct FrameTx {
    // Clock and reset.
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // The command from the core.
    pub start: Signal<In, Bit>,
    pub epoch: Signal<In, Bits<32>>,
    pub seq: Signal<In, Bits<64>>,
    pub hist_len: Signal<In, Bits<8>>,
    pub hist_newest: Signal<In, Bits<8>>,
    pub with_post: Signal<In, Bit>,
    // The history RAM's read port.
    pub hist_addr: Signal<Out, Bits<8>>,
    pub hist_data: Signal<In, Bits<8>>,
    pub hist_addr2: Signal<Out, Bits<8>>,
    pub hist_data2: Signal<In, Bits<8>>,
    // The PostQueue's read side.
    pub post_valid: Signal<In, Bit>,
    pub post_len: Signal<In, Bits<LEN_BITS>>,
    pub post_start: Signal<In, Bits<QUEUE_ADDR_BITS>>,
    pub post_addr: Signal<Out, Bits<QUEUE_ADDR_BITS>>,
    pub post_data: Signal<In, Bits<8>>,
    // The frame, to the MAC.
    pub tx: FrameTxOut,
    // Status.
    pub busy: Signal<Out, Bit>,
    pub done: Signal<Out, Bit>,
    // The constant header bytes (variable fields are zero here).
    header: ROM<Bits<8>, ROM_BITS>,
    // The output beat: a header or history byte in `out_data`, or a payload byte in
    // `pay_byte` (`out_pay`), from the reader's registers.
    sending: DFF<Bit>,
    out_data: DFF<Bits<8>>,
    pay_byte: DFF<Bits<8>>,
    out_pay: DFF<Bit>,
    out_last: DFF<Bit>,
    done_q: DFF<Bit>,
    // The frame being sent: the next beat's index and where its regions end.
    next_idx: DFF<Bits<IDX_BITS>>,
    hist_end: DFF<Bits<IDX_BITS>>,
    pay_end: DFF<Bits<IDX_BITS>>,
    last_idx: DFF<Bits<IDX_BITS>>,
    // `hist_end − 1` and `pay_end − 1`, and whether beat `next_idx` is a payload beat.
    hist_end_m1: DFF<Bits<IDX_BITS>>,
    pay_end_m1: DFF<Bits<IDX_BITS>>,
    in_pay: DFF<Bit>,
    // Sampled fields.
    epoch_q: DFF<Bits<32>>,
    seq_q: DFF<Bits<64>>,
    hist_len_q: DFF<Bits<8>>,
    pay_len_q: DFF<Bits<LEN_BITS>>,
    // RAM addresses of the history id for beat `next_idx`, and for the beat after it: the
    // RAM's addresses come from flip-flops, never from an adder.
    hist_cur: DFF<Bits<8>>,
    hist_m1: DFF<Bits<8>>,
    /// A beat moved at the last edge: the history entry is the one read at `hist_addr2`.
    fired: DFF<Bit>,
    hist_now: Signal<Local, Bits<8>>,
    /// The payload, read ahead from the PostQueue.
    payload: PayloadReader,
    // Combinational helpers (named so that Verilog truncates where the simulation does).
    fire: Signal<Local, Bit>,
    beat: Signal<Local, Bits<8>>,
    epoch_shift: Signal<Local, Bits<5>>,
    seq_shift: Signal<Local, Bits<6>>,
    pay_len_shift: Signal<Local, Bits<4>>,
    pay_len_wide: Signal<Local, Bits<16>>,
    pay_len_in: Signal<Local, Bits<LEN_BITS>>,
    // Layout, from the wire module.
    header_end: Constant<Bits<IDX_BITS>>,
    epoch_at: Constant<Bits<IDX_BITS>>,
    epoch_last: Constant<Bits<IDX_BITS>>,
    seq_at: Constant<Bits<IDX_BITS>>,
    seq_last: Constant<Bits<IDX_BITS>>,
    hist_len_at: Constant<Bits<IDX_BITS>>,
    pay_len_at: Constant<Bits<IDX_BITS>>,
    pay_len_last: Constant<Bits<IDX_BITS>>,
    min_len: Constant<Bits<IDX_BITS>>,
    min_last: Constant<Bits<IDX_BITS>>,
    hist_skew: Constant<Bits<8>>,
}

/// The header of every frame this host sends, with zeros in the fields sampled at `start`.
fn header_template(params: &EngineParams) -> Vec<u8> {
    let template = Frame {
        src_mac: params.src_mac(),
        cluster: params.cluster,
        epoch: 0,
        sender: HostId(params.host_id),
        seq: 0,
        history: Vec::new(),
        payload: Vec::new(),
    };
    let mut bytes = template.encode().expect("an empty frame always encodes");
    bytes.truncate(HEADER_LEN);
    bytes
}

fn at(index: usize) -> Constant<Bits<IDX_BITS>> {
    Constant::new(index.to_bits())
}

impl FrameTx {
    /// The transmitter of host `params.host_id` in cluster `params.cluster`.
    pub fn new(params: &EngineParams) -> FrameTx {
        let rom = header_template(params)
            .into_iter()
            .map(|b| Bits::<8>::from(u64::from(b)));
        FrameTx {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            epoch: Default::default(),
            seq: Default::default(),
            hist_len: Default::default(),
            hist_newest: Default::default(),
            with_post: Default::default(),
            hist_addr: Default::default(),
            hist_data: Default::default(),
            hist_addr2: Default::default(),
            hist_data2: Default::default(),
            post_valid: Default::default(),
            post_len: Default::default(),
            post_start: Default::default(),
            post_addr: Default::default(),
            post_data: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            header: ROM::from(rom),
            sending: Default::default(),
            out_data: Default::default(),
            pay_byte: Default::default(),
            out_pay: Default::default(),
            out_last: Default::default(),
            done_q: Default::default(),
            next_idx: Default::default(),
            hist_end: Default::default(),
            pay_end: Default::default(),
            last_idx: Default::default(),
            hist_end_m1: Default::default(),
            pay_end_m1: Default::default(),
            in_pay: Default::default(),
            epoch_q: Default::default(),
            seq_q: Default::default(),
            hist_len_q: Default::default(),
            pay_len_q: Default::default(),
            hist_cur: Default::default(),
            hist_m1: Default::default(),
            fired: Default::default(),
            hist_now: Default::default(),
            payload: Default::default(),
            fire: Default::default(),
            beat: Default::default(),
            epoch_shift: Default::default(),
            seq_shift: Default::default(),
            pay_len_shift: Default::default(),
            pay_len_wide: Default::default(),
            pay_len_in: Default::default(),
            header_end: at(HEADER_LEN),
            epoch_at: at(EPOCH.offset),
            epoch_last: at(EPOCH.end() - 1),
            seq_at: at(SEQ.offset),
            seq_last: at(SEQ.end() - 1),
            hist_len_at: at(HISTORY_LEN.offset),
            pay_len_at: at(PAYLOAD_LEN.offset),
            pay_len_last: at(PAYLOAD_LEN.end() - 1),
            min_len: at(wire::MIN_FRAME_LEN),
            min_last: at(wire::MIN_FRAME_LEN - 1),
            // Entry i (0 = newest) of the history is beat HEADER_LEN + i, at RAM address
            // newest − i = (newest + HEADER_LEN) − beat (mod 256).
            hist_skew: Constant::new((HEADER_LEN % 256).to_bits()),
        }
    }
}

impl Logic for FrameTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            sending,
            out_data,
            pay_byte,
            out_pay,
            out_last,
            done_q,
            next_idx,
            hist_end,
            pay_end,
            last_idx,
            epoch_q,
            seq_q,
            hist_len_q,
            pay_len_q,
            hist_cur,
            hist_m1,
            fired,
            hist_end_m1,
            pay_end_m1,
            in_pay
        );

        // The byte of beat `next_idx`. Big-endian fields: the byte at `end − 1 − k` is the
        // value's byte k, i.e. bits 8k..8k+8.
        self.header.address.next = bit_cast::<ROM_BITS, IDX_BITS>(self.next_idx.q.val());
        self.epoch_shift.next =
            bit_cast::<5, IDX_BITS>((self.epoch_last.val() - self.next_idx.q.val()) << 3);
        self.seq_shift.next =
            bit_cast::<6, IDX_BITS>((self.seq_last.val() - self.next_idx.q.val()) << 3);
        self.pay_len_shift.next =
            bit_cast::<4, IDX_BITS>((self.pay_len_last.val() - self.next_idx.q.val()) << 3);
        self.pay_len_wide.next = bit_cast::<16, LEN_BITS>(self.pay_len_q.q.val());
        self.hist_now.next = self.hist_data.val();
        if self.fired.q.val() {
            self.hist_now.next = self.hist_data2.val();
        }
        self.beat.next = 0.into();
        if self.next_idx.q.val() < self.header_end.val() {
            self.beat.next = self.header.data.val();
            if (self.next_idx.q.val() >= self.epoch_at.val())
                & (self.next_idx.q.val() <= self.epoch_last.val())
            {
                self.beat.next = self
                    .epoch_q
                    .q
                    .val()
                    .get_bits::<8>(self.epoch_shift.val().index());
            }
            if self.next_idx.q.val() == self.hist_len_at.val() {
                self.beat.next = self.hist_len_q.q.val();
            }
            if (self.next_idx.q.val() >= self.seq_at.val())
                & (self.next_idx.q.val() <= self.seq_last.val())
            {
                self.beat.next = self
                    .seq_q
                    .q
                    .val()
                    .get_bits::<8>(self.seq_shift.val().index());
            }
            if (self.next_idx.q.val() >= self.pay_len_at.val())
                & (self.next_idx.q.val() <= self.pay_len_last.val())
            {
                self.beat.next = self
                    .pay_len_wide
                    .val()
                    .get_bits::<8>(self.pay_len_shift.val().index());
            }
        } else if self.next_idx.q.val() < self.hist_end.q.val() {
            self.beat.next = self.hist_now.val();
        }

        // A beat moves: load the next one, and address the RAMs for the one after it.
        self.fire.next = self.sending.q.val() & self.tx.ready.val();
        self.hist_addr.next = self.hist_cur.q.val();
        self.hist_addr2.next = self.hist_m1.q.val();
        self.fired.d.next = self.fire.val();
        self.done_q.d.next = false;
        // The payload: the reader's head is the next payload beat's byte.
        self.payload.clock.next = self.clock.val();
        self.payload.reset.next = self.reset.val();
        self.post_addr.next = self.payload.buf_addr.val();
        self.payload.buf_data.next = self.post_data.val();
        // The header outlasts the reader's latency and it then keeps a byte ready every
        // cycle, so a payload beat always finds one; the guard only keeps the reader's
        // count from wrapping if that were ever broken.
        self.payload.take.next = self.fire.val()
            & !self.out_last.q.val()
            & self.in_pay.q.val()
            & self.payload.head_valid.val();
        if self.fire.val() {
            self.hist_cur.d.next = self.hist_m1.q.val();
            self.hist_m1.d.next = self.hist_m1.q.val() - 1;
            if self.out_last.q.val() {
                self.sending.d.next = false;
                self.done_q.d.next = true;
                self.next_idx.d.next = 0.into();
                self.in_pay.d.next = false;
            } else {
                self.out_data.d.next = self.beat.val();
                self.pay_byte.d.next = self.payload.head.val();
                self.out_pay.d.next = self.in_pay.q.val();
                self.out_last.d.next = self.next_idx.q.val() == self.last_idx.q.val();
                self.next_idx.d.next = self.next_idx.q.val() + 1;
                self.in_pay.d.next = (self.next_idx.q.val() >= self.hist_end_m1.q.val())
                    & (self.next_idx.q.val() < self.pay_end_m1.q.val());
            }
        }

        // Start: sample the fields and put out beat 0 (a constant: `next_idx` rests at 0).
        self.pay_len_in.next = 0.into();
        if self.with_post.val() & self.post_valid.val() {
            self.pay_len_in.next = self.post_len.val();
        }
        // The frame's layout follows from the sampled lengths through a pipeline of
        // registers, one adder per stage: `hist_end` at beat 1, `pay_end` at beat 2,
        // `last_idx` at beat 3. None is used before beat HEADER_LEN (and `last_idx`, at
        // least MIN_FRAME_LEN − 1, cannot match a beat index below 4 while it settles).
        self.pay_end.d.next =
            self.hist_end.q.val() + bit_cast::<IDX_BITS, LEN_BITS>(self.pay_len_q.q.val());
        self.hist_end_m1.d.next = self.hist_end.q.val() - 1;
        self.pay_end_m1.d.next = self.pay_end.q.val() - 1;
        self.last_idx.d.next = self.min_last.val();
        if self.pay_end.q.val() > self.min_len.val() {
            self.last_idx.d.next = self.pay_end.q.val() - 1;
        }
        self.payload.start.next = !self.sending.q.val() & self.start.val();
        self.payload.start_addr.next = self.post_start.val();
        self.payload.start_len.next = bit_cast::<16, LEN_BITS>(self.pay_len_in.val());
        if !self.sending.q.val() & self.start.val() {
            self.epoch_q.d.next = self.epoch.val();
            self.seq_q.d.next = self.seq.val();
            self.hist_len_q.d.next = self.hist_len.val();
            self.pay_len_q.d.next = self.pay_len_in.val();
            self.hist_end.d.next =
                self.header_end.val() + bit_cast::<IDX_BITS, 8>(self.hist_len.val());
            // The history addresses of beats 1 and 2: entries 1 − HEADER_LEN and
            // 2 − HEADER_LEN (far ahead of their region; they count down from here).
            self.hist_cur.d.next = (self.hist_newest.val() + self.hist_skew.val()) - 1;
            self.hist_m1.d.next = (self.hist_newest.val() + self.hist_skew.val()) - 2;
            self.out_data.d.next = self.beat.val();
            self.out_pay.d.next = false;
            self.out_last.d.next = false;
            self.next_idx.d.next = 1.into();
            self.in_pay.d.next = false;
            self.sending.d.next = true;
        }

        self.tx.data.next = self.out_data.q.val();
        if self.out_pay.q.val() {
            self.tx.data.next = self.pay_byte.q.val();
        }
        self.tx.valid.next = self.sending.q.val();
        self.tx.last.next = self.out_last.q.val();
        self.tx.error.next = false;
        self.busy.next = self.sending.q.val();
        self.done.next = self.done_q.q.val();

        if self.reset.val() {
            self.sending.d.next = false;
            self.out_last.d.next = false;
            self.done_q.d.next = false;
            self.next_idx.d.next = 0.into();
            self.in_pay.d.next = false;
            self.out_pay.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::QUEUE_BYTES;
    use exo_hdl_common::sim::{cycle, settle, test_seed};
    use exo_proto::rng::Rng;

    /// Cycles from the `start` edge to the first valid beat, as the header comment states.
    const LATENCY: u64 = 1;
    /// Bound on cycles per frame, so that a design bug fails instead of hanging.
    const MAX_CYCLES: u64 = 20_000;

    fn clock(t: &mut FrameTx) -> &mut Signal<In, Clock> {
        &mut t.clock
    }

    /// One frame to send: the fields the core gives, and where the bench puts the history
    /// ids and the posted payload in its RAMs.
    #[derive(Debug, Clone)]
    struct Cmd {
        epoch: u32,
        seq: u64,
        /// History ids, newest first.
        history: Vec<u8>,
        newest: u8,
        /// The head message, if the frame carries one.
        payload: Option<Vec<u8>>,
        post_start: u16,
    }

    /// FrameTx with the history RAM and the PostQueue's payload RAM emulated: each returns,
    /// after a clock edge, the byte at the address the block drove before that edge.
    struct Bench {
        uut: FrameTx,
        params: EngineParams,
        hist: [u8; 256],
        pay: Vec<u8>,
        cycles: u64,
    }

    impl Bench {
        fn new(params: EngineParams) -> Bench {
            let mut uut = FrameTx::new(&params);
            uut.connect_all();
            let mut b = Bench {
                uut,
                params,
                hist: [0; 256],
                pay: vec![0; QUEUE_BYTES],
                cycles: 0,
            };
            b.uut.reset.next = true;
            b.step();
            b.uut.reset.next = false;
            b
        }

        /// Settles, runs one clock edge, then presents the RAMs' registered reads.
        fn step(&mut self) {
            settle(&mut self.uut);
            let hist_addr = self.uut.hist_addr.val().index();
            let hist_addr2 = self.uut.hist_addr2.val().index();
            let post_addr = self.uut.post_addr.val().index();
            cycle(&mut self.uut, clock);
            self.uut.hist_data.next = u64::from(self.hist[hist_addr]).to_bits();
            self.uut.hist_data2.next = u64::from(self.hist[hist_addr2]).to_bits();
            self.uut.post_data.next = u64::from(self.pay[post_addr]).to_bits();
            settle(&mut self.uut);
            self.cycles += 1;
        }

        fn load(&mut self, cmd: &Cmd) {
            for (i, &id) in cmd.history.iter().enumerate() {
                self.hist[usize::from(cmd.newest.wrapping_sub(i as u8))] = id;
            }
            let payload = cmd.payload.as_deref().unwrap_or(&[]);
            for (i, &b) in payload.iter().enumerate() {
                self.pay[(usize::from(cmd.post_start) + i) % QUEUE_BYTES] = b;
            }
        }

        fn present(&mut self, cmd: &Cmd, post_valid: bool) {
            let u = &mut self.uut;
            u.start.next = true;
            u.epoch.next = u64::from(cmd.epoch).to_bits();
            u.seq.next = cmd.seq.to_bits();
            u.hist_len.next = (cmd.history.len() as u64).to_bits();
            u.hist_newest.next = u64::from(cmd.newest).to_bits();
            u.with_post.next = cmd.payload.is_some();
            u.post_valid.next = post_valid;
            u.post_len.next = (cmd.payload.as_ref().map_or(0, |p| p.len()) as u64).to_bits();
            u.post_start.next = u64::from(cmd.post_start).to_bits();
        }

        /// Sends `cmd` with the MAC's `ready` from `ready`; checks the stream's rules and
        /// returns the frame's bytes.
        fn send(&mut self, cmd: &Cmd, mut ready: impl FnMut() -> bool) -> Vec<u8> {
            assert!(!self.uut.busy.val(), "start only when idle");
            self.load(cmd);
            self.present(cmd, true);
            self.uut.tx.ready.next = ready();
            settle(&mut self.uut);
            assert!(!self.uut.tx.valid.val(), "nothing before start");
            self.step();
            self.uut.start.next = false;
            // Cycles from the start edge to the first valid beat (the edge itself is one).
            let mut waited = 1;
            while !self.uut.tx.valid.val() && waited < MAX_CYCLES {
                self.step();
                waited += 1;
            }
            assert_eq!(waited, LATENCY, "turnaround from start to the first beat");
            let started = self.cycles;
            let mut bytes = Vec::new();
            loop {
                let u = &mut self.uut;
                assert!(u.tx.valid.val(), "valid dropped at byte {}", bytes.len());
                assert!(u.busy.val() && !u.done.val() && !u.tx.error.val());
                let r = ready();
                u.tx.ready.next = r;
                let (data, last) = (u.tx.data.val().index() as u8, u.tx.last.val());
                self.step();
                if r {
                    bytes.push(data);
                    if last {
                        break;
                    }
                } else {
                    let u = &self.uut;
                    assert_eq!(u.tx.data.val().index() as u8, data, "beat not held");
                    assert_eq!(u.tx.last.val(), last, "last not held");
                }
                assert!(self.cycles - started < MAX_CYCLES, "frame never ended");
            }
            let u = &self.uut;
            assert!(u.done.val() && !u.busy.val() && !u.tx.valid.val());
            bytes
        }

        fn expected(&self, cmd: &Cmd) -> Vec<u8> {
            Frame {
                src_mac: self.params.src_mac(),
                cluster: self.params.cluster,
                epoch: cmd.epoch,
                sender: HostId(self.params.host_id),
                seq: cmd.seq,
                history: cmd.history.iter().map(|&id| HostId(id)).collect(),
                payload: cmd.payload.clone().unwrap_or_default(),
            }
            .encode()
            .expect("the test builds encodable frames")
        }
    }

    fn pick_u64(rng: &mut Rng) -> u64 {
        match rng.range(0, 5) {
            0 => 0,
            1 => u64::MAX,
            2 => u64::MAX - 1,
            3 => rng.range(0, 300),
            _ => rng.next_u64(),
        }
    }

    fn random_cmd(rng: &mut Rng) -> Cmd {
        let h = match rng.range(0, 3) {
            0 => 0,
            1 => wire::MAX_HISTORY,
            _ => rng.range(0, wire::MAX_HISTORY as u64) as usize,
        };
        let max = wire::max_payload(h);
        // Mostly short frames (padding, header-only), some of every length up to the maximum.
        let len = match rng.range(0, 5) {
            0 => 0,
            1 => max,
            2 | 3 => rng.range(0, 40) as usize,
            _ => rng.range(0, max as u64) as usize,
        };
        let payload = rng
            .chance(0.8)
            .then(|| (0..len).map(|_| rng.next_u64() as u8).collect());
        Cmd {
            epoch: pick_u64(rng) as u32,
            seq: pick_u64(rng),
            history: (0..h).map(|_| rng.next_u64() as u8).collect(),
            newest: rng.next_u64() as u8,
            payload,
            post_start: rng.range(0, 4095) as u16,
        }
    }

    #[test]
    fn sends_exactly_the_encoded_frame() {
        let seed = test_seed("frame_tx", 0x7E57);
        let mut rng = Rng::new(seed);
        for frame in 0..2_000 {
            let params = EngineParams {
                cluster: rng.next_u64() as u16,
                ..EngineParams::new(256, rng.next_u64() as u8)
            };
            let mut b = Bench::new(params);
            // A few frames per bench: back to back, with the MAC's backpressure varied.
            let p = [1.0, 0.9, 0.5, 0.1][rng.range(0, 3) as usize];
            let cmd = random_cmd(&mut rng);
            let mut ready_rng = rng.fork();
            let got = b.send(&cmd, || ready_rng.chance(p));
            assert_eq!(got, b.expected(&cmd), "seed {seed} frame {frame}: {cmd:?}");
        }
    }

    #[test]
    fn sends_back_to_back_and_takes_start_with_done() {
        let mut rng = Rng::new(test_seed("frame_tx_back_to_back", 0xB2B));
        let mut b = Bench::new(EngineParams::new(5, 3));
        for _ in 0..20 {
            let cmd = random_cmd(&mut rng);
            let got = b.send(&cmd, || true);
            assert_eq!(got, b.expected(&cmd));
            // `send` returns in the cycle `done` is high: starting here is allowed.
            assert!(b.uut.done.val());
        }
    }

    #[test]
    fn payload_needs_a_valid_head() {
        let mut b = Bench::new(EngineParams::new(5, 1));
        let cmd = Cmd {
            epoch: 7,
            seq: 9,
            history: vec![0, 4],
            newest: 1,
            payload: Some(vec![0xAB; 100]),
            post_start: 4090,
        };
        b.load(&cmd);
        b.present(&cmd, false);
        b.uut.tx.ready.next = true;
        b.step();
        b.uut.start.next = false;
        let mut bytes = Vec::new();
        while b.uut.tx.valid.val() {
            bytes.push(b.uut.tx.data.val().index() as u8);
            b.step();
        }
        let empty = Cmd {
            payload: None,
            ..cmd
        };
        assert_eq!(bytes, b.expected(&empty));
    }

    #[test]
    fn ignores_start_while_busy_and_recovers_from_reset() {
        let mut rng = Rng::new(test_seed("frame_tx_busy", 0xB5));
        let mut b = Bench::new(EngineParams::new(9, 8));
        let first = random_cmd(&mut rng);
        let second = random_cmd(&mut rng);
        b.load(&first);
        b.present(&first, true);
        b.uut.tx.ready.next = true;
        b.step();
        // A second start while busy must change nothing of the frame in flight.
        b.present(&second, true);
        let mut bytes = Vec::new();
        while b.uut.tx.valid.val() {
            bytes.push(b.uut.tx.data.val().index() as u8);
            b.step();
            b.uut.start.next = false;
        }
        let mut want = b.expected(&first);
        // The history and payload of the first frame were overwritten only if the second
        // had been loaded; it was not, so the whole first frame is expected.
        assert_eq!(bytes, std::mem::take(&mut want));
        // Reset in the middle of a frame: the block is idle after it, and sends whole frames.
        b.load(&second);
        b.present(&second, true);
        b.step();
        b.uut.start.next = false;
        for _ in 0..10 {
            b.step();
        }
        b.uut.reset.next = true;
        b.step();
        b.uut.reset.next = false;
        settle(&mut b.uut);
        assert!(!b.uut.busy.val() && !b.uut.tx.valid.val());
        let got = b.send(&second, || true);
        assert_eq!(got, b.expected(&second));
    }

    #[test]
    fn frame_tx_is_synthesizable() {
        let stats = exo_hdl_common::check_synthesizable(
            &mut FrameTx::new(&EngineParams::new(5, 2)),
            "frame_tx",
        )
        .expect("yosys synth_ecp5");
        eprintln!("frame_tx: {stats}");
        assert!(
            stats.ff >= 64 + 32,
            "sampled seq and epoch in flip-flops: {stats}"
        );
    }
}
