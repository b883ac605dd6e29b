//! `RtlRack`: the Verilated rack driven cycle by cycle, each engine held to its golden model,
//! each host's recovery software the golden model's `Node` driving its engine through the
//! control port, under the rack simulator's faults and checkers.
//!
//! It implements the same [`RackDriver`] as the golden-model rack, so the workload runner,
//! the scenario files and the reports run on it unchanged. Its time is the global cycle
//! count × 8 ns; a host's model and software run on its engine's cycle count, which also
//! counts the engine-only cycles of control operations (when the rest of the rack stands still).

use crate::core::{Core, TraceWindow};
use crate::engine::RtlEngine;
use crate::lane::{Diff, Snapshot};
use crate::model::Model;
use crate::racks::{RackSpec, MAX_POSTED, RACKS, TOKEN_TIMEOUT_CYCLES};
use crate::tracker::Tracker;
use exo_engine::params::CYCLE_NS;
use exo_proto::model::{Counters, EpochInstall, Host, Node, Oob, PostId};
use exo_proto::rng::Rng;
use exo_proto::wire::MAX_FRAME_LEN;
use exo_proto::{HostId, Nanos};
use exo_verify::faults::FaultState;
use exo_verify::ledger::Ledger;
use exo_verify::net::{Picos, PS_PER_NS};
use exo_verify::progress::ProgressChecker;
use exo_verify::rack::{
    add_counters, Action, FrameStats, Mode, MsgId, MsgRecord, RackConfig, RecoveryFigures,
};
use exo_verify::safety::SafetyChecker;
use exo_verify::view::{RackDriver, RackView};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Picoseconds per rack cycle (125 MHz).
pub const CYCLE_PS: Picos = CYCLE_NS * PS_PER_NS;

/// How a run starts, and whether to record a waveform.
#[derive(Debug, Clone, Default)]
pub struct RtlOptions {
    /// Boot the engines with the cluster (`cold_start`) even if messages wait: the first
    /// turns then go out empty while the posts stream in. Otherwise messages submitted before
    /// the first cycle are posted into the engines first, and the host software loads the
    /// boot epoch through the control port (as it does when the cluster's settings differ
    /// from the engines' elaboration).
    pub cold: bool,
    pub trace: Option<TraceWindow>,
}

/// The first difference between an engine and its golden model, and where it happened.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub seed: u64,
    /// Global rack cycle (counted from power-up) and simulated time.
    pub cycle: u64,
    pub time_ns: u64,
    pub diff: Diff,
    /// The engine's protocol state (probes) and the model's, at the stop.
    pub rtl_state: Snapshot,
    pub model_state: Option<Snapshot>,
    /// The VCD of the window before the mismatch, once a replay has written it.
    pub waveform: Option<PathBuf>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "RTL/model mismatch, seed {}, rack cycle {} (at {} ns):\n{}",
            self.seed, self.cycle, self.time_ns, self.diff
        )?;
        writeln!(f, "  RTL state:   {:?}", self.rtl_state)?;
        writeln!(f, "  model state: {:?}", self.model_state)?;
        match &self.waveform {
            Some(p) => write!(f, "  waveform: {}", p.display()),
            None => write!(f, "  waveform: none written"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    NotStarted,
    /// Staged start: posts stream into halted engines.
    Preloading,
    Running,
}

pub struct RtlRack {
    pub(crate) cfg: RackConfig,
    pub(crate) spec: RackSpec,
    pub(crate) opts: RtlOptions,
    pub(crate) core: Rc<RefCell<Core>>,
    pub(crate) nodes: Vec<Option<Node<RtlEngine>>>,
    pub(crate) rng: Rng,
    pub(crate) faults: FaultState,
    actions: Vec<(Picos, u64, Action)>,
    order: u64,
    pub(crate) oob: Vec<VecDeque<(u64, usize, Oob)>>,
    pub(crate) oob_cycles: u64,
    pub(crate) backlog: Vec<VecDeque<(MsgId, Vec<u8>)>>,
    pub(crate) streaming: Vec<Option<MsgId>>,
    pub(crate) posts: Vec<HashMap<PostId, MsgId>>,
    pub(crate) book: Ledger,
    pub(crate) safety: SafetyChecker,
    pub(crate) progress: ProgressChecker,
    next_tick: Picos,
    pub(crate) majority_dirty: bool,
    pub(crate) retired: Counters,
    pub(crate) stats: FrameStats,
    pub(crate) tracker: Tracker,
    pub(crate) stage: Stage,
    /// The global cycle that is time zero: the first cycle of a cold boot, or the cycle after
    /// the staged start loaded the boot epoch (posting before it takes no simulated time).
    origin: Option<u64>,
    mismatch: Option<Mismatch>,
    wall: Duration,
    /// Rack cycles between consecutive accepted frames at the first live host.
    pub(crate) hops: Vec<u64>,
    pub(crate) last_accept: Option<(u64, u64)>,
    pub(crate) trace_log: bool,
    pub(crate) forge: Vec<crate::net::Forge>,
}

impl RtlRack {
    /// A rack for `cfg` (epoch mode, the engines' own rules, a token timeout the engine can
    /// count), on the Verilated rack built for its size.
    pub fn new(cfg: RackConfig, opts: RtlOptions) -> Result<RtlRack, String> {
        let n = cfg.cluster.n;
        let spec = *RACKS
            .iter()
            .find(|r| r.hosts == n && r.broken.is_none())
            .ok_or_else(|| unsupported_size(n))?;
        RtlRack::on(cfg, spec, opts)
    }

    /// A rack on a given Verilated build (the deliberately broken one, say).
    pub fn on(mut cfg: RackConfig, spec: RackSpec, opts: RtlOptions) -> Result<RtlRack, String> {
        rtl_network(&mut cfg);
        check_config(&cfg)?;
        let n = spec.hosts;
        if cfg.cluster.n != n {
            return Err(format!(
                "the rack {} has {n} hosts, not {}",
                spec.tag, cfg.cluster.n
            ));
        }
        let model = Model::new(&spec, opts.trace.is_some())?;
        let core = Rc::new(RefCell::new(Core::new(model, opts.trace.clone())));
        let bound = cfg.progress_bound();
        let oob_cycles = cfg.net.oob_latency_ns.div_ceil(CYCLE_NS).max(1);
        Ok(RtlRack {
            rng: Rng::new(cfg.seed),
            faults: FaultState::new(n),
            nodes: (0..n).map(|_| None).collect(),
            actions: Vec::new(),
            order: 0,
            oob: vec![VecDeque::new(); n],
            oob_cycles,
            backlog: vec![VecDeque::new(); n],
            streaming: vec![None; n],
            posts: vec![HashMap::new(); n],
            book: Ledger::default(),
            safety: SafetyChecker::new(n),
            progress: ProgressChecker::new(n, bound),
            next_tick: bound / 4,
            majority_dirty: true,
            retired: Counters::default(),
            stats: FrameStats::default(),
            tracker: Tracker::default(),
            stage: Stage::NotStarted,
            origin: None,
            mismatch: None,
            wall: Duration::ZERO,
            hops: Vec::new(),
            last_accept: None,
            trace_log: std::env::var_os("EXO_TRACE").is_some_and(|v| v == "1"),
            forge: vec![Default::default(); n],
            core,
            cfg,
            spec,
            opts,
        })
    }

    pub fn spec(&self) -> &RackSpec {
        &self.spec
    }

    /// Global rack cycles so far.
    pub fn cycles(&self) -> u64 {
        self.core.borrow().g
    }

    /// Wall-clock time spent simulating.
    pub fn wall(&self) -> Duration {
        self.wall
    }

    pub fn mismatch(&self) -> Option<&Mismatch> {
        self.mismatch.as_ref()
    }

    pub fn take_mismatch(&mut self) -> Option<Mismatch> {
        self.mismatch.take()
    }

    pub fn node(&self, id: HostId) -> Option<&Node<RtlEngine>> {
        self.nodes.get(id.index())?.as_ref()
    }

    /// True once the rack is whole again: every live host's software is in normal operation
    /// in the same epoch, every message has left its host, and every live host has agreed
    /// every message agreed anywhere. (A message its own host accepted in a minority, and an
    /// epoch change then dropped, is neither agreed nor lost: the golden model settles a post
    /// when its host accepts its own frame.)
    pub fn converged(&self) -> bool {
        let live: Vec<&Node<RtlEngine>> = self.nodes.iter().flatten().collect();
        let one_epoch = live
            .windows(2)
            .all(|w| w[0].host().epoch() == w[1].host().epoch());
        let idle = self.backlog.iter().all(VecDeque::is_empty)
            && self.streaming.iter().all(Option::is_none)
            && live.iter().all(|n| n.host().pending_posts() == 0);
        let last = self.book.last_position();
        let caught_up = live
            .iter()
            .all(|n| last.is_none_or(|p| n.host().log().agreed() > p));
        live.iter().all(|n| n.is_normal()) && one_epoch && idle && caught_up
    }

    /// Requires progress only from `t` on (the liveness phase after a fault period).
    pub fn enforce_progress_from(&mut self, t: Picos) {
        self.progress.enforce_from(t);
    }

    /// Engine turnarounds measured (cycles from the last byte of the frame that passed the
    /// token to our first byte), every host together.
    pub fn turnarounds(&self) -> Vec<u64> {
        let core = self.core.borrow();
        core.lanes
            .iter()
            .flat_map(|l| l.turnarounds.clone())
            .collect()
    }

    pub fn hops(&self) -> &[u64] {
        &self.hops
    }

    pub fn now_ns(&self) -> u64 {
        self.now_ps() / PS_PER_NS
    }

    /// The token timeout of `id` in engine cycles.
    pub(crate) fn timeout_cycles(&self, id: HostId) -> u32 {
        let ns = self
            .cfg
            .timeout_overrides
            .iter()
            .find(|(h, _)| *h == id)
            .map_or(self.cfg.token_timeout, |(_, t)| *t);
        (ns / CYCLE_NS) as u32
    }

    /// The golden model of host `id` as its engine boots (with the cluster, or restarted).
    pub(crate) fn mirror(&self, id: HostId, cold: bool, now: Nanos) -> Host {
        let mut cfg = self.cfg.host_config(id);
        cfg.max_posted = MAX_POSTED;
        // The configuration was validated with the rack's.
        let host = if cold {
            Host::new(cfg, now)
        } else {
            Host::restarted(cfg, now)
        };
        host.unwrap_or_else(|e| panic!("validated host configuration refused: {e}"))
    }

    /// True if the cluster boots as the engines were elaborated: epoch, first holder,
    /// token timeout, ring.
    fn boots_as_built(&self) -> bool {
        let c = &self.cfg.cluster;
        let all: Vec<HostId> = (0..c.n).map(|i| HostId(i as u8)).collect();
        c.epoch == 0
            && c.cluster == 1
            && c.first_holder == HostId(0)
            && c.members == all
            && (0..c.n).all(|i| self.timeout_cycles(HostId(i as u8)) == TOKEN_TIMEOUT_CYCLES)
    }

    /// The first cycle: cold boot, or the staged start with the messages posted first.
    fn start(&mut self) {
        let waiting = self.backlog.iter().any(|b| !b.is_empty());
        let cold = self.boots_as_built() && (self.opts.cold || !waiting);
        self.core.borrow_mut().set_cold(cold);
        let n = self.n();
        // The engine arms its boot timer after one reset cycle, n boot-ring writes and the
        // four-cycle token pass.
        let boot_ns = (n as u64 + 5) * CYCLE_NS;
        for i in 0..n {
            let id = HostId(i as u8);
            let mirror = self.mirror(id, cold, if cold { boot_ns } else { 0 });
            let engine = RtlEngine::new(i, mirror, Rc::clone(&self.core));
            let rec = self.cfg.recovery_config();
            self.nodes[i] = Some(Node::with_engine(engine, rec, boot_ns));
        }
        self.stage = if cold {
            Stage::Running
        } else {
            Stage::Preloading
        };
    }

    /// Staged start: every engine is loaded with the boot epoch in the same cycle.
    pub(crate) fn load_boot_epoch(&mut self) {
        let c = self.cfg.cluster.clone();
        for i in 0..self.n() {
            let timeout = self.timeout_cycles(HostId(i as u8));
            let load = EpochInstall {
                epoch: c.epoch,
                members: c.members.clone(),
                first: c.first_holder,
                keep: 0,
                entries: Vec::new(),
            };
            let Some(node) = self.nodes[i].as_mut() else {
                continue;
            };
            let out = node.engine_mut().load_boot(timeout, load);
            node.engine_mut().thaw();
            self.carry_out(i, out);
        }
        self.stage = Stage::Running;
    }

    fn push_action(&mut self, at: Picos, action: Action) {
        self.order += 1;
        let key = (at, self.order);
        let pos = self.actions.partition_point(|(t, o, _)| (*t, *o) <= key);
        self.actions.insert(pos, (at, self.order, action));
    }

    fn apply_due_actions(&mut self) {
        let now = self.now_ps();
        while self.actions.first().is_some_and(|(t, _, _)| *t <= now) {
            let (_, _, action) = self.actions.remove(0);
            self.apply_action(action);
        }
    }

    /// Simulated time: rack cycles since time zero.
    pub(crate) fn now_ps(&self) -> Picos {
        self.time_of(self.cycles())
    }

    /// The simulated time of global cycle `g`.
    pub(crate) fn time_of(&self, g: u64) -> Picos {
        self.origin.map_or(0, |o| g.saturating_sub(o) * CYCLE_PS)
    }

    /// Before time zero: the actions due at zero, the boot, and with the staged start the
    /// posting of the waiting messages and the load of the boot epoch.
    fn set_up(&mut self) {
        self.apply_due_actions();
        self.start();
        while self.stage == Stage::Preloading && self.mismatch.is_none() {
            self.cycle();
        }
        self.origin = Some(self.cycles());
    }

    /// One global cycle of the whole rack.
    fn cycle(&mut self) {
        self.apply_due_actions();
        let seen = self.core.borrow_mut().begin_cycle();
        self.carry_links();
        for (i, s) in seen.into_iter().enumerate() {
            self.host_cycle(i, s);
        }
        if self.stage == Stage::Preloading && self.preloaded() {
            self.load_boot_epoch();
        }
        self.core.borrow_mut().end_cycle();
        self.after_cycle();
    }

    fn after_cycle(&mut self) {
        self.posts_committed();
        self.note_first_bytes();
        let now = self.now_ps();
        if now >= self.next_tick {
            self.progress.check(now);
            self.next_tick = now + self.progress.bound() / 4;
        }
        if self.majority_dirty {
            self.refresh_majority();
        }
        self.catch_mismatch();
    }

    fn catch_mismatch(&mut self) {
        let core = self.core.borrow();
        let Some(diff) = core.lanes.iter().find_map(|l| l.first.clone()) else {
            return;
        };
        let i = diff.host;
        let rtl_state = core.probe(i);
        let model_state = self.nodes[i].as_ref().map(|n| Snapshot::of(n.host()));
        let cycle = core.g;
        drop(core);
        self.mismatch = Some(Mismatch {
            seed: self.cfg.seed,
            cycle,
            time_ns: self.now_ns(),
            diff,
            rtl_state,
            model_state,
            waveform: None,
        });
    }

    /// Lets every engine finish what it owes, then reads every engine's whole state back
    /// through its control port and compares it with its model.
    fn drain_and_read_back(&mut self) {
        for _ in 0..10_000 {
            let drained = self
                .core
                .borrow()
                .lanes
                .iter()
                .all(|l| !l.live || l.drained());
            if drained || self.mismatch.is_some() {
                break;
            }
            self.step_once();
        }
        for i in 0..self.n() {
            if self.mismatch.is_some() {
                return;
            }
            let safe = self.core.borrow().lanes[i].rx_idle();
            if let (true, Some(node)) = (safe, self.nodes[i].as_mut()) {
                node.engine_mut().readback_check();
            }
            self.catch_mismatch();
        }
    }

    fn step_once(&mut self) -> bool {
        if self.mismatch.is_some() {
            return false;
        }
        let t0 = Instant::now();
        if self.stage == Stage::NotStarted {
            self.set_up();
        } else {
            self.cycle();
        }
        self.wall += t0.elapsed();
        self.mismatch.is_none()
    }

    pub(crate) fn refresh_majority(&mut self) {
        self.majority_dirty = false;
        let n = self.n();
        let eligible: Vec<bool> = (0..n)
            .map(|i| self.nodes[i].is_some() && self.faults.clean(i))
            .collect();
        let holds_state: Vec<bool> = self
            .nodes
            .iter()
            .map(|s| s.as_ref().is_some_and(|n| !n.is_amnesiac()))
            .collect();
        let faults = &self.faults;
        let members = exo_verify::progress::connected_majority(
            &eligible,
            &holds_state,
            |a, b| faults.reaches(HostId(a as u8), HostId(b as u8)),
            self.cfg.cluster.h() + 1,
        );
        let now = self.now_ps();
        self.progress.set_majority(now, &members);
    }
}

fn unsupported_size(n: usize) -> String {
    let sizes: Vec<String> = RACKS
        .iter()
        .filter(|r| r.broken.is_none())
        .map(|r| r.hosts.to_string())
        .collect();
    format!(
        "the Verilated rack is built for {} hosts, not {n} (verify/rtl_rack/src/racks.rs)",
        sizes.join(", ")
    )
}

/// The rack model's network settings that describe the RTL rack: 1 GbE, one cycle of wire
/// each way, a store-and-forward fabric (a frame is received whole, then sent: its latency
/// includes one serialization of the longest frame), the engine's six-cycle turnaround (measured).
fn rtl_network(cfg: &mut RackConfig) {
    let net = &mut cfg.net;
    net.link_mbps = 1_000;
    net.wire_latency_ns = CYCLE_NS;
    net.turnaround_ns = 6 * CYCLE_NS;
    net.fabric_latency_ns = net.serialization(MAX_FRAME_LEN) / PS_PER_NS + 12 * CYCLE_NS;
}

/// Refuses what the engine cannot run: it implements Exo's epochs with both safety rules,
/// and counts its token timeout in 24-bit cycles.
fn check_config(cfg: &RackConfig) -> Result<(), String> {
    if cfg.mode != Mode::Epochs {
        return Err(format!(
            "--rtl runs the engine, which implements the epoch protocol only, not {:?} mode \
             (the slides' token claims are not in hardware)",
            cfg.mode
        ));
    }
    if cfg.claims_off {
        return Err("--rtl: the engine's token timer cannot be switched off".into());
    }
    if cfg.rules != Default::default() {
        return Err(
            "--rtl: the engine's accept rules are fixed when it is built; --disable applies to \
             the model only (the test-only broken engine is verify/rtl_rack's n3_nohist rack)"
                .into(),
        );
    }
    let timeouts =
        std::iter::once(cfg.token_timeout).chain(cfg.timeout_overrides.iter().map(|(_, t)| *t));
    for t in timeouts {
        if t % CYCLE_NS != 0 || t / CYCLE_NS == 0 || t / CYCLE_NS >= 1 << 24 {
            return Err(format!(
                "--rtl: a token timeout of {t} ns is not a whole number of 8 ns cycles between \
                 1 and 2^24 - 1"
            ));
        }
    }
    cfg.validate()
}

impl RackView for RtlRack {
    fn config(&self) -> &RackConfig {
        &self.cfg
    }
    fn now(&self) -> Picos {
        self.now_ps()
    }
    fn n(&self) -> usize {
        self.spec.hosts
    }
    fn host(&self, id: HostId) -> Option<&Host> {
        self.node(id).map(Node::host)
    }
    fn phase(&self, id: HostId) -> Option<&'static str> {
        self.node(id).map(Node::phase_name)
    }
    fn faults(&self) -> &FaultState {
        &self.faults
    }
    fn messages(&self) -> &[MsgRecord] {
        &self.book.msgs
    }
    fn messages_agreed(&self) -> usize {
        self.book.messages_agreed
    }
    fn messages_lost(&self) -> usize {
        self.book.messages_lost
    }
    fn last_agreement(&self) -> Picos {
        self.book.last_agreement
    }
    fn total_counters(&self) -> Counters {
        let mut total = self.retired.clone();
        for node in self.nodes.iter().flatten() {
            add_counters(&mut total, node.host().counters());
        }
        total
    }
    fn recovery(&self) -> &RecoveryFigures {
        &self.book.recovery
    }
    fn frame_stats(&self) -> &FrameStats {
        &self.stats
    }
    fn safety(&self) -> &SafetyChecker {
        &self.safety
    }
    fn progress(&self) -> &ProgressChecker {
        &self.progress
    }
    fn settled(&self) -> bool {
        if !self.book.all_done() {
            return false;
        }
        let Some(last) = self.book.last_position() else {
            return true;
        };
        self.nodes
            .iter()
            .flatten()
            .filter(|n| n.is_normal())
            .all(|n| n.host().log().agreed() > last)
    }
}

impl RackDriver for RtlRack {
    /// The next cycle: cycle g happens at g × 8 ns (the actions due by then first).
    fn next_event_time(&self) -> Option<Picos> {
        self.mismatch.is_none().then(|| self.now_ps())
    }
    fn step(&mut self) -> bool {
        self.step_once()
    }
    fn run_until(&mut self, t: Picos) {
        while self.now_ps() <= t && self.step_once() {}
    }
    fn schedule(&mut self, at: Picos, action: Action) {
        self.push_action(at.max(self.now_ps()), action);
    }
    fn apply(&mut self, action: Action) {
        self.apply_action(action);
        if self.majority_dirty {
            self.refresh_majority();
        }
    }
    fn submit(&mut self, host: HostId, payload: Vec<u8>) -> MsgId {
        self.submit_msg(host, payload)
    }
    fn take_completed(&mut self) -> Vec<(HostId, u64)> {
        self.tracker.take_completed()
    }
    fn finish(&mut self) {
        self.drain_and_read_back();
        let now_ns = self.now_ns();
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(node) = node {
                self.safety.audit(now_ns, HostId(i as u8), node.host());
            }
        }
        let now = self.now_ps();
        self.progress.check(now);
    }
}
