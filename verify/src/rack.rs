//! The rack simulator: N golden-model hosts on a simulated aggregate→broadcast fabric.
//!
//! Discrete events in simulated picoseconds, processed in (time, class, insertion) order, with
//! all randomness drawn from one seeded [`Rng`] in event order: the same seed and the same
//! configuration replay the same run bit for bit.
//!
//! What is simulated, per frame: the engine turnaround, serialization on the sender's uplink,
//! wire latency, the fabric (frames leave the aggregation point one at a time, in arrival order,
//! never interleaved), broadcast to every host including the sender, wire latency and
//! serialization again. Faults: partitions (at the broadcast point), per-link loss and
//! corruption (caught by a real FCS check at the receiver), scripted drops, host crashes (a frame
//! being sent is cut short) and restarts. The checkers watch every step.

use crate::faults::{FaultState, NetFault};
use crate::ledger::{trace_line, Ledger};
use crate::net::{NetConfig, Picos, PS_PER_NS};
use crate::progress::{connected_majority, ProgressChecker};
use crate::rng::Rng;
use crate::safety::SafetyChecker;
use exo_proto::fcs::{append_fcs, strip_fcs};
use exo_proto::model::{
    ClusterConfig, Counters, Dest, Host, HostConfig, Node, Oob, Output, PostError, PostId,
    RecoveryConfig, RecoveryMode, Rules, TokenClaim, Transmit,
};
use exo_proto::wire::MAX_FRAME_LEN;
use exo_proto::{HostId, Nanos};
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::rc::Rc;

/// Longest token timeout the simulator accepts (10 s).
pub const MAX_TOKEN_TIMEOUT_NS: Nanos = 10_000_000_000;

/// Index of a message submitted to the rack, in submission order.
pub type MsgId = usize;

/// Which protocol the hosts run when the token is lost or something goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Exo: token loss starts an epoch change; gaps are repaired; crashed hosts rejoin.
    Epochs,
    /// The talk's token claims and its recovery sketch (adopt the longest of a majority's
    /// logs). Unsafe: kept to show the bug.
    Naive,
    /// The talk's token claims and no recovery: hosts that detect trouble stop.
    Slides,
}

/// Everything that defines a run apart from its workload and faults.
#[derive(Debug, Clone)]
pub struct RackConfig {
    pub cluster: ClusterConfig,
    pub net: NetConfig,
    pub mode: Mode,
    /// No token timeouts at all (a lost token stops the ring): to show the progress checker
    /// can fail.
    pub claims_off: bool,
    pub token_timeout: Nanos,
    /// Hosts with their own token timeout.
    pub timeout_overrides: Vec<(HostId, Nanos)>,
    /// Timers of the recovery software (its mode follows `mode`).
    pub recovery: RecoveryConfig,
    pub rules: Rules,
    pub max_posted: usize,
    pub seed: u64,
}

impl RackConfig {
    pub fn new(n: usize, seed: u64) -> RackConfig {
        RackConfig {
            cluster: ClusterConfig::new(n),
            net: NetConfig::default(),
            mode: Mode::Epochs,
            claims_off: false,
            token_timeout: exo_proto::model::DEFAULT_TOKEN_TIMEOUT_NS,
            timeout_overrides: Vec::new(),
            recovery: RecoveryConfig::epochs(),
            rules: Rules::default(),
            max_posted: 64,
            seed,
        }
    }

    fn timeout_of(&self, id: HostId) -> Nanos {
        self.timeout_overrides
            .iter()
            .find(|(h, _)| *h == id)
            .map_or(self.token_timeout, |(_, t)| *t)
    }

    pub fn host_config(&self, id: HostId) -> HostConfig {
        let mut cfg = HostConfig::new(id, self.cluster.clone());
        let token_timeout = self.timeout_of(id);
        cfg.claim = match (self.claims_off, self.mode) {
            (true, _) => TokenClaim::Off,
            (false, Mode::Epochs) => TokenClaim::Epochs { token_timeout },
            (false, Mode::Naive | Mode::Slides) => TokenClaim::Slides { token_timeout },
        };
        cfg.rules = self.rules;
        cfg.max_posted = self.max_posted;
        cfg
    }

    pub fn recovery_config(&self) -> RecoveryConfig {
        RecoveryConfig {
            mode: match self.mode {
                Mode::Epochs => RecoveryMode::Epochs,
                Mode::Naive => RecoveryMode::Naive,
                Mode::Slides => RecoveryMode::Off,
            },
            ..self.recovery
        }
    }

    fn longest_timeout(&self) -> Nanos {
        if self.claims_off {
            return 0;
        }
        std::iter::once(self.token_timeout)
            .chain(self.timeout_overrides.iter().map(|(_, t)| *t))
            .max()
            .unwrap_or(0)
    }

    /// Longest token hop: a maximum-size frame.
    pub fn longest_hop(&self) -> Picos {
        self.net.hop(MAX_FRAME_LEN)
    }

    /// The progress bound the protocol document states (§9, §16). With the slides' claims:
    /// one trip around the ring of token timeouts plus two more, and four of the longest hops.
    /// With epochs, also a join request and up to three epoch changes, each at most two change
    /// timeouts (a retry after a collision), the collect window and four out-of-band messages.
    pub fn progress_bound(&self) -> Picos {
        let members = self.cluster.members.len() as u64;
        let ring = (members + 2) * self.longest_timeout() * PS_PER_NS + 4 * self.longest_hop();
        match self.mode {
            Mode::Slides | Mode::Naive => ring,
            Mode::Epochs => {
                let r = &self.recovery;
                let change = 2 * r.change_timeout + r.collect_window + 4 * self.net.oob_latency_ns;
                ring + (r.join_interval + 3 * change) * PS_PER_NS
            }
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        self.net.validate()?;
        for i in 0..self.cluster.n {
            self.host_config(HostId(i as u8))
                .validate()
                .map_err(|e| e.to_string())?;
        }
        let hop = self.longest_hop() / PS_PER_NS;
        for (id, token_timeout) in std::iter::once((None, self.token_timeout))
            .chain(self.timeout_overrides.iter().map(|(h, t)| (Some(*h), *t)))
        {
            if !self.claims_off {
                if token_timeout > MAX_TOKEN_TIMEOUT_NS {
                    return Err(format!(
                        "token timeout {token_timeout} ns exceeds the maximum of 10 s"
                    ));
                }
                let repair = 2 * self.net.oob_latency_ns;
                if self.mode == Mode::Epochs && token_timeout <= hop + repair {
                    let who = id.map_or("the token timeout".to_string(), |h| {
                        format!("host {h}'s token timeout")
                    });
                    return Err(format!(
                        "{who} ({token_timeout} ns) must exceed the longest hop plus a gap \
                         repair's round trip ({} ns), or a repairing holder looks like a lost token",
                        hop + repair
                    ));
                }
                if token_timeout <= hop {
                    let who = id.map_or("the token timeout".to_string(), |h| {
                        format!("host {h}'s token timeout")
                    });
                    return Err(format!(
                        "{who} ({token_timeout} ns) must exceed the longest hop ({hop} ns), \
                         or hosts claim the token while it is still on its way"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Something done to the rack at a moment of the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Net(NetFault),
    /// The host stops at once: its state is lost, a frame it is sending is cut short.
    Crash(HostId),
    /// The host comes back without its state (it halts until a state transfer).
    Restart(HostId),
    /// The application at `host` submits a message.
    Submit {
        host: HostId,
        payload: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
enum Event {
    AtFabric {
        frame: u64,
    },
    /// The frame's last byte reaches these hosts (each flagged if its copy is corrupted).
    Deliver {
        frame: u64,
        to: Vec<(usize, bool)>,
    },
    Act(Box<Action>),
    /// An out-of-band message reaches `to`.
    Oob {
        from: usize,
        to: usize,
        msg: Box<Oob>,
    },
    Tick,
}

/// Events sort by time, then class (scheduled actions before the hosts at the same instant),
/// then insertion order.
struct Queued {
    time: Picos,
    class: u8,
    order: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse to pop the earliest first.
        (other.time, other.class, other.order).cmp(&(self.time, self.class, self.order))
    }
}

/// A frame on its way through the network.
struct InTransit {
    sender: usize,
    seq: u64,
    bytes: Rc<Vec<u8>>,
    decided: Picos,
    tx_start: Picos,
    tx_end: Picos,
    uplink_corrupt: bool,
}

/// A submitted message and what happened to it.
#[derive(Debug, Clone)]
pub struct MsgRecord {
    pub host: HostId,
    /// First byte of the first frame that carried it.
    pub first_byte: Option<Picos>,
    /// Log position it was agreed at.
    pub position: Option<u64>,
    /// When the last host to agree it did so.
    pub last_agreed: Option<Picos>,
}

struct Slot {
    node: Option<Node>,
    crashes: Vec<Picos>,
    uplink_free: Picos,
    /// This host's entry in the timer set: (deadline, insertion order).
    timer: Option<(Picos, u64)>,
    backlog: VecDeque<(MsgId, Vec<u8>)>,
    posts: HashMap<PostId, MsgId>,
    fcs_errors: u64,
}

/// Frame counts over the whole run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FrameStats {
    pub sent: u64,
    pub delivered: u64,
    pub lost_uplink: u64,
    pub lost_downlink: u64,
    pub dropped_scripted: u64,
    pub blocked_by_partition: u64,
    pub fcs_errors: u64,
    pub undetected_corruption: u64,
    /// Frames a host decided to send but crashed before sending.
    pub never_sent: u64,
}

pub struct Rack {
    cfg: RackConfig,
    now: Picos,
    order: u64,
    queue: BinaryHeap<Queued>,
    /// Host token timers, kept apart from the queue because they move on almost every frame:
    /// (deadline, insertion order, host), at most one entry per host.
    timers: BTreeSet<(Picos, u64, usize)>,
    rng: Rng,
    slots: Vec<Slot>,
    faults: FaultState,
    aggregator_free: Picos,
    frames: HashMap<u64, InTransit>,
    next_frame: u64,
    completed: Vec<(HostId, u64)>,
    book: Ledger,
    safety: SafetyChecker,
    progress: ProgressChecker,
    majority_dirty: bool,
    trace: bool,
    retired: Counters,
    stats: FrameStats,
}

impl Rack {
    pub fn new(cfg: RackConfig) -> Result<Rack, String> {
        cfg.validate()?;
        let n = cfg.cluster.n;
        let mut slots = Vec::with_capacity(n);
        for i in 0..n {
            let node = Node::new(cfg.host_config(HostId(i as u8)), cfg.recovery_config(), 0)
                .map_err(|e| e.to_string())?;
            slots.push(Slot {
                node: Some(node),
                crashes: Vec::new(),
                uplink_free: 0,
                timer: None,
                backlog: VecDeque::new(),
                posts: HashMap::new(),
                fcs_errors: 0,
            });
        }
        let bound = cfg.progress_bound();
        let mut rack = Rack {
            rng: Rng::new(cfg.seed),
            now: 0,
            order: 0,
            queue: BinaryHeap::new(),
            timers: BTreeSet::new(),
            slots,
            faults: FaultState::new(n),
            aggregator_free: 0,
            frames: HashMap::new(),
            next_frame: 0,
            completed: Vec::new(),
            book: Ledger::default(),
            safety: SafetyChecker::new(n),
            progress: ProgressChecker::new(n, bound),
            majority_dirty: true,
            trace: std::env::var_os("EXO_TRACE").is_some_and(|v| v == "1"),
            retired: Counters::default(),
            stats: FrameStats::default(),
            cfg,
        };
        for i in 0..n {
            rack.sync_timer(i);
        }
        rack.push(bound / 4, 1, Event::Tick);
        rack.refresh_majority();
        Ok(rack)
    }

    pub fn config(&self) -> &RackConfig {
        &self.cfg
    }

    pub fn now(&self) -> Picos {
        self.now
    }

    pub fn n(&self) -> usize {
        self.slots.len()
    }

    /// The host's model, or `None` while it is crashed.
    pub fn host(&self, id: HostId) -> Option<&Host> {
        self.slots.get(id.index())?.node.as_ref().map(Node::host)
    }

    /// The host's engine and recovery software, or `None` while it is crashed.
    pub fn node(&self, id: HostId) -> Option<&Node> {
        self.slots.get(id.index())?.node.as_ref()
    }

    /// What the recovery software did: epoch changes, repairs, recovery times.
    pub fn recovery(&self) -> &RecoveryFigures {
        &self.book.recovery
    }

    pub fn faults(&self) -> &FaultState {
        &self.faults
    }

    pub fn safety(&self) -> &SafetyChecker {
        &self.safety
    }

    pub fn progress(&self) -> &ProgressChecker {
        &self.progress
    }

    /// Requires progress only from `t` on (the liveness phase after a fault period).
    pub fn enforce_progress_from(&mut self, t: Picos) {
        self.progress.enforce_from(t);
    }

    pub fn messages(&self) -> &[MsgRecord] {
        &self.book.msgs
    }

    pub fn messages_agreed(&self) -> usize {
        self.book.messages_agreed
    }

    /// Messages whose host crashed before they were sent.
    pub fn messages_lost(&self) -> usize {
        self.book.messages_lost
    }

    /// When any host last agreed an entry.
    pub fn last_agreement(&self) -> Picos {
        self.book.last_agreement
    }

    pub fn frame_stats(&self) -> &FrameStats {
        &self.stats
    }

    pub fn fcs_errors(&self, id: HostId) -> u64 {
        self.slots[id.index()].fcs_errors
    }

    /// Counters of every host, including incarnations lost in crashes.
    pub fn total_counters(&self) -> Counters {
        let mut total = self.retired.clone();
        for node in self.slots.iter().filter_map(|s| s.node.as_ref()) {
            add_counters(&mut total, node.host().counters());
        }
        total
    }

    /// Frames whose every delivery has happened since the last call, as (sender, seq).
    pub fn take_completed(&mut self) -> Vec<(HostId, u64)> {
        std::mem::take(&mut self.completed)
    }

    /// Runs `action` at simulated time `at` (before the hosts' own events at that instant).
    pub fn schedule(&mut self, at: Picos, action: Action) {
        self.push(at.max(self.now), 0, Event::Act(Box::new(action)));
    }

    /// Hands a message to the application at `host`; it is posted as the host's queue allows.
    pub fn submit(&mut self, host: HostId, payload: Vec<u8>) -> MsgId {
        let id = self.book.submitted(host);
        let slot = &mut self.slots[host.index()];
        if slot.node.is_some() {
            slot.backlog.push_back((id, payload));
            self.top_up(host.index());
        } else {
            self.book.messages_lost += 1;
        }
        id
    }

    /// When the next event happens, if there is one.
    pub fn next_event_time(&self) -> Option<Picos> {
        let queued = self.queue.peek().map(|q| q.time);
        let timer = self.timers.first().map(|t| t.0);
        match (queued, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Processes the next event (in time, class, insertion order). Returns false if there is
    /// none.
    pub fn step(&mut self) -> bool {
        let queued = self.queue.peek().map(|q| (q.time, q.class, q.order));
        let timer = self.timers.first().map(|&(t, order, _)| (t, 1, order));
        let timer_first = match (queued, timer) {
            (None, None) => return false,
            (Some(q), Some(t)) => t < q,
            (None, Some(_)) => true,
            (Some(_), None) => false,
        };
        if timer_first {
            if let Some((time, _, host)) = self.timers.pop_first() {
                self.now = time;
                self.slots[host].timer = None;
                self.drive(host, |h, now| h.handle_timeout(now));
            }
        } else if let Some(q) = self.queue.pop() {
            self.now = q.time;
            match q.event {
                Event::AtFabric { frame } => self.on_fabric(frame),
                Event::Deliver { frame, to } => self.on_deliver(frame, to),
                Event::Act(action) => self.apply(*action),
                Event::Oob { from, to, msg } => self.on_oob(from, to, *msg),
                Event::Tick => {
                    self.progress.check(self.now);
                    self.push(self.now + self.progress.bound() / 4, 1, Event::Tick);
                }
            }
        }
        if self.majority_dirty {
            self.refresh_majority();
        }
        true
    }

    /// Processes every event up to and including time `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Picos) {
        while self.queue.peek().is_some_and(|q| q.time <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Applies `action` now.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Net(fault) => {
                self.faults.apply(&fault);
                self.majority_dirty = true;
            }
            Action::Crash(id) => self.crash(id.index()),
            Action::Restart(id) => self.restart(id.index()),
            Action::Submit { host, payload } => {
                self.submit(host, payload);
            }
        }
        if self.majority_dirty {
            self.refresh_majority();
        }
    }

    /// Final audit of every live host's agreed log (stability check).
    pub fn finish(&mut self) {
        let now_ns = self.now / PS_PER_NS;
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(node) = &slot.node {
                self.safety.audit(now_ns, HostId(i as u8), node.host());
            }
        }
        self.progress.check(self.now);
    }

    /// True once every submitted message is agreed and every live, running host has agreed
    /// all of them.
    pub fn settled(&self) -> bool {
        if !self.book.all_done() {
            return false;
        }
        let Some(last) = self.book.last_position() else {
            return true;
        };
        self.slots
            .iter()
            .filter_map(|s| s.node.as_ref())
            .filter(|n| n.is_normal())
            .map(Node::host)
            .all(|h| h.log().agreed() > last)
    }

    fn push(&mut self, time: Picos, class: u8, event: Event) {
        self.order += 1;
        self.queue.push(Queued {
            time,
            class,
            order: self.order,
            event,
        });
    }

    fn now_ns(&self) -> Nanos {
        self.now / PS_PER_NS
    }

    /// Runs `f` on a live host, then carries out what it returned and lets the checkers look.
    fn drive(&mut self, i: usize, f: impl FnOnce(&mut Node, Nanos) -> Vec<Output>) {
        let now_ns = self.now_ns();
        let Some(node) = self.slots[i].node.as_mut() else {
            return;
        };
        let outputs = f(node, now_ns);
        self.carry_out(i, outputs);
        if let Some(node) = self.slots[i].node.as_ref() {
            self.safety.observe(now_ns, HostId(i as u8), node.host());
        }
        self.sync_timer(i);
    }

    fn carry_out(&mut self, i: usize, outputs: Vec<Output>) {
        for out in outputs {
            if self.trace {
                let node = self.slots[i].node.as_ref();
                let at = node.map(|n| (n.phase_name(), n.host().epoch()));
                if let Some(line) = trace_line(self.now, i, at, &out) {
                    eprintln!("{line}");
                }
            }
            if self.book.count(&out) {
                self.majority_dirty = true;
            }
            match out {
                Output::Transmit(t) => self.send(i, t),
                Output::Agreed { seq } => self.on_agreed(i, seq),
                Output::Oob { to, msg } => self.send_oob(i, to, msg),
                _ => {}
            }
        }
    }

    /// Out-of-band messages take the out-of-band latency and cross partitions as frames do.
    fn send_oob(&mut self, from: usize, to: Dest, msg: Oob) {
        let targets: Vec<usize> = match to {
            Dest::All => (0..self.slots.len()).filter(|&j| j != from).collect(),
            Dest::To(h) => vec![h.index()],
        };
        self.book.recovery.oob_messages += targets.len() as u64;
        let at = self.now + self.cfg.net.oob();
        for j in targets {
            if j < self.slots.len() && self.faults.reaches(HostId(from as u8), HostId(j as u8)) {
                let msg = Box::new(msg.clone());
                self.push(at, 1, Event::Oob { from, to: j, msg });
            }
        }
    }

    fn on_oob(&mut self, from: usize, to: usize, msg: Oob) {
        // A host that crashed meanwhile does not get it; partitions are checked on sending.
        self.drive(to, |node, now| {
            node.handle_oob(now, HostId(from as u8), msg)
        });
    }

    /// Moves host `i`'s entry in the timer set to its current deadline.
    fn sync_timer(&mut self, i: usize) {
        let deadline = self.slots[i]
            .node
            .as_ref()
            .and_then(Node::next_deadline)
            .map(|ns| (ns * PS_PER_NS).max(self.now));
        if deadline == self.slots[i].timer.map(|(t, _)| t) {
            return;
        }
        if let Some((t, order)) = self.slots[i].timer.take() {
            self.timers.remove(&(t, order, i));
        }
        if let Some(t) = deadline {
            self.order += 1;
            self.timers.insert((t, self.order, i));
            self.slots[i].timer = Some((t, self.order));
        }
    }

    fn on_agreed(&mut self, i: usize, seq: u64) {
        self.progress.progressed(self.now, HostId(i as u8));
        let sender = self.slots[i]
            .node
            .as_ref()
            .and_then(|n| n.host().log().get(seq))
            .map(|e| e.sender);
        self.book.agreed(self.now, sender, seq);
    }

    /// Posts waiting messages while the host's queue has room.
    fn top_up(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        let Some(node) = slot.node.as_mut() else {
            return;
        };
        while let Some((msg, payload)) = slot.backlog.front() {
            match node.post(payload) {
                Ok(post) => {
                    slot.posts.insert(post, *msg);
                    slot.backlog.pop_front();
                }
                Err(PostError::QueueFull { .. }) => break,
                Err(PostError::PayloadTooLarge { .. }) => {
                    // Refused by the host: it will never be agreed.
                    slot.backlog.pop_front();
                    self.book.messages_lost += 1;
                }
            }
        }
    }

    fn send(&mut self, i: usize, t: Transmit) {
        let net = &self.cfg.net;
        let len = t.frame.len();
        let slot = &mut self.slots[i];
        let tx_start = (self.now + net.turnaround()).max(slot.uplink_free);
        slot.uplink_free = tx_start + net.occupancy(len);
        let tx_end = tx_start + net.serialization(len);
        if let Some(msg) = t.post.and_then(|p| slot.posts.get(&p).copied()) {
            self.book.sent(HostId(i as u8), t.seq, msg, Some(tx_start));
        }
        self.stats.sent += 1;
        self.top_up(i);
        if self.rng.chance(self.faults.uplink_loss[i]) {
            self.stats.lost_uplink += 1;
            self.completed.push((HostId(i as u8), t.seq));
            return;
        }
        let uplink_corrupt = self.rng.chance(self.faults.uplink_corrupt[i]);
        let id = self.next_frame;
        self.next_frame += 1;
        self.frames.insert(
            id,
            InTransit {
                sender: i,
                seq: t.seq,
                bytes: Rc::new(append_fcs(&t.frame)),
                decided: self.now,
                tx_start,
                tx_end,
                uplink_corrupt,
            },
        );
        let at = tx_start + self.cfg.net.wire() + self.cfg.net.fabric();
        self.push(at, 1, Event::AtFabric { frame: id });
    }

    /// The frame reaches the head of the aggregation point: broadcast it.
    fn on_fabric(&mut self, id: u64) {
        let Some(f) = self.frames.get(&id) else {
            return;
        };
        let (sender, decided, tx_start, uplink_corrupt) =
            (f.sender, f.decided, f.tx_start, f.uplink_corrupt);
        let len = f.bytes.len() - exo_proto::wire::FCS_LEN;
        let crashed_before_start = self.slots[sender]
            .crashes
            .iter()
            .any(|&c| c >= decided && c < tx_start);
        if crashed_before_start {
            self.stats.never_sent += 1;
            self.complete(id);
            return;
        }
        let net = &self.cfg.net;
        let out_start = self.now.max(self.aggregator_free);
        self.aggregator_free = out_start + net.occupancy(len);
        let arrival = out_start + net.serialization(len) + net.wire();
        let src = HostId(sender as u8);
        let mut receivers = Vec::new();
        for to in 0..self.slots.len() {
            if !self.faults.reaches(src, HostId(to as u8)) {
                self.stats.blocked_by_partition += 1;
                continue;
            }
            if self.faults.drop_next[to] > 0 {
                self.faults.drop_next[to] -= 1;
                self.stats.dropped_scripted += 1;
                self.majority_dirty = true;
                continue;
            }
            if self.rng.chance(self.faults.downlink_loss[to]) {
                self.stats.lost_downlink += 1;
                continue;
            }
            let corrupt = uplink_corrupt || self.rng.chance(self.faults.downlink_corrupt[to]);
            receivers.push((to, corrupt));
        }
        if receivers.is_empty() {
            self.complete(id);
        } else {
            self.push(
                arrival,
                1,
                Event::Deliver {
                    frame: id,
                    to: receivers,
                },
            );
        }
    }

    /// Every receiver's MAC checks the FCS of its copy; good copies go to the host, in host
    /// order. Identical copies share one check.
    fn on_deliver(&mut self, id: u64, receivers: Vec<(usize, bool)>) {
        let Some(f) = self.frames.get(&id) else {
            return;
        };
        let (sender, tx_start, tx_end) = (f.sender, f.tx_start, f.tx_end);
        let bytes = Rc::clone(&f.bytes);
        let truncated = self.slots[sender]
            .crashes
            .iter()
            .any(|&c| c >= tx_start && c < tx_end);
        let clean: Option<Vec<u8>> = strip_fcs(&bytes).map(<[u8]>::to_vec);
        for (to, corrupt) in receivers {
            if self.slots[to].node.is_none() {
                continue;
            }
            let body = if truncated {
                // The frame ended early: the MAC sees no valid FCS.
                None
            } else if corrupt {
                let mut copy = bytes.to_vec();
                self.flip_bits(&mut copy);
                let body = strip_fcs(&copy).map(<[u8]>::to_vec);
                if body.is_some() {
                    self.stats.undetected_corruption += 1;
                }
                body
            } else {
                clean.clone()
            };
            match body {
                Some(body) => {
                    self.stats.delivered += 1;
                    self.drive(to, |h, now| h.handle_frame(now, &body));
                }
                None => {
                    self.slots[to].fcs_errors += 1;
                    self.stats.fcs_errors += 1;
                }
            }
        }
        self.complete(id);
    }

    /// Flips one to three distinct bits: CRC-32 detects every such error in an Ethernet frame.
    fn flip_bits(&mut self, bytes: &mut [u8]) {
        let bits = bytes.len() as u64 * 8;
        let count = self.rng.range(1, 3);
        let mut flipped = Vec::new();
        while (flipped.len() as u64) < count {
            let bit = self.rng.range(0, bits - 1);
            if !flipped.contains(&bit) {
                flipped.push(bit);
                bytes[(bit / 8) as usize] ^= 1 << (bit % 8);
            }
        }
    }

    fn complete(&mut self, id: u64) {
        if let Some(f) = self.frames.remove(&id) {
            self.completed.push((HostId(f.sender as u8), f.seq));
        }
    }

    fn crash(&mut self, i: usize) {
        let now_ns = self.now_ns();
        let slot = &mut self.slots[i];
        let Some(node) = slot.node.take() else { return };
        let host = node.host();
        self.safety.audit(now_ns, HostId(i as u8), host);
        self.safety.forget(HostId(i as u8));
        add_counters(&mut self.retired, host.counters());
        slot.crashes.push(self.now);
        if let Some((t, order)) = slot.timer.take() {
            self.timers.remove(&(t, order, i));
        }
        self.book.messages_lost += slot.backlog.len() + host.pending_posts();
        slot.backlog.clear();
        slot.posts.clear();
        self.majority_dirty = true;
    }

    fn restart(&mut self, i: usize) {
        if self.slots[i].node.is_some() {
            return;
        }
        let cfg = self.cfg.host_config(HostId(i as u8));
        // The configuration was validated when the rack was built.
        if let Ok((node, outputs)) = Node::restarted(cfg, self.cfg.recovery_config(), self.now_ns())
        {
            self.slots[i].node = Some(node);
            self.slots[i].uplink_free = self.now;
            self.carry_out(i, outputs);
        }
        self.majority_dirty = true;
        self.sync_timer(i);
    }

    /// Whether the progress checker may require this host to agree new entries: with the
    /// slides' protocol only while it is not halted (nothing brings it back); with epochs
    /// always (recovery must), as long as the host is live.
    fn may_be_required(&self, node: &Node) -> bool {
        match self.cfg.mode {
            Mode::Epochs => true,
            Mode::Slides | Mode::Naive => node.is_normal(),
        }
    }

    fn refresh_majority(&mut self) {
        self.majority_dirty = false;
        let eligible: Vec<bool> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.node.as_ref().is_some_and(|n| self.may_be_required(n)) && self.faults.clean(i)
            })
            .collect();
        let holds_state: Vec<bool> = self
            .slots
            .iter()
            .map(|s| s.node.as_ref().is_some_and(|n| !n.is_amnesiac()))
            .collect();
        let faults = &self.faults;
        let members = connected_majority(
            &eligible,
            &holds_state,
            |a, b| faults.reaches(HostId(a as u8), HostId(b as u8)),
            self.cfg.cluster.h() + 1,
        );
        self.progress.set_majority(self.now, &members);
    }
}

/// What the recovery software did over a run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RecoveryFigures {
    pub epoch_changes: u64,
    pub installs: u64,
    pub gap_repairs: u64,
    pub oob_messages: u64,
    /// Each stretch a host spent out of normal operation, in ns.
    #[serde(skip)]
    pub recovery_ns: Vec<u64>,
}

/// Adds one host's counters to a total (a host retired by a crash keeps counting in the totals).
pub fn add_counters(total: &mut Counters, c: &Counters) {
    total.accepted += c.accepted;
    total.transmitted += c.transmitted;
    total.claims += c.claims;
    for (t, v) in total.rejected.iter_mut().zip(c.rejected) {
        *t += v;
    }
    for (t, v) in total.anomalies.iter_mut().zip(c.anomalies) {
        *t += v;
    }
}
