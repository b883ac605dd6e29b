//! The transmit path as the engine wires it: PostQueue → FrameTx, with the history in a
//! rust-hdl block RAM, held to a software reference queue and to `Frame::encode`.
//!
//! The host posts (well-formed and malformed) while frames are being sent; the test plays the
//! core: it starts frames with or without the head, commits some heads and resends others,
//! writes the history between frames, and sometimes resets. Every frame must be byte for byte
//! the encoding the reference predicts, `ready`/`depth`/`head_*`/counters must match the
//! reference in every cycle. Seeded: `EXO_SEED` replays a run.

use exo_engine::frame_tx::FrameTx;
use exo_engine::params::QUEUE_BYTES;
use exo_engine::post_queue::PostQueue;
use exo_engine::EngineParams;
use exo_hdl_common::sim::{cycle, settle, test_seed};
use exo_hdl_common::{FrameTxIn, FrameTxOut};
use exo_proto::rng::Rng;
use exo_proto::wire::{self, Frame};
use exo_proto::HostId;
use rust_hdl::prelude::*;
use std::collections::VecDeque;

/// PostQueue and FrameTx joined by the read link, and the history RAM FrameTx reads.
#[derive(LogicBlock)]
struct TxPath {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    post: FrameTxIn,
    commit: Signal<In, Bit>,
    start: Signal<In, Bit>,
    epoch: Signal<In, Bits<32>>,
    seq: Signal<In, Bits<64>>,
    hist_len: Signal<In, Bits<8>>,
    hist_newest: Signal<In, Bits<8>>,
    with_post: Signal<In, Bit>,
    hist_write: Signal<In, Bit>,
    hist_write_addr: Signal<In, Bits<8>>,
    hist_write_data: Signal<In, Bits<8>>,
    tx: FrameTxOut,
    head_valid: Signal<Out, Bit>,
    head_len: Signal<Out, Bits<11>>,
    depth: Signal<Out, Bits<7>>,
    posts_accepted: Signal<Out, Bits<32>>,
    posts_rejected: Signal<Out, Bits<32>>,
    busy: Signal<Out, Bit>,
    done: Signal<Out, Bit>,
    queue: PostQueue,
    frame_tx: FrameTx,
    history: RAM<Bits<8>, 8>,
    /// A second copy of it, for FrameTx's second read port.
    history2: RAM<Bits<8>, 8>,
}

impl TxPath {
    fn new(params: &EngineParams) -> TxPath {
        TxPath {
            clock: Default::default(),
            reset: Default::default(),
            post: Default::default(),
            commit: Default::default(),
            start: Default::default(),
            epoch: Default::default(),
            seq: Default::default(),
            hist_len: Default::default(),
            hist_newest: Default::default(),
            with_post: Default::default(),
            hist_write: Default::default(),
            hist_write_addr: Default::default(),
            hist_write_data: Default::default(),
            tx: Default::default(),
            head_valid: Default::default(),
            head_len: Default::default(),
            depth: Default::default(),
            posts_accepted: Default::default(),
            posts_rejected: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            queue: PostQueue::new(params),
            frame_tx: FrameTx::new(params),
            history: Default::default(),
            history2: Default::default(),
        }
    }
}

impl Logic for TxPath {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, queue, frame_tx);
        self.history.read_clock.next = self.clock.val();
        self.history.write_clock.next = self.clock.val();
        self.history2.read_clock.next = self.clock.val();
        self.history2.write_clock.next = self.clock.val();
        self.queue.reset.next = self.reset.val();
        self.frame_tx.reset.next = self.reset.val();
        // Host posts.
        self.queue.post.data.next = self.post.data.val();
        self.queue.post.valid.next = self.post.valid.val();
        self.queue.post.last.next = self.post.last.val();
        self.queue.post.error.next = self.post.error.val();
        self.post.ready.next = self.queue.post.ready.val();
        self.queue.commit.next = self.commit.val();
        // The core's command.
        self.frame_tx.start.next = self.start.val();
        self.frame_tx.epoch.next = self.epoch.val();
        self.frame_tx.seq.next = self.seq.val();
        self.frame_tx.hist_len.next = self.hist_len.val();
        self.frame_tx.hist_newest.next = self.hist_newest.val();
        self.frame_tx.with_post.next = self.with_post.val();
        // The read link.
        self.frame_tx.post_valid.next = self.queue.head_valid.val();
        self.frame_tx.post_len.next = self.queue.head_len.val();
        self.frame_tx.post_start.next = self.queue.rd_start.val();
        self.queue.rd_addr.next = self.frame_tx.post_addr.val();
        self.frame_tx.post_data.next = self.queue.rd_data.val();
        // The history RAM.
        self.history.read_address.next = self.frame_tx.hist_addr.val();
        self.frame_tx.hist_data.next = self.history.read_data.val();
        self.history2.read_address.next = self.frame_tx.hist_addr2.val();
        self.frame_tx.hist_data2.next = self.history2.read_data.val();
        self.history2.write_enable.next = self.hist_write.val();
        self.history2.write_address.next = self.hist_write_addr.val();
        self.history2.write_data.next = self.hist_write_data.val();
        self.history.write_enable.next = self.hist_write.val();
        self.history.write_address.next = self.hist_write_addr.val();
        self.history.write_data.next = self.hist_write_data.val();
        // The MAC and the status.
        self.tx.data.next = self.frame_tx.tx.data.val();
        self.tx.valid.next = self.frame_tx.tx.valid.val();
        self.tx.last.next = self.frame_tx.tx.last.val();
        self.tx.error.next = self.frame_tx.tx.error.val();
        self.frame_tx.tx.ready.next = self.tx.ready.val();
        self.head_valid.next = self.queue.head_valid.val();
        self.head_len.next = self.queue.head_len.val();
        self.depth.next = self.queue.depth.val();
        self.posts_accepted.next = self.queue.posts_accepted.val();
        self.posts_rejected.next = self.queue.posts_rejected.val();
        self.busy.next = self.frame_tx.busy.val();
        self.done.next = self.frame_tx.done.val();
    }
}

fn clock(p: &mut TxPath) -> &mut Signal<In, Clock> {
    &mut p.clock
}

/// The reference queue: what the host posted and the cluster has not yet accepted.
struct Reference {
    max_payload: usize,
    max_posted: usize,
    /// Waiting messages, oldest first (the one being published included).
    messages: VecDeque<Vec<u8>>,
    /// The end of a post the handshake took at the last edge, waiting in the queue's input
    /// stage: its verdict (the payload if well formed). The parser decides on it at the next
    /// edge, which is when it reaches `messages` and `publishing` (or `rejecting`).
    captured: Option<Option<Vec<u8>>>,
    /// Messages the hardware shows (a new one appears two edges after its last byte moved:
    /// one in the input stage, one publishing).
    visible: usize,
    publishing: bool,
    rejecting: bool,
    /// The hardware's byte count lags the messages: a published message's bytes go into
    /// `delta` at the edge after its post, and `delta` into `counted` at the next
    /// (`counting` meanwhile); a pop's bytes leave through `delta` the same way.
    counted: usize,
    delta: isize,
    counting: bool,
    /// The hardware's registered `room`: the room of the cycle before the last edge, and
    /// none if a post ended at that edge or a post's end was in the input stage before it.
    room_r: bool,
    accepted: u32,
    rejected: u32,
}

impl Reference {
    fn new(params: &EngineParams) -> Reference {
        Reference {
            max_payload: params.max_payload,
            max_posted: params.max_posted,
            messages: VecDeque::new(),
            captured: None,
            visible: 0,
            publishing: false,
            rejecting: false,
            counted: 0,
            delta: 0,
            counting: false,
            room_r: false,
            accepted: 0,
            rejected: 0,
        }
    }

    /// Room for a new post, as the hardware shows it (registered).
    fn room(&self) -> bool {
        self.room_r
    }

    /// Room for one more whole message now; none while a published message's bytes are
    /// not yet counted.
    fn room_now(&self) -> bool {
        !self.publishing
            && !self.counting
            && self.counted + self.max_payload <= QUEUE_BYTES
            && self.messages.len() < self.max_posted
    }

    fn head(&self) -> Option<&Vec<u8>> {
        (self.visible > 0).then(|| &self.messages[0])
    }

    /// The verdict on a whole post: its payload if it is well formed.
    fn verdict(&self, post: &Post) -> Option<Vec<u8>> {
        let bytes = &post.bytes;
        if bytes.len() < 2 || post.error {
            return None;
        }
        let declared = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
        (declared <= self.max_payload && bytes.len() - 2 == declared).then(|| bytes[2..].to_vec())
    }

    /// One clock edge: a pop (`commit` with a head) and the end of a post at the handshake
    /// (its last byte moved at this edge), which takes effect at the next edge.
    fn edge(&mut self, pop: bool, ended: Option<Option<Vec<u8>>>) {
        self.room_r = self.room_now() && ended.is_none() && self.captured.is_none();
        self.counted = self
            .counted
            .checked_add_signed(self.delta)
            .expect("the byte count never goes below zero");
        let published = if self.publishing {
            self.messages.back().map_or(0, Vec::len)
        } else {
            0
        };
        let popped = if pop { self.messages[0].len() } else { 0 };
        self.delta = published as isize - popped as isize;
        self.counting = self.publishing;
        if pop {
            self.messages.pop_front();
            self.visible -= 1;
        }
        // The counters count a post at the edge after the parser's decision.
        if std::mem::take(&mut self.publishing) {
            self.visible += 1;
            self.accepted += 1;
        }
        if std::mem::take(&mut self.rejecting) {
            self.rejected += 1;
        }
        // The parser decides on the post that ended at the last edge.
        match std::mem::replace(&mut self.captured, ended) {
            Some(Some(payload)) => {
                self.messages.push_back(payload);
                self.publishing = true;
            }
            Some(None) => self.rejecting = true,
            None => {}
        }
    }
}

/// One post on the host link.
#[derive(Debug, Clone)]
struct Post {
    bytes: Vec<u8>,
    error: bool,
}

fn random_payload(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Mostly well-formed posts of every length, and every kind of malformed one.
fn random_post(rng: &mut Rng, max_payload: usize) -> Post {
    let len = match rng.range(0, 3) {
        0 => 0,
        1 => max_payload,
        _ => rng.range(0, max_payload as u64) as usize,
    };
    let mut declared = len;
    let mut actual = len;
    let mut error = false;
    match rng.range(0, 12) {
        0 => declared = rng.range(max_payload as u64 + 1, 0xFFFF) as usize,
        // Too long, and complete: storing it would overwrite waiting messages.
        5 => {
            declared = max_payload + rng.range(1, 40) as usize;
            actual = declared;
        }
        1 if len > 0 => actual = rng.range(0, len as u64 - 1) as usize,
        2 => actual = len + rng.range(1, 5) as usize,
        3 => error = true,
        4 => {
            let bytes = vec![rng.next_u64() as u8];
            return Post {
                bytes,
                error: false,
            };
        }
        _ => {}
    }
    let mut bytes = (declared as u16).to_be_bytes().to_vec();
    bytes.extend(random_payload(rng, actual));
    Post { bytes, error }
}

/// A frame in flight: what it must be, and what has come out so far.
struct Sending {
    expected: Vec<u8>,
    got: Vec<u8>,
    ready_p: f64,
}

struct Run {
    rng: Rng,
    params: EngineParams,
    path: TxPath,
    reference: Reference,
    /// The history RAM's contents, as written by the test.
    history: [u8; 256],
    post: Option<(Post, usize)>,
    sending: Option<Sending>,
    frames: usize,
    frames_with_post: usize,
    resends: usize,
    commits: usize,
    accepted: usize,
    rejected: usize,
    resets: usize,
    cycles_full: usize,
    /// The head sent last and not committed since (a resend must repeat it).
    last_sent_head: Option<Vec<u8>>,
    /// A commit was taken at the last edge with a head waiting: the queue pops now.
    commit_pending: bool,
}

impl Run {
    fn new(params: EngineParams, seed: u64) -> Run {
        let mut path = TxPath::new(&params);
        path.connect_all();
        let mut run = Run {
            rng: Rng::new(seed),
            reference: Reference::new(&params),
            params,
            path,
            history: [0; 256],
            post: None,
            sending: None,
            frames: 0,
            frames_with_post: 0,
            resends: 0,
            commits: 0,
            accepted: 0,
            rejected: 0,
            resets: 0,
            cycles_full: 0,
            last_sent_head: None,
            commit_pending: false,
        };
        run.reset();
        run
    }

    fn reset(&mut self) {
        self.path.reset.next = true;
        settle(&mut self.path);
        cycle(&mut self.path, clock);
        self.path.reset.next = false;
        self.reference = Reference::new(&self.params);
        self.post = None;
        self.last_sent_head = None;
        self.commit_pending = false;
    }

    /// The host link: keep posting, with gaps.
    fn drive_post(&mut self) {
        if self.post.is_none() && self.rng.chance(0.3) {
            self.post = Some((random_post(&mut self.rng, self.params.max_payload), 0));
        }
        let p = &mut self.path.post;
        p.valid.next = false;
        p.last.next = false;
        p.error.next = false;
        if let Some((post, at)) = &self.post {
            let last = *at + 1 == post.bytes.len();
            p.valid.next = self.rng.chance(0.8);
            p.data.next = u64::from(post.bytes[*at]).to_bits();
            p.last.next = last;
            p.error.next = last && post.error;
        }
    }

    /// The core, between frames: maybe write the history, commit the head, or start a frame.
    fn drive_core(&mut self) {
        let p = &mut self.path;
        p.start.next = false;
        p.commit.next = false;
        p.hist_write.next = false;
        // Like the core, nothing starts until a commit has popped the head.
        if self.sending.is_some() || self.commit_pending {
            return;
        }
        match self.rng.range(0, 9) {
            0..=2 => {
                let (addr, id) = (self.rng.next_u64() as u8, self.rng.next_u64() as u8);
                p.hist_write.next = true;
                p.hist_write_addr.next = u64::from(addr).to_bits();
                p.hist_write_data.next = u64::from(id).to_bits();
                self.history[usize::from(addr)] = id;
            }
            3 => p.commit.next = self.rng.chance(0.7) || self.reference.head().is_none(),
            4 | 5 => self.start_frame(),
            _ => {}
        }
    }

    fn start_frame(&mut self) {
        let rng = &mut self.rng;
        let with_post = self.reference.head().is_some() && rng.chance(0.8);
        let payload = if with_post {
            self.reference.head().cloned().unwrap_or_default()
        } else {
            Vec::new()
        };
        // Any history that still leaves room for the payload in one frame.
        let longest = wire::MAX_HISTORY.min(wire::max_payload(0) - payload.len());
        let h = rng.range(0, longest as u64) as usize;
        let newest = rng.next_u64() as u8;
        let epoch = [0, u32::MAX, rng.next_u64() as u32][rng.range(0, 2) as usize];
        let seq = [0, u64::MAX - 1, rng.next_u64()][rng.range(0, 2) as usize];
        let frame = Frame {
            src_mac: self.params.src_mac(),
            cluster: self.params.cluster,
            epoch,
            sender: HostId(self.params.host_id),
            seq,
            history: (0..h)
                .map(|i| HostId(self.history[usize::from(newest.wrapping_sub(i as u8))]))
                .collect(),
            payload: payload.clone(),
        };
        if with_post {
            if self.last_sent_head.as_ref() == Some(&payload) {
                self.resends += 1;
            }
            self.last_sent_head = Some(payload);
            self.frames_with_post += 1;
        }
        let p = &mut self.path;
        p.start.next = true;
        p.epoch.next = u64::from(epoch).to_bits();
        p.seq.next = seq.to_bits();
        p.hist_len.next = (h as u64).to_bits();
        p.hist_newest.next = u64::from(newest).to_bits();
        p.with_post.next = with_post;
        let ready_p = [1.0, 0.95, 0.6][rng.range(0, 2) as usize];
        self.sending = Some(Sending {
            expected: frame
                .encode()
                .expect("the reference builds encodable frames"),
            got: Vec::new(),
            ready_p,
        });
    }

    /// Checks the outputs against the reference before the edge; returns what the edge does
    /// to the reference (a pop, the end of a post) and whether a frame starts.
    fn check(&mut self, step: usize) -> (bool, Option<Option<Vec<u8>>>) {
        let p = &mut self.path;
        let r = &self.reference;
        assert_eq!(p.depth.val().index(), r.visible, "step {step}: depth");
        assert_eq!(
            p.head_valid.val(),
            r.head().is_some(),
            "step {step}: head_valid"
        );
        if let Some(head) = r.head() {
            assert_eq!(
                p.head_len.val().index(),
                head.len(),
                "step {step}: head_len"
            );
        }
        assert_eq!(
            p.posts_accepted.val().index() as u32,
            r.accepted,
            "step {step}"
        );
        assert_eq!(
            p.posts_rejected.val().index() as u32,
            r.rejected,
            "step {step}"
        );
        let ready = p.post.ready.val();
        match &self.post {
            Some((_, at)) if *at > 0 => assert!(ready, "step {step}: ready fell in a post"),
            _ => assert_eq!(
                ready,
                r.room(),
                "step {step}: ready with no post in progress"
            ),
        }
        if !ready {
            self.cycles_full += 1;
        }
        // A commit pops a cycle later, if a head was waiting when it came.
        let pop = self.commit_pending;
        self.commit_pending = p.commit.val() && r.head().is_some();
        let mut ended = None;
        if let Some((post, at)) = &mut self.post {
            if p.post.valid.val() && ready {
                *at += 1;
                if *at == post.bytes.len() {
                    let verdict = r.verdict(post);
                    self.accepted += usize::from(verdict.is_some());
                    self.rejected += usize::from(verdict.is_none());
                    ended = Some(verdict);
                    self.post = None;
                }
            }
        }
        if pop {
            self.commits += 1;
            self.last_sent_head = None;
        }
        (pop, ended)
    }

    /// The MAC: takes beats with random backpressure and checks the frame when it ends.
    fn drive_mac(&mut self, step: usize) {
        let p = &mut self.path;
        let Some(s) = &mut self.sending else {
            p.tx.ready.next = false;
            return;
        };
        let ready = self.rng.chance(s.ready_p);
        p.tx.ready.next = ready;
        settle(p);
        if p.start.val() {
            assert!(!p.tx.valid.val(), "step {step}: valid before start");
            return;
        }
        assert!(
            p.tx.valid.val(),
            "step {step}: valid low in a frame (or late)"
        );
        assert!(!p.tx.error.val());
        if ready {
            s.got.push(p.tx.data.val().index() as u8);
            let end = s.got.len() == s.expected.len();
            assert_eq!(
                p.tx.last.val(),
                end,
                "step {step}: last at byte {}",
                s.got.len()
            );
            if end {
                assert_eq!(s.got, s.expected, "step {step}: frame {}", self.frames);
                self.frames += 1;
                self.sending = None;
            }
        }
    }

    fn run(&mut self, steps: usize) {
        for step in 0..steps {
            if self.sending.is_none() && self.rng.chance(0.0005) {
                self.reset();
                self.resets += 1;
            }
            self.drive_post();
            self.drive_core();
            self.drive_mac(step);
            settle(&mut self.path);
            let (pop, ended) = self.check(step);
            cycle(&mut self.path, clock);
            self.reference.edge(pop, ended);
        }
    }
}

fn run_config(name: &str, max_payload: usize, max_posted: usize, steps: usize) -> Run {
    let seed = test_seed(name, 0x7A7);
    let params = EngineParams {
        max_payload,
        max_posted,
        cluster: 0xC1A5,
        ..EngineParams::new(5, 4)
    };
    let mut run = Run::new(params, seed);
    run.run(steps);
    eprintln!(
        "{name}: {} frames ({} with a post, {} resends), posts {} accepted {} rejected, {} commits, {} resets, {} cycles full",
        run.frames,
        run.frames_with_post,
        run.resends,
        run.accepted,
        run.rejected,
        run.commits,
        run.resets,
        run.cycles_full
    );
    // The run must have covered what it is meant to check.
    assert!(run.frames_with_post > 20 && run.resends > 5 && run.commits > 20);
    assert!(run.rejected > 10 && run.cycles_full > 0);
    run
}

#[test]
fn large_messages_match_the_reference_queue_and_the_encoding() {
    run_config("tx_path_large", wire::max_payload(2), 16, 500_000);
}

#[test]
fn many_small_messages_fill_every_slot() {
    let run = run_config("tx_path_small", 60, 64, 300_000);
    assert!(run.accepted > 64);
}

#[test]
fn few_slots_run_out_first() {
    run_config("tx_path_few_slots", 300, 3, 200_000);
}
