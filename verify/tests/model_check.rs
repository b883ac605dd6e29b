//! Model checking of the real host model (`exo_proto::model::Node`) with stateright: see
//! `exo_verify::model_check` for the model, its bounds and its properties.
//!
//! - Exo's epochs, 3 hosts: every state within the bounds, no violation, recovery reachable.
//! - The naive recovery, 3 hosts: a safety counterexample (depth-first, then shrunk), replayed
//!   here on fresh nodes by a driver independent of the model to show that two hosts really
//!   agree different entries.
//! - Exo's epochs, 5 hosts: seeded random walks over the same model, no violation.
//! - The model's reduction (dropping inert frames and messages) leaves the hosts' reachable
//!   behaviour unchanged: same set of host views with and without it, at small bounds.

use exo_proto::model::{Dest, Entry, Node, Oob, Output};
use exo_proto::{HostId, Nanos};
use exo_verify::model_check::{
    self, entry_short, Action, Bounds, ExoModel, ExoState, Order, AGREEMENT, ALL_AGREED, RECOVERY,
};
use exo_verify::rack::{Mode, RackConfig};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

#[test]
fn epochs_three_hosts_exhaustive_no_violation() {
    let bounds = Bounds::exhaustive(3, Mode::Epochs);
    let model = ExoModel::new(3, Mode::Epochs, bounds).expect("model");
    let report = model_check::check_exhaustive(&model, 2);
    println!("{report}");
    assert!(
        report.exhaustive,
        "the search did not cover the bounded space"
    );
    assert!(
        !report.safety_violated(),
        "Exo's epochs violate a safety property:\n{report}"
    );
    assert!(
        report.unique_states > 200_000,
        "suspiciously few states: {}",
        report.unique_states
    );
    assert!(
        report.found(RECOVERY),
        "no epoch change completed within the bounds: the check would be vacuous"
    );
    assert!(report.found(ALL_AGREED));
}

#[test]
fn naive_three_hosts_counterexample() {
    let bounds = Bounds::exhaustive(3, Mode::Naive);
    let model = ExoModel::new(3, Mode::Naive, bounds).expect("model");
    // Depth-first: it reaches the counterexample in a fraction of a second and a few MB, where
    // breadth-first keeps millions of states in memory before the 11th level (`exo check
    // --mode naive` shows that shortest trace); the path found is then shrunk.
    let report = model_check::check_exhaustive_in(&model, 1, Order::DepthFirst, None);
    println!("{report}");
    assert!(report.safety_violated());
    let path = report
        .outcome(AGREEMENT)
        .and_then(|p| p.discovery.clone())
        .expect("the naive recovery must violate agreement");
    let trace = report.counterexample.as_ref().expect("a replayed trace");
    assert_eq!(
        trace.violation.as_ref().map(|v| v.property),
        Some(AGREEMENT)
    );
    let (pos, a, ea, b, eb) = replay_conflict(3, Mode::Naive, &path)
        .expect("replaying the counterexample on fresh nodes shows no conflicting agreement");
    println!(
        "replayed {} actions: at position {pos} host {a} agreed {} and host {b} agreed {}",
        path.len(),
        entry_short(&ea),
        entry_short(&eb)
    );
    assert_ne!(a, b);
    assert_ne!(ea, eb);
}

#[test]
fn epochs_five_hosts_random_walks_no_violation() {
    let seed = std::env::var("EXO_CHECK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00e0_c0de_0005);
    println!("seed: {seed} (set EXO_CHECK_SEED to change it)");
    let model = ExoModel::new(5, Mode::Epochs, Bounds::random(5)).expect("model");
    let report = model_check::check_random(&model, 1_000, 400, seed);
    println!("{report}");
    assert!(
        !report.safety_violated(),
        "seed {seed}: Exo's epochs violate a safety property:\n{report}"
    );
    assert!(
        report.found(ALL_AGREED),
        "seed {seed}: the walks never agreed every payload"
    );
    assert!(
        report.found(RECOVERY),
        "seed {seed}: no walk completed an epoch change"
    );
}

#[test]
fn reduction_keeps_every_host_behaviour() {
    let bounds = Bounds {
        frames: 4,
        losses: 0,
        changes: 1,
        timeouts: 2,
    };
    let reduced = ExoModel::new(3, Mode::Epochs, bounds).expect("model");
    assert!(reduced.reduction());
    let full = reduced.clone().with_reduction(false);
    let (states_reduced, views_reduced) = host_views(&reduced);
    let (states_full, views_full) = host_views(&full);
    println!(
        "{bounds}: {states_full} states without the reduction, {states_reduced} with it; \
         {} distinct host views",
        views_full.len()
    );
    assert!(states_reduced < states_full);
    assert_eq!(
        views_reduced, views_full,
        "the reduction changed what the hosts can reach"
    );
}

/// Every state within the bounds, breadth-first; returns the number of states and the set of
/// what the hosts show in them (clock, and per host: epoch, promised epoch, seq, phase, log,
/// agreed count), as fingerprints.
fn host_views(model: &ExoModel) -> (usize, HashSet<u64>) {
    let fingerprint = |v: &dyn Fn(&mut DefaultHasher)| {
        let mut h = DefaultHasher::new();
        v(&mut h);
        h.finish()
    };
    let view = |s: &ExoState| {
        fingerprint(&|h| {
            s.now.hash(h);
            for n in &s.nodes {
                let n = n.get();
                let host = n.host();
                (host.epoch(), n.promised(), host.seq(), n.phase_name()).hash(h);
                (host.log().entries(), host.log().agreed()).hash(h);
            }
        })
    };
    let mut seen = HashSet::new();
    let mut views = HashSet::new();
    let mut queue = VecDeque::from([model.initial()]);
    while let Some(s) = queue.pop_front() {
        views.insert(view(&s));
        for (_, next) in model.successors(&s) {
            if seen.insert(fingerprint(&|h| next.hash(h))) {
                queue.push_back(next);
            }
        }
    }
    (seen.len(), views)
}

/// Replays `actions` on fresh nodes, built as the rack builds them, with a driver of its own
/// (FIFO frame queues, out-of-band messages in flight, one clock moved by timeouts). Returns a
/// position at which two different hosts agreed different entries at some point of the run.
fn replay_conflict(
    n: usize,
    mode: Mode,
    actions: &[Action],
) -> Option<(u64, HostId, Entry, HostId, Entry)> {
    let mut rack = RackConfig::new(n, 0);
    rack.mode = mode;
    let mut nodes: Vec<Node> = (0..n)
        .map(|i| {
            let id = HostId(i as u8);
            let mut node = Node::new(rack.host_config(id), rack.recovery_config(), 0).unwrap();
            node.post(&[id.0]).unwrap();
            node
        })
        .collect();
    let mut frames: Vec<VecDeque<Vec<u8>>> = vec![VecDeque::new(); n];
    let mut oob: Vec<(HostId, HostId, Oob)> = Vec::new();
    let mut now: Nanos = 0;
    // Every entry each host ever agreed at each position.
    let mut agreed: BTreeMap<u64, Vec<(HostId, Entry)>> = BTreeMap::new();
    // The model starts once the timers due at time 0 fired (the first holder's turn).
    let boot = (0..n)
        .filter(|&i| nodes[i].next_deadline() == Some(0))
        .map(|i| Action::Timeout(HostId(i as u8)));
    let boot: Vec<Action> = boot.collect();
    // (The model also drops frames and messages that became inert; with the naive recovery
    // none does, so the queues here hold exactly what the model's do.)
    for action in boot.iter().chain(actions) {
        let (i, outputs) = match action {
            Action::Deliver(h) => {
                let f = frames[h.index()].pop_front().expect("a frame to deliver");
                (h.index(), nodes[h.index()].handle_frame(now, &f))
            }
            Action::Lose(h) => {
                frames[h.index()].pop_front().expect("a frame to lose");
                continue;
            }
            Action::DeliverOob(m) => {
                let k = oob
                    .iter()
                    .position(|(f, t, msg)| *f == m.from && *t == m.to && *msg == m.msg)
                    .expect("the message is in flight");
                let (from, to, msg) = oob.remove(k);
                (to.index(), nodes[to.index()].handle_oob(now, from, msg))
            }
            Action::LoseOob(m) => {
                let k = oob
                    .iter()
                    .position(|(f, t, msg)| *f == m.from && *t == m.to && *msg == m.msg)
                    .expect("the message is in flight");
                oob.remove(k);
                continue;
            }
            Action::Timeout(h) => {
                let deadline = nodes[h.index()].next_deadline().expect("a deadline");
                now = now.max(deadline);
                (h.index(), nodes[h.index()].handle_timeout(now))
            }
        };
        for out in outputs {
            match out {
                Output::Transmit(t) => frames.iter_mut().for_each(|q| q.push_back(t.frame.clone())),
                Output::Oob { to: Dest::All, msg } => {
                    for j in (0..n).filter(|&j| j != i) {
                        oob.push((HostId(i as u8), HostId(j as u8), msg.clone()));
                    }
                }
                Output::Oob {
                    to: Dest::To(j),
                    msg,
                } => oob.push((HostId(i as u8), j, msg)),
                _ => {}
            }
        }
        let host = HostId(i as u8);
        for e in nodes[i].host().log().agreed_entries() {
            let at = agreed.entry(e.seq).or_default();
            if !at.contains(&(host, e.clone())) {
                at.push((host, e.clone()));
            }
        }
    }
    agreed.into_iter().find_map(|(pos, seen)| {
        seen.iter().find_map(|(a, ea)| {
            seen.iter()
                .find(|(b, eb)| b != a && eb != ea)
                .map(|(b, eb)| (pos, *a, ea.clone(), *b, eb.clone()))
        })
    })
}
