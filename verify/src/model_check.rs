//! Explicit-state model checking of the real [`Node`] (engine + recovery software) with
//! [stateright](https://docs.rs/stateright/0.31).
//!
//! Nothing of the protocol is re-implemented here: every host of the model *is* an
//! `exo_proto::model::Node`, built as the rack simulator builds it (`RackConfig::new(n, 0)` with
//! the mode set, then [`RackConfig::host_config`] and [`RackConfig::recovery_config`]), and every
//! transition calls one of its three inputs (`handle_frame`, `handle_oob`, `handle_timeout`).
//! What this module adds is the environment (a network that may lose anything, timers that may
//! fire in any order) and the checks. `exo check` runs it from the command line.
//!
//! # The model
//!
//! - **Hosts.** `n` nodes, each of which posts one payload, `[id]`, at the start, so that every
//!   host's message is distinguishable in the logs (token messages carry no payload).
//! - **Exo network.** The fabric is an ordered broadcast, so each host has its own FIFO queue
//!   of frames; a transmitted frame is appended to every host's queue, the sender's included.
//!   `Deliver(i)` hands the head of host i's queue to host i; `Lose(i)` drops it (one unit of
//!   the loss budget). There is no separate partition action: a partition is a sequence of
//!   losses (every frame from one side lost at each host of the other side), so the loss bound
//!   also bounds the partitions explored. A corrupted frame is dropped by the MAC: a loss.
//! - **Out-of-band network.** A multiset of `(from, to, message)` in flight, kept sorted by an
//!   exact key so that interleavings that sent the same messages reach the same state. Any one
//!   may be delivered next (`DeliverOob`), or lost (`LoseOob`, one unit of the loss budget).
//!   Losing a message is, for the hosts, the same as never delivering it, so `LoseOob` adds no
//!   host behaviour; it is there so that traces say what happened. UDP duplication is not
//!   modelled.
//! - **Timers.** `Timeout(i)` is enabled whenever host i reports a `next_deadline()`; it fires
//!   with `now = max(now, deadline)`. Nothing orders timers against each other or against the
//!   messages in flight: the model is asynchronous, which is what safety must survive.
//! - **Start.** The initial state is the rack at time 0 after the timers due at 0 fired, i.e.
//!   after the first holder's turn (host 0 sends its payload at seq 0): nothing else can happen
//!   before them. They do not count toward the timeouts bound.
//!
//! # Time
//!
//! Time is part of the state (one clock, `now`, that only moves forward) because the nodes keep
//! absolute deadlines and timestamps. It advances *only* on `Timeout` actions, to the deadline
//! of the timer that fires; frames and out-of-band messages are handled at the current time. So
//! every delivery between two timer firings happens at the same instant, every timestamp a node
//! holds is a sum of the protocol's timer constants, and a path has at most `timeouts + 1`
//! distinct clock values. That keeps the space finite and small: a clock that advanced on every
//! delivery would make almost every interleaving a distinct state.
//!
//! Renormalising timestamps (shifting every clock so that the latest event is at 0) would merge
//! more states, but the nodes' timestamps are private to `exo-proto` (the model must run the
//! real, unmodified code), and shifting only the model clock would change what the nodes
//! compute. Likewise each host's statistics counters are part of its state, so two states that
//! differ only in how many frames a host rejected are distinct. Both cost states, not soundness.
//!
//! # Reduction
//!
//! Frames and messages that can no longer have any effect at their receiver are dropped from
//! the network as soon as they are inert (with [`ExoModel::with_reduction`] it can be switched
//! off). Delivering one would change only the receiver's statistics counters (or park it in the
//! hold buffer of a repair, whose replay skips it), so dropping it merges states without
//! removing any host behaviour. The rules read only the nodes' public state, and rest on the
//! epochs-never-decrease property (checked) and on the code of `recovery.rs` and `host.rs`:
//!
//! - a frame of an epoch below the receiver's installed epoch (rejected as `wrong-epoch`; only
//!   a *newer* epoch makes a host ask to join);
//! - except with the naive recovery (whose adoption can move seq back), a frame of the
//!   receiver's epoch below its seq (stale);
//! - with epochs, a frame of the receiver's epoch while it is changing, coordinating or joining
//!   (rejected while stopped; it runs again only in a newer epoch);
//! - `Prepare` for an epoch at most the receiver's promised one, once its coordinator has
//!   stopped coordinating it (the receiver only answers with a `Nack`, which nobody would read);
//! - `Promise` and `Nack` for an epoch its receiver is not coordinating (an epoch is coordinated
//!   once, by one host);
//! - `Install` below the receiver's promised epoch, or not naming the receiver;
//! - `Fetch` and `Entries` of an epoch below the receiver's.
//!
//! The test suite checks the reduction against the unreduced model: at small bounds both reach
//! exactly the same set of host views (clock, epochs, seq, phase, log and agreed count of every
//! host), with 10x fewer states (504,700 against 48,251 states for 4 frames, one epoch change
//! and two timeouts). If the recovery code changes, that test is the guard.
//!
//! # Bounds
//!
//! The checked behaviours are exactly the executions with at most `frames` frames transmitted,
//! `losses` frames and out-of-band messages lost, `changes` epoch changes started (counted as
//! the nodes' `Output::ChangeStarted`) and `timeouts` timer firings. A state beyond a bound is
//! outside stateright's boundary ([`Model::within_boundary`]): stateright neither checks nor
//! expands it. The timeouts bound is needed for finiteness (a host asking to join repeats its
//! request on a timer forever while nobody takes it in; claims in the slides' and naive modes
//! do too) and it is the costliest: every host has a timer armed almost always, and each firing
//! may come at any point of the interleaving.
//!
//! The defaults ([`Bounds::exhaustive`]) for 3 hosts with epochs are 5 frames, 1 loss, 1 epoch
//! change and 2 timeouts: entries agreed in epoch 0, a lost frame (gap and repair) or message,
//! a lost token, an epoch change with its install, and the new ring agreeing (the `recovery`
//! property shows it is reached). 1,038,621 states, about 20 s breadth-first on two cores.
//! Larger bounds go depth-first (`exo check --dfs`, little memory), all without a violation:
//! 3 timeouts, 2,321,340 states in 19 s; two competing epoch changes (`changes` 2, `timeouts`
//! 3) with 4 frames and no loss, 14,370,183 states in 76 s; the same with 1 loss did not finish
//! in 10 minutes (109 million states checked).
//!
//! # Properties
//!
//! - `always` **agreement**: no two hosts agree different entries at one position, and an
//!   agreed entry never changes. The state keeps the canonical agreed sequence (the longest
//!   agreed prefix any host had) and each host's agreed count; after every step the acting
//!   host's whole agreed prefix is compared with the canonical one, and a shrinking prefix is a
//!   violation too (no host restarts in this model, so nothing legitimately forgets).
//! - `always` **epochs never decrease**: each host's installed epoch and promised epoch.
//! - `always` **no panic**: a node call that panics is caught and recorded as a violation, so
//!   that the path to it is reported like any other counterexample.
//! - `sometimes` **recovery**: an entry accepted in an epoch above the first is agreed, i.e. an
//!   epoch change completed and the new ring agreed something afterwards. This shows that the
//!   bounds admit recovery, so the `always` results are not vacuous.
//! - `sometimes` **all payloads agreed**: every host's payload is in the agreed sequence.
//!
//! A state that violates an `always` property has no successors; the checker stops at the
//! first one and the report replays its path with every host's state after each step.
//!
//! There is no `eventually` property. Stateright 0.31 evaluates `eventually` only at terminal
//! states, and a state whose successors all lie beyond the boundary counts as terminal. Here
//! every path ends at a bound (a ring always has a timer armed), so "eventually every payload
//! is agreed" would be reported violated by every path that spends its loss, change or timeout
//! budget before the ring recovers, e.g. two timers firing before the first prepare arrives:
//! counterexamples of the bounds, not of the protocol. And in an asynchronous model (no bound
//! on message delay against timer firing) progress does not hold at all: timers can pre-empt
//! each other's epoch changes forever. Stateright also documents false negatives for
//! `eventually` at DAG joins and cycles. Progress is checked where timing is real, by the rack
//! simulator's progress checker (`verify::progress`).
//!
//! # Search
//!
//! [`check_exhaustive`] runs stateright's breadth-first checker over every state within the
//! bounds (3 hosts): its first counterexample is (nearly) a shortest one, but it keeps a whole
//! level of states in memory, a few KB each (1.7 GB for the epochs defaults, 7 GB for the
//! naive ones, where the violation sits at depth 11). [`check_exhaustive_in`] with
//! [`Order::DepthFirst`] visits the same states with almost no memory (25 MB, and faster: 9 s
//! for the epochs defaults) and shrinks the counterexample it finds by dropping the actions it
//! does not need. [`check_random`] runs seeded random walks over the same model (5 hosts,
//! where the space is far too large): from the initial state, a uniformly chosen successor
//! within the bounds at each step, up to a depth, checking the same properties on every state.
//! The walks draw from the simulator's own generator ([`Rng`]), so a seed replays them exactly.

use crate::rack::{Mode, RackConfig};
use crate::rng::Rng;
use exo_proto::model::{Dest, Entry, EpochInstall, Node, Oob, Output};
use exo_proto::wire::Frame;
use exo_proto::{HostId, Nanos};
use stateright::{Checker, Expectation, HasDiscoveries, Model, Property};
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest cluster the model accepts (the state space is the limit long before this).
pub const MAX_NODES: usize = 16;

/// Property names, as reported.
pub const AGREEMENT: &str = "agreement";
pub const EPOCHS_MONOTONIC: &str = "epochs never decrease";
pub const NO_PANIC: &str = "no panic";
pub const RECOVERY: &str = "recovery: an entry of a new epoch is agreed";
pub const ALL_AGREED: &str = "all payloads agreed";

/// How much of the behaviour is explored: every bound is inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Bounds {
    /// Frames transmitted (each broadcast counts once).
    pub frames: u32,
    /// Frames (one host's copy) and out-of-band messages lost.
    pub losses: u32,
    /// Epoch changes started (`Output::ChangeStarted`).
    pub changes: u32,
    /// Timer firings.
    pub timeouts: u32,
}

impl Bounds {
    /// Bounds of the exhaustive search. For 3 hosts with epochs: a lost frame or message, a
    /// lost token, one epoch change with its install and the new ring agreeing (about 20 s on
    /// two cores); with the naive recovery, enough for its counterexample (11 steps).
    pub fn exhaustive(n: usize, mode: Mode) -> Bounds {
        match (n, mode) {
            (0..=3, Mode::Naive) => Bounds {
                frames: 5,
                losses: 1,
                changes: 0,
                timeouts: 2,
            },
            (0..=3, _) => Bounds {
                frames: 5,
                losses: 1,
                changes: 1,
                timeouts: 2,
            },
            _ => Bounds {
                frames: 4,
                losses: 0,
                changes: 1,
                timeouts: 2,
            },
        }
    }

    /// Bounds of random walks: larger, since walks do not enumerate.
    pub fn random(n: usize) -> Bounds {
        Bounds {
            frames: 12 + 4 * n as u32,
            losses: 4,
            changes: 3,
            timeouts: 8,
        }
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "frames <= {}, losses <= {}, epoch changes <= {}, timeouts <= {}",
            self.frames, self.losses, self.changes, self.timeouts
        )
    }
}

/// A frame on the Exo network, with the two header fields the reduction looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WireFrame {
    pub epoch: u32,
    pub seq: u64,
    pub bytes: Vec<u8>,
}

/// An out-of-band message in flight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OobMsg {
    pub from: HostId,
    pub to: HostId,
    pub msg: Oob,
}

/// A property the checker found violated, as recorded in the state where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    pub property: &'static str,
    pub host: HostId,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (host {}): {}", self.property, self.host, self.detail)
    }
}

/// A node shared between the states that did not change it, with its hash cached: a step
/// clones and rehashes only the node that acted.
#[derive(Debug, Clone)]
pub struct SharedNode {
    hash: u64,
    node: Arc<Node>,
}

impl SharedNode {
    fn new(node: Node) -> SharedNode {
        SharedNode {
            hash: hash_of(&node),
            node: Arc::new(node),
        }
    }

    pub fn get(&self) -> &Node {
        &self.node
    }

    /// Runs `f` on this state's own copy of the node, then rehashes it.
    fn update<R>(&mut self, f: impl FnOnce(&mut Node) -> R) -> R {
        let r = f(Arc::make_mut(&mut self.node));
        self.hash = hash_of(&*self.node);
        r
    }
}

impl Hash for SharedNode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for SharedNode {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && (Arc::ptr_eq(&self.node, &other.node) || self.node == other.node)
    }
}

impl Eq for SharedNode {}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut h = FoldHasher(0x243F_6A88_85A3_08D3);
    value.hash(&mut h);
    h.finish()
}

/// A fast 64-bit hasher for fingerprints (a node is rehashed after every step it takes, which
/// SipHash made a third of the run time): every word is mixed in with a folded 128-bit
/// multiply, as aHash's fallback and foldhash do. Not keyed: the inputs are not adversarial.
struct FoldHasher(u64);

const FOLD_K: u64 = 0x9E37_79B9_7F4A_7C15;

fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = fold_mul(self.0 ^ i, FOLD_K).rotate_left(23);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn finish(&self) -> u64 {
        fold_mul(self.0, 0x1405_7B7E_F767_814F)
    }
}

/// One state of the model: the hosts, the networks, the clock, the budgets used and what the
/// checks remember.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExoState {
    pub now: Nanos,
    pub nodes: Vec<SharedNode>,
    /// Each host's FIFO of frames still to receive (one shared copy of each frame).
    pub frames: Vec<VecDeque<Arc<WireFrame>>>,
    /// Out-of-band messages in flight, in canonical order.
    pub oob: Vec<Arc<OobMsg>>,
    pub sent: u32,
    pub losses: u32,
    pub changes: u32,
    pub timeouts: u32,
    /// The longest agreed prefix any host has had.
    pub agreed: Arc<Vec<Entry>>,
    /// Each host's agreed count after its last step.
    pub agreed_counts: Vec<u64>,
    /// The first violation on the path to this state (such a state is not expanded).
    pub violation: Option<Violation>,
}

/// What the environment does next.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// The host receives the frame at the head of its queue.
    Deliver(HostId),
    /// The frame at the head of the host's queue is lost.
    Lose(HostId),
    /// The message is delivered (one copy, if several equal ones are in flight).
    DeliverOob(Arc<OobMsg>),
    /// The message is lost.
    LoseOob(Arc<OobMsg>),
    /// The host's next deadline passes.
    Timeout(HostId),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Deliver(h) => write!(f, "deliver@{h}"),
            Action::Lose(h) => write!(f, "lose@{h}"),
            Action::DeliverOob(m) => write!(f, "{}:{}->{}", m.msg.name(), m.from, m.to),
            Action::LoseOob(m) => write!(f, "lose-{}:{}->{}", m.msg.name(), m.from, m.to),
            Action::Timeout(h) => write!(f, "timeout@{h}"),
        }
    }
}

/// The model: `n` real nodes in the environment described in the module documentation.
#[derive(Debug, Clone)]
pub struct ExoModel {
    n: usize,
    mode: Mode,
    bounds: Bounds,
    rack: RackConfig,
    reduce: bool,
}

impl ExoModel {
    pub fn new(n: usize, mode: Mode, bounds: Bounds) -> Result<ExoModel, String> {
        if n == 0 || n > MAX_NODES {
            return Err(format!(
                "the model checker takes 1 to {MAX_NODES} hosts, not {n}"
            ));
        }
        let mut rack = RackConfig::new(n, 0);
        rack.mode = mode;
        let model = ExoModel {
            n,
            mode,
            bounds,
            rack,
            reduce: true,
        };
        model.build_nodes()?;
        Ok(model)
    }

    /// Switches the reduction (dropping inert frames and messages) on or off; it is on by
    /// default. Off, the model explores the same host behaviour through more states.
    pub fn with_reduction(mut self, on: bool) -> ExoModel {
        self.reduce = on;
        self
    }

    pub fn reduction(&self) -> bool {
        self.reduce
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// The hosts as the rack builds them, each with its payload posted.
    fn build_nodes(&self) -> Result<Vec<Node>, String> {
        (0..self.n)
            .map(|i| {
                let id = HostId(i as u8);
                let mut node = Node::new(self.rack.host_config(id), self.rack.recovery_config(), 0)
                    .map_err(|e| e.to_string())?;
                node.post(&[id.0]).map_err(|e| e.to_string())?;
                Ok(node)
            })
            .collect()
    }

    /// The initial state.
    pub fn initial(&self) -> ExoState {
        self.start().0
    }

    /// The initial state, and what the hosts output to reach it: the rack at time 0, after the
    /// timers due at 0 fired (the first holder's turn: it sends its payload at seq 0). Nothing
    /// else can happen before them, and they do not count toward the timeouts bound.
    fn start(&self) -> (ExoState, Vec<(HostId, Vec<Output>)>) {
        let nodes = self
            .build_nodes()
            .expect("the configuration was validated when the model was built");
        let mut state = ExoState {
            now: 0,
            nodes: nodes.into_iter().map(SharedNode::new).collect(),
            frames: vec![VecDeque::new(); self.n],
            oob: Vec::new(),
            sent: 0,
            losses: 0,
            changes: 0,
            timeouts: 0,
            agreed: Arc::new(Vec::new()),
            agreed_counts: vec![0; self.n],
            violation: None,
        };
        let mut outputs = Vec::new();
        for i in 0..self.n {
            let id = HostId(i as u8);
            while state.nodes[i].get().next_deadline() == Some(0) {
                let Some((next, out)) = self.step(&state, &Action::Timeout(id)) else {
                    break;
                };
                state = next;
                outputs.push((id, out));
            }
        }
        state.timeouts = 0;
        (state, outputs)
    }

    /// Takes `action` in `state`: the next state and what the acting node output, or `None` if
    /// the action is not enabled. The next state may lie beyond the bounds.
    pub fn step(&self, state: &ExoState, action: &Action) -> Option<(ExoState, Vec<Output>)> {
        if state.violation.is_some() {
            return None;
        }
        let mut next = state.clone();
        let now = next.now;
        let (i, result) = match action {
            Action::Deliver(h) => {
                let i = h.index();
                let frame = next.frames.get_mut(i)?.pop_front()?;
                (
                    i,
                    call(&mut next.nodes[i], |n| n.handle_frame(now, &frame.bytes)),
                )
            }
            Action::Lose(h) => {
                next.frames.get_mut(h.index())?.pop_front()?;
                next.losses += 1;
                return Some((next, Vec::new()));
            }
            Action::DeliverOob(msg) => {
                let k = next.oob.iter().position(|m| same(m, msg))?;
                let m = next.oob.remove(k);
                let i = m.to.index();
                let (from, msg) = (m.from, m.msg.clone());
                (
                    i,
                    call(&mut next.nodes[i], |n| n.handle_oob(now, from, msg)),
                )
            }
            Action::LoseOob(msg) => {
                let k = next.oob.iter().position(|m| same(m, msg))?;
                next.oob.remove(k);
                next.losses += 1;
                return Some((next, Vec::new()));
            }
            Action::Timeout(h) => {
                let i = h.index();
                let deadline = next.nodes.get(i)?.get().next_deadline()?;
                next.now = next.now.max(deadline);
                next.timeouts += 1;
                let now = next.now;
                (i, call(&mut next.nodes[i], |n| n.handle_timeout(now)))
            }
        };
        let outputs = match result {
            Ok(outputs) => outputs,
            Err(panic) => {
                next.violation = Some(Violation {
                    property: NO_PANIC,
                    host: HostId(i as u8),
                    detail: format!("the node panicked: {panic}"),
                });
                return Some((next, Vec::new()));
            }
        };
        self.carry_out(&mut next, i, &outputs);
        observe(&mut next, i, &state.nodes[i]);
        if self.reduce {
            purge(&mut next, self.mode);
        }
        Some((next, outputs))
    }

    fn carry_out(&self, s: &mut ExoState, i: usize, outputs: &[Output]) {
        let from = HostId(i as u8);
        for out in outputs {
            match out {
                Output::Transmit(t) => {
                    s.sent += 1;
                    let frame = Arc::new(WireFrame {
                        // A frame the engine built always decodes; if not, it is never inert.
                        epoch: Frame::decode(&t.frame).map_or(u32::MAX, |f| f.epoch),
                        seq: t.seq,
                        bytes: t.frame.clone(),
                    });
                    for q in &mut s.frames {
                        q.push_back(Arc::clone(&frame));
                    }
                }
                Output::Oob { to, msg } => match to {
                    Dest::All => {
                        for j in (0..self.n).filter(|&j| j != i) {
                            send_oob(s, from, HostId(j as u8), msg.clone());
                        }
                    }
                    Dest::To(j) if j.index() < self.n => send_oob(s, from, *j, msg.clone()),
                    Dest::To(_) => {}
                },
                Output::ChangeStarted { .. } => s.changes += 1,
                _ => {}
            }
        }
    }

    /// The successors of `state` within the bounds, in action order.
    pub fn successors(&self, state: &ExoState) -> Vec<(Action, ExoState)> {
        let mut actions = Vec::new();
        self.actions(state, &mut actions);
        actions
            .into_iter()
            .filter_map(|a| {
                let next = self.next_state(state, a.clone())?;
                self.within_boundary(&next).then_some((a, next))
            })
            .collect()
    }

    /// Replays `actions` from the initial state and records every step for display.
    pub fn trace(&self, actions: &[Action]) -> Trace {
        let (mut state, boot) = self.start();
        let boot: Vec<String> = boot
            .iter()
            .map(|(h, out)| format!("host {h}'s timer is due at 0{}", summarize(out)))
            .collect();
        let mut steps = vec![TraceStep {
            action: None,
            what: format!("initial state: {}", boot.join("; ")),
            now: 0,
            hosts: host_views(&state),
        }];
        for a in actions {
            let what = describe(&state, a);
            let Some((next, outputs)) = self.step(&state, a) else {
                steps.push(TraceStep {
                    action: Some(a.clone()),
                    what: format!("{what}: not enabled (the trace does not replay)"),
                    now: state.now,
                    hosts: host_views(&state),
                });
                break;
            };
            let actor = match a {
                Action::Deliver(h) | Action::Timeout(h) => Some(h.index()),
                Action::DeliverOob(m) => Some(m.to.index()),
                Action::Lose(_) | Action::LoseOob(_) => None,
            };
            let phases = actor
                .map(|i| {
                    (
                        state.nodes[i].get().phase_name(),
                        next.nodes[i].get().phase_name(),
                    )
                })
                .filter(|(before, after)| before != after)
                .map_or(String::new(), |(before, after)| {
                    format!(" [{before} -> {after}]")
                });
            steps.push(TraceStep {
                action: Some(a.clone()),
                what: format!("{what}{}{phases}", summarize(&outputs)),
                now: next.now,
                hosts: host_views(&next),
            });
            state = next;
        }
        Trace {
            violation: state.violation.clone(),
            steps,
        }
    }
}

/// Runs a node call, catching a panic (reported with the path by the `no panic` property).
fn call(
    node: &mut SharedNode,
    f: impl FnOnce(&mut Node) -> Vec<Output>,
) -> Result<Vec<Output>, String> {
    catch_unwind(AssertUnwindSafe(|| node.update(f))).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into())
    })
}

/// An exact, total order on out-of-band messages (`Oob` has no `Ord`): variant, then the
/// numbers in a fixed layout (variable-length parts last or length-prefixed), then the entries.
type OobKey = (u8, u8, u8, Vec<u64>, Vec<(u64, u32, u8, Vec<u8>)>);

fn entry_key(e: &Entry) -> (u64, u32, u8, Vec<u8>) {
    (e.seq, e.epoch, e.sender.0, e.payload.clone())
}

fn oob_key(m: &OobMsg) -> OobKey {
    let ids = |v: &[HostId]| v.iter().map(|h| u64::from(h.0)).collect::<Vec<_>>();
    let entries = |v: &[Entry]| v.iter().map(entry_key).collect::<Vec<_>>();
    let (kind, nums, es): (u8, Vec<u64>, Vec<_>) = match &m.msg {
        Oob::Prepare { epoch, base } => (0, vec![u64::from(*epoch), *base], vec![]),
        Oob::Promise {
            epoch,
            last_normal,
            agreed,
            tail,
            amnesiac,
        } => (
            1,
            vec![
                u64::from(*epoch),
                u64::from(*last_normal),
                *agreed,
                u64::from(*amnesiac),
            ],
            entries(tail),
        ),
        Oob::Nack {
            epoch,
            promised,
            live,
        } => {
            let mut v = vec![u64::from(*epoch), u64::from(*promised)];
            if let Some((e, members)) = live {
                v.push(1);
                v.push(u64::from(*e));
                v.extend(ids(members));
            }
            (2, v, vec![])
        }
        Oob::Install(EpochInstall {
            epoch,
            members,
            first,
            keep,
            entries: es,
        }) => {
            let mut v = vec![u64::from(*epoch), u64::from(first.0), *keep];
            v.extend(ids(members));
            (3, v, entries(es))
        }
        Oob::Fetch { epoch, from } => (4, vec![u64::from(*epoch), *from], vec![]),
        Oob::Entries { epoch, entries: es } => (5, vec![u64::from(*epoch)], entries(es)),
        Oob::Join { promised } => (6, vec![u64::from(*promised)], vec![]),
        Oob::Query => (7, vec![], vec![]),
        Oob::Answer { log } => (8, vec![], entries(log)),
    };
    (m.from.0, m.to.0, kind, nums, es)
}

fn send_oob(s: &mut ExoState, from: HostId, to: HostId, msg: Oob) {
    let m = OobMsg { from, to, msg };
    let key = oob_key(&m);
    let at = s.oob.partition_point(|x| oob_key(x) <= key);
    s.oob.insert(at, Arc::new(m));
}

fn same(a: &Arc<OobMsg>, b: &Arc<OobMsg>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// The reduction: drops the frames and out-of-band messages that can no longer have any effect
/// at their receiver, whenever it is delivered (the rules are in the module documentation).
/// Delivering them would change only the receiver's statistics counters.
fn purge(s: &mut ExoState, mode: Mode) {
    for (q, node) in s.frames.iter_mut().zip(&s.nodes) {
        let node = node.get();
        let (epoch, seq) = (node.host().epoch(), node.host().seq());
        // Within an epoch seq never decreases, except when the naive recovery adopts a log.
        let stale_is_final = mode != Mode::Naive;
        // With epochs, a host changing epochs or asking to join runs again only in a newer epoch.
        let leaving = mode == Mode::Epochs
            && matches!(node.phase_name(), "changing" | "coordinating" | "joining");
        q.retain(|f| {
            let inert = f.epoch < epoch
                || (f.epoch == epoch && ((stale_is_final && f.seq < seq) || leaving));
            !inert
        });
    }
    let nodes = &s.nodes;
    let coordinating = |h: HostId, epoch: u32| {
        let n = nodes[h.index()].get();
        n.phase_name() == "coordinating" && n.promised() == epoch
    };
    s.oob.retain(|m| {
        let to = nodes[m.to.index()].get();
        let inert = match &m.msg {
            Oob::Prepare { epoch, .. } => *epoch <= to.promised() && !coordinating(m.from, *epoch),
            Oob::Promise { epoch, .. } | Oob::Nack { epoch, .. } => !coordinating(m.to, *epoch),
            Oob::Install(load) => load.epoch < to.promised() || !load.members.contains(&m.to),
            Oob::Fetch { epoch, .. } | Oob::Entries { epoch, .. } => *epoch < to.host().epoch(),
            Oob::Join { .. } | Oob::Query | Oob::Answer { .. } => false,
        };
        !inert
    });
}

/// The checks after host `i` took a step (`before` is its node before the step).
fn observe(s: &mut ExoState, i: usize, before: &SharedNode) {
    let host = HostId(i as u8);
    let before = before.get();
    let node = s.nodes[i].get();
    let violation = |property, detail| {
        Some(Violation {
            property,
            host,
            detail,
        })
    };
    let (e0, e1) = (before.host().epoch(), node.host().epoch());
    let (p0, p1) = (before.promised(), node.promised());
    let mut found = None;
    if e1 < e0 {
        found = violation(
            EPOCHS_MONOTONIC,
            format!("installed epoch went from {e0} to {e1}"),
        );
    } else if p1 < p0 {
        found = violation(
            EPOCHS_MONOTONIC,
            format!("promised epoch went from {p0} to {p1}"),
        );
    }
    let agreed = node.host().log().agreed_entries();
    let seen = s.agreed_counts[i];
    if (agreed.len() as u64) < seen {
        found = found.or(violation(
            AGREEMENT,
            format!(
                "agreed prefix shrank from {seen} to {} entries",
                agreed.len()
            ),
        ));
    }
    for (k, e) in agreed.iter().enumerate() {
        match s.agreed.get(k) {
            Some(c) if c != e => {
                let what = if (k as u64) < seen {
                    "changed its agreed entry"
                } else {
                    "agreed"
                };
                found = found.or(violation(
                    AGREEMENT,
                    format!(
                        "position {k}: {what} {} where {} was agreed before",
                        entry_short(e),
                        entry_short(c)
                    ),
                ));
                break;
            }
            Some(_) => {}
            None => Arc::make_mut(&mut s.agreed).push(e.clone()),
        }
    }
    s.agreed_counts[i] = agreed.len() as u64;
    if s.violation.is_none() {
        s.violation = found;
    }
}

impl Model for ExoModel {
    type State = ExoState;
    type Action = Action;

    fn init_states(&self) -> Vec<ExoState> {
        vec![self.initial()]
    }

    fn actions(&self, s: &ExoState, actions: &mut Vec<Action>) {
        if s.violation.is_some() {
            return;
        }
        let may_lose = s.losses < self.bounds.losses;
        for (i, q) in s.frames.iter().enumerate() {
            if !q.is_empty() {
                actions.push(Action::Deliver(HostId(i as u8)));
                if may_lose {
                    actions.push(Action::Lose(HostId(i as u8)));
                }
            }
        }
        for (k, m) in s.oob.iter().enumerate() {
            // Equal messages are adjacent: deliver (or lose) one of each.
            if k > 0 && same(&s.oob[k - 1], m) {
                continue;
            }
            actions.push(Action::DeliverOob(Arc::clone(m)));
            if may_lose {
                actions.push(Action::LoseOob(Arc::clone(m)));
            }
        }
        if s.timeouts < self.bounds.timeouts {
            for (i, node) in s.nodes.iter().enumerate() {
                if node.get().next_deadline().is_some() {
                    actions.push(Action::Timeout(HostId(i as u8)));
                }
            }
        }
    }

    fn next_state(&self, s: &ExoState, action: Action) -> Option<ExoState> {
        self.step(s, &action).map(|(next, _)| next)
    }

    fn within_boundary(&self, s: &ExoState) -> bool {
        let b = &self.bounds;
        s.sent <= b.frames
            && s.losses <= b.losses
            && s.changes <= b.changes
            && s.timeouts <= b.timeouts
    }

    fn properties(&self) -> Vec<Property<Self>> {
        fn holds(s: &ExoState, property: &str) -> bool {
            s.violation.as_ref().is_none_or(|v| v.property != property)
        }
        vec![
            Property::always(AGREEMENT, |_, s| holds(s, AGREEMENT)),
            Property::always(EPOCHS_MONOTONIC, |_, s| holds(s, EPOCHS_MONOTONIC)),
            Property::always(NO_PANIC, |_, s| holds(s, NO_PANIC)),
            Property::sometimes(RECOVERY, |_, s: &ExoState| {
                s.agreed.iter().any(|e| e.epoch > 0)
            }),
            Property::sometimes(ALL_AGREED, |m: &ExoModel, s: &ExoState| {
                (0..m.n).all(|i| s.agreed.iter().any(|e| e.payload == [i as u8]))
            }),
        ]
    }
}

// ---- Reports ---------------------------------------------------------------------------------

/// One host as shown in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostView {
    pub epoch: u32,
    pub promised: u32,
    pub seq: u64,
    pub phase: &'static str,
    pub agreed: Vec<Entry>,
}

fn host_views(s: &ExoState) -> Vec<HostView> {
    s.nodes
        .iter()
        .map(SharedNode::get)
        .map(|n| HostView {
            epoch: n.host().epoch(),
            promised: n.promised(),
            seq: n.host().seq(),
            phase: n.phase_name(),
            agreed: n.host().log().agreed_entries().to_vec(),
        })
        .collect()
}

/// One step of a trace: the action, what happened, and every host after it.
#[derive(Debug, Clone)]
pub struct TraceStep {
    pub action: Option<Action>,
    pub what: String,
    pub now: Nanos,
    pub hosts: Vec<HostView>,
}

/// A path from the initial state, replayed.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The violation the last state records, if any.
    pub violation: Option<Violation>,
    pub steps: Vec<TraceStep>,
}

impl Trace {
    /// The actions in short form, comma-separated.
    pub fn short(&self) -> String {
        self.steps
            .iter()
            .filter_map(|s| s.action.as_ref().map(ToString::to_string))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {k:>3}. [t={} ns] {}", step.now, step.what)?;
            for (i, h) in step.hosts.iter().enumerate() {
                let agreed: Vec<String> = h.agreed.iter().map(entry_short).collect();
                writeln!(
                    f,
                    "         host {i}: epoch {} (promised {}), seq {}, {}, agreed [{}]",
                    h.epoch,
                    h.promised,
                    h.seq,
                    h.phase,
                    agreed.join(" ")
                )?;
            }
        }
        if let Some(v) = &self.violation {
            writeln!(f, "  violation: {v}")?;
        }
        Ok(())
    }
}

/// An entry in short form: `seq:e<epoch>/h<sender>/<payload hex or - for a token message>`.
pub fn entry_short(e: &Entry) -> String {
    let payload = if e.payload.is_empty() {
        "-".to_string()
    } else {
        e.payload.iter().map(|b| format!("{b:02x}")).collect()
    };
    format!("{}:e{}/h{}/{payload}", e.seq, e.epoch, e.sender)
}

fn frame_short(bytes: &[u8]) -> String {
    match Frame::decode(bytes) {
        Ok(f) => {
            let hist: Vec<String> = f.history.iter().map(ToString::to_string).collect();
            let payload = if f.payload.is_empty() {
                "-".to_string()
            } else {
                f.payload.iter().map(|b| format!("{b:02x}")).collect()
            };
            format!(
                "frame from {} e{} seq {} hist [{}] payload {payload}",
                f.sender,
                f.epoch,
                f.seq,
                hist.join(",")
            )
        }
        Err(e) => format!("undecodable frame ({e})"),
    }
}

fn describe(s: &ExoState, a: &Action) -> String {
    let head = |h: &HostId| {
        s.frames
            .get(h.index())
            .and_then(|q| q.front())
            .map_or("nothing".to_string(), |f| frame_short(&f.bytes))
    };
    match a {
        Action::Deliver(h) => format!("host {h} receives {}", head(h)),
        Action::Lose(h) => format!("host {h} loses {}", head(h)),
        Action::DeliverOob(m) => format!(
            "host {} receives from {}: {}",
            m.to,
            m.from,
            oob_short(&m.msg)
        ),
        Action::LoseOob(m) => format!(
            "lost on the way {}->{}: {}",
            m.from,
            m.to,
            oob_short(&m.msg)
        ),
        Action::Timeout(h) => {
            let d = s.nodes.get(h.index()).and_then(|n| n.get().next_deadline());
            format!(
                "host {h}'s timer fires (deadline {})",
                d.map_or("none".into(), |d| d.to_string())
            )
        }
    }
}

/// An out-of-band message in short form (entries as [`entry_short`]).
pub fn oob_short(msg: &Oob) -> String {
    let entries = |v: &[Entry]| v.iter().map(entry_short).collect::<Vec<_>>().join(" ");
    let ids = |v: &[HostId]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    match msg {
        Oob::Prepare { epoch, base } => format!("prepare e{epoch} base {base}"),
        Oob::Promise {
            epoch,
            last_normal,
            agreed,
            tail,
            amnesiac,
        } => format!(
            "promise e{epoch} last-normal {last_normal} agreed {agreed}{} tail [{}]",
            if *amnesiac { " amnesiac" } else { "" },
            entries(tail)
        ),
        Oob::Nack {
            epoch,
            promised,
            live,
        } => match live {
            Some((e, m)) => format!("nack e{epoch} promised {promised} live e{e} [{}]", ids(m)),
            None => format!("nack e{epoch} promised {promised}"),
        },
        Oob::Install(EpochInstall {
            epoch,
            members,
            first,
            keep,
            entries: es,
        }) => format!(
            "install e{epoch} [{}] first {first} keep {keep} entries [{}]",
            ids(members),
            entries(es)
        ),
        Oob::Fetch { epoch, from } => format!("fetch e{epoch} from {from}"),
        Oob::Entries { epoch, entries: es } => format!("entries e{epoch} [{}]", entries(es)),
        Oob::Join { promised } => format!("join promised {promised}"),
        Oob::Query => "query".into(),
        Oob::Answer { log } => format!("answer [{}]", entries(log)),
    }
}

/// The outputs that matter for reading a trace, in short form.
fn summarize(outputs: &[Output]) -> String {
    let parts: Vec<String> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Accepted { seq, .. } => Some(format!("accepts {seq}")),
            Output::Rejected { reason, .. } => Some(format!("rejects ({})", reason.name())),
            Output::Agreed { seq } => Some(format!("agrees {seq}")),
            Output::Transmit(t) => Some(format!("sends seq {} ({:?})", t.seq, t.cause)),
            Output::Anomaly { kind, .. } => Some(format!("anomaly {}", kind.name())),
            Output::Oob { to, msg } => Some(format!(
                "oob {} to {}",
                msg.name(),
                match to {
                    Dest::All => "all".to_string(),
                    Dest::To(h) => h.to_string(),
                }
            )),
            Output::ChangeStarted { epoch } => Some(format!("starts epoch change {epoch}")),
            Output::Installed { epoch, members } => {
                let m: Vec<String> = members.iter().map(ToString::to_string).collect();
                Some(format!("installs epoch {epoch} [{}]", m.join(",")))
            }
            Output::Repaired => Some("repaired".into()),
            Output::Recovered { .. } => None,
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" -> {}", parts.join(", "))
    }
}

/// How a property came out.
#[derive(Debug, Clone)]
pub struct PropertyOutcome {
    pub name: &'static str,
    pub expectation: Expectation,
    /// The path to a counterexample (`always`) or an example (`sometimes`), if one was found.
    pub discovery: Option<Vec<Action>>,
    /// Random walks only: in how many walks a `sometimes` property held at some step.
    pub walks_hit: Option<u64>,
}

impl PropertyOutcome {
    pub fn kind(&self) -> &'static str {
        match self.expectation {
            Expectation::Always => "always",
            Expectation::Sometimes => "sometimes",
            Expectation::Eventually => "eventually",
        }
    }

    pub fn is_failure(&self) -> bool {
        self.discovery.is_some() && self.expectation.discovery_is_failure()
    }

    pub fn verdict(&self) -> String {
        match (&self.expectation, &self.discovery) {
            (Expectation::Sometimes, Some(p)) => match self.walks_hit {
                Some(hits) => format!("example found ({} steps; in {hits} walks)", p.len()),
                None => format!("example found ({} steps)", p.len()),
            },
            (Expectation::Sometimes, None) => "no example found".into(),
            (_, Some(p)) => format!("VIOLATED ({} steps)", p.len()),
            (_, None) => "holds".into(),
        }
    }
}

/// How the space was searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    Exhaustive { order: Order, threads: usize },
    RandomWalks { walks: u64, depth: usize, seed: u64 },
}

/// The outcome of a check.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub nodes: usize,
    pub mode: Mode,
    pub bounds: Bounds,
    pub search: Search,
    /// Every state within the bounds was checked.
    pub exhaustive: bool,
    /// The exhaustive search stopped because its time budget ran out.
    pub out_of_time: bool,
    pub unique_states: usize,
    /// States generated, repeats included.
    pub total_states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    pub properties: Vec<PropertyOutcome>,
    /// The first safety violation found, replayed.
    pub counterexample: Option<Trace>,
}

impl CheckReport {
    pub fn safety_violated(&self) -> bool {
        self.properties.iter().any(PropertyOutcome::is_failure)
    }

    pub fn outcome(&self, name: &str) -> Option<&PropertyOutcome> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// True if a `sometimes` property found its example.
    pub fn found(&self, name: &str) -> bool {
        self.outcome(name).is_some_and(|p| p.discovery.is_some())
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "model: {} hosts, mode {:?}, real exo_proto::model::Node",
            self.nodes, self.mode
        )?;
        writeln!(f, "bounds: {}", self.bounds)?;
        match &self.search {
            Search::Exhaustive { order, threads } => writeln!(
                f,
                "search: {}, {threads} threads",
                match order {
                    Order::BreadthFirst => "exhaustive, breadth-first",
                    Order::DepthFirst => "exhaustive, depth-first",
                }
            )?,
            Search::RandomWalks { walks, depth, seed } => writeln!(
                f,
                "search: {walks} random walks of depth <= {depth}, seed {seed}"
            )?,
        }
        writeln!(
            f,
            "states: {} unique, {} total, max depth {}, in {:.2} s",
            self.unique_states,
            self.total_states,
            self.max_depth,
            self.elapsed.as_secs_f64()
        )?;
        let scope = match (&self.search, self.exhaustive) {
            (_, true) => "yes: every state within the bounds was checked",
            (Search::Exhaustive { .. }, false) if self.out_of_time => "no: the time budget ran out",
            (Search::Exhaustive { .. }, false) => "no: stopped at the first violation",
            (Search::RandomWalks { .. }, false) => "no: random walks sample the space",
        };
        writeln!(f, "exhaustive: {scope}")?;
        writeln!(f, "properties:")?;
        for p in &self.properties {
            writeln!(f, "  {:<9} {:<44} {}", p.kind(), p.name, p.verdict())?;
        }
        if let Some(trace) = &self.counterexample {
            writeln!(
                f,
                "counterexample ({} steps): {}",
                trace.steps.len() - 1,
                trace.short()
            )?;
            write!(f, "{trace}")?;
        }
        let verdict = if self.safety_violated() {
            "FAIL: a safety property is violated"
        } else if self.exhaustive {
            "PASS: no violation within the bounds"
        } else {
            "PASS: no violation found"
        };
        writeln!(f, "verdict: {verdict}")
    }
}

/// The checker's threads keep overwriting a `sometimes` property's example with later ones:
/// cut the path at the first state where the property holds (an `always` property's path
/// already ends at the violation, since a violating state has no successors).
fn shortest_prefix(model: &ExoModel, p: &Property<ExoModel>, path: Vec<Action>) -> Vec<Action> {
    if p.expectation != Expectation::Sometimes {
        return path;
    }
    let mut state = model.initial();
    for (k, a) in path.iter().enumerate() {
        if (p.condition)(model, &state) {
            return path[..k].to_vec();
        }
        match model.next_state(&state, a.clone()) {
            Some(next) => state = next,
            None => break,
        }
    }
    path
}

fn first_failure(model: &ExoModel, properties: &[PropertyOutcome]) -> Option<Trace> {
    properties
        .iter()
        .find(|p| p.is_failure())
        .and_then(|p| p.discovery.as_ref())
        .map(|path| model.trace(path))
}

/// Shortens a counterexample: drops actions, one or two at a time, as long as the rest still
/// replays to a violation of the same property (depth-first search finds long ones).
fn shrink(model: &ExoModel, property: &str, mut path: Vec<Action>) -> Vec<Action> {
    let violates = |candidate: &[Action]| -> Option<usize> {
        let mut state = model.initial();
        for (k, a) in candidate.iter().enumerate() {
            state = model.next_state(&state, a.clone())?;
            if let Some(v) = &state.violation {
                return (v.property == property).then_some(k + 1);
            }
        }
        None
    };
    let Some(len) = violates(&path) else {
        return path;
    };
    path.truncate(len);
    // Drop one action, else two (an action and its consequence often go together), until
    // neither shortens the path.
    'shorter: loop {
        let n = path.len();
        let pairs = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j)));
        for (i, j) in (0..n).map(|i| (i, i)).chain(pairs) {
            let candidate: Vec<Action> = path
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != i && k != j)
                .map(|(_, a)| a.clone())
                .collect();
            if let Some(len) = violates(&candidate) {
                path = candidate;
                path.truncate(len);
                continue 'shorter;
            }
        }
        return path;
    }
}

/// Breadth-first search of every state within the bounds; stops at the first violation of an
/// `always` property.
pub fn check_exhaustive(model: &ExoModel, threads: usize) -> CheckReport {
    check_exhaustive_in(model, threads, Order::BreadthFirst, None)
}

/// Which order [`check_exhaustive_in`] visits the states in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Level by level: the first counterexample found is (nearly) a shortest one, but the
    /// frontier of a level is kept in memory (a few KB per state).
    BreadthFirst,
    /// Path by path: little memory, and it finds a counterexample deep in the space quickly;
    /// the counterexample is then shrunk by dropping the actions it does not need.
    DepthFirst,
}

/// Search of every state within the bounds, in the given order; stops at the first violation
/// of an `always` property, or when the time budget (if any) runs out.
pub fn check_exhaustive_in(
    model: &ExoModel,
    threads: usize,
    order: Order,
    budget: Option<Duration>,
) -> CheckReport {
    let start = Instant::now();
    let mut builder = model
        .clone()
        .checker()
        .threads(threads.max(1))
        .finish_when(HasDiscoveries::AnyFailures);
    if let Some(budget) = budget {
        builder = builder.timeout(budget);
    }
    let (unique_states, total_states, max_depth, mut discoveries) = match order {
        Order::BreadthFirst => {
            let c = builder.spawn_bfs().join();
            let d = c.discoveries();
            (c.unique_state_count(), c.state_count(), c.max_depth(), d)
        }
        Order::DepthFirst => {
            let c = builder.spawn_dfs().join();
            let d = c.discoveries();
            (c.unique_state_count(), c.state_count(), c.max_depth(), d)
        }
    };
    let elapsed = start.elapsed();
    let out_of_time = budget.is_some_and(|b| elapsed >= b);
    let properties: Vec<PropertyOutcome> = model
        .properties()
        .into_iter()
        .map(|p| {
            let discovery = discoveries.remove(p.name).map(|path| {
                let path = path.into_actions();
                if p.expectation.discovery_is_failure() {
                    shrink(model, p.name, path)
                } else {
                    shortest_prefix(model, &p, path)
                }
            });
            PropertyOutcome {
                name: p.name,
                discovery,
                expectation: p.expectation,
                walks_hit: None,
            }
        })
        .collect();
    let counterexample = first_failure(model, &properties);
    CheckReport {
        nodes: model.n,
        mode: model.mode,
        bounds: model.bounds,
        search: Search::Exhaustive {
            order,
            threads: threads.max(1),
        },
        exhaustive: counterexample.is_none() && !out_of_time,
        out_of_time,
        unique_states,
        total_states,
        max_depth,
        elapsed,
        properties,
        counterexample,
    }
}

/// `walks` seeded random walks of at most `depth` steps over the same model, checking every
/// state on the way; stops at the first violation of an `always` property.
pub fn check_random(model: &ExoModel, walks: u64, depth: usize, seed: u64) -> CheckReport {
    let start = Instant::now();
    let props = model.properties();
    let mut discoveries: Vec<Option<Vec<Action>>> = vec![None; props.len()];
    let mut hits = vec![0u64; props.len()];
    let mut seen = HashSet::new();
    let mut total = 0usize;
    let mut max_depth = 0usize;
    let mut master = Rng::new(seed);
    'walks: for _ in 0..walks {
        let mut rng = master.fork();
        let mut state = model.initial();
        let mut path: Vec<Action> = Vec::new();
        let mut hit = vec![false; props.len()];
        loop {
            total += 1;
            seen.insert(hash_of(&state));
            max_depth = max_depth.max(path.len());
            for (k, p) in props.iter().enumerate() {
                if hit[k] {
                    continue;
                }
                let holds = (p.condition)(model, &state);
                let discovered = match p.expectation {
                    Expectation::Sometimes => holds,
                    _ => !holds,
                };
                if discovered {
                    hit[k] = true;
                    hits[k] += 1;
                    discoveries[k].get_or_insert_with(|| path.clone());
                    if p.expectation.discovery_is_failure() {
                        break 'walks;
                    }
                }
            }
            if path.len() >= depth {
                break;
            }
            let mut next = model.successors(&state);
            if next.is_empty() {
                break;
            }
            let pick = rng.range(0, next.len() as u64 - 1) as usize;
            let (action, s) = next.swap_remove(pick);
            path.push(action);
            state = s;
        }
    }
    let properties: Vec<PropertyOutcome> = props
        .iter()
        .zip(discoveries.into_iter().zip(hits))
        .map(|(p, (discovery, hits))| PropertyOutcome {
            name: p.name,
            expectation: p.expectation.clone(),
            discovery,
            walks_hit: (p.expectation == Expectation::Sometimes).then_some(hits),
        })
        .collect();
    let counterexample = first_failure(model, &properties);
    CheckReport {
        nodes: model.n,
        mode: model.mode,
        bounds: model.bounds,
        search: Search::RandomWalks { walks, depth, seed },
        exhaustive: false,
        out_of_time: false,
        unique_states: seen.len(),
        total_states: total,
        max_depth,
        elapsed: start.elapsed(),
        properties,
        counterexample,
    }
}
