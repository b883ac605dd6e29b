//! `RtlEngine`: the Verilated engine of one host, as the golden model's recovery software
//! ([`Node`](exo_proto::model::Node)) sees an engine.
//!
//! It holds a mirror — a golden-model [`Host`] that receives every input at the engine cycle
//! the RTL acts on it: frames at their verdict, control operations at the cycle they take
//! effect, deadlines at the cycle the engine's timer fires. Everything the mirror outputs
//! becomes an expectation of the host's [`Lane`](crate::lane::Lane); the software reads the
//! engine's state from the mirror, which the comparison holds equal to the RTL.
//!
//! The software's control calls run through the engine's control port (`ctl.rs`) in
//! engine-only cycles, so each lands where the model's lands: between the same two frames.
//! Deadlines are handled on the mirror at the engine's cycle, and their outputs reach the
//! software at its next safe point (when no frame is being received), as a real host would
//! read the engine's token-lost record.

use crate::core::Core;
use crate::lane::{RxFrame, Snapshot, Verdict, SETTLE};
use exo_engine::host_if::{op, reg};
use exo_proto::model::{Engine, Entry, EpochInstall, Host, Output, PostError, PostId, Status};
use exo_proto::Nanos;
use std::cell::RefCell;
use std::rc::Rc;

pub struct RtlEngine {
    pub(crate) i: usize,
    pub(crate) mirror: Host,
    pub(crate) core: Rc<RefCell<Core>>,
    /// The frame whose verdict the harness just read, offered to the software.
    offered: Option<(Verdict, RxFrame)>,
    /// Deadline outputs the software has not read yet, and when they happened.
    timeouts: Vec<Output>,
    timeouts_at: Option<Nanos>,
    /// A replayed frame's verdict, read during engine-only cycles.
    pub(crate) replayed: Option<Vec<Output>>,
    pub(crate) frozen: bool,
}

impl RtlEngine {
    pub fn new(i: usize, mirror: Host, core: Rc<RefCell<Core>>) -> RtlEngine {
        RtlEngine {
            i,
            mirror,
            core,
            offered: None,
            timeouts: Vec::new(),
            timeouts_at: None,
            replayed: None,
            frozen: false,
        }
    }

    fn now(&self) -> Nanos {
        self.core.borrow().lanes[self.i].now_ns()
    }

    /// The harness read a verdict on `frame`: the software may pass the frame on now
    /// ([`Engine::handle_frame`]); if it holds it instead, [`RtlEngine::settle_offer`] lets
    /// the mirror judge it all the same (the engine judged it).
    pub fn offer(&mut self, verdict: Verdict, frame: RxFrame) {
        self.offered = Some((verdict, frame));
    }

    pub fn settle_offer(&mut self) {
        if let Some((verdict, frame)) = self.offered.take() {
            self.judge(verdict, &frame.bytes);
        }
    }

    /// The mirror judges a frame the engine judged in this cycle.
    pub(crate) fn judge(&mut self, verdict: Verdict, bytes: &[u8]) -> Vec<Output> {
        let now = self.now();
        let out = self.mirror.handle_frame(now, bytes);
        let mut core = self.core.borrow_mut();
        let lane = &mut core.lanes[self.i];
        lane.expect(&self.mirror, &out, Some(verdict));
        let at = lane.e + SETTLE;
        lane.check_state_at(
            at,
            Snapshot::of(&self.mirror),
            "state after a verdict".into(),
        );
        out
    }

    /// Deadlines that fall due at the engine's current cycle, handled on the mirror.
    pub fn poll(&mut self) {
        let now = self.now();
        while let Some(deadline) = self.mirror.next_deadline() {
            if deadline > now {
                break;
            }
            let out = self.mirror.handle_timeout(deadline);
            self.core.borrow_mut().lanes[self.i].expect(&self.mirror, &out, None);
            self.timeouts.extend(out);
            self.timeouts_at.get_or_insert(now);
        }
    }

    /// Before a control operation: the offered frame is judged first (it arrived before the
    /// operation), pending state checks run, and the network stops for this engine.
    pub(crate) fn begin_op(&mut self) {
        self.settle_offer();
        if !self.frozen {
            self.core.borrow_mut().freeze(self.i);
            self.frozen = true;
        }
        while self.core.borrow().lanes[self.i].check.is_some() {
            self.step(None);
        }
    }

    /// After the software's call: the network runs again.
    pub fn thaw(&mut self) {
        if self.frozen {
            self.frozen = false;
            let seen = self.core.borrow_mut().thaw(self.i);
            debug_assert!(seen.verdict.is_none(), "no frame arrives while frozen");
            self.poll();
        }
    }

    /// Compares the state `SETTLE` cycles after an operation took effect.
    pub(crate) fn check_after(&mut self, label: &str) {
        let at = self.core.borrow().lanes[self.i].e + SETTLE;
        let want = Snapshot::of(&self.mirror);
        self.core.borrow_mut().lanes[self.i].check_state_at(at, want, label.into());
        while self.core.borrow().lanes[self.i].check.is_some() {
            self.step(None);
        }
    }

    /// Stops the engine if the model's engine is running (the operations that load it must
    /// find it stopped; the model's `stop` is a no-op otherwise).
    fn stop_if_running(&mut self) {
        if self.mirror.status() == Status::Running {
            self.command(op::STOP);
            self.mirror.stop();
        }
    }

    /// Writes the ring of `members` (token order) through the control port.
    fn write_ring(&mut self, members: &[exo_proto::HostId]) {
        self.ctl_write(reg::RING_CLEAR, 0);
        self.ctl_write(reg::RING_LEN, members.len() as u32);
        for (pos, id) in members.iter().enumerate() {
            let next = members[(pos + 1) % members.len()];
            let word = u32::from(id.0) | ((pos as u32) << 8) | (u32::from(next.0) << 16);
            self.ctl_write(reg::RING_ENTRY, word);
        }
    }

    /// True if the log `after` a load holds the message we have in flight (the model's
    /// settling rule: our id, at its seq, in the epoch we sent it in).
    fn load_holds_ours(&self, after: &Host) -> bool {
        let me = self.mirror.id();
        self.mirror.in_flight().is_some_and(|(seq, _, _)| {
            after
                .log()
                .get(seq)
                .is_some_and(|e| e.sender == me && e.epoch == self.mirror.epoch())
        })
    }

    /// The staged start: the software sets the token timeout and loads the boot epoch into
    /// an engine that booted without the cluster (used when the messages are posted before
    /// the start, or the cluster's settings differ from the engines' elaboration).
    pub fn load_boot(&mut self, timeout_cycles: u32, load: EpochInstall) -> Vec<Output> {
        self.begin_op();
        if timeout_cycles != crate::racks::TOKEN_TIMEOUT_CYCLES {
            self.ctl_write(reg::SET_TOKEN_TIMEOUT, timeout_cycles);
        }
        self.install_sequence(load, "state after the boot epoch's load")
    }

    fn install_sequence(&mut self, load: EpochInstall, label: &str) -> Vec<Output> {
        self.stop_if_running();
        let mut after = self.mirror.clone();
        after.install(0, load.clone());
        let ours = self.load_holds_ours(&after);
        self.write_ring(after.ring().members());
        let seq = after.seq();
        self.ctl_write(reg::STAGE_EPOCH, load.epoch);
        self.ctl_write(reg::STAGE_SEQ_LO, seq as u32);
        self.ctl_write(reg::STAGE_SEQ_HI, (seq >> 32) as u32);
        self.ctl_write(
            reg::STAGE_HOLDER,
            u32::from(load.first.0) | u32::from(ours) << 8,
        );
        let at = self.command(op::LOAD_EPOCH) + 3;
        self.step_to(at);
        let out = self.mirror.install(self.now(), load);
        self.after_effect(&out, label);
        out
    }

    /// The model's outputs at an operation's effect, then the state comparison.
    fn after_effect(&mut self, out: &[Output], label: &str) {
        self.core.borrow_mut().lanes[self.i].expect(&self.mirror, out, None);
        self.poll();
        self.core.borrow_mut().engine_high(self.i);
        self.check_after(label);
    }
}

impl Engine for RtlEngine {
    fn host(&self) -> &Host {
        &self.mirror
    }

    fn next_deadline(&self) -> Option<Nanos> {
        self.timeouts_at
    }

    fn post(&mut self, payload: &[u8]) -> Result<PostId, PostError> {
        // The harness streamed it into the engine; it committed there in this cycle.
        self.mirror.post(payload)
    }

    fn handle_frame(&mut self, _now: Nanos, bytes: &[u8]) -> Vec<Output> {
        match self.offered.take() {
            Some((verdict, frame)) if frame.bytes == bytes => self.judge(verdict, bytes),
            offered => {
                self.offered = offered;
                self.replay(bytes)
            }
        }
    }

    fn handle_timeout(&mut self, _now: Nanos) -> Vec<Output> {
        self.timeouts_at = None;
        std::mem::take(&mut self.timeouts)
    }

    fn stop(&mut self) {
        self.begin_op();
        self.command(op::STOP);
        self.mirror.stop();
        self.check_after("state after a stop");
    }

    fn install(&mut self, _now: Nanos, load: EpochInstall) -> Vec<Output> {
        self.begin_op();
        self.install_sequence(load, "state after an epoch install")
    }

    fn repair(&mut self, _now: Nanos, entries: Vec<Entry>) -> Vec<Output> {
        self.begin_op();
        self.stop_if_running();
        let mut after = self.mirror.clone();
        after.repair(0, entries.clone());
        let from = self.mirror.log().len() as usize;
        for e in &after.log().entries()[from..] {
            self.ctl_write(reg::STAGE_SENDER, u32::from(e.sender.0));
            self.command(op::APPEND);
        }
        self.ctl_write(reg::STAGE_HOLDER, u32::from(after.turn().0));
        let at = self.command(op::RESUME) + 3;
        self.step_to(at);
        let before = self.mirror.log().agreed();
        let out = self.mirror.repair(self.now(), entries);
        let agreed = self.mirror.log().agreed();
        if agreed > before {
            self.core.borrow_mut().lanes[self.i].expect_agreed(agreed);
        }
        self.after_effect(&out, "state after a gap repair");
        out
    }

    fn adopt(&mut self, _now: Nanos, _log: Vec<Entry>) -> Vec<Output> {
        // The rack refuses the naive mode; an engine has no whole-log replacement.
        let mut core = self.core.borrow_mut();
        core.lanes[self.i].fail(
            "the naive recovery's log adoption",
            "an engine operation".into(),
            "none exists".into(),
        );
        Vec::new()
    }
}
