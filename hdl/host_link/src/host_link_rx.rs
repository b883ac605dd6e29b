//! `HostLinkRx`: host link requests in, the engine's post stream and control port out.
//!
//! It parses frames from the host port (whole frames with a good FCS: the board's receive
//! buffer drops the others) as `exo_proto::host_link` defines them, one byte per cycle:
//!
//! - **POST**: the body `[len, payload]` goes to the engine's `post` stream as it arrives,
//!   `last` on its final byte; a frame that ends first ends the post with `error` (the queue
//!   discards it). A post that finds the queue without room (`post.ready` low at its first
//!   byte) is dropped and answered with ERROR `QUEUE_FULL`. The queue's `ready`, once high
//!   for a post, stays high until its last byte, so a post never waits in the middle.
//! - **WRITE**: each (address, value) is written through the control port as soon as its five
//!   bytes are in, waiting for `ctl_ready`; then WRITE_REPLY with the count done. A board
//!   address (≥ 0x80, read-only) stops the request with `BAD_ADDRESS`, a frame that ends
//!   early with `TRUNCATED`.
//! - **READ**: each address is read — the control port below 0x80 (`ctl_read`, then
//!   `ctl_rvalid`), the board's registers above (`board_addr`, the value on `board_rdata`
//!   [`BOARD_READ_LATENCY`] cycles later) — and its value written into the reply as it comes.
//!   A request that turns out truncated has its partial reply discarded and is answered with
//!   ERROR `TRUNCATED` instead.
//! - A count of 0 or above `MAX_ITEMS`, an unknown op or version: ERROR, nothing done.
//! - Frames of another EtherType are skipped and counted (`ev_foreign`).
//!
//! Replies are written through the [`ReplyWriter`] into the reply buffer, whose frames the
//! transmit side sends between records. At most [`MAX_PENDING`] complete replies wait there
//! (`reply_sent` from the transmit side frees one); a request starts only when a reply slot is
//! free, so the buffer never overflows. The host's MAC address (`host_mac`) is the source of
//! the last request of our EtherType and version.
//!
//! The parser is not reset with the engine: it finishes the frame in hand. A control port
//! read or write that meets the engine's reset completes (a read with value 0; a write counts
//! in the reply's `done`, as the reset clears what every earlier write did anyway), so the
//! parser never waits for an answer a resetting engine will not give.

use crate::reply_writer::ReplyWriter;
use exo_hdl_common::{FrameRxOut, FrameTxIn, FrameTxOut};
use exo_proto::host_link::{
    board, op, status, BODY_OFFSET, ETHERTYPE_HOST_LINK, MAX_ITEMS, VERSION,
};
use rust_hdl::prelude::*;

/// Complete replies that may wait in the reply buffer: 4 × the largest (324 bytes) fit its
/// 2048 with the one being written.
pub const MAX_PENDING: u32 = 4;
/// Cycles the parser waits for `board_rdata` after it changes `board_addr`: the board's read
/// multiplexer must be one register stage (its output registered at the edge after the
/// address changed).
pub const BOARD_READ_LATENCY: u32 = 2;

// The parser counts the header to byte 17 and loads `wait` with BOARD_READ_LATENCY − 1.
const _: () = assert!(BODY_OFFSET == 18 && MAX_ITEMS == 64 && BOARD_READ_LATENCY == 2);

/// Where the parser is.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum RxState {
    /// The 18 header bytes (the initial state: the first variant).
    Header,
    /// Header done: wait for a reply slot, then go by op.
    Dispatch,
    /// Consume the rest of the frame.
    Skip,
    PostHi,
    PostLo,
    PostBody,
    /// A WRITE's or READ's count byte.
    Count,
    /// The count byte is in `left`: check it, then go by op. Apart from `Count` so that no
    /// byte's value reaches the reply writer's load, which enables its 40-bit shift register,
    /// in the cycle the byte arrives (timing).
    CountCheck,
    WriteItem,
    WriteIssue,
    WriteDone,
    ReadAddr,
    ReadIssue,
    ReadWait,
    ReadBoard,
    ReadEmit,
    /// Discard the partial READ reply of a truncated request.
    ReadAbort,
    /// Answer with ERROR (`status`), then skip.
    Refuse,
}

/// The parser (see the module documentation).
#[derive(LogicBlock)]
pub struct HostLinkRx {
    pub clock: Signal<In, Clock>,
    /// The engine's reset: control port requests in flight complete.
    pub reset: Signal<In, Bit>,
    // ---- Frames from the host port
    pub rx: FrameTxIn,
    // ---- To the engine
    pub post: FrameTxOut,
    pub ctl_addr: Signal<Out, Bits<8>>,
    pub ctl_wdata: Signal<Out, Bits<32>>,
    pub ctl_write: Signal<Out, Bit>,
    pub ctl_read: Signal<Out, Bit>,
    pub ctl_ready: Signal<In, Bit>,
    pub ctl_rdata: Signal<In, Bits<32>>,
    pub ctl_rvalid: Signal<In, Bit>,
    // ---- The board's registers
    pub board_addr: Signal<Out, Bits<8>>,
    pub board_rdata: Signal<In, Bits<32>>,
    // ---- Replies, to the reply buffer
    pub reply: FrameRxOut,
    /// From the transmit side: a reply frame has left.
    pub reply_sent: Signal<In, Bit>,
    /// The source MAC of the last request of our EtherType and version (0 before the first).
    pub host_mac: Signal<Out, Bits<48>>,
    // ---- Events, one cycle each (board counters)
    pub ev_frame: Signal<Out, Bit>,
    pub ev_foreign: Signal<Out, Bit>,
    pub ev_post: Signal<Out, Bit>,
    pub ev_post_refused: Signal<Out, Bit>,
    pub ev_error: Signal<Out, Bit>,
    // ---- Internals
    writer: ReplyWriter,
    state: DFF<RxState>,
    /// Header byte index.
    pos: DFF<Bits<5>>,
    src: DFF<Bits<48>>,
    mac: DFF<Bits<48>>,
    eth_ok: DFF<Bit>,
    version_ok: DFF<Bit>,
    opcode: DFF<Bits<8>>,
    tag: DFF<Bits<16>>,
    /// The frame's last beat has been taken.
    ended: DFF<Bit>,
    /// Post bytes or request items still to come.
    left: DFF<Bits<16>>,
    /// The post ended with its length's low byte (a payload of 0 bytes, or a frame that ended
    /// there): `PostBody` takes nothing and goes on to `Skip`. `PostLo` always goes to
    /// `PostBody`, so no byte's value decides its next state in the cycle the queue's `ready`
    /// does (timing: the byte → length test → ready → state path missed 125 MHz on the 5A-75B).
    post_over: DFF<Bit>,
    done: DFF<Bits<8>>,
    /// A WRITE item's bytes so far / a READ's value.
    item: DFF<Bits<40>>,
    item_byte: DFF<Bits<3>>,
    addr: DFF<Bits<8>>,
    code: DFF<Bits<8>>,
    board_wait: DFF<Bits<2>>,
    pending: DFF<Bits<3>>,
    ctl_addr_r: DFF<Bits<8>>,
    ctl_wdata_r: DFF<Bits<32>>,
    ctl_write_r: DFF<Bit>,
    ctl_read_r: DFF<Bit>,
    /// The control port took our request at the last edge.
    ctl_taken: DFF<Bit>,
    /// The control port's answer, registered.
    rvalid_r: DFF<Bit>,
    rdata_r: DFF<Bits<32>>,
    board_addr_r: DFF<Bits<8>>,
    length: Signal<Local, Bits<16>>,
    write_value: Signal<Local, Bits<32>>,
    // ---- Constants
    ethertype_hi: Constant<Bits<8>>,
    ethertype_lo: Constant<Bits<8>>,
    version: Constant<Bits<8>>,
    max_items: Constant<Bits<8>>,
    board_base: Constant<Bits<8>>,
    max_pending: Constant<Bits<3>>,
    op_post: Constant<Bits<8>>,
    op_write: Constant<Bits<8>>,
    op_read: Constant<Bits<8>>,
    op_write_reply: Constant<Bits<8>>,
    op_read_reply: Constant<Bits<8>>,
    op_error: Constant<Bits<8>>,
    st_ok: Constant<Bits<8>>,
    st_truncated: Constant<Bits<8>>,
    st_bad_count: Constant<Bits<8>>,
    st_bad_address: Constant<Bits<8>>,
    st_queue_full: Constant<Bits<8>>,
    st_unknown_op: Constant<Bits<8>>,
    st_bad_version: Constant<Bits<8>>,
}

impl Default for HostLinkRx {
    fn default() -> Self {
        let [eh, el] = ETHERTYPE_HOST_LINK.to_be_bytes();
        let byte = |v: u8| Constant::new((v as u64).to_bits());
        HostLinkRx {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            post: Default::default(),
            ctl_addr: Default::default(),
            ctl_wdata: Default::default(),
            ctl_write: Default::default(),
            ctl_read: Default::default(),
            ctl_ready: Default::default(),
            ctl_rdata: Default::default(),
            ctl_rvalid: Default::default(),
            board_addr: Default::default(),
            board_rdata: Default::default(),
            reply: Default::default(),
            reply_sent: Default::default(),
            host_mac: Default::default(),
            ev_frame: Default::default(),
            ev_foreign: Default::default(),
            ev_post: Default::default(),
            ev_post_refused: Default::default(),
            ev_error: Default::default(),
            writer: Default::default(),
            state: Default::default(),
            pos: Default::default(),
            src: Default::default(),
            mac: Default::default(),
            eth_ok: Default::default(),
            version_ok: Default::default(),
            opcode: Default::default(),
            tag: Default::default(),
            ended: Default::default(),
            left: Default::default(),
            post_over: Default::default(),
            done: Default::default(),
            item: Default::default(),
            item_byte: Default::default(),
            addr: Default::default(),
            code: Default::default(),
            board_wait: Default::default(),
            pending: Default::default(),
            ctl_addr_r: Default::default(),
            ctl_wdata_r: Default::default(),
            ctl_write_r: Default::default(),
            ctl_read_r: Default::default(),
            ctl_taken: Default::default(),
            rvalid_r: Default::default(),
            rdata_r: Default::default(),
            board_addr_r: Default::default(),
            length: Default::default(),
            write_value: Default::default(),
            ethertype_hi: byte(eh),
            ethertype_lo: byte(el),
            version: byte(VERSION),
            max_items: byte(MAX_ITEMS as u8),
            board_base: byte(board::BASE),
            max_pending: Constant::new((MAX_PENDING as u64).to_bits()),
            op_post: byte(op::POST),
            op_write: byte(op::WRITE),
            op_read: byte(op::READ),
            op_write_reply: byte(op::WRITE_REPLY),
            op_read_reply: byte(op::READ_REPLY),
            op_error: byte(op::ERROR),
            st_ok: byte(status::OK),
            st_truncated: byte(status::TRUNCATED),
            st_bad_count: byte(status::BAD_COUNT),
            st_bad_address: byte(status::BAD_ADDRESS),
            st_queue_full: byte(status::QUEUE_FULL),
            st_unknown_op: byte(status::UNKNOWN_OP),
            st_bad_version: byte(status::BAD_VERSION),
        }
    }
}

// The state machine's recovery arm (`_`) is unreachable in Rust but not in the hardware.
#[allow(unreachable_patterns)]
impl Logic for HostLinkRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            pos,
            src,
            mac,
            eth_ok,
            version_ok,
            opcode,
            tag,
            ended,
            left,
            post_over,
            done,
            item,
            item_byte,
            addr,
            code,
            board_wait,
            pending,
            ctl_addr_r,
            ctl_wdata_r,
            ctl_write_r,
            ctl_read_r,
            ctl_taken,
            rvalid_r,
            rdata_r,
            board_addr_r
        );
        self.writer.clock.next = self.clock.val();
        // ---- Outputs from registers, defaults
        self.ctl_addr.next = self.ctl_addr_r.q.val();
        self.ctl_wdata.next = self.ctl_wdata_r.q.val();
        self.ctl_write.next = self.ctl_write_r.q.val();
        self.ctl_read.next = self.ctl_read_r.q.val();
        self.board_addr.next = self.board_addr_r.q.val();
        self.host_mac.next = self.mac.q.val();
        // A request the control port takes drops at once (the port must not take it twice);
        // the state machine learns of it a cycle later, from a register, and reads the answer
        // from registers too: the port's outputs reach only these flip-flops, not the state
        // logic (timing).
        self.ctl_write_r.d.next = self.ctl_write_r.q.val() & !self.ctl_ready.val();
        self.ctl_read_r.d.next = self.ctl_read_r.q.val() & !self.ctl_ready.val();
        self.ctl_taken.d.next =
            (self.ctl_write_r.q.val() | self.ctl_read_r.q.val()) & self.ctl_ready.val();
        self.rvalid_r.d.next = self.ctl_rvalid.val();
        self.rdata_r.d.next = self.ctl_rdata.val();
        self.reply.data.next = self.writer.out.data.val();
        self.reply.valid.next = self.writer.out.valid.val();
        self.reply.last.next = self.writer.out.last.val();
        self.reply.error.next = self.writer.out.error.val();
        self.rx.ready.next = false;
        self.post.valid.next = false;
        self.post.data.next = self.rx.data.val();
        self.post.last.next = false;
        self.post.error.next = false;
        self.writer.load.next = false;
        self.writer.bytes.next = 0.into();
        self.writer.count.next = 5.into();
        self.writer.ends.next = true;
        self.writer.discard.next = false;
        self.ev_frame.next = false;
        self.ev_foreign.next = false;
        self.ev_post.next = false;
        self.ev_post_refused.next = false;
        self.ev_error.next = false;
        self.length.next = (self.left.q.val() << 8) | bit_cast::<16, 8>(self.rx.data.val());
        self.write_value.next =
            (self.item.q.val().get_bits::<32>(0) << 8) | bit_cast::<32, 8>(self.rx.data.val());
        // Replies waiting in the buffer: one more per committed reply, one less per sent.
        if self.writer.committed.val() & !self.reply_sent.val() {
            self.pending.d.next = self.pending.q.val() + 1;
        } else if !self.writer.committed.val() & self.reply_sent.val() {
            self.pending.d.next = self.pending.q.val() - 1;
        }
        // The states that take bytes. Each arm below repeats its own condition instead of
        // reading `rx.ready` back: the Verilog is one sequential block (a signal read before
        // its last assignment has its old value), and only the post states should depend on
        // the queue's `ready` — which comes from the engine's reset — in the hardware too.
        match self.state.q.val() {
            RxState::Header => {
                self.rx.ready.next = true;
            }
            RxState::Skip => {
                self.rx.ready.next = !self.ended.q.val();
            }
            RxState::PostHi => {
                self.rx.ready.next = self.post.ready.val();
            }
            RxState::PostLo => {
                self.rx.ready.next = self.post.ready.val();
            }
            RxState::PostBody => {
                self.rx.ready.next = self.post.ready.val() & !self.post_over.q.val();
            }
            RxState::Count => {
                self.rx.ready.next = true;
            }
            RxState::WriteItem => {
                self.rx.ready.next = true;
            }
            RxState::ReadAddr => {
                self.rx.ready.next = true;
            }
            _ => {}
        }
        match self.state.q.val() {
            RxState::Header => {
                self.ended.d.next = false;
                if self.rx.valid.val() {
                    self.pos.d.next = self.pos.q.val() + 1;
                    if (self.pos.q.val() >= 6) & (self.pos.q.val() < 12) {
                        self.src.d.next =
                            (self.src.q.val() << 8) | bit_cast::<48, 8>(self.rx.data.val());
                    }
                    if self.pos.q.val() == 12 {
                        self.eth_ok.d.next = self.rx.data.val() == self.ethertype_hi.val();
                    }
                    if self.pos.q.val() == 13 {
                        self.eth_ok.d.next =
                            self.eth_ok.q.val() & (self.rx.data.val() == self.ethertype_lo.val());
                    }
                    if self.pos.q.val() == 14 {
                        self.version_ok.d.next = self.rx.data.val() == self.version.val();
                    }
                    if self.pos.q.val() == 15 {
                        self.opcode.d.next = self.rx.data.val();
                    }
                    if self.pos.q.val() == 16 {
                        self.tag.d.next = bit_cast::<16, 8>(self.rx.data.val()) << 8;
                    }
                    if self.pos.q.val() == 17 {
                        self.tag.d.next = self.tag.q.val() | bit_cast::<16, 8>(self.rx.data.val());
                        self.pos.d.next = 0.into();
                        self.ended.d.next = self.rx.last.val();
                        if self.eth_ok.q.val() {
                            self.ev_frame.next = true;
                            self.state.d.next = RxState::Dispatch;
                            if self.version_ok.q.val() {
                                self.mac.d.next = self.src.q.val();
                            }
                        } else {
                            self.ev_foreign.next = true;
                            self.state.d.next = RxState::Skip;
                        }
                    } else if self.rx.last.val() {
                        // Shorter than a header (the buffer passes no such frame).
                        self.pos.d.next = 0.into();
                        self.ev_foreign.next = true;
                    }
                }
            }
            RxState::Dispatch => {
                if self.pending.q.val() < self.max_pending.val() {
                    self.code.d.next = self.st_unknown_op.val();
                    self.state.d.next = RxState::Refuse;
                    if !self.version_ok.q.val() {
                        self.code.d.next = self.st_bad_version.val();
                    } else if (self.opcode.q.val() == self.op_post.val())
                        | (self.opcode.q.val() == self.op_write.val())
                        | (self.opcode.q.val() == self.op_read.val())
                    {
                        self.state.d.next = RxState::Count;
                        if self.opcode.q.val() == self.op_post.val() {
                            self.state.d.next = RxState::PostHi;
                        }
                        if self.ended.q.val() {
                            self.code.d.next = self.st_truncated.val();
                            self.state.d.next = RxState::Refuse;
                        }
                    }
                }
            }
            RxState::Skip => {
                if self.ended.q.val() | (self.rx.valid.val() & self.rx.last.val()) {
                    self.state.d.next = RxState::Header;
                }
            }
            RxState::PostHi => {
                if self.rx.valid.val() {
                    if self.post.ready.val() {
                        self.post.valid.next = true;
                        self.post.last.next = self.rx.last.val();
                        self.post.error.next = self.rx.last.val();
                        self.left.d.next = bit_cast::<16, 8>(self.rx.data.val());
                        self.ended.d.next = self.rx.last.val();
                        self.state.d.next = RxState::PostLo;
                        if self.rx.last.val() {
                            self.state.d.next = RxState::Skip;
                        }
                    } else {
                        self.code.d.next = self.st_queue_full.val();
                        self.state.d.next = RxState::Refuse;
                    }
                }
            }
            RxState::PostLo => {
                self.post.valid.next = self.rx.valid.val();
                self.post.last.next = (self.length.val() == 0) | self.rx.last.val();
                self.post.error.next =
                    self.rx.last.val() & ((self.length.val() != 0) | self.rx.error.val());
                if self.rx.valid.val() & self.post.ready.val() {
                    self.left.d.next = self.length.val();
                    self.ended.d.next = self.rx.last.val();
                    self.post_over.d.next = self.post.last.val();
                    self.ev_post.next = self.post.last.val() & !self.post.error.val();
                    self.state.d.next = RxState::PostBody;
                }
            }
            RxState::PostBody => {
                self.post.valid.next = self.rx.valid.val() & !self.post_over.q.val();
                self.post.last.next = (self.left.q.val() == 1) | self.rx.last.val();
                self.post.error.next =
                    self.rx.last.val() & ((self.left.q.val() != 1) | self.rx.error.val());
                if self.post_over.q.val() {
                    self.state.d.next = RxState::Skip;
                } else if self.rx.valid.val() & self.post.ready.val() {
                    self.left.d.next = self.left.q.val() - 1;
                    self.ended.d.next = self.rx.last.val();
                    if self.post.last.val() {
                        self.ev_post.next = !self.post.error.val();
                        self.state.d.next = RxState::Skip;
                    }
                }
            }
            RxState::Count => {
                if self.rx.valid.val() {
                    self.ended.d.next = self.rx.last.val();
                    self.left.d.next = bit_cast::<16, 8>(self.rx.data.val());
                    self.done.d.next = 0.into();
                    self.item_byte.d.next = 0.into();
                    self.state.d.next = RxState::CountCheck;
                }
            }
            RxState::CountCheck => {
                if !self.writer.busy.val() {
                    if (self.left.q.val() == 0)
                        | (self.left.q.val() > bit_cast::<16, 8>(self.max_items.val()))
                    {
                        self.code.d.next = self.st_bad_count.val();
                        self.state.d.next = RxState::Refuse;
                    } else if self.ended.q.val() {
                        self.code.d.next = self.st_truncated.val();
                        self.state.d.next = RxState::Refuse;
                    } else if self.opcode.q.val() == self.op_write.val() {
                        self.state.d.next = RxState::WriteItem;
                    } else {
                        // READ: the reply's op, tag and count lead; the values follow.
                        self.writer.load.next = true;
                        self.writer.bytes.next = (bit_cast::<40, 8>(self.op_read_reply.val())
                            << 32)
                            | (bit_cast::<40, 16>(self.tag.q.val()) << 16)
                            | (bit_cast::<40, 8>(self.left.q.val().get_bits::<8>(0)) << 8);
                        self.writer.count.next = 4.into();
                        self.writer.ends.next = false;
                        self.state.d.next = RxState::ReadAddr;
                    }
                }
            }
            RxState::WriteItem => {
                if self.rx.valid.val() {
                    self.item.d.next =
                        (self.item.q.val() << 8) | bit_cast::<40, 8>(self.rx.data.val());
                    self.item_byte.d.next = self.item_byte.q.val() + 1;
                    self.ended.d.next = self.rx.last.val();
                    if self.item_byte.q.val() == 4 {
                        self.item_byte.d.next = 0.into();
                        self.addr.d.next = self.item.q.val().get_bits::<8>(24);
                        if self.item.q.val().get_bits::<8>(24) >= self.board_base.val() {
                            self.code.d.next = self.st_bad_address.val();
                            self.state.d.next = RxState::WriteDone;
                        } else {
                            self.ctl_addr_r.d.next = self.item.q.val().get_bits::<8>(24);
                            self.ctl_wdata_r.d.next = self.write_value.val();
                            self.ctl_write_r.d.next = true;
                            self.state.d.next = RxState::WriteIssue;
                        }
                    } else if self.rx.last.val() {
                        self.code.d.next = self.st_truncated.val();
                        self.state.d.next = RxState::WriteDone;
                    }
                }
            }
            RxState::WriteIssue => {
                if self.ctl_taken.q.val() | self.reset.val() {
                    self.ctl_write_r.d.next = false;
                    self.done.d.next = self.done.q.val() + 1;
                    self.left.d.next = self.left.q.val() - 1;
                    self.state.d.next = RxState::WriteItem;
                    if self.left.q.val() == 1 {
                        self.code.d.next = self.st_ok.val();
                        self.state.d.next = RxState::WriteDone;
                    } else if self.ended.q.val() {
                        self.code.d.next = self.st_truncated.val();
                        self.state.d.next = RxState::WriteDone;
                    }
                }
            }
            RxState::WriteDone => {
                if !self.writer.busy.val() {
                    self.writer.load.next = true;
                    self.writer.bytes.next = (bit_cast::<40, 8>(self.op_write_reply.val()) << 32)
                        | (bit_cast::<40, 16>(self.tag.q.val()) << 16)
                        | (bit_cast::<40, 8>(self.code.q.val()) << 8)
                        | bit_cast::<40, 8>(self.done.q.val());
                    self.state.d.next = RxState::Skip;
                }
            }
            RxState::ReadAddr => {
                if self.rx.valid.val() {
                    self.addr.d.next = self.rx.data.val();
                    self.ended.d.next = self.rx.last.val();
                    if self.rx.last.val() & (self.left.q.val() != 1) {
                        self.state.d.next = RxState::ReadAbort;
                    } else if self.rx.data.val() >= self.board_base.val() {
                        self.board_addr_r.d.next = self.rx.data.val();
                        self.board_wait.d.next = 1.into();
                        self.state.d.next = RxState::ReadBoard;
                    } else {
                        self.ctl_addr_r.d.next = self.rx.data.val();
                        self.ctl_read_r.d.next = true;
                        self.state.d.next = RxState::ReadIssue;
                    }
                }
            }
            RxState::ReadIssue => {
                if self.reset.val() {
                    self.ctl_read_r.d.next = false;
                    self.item.d.next = 0.into();
                    self.state.d.next = RxState::ReadEmit;
                } else if self.ctl_taken.q.val() {
                    self.state.d.next = RxState::ReadWait;
                }
            }
            RxState::ReadWait => {
                if self.rvalid_r.q.val() | self.reset.val() {
                    self.item.d.next = bit_cast::<40, 32>(self.rdata_r.q.val());
                    if self.reset.val() {
                        self.item.d.next = 0.into();
                    }
                    self.state.d.next = RxState::ReadEmit;
                }
            }
            RxState::ReadBoard => {
                self.board_wait.d.next = self.board_wait.q.val() - 1;
                if self.board_wait.q.val() == 0 {
                    self.item.d.next = bit_cast::<40, 32>(self.board_rdata.val());
                    self.state.d.next = RxState::ReadEmit;
                }
            }
            RxState::ReadEmit => {
                if !self.writer.busy.val() {
                    self.writer.load.next = true;
                    self.writer.bytes.next = (bit_cast::<40, 8>(self.addr.q.val()) << 32)
                        | bit_cast::<40, 32>(self.item.q.val().get_bits::<32>(0));
                    self.writer.ends.next = self.left.q.val() == 1;
                    self.left.d.next = self.left.q.val() - 1;
                    self.state.d.next = RxState::ReadAddr;
                    if self.left.q.val() == 1 {
                        self.state.d.next = RxState::Skip;
                    }
                }
            }
            RxState::ReadAbort => {
                if !self.writer.busy.val() {
                    self.writer.load.next = true;
                    self.writer.count.next = 1.into();
                    self.writer.discard.next = true;
                    self.code.d.next = self.st_truncated.val();
                    self.state.d.next = RxState::Refuse;
                }
            }
            RxState::Refuse => {
                if !self.writer.busy.val() {
                    self.writer.load.next = true;
                    self.writer.bytes.next = (bit_cast::<40, 8>(self.op_error.val()) << 32)
                        | (bit_cast::<40, 16>(self.tag.q.val()) << 16)
                        | (bit_cast::<40, 8>(self.code.q.val()) << 8)
                        | bit_cast::<40, 8>(self.opcode.q.val());
                    self.ev_error.next = true;
                    self.ev_post_refused.next = self.code.q.val() == self.st_queue_full.val();
                    self.state.d.next = RxState::Skip;
                }
            }
            _ => {
                self.state.d.next = RxState::Header;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_link_rx_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut HostLinkRx::default(), "host_link_rx")
            .expect("yosys synth_ecp5");
    }
}
