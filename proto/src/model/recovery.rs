//! A host's recovery software: epoch changes, gap repair and rejoin, over the out-of-band
//! channel. The engine ([`Host`]) runs the normal case; this controller watches its reports,
//! stops it, and loads it again (`docs/protocol.md` §12–§16 is the specification).
//!
//! A [`Node`] is one host: engine plus recovery. Like the engine it is sans-IO: frames,
//! out-of-band messages and timeouts go in with the time, and frames and messages to send come
//! out as [`Output`]s.

use super::config::{HostConfig, TokenClaim};
use super::engine::Engine;
use super::host::{EpochInstall, Host, Status};
use super::log::Entry;
use super::output::{AnomalyKind, Output, RejectReason};
use crate::wire::Frame;
use crate::{HostId, Nanos};
use std::collections::{BTreeMap, VecDeque};

/// Where an out-of-band message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dest {
    /// Every other host.
    All,
    To(HostId),
}

/// The out-of-band messages (carried over UDP by the host runtime).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Oob {
    /// Coordinator of `epoch` asks hosts to promise it; `base` is the coordinator's agreed
    /// count (it needs log entries from there on).
    Prepare { epoch: u32, base: u64 },
    /// The promise: this host ignores every older epoch from now on, and reports its log.
    Promise {
        epoch: u32,
        /// The last epoch this host was installed in (its log's epoch).
        last_normal: u32,
        /// This host's agreed count.
        agreed: u64,
        /// Its log from the coordinator's `base` on, plus its in-flight message if any.
        tail: Vec<Entry>,
        /// True if the host lost its state in a crash and has not been reloaded since: its
        /// promise does not count toward the majority.
        amnesiac: bool,
    },
    /// Refusal of `epoch`: the host promised `promised`; `live` names a ring it currently sees
    /// working (epoch and members), if any.
    Nack {
        epoch: u32,
        promised: u32,
        live: Option<(u32, Vec<HostId>)>,
    },
    /// The coordinator installs an epoch: keep the first `keep` log entries, append `entries`.
    Install(EpochInstall),
    /// Gap repair: send me your entries of `epoch` from position `from` on.
    Fetch { epoch: u32, from: u64 },
    /// The answer to a fetch.
    Entries { epoch: u32, entries: Vec<Entry> },
    /// A host outside the current ring (restarted, or left behind) asks to be taken in.
    Join { promised: u32 },
    /// Naive variant: send me your log.
    Query,
    /// Naive variant: my log.
    Answer { log: Vec<Entry> },
}

impl Oob {
    pub fn name(&self) -> &'static str {
        match self {
            Oob::Prepare { .. } => "prepare",
            Oob::Promise { .. } => "promise",
            Oob::Nack { .. } => "nack",
            Oob::Install { .. } => "install",
            Oob::Fetch { .. } => "fetch",
            Oob::Entries { .. } => "entries",
            Oob::Join { .. } => "join",
            Oob::Query => "query",
            Oob::Answer { .. } => "answer",
        }
    }
}

/// Which recovery the host software runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecoveryMode {
    /// Exo: epochs with majority-quorum changes, gap repair, rejoin.
    Epochs,
    /// The talk's sketch: on trouble, ask a majority for their logs and adopt the longest.
    /// Unsafe (see the brief's three-host trace); kept to demonstrate the bug.
    Naive,
    /// No recovery software: a host that detects a gap or a divergence stays stopped (the
    /// foundation's behaviour, with the slides' token claims).
    Off,
}

/// Timers and limits of the recovery software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecoveryConfig {
    pub mode: RecoveryMode,
    /// How long a promised host waits for the install, and a coordinator for a majority,
    /// before starting an epoch change of its own.
    pub change_timeout: Nanos,
    /// After a majority has promised, how long the coordinator waits for more hosts.
    pub collect_window: Nanos,
    /// How long a gap repair may take before an epoch change replaces it.
    pub repair_timeout: Nanos,
    /// Frames a repairing host keeps while it waits for the missing entries.
    pub repair_buffer: usize,
    /// How often a host outside the ring asks to join.
    pub join_interval: Nanos,
    /// Naive variant: recover when nothing was accepted for this long.
    pub naive_timeout: Nanos,
}

impl RecoveryConfig {
    pub fn epochs() -> RecoveryConfig {
        RecoveryConfig {
            mode: RecoveryMode::Epochs,
            change_timeout: 200_000,
            collect_window: 20_000,
            repair_timeout: 100_000,
            repair_buffer: 4096,
            join_interval: 100_000,
            naive_timeout: 100_000,
        }
    }

    pub fn naive() -> RecoveryConfig {
        RecoveryConfig {
            mode: RecoveryMode::Naive,
            ..RecoveryConfig::epochs()
        }
    }
}

/// What the recovery software is doing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Phase {
    /// The engine runs the current epoch.
    Normal,
    /// Fetching missing entries from a peer; frames that arrive meanwhile are held.
    Repairing { deadline: Nanos },
    /// Promised `epoch`; waiting for its install.
    Changing { epoch: u32, deadline: Nanos },
    /// Coordinating `epoch`: collecting promises.
    Coordinating(Box<Coordination>),
    /// Outside the ring: asking to join.
    Joining { deadline: Nanos },
    /// Naive variant: collecting logs.
    Querying {
        deadline: Nanos,
        answers: BTreeMap<HostId, Vec<Entry>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Coordination {
    epoch: u32,
    base: u64,
    promises: BTreeMap<HostId, PromiseInfo>,
    /// When the collect window closes (set once a majority has promised).
    install_at: Option<Nanos>,
    deadline: Nanos,
    highest_nack: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PromiseInfo {
    last_normal: u32,
    agreed: u64,
    tail: Vec<Entry>,
    amnesiac: bool,
}

/// Counts of what the recovery software did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Hash)]
pub struct RecoveryStats {
    pub changes_started: u64,
    pub installs: u64,
    pub repairs: u64,
    pub joins_requested: u64,
    pub naive_adoptions: u64,
}

/// One Exo host: the engine and its recovery software. The engine is the golden model's
/// [`Host`] unless a co-simulation supplies an RTL engine (see [`Engine`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Node<E = Host> {
    engine: E,
    cfg: RecoveryConfig,
    phase: Phase,
    /// Highest epoch promised: older epochs are ignored from now on.
    promised: u32,
    /// The epoch the log was last installed in.
    last_normal: u32,
    /// Lost its state in a crash and not reloaded since.
    amnesiac: bool,
    last_accept: Nanos,
    /// When the node last left the normal phase (for recovery times).
    trouble_since: Option<Nanos>,
    /// Frames held while the engine waits for a load: during a gap repair, and frames of the
    /// epoch this host promised while its install is on the way. Replayed after the load.
    held: VecDeque<Vec<u8>>,
    stats: RecoveryStats,
}

impl Node {
    pub fn new(
        cfg: HostConfig,
        rec: RecoveryConfig,
        now: Nanos,
    ) -> Result<Node, super::ConfigError> {
        Ok(Node::with_engine(Host::new(cfg, now)?, rec, now))
    }

    /// A host back from a crash, without its state: in epoch mode it asks to join at once.
    pub fn restarted(
        cfg: HostConfig,
        rec: RecoveryConfig,
        now: Nanos,
    ) -> Result<(Node, Vec<Output>), super::ConfigError> {
        Ok(Node::restarted_with(Host::restarted(cfg, now)?, rec, now))
    }
}

impl<E: Engine> Node<E> {
    /// Recovery software around `engine`, which boots with the cluster.
    pub fn with_engine(engine: E, rec: RecoveryConfig, now: Nanos) -> Node<E> {
        let epoch = engine.host().epoch();
        Node {
            engine,
            cfg: rec,
            phase: Phase::Normal,
            promised: epoch,
            last_normal: epoch,
            amnesiac: false,
            last_accept: now,
            trouble_since: None,
            held: VecDeque::new(),
            stats: RecoveryStats::default(),
        }
    }

    /// Recovery software around `engine`, which came back from a crash without its state.
    pub fn restarted_with(engine: E, rec: RecoveryConfig, now: Nanos) -> (Node<E>, Vec<Output>) {
        let mut node = Node {
            engine,
            cfg: rec,
            phase: Phase::Normal,
            promised: 0,
            last_normal: 0,
            amnesiac: true,
            last_accept: now,
            trouble_since: Some(now),
            held: VecDeque::new(),
            stats: RecoveryStats::default(),
        };
        let mut out = Vec::new();
        if rec.mode == RecoveryMode::Epochs {
            node.join(now, &mut out);
        }
        (node, out)
    }

    pub fn host(&self) -> &Host {
        self.engine.host()
    }

    /// The engine the software drives (a co-simulation's harness reaches its RTL engine so).
    pub fn engine(&self) -> &E {
        &self.engine
    }

    pub fn engine_mut(&mut self) -> &mut E {
        &mut self.engine
    }

    pub fn id(&self) -> HostId {
        self.host().id()
    }

    pub fn promised(&self) -> u32 {
        self.promised
    }

    pub fn stats(&self) -> &RecoveryStats {
        &self.stats
    }

    /// True while the engine runs an epoch normally.
    pub fn is_normal(&self) -> bool {
        matches!(self.phase, Phase::Normal) && !self.host().is_halted()
    }

    /// Lost its state in a crash and not reloaded since.
    pub fn is_amnesiac(&self) -> bool {
        self.amnesiac
    }

    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Normal if self.host().is_halted() => "halted",
            Phase::Normal => "normal",
            Phase::Repairing { .. } => "repairing",
            Phase::Changing { .. } => "changing",
            Phase::Coordinating(_) => "coordinating",
            Phase::Joining { .. } => "joining",
            Phase::Querying { .. } => "querying",
        }
    }

    pub fn post(&mut self, payload: &[u8]) -> Result<super::PostId, super::PostError> {
        self.engine.post(payload)
    }

    pub fn next_deadline(&self) -> Option<Nanos> {
        let own = match &self.phase {
            Phase::Normal => None,
            Phase::Repairing { deadline, .. }
            | Phase::Changing { deadline, .. }
            | Phase::Joining { deadline }
            | Phase::Querying { deadline, .. } => Some(*deadline),
            Phase::Coordinating(c) => Some(c.install_at.unwrap_or(c.deadline).min(c.deadline)),
        };
        let naive = (self.cfg.mode == RecoveryMode::Naive && self.is_normal())
            .then(|| self.last_accept + self.cfg.naive_timeout);
        [self.engine.next_deadline(), own, naive]
            .into_iter()
            .flatten()
            .min()
    }

    // ---- Inputs --------------------------------------------------------------------------

    pub fn handle_frame(&mut self, now: Nanos, bytes: &[u8]) -> Vec<Output> {
        let mut out = Vec::new();
        let hold = match self.phase {
            Phase::Repairing { .. } => true,
            Phase::Changing { epoch, .. } => Frame::decode(bytes).is_ok_and(|f| f.epoch == epoch),
            _ => false,
        };
        if hold {
            if self.held.len() < self.cfg.repair_buffer {
                self.held.push_back(bytes.to_vec());
            } else {
                self.start_change(now, self.promised, &mut out);
            }
            return out;
        }
        let engine = self.engine.handle_frame(now, bytes);
        self.react(now, engine, Some(bytes), &mut out);
        out
    }

    /// Feeds the held frames to the engine after a load, until one needs recovery again.
    fn replay_held(&mut self, now: Nanos, out: &mut Vec<Output>) {
        while matches!(self.phase, Phase::Normal) {
            let Some(frame) = self.held.pop_front() else {
                break;
            };
            // Frames the load already covered are not news.
            let covered = Frame::decode(&frame)
                .is_ok_and(|f| f.epoch == self.host().epoch() && f.seq < self.host().seq());
            if covered {
                continue;
            }
            let engine = self.engine.handle_frame(now, &frame);
            self.react(now, engine, Some(&frame), out);
        }
    }

    pub fn handle_timeout(&mut self, now: Nanos) -> Vec<Output> {
        let mut out = Vec::new();
        if self.engine.next_deadline().is_some_and(|d| now >= d) {
            let engine = self.engine.handle_timeout(now);
            self.react(now, engine, None, &mut out);
        }
        self.phase_timeout(now, &mut out);
        out
    }

    pub fn handle_oob(&mut self, now: Nanos, from: HostId, msg: Oob) -> Vec<Output> {
        let mut out = Vec::new();
        match msg {
            Oob::Prepare { epoch, base } => self.on_prepare(now, from, epoch, base, &mut out),
            Oob::Promise {
                epoch,
                last_normal,
                agreed,
                tail,
                amnesiac,
            } => {
                let info = PromiseInfo {
                    last_normal,
                    agreed,
                    tail,
                    amnesiac,
                };
                self.on_promise(now, from, epoch, info)
            }
            Oob::Nack {
                epoch,
                promised,
                live,
            } => self.on_nack(now, from, epoch, promised, live, &mut out),
            Oob::Install(load) => self.on_install(now, load, &mut out),
            Oob::Fetch { epoch, from: pos } => self.on_fetch(from, epoch, pos, &mut out),
            Oob::Entries { epoch, entries } => self.on_entries(now, epoch, entries, &mut out),
            Oob::Join { promised } => self.on_join(now, promised, &mut out),
            Oob::Query => out.push(send(
                Dest::To(from),
                Oob::Answer {
                    log: self.host().log().entries().to_vec(),
                },
            )),
            Oob::Answer { log } => self.on_answer(now, from, log, &mut out),
        }
        out
    }

    // ---- Reacting to the engine -----------------------------------------------------------

    /// Passes the engine's outputs on, and acts on its reports.
    fn react(
        &mut self,
        now: Nanos,
        engine: Vec<Output>,
        frame: Option<&[u8]>,
        out: &mut Vec<Output>,
    ) {
        let mut trouble = None;
        for o in &engine {
            match o {
                Output::Accepted { .. } => self.last_accept = now,
                Output::Anomaly { kind, sender, .. } => match kind {
                    AnomalyKind::Gap => trouble = Some((Trouble::Gap, *sender)),
                    AnomalyKind::Divergence => trouble = Some((Trouble::Change, *sender)),
                    AnomalyKind::TokenLost if self.is_normal() => {
                        trouble = Some((Trouble::Change, None))
                    }
                    _ => {}
                },
                // A newer epoch runs without us (unless it is the one we wait to install).
                Output::Rejected {
                    reason: RejectReason::WrongEpoch { got },
                    sender: Some(s),
                    ..
                } if *got > self.host().epoch() && self.awaits_other_epoch(*got) => {
                    trouble = Some((Trouble::Behind, Some(*s)))
                }
                _ => {}
            }
        }
        out.extend(engine);
        let Some((kind, sender)) = trouble else {
            return;
        };
        match (self.cfg.mode, kind) {
            (RecoveryMode::Off, _) | (RecoveryMode::Naive, Trouble::Behind) => {}
            (RecoveryMode::Naive, Trouble::Gap | Trouble::Change) => self.query(now, out),
            (RecoveryMode::Epochs, Trouble::Gap) => match (sender, frame) {
                (Some(peer), Some(bytes)) => self.start_repair(now, peer, bytes, out),
                _ => self.start_change(now, self.promised, out),
            },
            (RecoveryMode::Epochs, Trouble::Change) => self.start_change(now, self.promised, out),
            (RecoveryMode::Epochs, Trouble::Behind) => self.join(now, out),
        }
    }

    fn awaits_other_epoch(&self, got: u32) -> bool {
        match &self.phase {
            Phase::Changing { epoch, .. } => got != *epoch,
            Phase::Joining { .. } => false,
            _ => got >= self.promised,
        }
    }

    fn phase_timeout(&mut self, now: Nanos, out: &mut Vec<Output>) {
        match &self.phase {
            Phase::Normal => {
                let quiet = self.cfg.mode == RecoveryMode::Naive
                    && self.is_normal()
                    && now >= self.last_accept + self.cfg.naive_timeout;
                if quiet {
                    self.query(now, out);
                }
            }
            Phase::Repairing { deadline, .. } | Phase::Changing { deadline, .. }
                if now >= *deadline =>
            {
                self.start_change(now, self.promised, out)
            }
            Phase::Joining { deadline } if now >= *deadline => self.join(now, out),
            Phase::Coordinating(c) => {
                if c.install_at.is_some_and(|t| now >= t) {
                    self.install_as_coordinator(now, out);
                } else if now >= c.deadline {
                    let floor = self.promised.max(c.highest_nack);
                    self.start_change(now, floor, out);
                }
            }
            Phase::Querying { deadline, .. } if now >= *deadline => self.adopt_best(now, out),
            _ => {}
        }
    }

    fn enter_trouble(&mut self, now: Nanos) {
        self.trouble_since.get_or_insert(now);
    }

    // ---- Gap repair ---------------------------------------------------------------------

    fn start_repair(&mut self, now: Nanos, peer: HostId, frame: &[u8], out: &mut Vec<Output>) {
        self.enter_trouble(now);
        self.engine.stop();
        self.phase = Phase::Repairing {
            deadline: now + self.cfg.repair_timeout,
        };
        self.held.push_front(frame.to_vec());
        out.push(send(
            Dest::To(peer),
            Oob::Fetch {
                epoch: self.host().epoch(),
                from: self.host().seq(),
            },
        ));
    }

    fn on_fetch(&mut self, from: HostId, epoch: u32, pos: u64, out: &mut Vec<Output>) {
        // Only entries of the same epoch are the requester's chain.
        if epoch != self.host().epoch() || pos < self.host().epoch_start() {
            return;
        }
        let entries = self.host().log().entries();
        let start = (pos as usize).min(entries.len());
        out.push(send(
            Dest::To(from),
            Oob::Entries {
                epoch,
                entries: entries[start..].to_vec(),
            },
        ));
    }

    fn on_entries(&mut self, now: Nanos, epoch: u32, entries: Vec<Entry>, out: &mut Vec<Output>) {
        if epoch != self.host().epoch() {
            return;
        }
        if !matches!(self.phase, Phase::Repairing { .. }) {
            return;
        }
        self.phase = Phase::Normal;
        self.stats.repairs += 1;
        let before = self.host().seq();
        let engine = self.engine.repair(now, entries);
        if self.host().seq() == before {
            // The peer had nothing we lack: repair cannot make progress.
            self.start_change(now, self.promised, out);
            return;
        }
        self.react(now, engine, None, out);
        out.push(Output::Repaired);
        self.replay_held(now, out);
        self.back_to_normal(now, out);
    }

    // ---- Epoch changes ------------------------------------------------------------------

    /// Coordinates a new epoch above `floor` (this host's next epoch number).
    fn start_change(&mut self, now: Nanos, floor: u32, out: &mut Vec<Output>) {
        self.enter_trouble(now);
        let n = self.host().config().cluster.n as u32;
        let id = u32::from(self.id().0);
        let floor = floor.max(self.promised);
        // Epoch e is coordinated by host e mod n: two coordinators never share an epoch.
        let Some(epoch) = floor
            .checked_add(1)
            .and_then(|lo| lo.checked_add((id + n - lo % n) % n))
        else {
            return; // Epoch numbers are used up: stay stopped.
        };
        self.promised = epoch;
        self.engine.stop();
        self.held.clear();
        self.stats.changes_started += 1;
        let base = self.host().log().agreed();
        let mut c = Coordination {
            epoch,
            base,
            promises: BTreeMap::new(),
            install_at: None,
            deadline: now + self.change_timeout(),
            highest_nack: 0,
        };
        c.promises.insert(self.id(), self.own_promise(base));
        self.phase = Phase::Coordinating(Box::new(c));
        out.push(Output::ChangeStarted { epoch });
        out.push(send(Dest::All, Oob::Prepare { epoch, base }));
        self.check_majority(now);
    }

    /// Retry delays differ by host so that competing coordinators do not keep colliding.
    fn change_timeout(&self) -> Nanos {
        let n = self.host().config().cluster.n as u64;
        self.cfg.change_timeout + self.cfg.change_timeout * u64::from(self.id().0) / n.max(1)
    }

    fn own_promise(&self, base: u64) -> PromiseInfo {
        let log = self.host().log();
        let mut tail: Vec<Entry> =
            log.entries()[(base as usize).min(log.entries().len())..].to_vec();
        tail.extend(self.host().in_flight_entry());
        PromiseInfo {
            last_normal: self.last_normal,
            agreed: log.agreed(),
            tail,
            amnesiac: self.amnesiac,
        }
    }

    /// Whether this host sees a working ring it should protect from outsiders.
    fn live_ring(&self, now: Nanos) -> Option<(u32, Vec<HostId>)> {
        let timeout = match self.host().config().claim {
            TokenClaim::Epochs { token_timeout } | TokenClaim::Slides { token_timeout } => {
                token_timeout
            }
            TokenClaim::Off => 0,
        };
        (self.is_normal() && now < self.last_accept + timeout)
            .then(|| (self.host().epoch(), self.host().ring().members().to_vec()))
    }

    fn on_prepare(
        &mut self,
        now: Nanos,
        from: HostId,
        epoch: u32,
        base: u64,
        out: &mut Vec<Output>,
    ) {
        if self.cfg.mode != RecoveryMode::Epochs {
            return;
        }
        let live = self.live_ring(now);
        let outsider = live.as_ref().is_some_and(|(_, m)| !m.contains(&from));
        if epoch <= self.promised || outsider {
            out.push(send(
                Dest::To(from),
                Oob::Nack {
                    epoch,
                    promised: self.promised,
                    live,
                },
            ));
            return;
        }
        self.enter_trouble(now);
        self.promised = epoch;
        self.engine.stop();
        self.held.clear();
        self.phase = Phase::Changing {
            epoch,
            deadline: now + self.change_timeout(),
        };
        let p = self.own_promise(base);
        out.push(send(
            Dest::To(from),
            Oob::Promise {
                epoch,
                last_normal: p.last_normal,
                agreed: p.agreed,
                tail: p.tail,
                amnesiac: p.amnesiac,
            },
        ));
    }

    fn on_promise(&mut self, now: Nanos, from: HostId, epoch: u32, info: PromiseInfo) {
        let Phase::Coordinating(c) = &mut self.phase else {
            return;
        };
        if c.epoch != epoch {
            return;
        }
        c.promises.insert(from, info);
        self.check_majority(now);
    }

    /// Once h+1 hosts that hold their state have promised, the collect window starts.
    fn check_majority(&mut self, now: Nanos) {
        let quorum = self.host().h() + 1;
        let n = self.host().config().cluster.n;
        let window = self.cfg.collect_window;
        let Phase::Coordinating(c) = &mut self.phase else {
            return;
        };
        let voters = c.promises.values().filter(|p| !p.amnesiac).count();
        if voters >= quorum && c.install_at.is_none() {
            c.install_at = Some(now + window);
        }
        if c.promises.len() == n && voters >= quorum {
            c.install_at = Some(now);
        }
    }

    fn on_nack(
        &mut self,
        now: Nanos,
        from: HostId,
        epoch: u32,
        promised: u32,
        live: Option<(u32, Vec<HostId>)>,
        out: &mut Vec<Output>,
    ) {
        let Phase::Coordinating(c) = &mut self.phase else {
            return;
        };
        if c.epoch != epoch {
            return;
        }
        c.highest_nack = c.highest_nack.max(promised);
        // A working ring that does not include us exists: ask to join it instead.
        if live.is_some_and(|(_, members)| !members.contains(&self.host().id())) {
            self.join(now, out);
            out.push(send(
                Dest::To(from),
                Oob::Join {
                    promised: self.promised,
                },
            ));
        }
    }

    fn install_as_coordinator(&mut self, now: Nanos, out: &mut Vec<Output>) {
        let Phase::Coordinating(c) = std::mem::replace(&mut self.phase, Phase::Normal) else {
            return;
        };
        // The log with the highest (last normal epoch, length) among the hosts that hold
        // their state contains every entry that can have been agreed.
        let best = c
            .promises
            .iter()
            .filter(|(_, p)| !p.amnesiac)
            .max_by_key(|(id, p)| (p.last_normal, c.base + p.tail.len() as u64, **id));
        let Some((_, best)) = best else {
            return;
        };
        let mut log: Vec<Entry> = self.host().log().entries()[..c.base as usize].to_vec();
        log.extend(best.tail.iter().cloned());
        let members: Vec<HostId> = c.promises.keys().copied().collect();
        let first = self.id();
        for (&member, p) in &c.promises {
            let keep = p.agreed.min(log.len() as u64);
            let load = EpochInstall {
                epoch: c.epoch,
                members: members.clone(),
                first,
                keep,
                entries: log[keep as usize..].to_vec(),
            };
            if member == self.id() {
                self.install(now, load, out);
            } else {
                out.push(send(Dest::To(member), Oob::Install(load)));
            }
        }
    }

    fn on_install(&mut self, now: Nanos, load: EpochInstall, out: &mut Vec<Output>) {
        if load.epoch < self.promised || !load.members.contains(&self.id()) {
            return;
        }
        self.install(now, load, out);
    }

    fn install(&mut self, now: Nanos, load: EpochInstall, out: &mut Vec<Output>) {
        let epoch = load.epoch;
        self.promised = epoch;
        self.last_normal = epoch;
        self.amnesiac = false;
        self.stats.installs += 1;
        self.phase = Phase::Normal;
        self.last_accept = now;
        out.push(Output::Installed {
            epoch,
            members: load.members.clone(),
        });
        let engine = self.engine.install(now, load);
        self.react(now, engine, None, out);
        self.replay_held(now, out);
        self.back_to_normal(now, out);
    }

    fn back_to_normal(&mut self, now: Nanos, out: &mut Vec<Output>) {
        if self.is_normal() {
            if let Some(since) = self.trouble_since.take() {
                out.push(Output::Recovered {
                    after: now.saturating_sub(since),
                });
            }
        }
    }

    // ---- Joining ------------------------------------------------------------------------

    fn join(&mut self, now: Nanos, out: &mut Vec<Output>) {
        self.enter_trouble(now);
        self.engine.stop();
        self.stats.joins_requested += 1;
        self.phase = Phase::Joining {
            deadline: now + self.cfg.join_interval,
        };
        out.push(send(
            Dest::All,
            Oob::Join {
                promised: self.promised,
            },
        ));
    }

    fn on_join(&mut self, now: Nanos, promised: u32, out: &mut Vec<Output>) {
        if self.cfg.mode != RecoveryMode::Epochs || !self.is_normal() {
            return;
        }
        // A member takes the joiner in with an epoch change (the joiner may also be a member
        // that lost its state). Joins that arrive during the change are answered by it.
        if self.host().ring().contains(self.id()) {
            self.start_change(now, self.promised.max(promised), out);
        }
    }

    // ---- The naive variant --------------------------------------------------------------

    /// Asks the h hosts after this one in the ring for their logs.
    fn query(&mut self, now: Nanos, out: &mut Vec<Output>) {
        if matches!(self.phase, Phase::Querying { .. }) {
            return;
        }
        self.enter_trouble(now);
        self.engine.stop();
        let ring = self.host().ring().clone();
        let mut peer = self.id();
        for _ in 0..self.host().h() {
            peer = ring.successor(peer).unwrap_or(peer);
            out.push(send(Dest::To(peer), Oob::Query));
        }
        self.phase = Phase::Querying {
            deadline: now + self.cfg.change_timeout,
            answers: BTreeMap::from([(self.id(), self.host().log().entries().to_vec())]),
        };
    }

    fn on_answer(&mut self, now: Nanos, from: HostId, log: Vec<Entry>, out: &mut Vec<Output>) {
        let h = self.host().h();
        let Phase::Querying { answers, .. } = &mut self.phase else {
            return;
        };
        answers.insert(from, log);
        if answers.len() > h {
            self.adopt_best(now, out);
        }
    }

    /// Adopts the longest log among the answers (ties: the highest host id).
    fn adopt_best(&mut self, now: Nanos, out: &mut Vec<Output>) {
        let Phase::Querying { answers, .. } = std::mem::replace(&mut self.phase, Phase::Normal)
        else {
            return;
        };
        let best = answers
            .into_iter()
            .max_by_key(|(id, log)| (log.len(), *id))
            .map(|(_, log)| log)
            .unwrap_or_default();
        self.stats.naive_adoptions += 1;
        self.last_accept = now;
        let engine = self.engine.adopt(now, best);
        self.react(now, engine, None, out);
        self.back_to_normal(now, out);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Trouble {
    Gap,
    Change,
    Behind,
}

fn send(to: Dest, msg: Oob) -> Output {
    Output::Oob { to, msg }
}

impl Status {
    pub fn name(self) -> String {
        match self {
            Status::Running => "running".into(),
            Status::Stopped => "stopped".into(),
            Status::Halted(k) => format!("halted:{}", k.name()),
        }
    }
}
