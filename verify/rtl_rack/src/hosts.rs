//! The host side of each engine in the RTL rack: its golden-model recovery software (`Node`)
//! fed the engine's verdicts, deadlines and out-of-band messages, the application's messages
//! posted into the engine, and crashes and restarts.
//!
//! The software acts only at a safe point of its engine (no frame being received or judged),
//! except on a verdict, which the engine has just finished: so a control operation never lands
//! in the middle of a frame, as the engine itself requires.

use crate::core::PostStream;
use crate::engine::RtlEngine;
use crate::lane::{RxFrame, Seen, Verdict};
use crate::rack::{RtlRack, Stage};
use crate::racks::MAX_POSTED;
use exo_engine::host_if::encode_post;
use exo_proto::model::{Dest, Node, Oob, Output};
use exo_proto::{HostId, Nanos};
use exo_verify::ledger::trace_line;
use exo_verify::rack::{add_counters, Action, MsgId};
use exo_verify::view::RackView;
use std::rc::Rc;

/// Cycles after a verdict before a post may commit: the verdict's turn has been decided.
const POST_AFTER_VERDICT: u64 = 12;

impl RtlRack {
    /// Everything host `i` does in this cycle after its engine was read.
    pub(crate) fn host_cycle(&mut self, i: usize, seen: Seen) {
        if self.nodes[i].is_none() {
            return;
        }
        if let Some(frame) = seen.dropped {
            self.frame_done(i, &frame, false);
        }
        if let Some((verdict, frame)) = seen.verdict {
            self.frame_done(i, &frame, true);
            self.deliver_frame(i, verdict, frame);
        }
        if let Some(node) = self.nodes[i].as_mut() {
            node.engine_mut().poll();
        }
        let safe = self.core.borrow().lanes[i].rx_idle();
        if self.stage == Stage::Running && safe {
            self.software_timeouts(i);
            self.deliver_oob(i);
        }
        self.feed_posts(i);
    }

    fn now_of(&self, i: usize) -> Nanos {
        self.core.borrow().lanes[i].now_ns()
    }

    /// Runs the software of host `i` on one input, then lets the network go on and carries
    /// out what the software said.
    fn drive(&mut self, i: usize, f: impl FnOnce(&mut Node<RtlEngine>, Nanos) -> Vec<Output>) {
        let now = self.now_of(i);
        let Some(node) = self.nodes[i].as_mut() else {
            return;
        };
        let out = f(node, now);
        node.engine_mut().thaw();
        self.carry_out(i, out);
        if let Some(node) = self.nodes[i].as_ref() {
            self.safety
                .observe(self.now_ns(), HostId(i as u8), node.host());
        }
    }

    fn deliver_frame(&mut self, i: usize, verdict: Verdict, frame: RxFrame) {
        if verdict.0 && i == self.first_live() {
            self.note_hop(frame.tag);
        }
        self.drive(i, |node, now| {
            node.engine_mut().offer(verdict, frame.clone());
            let out = node.handle_frame(now, &frame.bytes);
            node.engine_mut().settle_offer();
            out
        });
    }

    fn first_live(&self) -> usize {
        self.nodes.iter().position(Option::is_some).unwrap_or(0)
    }

    /// Rack cycles between consecutive accepted frames at one host: the token's hop.
    fn note_hop(&mut self, tag: Option<u64>) {
        let g = self.cycles();
        if let (Some((k, at)), Some(tag)) = (self.last_accept, tag) {
            if tag == k + 1 {
                self.hops.push(g - at);
            }
        }
        self.last_accept = tag.map(|k| (k, g));
    }

    fn software_timeouts(&mut self, i: usize) {
        let now = self.now_of(i);
        let due = self.nodes[i]
            .as_ref()
            .and_then(Node::next_deadline)
            .is_some_and(|d| d <= now);
        if due {
            self.drive(i, |node, now| node.handle_timeout(now));
        }
    }

    fn deliver_oob(&mut self, i: usize) {
        let g = self.cycles();
        while self.oob[i].front().is_some_and(|(at, _, _)| *at <= g) {
            let Some((_, from, msg)) = self.oob[i].pop_front() else {
                break;
            };
            self.drive(i, |node, now| node.handle_oob(now, HostId(from as u8), msg));
        }
    }

    /// Out-of-band messages take the out-of-band latency and cross partitions as frames do.
    fn send_oob(&mut self, from: usize, to: Dest, msg: Oob) {
        let targets: Vec<usize> = match to {
            Dest::All => (0..self.n()).filter(|&j| j != from).collect(),
            Dest::To(h) => vec![h.index()],
        };
        self.book.recovery.oob_messages += targets.len() as u64;
        let at = self.cycles() + self.oob_cycles;
        for j in targets {
            if j < self.n() && self.faults.reaches(HostId(from as u8), HostId(j as u8)) {
                self.oob[j].push_back((at, from, msg.clone()));
            }
        }
    }

    pub(crate) fn carry_out(&mut self, i: usize, outputs: Vec<Output>) {
        for out in outputs {
            if self.trace_log {
                let node = self.nodes[i].as_ref();
                let at = node.map(|n| (n.phase_name(), n.host().epoch()));
                if let Some(line) = trace_line(self.now_ps(), i, at, &out) {
                    eprintln!("{line}");
                }
            }
            if self.book.count(&out) {
                self.majority_dirty = true;
            }
            match out {
                Output::Transmit(t) => {
                    // The first byte's time comes when the engine sends it.
                    if let Some(&msg) = t.post.and_then(|p| self.posts[i].get(&p)) {
                        self.book.sent(HostId(i as u8), t.seq, msg, None);
                    }
                }
                Output::Agreed { seq } => self.on_agreed(i, seq),
                Output::Oob { to, msg } => self.send_oob(i, to, msg),
                _ => {}
            }
        }
    }

    fn on_agreed(&mut self, i: usize, seq: u64) {
        let now = self.now_ps();
        self.progress.progressed(now, HostId(i as u8));
        let sender = self.nodes[i]
            .as_ref()
            .and_then(|n| n.host().log().get(seq))
            .map(|e| e.sender);
        self.book.agreed(now, sender, seq);
    }

    // ---- Messages ---------------------------------------------------------------------------

    pub(crate) fn submit_msg(&mut self, host: HostId, payload: Vec<u8>) -> MsgId {
        let id = self.book.submitted(host);
        let live = self.stage == Stage::NotStarted || self.nodes[host.index()].is_some();
        if live && payload.len() <= self.cfg.cluster.max_payload() {
            self.backlog[host.index()].push_back((id, payload));
        } else {
            self.book.messages_lost += 1;
        }
        id
    }

    /// Streams the next waiting message into the engine while its queue has room; its last
    /// byte goes only when no turn can be decided around it.
    fn feed_posts(&mut self, i: usize) {
        let Some(node) = self.nodes[i].as_ref() else {
            return;
        };
        let pending = node.host().pending_posts();
        let lane_ok = {
            let core = self.core.borrow();
            let lane = &core.lanes[i];
            let boot = (self.n() as u64 + 5) + POST_AFTER_VERDICT;
            lane.rx_idle() && lane.e >= lane.last_verdict + POST_AFTER_VERDICT && lane.e >= boot
        };
        let may_finish = self.stage == Stage::Preloading || lane_ok;
        let mut core = self.core.borrow_mut();
        if core.posts[i].is_none() && pending < MAX_POSTED {
            if let Some((msg, payload)) = self.backlog[i].pop_front() {
                core.posts[i] = Some(PostStream {
                    bytes: encode_post(&payload),
                    pos: 0,
                    payload,
                    may_finish,
                });
                self.streaming[i] = Some(msg);
            }
        }
        if let Some(s) = core.posts[i].as_mut() {
            s.may_finish = may_finish;
        }
    }

    /// Posts whose last byte the engine took in this cycle reach the model too.
    pub(crate) fn posts_committed(&mut self) {
        let done = std::mem::take(&mut self.core.borrow_mut().posted);
        for (i, payload) in done {
            let msg = self.streaming[i].take();
            let Some(node) = self.nodes[i].as_mut() else {
                continue;
            };
            match node.post(&payload) {
                Ok(post) => {
                    if let Some(msg) = msg {
                        self.posts[i].insert(post, msg);
                    }
                }
                Err(e) => self.core.borrow_mut().lanes[i].fail(
                    "a post the engine took",
                    format!("refused by the model: {e}"),
                    "taken".into(),
                ),
            }
        }
    }

    /// Staged start: done when no post is on its way and every queue is full or every
    /// message posted.
    pub(crate) fn preloaded(&self) -> bool {
        let core = self.core.borrow();
        (0..self.n()).all(|i| {
            let full = self.nodes[i]
                .as_ref()
                .is_none_or(|n| n.host().pending_posts() >= MAX_POSTED);
            core.posts[i].is_none() && (full || self.backlog[i].is_empty())
        })
    }

    /// The first byte of a message's frame left its engine.
    pub(crate) fn note_first_bytes(&mut self) {
        for i in 0..self.n() {
            let starts = std::mem::take(&mut self.core.borrow_mut().lanes[i].tx_starts);
            for (post, g) in starts {
                let msg = post.and_then(|p| self.posts[i].get(&p).copied());
                if let Some(msg) = msg {
                    let at = self.time_of(g);
                    self.book.first_byte(msg, at);
                }
            }
        }
    }

    // ---- Crashes and restarts ------------------------------------------------------------

    pub(crate) fn apply_action(&mut self, action: Action) {
        match action {
            Action::Net(fault) => {
                self.faults.apply(&fault);
                self.majority_dirty = true;
            }
            Action::Crash(id) => self.crash(id.index()),
            Action::Restart(id) => self.restart(id.index()),
            Action::Submit { host, payload } => {
                self.submit_msg(host, payload);
            }
        }
    }

    fn crash(&mut self, i: usize) {
        let Some(node) = self.nodes[i].take() else {
            return;
        };
        let id = HostId(i as u8);
        let host = node.host();
        self.safety.audit(self.now_ns(), id, host);
        self.safety.forget(id);
        add_counters(&mut self.retired, host.counters());
        let streaming = usize::from(self.streaming[i].take().is_some());
        self.book.messages_lost += self.backlog[i].len() + host.pending_posts() + streaming;
        self.backlog[i].clear();
        self.posts[i].clear();
        self.oob[i].clear();
        let mut core = self.core.borrow_mut();
        core.posts[i] = None;
        core.set_reset(i, true);
        core.lanes[i].reset();
        core.lanes[i].live = false;
        drop(core);
        self.tracker.forget(i);
        self.majority_dirty = true;
    }

    fn restart(&mut self, i: usize) {
        if self.nodes[i].is_some() || self.stage == Stage::NotStarted {
            return;
        }
        {
            let mut core = self.core.borrow_mut();
            core.set_reset(i, false);
            core.lanes[i].reset();
            core.lanes[i].live = true;
        }
        let now = self.now_of(i);
        let mirror = self.mirror(HostId(i as u8), false, now);
        let engine = RtlEngine::new(i, mirror, Rc::clone(&self.core));
        let (mut node, out) = Node::restarted_with(engine, self.cfg.recovery_config(), now);
        node.engine_mut().thaw();
        self.nodes[i] = Some(node);
        self.carry_out(i, out);
        self.majority_dirty = true;
    }

    /// A frame host `i` received was judged (or dropped): its delivery is done.
    fn frame_done(&mut self, i: usize, frame: &RxFrame, judged: bool) {
        let Some(k) = frame.tag else { return };
        if judged {
            self.stats.delivered += 1;
            if self.tracker.was_corrupted(k, i) {
                self.stats.undetected_corruption += 1;
            }
        }
        self.tracker.judged(k, i);
    }
}
