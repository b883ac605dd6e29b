//! `HostLinkRx` in simulation, held to its module documentation and to the host link's
//! definition (`exo_proto::host_link`): requests are built with `encode_request`, replies
//! checked with `encode_reply`/`decode_reply`.
//!
//! The tests check behaviour, never cycle counts: the bytes and `last`/`error` of the post
//! stream, the control port's writes and reads, the reply frames' bytes, how often each event
//! pulses, the host MAC, and that every request finishes within a generous bound.
//!
//! The bench plays everything around the parser:
//!
//! - the host port's receive buffer: whole frames (at least 60 bytes, as the MAC passes them;
//!   `encode_request` pads to that) offered on `rx`, with random gaps if the timing says so;
//!   a byte once offered stays until taken;
//! - the engine's posted queue on `post`: a frame is pushed with or without room, and `ready`
//!   is high or low while the parser is on it (from its first byte taken to the next frame's);
//!   once a post's first byte moved, `ready` stays high until its last byte moved (as
//!   `PostQueue`'s handshake does);
//! - the engine's control port: `ctl_ready` high with some probability (never in reset), a
//!   read answered by `ctl_rvalid`/`ctl_rdata` 1 or more cycles after it was taken (`ctl_rdata`
//!   is noise otherwise), from a register map that the writes update; a reset drops the
//!   answers still due, as a resetting engine would;
//! - the board's read multiplexer: `board_rdata` is a register loaded at each edge with the
//!   value of the address on `board_addr` before it (one register stage:
//!   `BOARD_READ_LATENCY` = 2);
//! - the reply buffer: a frame of the `reply` stream is its bytes up to `last`; one with
//!   `error` on its `last` is discarded (the writer's `discard`);
//! - the transmit side: `reply_sent` a while after each committed reply, or only when a test
//!   says so (to fill the `MAX_PENDING` reply slots).
//!
//! What the reply stream carries: the reply frame from its op on — `op`, `tag` (2), body —
//! without destination, source, EtherType and version (`HostLinkTx` sends those 15 bytes,
//! `REPLY_PREFIX`, before it) and without padding. The tests compare its bytes with
//! `encode_reply`'s frame from offset 15 up to the end of the body, and decode it with
//! `decode_reply` after putting such a prefix before it.
//!
//! Seeded tests print their seed; `EXO_SEED=<seed>` replays one.

use exo_hdl_common::sim::{cycle, settle, test_seed};
use exo_host_link::host_link_rx::{BOARD_READ_LATENCY, MAX_PENDING};
use exo_host_link::HostLinkRx;
use exo_proto::host_link::{
    board, decode_reply, encode_reply, encode_request, op, status, Header, Reply, Request,
    BODY_OFFSET, ETHERTYPE_HOST_LINK, MAX_ITEMS, VERSION,
};
use exo_proto::rng::Rng;
use exo_proto::wire::MIN_FRAME_LEN;
use rust_hdl::prelude::*;
use std::collections::VecDeque;

const _: () = assert!(
    BOARD_READ_LATENCY == 2,
    "the bench's board multiplexer is one register stage"
);

/// Bytes `HostLinkTx` sends before a reply's op: destination, source, EtherType, version.
const REPLY_PREFIX: usize = 15;
/// The engine's MAC (a request's destination: not checked).
const ENGINE: [u8; 6] = [0x02, 0x45, 0x58, 0, 1, 0];
const HOST: [u8; 6] = [0x0a, 0, 0, 0, 0, 0x09];
/// Nothing at all moved for this long: the parser hung.
const HANG: u64 = 5_000;
/// Cycles without activity after which a run is over.
const QUIET: u64 = 200;

fn clock(r: &mut HostLinkRx) -> &mut Signal<In, Clock> {
    &mut r.clock
}

fn mac_value(mac: &[u8]) -> u64 {
    mac.iter().fold(0, |v, &b| (v << 8) | u64::from(b))
}

/// What the board's read multiplexer shows for an address: the identification word at
/// `IDENT_ADDR`, a value telling the address apart elsewhere.
fn board_value(addr: u8) -> u32 {
    if addr == board::IDENT_ADDR {
        board::IDENT
    } else {
        0xB0A0_0000 | (u32::from(addr) << 8) | u32::from(addr ^ 0x5a)
    }
}

fn header(src: [u8; 6], tag: u16) -> Header {
    Header {
        dst: ENGINE,
        src,
        tag,
    }
}

/// A request frame from the host link's encoder.
fn request(src: [u8; 6], tag: u16, r: &Request) -> Vec<u8> {
    encode_request(&header(src, tag), r).expect("the tests build encodable requests")
}

fn post(tag: u16, payload: Vec<u8>) -> Vec<u8> {
    request(HOST, tag, &Request::Post { payload })
}

fn write(tag: u16, writes: &[(u8, u32)]) -> Vec<u8> {
    request(
        HOST,
        tag,
        &Request::Write {
            writes: writes.to_vec(),
        },
    )
}

fn read(tag: u16, addrs: &[u8]) -> Vec<u8> {
    request(
        HOST,
        tag,
        &Request::Read {
            addrs: addrs.to_vec(),
        },
    )
}

/// The bytes of the reply stream for a reply: the frame `encode_reply` builds, from its op to
/// the end of its body (no prefix, no padding).
fn reply_bytes(tag: u16, reply: &Reply) -> Vec<u8> {
    let body = match reply {
        Reply::WriteReply { .. } | Reply::Error { .. } => 2,
        Reply::ReadReply { values } => 1 + 5 * values.len(),
        Reply::Record { .. } => unreachable!("the parser sends no records"),
    };
    let frame = encode_reply(&header(HOST, tag), reply).expect("an encodable reply");
    frame[REPLY_PREFIX..BODY_OFFSET + body].to_vec()
}

/// A frame of the reply stream decoded as the host will see it, after `HostLinkTx`'s prefix.
fn decode(bytes: &[u8]) -> (u16, Reply) {
    let mut frame = HOST.to_vec();
    frame.extend(ENGINE);
    frame.extend(ETHERTYPE_HOST_LINK.to_be_bytes());
    frame.push(VERSION);
    assert_eq!(frame.len(), REPLY_PREFIX);
    frame.extend_from_slice(bytes);
    let (h, r) =
        decode_reply(&frame).unwrap_or_else(|e| panic!("reply {bytes:02x?} does not decode: {e}"));
    (h.tag, r)
}

/// Checks a frame of the reply stream, byte for byte and decoded.
fn assert_reply(got: &[u8], tag: u16, want: &Reply, what: &str) {
    assert_eq!(decode(got), (tag, want.clone()), "{what}: reply decoded");
    assert_eq!(got, reply_bytes(tag, want), "{what}: reply bytes");
}

fn error(st: u8, request_op: u8) -> Reply {
    Reply::Error {
        status: st,
        request_op,
    }
}

// ------------------------------------------------------------------------------------------
// The bench

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CtlOp {
    Write(u8, u32),
    Read(u8),
}

/// Cycles each event output was high.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Events {
    frame: u32,
    foreign: u32,
    post: u32,
    post_refused: u32,
    error: u32,
}

#[derive(Clone, Copy, Debug)]
struct Timing {
    /// Probability that a frame byte is not offered in a cycle.
    rx_gap: f64,
    /// Idle cycles between frames (inclusive range).
    frame_gap: (u64, u64),
    /// Probability that `ctl_ready` is high in a cycle.
    ctl_ready: f64,
    /// Cycles from a read's take to its answer (inclusive range, at least 1).
    ctl_latency: (u64, u64),
    /// Cycles from a committed reply to its `reply_sent` (None: only `free_one`).
    reply_sent_delay: Option<(u64, u64)>,
}

impl Timing {
    /// No gaps; a control port always ready that answers in 4 cycles, as the engine's.
    fn steady() -> Timing {
        Timing {
            rx_gap: 0.0,
            frame_gap: (0, 0),
            ctl_ready: 1.0,
            ctl_latency: (4, 4),
            reply_sent_delay: Some((20, 40)),
        }
    }

    /// Gaps in the frames, a slow and irregular control port, replies sent at random.
    fn gappy() -> Timing {
        Timing {
            rx_gap: 0.4,
            frame_gap: (0, 6),
            ctl_ready: 0.3,
            ctl_latency: (1, 12),
            reply_sent_delay: Some((1, 120)),
        }
    }
}

struct Frame {
    bytes: Vec<u8>,
    /// The posted queue has room for a post in this frame.
    room: bool,
}

/// What the parser did while on one frame (from its first byte taken to the next frame's).
#[derive(Debug, Default)]
struct Seen {
    /// Cycles its first and last bytes were taken.
    first: Option<u64>,
    last: Option<u64>,
    ctl: Vec<CtlOp>,
    /// Posts (bytes, `error` on the last byte), each up to its `last`.
    posts: Vec<(Vec<u8>, bool)>,
    events: Events,
    /// `host_mac` after the frame (when the next one started, or at the end of the run).
    mac_after: Option<u64>,
}

struct Outs {
    rx_ready: bool,
    post_valid: bool,
    post_data: u8,
    post_last: bool,
    post_error: bool,
    ctl_write: bool,
    ctl_read: bool,
    ctl_addr: u8,
    ctl_wdata: u32,
    board_addr: u8,
    reply_valid: bool,
    reply_data: u8,
    reply_last: bool,
    reply_error: bool,
    host_mac: u64,
    events: Events,
}

fn outputs(u: &HostLinkRx) -> Outs {
    Outs {
        rx_ready: u.rx.ready.val(),
        post_valid: u.post.valid.val(),
        post_data: u.post.data.val().to_u8(),
        post_last: u.post.last.val(),
        post_error: u.post.error.val(),
        ctl_write: u.ctl_write.val(),
        ctl_read: u.ctl_read.val(),
        ctl_addr: u.ctl_addr.val().to_u8(),
        ctl_wdata: u.ctl_wdata.val().to_u32(),
        board_addr: u.board_addr.val().to_u8(),
        reply_valid: u.reply.valid.val(),
        reply_data: u.reply.data.val().to_u8(),
        reply_last: u.reply.last.val(),
        reply_error: u.reply.error.val(),
        host_mac: u.host_mac.val().to_u64(),
        events: Events {
            frame: u32::from(u.ev_frame.val()),
            foreign: u32::from(u.ev_foreign.val()),
            post: u32::from(u.ev_post.val()),
            post_refused: u32::from(u.ev_post_refused.val()),
            error: u32::from(u.ev_error.val()),
        },
    }
}

fn add(e: &mut Events, d: Events) {
    e.frame += d.frame;
    e.foreign += d.foreign;
    e.post += d.post;
    e.post_refused += d.post_refused;
    e.error += d.error;
}

struct Bench {
    uut: Box<HostLinkRx>,
    rng: Rng,
    t: Timing,
    frames: Vec<Frame>,
    seen: Vec<Seen>,
    /// What happened while no frame had started.
    stray: Seen,
    /// The frame being offered, its next byte, whether that byte is offered now.
    next: usize,
    pos: usize,
    offered: bool,
    gap: u64,
    /// The frame the parser is on: the last whose first byte was taken.
    current: Option<usize>,
    /// The control port's registers (addresses below `board::BASE`).
    regs: [u32; 128],
    /// Read answers due: (cycle, value).
    answers: VecDeque<(u64, u32)>,
    /// A control request seen and not taken yet.
    held: Option<CtlOp>,
    board_out: u32,
    post_open: Option<Vec<u8>>,
    reply_open: Vec<u8>,
    /// Committed reply frames, in order.
    replies: Vec<Vec<u8>>,
    /// Reply frames that ended with `error` (discarded by the buffer).
    discarded: Vec<Vec<u8>>,
    /// Committed replies not yet sent (they hold a reply slot).
    waiting: u32,
    /// Cycles with all `MAX_PENDING` slots taken.
    full_cycles: u64,
    send_at: Option<u64>,
    free_now: bool,
    /// Driven by the test: the engine's reset, and `ctl_ready` held low.
    reset: bool,
    ctl_hold: bool,
    now: u64,
    /// The last cycle something moved.
    progress: u64,
}

impl Bench {
    fn new(seed: u64, t: Timing) -> Bench {
        let mut uut = Box::new(HostLinkRx::default());
        uut.connect_all();
        let mut regs = [0; 128];
        for (i, r) in regs.iter_mut().enumerate() {
            *r = 0xC0DE_0000 | ((i as u32) << 8) | (i as u32 ^ 0xa5);
        }
        Bench {
            uut,
            rng: Rng::new(seed),
            t,
            frames: Vec::new(),
            seen: Vec::new(),
            stray: Seen::default(),
            next: 0,
            pos: 0,
            offered: false,
            gap: 0,
            current: None,
            regs,
            answers: VecDeque::new(),
            held: None,
            board_out: 0,
            post_open: None,
            reply_open: Vec::new(),
            replies: Vec::new(),
            discarded: Vec::new(),
            waiting: 0,
            full_cycles: 0,
            send_at: None,
            free_now: false,
            reset: false,
            ctl_hold: false,
            now: 0,
            progress: 0,
        }
    }

    /// Queues a frame; returns its index.
    fn push(&mut self, bytes: Vec<u8>, room: bool) -> usize {
        assert!(
            bytes.len() >= MIN_FRAME_LEN,
            "the receive buffer passes no runts"
        );
        self.frames.push(Frame { bytes, room });
        self.seen.push(Seen::default());
        self.frames.len() - 1
    }

    fn noise(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// One cycle: drive the inputs, settle, observe, clock edge.
    fn step(&mut self) {
        let now = self.now;
        // ---- The receive buffer
        let mut rx = None;
        if self.next < self.frames.len() {
            if self.gap > 0 {
                self.gap -= 1;
            } else {
                if !self.offered {
                    self.offered = !self.rng.chance(self.t.rx_gap);
                }
                if self.offered {
                    let f = &self.frames[self.next].bytes;
                    rx = Some((f[self.pos], self.pos + 1 == f.len()));
                }
            }
        }
        let (data, last) = match rx {
            Some((d, l)) => (u64::from(d), l),
            None => (self.noise() & 0xff, self.rng.chance(0.3)),
        };
        // ---- The posted queue: room (or not) for the whole frame the parser is on
        let post_ready = self.post_open.is_some()
            || match self.current {
                Some(k) => self.frames[k].room,
                None => self.rng.chance(0.5),
            };
        // ---- The control port
        if self.reset {
            self.answers.clear();
        }
        let ctl_ready = !self.reset && !self.ctl_hold && self.rng.chance(self.t.ctl_ready);
        let answer = match self.answers.front() {
            Some(&(due, v)) if due <= now => {
                self.answers.pop_front();
                Some(v)
            }
            _ => None,
        };
        let rdata = answer.unwrap_or(self.noise() as u32);
        // ---- The transmit side
        let sent = if self.free_now {
            self.free_now = false;
            true
        } else if let (Some((lo, hi)), true) = (self.t.reply_sent_delay, self.waiting > 0) {
            match self.send_at {
                None => {
                    self.send_at = Some(now + self.rng.range(lo, hi));
                    false
                }
                Some(t) if now >= t => {
                    self.send_at = None;
                    true
                }
                Some(_) => false,
            }
        } else {
            false
        };
        let u = &mut *self.uut;
        u.rx.valid.next = rx.is_some();
        u.rx.data.next = data.to_bits();
        u.rx.last.next = last;
        u.rx.error.next = false;
        u.post.ready.next = post_ready;
        u.ctl_ready.next = ctl_ready;
        u.ctl_rvalid.next = answer.is_some();
        u.ctl_rdata.next = u64::from(rdata).to_bits();
        u.board_rdata.next = u64::from(self.board_out).to_bits();
        u.reply_sent.next = sent;
        u.reset.next = self.reset;
        settle(u);
        let o = outputs(u);
        self.observe(&o, rx.is_some(), post_ready, ctl_ready, sent);
        if answer.is_some() {
            self.progress = now;
        }
        cycle(&mut *self.uut, clock);
        self.board_out = board_value(o.board_addr);
        self.now += 1;
    }

    fn observe(&mut self, o: &Outs, offered: bool, post_ready: bool, ctl_ready: bool, sent: bool) {
        let now = self.now;
        let seen = match self.current {
            Some(k) => &mut self.seen[k],
            None => &mut self.stray,
        };
        add(&mut seen.events, o.events);
        // ---- The post stream
        if o.post_valid && post_ready {
            self.progress = now;
            assert!(
                !o.post_error || o.post_last,
                "post stream: error without last"
            );
            self.post_open
                .get_or_insert_with(Vec::new)
                .push(o.post_data);
            if o.post_last {
                let bytes = self.post_open.take().unwrap_or_default();
                seen.posts.push((bytes, o.post_error));
            }
        }
        // ---- The control port
        if o.ctl_write || o.ctl_read {
            assert!(
                !(o.ctl_write && o.ctl_read),
                "ctl_write and ctl_read at once"
            );
            assert!(
                o.ctl_addr < board::BASE,
                "board address {:#04x} on the control port",
                o.ctl_addr
            );
            let req = if o.ctl_write {
                CtlOp::Write(o.ctl_addr, o.ctl_wdata)
            } else {
                CtlOp::Read(o.ctl_addr)
            };
            if let Some(h) = self.held {
                assert_eq!(req, h, "a control request changed before it was taken");
            }
            self.held = Some(req);
            if ctl_ready {
                self.held = None;
                self.progress = now;
                seen.ctl.push(req);
                match req {
                    CtlOp::Write(a, v) => self.regs[usize::from(a)] = v,
                    CtlOp::Read(a) => {
                        assert!(
                            self.answers.is_empty(),
                            "a read issued before the previous one's answer"
                        );
                        let (lo, hi) = self.t.ctl_latency;
                        let due = now + self.rng.range(lo.max(1), hi);
                        self.answers.push_back((due, self.regs[usize::from(a)]));
                    }
                }
            }
        } else {
            assert!(
                self.held.is_none(),
                "control request {:?} withdrawn before it was taken (not in reset)",
                self.held
            );
        }
        if self.reset {
            // The parser may withdraw its request after this edge.
            self.held = None;
        }
        // ---- The reply stream
        let mut committed = false;
        if o.reply_valid {
            self.progress = now;
            assert!(
                !o.reply_error || o.reply_last,
                "reply stream: error without last"
            );
            self.reply_open.push(o.reply_data);
            if o.reply_last {
                let frame = std::mem::take(&mut self.reply_open);
                if o.reply_error {
                    self.discarded.push(frame);
                } else {
                    self.replies.push(frame);
                    committed = true;
                }
            }
        }
        assert!(!sent || self.waiting > 0 || committed);
        self.waiting = self.waiting + u32::from(committed) - u32::from(sent);
        assert!(
            self.waiting <= MAX_PENDING,
            "{} complete replies wait in the reply buffer (at most {MAX_PENDING})",
            self.waiting
        );
        if self.waiting == MAX_PENDING {
            self.full_cycles += 1;
        }
        // ---- The receive buffer
        if offered && o.rx_ready {
            self.progress = now;
            let k = self.next;
            if self.pos == 0 {
                if let Some(c) = self.current {
                    self.seen[c].mac_after = Some(o.host_mac);
                }
                self.current = Some(k);
                self.seen[k].first = Some(now);
            }
            self.pos += 1;
            self.offered = false;
            if self.pos == self.frames[k].bytes.len() {
                self.seen[k].last = Some(now);
                self.next += 1;
                self.pos = 0;
                let (lo, hi) = self.t.frame_gap;
                self.gap = self.rng.range(lo, hi);
            }
        }
    }

    fn idle(&self) -> bool {
        self.next == self.frames.len()
            && self.answers.is_empty()
            && self.held.is_none()
            && self.post_open.is_none()
            && self.reply_open.is_empty()
    }

    /// Runs until every frame is taken and nothing has moved for a while; panics if nothing
    /// moves for `HANG` cycles before.
    fn run(&mut self) {
        loop {
            self.step();
            let still = self.now - self.progress;
            if self.idle() && still > QUIET {
                break;
            }
            assert!(
                still < HANG,
                "the parser hung: nothing moved for {HANG} cycles (frame {} of {}, byte {}, \
                 {} replies waiting, control request {:?})",
                self.next,
                self.frames.len(),
                self.pos,
                self.waiting,
                self.held
            );
        }
        if let Some(c) = self.current {
            self.seen[c].mac_after = Some(self.uut.host_mac.val().to_u64());
        }
    }

    fn run_for(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.step();
        }
    }

    /// Steps until `done` holds; panics after `max` cycles.
    fn run_until(&mut self, max: u64, what: &str, done: impl Fn(&Bench) -> bool) {
        for _ in 0..max {
            if done(self) {
                return;
            }
            self.step();
        }
        panic!("{what}: not within {max} cycles");
    }

    /// A `reply_sent` pulse in the next cycle.
    fn free_one(&mut self) {
        assert!(self.waiting > 0);
        self.free_now = true;
        self.step();
    }

    fn taken(&self, k: usize) -> bool {
        self.seen[k].last.is_some()
    }

    /// Every frame took at most a generous number of cycles, from its first byte to the next
    /// frame's (or to the end of the run).
    fn assert_no_slow_request(&self) {
        for (k, s) in self.seen.iter().enumerate() {
            let first = s.first.unwrap_or_else(|| panic!("frame {k} never started"));
            let end = self
                .seen
                .get(k + 1)
                .and_then(|n| n.first)
                .unwrap_or(self.now);
            let bound = 4_000 + 40 * self.frames[k].bytes.len() as u64;
            assert!(
                end - first <= bound,
                "frame {k} took {} cycles (bound {bound})",
                end - first
            );
        }
    }

    fn assert_no_stray(&self) {
        assert_eq!(
            self.stray.events,
            Events::default(),
            "events before a frame"
        );
        assert!(self.stray.ctl.is_empty() && self.stray.posts.is_empty());
    }
}

// ------------------------------------------------------------------------------------------
// The reference: what the module documentation and the protocol say a request does

#[derive(Debug, Default)]
struct Expected {
    events: Events,
    ctl: Vec<CtlOp>,
    /// A read that may or may not be issued: a truncated READ's address in the frame's last
    /// byte (the request is answered by ERROR and the reads have no effect).
    ctl_maybe: Option<CtlOp>,
    posts: Vec<(Vec<u8>, bool)>,
    reply: Option<(u16, Reply)>,
    /// A partial READ_REPLY is discarded (a truncated READ).
    discarded: Option<u16>,
    mac_after: u64,
}

struct Reference {
    regs: [u32; 128],
    mac: u64,
}

impl Reference {
    fn value(&self, addr: u8) -> u32 {
        if addr >= board::BASE {
            board_value(addr)
        } else {
            self.regs[usize::from(addr)]
        }
    }

    /// What a frame of at least 60 bytes does; `room`: the posted queue has room.
    fn request(&mut self, f: &[u8], room: bool) -> Expected {
        let mut e = Expected::default();
        if u16::from_be_bytes([f[12], f[13]]) != ETHERTYPE_HOST_LINK {
            e.events.foreign = 1;
            e.mac_after = self.mac;
            return e;
        }
        e.events.frame = 1;
        let (version, opc, tag) = (f[14], f[15], u16::from_be_bytes([f[16], f[17]]));
        let body = &f[BODY_OFFSET..];
        let refuse = |e: &mut Expected, st: u8| {
            e.events.error = 1;
            e.reply = Some((tag, error(st, opc)));
        };
        if version != VERSION {
            refuse(&mut e, status::BAD_VERSION);
            e.mac_after = self.mac;
            return e;
        }
        self.mac = mac_value(&f[6..12]);
        e.mac_after = self.mac;
        match opc {
            op::POST if !room => {
                refuse(&mut e, status::QUEUE_FULL);
                e.events.post_refused = 1;
            }
            op::POST => {
                let want = 2 + usize::from(u16::from_be_bytes([body[0], body[1]]));
                if body.len() >= want {
                    e.posts.push((body[..want].to_vec(), false));
                    e.events.post = 1;
                } else {
                    e.posts.push((body.to_vec(), true));
                }
            }
            op::WRITE | op::READ => {
                let count = usize::from(body[0]);
                let items = &body[1..];
                if count == 0 || count > MAX_ITEMS {
                    refuse(&mut e, status::BAD_COUNT);
                } else if opc == op::WRITE {
                    let mut st = status::OK;
                    let mut done = 0;
                    for i in 0..count {
                        let Some(item) = items.get(5 * i..5 * i + 5) else {
                            st = status::TRUNCATED;
                            break;
                        };
                        if item[0] >= board::BASE {
                            st = status::BAD_ADDRESS;
                            break;
                        }
                        let v = u32::from_be_bytes([item[1], item[2], item[3], item[4]]);
                        e.ctl.push(CtlOp::Write(item[0], v));
                        self.regs[usize::from(item[0])] = v;
                        done += 1;
                    }
                    e.reply = Some((tag, Reply::WriteReply { status: st, done }));
                } else if items.len() < count {
                    let (&last, before) = items.split_last().expect("frames of 60 bytes");
                    e.ctl = before
                        .iter()
                        .filter(|&&a| a < board::BASE)
                        .map(|&a| CtlOp::Read(a))
                        .collect();
                    e.ctl_maybe = (last < board::BASE).then_some(CtlOp::Read(last));
                    e.discarded = Some(tag);
                    refuse(&mut e, status::TRUNCATED);
                } else {
                    let addrs = &items[..count];
                    e.ctl = addrs
                        .iter()
                        .filter(|&&a| a < board::BASE)
                        .map(|&a| CtlOp::Read(a))
                        .collect();
                    let values = addrs.iter().map(|&a| (a, self.value(a))).collect();
                    e.reply = Some((tag, Reply::ReadReply { values }));
                }
            }
            _ => refuse(&mut e, status::UNKNOWN_OP),
        }
        e
    }
}

/// Everything the bench saw against the reference's expectations, frame by frame.
fn check(b: &Bench, exp: &[Expected], labels: &[String], run: &str) {
    assert_eq!(b.seen.len(), exp.len());
    b.assert_no_stray();
    b.assert_no_slow_request();
    for (k, (s, e)) in b.seen.iter().zip(exp).enumerate() {
        let what = format!("{run}: frame {k} ({})", labels[k]);
        assert_eq!(s.events, e.events, "{what}: events");
        let with_maybe: Vec<CtlOp> = e.ctl.iter().copied().chain(e.ctl_maybe).collect();
        assert!(
            s.ctl == e.ctl || s.ctl == with_maybe,
            "{what}: control port\n  got      {:?}\n  expected {:?} (then maybe {:?})",
            s.ctl,
            e.ctl,
            e.ctl_maybe
        );
        assert!(
            s.posts == e.posts,
            "{what}: post stream\n  got      {:?}\n  expected {:?}",
            s.posts
                .iter()
                .map(|(p, err)| (p.len(), *err))
                .collect::<Vec<_>>(),
            e.posts
                .iter()
                .map(|(p, err)| (p.len(), *err))
                .collect::<Vec<_>>()
        );
        assert_eq!(s.mac_after, Some(e.mac_after), "{what}: host_mac after it");
    }
    let want: Vec<(usize, &(u16, Reply))> = exp
        .iter()
        .enumerate()
        .filter_map(|(k, e)| e.reply.as_ref().map(|r| (k, r)))
        .collect();
    for (i, (k, (tag, reply))) in want.iter().enumerate() {
        let got = b.replies.get(i).unwrap_or_else(|| {
            panic!(
                "{run}: reply {i} (frame {k}, {}) missing: {} replies",
                labels[*k],
                b.replies.len()
            )
        });
        assert_reply(
            got,
            *tag,
            reply,
            &format!("{run}: reply {i}, frame {k} ({})", labels[*k]),
        );
    }
    assert_eq!(b.replies.len(), want.len(), "{run}: reply count");
    let discarded: Vec<u16> = exp.iter().filter_map(|e| e.discarded).collect();
    assert_eq!(
        b.discarded.len(),
        discarded.len(),
        "{run}: discarded partial replies"
    );
    for (got, tag) in b.discarded.iter().zip(discarded) {
        assert_eq!(
            &got[..3],
            &[op::READ_REPLY, (tag >> 8) as u8, tag as u8],
            "{run}: a discarded partial READ_REPLY"
        );
    }
}

/// Runs frames (bytes, room) through a bench and checks everything against the reference.
fn run_and_check(seed: u64, t: Timing, frames: Vec<(Vec<u8>, bool, String)>, run: &str) -> Bench {
    let mut b = Bench::new(seed, t);
    let mut reference = Reference {
        regs: b.regs,
        mac: 0,
    };
    let mut exp = Vec::new();
    let mut labels = Vec::new();
    for (bytes, room, label) in frames {
        exp.push(reference.request(&bytes, room));
        b.push(bytes, room);
        labels.push(label);
    }
    b.run();
    check(&b, &exp, &labels, run);
    b
}

// ------------------------------------------------------------------------------------------
// 1–3: POST

#[test]
fn post_goes_to_the_post_stream_whole() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        for len in [0usize, 1, 2, 255, 256, 1000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut b = Bench::new(len as u64, t);
            let k = b.push(post(0x0100 + len as u16, payload.clone()), true);
            b.run();
            let what = format!("{name}: POST of {len} bytes");
            let mut want = (len as u16).to_be_bytes().to_vec();
            want.extend(&payload);
            assert_eq!(
                b.seen[k].posts,
                [(want, false)],
                "{what}: the post stream gets [len_hi, len_lo, payload], last on its final byte, no error"
            );
            assert_eq!(
                b.seen[k].events,
                Events {
                    frame: 1,
                    post: 1,
                    ..Events::default()
                },
                "{what}: events"
            );
            assert!(b.replies.is_empty(), "{what}: no reply");
            assert!(
                b.discarded.is_empty(),
                "{what}: nothing on the reply stream"
            );
            assert!(b.seen[k].ctl.is_empty(), "{what}: no control port request");
            assert_eq!(b.uut.host_mac.val().to_u64(), mac_value(&HOST));
            b.assert_no_stray();
            b.assert_no_slow_request();
        }
    }
}

#[test]
fn posts_back_to_back_with_trailing_bytes() {
    // Frames one after the other, some with more bytes after the body than the padding: each
    // post is exactly its [len, payload].
    let mut frames = Vec::new();
    for (i, len) in [3usize, 0, 41, 42, 43, 700, 0, 1].into_iter().enumerate() {
        let mut f = post(i as u16, vec![0xee; len]);
        f.extend(std::iter::repeat_n(0x77, i * 5));
        frames.push((f, true, format!("POST {len} + {} junk bytes", i * 5)));
    }
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        run_and_check(3, t, frames.clone(), name);
    }
}

#[test]
fn truncated_post_ends_with_error_and_no_reply() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        // A 30-byte payload declared as 100: the frame (60 bytes) ends first.
        let mut short = post(0x21, (1..=30).collect());
        short[18..20].copy_from_slice(&100u16.to_be_bytes());
        // A 1000-byte payload cut after 700 bytes of frame.
        let mut cut = post(0x22, (0..1000).map(|i| i as u8).collect());
        cut.truncate(700);
        let cases = [
            (short, "declared 100, 40 in the frame"),
            (cut, "cut at 700"),
        ];
        for (f, what) in cases {
            let what = format!("{name}: truncated POST, {what}");
            let mut b = Bench::new(7, t);
            let body = f[BODY_OFFSET..].to_vec();
            let k = b.push(f, true);
            let next = b.push(post(0x23, vec![5, 6]), true);
            b.run();
            assert_eq!(
                b.seen[k].posts,
                [(body, true)],
                "{what}: the post carries the body to the frame's end, error on its last byte"
            );
            assert_eq!(
                b.seen[k].events,
                Events {
                    frame: 1,
                    ..Events::default()
                },
                "{what}: events (no ev_post)"
            );
            assert!(
                b.replies.is_empty() && b.discarded.is_empty(),
                "{what}: no reply"
            );
            assert_eq!(
                b.seen[next].posts,
                [(vec![0, 2, 5, 6], false)],
                "{what}: the next post"
            );
            b.assert_no_slow_request();
        }
    }
}

#[test]
fn post_to_a_full_queue_is_refused() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        let what = format!("{name}: POST to a full queue");
        let mut b = Bench::new(11, t);
        let full = b.push(post(0xabcd, vec![1, 2, 3]), false);
        let long = b.push(post(0xabce, vec![9; 500]), false);
        let then = b.push(post(0xabcf, vec![4]), true);
        b.run();
        for k in [full, long] {
            assert!(
                b.seen[k].posts.is_empty(),
                "{what}: nothing on the post stream"
            );
            assert_eq!(
                b.seen[k].events,
                Events {
                    frame: 1,
                    post_refused: 1,
                    error: 1,
                    ..Events::default()
                },
                "{what}: events"
            );
        }
        assert_eq!(b.replies.len(), 2, "{what}: one reply each");
        assert_reply(
            &b.replies[0],
            0xabcd,
            &error(status::QUEUE_FULL, op::POST),
            &what,
        );
        assert_reply(
            &b.replies[1],
            0xabce,
            &error(status::QUEUE_FULL, op::POST),
            &what,
        );
        assert_eq!(
            b.seen[then].posts,
            [(vec![0, 1, 4], false)],
            "{what}: a post with room afterwards"
        );
        assert!(b.discarded.is_empty());
        b.assert_no_slow_request();
    }
}

// ------------------------------------------------------------------------------------------
// 4: WRITE

#[test]
fn write_items_go_to_the_control_port_in_order() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        let one = [(0x09, 0x0102_0304)];
        let many: Vec<(u8, u32)> = (0..64u32)
            .map(|i| ((i * 37 % 128) as u8, 0x1000_0000 * (i % 16) + i * 0x0101))
            .collect();
        for (writes, tag) in [(&one[..], 0x0001), (&many[..], 0xfffe)] {
            let what = format!("{name}: WRITE of {}", writes.len());
            let mut b = Bench::new(5, t);
            let k = b.push(write(tag, writes), true);
            b.run();
            let want: Vec<CtlOp> = writes.iter().map(|&(a, v)| CtlOp::Write(a, v)).collect();
            assert_eq!(b.seen[k].ctl, want, "{what}: control port writes");
            assert_eq!(b.replies.len(), 1, "{what}: one reply");
            assert_reply(
                &b.replies[0],
                tag,
                &Reply::WriteReply {
                    status: status::OK,
                    done: writes.len() as u8,
                },
                &what,
            );
            assert_eq!(
                b.seen[k].events,
                Events {
                    frame: 1,
                    ..Events::default()
                },
                "{what}: events"
            );
            assert!(b.seen[k].posts.is_empty() && b.discarded.is_empty());
            b.assert_no_slow_request();
        }
    }
}

#[test]
fn write_to_a_board_address_stops_with_bad_address() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        for bad in [board::BASE, board::IDENT_ADDR] {
            let what = format!("{name}: WRITE to {bad:#04x}");
            let mut b = Bench::new(6, t);
            let k = b.push(
                write(
                    0x3003,
                    &[(0x01, 11), (0x7f, 22), (bad, 33), (0x02, 44), (0x03, 55)],
                ),
                true,
            );
            b.run();
            assert_eq!(
                b.seen[k].ctl,
                [CtlOp::Write(0x01, 11), CtlOp::Write(0x7f, 22)],
                "{what}: the writes before it, none after"
            );
            assert_reply(
                &b.replies[0],
                0x3003,
                &Reply::WriteReply {
                    status: status::BAD_ADDRESS,
                    done: 2,
                },
                &what,
            );
            assert_eq!(b.replies.len(), 1);
            assert_eq!(b.seen[k].events.error, 0, "{what}: not an ERROR reply");
        }
    }
}

#[test]
fn truncated_write_reports_the_writes_done() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        // Three items announced as 20 in a 60-byte frame: the padding reads as items
        // (address 0, value 0) — 8 whole items in the 41 bytes after the count — then the
        // frame ends in the middle of the ninth.
        let items = [
            (0x11, 0xaaaa_0001),
            (0x12, 0xaaaa_0002),
            (0x13, 0xaaaa_0003),
        ];
        let mut padded = write(0x0707, &items);
        padded[18] = 20;
        let mut want_padded: Vec<CtlOp> = items.iter().map(|&(a, v)| CtlOp::Write(a, v)).collect();
        want_padded.extend([CtlOp::Write(0, 0); 5]);
        // 30 items announced as 64, no padding: the frame ends after the 30th.
        let many: Vec<(u8, u32)> = (0..30u32).map(|i| (i as u8 + 0x20, !i)).collect();
        let mut exact = write(0x0708, &many);
        exact[18] = 64;
        let want_exact: Vec<CtlOp> = many.iter().map(|&(a, v)| CtlOp::Write(a, v)).collect();
        // The same, cut in the middle of the 30th item.
        let mut cut = exact.clone();
        cut.truncate(cut.len() - 2);
        let cases = [
            (padded, 0x0707, want_padded, "3 of 20 in a padded frame"),
            (exact, 0x0708, want_exact.clone(), "30 of 64"),
            (cut, 0x0708, want_exact[..29].to_vec(), "29.6 of 64"),
        ];
        for (f, tag, want, what) in cases {
            let what = format!("{name}: truncated WRITE, {what}");
            let mut b = Bench::new(8, t);
            let k = b.push(f, true);
            b.run();
            assert_eq!(b.seen[k].ctl, want, "{what}: control port writes");
            assert_eq!(b.replies.len(), 1, "{what}: one reply");
            assert_reply(
                &b.replies[0],
                tag,
                &Reply::WriteReply {
                    status: status::TRUNCATED,
                    done: want.len() as u8,
                },
                &what,
            );
            b.assert_no_slow_request();
        }
    }
}

// ------------------------------------------------------------------------------------------
// 5: READ

#[test]
fn read_answers_control_and_board_registers_in_order() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        // Mixed, with board reads back to back (a wrong latency reads the previous address).
        let addrs = [
            0x00,
            board::IDENT_ADDR,
            0x80,
            0x81,
            0x05,
            0x8e,
            0x7f,
            0x7f,
            0x90,
            board::IDENT_ADDR,
            0x01,
        ];
        let all: Vec<u8> = (0..64u8)
            .map(|i| i.wrapping_mul(13) | (i & 1) << 7)
            .collect();
        for (addrs, tag) in [(&addrs[..], 0x5151), (&all[..], 0x5252), (&[0x42][..], 0)] {
            let what = format!("{name}: READ of {}", addrs.len());
            let mut b = Bench::new(9, t);
            // A write first: reads see the control port's current values.
            let w = b.push(write(1, &[(0x05, 0x5555_aaaa)]), true);
            let k = b.push(read(tag, addrs), true);
            b.run();
            assert_eq!(b.seen[w].ctl, [CtlOp::Write(0x05, 0x5555_aaaa)]);
            let value = |a: u8| {
                if a >= board::BASE {
                    board_value(a)
                } else {
                    b.regs[usize::from(a)]
                }
            };
            assert_eq!(b.regs[5], 0x5555_aaaa);
            assert_eq!(value(board::IDENT_ADDR), 0x4558_4F01);
            let want: Vec<CtlOp> = addrs
                .iter()
                .filter(|&&a| a < board::BASE)
                .map(|&a| CtlOp::Read(a))
                .collect();
            assert_eq!(b.seen[k].ctl, want, "{what}: control port reads");
            assert_eq!(b.replies.len(), 2, "{what}: a reply each");
            assert_reply(
                &b.replies[1],
                tag,
                &Reply::ReadReply {
                    values: addrs.iter().map(|&a| (a, value(a))).collect(),
                },
                &what,
            );
            assert!(b.discarded.is_empty(), "{what}: nothing discarded");
            assert_eq!(b.seen[k].events.error, 0);
            b.assert_no_slow_request();
        }
    }
}

#[test]
fn truncated_read_is_answered_by_error_only() {
    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        // 10 addresses announced as 64 in a 60-byte frame: 41 bytes of addresses (the padding
        // reads as address 0), 23 missing.
        let mut padded = read(0x7171, &[0x80, 1, 2, 3, 0x81, 4, 5, 6, 7, 8]);
        padded[18] = 64;
        // 50 announced as 60, no padding.
        let addrs: Vec<u8> = (0..50u8)
            .map(|i| if i % 3 == 0 { i | 0x80 } else { i })
            .collect();
        let mut exact = read(0x7272, &addrs);
        exact[18] = 60;
        for (f, tag) in [(padded, 0x7171), (exact, 0x7272)] {
            let what = format!("{name}: truncated READ {tag:#06x}");
            let mut b = Bench::new(10, t);
            let k = b.push(f.clone(), true);
            let after = b.push(read(0x0001, &[0x81]), true);
            b.run();
            let present = &f[BODY_OFFSET + 1..];
            // The reads before the frame's last byte happened (reads change nothing); the
            // one in the last byte (a control address in both frames) may or may not have.
            let reads: Vec<CtlOp> = present
                .iter()
                .filter(|&&a| a < board::BASE)
                .map(|&a| CtlOp::Read(a))
                .collect();
            let s = &b.seen[k].ctl;
            assert!(
                *s == reads || *s == reads[..reads.len() - 1],
                "{what}: reads {s:?}"
            );
            assert_eq!(
                b.replies.len(),
                2,
                "{what}: ERROR, then the next request's reply"
            );
            assert_reply(
                &b.replies[0],
                tag,
                &error(status::TRUNCATED, op::READ),
                &what,
            );
            assert_eq!(
                b.seen[k].events,
                Events {
                    frame: 1,
                    error: 1,
                    ..Events::default()
                },
                "{what}: events"
            );
            assert_eq!(b.discarded.len(), 1, "{what}: the partial reply discarded");
            assert_eq!(
                &b.discarded[0][..4],
                &[op::READ_REPLY, (tag >> 8) as u8, tag as u8, f[18]],
                "{what}: what was discarded is the partial READ_REPLY"
            );
            assert_reply(
                &b.replies[1],
                0x0001,
                &Reply::ReadReply {
                    values: vec![(0x81, board_value(0x81))],
                },
                &format!("{what}: the next READ"),
            );
            assert!(b.seen[after].ctl.is_empty());
            b.assert_no_slow_request();
        }
    }
}

// ------------------------------------------------------------------------------------------
// 6: refused requests, foreign frames, the host's MAC

#[test]
fn malformed_requests_are_refused_and_foreign_frames_skipped() {
    let mac = |i: u8| [0x0a, 0, 0, 0, 1, i];
    let good = |src: [u8; 6], tag: u16| request(src, tag, &Request::Read { addrs: vec![0x10] });
    let mut count0 = write(0x0600, &[(1, 1)]);
    count0[18] = 0;
    let mut count65 = read(0x0601, &[1]);
    count65[18] = 65;
    let mut count255 = write(0x0602, &[(1, 1)]);
    count255[18] = 255;
    let mut unknown = request(
        mac(4),
        0x0603,
        &Request::Write {
            writes: vec![(1, 1)],
        },
    );
    unknown[15] = 0x44;
    let mut reply_op = good(mac(5), 0x0604);
    reply_op[15] = op::READ_REPLY;
    let mut version = request(mac(6), 0x0605, &Request::Post { payload: vec![1] });
    version[14] = 2;
    let mut version0 = good(mac(7), 0x0606);
    version0[14] = 0;
    let mut ipv4 = post(0x0607, vec![1, 2, 3]);
    ipv4[6..12].copy_from_slice(&mac(8));
    ipv4[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let mut exo = good(mac(9), 0x0608);
    exo[12..14].copy_from_slice(&0x88b5u16.to_be_bytes());
    let mut long_foreign = vec![0x33; 1000];
    long_foreign[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());

    for (name, t) in [("steady", Timing::steady()), ("gappy", Timing::gappy())] {
        let mut b = Bench::new(12, t);
        assert_eq!(
            b.uut.host_mac.val().to_u64(),
            0,
            "host_mac before any request"
        );
        // (frame, its reply, its events, host_mac after it)
        let cases = {
            let err = |tag: u16, st: u8, o: u8| Some((tag, error(st, o)));
            let refused = Events {
                frame: 1,
                error: 1,
                ..Events::default()
            };
            let ok = Events {
                frame: 1,
                ..Events::default()
            };
            let foreign = Events {
                foreign: 1,
                ..Events::default()
            };
            let reg = b.regs[0x10];
            let read_ok = |tag| {
                Some((
                    tag,
                    Reply::ReadReply {
                        values: vec![(0x10, reg)],
                    },
                ))
            };
            [
                (
                    count0.clone(),
                    err(0x0600, status::BAD_COUNT, op::WRITE),
                    refused,
                    mac_value(&HOST),
                ),
                (
                    count65.clone(),
                    err(0x0601, status::BAD_COUNT, op::READ),
                    refused,
                    mac_value(&HOST),
                ),
                (
                    count255.clone(),
                    err(0x0602, status::BAD_COUNT, op::WRITE),
                    refused,
                    mac_value(&HOST),
                ),
                (
                    unknown.clone(),
                    err(0x0603, status::UNKNOWN_OP, 0x44),
                    refused,
                    mac_value(&mac(4)),
                ),
                (
                    reply_op.clone(),
                    err(0x0604, status::UNKNOWN_OP, op::READ_REPLY),
                    refused,
                    mac_value(&mac(5)),
                ),
                (
                    version.clone(),
                    err(0x0605, status::BAD_VERSION, op::POST),
                    refused,
                    mac_value(&mac(5)),
                ),
                (
                    version0.clone(),
                    err(0x0606, status::BAD_VERSION, op::READ),
                    refused,
                    mac_value(&mac(5)),
                ),
                (ipv4.clone(), None, foreign, mac_value(&mac(5))),
                (exo.clone(), None, foreign, mac_value(&mac(5))),
                (long_foreign.clone(), None, foreign, mac_value(&mac(5))),
                (
                    good(mac(10), 0x060a),
                    read_ok(0x060a),
                    ok,
                    mac_value(&mac(10)),
                ),
                (exo.clone(), None, foreign, mac_value(&mac(10))),
            ]
        };
        let mut want_replies = Vec::new();
        for (f, reply, events, mac_after) in cases {
            let what = format!(
                "{name}: frame {} (op {:#04x}, version {}, EtherType {:#06x})",
                b.frames.len(),
                f[15],
                f[14],
                u16::from_be_bytes([f[12], f[13]])
            );
            let k = b.push(f, true);
            b.run();
            assert_eq!(b.seen[k].events, events, "{what}: events");
            assert!(
                b.seen[k].posts.is_empty(),
                "{what}: nothing on the post stream"
            );
            if reply.is_none() || events.error == 1 {
                assert!(b.seen[k].ctl.is_empty(), "{what}: nothing done");
            }
            assert_eq!(
                b.uut.host_mac.val().to_u64(),
                mac_after,
                "{what}: host_mac is the source of the last request of our EtherType and version"
            );
            want_replies.extend(reply.map(|r| (r, what)));
            assert_eq!(b.replies.len(), want_replies.len(), "replies so far");
        }
        for (got, ((tag, reply), what)) in b.replies.iter().zip(&want_replies) {
            assert_reply(got, *tag, reply, what);
        }
        assert!(b.discarded.is_empty());
        b.assert_no_stray();
        b.assert_no_slow_request();
    }
}

// ------------------------------------------------------------------------------------------
// Reply slots

#[test]
fn at_most_max_pending_replies_wait() {
    let t = Timing {
        reply_sent_delay: None,
        ..Timing::gappy()
    };
    let mut b = Bench::new(13, t);
    let slots = MAX_PENDING as usize;
    for i in 0..slots {
        b.push(write(i as u16, &[(i as u8, i as u32)]), true);
    }
    b.run();
    assert_eq!(b.replies.len(), slots, "a reply per WRITE");
    assert_eq!(b.waiting, MAX_PENDING);
    // Further requests wait for a slot: a WRITE, a POST (it could be refused), a bad version.
    let mut bad_version = read(0x0a02, &[1]);
    bad_version[14] = 9;
    let waiting_frames = [
        write(0x0a00, &[(0x33, 0x33)]),
        post(0x0a01, vec![1, 2]),
        bad_version,
    ];
    for (i, f) in waiting_frames.into_iter().enumerate() {
        let what = format!("request {i} with every reply slot taken");
        let k = b.push(f, true);
        b.run_for(600);
        assert!(
            b.seen[k].first.is_some() && !b.taken(k),
            "{what}: its header is taken, then it waits"
        );
        assert!(
            b.seen[k].ctl.is_empty() && b.seen[k].posts.is_empty(),
            "{what}: nothing done"
        );
        assert_eq!(b.replies.len(), slots + i, "{what}: no reply");
        // One slot freed: it goes on, and its reply (if any) takes the slot again.
        b.free_one();
        b.run_until(5_000, &what, |b| b.taken(k));
        b.run_for(200);
        assert!(b.waiting <= MAX_PENDING);
        match i {
            0 => {
                assert_eq!(b.seen[k].ctl, [CtlOp::Write(0x33, 0x33)], "{what}");
                assert_reply(
                    &b.replies[slots],
                    0x0a00,
                    &Reply::WriteReply {
                        status: status::OK,
                        done: 1,
                    },
                    &what,
                );
                assert_eq!(b.waiting, MAX_PENDING);
            }
            1 => {
                assert_eq!(b.seen[k].posts, [(vec![0, 2, 1, 2], false)], "{what}");
                assert_eq!(b.waiting, MAX_PENDING - 1, "{what}: a post has no reply");
                // Take the slot again for the next case.
                let w = b.push(write(0x0a10, &[(0x34, 0x34)]), true);
                b.run_until(5_000, "refill", |b| b.taken(w));
                b.run_for(200);
                assert_eq!(b.waiting, MAX_PENDING);
            }
            _ => {
                assert_reply(
                    b.replies.last().unwrap(),
                    0x0a02,
                    &error(status::BAD_VERSION, op::READ),
                    &what,
                );
            }
        }
    }
    // A foreign frame is no request: it passes while every slot is taken.
    assert_eq!(b.waiting, MAX_PENDING);
    let mut foreign = post(0, vec![1]);
    foreign[12] = 0x08;
    let k = b.push(foreign, true);
    b.run_until(2_000, "a foreign frame with every slot taken", |b| {
        b.taken(k)
    });
    // All freed: nothing else comes.
    while b.waiting > 0 {
        b.free_one();
        b.run_for(30);
    }
    b.run();
    assert_eq!(b.replies.len(), slots + 3);
    assert!(b.discarded.is_empty());
    b.assert_no_stray();
}

// ------------------------------------------------------------------------------------------
// 7: the engine's reset

#[test]
fn engine_reset_completes_control_requests() {
    let t = Timing::steady();
    // A write waiting for ctl_ready.
    {
        let mut b = Bench::new(14, t);
        b.ctl_hold = true;
        let k = b.push(write(0x0e01, &[(0x21, 1), (0x22, 2), (0x23, 3)]), true);
        b.run_until(2_000, "the first write", |b| b.held.is_some());
        b.run_for(50);
        assert_eq!(b.held, Some(CtlOp::Write(0x21, 1)), "still waiting");
        b.reset = true;
        b.run_for(3);
        b.reset = false;
        b.ctl_hold = false;
        b.run();
        assert_eq!(
            b.seen[k].ctl,
            [CtlOp::Write(0x22, 2), CtlOp::Write(0x23, 3)],
            "the write in reset is dropped, the others are done"
        );
        assert_reply(
            &b.replies[0],
            0x0e01,
            &Reply::WriteReply {
                status: status::OK,
                done: 3,
            },
            "WRITE meeting the engine's reset",
        );
        assert_eq!(b.replies.len(), 1);
    }
    // A read waiting for ctl_ready, and a read taken whose answer the reset cancels.
    for taken in [false, true] {
        let what = if taken {
            "READ answer cancelled by the engine's reset"
        } else {
            "READ waiting for ctl_ready in the engine's reset"
        };
        let mut b = Bench::new(
            15,
            Timing {
                ctl_latency: if taken { (1_000, 1_000) } else { (4, 4) },
                ..t
            },
        );
        b.ctl_hold = !taken;
        let k = b.push(read(0x0e02, &[0x31, 0x81, 0x32]), true);
        if taken {
            b.run_until(2_000, what, |b| !b.answers.is_empty());
        } else {
            b.run_until(2_000, what, |b| b.held.is_some());
        }
        b.run_for(50);
        b.reset = true;
        b.run_for(3);
        b.reset = false;
        b.ctl_hold = false;
        b.t.ctl_latency = (4, 4);
        b.run();
        let mut want = vec![CtlOp::Read(0x31), CtlOp::Read(0x32)];
        if !taken {
            want.remove(0);
        }
        assert_eq!(b.seen[k].ctl, want, "{what}: control port reads");
        assert_reply(
            &b.replies[0],
            0x0e02,
            &Reply::ReadReply {
                values: vec![(0x31, 0), (0x81, board_value(0x81)), (0x32, b.regs[0x32])],
            },
            what,
        );
        assert_eq!(b.replies.len(), 1);
        // The parser goes on.
        let w = b.push(write(0x0e03, &[(0x40, 4)]), true);
        b.run();
        assert_eq!(
            b.seen[w].ctl,
            [CtlOp::Write(0x40, 4)],
            "{what}: then a WRITE"
        );
        assert_eq!(b.replies.len(), 2);
    }
}

// ------------------------------------------------------------------------------------------
// 8: random sequences against the reference

const MACS: [[u8; 6]; 3] = [
    [0x0a, 0, 0, 0, 0, 1],
    [0x0a, 0, 0, 0, 0, 2],
    [0x02, 0x11, 0x22, 0x33, 0x44, 0x55],
];

fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

fn random_post_len(rng: &mut Rng) -> usize {
    match rng.range(0, 9) {
        0..=1 => *rng
            .pick(&[0, 0, 1, 2, 40, 41, 42, 255, 256])
            .expect("lengths"),
        2..=5 => rng.range(0, 64) as usize,
        6..=8 => rng.range(64, 300) as usize,
        _ => rng.range(300, 1000) as usize,
    }
}

/// A board address with probability `board_p`, else a control port address; the edges often.
fn random_addr(rng: &mut Rng, board_p: f64) -> u8 {
    let (lo, hi) = if rng.chance(board_p) {
        (board::BASE, board::IDENT_ADDR)
    } else {
        (0, board::BASE - 1)
    };
    match rng.range(0, 9) {
        0 => lo,
        1 => hi,
        _ => rng.range(u64::from(lo), u64::from(hi)) as u8,
    }
}

/// A random request frame of any kind, with the posted queue's room, and what it is.
fn random_request(rng: &mut Rng, tag: u16) -> (Vec<u8>, bool, String) {
    let src = *rng.pick(&MACS).expect("MACs");
    let room = rng.chance(0.8);
    let enc = |r: &Request| request(src, tag, r);
    let kind = rng.range(0, 99);
    let (mut f, label) = match kind {
        0..=29 => {
            let len = random_post_len(rng);
            let mut f = enc(&Request::Post {
                payload: random_bytes(rng, len),
            });
            if rng.chance(0.2) {
                let n = rng.range(1, 20) as usize;
                f.extend(random_bytes(rng, n));
            }
            (f, format!("POST {len}"))
        }
        30..=36 => {
            let len = rng.range(0, 600) as usize;
            let mut f = enc(&Request::Post {
                payload: random_bytes(rng, len),
            });
            if len > 41 && rng.chance(0.5) {
                let keep = rng.range(MIN_FRAME_LEN as u64, f.len() as u64 - 1) as usize;
                f.truncate(keep);
                (f, format!("POST {len} cut to {keep} bytes of frame"))
            } else {
                let declared = (f.len() - 20) as u64 + rng.range(1, 300);
                f[18..20].copy_from_slice(&(declared as u16).to_be_bytes());
                (f, format!("POST {len} declared {declared}"))
            }
        }
        37..=51 => {
            let n = rng.range(1, MAX_ITEMS as u64) as usize;
            let writes: Vec<(u8, u32)> = (0..n)
                .map(|_| (random_addr(rng, 0.03), rng.next_u64() as u32))
                .collect();
            (enc(&Request::Write { writes }), format!("WRITE {n}"))
        }
        52..=56 => {
            let n = rng.range(1, MAX_ITEMS as u64 - 1) as usize;
            let writes: Vec<(u8, u32)> = (0..n)
                .map(|_| (random_addr(rng, 0.0), rng.next_u64() as u32))
                .collect();
            let mut f = enc(&Request::Write { writes });
            let whole = (f.len() - BODY_OFFSET - 1) / 5;
            let count = rng.range(whole as u64 + 1, MAX_ITEMS as u64);
            f[BODY_OFFSET] = count as u8;
            if f.len() > MIN_FRAME_LEN && rng.chance(0.5) {
                let keep = rng.range(MIN_FRAME_LEN as u64, f.len() as u64 - 1) as usize;
                f.truncate(keep);
            }
            (f, format!("WRITE {n} declared {count}"))
        }
        57..=71 => {
            let n = rng.range(1, MAX_ITEMS as u64) as usize;
            let addrs: Vec<u8> = (0..n).map(|_| random_addr(rng, 0.3)).collect();
            (enc(&Request::Read { addrs }), format!("READ {n}"))
        }
        72..=76 => {
            let n = rng.range(1, MAX_ITEMS as u64 - 1) as usize;
            let addrs: Vec<u8> = (0..n).map(|_| random_addr(rng, 0.3)).collect();
            let mut f = enc(&Request::Read { addrs });
            // At most 63 addresses, or the padded frame's 41 bytes: some count is short.
            let present = f.len() - BODY_OFFSET - 1;
            let count = rng.range(present as u64 + 1, MAX_ITEMS as u64);
            f[BODY_OFFSET] = count as u8;
            if f.len() > MIN_FRAME_LEN && rng.chance(0.5) {
                let keep = rng.range(MIN_FRAME_LEN as u64, f.len() as u64 - 1) as usize;
                f.truncate(keep);
            }
            (f, format!("READ {n} declared {count}"))
        }
        77..=80 => {
            let count = if rng.chance(0.3) {
                0
            } else {
                rng.range(MAX_ITEMS as u64 + 1, 255) as u8
            };
            let mut f = if rng.chance(0.5) {
                enc(&Request::Write {
                    writes: vec![(1, 2)],
                })
            } else {
                enc(&Request::Read { addrs: vec![1] })
            };
            f[BODY_OFFSET] = count;
            (f, format!("count {count}"))
        }
        _ => {
            // A valid request, then made foreign, of another version or op.
            let mut f = match rng.range(0, 2) {
                0 => {
                    let len = random_post_len(rng);
                    enc(&Request::Post {
                        payload: random_bytes(rng, len),
                    })
                }
                1 => enc(&Request::Write {
                    writes: vec![(2, 3); rng.range(1, 8) as usize],
                }),
                _ => enc(&Request::Read {
                    addrs: vec![0x81; rng.range(1, 8) as usize],
                }),
            };
            match kind {
                81..=86 => {
                    let mut o = rng.next_u64() as u8;
                    if (op::POST..=op::READ).contains(&o) {
                        o |= 0x40;
                    }
                    f[15] = o;
                    (f, format!("op {o:#04x}"))
                }
                87..=92 => {
                    let v = rng.range(0, 254) as u8;
                    let v = if v == VERSION { 0xff } else { v };
                    f[14] = v;
                    (f, format!("version {v}"))
                }
                _ => {
                    let et = *rng
                        .pick(&[0x0800u16, 0x86dd, 0x88b5, 0x88b7, 0xb688, 0x0000])
                        .expect("EtherTypes");
                    f[12..14].copy_from_slice(&et.to_be_bytes());
                    (f, format!("EtherType {et:#06x}"))
                }
            }
        }
    };
    if f.len() < MIN_FRAME_LEN {
        f.resize(MIN_FRAME_LEN, 0);
    }
    (f, room, format!("tag {tag}: {label}"))
}

#[test]
fn random_requests_match_the_reference() {
    let seed = test_seed("host_link_rx::random_requests_match_the_reference", 0x4C52);
    let mut rng = Rng::new(seed);
    // 4 timings × 100 requests.
    let per_run = 100;
    let runs = [
        ("steady", Timing::steady()),
        ("gappy", Timing::gappy()),
        (
            "slow control port",
            Timing {
                rx_gap: 0.05,
                frame_gap: (0, 2),
                ctl_ready: 0.15,
                ctl_latency: (4, 30),
                reply_sent_delay: Some((10, 40)),
            },
        ),
        (
            "slow transmit side",
            Timing {
                rx_gap: 0.0,
                frame_gap: (0, 0),
                ctl_ready: 0.9,
                ctl_latency: (4, 6),
                reply_sent_delay: Some((400, 1_000)),
            },
        ),
    ];
    for (name, t) in runs {
        let frames: Vec<(Vec<u8>, bool, String)> = (0..per_run)
            .map(|i| random_request(&mut rng, i as u16))
            .collect();
        let b = run_and_check(rng.next_u64(), t, frames, name);
        let mut ev = Events::default();
        for s in &b.seen {
            add(&mut ev, s.events);
        }
        let ctl = b.seen.iter().map(|s| s.ctl.len()).sum::<usize>();
        let bad_posts = b.seen.iter().flat_map(|s| &s.posts).filter(|p| p.1).count();
        eprintln!(
            "  {name}: {} cycles, {ev:?}, {bad_posts} truncated posts, {ctl} control requests, \
             {} replies, {} discarded, {} cycles with every reply slot taken",
            b.now,
            b.replies.len(),
            b.discarded.len(),
            b.full_cycles
        );
        if name == "slow transmit side" {
            assert!(
                b.full_cycles > 0,
                "{name}: the reply slots never filled (the test lost its coverage)"
            );
        }
    }
}
