//! One Exo host: the accept rule, agreement, the token and its timeouts.
//!
//! The rules, in the order they are applied to a received frame (see `docs/protocol.md`):
//!
//! 1. The frame must decode, belong to this cluster and epoch, name valid hosts, come from a
//!    ring member and carry at most h history ids; otherwise it is rejected and counted.
//! 2. A halted host accepts nothing.
//! 3. `seq` must equal the local seq (lower: stale; higher: gap, and the host halts).
//! 4. The history must equal the local history (otherwise: divergence, and the host halts).
//! 5. The sender must not be in the history (otherwise: no quorum behind it; rejected).
//! 6. Transmit lock: a host that sent an acceptable message at seq s accepts at s only that
//!    message (otherwise it halts). Without this rule two chains can agree different entries:
//!    see the protocol document.
//!
//! Accepting entry s appends it, increments seq, shifts the sender into the history and makes
//! entry s − h agreed. The sender's ring successor then holds the token and sends at once: its
//! oldest posted message, or an empty message that only passes the token.

use super::config::{ConfigError, HostConfig, TokenClaim};
use super::history::History;
use super::log::{Entry, Log};
use super::output::{AnomalyKind, Counters, Output, RejectReason, Transmit, TxCause};
use super::ring::Ring;
use super::PostId;
use crate::wire::{host_mac, Frame};
use crate::{HostId, Nanos};
use std::collections::VecDeque;

/// Whether the host takes part in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Running,
    /// Stopped by its host software (during an epoch change or a gap repair): accepts,
    /// agrees and sends nothing until the software loads it again.
    Stopped,
    /// Stopped by the anomaly given: the host keeps its log, accepts nothing, agrees nothing
    /// and sends nothing until recovery reloads its state.
    Halted(AnomalyKind),
}

/// What an epoch install loads into a host (the engine's install command, and the body of
/// the out-of-band `Install` message).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EpochInstall {
    pub epoch: u32,
    /// The ring of the epoch, in token order.
    pub members: Vec<HostId>,
    /// The member that holds the token first.
    pub first: HostId,
    /// Log entries the host keeps (at least its agreed ones); `entries` follow them.
    pub keep: u64,
    pub entries: Vec<Entry>,
}

/// Why a message could not be posted. The caller keeps the payload: nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Hash)]
pub enum PostError {
    #[error("payload of {len} bytes exceeds the cluster's maximum of {max}")]
    PayloadTooLarge { len: usize, max: usize },
    #[error("{capacity} messages are already waiting to be sent")]
    QueueFull { capacity: usize },
}

/// The token-loss timer: armed whenever the token moves (an accepted message, or boot).
///
/// The member `k` steps after the token holder sends after `k` timeouts; every host repeats
/// its claim once per further trip around the ring. The holder itself (`k` = 0) sends at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ClaimTimer {
    since: Nanos,
    /// Ring distance from the token holder to this host.
    steps: u64,
    /// Claims (or the turn) already made since `since`.
    fired: u64,
}

/// The message this host sent at `seq`, kept so that every later send at the same seq repeats
/// exactly the same bytes (a host never offers two different messages for one position).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct InFlight {
    seq: u64,
    frame: Vec<u8>,
    post: Option<(PostId, Vec<u8>)>,
    acceptable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host {
    cfg: HostConfig,
    ring: Ring,
    status: Status,
    /// The epoch this host is in; frames of other epochs are rejected.
    epoch: u32,
    /// First position of the current epoch: the history starts empty there, and entries
    /// before it are agreed once `h + 1` entries of the epoch are accepted.
    epoch_start: u64,
    seq: u64,
    history: History,
    log: Log,
    /// The member that holds the token: successor of the last accepted sender.
    holder: HostId,
    timer: Option<ClaimTimer>,
    in_flight: Option<InFlight>,
    posted: VecDeque<(PostId, Vec<u8>)>,
    next_post: PostId,
    counters: Counters,
}

impl Host {
    /// A host booting with the cluster: empty log, seq 0, the token at the first holder.
    pub fn new(cfg: HostConfig, now: Nanos) -> Result<Host, ConfigError> {
        cfg.validate()?;
        let ring = Ring::new(cfg.cluster.members.clone());
        let holder = cfg.cluster.first_holder;
        let mut host = Host {
            history: History::new(cfg.cluster.h()),
            ring,
            status: Status::Running,
            epoch: cfg.cluster.epoch,
            epoch_start: 0,
            seq: 0,
            log: Log::new(),
            holder,
            timer: None,
            in_flight: None,
            posted: VecDeque::new(),
            next_post: 0,
            counters: Counters::default(),
            cfg,
        };
        host.arm_timer(now);
        Ok(host)
    }

    /// A host coming back after a crash: its state is gone, so it must not act as if the
    /// cluster were new. It halts until a state transfer reloads it.
    pub fn restarted(cfg: HostConfig, now: Nanos) -> Result<Host, ConfigError> {
        let mut host = Host::new(cfg, now)?;
        host.halt(AnomalyKind::Restarted);
        host.counters.count_anomaly(AnomalyKind::Restarted);
        Ok(host)
    }

    pub fn id(&self) -> HostId {
        self.cfg.id
    }

    pub fn config(&self) -> &HostConfig {
        &self.cfg
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// True unless the host is running.
    pub fn is_halted(&self) -> bool {
        self.status != Status::Running
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// First log position of the current epoch.
    pub fn epoch_start(&self) -> u64 {
        self.epoch_start
    }

    /// The ring of the current epoch.
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// The sequence number the next accepted message must carry.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    /// h = floor(n/2).
    pub fn h(&self) -> usize {
        self.cfg.cluster.h()
    }

    /// Whose turn it is: the member that holds the token.
    pub fn turn(&self) -> HostId {
        self.holder
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Messages posted here and not yet appended (waiting, or in a message sent but not yet
    /// accepted back).
    pub fn pending_posts(&self) -> usize {
        self.posted.len() + self.in_flight_post().map_or(0, |_| 1)
    }

    fn in_flight_post(&self) -> Option<PostId> {
        self.in_flight.as_ref()?.post.as_ref().map(|(id, _)| *id)
    }

    /// When [`Host::handle_timeout`] must next be called, if ever.
    pub fn next_deadline(&self) -> Option<Nanos> {
        if self.is_halted() {
            return None;
        }
        let t = self.timer?;
        let slot = t.steps + t.fired * self.ring.len() as u64;
        match self.cfg.claim {
            TokenClaim::Slides { token_timeout } | TokenClaim::Epochs { token_timeout } => {
                Some(t.since.saturating_add(slot.saturating_mul(token_timeout)))
            }
            // Without claims only the holder's own turn at boot remains.
            TokenClaim::Off => (slot == 0).then_some(t.since),
        }
    }

    /// Queues a message to be sent at one of this host's turns.
    pub fn post(&mut self, payload: &[u8]) -> Result<PostId, PostError> {
        let max = self.cfg.cluster.max_payload();
        if payload.len() > max {
            return Err(PostError::PayloadTooLarge {
                len: payload.len(),
                max,
            });
        }
        if self.pending_posts() >= self.cfg.max_posted {
            return Err(PostError::QueueFull {
                capacity: self.cfg.max_posted,
            });
        }
        let id = self.next_post;
        self.next_post += 1;
        self.posted.push_back((id, payload.to_vec()));
        Ok(id)
    }

    /// A frame arrived from the Exo network (FCS already checked and stripped by the MAC).
    pub fn handle_frame(&mut self, now: Nanos, bytes: &[u8]) -> Vec<Output> {
        let mut out = Vec::new();
        match self.judge(bytes) {
            Ok(frame) => self.accept(now, frame, &mut out),
            Err((reason, frame)) => self.reject(reason, frame.as_ref(), &mut out),
        }
        out
    }

    /// The token timer expired (call when `now >= next_deadline()`).
    pub fn handle_timeout(&mut self, now: Nanos) -> Vec<Output> {
        let mut out = Vec::new();
        let due = self.next_deadline().is_some_and(|d| now >= d);
        if let (true, Some(timer)) = (due, self.timer.as_mut()) {
            let cause = if timer.steps == 0 && timer.fired == 0 {
                TxCause::Turn
            } else {
                TxCause::Claim
            };
            timer.fired += 1;
            if cause == TxCause::Claim && matches!(self.cfg.claim, TokenClaim::Epochs { .. }) {
                // In epoch mode nobody claims: the host software starts an epoch change.
                self.counters.count_anomaly(AnomalyKind::TokenLost);
                out.push(Output::Anomaly {
                    kind: AnomalyKind::TokenLost,
                    local_seq: self.seq,
                    frame_seq: None,
                    sender: None,
                });
            } else {
                self.transmit(cause, &mut out);
            }
        }
        out
    }

    /// Applies the accept rule; returns the frame if it is to be accepted.
    fn judge(&self, bytes: &[u8]) -> Result<Frame, (RejectReason, Option<Frame>)> {
        let frame = Frame::decode(bytes).map_err(|e| (RejectReason::Malformed(e), None))?;
        match self.check(&frame) {
            None => Ok(frame),
            Some(reason) => Err((reason, Some(frame))),
        }
    }

    fn check(&self, f: &Frame) -> Option<RejectReason> {
        let cluster = &self.cfg.cluster;
        if f.cluster != cluster.cluster {
            return Some(RejectReason::WrongCluster { got: f.cluster });
        }
        if f.epoch != self.epoch {
            return Some(RejectReason::WrongEpoch { got: f.epoch });
        }
        let invalid = std::iter::once(&f.sender)
            .chain(&f.history)
            .find(|id| id.index() >= cluster.n);
        if let Some(&id) = invalid {
            return Some(RejectReason::InvalidHostId { id });
        }
        if !self.ring.contains(f.sender) {
            return Some(RejectReason::NotAMember { sender: f.sender });
        }
        if f.history.len() > self.h() {
            return Some(RejectReason::BadHistoryLength {
                got: f.history.len(),
            });
        }
        if self.is_halted() {
            return Some(RejectReason::Halted);
        }
        if f.seq < self.seq {
            return Some(RejectReason::Stale { local: self.seq });
        }
        if f.seq > self.seq {
            return Some(RejectReason::Gap { local: self.seq });
        }
        if self.seq == u64::MAX {
            return Some(RejectReason::SeqExhausted);
        }
        if !self.history.matches(&f.history) {
            return Some(RejectReason::Divergent);
        }
        if self.cfg.rules.sender_not_in_history && self.history.contains(f.sender) {
            return Some(RejectReason::SenderInHistory);
        }
        if self.cfg.rules.transmit_lock && f.sender != self.cfg.id && self.locked_at(f.seq) {
            return Some(RejectReason::ConflictsWithOwn);
        }
        None
    }

    /// True if this host sent an acceptable message at `seq`.
    fn locked_at(&self, seq: u64) -> bool {
        self.in_flight
            .as_ref()
            .is_some_and(|f| f.seq == seq && f.acceptable)
    }

    fn reject(&mut self, reason: RejectReason, frame: Option<&Frame>, out: &mut Vec<Output>) {
        self.counters.count_reject(&reason);
        let anomaly = reason.anomaly();
        out.push(Output::Rejected {
            sender: frame.map(|f| f.sender),
            seq: frame.map(|f| f.seq),
            reason,
        });
        if let Some(kind) = anomaly {
            self.counters.count_anomaly(kind);
            out.push(Output::Anomaly {
                kind,
                local_seq: self.seq,
                frame_seq: frame.map(|f| f.seq),
                sender: frame.map(|f| f.sender),
            });
            if kind.halts() {
                self.halt(kind);
            }
        }
    }

    fn halt(&mut self, kind: AnomalyKind) {
        self.status = Status::Halted(kind);
        self.timer = None;
    }

    fn accept(&mut self, now: Nanos, frame: Frame, out: &mut Vec<Output>) {
        let seq = frame.seq;
        self.settle_in_flight(&frame);
        self.log.append(Entry {
            seq,
            epoch: frame.epoch,
            sender: frame.sender,
            payload: frame.payload,
        });
        self.seq = seq + 1; // seq < u64::MAX was checked by the accept rule.
        self.history.push(frame.sender);
        self.counters.accepted += 1;
        out.push(Output::Accepted {
            seq,
            sender: frame.sender,
        });
        self.agree(out);
        // A member's successor always exists; fall back to the sender for safety of types.
        self.pass_token(
            now,
            self.ring.successor(frame.sender).unwrap_or(frame.sender),
            out,
        );
    }

    /// Entry s makes entry s − h agreed: the senders of s−h … s are h+1 distinct hosts that
    /// all hold it. Entries before the epoch start become agreed together with the epoch's
    /// first: the h+1 distinct senders of its first h+1 entries all loaded them.
    fn agree(&mut self, out: &mut Vec<Output>) {
        let h = self.h() as u64;
        let Some(last) = self.seq.checked_sub(1) else {
            return;
        };
        if last < self.epoch_start + h {
            return;
        }
        let before = self.log.agreed();
        self.log.agree_through(last - h + 1);
        for seq in before..self.log.agreed() {
            out.push(Output::Agreed { seq });
        }
    }

    /// The token is now at `holder`: re-arm the timer, and send at once if it is ours.
    fn pass_token(&mut self, now: Nanos, holder: HostId, out: &mut Vec<Output>) {
        self.holder = holder;
        self.arm_timer(now);
        if self.holder == self.cfg.id {
            if let Some(timer) = self.timer.as_mut() {
                timer.fired = 1;
            }
            self.transmit(TxCause::Turn, out);
        }
    }

    // ---- What the host software loads (the engine's control port) --------------------------

    /// Stops the engine: nothing is accepted, agreed or sent until a load.
    pub fn stop(&mut self) {
        if self.status == Status::Running {
            self.status = Status::Stopped;
            self.timer = None;
        }
    }

    /// The message this host sent at its current seq, if it is acceptable: it may be in other
    /// hosts' logs, so an epoch change must know it.
    pub fn in_flight_entry(&self) -> Option<Entry> {
        let f = self
            .in_flight
            .as_ref()
            .filter(|f| f.acceptable && f.seq == self.seq)?;
        let frame = Frame::decode(&f.frame).ok()?;
        Some(Entry {
            seq: frame.seq,
            epoch: frame.epoch,
            sender: frame.sender,
            payload: frame.payload,
        })
    }

    /// The message this host sent and has not settled: (seq, carries a post, acceptable).
    pub fn in_flight(&self) -> Option<(u64, bool, bool)> {
        self.in_flight
            .as_ref()
            .map(|f| (f.seq, f.post.is_some(), f.acceptable))
    }

    /// Loads a new epoch: the log becomes its first `keep` entries (at least the agreed ones)
    /// followed by `entries`; the ring becomes `members` with `first` holding the token. The
    /// history starts empty at the epoch start.
    pub fn install(&mut self, now: Nanos, load: EpochInstall) -> Vec<Output> {
        let mut out = Vec::new();
        self.log.truncate(load.keep.max(self.log.agreed()));
        for e in load.entries {
            if e.seq == self.log.len() {
                self.log.append(e);
            }
        }
        self.settle_in_flight_after_load();
        self.ring = Ring::new(load.members);
        self.epoch = load.epoch;
        self.seq = self.log.len();
        self.epoch_start = self.seq;
        self.history = History::new(self.h());
        self.status = Status::Running;
        self.pass_token(now, load.first, &mut out);
        out
    }

    /// Gap repair: appends the missing entries of the current epoch, fetched from a peer, and
    /// resumes as if they had been accepted here.
    pub fn repair(&mut self, now: Nanos, entries: Vec<Entry>) -> Vec<Output> {
        let mut out = Vec::new();
        let mut last_sender = None;
        for e in entries {
            if e.seq != self.seq || e.epoch > self.epoch || self.seq == u64::MAX {
                continue;
            }
            self.settle_in_flight_entry(&e);
            if e.seq >= self.epoch_start {
                self.history.push(e.sender);
            }
            last_sender = Some(e.sender);
            self.log.append(e);
            self.seq += 1;
        }
        self.agree(&mut out);
        self.status = Status::Running;
        let holder = last_sender
            .and_then(|s| self.ring.successor(s))
            .unwrap_or(self.holder);
        self.pass_token(now, holder, &mut out);
        out
    }

    /// The naive recovery of the talk's sketch: replace the whole log with `log` (another
    /// host's chain) and go on from its end, in the same epoch. Unsafe; kept to show why.
    pub fn adopt(&mut self, now: Nanos, log: Vec<Entry>) -> Vec<Output> {
        let mut out = Vec::new();
        self.log = Log::new();
        self.history = History::new(self.h());
        for e in log {
            if e.seq == self.log.len() {
                self.history.push(e.sender);
                self.log.append(e);
            }
        }
        self.settle_in_flight_after_load();
        self.seq = self.log.len();
        let agreed = self.seq.saturating_sub(self.h() as u64);
        self.log.agree_through(agreed);
        self.status = Status::Running;
        let last = self.log.entries().last().map(|e| e.sender);
        let holder = last
            .and_then(|s| self.ring.successor(s))
            .unwrap_or(self.cfg.cluster.first_holder);
        self.pass_token(now, holder, &mut out);
        out
    }

    /// After a load: if the loaded log holds our in-flight message, its post is done;
    /// otherwise the post goes back to the head of the queue.
    fn settle_in_flight_after_load(&mut self) {
        if let Some(f) = self.in_flight.take() {
            let ours = self
                .log
                .get(f.seq)
                .is_some_and(|e| e.sender == self.cfg.id && e.epoch == self.epoch);
            if let (false, Some(post)) = (ours, f.post) {
                self.posted.push_front(post);
            }
        }
    }

    /// A repaired entry at our in-flight position: ours if it is our message.
    fn settle_in_flight_entry(&mut self, e: &Entry) {
        if let Some(f) = self.in_flight.take() {
            let ours = f.seq == e.seq && e.sender == self.cfg.id;
            if let (false, Some(post)) = (ours, f.post) {
                self.posted.push_front(post);
            }
        }
    }

    /// Our message at this position is either the one accepted now, or it was not acceptable
    /// (or the lock is off); in the latter case its posted message goes back to the queue head.
    fn settle_in_flight(&mut self, accepted: &Frame) {
        if let Some(f) = self.in_flight.take() {
            let ours = f.seq == accepted.seq && accepted.sender == self.cfg.id;
            if let (false, Some(post)) = (ours, f.post) {
                self.posted.push_front(post);
            }
        }
    }

    fn arm_timer(&mut self, now: Nanos) {
        let steps = self.ring.distance(self.holder, self.cfg.id).unwrap_or(0) as u64;
        self.timer = Some(ClaimTimer {
            since: now,
            steps,
            fired: 0,
        });
    }

    fn transmit(&mut self, cause: TxCause, out: &mut Vec<Output>) {
        let f = match self.in_flight.take() {
            Some(f) if f.seq == self.seq => f,
            stale => {
                if let Some((id, payload)) = stale.and_then(|f| f.post) {
                    self.posted.push_front((id, payload));
                }
                self.build_in_flight()
            }
        };
        out.push(Output::Transmit(Transmit {
            frame: f.frame.clone(),
            seq: f.seq,
            post: f.post.as_ref().map(|(id, _)| *id),
            cause,
            acceptable: f.acceptable,
        }));
        self.in_flight = Some(f);
        self.counters.transmitted += 1;
        if cause == TxCause::Claim {
            self.counters.claims += 1;
        }
    }

    /// The message this host offers at its current seq. A message nobody can accept (our own
    /// id is in our history) carries no posted message, so none waits on a doomed frame.
    fn build_in_flight(&mut self) -> InFlight {
        let acceptable =
            !(self.cfg.rules.sender_not_in_history && self.history.contains(self.cfg.id));
        let post = if acceptable {
            self.posted.pop_front()
        } else {
            None
        };
        let cluster = &self.cfg.cluster;
        let frame = Frame {
            src_mac: host_mac(cluster.cluster, self.cfg.id),
            cluster: cluster.cluster,
            epoch: self.epoch,
            sender: self.cfg.id,
            seq: self.seq,
            history: self.history.to_vec(),
            payload: post.as_ref().map(|(_, p)| p.clone()).unwrap_or_default(),
        };
        // Posts are bounded by the cluster's maximum payload and the history by h <= 128, so
        // the frame always encodes.
        let frame = frame
            .encode()
            .expect("posted payloads are bounded by max_payload(h)");
        InFlight {
            seq: self.seq,
            frame,
            post,
            acceptable,
        }
    }
}
