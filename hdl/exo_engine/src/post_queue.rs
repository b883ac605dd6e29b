//! `PostQueue`: the messages the host has posted, waiting for this host's turn.
//!
//! The host posts one message per frame of the `post` stream: `[len_hi, len_lo, payload…]`,
//! `last` on the final byte (a zero-length message is just the two length bytes). The queue
//! keeps the payloads in a block RAM of [`QUEUE_BYTES`] bytes used as a ring, one message after
//! the other, and their lengths in a descriptor FIFO of [`QUEUE_SLOTS`] entries. A message's
//! start address is not stored: payloads are contiguous, so the head starts where the
//! previous head ended (`rd_start`), and the next post is written where the newest ended.
//!
//! A post is written at the ring's tail while it arrives and becomes a message only when its
//! `last` byte shows it is whole and well formed; otherwise its bytes stay in free space and are
//! overwritten by the next post. Rejected: a declared length above `max_payload`, a byte count
//! different from the declared length, `error` with `last`. Bytes past the declared length are
//! never written, so a malformed post cannot overwrite a waiting message.
//!
//! The head is what the core sends when it holds the token: it stays until `commit` (the
//! cluster accepted it), so a resend after a reload reads the same bytes. Nothing but `commit`
//! and `reset` changes the head.
//!
//! # Ports
//!
//! | group | port | dir | width | meaning |
//! |---|---|---|---|---|
//! | clock | `clock` | in | 1 | the engine clock |
//! | clock | `reset` | in | 1 | synchronous: empties the queue, clears the counters, restarts parsing |
//! | post | `post` | [`FrameTxIn`] | 8 | posts from the host link; `ready` (flip-flops and `reset` only) is high at a post's first byte only when a whole message of `max_payload` bytes fits, and then stays high until the post's `last` byte moved; each beat that moves is registered before the parser sees it |
//! | head | `head_valid` | out | 1 | a message is waiting |
//! | head | `head_len` | out | 11 | its payload length (meaningful with `head_valid`) |
//! | head | `commit` | in | 1 | pulse: the head was accepted by the cluster; pop it (ignored without `head_valid`) |
//! | read link | `rd_start` | out | 12 | payload RAM address of the head's first byte |
//! | read link | `rd_addr` | in | 12 | payload RAM read address (byte `i` of the head is at `rd_start + i` mod 4096) |
//! | read link | `rd_data` | out | 8 | the byte at the `rd_addr` of the previous cycle (one registered read) |
//! | status | `depth` | out | 7 | messages waiting, head included |
//! | status | `posts_accepted` | out | 32 | posts queued since reset (wrapping) |
//! | status | `posts_rejected` | out | 32 | posts discarded since reset (wrapping) |
//!
//! # Timing
//!
//! The post stream goes through an input stage before the parser: the handshake (`ready`,
//! `in_post`, `room_r`) and the registers that capture each beat that moves (`in_valid`,
//! `in_data`, `in_last`, `in_error`). The parser, the payload and descriptor RAM writes and
//! the `tail` adder work on those registers, a cycle after the beat moved. For a post whose
//! `last` byte moves at clock edge `t`:
//!
//! - `t`: the beat is captured; `in_post` and `room_r` clear, so `ready` is low after `t`.
//! - `t + 1`: the parser's decision on the captured beat takes effect: an accepted post's
//!   descriptor is written, `tail` and the write slot advance, `publishing` is set (for a
//!   rejected post, `rejecting`). `room_r` stays clear (the post's end was in the input stage).
//! - `t + 2`: it is counted in `posts_accepted` (or `posts_rejected`) and becomes visible
//!   (`head_valid`, `depth`; `head_len` through the descriptor RAM's registered read), all
//!   shown after `t + 2`; `counting` is set and its length is in `delta`. `room_r` stays
//!   clear (`publishing`).
//! - `t + 3`: its bytes reach `used`. `room_r` stays clear (`counting`).
//! - `t + 4`: `room_r` takes the room computed with the post counted: `ready` for the next
//!   post can be high after `t + 4`. A rejected post adds nothing to count: `ready` can be high
//!   again after `t + 2`.
//!
//! Why the queue never overfills: `room_r` high after edge `e` means that in the cycle before
//! `e` there was room and no post ended at `e` (its last byte moving), `e − 1` (its end in the
//! input stage), `e − 2` (`publishing`) or `e − 3` (`counting`). Every post that ended at
//! `t ≤ e − 4` was then in `used` (from `t + 3`) and in `waiting` (`publishing` from `t + 1`,
//! `visible` from `t + 2`) when that room was computed. A post starts only when `ready` is high
//! outside a post, so only on such a room; posts are taken one at a time (`in_post`), so it is
//! the only post not counted until it ends, and its end clears `room_r` again. Nothing else
//! changes the room but a pop, and a pop only frees.
//!
//! `commit` sampled at edge `t` with a head waiting is registered and pops the head at `t + 1`
//! (the next descriptor is read through the forwarded address, so `head_len` is right in the
//! cycle after the pop); the core starts no frame meanwhile. A pop's bytes leave `used` at the
//! edge after the pop (`t + 2`) and the room they free reaches `room_r` at `t + 3`: the lag
//! only delays the room a pop frees.
//!
//! A reset clears `room_r` and `in_post`: `ready` is low in the reset cycle and the next, and
//! a beat captured before the reset is parsed in the reset cycle and undone by the reset.

use crate::params::{EngineParams, QUEUE_ADDR_BITS, QUEUE_BYTES, QUEUE_SLOTS};
use exo_hdl_common::sync_ram::SyncRam;
use exo_hdl_common::FrameTxIn;
use rust_hdl::prelude::*;

/// Width of a payload length: the largest payload (1480) fits in 11 bits.
pub const LEN_BITS: usize = 11;
/// Width of the message count (0 to [`QUEUE_SLOTS`] inclusive).
pub const DEPTH_BITS: usize = 7;
/// Address bits of the descriptor FIFO.
const SLOT_BITS: usize = 6;

const _: () = assert!(1 << SLOT_BITS == QUEUE_SLOTS);
const _: () = assert!(QUEUE_SLOTS < 1 << DEPTH_BITS);
const _: () = assert!(QUEUE_ADDR_BITS == 12 && QUEUE_BYTES == 4096);
// Any max_payload that fits LEN_BITS leaves QUEUE_BYTES − max_payload ≥ 0 (the `max_used` bound).
const _: () = assert!(1 << LEN_BITS <= QUEUE_BYTES);

/// Where the parser is inside a post.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum PostState {
    /// Waiting for the first byte of a post (the length's high byte).
    LenHi,
    /// Waiting for the length's low byte.
    LenLo,
    /// Receiving payload bytes until `last`.
    Body,
}

#[derive(LogicBlock)]
pub struct PostQueue {
    // Clock and reset.
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // Posts from the host link.
    pub post: FrameTxIn,
    // The head of the queue, to the core.
    pub head_valid: Signal<Out, Bit>,
    pub head_len: Signal<Out, Bits<LEN_BITS>>,
    pub commit: Signal<In, Bit>,
    // The read link, to FrameTx.
    pub rd_start: Signal<Out, Bits<QUEUE_ADDR_BITS>>,
    pub rd_addr: Signal<In, Bits<QUEUE_ADDR_BITS>>,
    pub rd_data: Signal<Out, Bits<8>>,
    // Status.
    pub depth: Signal<Out, Bits<DEPTH_BITS>>,
    pub posts_accepted: Signal<Out, Bits<32>>,
    pub posts_rejected: Signal<Out, Bits<32>>,
    // Storage: payload bytes, and one length per waiting message.
    /// The payload bytes' low and high nibbles: each 4096 × 4 half is one block RAM, so a
    /// read needs no multiplexer after the RAMs' slow clock-to-data. A `SyncRam` (no
    /// read-write collision logic either): FrameTx reads only a complete post's bytes, and
    /// the input stage writes only beyond the last complete post.
    payload_lo: SyncRam<4, QUEUE_ADDR_BITS>,
    payload_hi: SyncRam<4, QUEUE_ADDR_BITS>,
    lengths: RAM<Bits<LEN_BITS>, SLOT_BITS>,
    // The post stream's input stage: the handshake, and each beat that moved, registered.
    /// A post's first byte moved and its `last` byte has not: `ready` stays high whatever
    /// the room, so a post never stalls in the middle.
    in_post: DFF<Bit>,
    /// The beat that moved at the last edge: the parser works on these flip-flops, not on
    /// the stream, so the host link's logic and the parser's are never in one cycle.
    /// `in_data`, `in_last` and `in_error` load in every cycle (no enable between the stream
    /// and them) and mean something only with `in_valid`.
    in_valid: DFF<Bit>,
    in_data: DFF<Bits<8>>,
    in_last: DFF<Bit>,
    in_error: DFF<Bit>,
    // Post parser.
    state: DFF<PostState>,
    declared: DFF<Bits<16>>,
    got: DFF<Bits<LEN_BITS>>,
    bad: DFF<Bit>,
    /// Payload bytes still to come (declared − got), and whether that is 0 or 1: the end of
    /// a post is decided from flags, not by comparing a sum.
    left: DFF<Bits<16>>,
    left_zero: DFF<Bit>,
    left_one: DFF<Bit>,
    /// `commit` as of the last edge: the pop starts from a flip-flop beside the descriptor
    /// RAM instead of from the core, across the chip.
    commit_r: DFF<Bit>,
    // The ring: the head's first byte, the byte after the newest message, bytes in use.
    head_start: DFF<Bits<QUEUE_ADDR_BITS>>,
    tail: DFF<Bits<QUEUE_ADDR_BITS>>,
    used: DFF<Bits<13>>,
    /// The length of the message published this cycle (counted into `used` now, a cycle
    /// after its decision, which keeps the decision out of the adder's path).
    pub_len: DFF<Bits<LEN_BITS>>,
    /// What `used` changes by at the next edge (published bytes minus popped ones), and
    /// whether it holds a publication: two adders in series become one per cycle.
    delta: DFF<Bits<13>>,
    counting: DFF<Bit>,
    /// `room` as of the last edge, and no post ending at that edge or waiting in the input
    /// stage then: what `ready` shows between posts.
    room_r: DFF<Bit>,
    // The descriptor FIFO: write and read slots, visible messages, one being published.
    slot_wr: DFF<Bits<SLOT_BITS>>,
    slot_rd: DFF<Bits<SLOT_BITS>>,
    /// `slot_rd + 1` and `visible != 0`, kept as registers: a pop's path to the descriptor
    /// RAM's address starts at flip-flops.
    slot_rd_p1: DFFWithInit<Bits<SLOT_BITS>>,
    nonempty: DFF<Bit>,
    visible: DFF<Bits<DEPTH_BITS>>,
    publishing: DFF<Bit>,
    /// A post was rejected at the last edge.
    rejecting: DFF<Bit>,
    accepted: DFF<Bits<32>>,
    rejected: DFF<Bits<32>>,
    // Combinational helpers (named so that Verilog truncates where the simulation does).
    /// A payload byte is written (both halves).
    pay_we: Signal<Local, Bit>,
    pay_addr: Signal<Local, Bits<QUEUE_ADDR_BITS>>,
    /// A beat of the post stream moves at this edge (`valid` and `ready`).
    moves: Signal<Local, Bit>,
    length: Signal<Local, Bits<16>>,
    got_next: Signal<Local, Bits<LEN_BITS>>,
    full: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    reject: Signal<Local, Bit>,
    accept_len: Signal<Local, Bits<LEN_BITS>>,
    pop: Signal<Local, Bit>,
    used_add: Signal<Local, Bits<13>>,
    used_sub: Signal<Local, Bits<13>>,
    waiting: Signal<Local, Bits<DEPTH_BITS>>,
    room: Signal<Local, Bit>,
    // Elaboration parameters.
    max_payload: Constant<Bits<16>>,
    max_used: Constant<Bits<13>>,
    max_posted: Constant<Bits<DEPTH_BITS>>,
}

impl PostQueue {
    /// A queue for `params.max_payload`-byte messages, at most `params.max_posted` waiting.
    ///
    /// Panics if the parameters are outside what [`EngineParams::validate`] allows: the
    /// engine validates them before elaborating any block.
    pub fn new(params: &EngineParams) -> PostQueue {
        assert!(
            params.max_payload < 1 << LEN_BITS,
            "max_payload = {} does not fit the queue",
            params.max_payload
        );
        assert!(
            (1..=QUEUE_SLOTS).contains(&params.max_posted),
            "max_posted = {} is outside 1..={QUEUE_SLOTS}",
            params.max_posted
        );
        PostQueue {
            clock: Default::default(),
            reset: Default::default(),
            post: Default::default(),
            head_valid: Default::default(),
            head_len: Default::default(),
            commit: Default::default(),
            rd_start: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            depth: Default::default(),
            posts_accepted: Default::default(),
            posts_rejected: Default::default(),
            payload_lo: Default::default(),
            payload_hi: Default::default(),
            lengths: Default::default(),
            in_post: Default::default(),
            in_valid: Default::default(),
            in_data: Default::default(),
            in_last: Default::default(),
            in_error: Default::default(),
            state: Default::default(),
            declared: Default::default(),
            got: Default::default(),
            bad: Default::default(),
            left: Default::default(),
            left_zero: Default::default(),
            left_one: Default::default(),
            commit_r: Default::default(),
            head_start: Default::default(),
            tail: Default::default(),
            used: Default::default(),
            pub_len: Default::default(),
            delta: Default::default(),
            counting: Default::default(),
            room_r: Default::default(),
            slot_wr: Default::default(),
            slot_rd: Default::default(),
            slot_rd_p1: DFFWithInit::new(1.into()),
            nonempty: Default::default(),
            visible: Default::default(),
            publishing: Default::default(),
            rejecting: Default::default(),
            accepted: Default::default(),
            rejected: Default::default(),
            pay_we: Default::default(),
            pay_addr: Default::default(),
            moves: Default::default(),
            length: Default::default(),
            got_next: Default::default(),
            full: Default::default(),
            accept: Default::default(),
            reject: Default::default(),
            accept_len: Default::default(),
            pop: Default::default(),
            used_add: Default::default(),
            used_sub: Default::default(),
            waiting: Default::default(),
            room: Default::default(),
            max_payload: Constant::new(params.max_payload.to_bits()),
            // Room for one more whole message: used + max_payload <= QUEUE_BYTES.
            max_used: Constant::new((QUEUE_BYTES - params.max_payload).to_bits()),
            max_posted: Constant::new(params.max_posted.to_bits()),
        }
    }
}

// The state machine's recovery arm (`_`) is unreachable in Rust but not in the hardware.
#[allow(unreachable_patterns)]
impl Logic for PostQueue {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, in_post, in_valid, in_data, in_last, in_error, state, declared, got, bad,
            left, left_zero, left_one, commit_r, head_start, tail, used, pub_len, delta, counting,
            room_r, slot_wr, slot_rd, slot_rd_p1, nonempty, visible, publishing, rejecting,
            accepted, rejected
        );
        self.payload_lo.write_clock.next = self.clock.val();
        self.payload_lo.read_clock.next = self.clock.val();
        self.payload_hi.write_clock.next = self.clock.val();
        self.payload_hi.read_clock.next = self.clock.val();
        self.lengths.write_clock.next = self.clock.val();
        self.lengths.read_clock.next = self.clock.val();

        // Space for a whole message of max_payload bytes, and a free message slot: checked
        // before a post starts and never revoked during it (only commits change them).
        self.waiting.next = self.visible.q.val();
        if self.publishing.q.val() {
            self.waiting.next = self.visible.q.val() + 1;
        }
        // While a message is being published (`publishing`, then `counting`) its bytes are
        // not yet in `used`: no new post starts meanwhile.
        self.room.next = !self.publishing.q.val()
            & !self.counting.q.val()
            & (self.used.q.val() <= self.max_used.val())
            & (self.waiting.val() < self.max_posted.val());
        // The handshake, from flip-flops and `reset` only: a post starts only with room, and
        // once started is taken to its `last` byte. A beat that moves is only registered here;
        // the parser takes it a cycle later, so nothing but these few gates and the input
        // registers sits behind the host link's logic.
        self.post.ready.next = !self.reset.val() & (self.in_post.q.val() | self.room_r.q.val());
        self.moves.next = self.post.valid.val() & self.post.ready.val();
        if self.moves.val() {
            self.in_post.d.next = !self.post.last.val();
        }
        self.in_valid.d.next = self.moves.val();
        self.in_data.d.next = self.post.data.val();
        self.in_last.d.next = self.post.last.val();
        self.in_error.d.next = self.post.error.val();
        // A post that ends now, or whose end waits in the input stage, is not in `used` or
        // `waiting` yet (nor marked `publishing`): no new post may start until it is.
        self.room_r.d.next = self.room.val()
            & !(self.moves.val() & self.post.last.val())
            & !(self.in_valid.q.val() & self.in_last.q.val());

        // The parser, on the registered beat. Every beat there belongs to a post the handshake
        // admitted. In a reset cycle it may still take one (moved in the cycle before): the
        // reset undoes whatever it does, which keeps the reset's fan-out off its path.
        // Defaults: nothing written, nothing decided.
        self.length.next = (self.declared.q.val() << 8) | bit_cast::<16, 8>(self.in_data.q.val());
        self.got_next.next = self.got.q.val() + 1;
        self.full.next = self.left_zero.q.val();
        self.pay_addr.next =
            self.tail.q.val() + bit_cast::<QUEUE_ADDR_BITS, LEN_BITS>(self.got.q.val());
        self.payload_lo.write_address.next = self.pay_addr.val();
        self.payload_hi.write_address.next = self.pay_addr.val();
        self.payload_lo.write_data.next = self.in_data.q.val().get_bits::<4>(0);
        self.payload_hi.write_data.next = self.in_data.q.val().get_bits::<4>(4);
        self.pay_we.next = false;
        self.accept.next = false;
        self.reject.next = false;
        self.accept_len.next = bit_cast::<LEN_BITS, 16>(self.declared.q.val());

        if self.in_valid.q.val() {
            match self.state.q.val() {
                PostState::LenHi => {
                    self.declared.d.next = bit_cast::<16, 8>(self.in_data.q.val());
                    self.got.d.next = 0.into();
                    self.bad.d.next = false;
                    self.state.d.next = PostState::LenLo;
                    // A one-byte post has no length.
                    if self.in_last.q.val() {
                        self.reject.next = true;
                        self.state.d.next = PostState::LenHi;
                    }
                }
                PostState::LenLo => {
                    self.declared.d.next = self.length.val();
                    self.bad.d.next = self.length.val() > self.max_payload.val();
                    self.left.d.next = self.length.val();
                    self.left_zero.d.next = self.length.val() == 0;
                    self.left_one.d.next = self.length.val() == 1;
                    self.state.d.next = PostState::Body;
                    if self.in_last.q.val() {
                        self.accept_len.next = 0.into();
                        self.accept.next = (self.length.val() == 0) & !self.in_error.q.val();
                        self.reject.next = !self.accept.val();
                        self.state.d.next = PostState::LenHi;
                    }
                }
                PostState::Body => {
                    // Bytes beyond the declared length are counted as an error, never stored.
                    self.pay_we.next = !self.bad.q.val() & !self.full.val();
                    if self.pay_we.val() {
                        self.got.d.next = self.got_next.val();
                        self.left.d.next = self.left.q.val() - 1;
                        self.left_zero.d.next = self.left_one.q.val();
                        self.left_one.d.next = self.left.q.val() == 2;
                    }
                    self.bad.d.next = self.bad.q.val() | self.full.val();
                    if self.in_last.q.val() {
                        self.accept.next =
                            self.pay_we.val() & !self.in_error.q.val() & self.left_one.q.val();
                        self.reject.next = !self.accept.val();
                        self.state.d.next = PostState::LenHi;
                    }
                }
                _ => {
                    self.state.d.next = PostState::LenHi;
                }
            }
        }

        // The head: lengths are read through the slot the head will be after this edge, so
        // that a pop shows the next head's length in the next cycle.
        self.head_valid.next = self.nonempty.q.val();
        self.head_len.next = self.lengths.read_data.val();
        // A commit counts only if a head was waiting when it came (`head_valid` is
        // `nonempty`): the pop itself then starts from this one flip-flop.
        self.commit_r.d.next = self.commit.val() & self.nonempty.q.val() & !self.reset.val();
        self.pop.next = self.commit_r.q.val();
        self.lengths.read_address.next = self.slot_rd.q.val();
        if self.pop.val() {
            self.lengths.read_address.next = self.slot_rd_p1.q.val();
            self.slot_rd.d.next = self.slot_rd_p1.q.val();
            self.slot_rd_p1.d.next = self.slot_rd_p1.q.val() + 1;
            self.head_start.d.next = self.head_start.q.val()
                + bit_cast::<QUEUE_ADDR_BITS, LEN_BITS>(self.head_len.val());
        }

        // A whole, well-formed post becomes a message.
        self.lengths.write_address.next = self.slot_wr.q.val();
        self.lengths.write_data.next = self.accept_len.val();
        self.lengths.write_enable.next = self.accept.val();
        self.publishing.d.next = self.accept.val();
        self.pub_len.d.next = self.accept_len.val();
        if self.accept.val() {
            self.slot_wr.d.next = self.slot_wr.q.val() + 1;
            self.tail.d.next =
                self.tail.q.val() + bit_cast::<QUEUE_ADDR_BITS, LEN_BITS>(self.accept_len.val());
        }
        // The counters count registered decisions (their adders are not behind the parser).
        self.rejecting.d.next = self.reject.val();
        if self.publishing.q.val() {
            self.accepted.d.next = self.accepted.q.val() + 1;
        }
        if self.rejecting.q.val() {
            self.rejected.d.next = self.rejected.q.val() + 1;
        }

        // Bytes in use and visible messages: a post and a pop may land in the same cycle.
        self.used_add.next = 0.into();
        self.used_sub.next = 0.into();
        if self.publishing.q.val() {
            self.used_add.next = bit_cast::<13, LEN_BITS>(self.pub_len.q.val());
        }
        if self.pop.val() {
            self.used_sub.next = bit_cast::<13, LEN_BITS>(self.head_len.val());
        }
        self.delta.d.next = self.used_add.val() - self.used_sub.val();
        self.counting.d.next = self.publishing.q.val();
        self.used.d.next = self.used.q.val() + self.delta.q.val();
        if self.publishing.q.val() & !self.pop.val() {
            self.visible.d.next = self.visible.q.val() + 1;
            self.nonempty.d.next = true;
        }
        if !self.publishing.q.val() & self.pop.val() {
            self.visible.d.next = self.visible.q.val() - 1;
            self.nonempty.d.next = self.visible.q.val() != 1;
        }

        // The read link and the status.
        self.payload_lo.read_address.next = self.rd_addr.val();
        self.payload_hi.read_address.next = self.rd_addr.val();
        self.rd_data.next = bit_cast::<8, 4>(self.payload_lo.read_data.val())
            | (bit_cast::<8, 4>(self.payload_hi.read_data.val()) << 4);
        self.rd_start.next = self.head_start.q.val();
        self.depth.next = self.visible.q.val();
        self.posts_accepted.next = self.accepted.q.val();
        self.posts_rejected.next = self.rejected.q.val();

        if self.reset.val() {
            self.in_post.d.next = false;
            self.in_valid.d.next = false;
            self.state.d.next = PostState::LenHi;
            self.bad.d.next = false;
            self.got.d.next = 0.into();
            self.head_start.d.next = 0.into();
            self.tail.d.next = 0.into();
            self.used.d.next = 0.into();
            self.delta.d.next = 0.into();
            self.counting.d.next = false;
            self.room_r.d.next = false;
            self.slot_wr.d.next = 0.into();
            self.slot_rd.d.next = 0.into();
            self.slot_rd_p1.d.next = 1.into();
            self.nonempty.d.next = false;
            self.visible.d.next = 0.into();
            self.publishing.d.next = false;
            self.rejecting.d.next = false;
            self.accepted.d.next = 0.into();
            self.rejected.d.next = 0.into();
            self.lengths.write_enable.next = false;
            self.pay_we.next = false;
        }
        self.payload_lo.write_enable.next = self.pay_we.val();
        self.payload_hi.write_enable.next = self.pay_we.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle};

    /// Bound on cycles waiting for `ready`, so that a design bug fails instead of hanging.
    const MAX_WAIT: usize = 100;

    fn clock(q: &mut PostQueue) -> &mut Signal<In, Clock> {
        &mut q.clock
    }

    fn queue(max_payload: usize, max_posted: usize) -> PostQueue {
        let params = EngineParams {
            max_payload,
            max_posted,
            ..EngineParams::new(5, 0)
        };
        let mut q = PostQueue::new(&params);
        q.connect_all();
        q.reset.next = true;
        step(&mut q);
        q.reset.next = false;
        settle(&mut q);
        q
    }

    fn step(q: &mut PostQueue) {
        settle(q);
        cycle(q, clock);
    }

    /// A post as the host link sends it: the length's two bytes, then the payload.
    fn framed(declared: usize, payload: &[u8]) -> Vec<u8> {
        let mut bytes = (declared as u16).to_be_bytes().to_vec();
        bytes.extend_from_slice(payload);
        bytes
    }

    /// Sends `bytes` as one post, `error` on the last byte; `ready` must stay high once the
    /// first byte moved. Returns just after the edge at which the last byte moved, `valid`
    /// low and the design settled.
    fn send(q: &mut PostQueue, bytes: &[u8], error: bool) {
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            q.post.valid.next = true;
            q.post.data.next = u64::from(b).to_bits();
            q.post.last.next = last;
            q.post.error.next = error && last;
            settle(q);
            let mut waited = 0;
            while !q.post.ready.val() {
                assert_eq!(i, 0, "ready fell in the middle of a post");
                assert!(waited < MAX_WAIT, "ready never rose");
                step(q);
                waited += 1;
            }
            step(q);
        }
        q.post.valid.next = false;
        settle(q);
    }

    /// [`send`], then until the post is counted and, if accepted, visible: two edges after
    /// its last byte moved (the parser takes it from the input stage at the first, the
    /// counters and the head show it after the second).
    fn post(q: &mut PostQueue, bytes: &[u8], error: bool) {
        send(q, bytes, error);
        step(q);
        step(q);
    }

    /// The head's bytes through the read link (one cycle of read latency).
    fn read_head(q: &mut PostQueue) -> Vec<u8> {
        settle(q);
        let (start, len) = (q.rd_start.val(), q.head_len.val().index());
        (0..len)
            .map(|i| {
                q.rd_addr.next = start + (i as u64);
                step(q);
                q.rd_data.val().index() as u8
            })
            .collect()
    }

    /// Lets the byte count catch up with the last post (three edges after its last byte;
    /// `post` already ran two) or the last pop (an edge after `commit` returns), and the
    /// registered room with it (one more edge), so that `ready` shows the room left.
    fn counted(q: &mut PostQueue) {
        step(q);
        step(q);
        settle(q);
    }

    /// A commit pulse, and the edge at which the queue pops.
    fn commit(q: &mut PostQueue) {
        q.commit.next = true;
        step(q);
        q.commit.next = false;
        step(q);
        settle(q);
    }

    fn counters(q: &PostQueue) -> (usize, usize, usize) {
        (
            q.depth.val().index(),
            q.posts_accepted.val().index(),
            q.posts_rejected.val().index(),
        )
    }

    #[test]
    fn queues_posts_in_order_and_pops_on_commit() {
        let mut q = queue(1478, 16);
        let messages: Vec<Vec<u8>> = vec![
            vec![],
            vec![1, 2, 3, 4, 5],
            (0..1478).map(|i| (i * 7) as u8).collect(),
        ];
        for m in &messages {
            post(&mut q, &framed(m.len(), m), false);
        }
        assert_eq!(counters(&q), (3, 3, 0));
        for (i, m) in messages.iter().enumerate() {
            assert!(q.head_valid.val());
            assert_eq!(q.head_len.val().index(), m.len(), "message {i}");
            assert_eq!(&read_head(&mut q), m, "message {i}");
            // Reading again (a resend) gives the same bytes.
            assert_eq!(&read_head(&mut q), m, "message {i} again");
            commit(&mut q);
        }
        assert!(!q.head_valid.val());
        assert_eq!(counters(&q), (0, 3, 0));
        // A commit with nothing waiting changes nothing.
        commit(&mut q);
        assert_eq!(counters(&q), (0, 3, 0));
    }

    #[test]
    fn rejects_malformed_posts_as_a_whole() {
        let mut q = queue(100, 8);
        post(&mut q, &framed(3, &[7, 8, 9]), false);
        let bad: [(Vec<u8>, bool); 6] = [
            (framed(101, &[0xEE; 101]), false), // declared above max_payload
            (framed(10, &[0xEE; 9]), false),    // shorter than declared
            (framed(10, &[0xEE; 11]), false),   // longer than declared
            (framed(0, &[0xEE]), false),        // longer than an empty declaration
            (framed(4, &[0xEE; 4]), true),      // error on last
            (vec![0], false),                   // no length at all
        ];
        for (bytes, error) in &bad {
            post(&mut q, bytes, *error);
        }
        post(&mut q, &framed(0, &[]), true); // an empty post with error
        assert_eq!(counters(&q), (1, 1, 7));
        post(&mut q, &framed(2, &[5, 6]), false);
        assert_eq!(counters(&q), (2, 2, 7));
        assert_eq!(read_head(&mut q), [7, 8, 9]);
        commit(&mut q);
        assert_eq!(
            read_head(&mut q),
            [5, 6],
            "rejected bytes never land in a message"
        );
    }

    #[test]
    fn ready_falls_when_full_and_rises_after_commit() {
        // Message slots run out first.
        let mut q = queue(10, 3);
        for i in 0..3 {
            counted(&mut q);
            assert!(q.post.ready.val(), "room for message {i}");
            post(&mut q, &framed(1, &[i]), false);
        }
        counted(&mut q);
        assert!(!q.post.ready.val(), "max_posted messages waiting");
        commit(&mut q);
        assert!(
            !q.post.ready.val(),
            "room is registered: it shows an edge later"
        );
        step(&mut q);
        assert!(q.post.ready.val());
        // Bytes run out first: 4096 − 2 × 1478 < 1478.
        let mut q = queue(1478, 64);
        post(&mut q, &framed(1478, &[1; 1478]), false);
        counted(&mut q);
        assert!(q.post.ready.val());
        post(&mut q, &framed(1478, &[2; 1478]), false);
        counted(&mut q);
        assert!(
            !q.post.ready.val(),
            "no room for a whole max_payload message"
        );
        commit(&mut q);
        assert!(
            !q.post.ready.val(),
            "the pop's bytes are counted two edges later"
        );
        counted(&mut q);
        assert!(q.post.ready.val());
        assert_eq!(read_head(&mut q), [2; 1478]);
    }

    #[test]
    fn reset_empties_the_queue() {
        let mut q = queue(50, 2);
        post(&mut q, &framed(3, &[1, 2, 3]), false);
        post(&mut q, &framed(3, &[1, 2]), false);
        post(&mut q, &framed(1, &[4]), false);
        assert_eq!(counters(&q), (2, 2, 1));
        q.reset.next = true;
        settle(&mut q);
        assert!(!q.post.ready.val(), "no beat moves during reset");
        step(&mut q);
        q.reset.next = false;
        settle(&mut q);
        assert_eq!(counters(&q), (0, 0, 0));
        assert!(!q.head_valid.val() && !q.post.ready.val());
        step(&mut q);
        assert!(q.post.ready.val(), "room, registered, an edge after reset");
        post(&mut q, &framed(2, &[9, 9]), false);
        assert_eq!(read_head(&mut q), [9, 9]);
    }

    #[test]
    fn a_post_shows_two_edges_after_its_end_and_its_room_four() {
        // The `# Timing` contract edge by edge; the post's last byte moves at edge t.
        let mut q = queue(10, 4);
        step(&mut q);
        let ready = |q: &PostQueue| q.post.ready.val();
        send(&mut q, &framed(2, &[7, 8]), false);
        // After t: the last byte is in the input stage, not parsed yet.
        assert!(!ready(&q), "the post's end clears ready at once");
        assert_eq!(counters(&q), (0, 0, 0));
        assert!(!q.head_valid.val());
        step(&mut q);
        // After t + 1: parsed, its descriptor written; published at the next edge.
        assert!(!ready(&q), "its end was in the input stage");
        assert_eq!(counters(&q), (0, 0, 0));
        assert!(!q.head_valid.val());
        step(&mut q);
        // After t + 2: counted and visible, head_len included.
        assert!(!ready(&q), "being published: its bytes are not counted yet");
        assert_eq!(counters(&q), (1, 1, 0));
        assert!(q.head_valid.val());
        assert_eq!(q.head_len.val().index(), 2);
        step(&mut q);
        // After t + 3: its bytes are in `used`; `room_r` still holds the cycle before, when
        // they were being counted (no room then), and takes the new room at the next edge.
        assert!(!ready(&q), "counting");
        step(&mut q);
        assert!(ready(&q), "after t + 4, room that counts the post");
        assert_eq!(read_head(&mut q), [7, 8]);
        // A rejected post (longer than declared) adds nothing to count: ready after t + 2.
        settle(&mut q);
        send(&mut q, &framed(1, &[1, 2]), false);
        assert!(!ready(&q));
        assert_eq!(counters(&q), (1, 1, 0));
        step(&mut q);
        assert!(!ready(&q), "its end was in the input stage");
        assert_eq!(counters(&q), (1, 1, 0));
        step(&mut q);
        assert!(ready(&q), "nothing published: room again after t + 2");
        assert_eq!(counters(&q), (1, 1, 1));
    }

    #[test]
    fn reset_undoes_a_post_in_the_input_stage() {
        let mut q = queue(10, 4);
        send(&mut q, &framed(2, &[7, 8]), false);
        // The last byte moved at the last edge: the parser takes it in this reset cycle.
        q.reset.next = true;
        step(&mut q);
        q.reset.next = false;
        step(&mut q);
        step(&mut q);
        assert_eq!(counters(&q), (0, 0, 0), "the reset undid the post");
        assert!(!q.head_valid.val());
        // The queue starts over at its start: a new post is its head.
        post(&mut q, &framed(1, &[5]), false);
        assert_eq!(counters(&q), (1, 1, 0));
        assert_eq!(q.rd_start.val().index(), 0);
        assert_eq!(read_head(&mut q), [5]);
    }

    #[test]
    fn post_queue_is_synthesizable() {
        let mut q = PostQueue::new(&EngineParams::new(5, 0));
        let stats =
            exo_hdl_common::check_synthesizable(&mut q, "post_queue").expect("yosys synth_ecp5");
        eprintln!("post_queue: {stats}");
        assert!(stats.dp16kd >= 1, "the payload store is block RAM: {stats}");
    }
}
