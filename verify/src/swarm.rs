//! Randomized fault plans, one per seed, in the style of swarm testing: each seed enables a
//! random subset of fault kinds (loss, corruption, partitions, one-way cuts, crashes with or
//! without restart, scripted drops) and schedules a few episodes of them during a fault period.
//! Then every fault is lifted and the run goes on for a quiet period, during which the progress
//! checker holds the connected majority to the stated bound.
//!
//! Everything follows from the seed: `plan(seed, n)` is the same plan every time.

use crate::faults::{LinkDir, NetFault};
use crate::net::{Picos, PS_PER_NS};
use crate::rack::{Action, Mode, Rack, RackConfig};
use crate::report::{Report, RunEnd};
use crate::rng::Rng;
use crate::workload::payload_of;
use exo_proto::model::Rules;
use exo_proto::HostId;

/// Length of the fault period.
pub const FAULT_PERIOD: Picos = 1_000_000 * PS_PER_NS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Loss,
    Corruption,
    Partition,
    Cut,
    Crash,
    Drop,
}

const KINDS: [FaultKind; 6] = [
    FaultKind::Loss,
    FaultKind::Corruption,
    FaultKind::Partition,
    FaultKind::Cut,
    FaultKind::Crash,
    FaultKind::Drop,
];

/// A seed's fault plan: what happens when.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kinds: Vec<FaultKind>,
    pub actions: Vec<(Picos, Action)>,
}

fn random_hosts(rng: &mut Rng, n: usize, at_least: usize) -> Vec<HostId> {
    let mut all: Vec<HostId> = (0..n).map(|i| HostId(i as u8)).collect();
    rng.shuffle(&mut all);
    let k = rng
        .range(at_least.min(n) as u64, n.max(1) as u64 - 1)
        .max(1) as usize;
    all.truncate(k);
    all
}

fn random_dir(rng: &mut Rng) -> LinkDir {
    *rng.pick(&[LinkDir::Up, LinkDir::Down, LinkDir::Both])
        .unwrap_or(&LinkDir::Both)
}

/// How long a plan's fault period and its episodes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub period: Picos,
    /// Shortest and longest episode, ns.
    pub episode_ns: (u64, u64),
}

/// The golden-model sweep's shape: a 1 ms fault period, episodes of 10 to 300 µs.
pub const SHAPE: Shape = Shape {
    period: FAULT_PERIOD,
    episode_ns: (10_000, 300_000),
};

/// The fault plan of `seed` for `n` hosts.
pub fn plan(seed: u64, n: usize) -> Plan {
    plan_with(seed, n, SHAPE)
}

/// The fault plan of `seed` for `n` hosts, in a fault period of `shape` (the co-simulation
/// runs shorter ones: it simulates every clock cycle).
pub fn plan_with(seed: u64, n: usize, shape: Shape) -> Plan {
    let mut rng = Rng::new(seed ^ 0x5EED_F417);
    let mut kinds: Vec<FaultKind> = KINDS.iter().copied().filter(|_| rng.chance(0.5)).collect();
    if kinds.is_empty() {
        kinds.push(*rng.pick(&KINDS).unwrap_or(&FaultKind::Loss));
    }
    let mut actions = Vec::new();
    for _ in 0..rng.range(1, 6) {
        let kind = *rng.pick(&kinds).unwrap_or(&FaultKind::Loss);
        let start = rng.range(0, shape.period - 1);
        let (shortest, longest) = shape.episode_ns;
        let end = (start + rng.range(shortest, longest) * PS_PER_NS).min(shape.period);
        episode(&mut rng, n, kind, start, end, &mut actions);
    }
    // The fault period ends: every link clean, every partition healed.
    actions.push((shape.period, Action::Net(NetFault::Heal)));
    actions.push((shape.period, Action::Net(NetFault::CleanLinks)));
    Plan { kinds, actions }
}

fn episode(
    rng: &mut Rng,
    n: usize,
    kind: FaultKind,
    start: Picos,
    end: Picos,
    out: &mut Vec<(Picos, Action)>,
) {
    let host = HostId(rng.range(0, n as u64 - 1) as u8);
    let one_or_all = if rng.chance(0.7) { Some(host) } else { None };
    match kind {
        FaultKind::Loss | FaultKind::Corruption => {
            let dir = random_dir(rng);
            let p = *rng.pick(&[0.001, 0.01, 0.1, 0.5, 1.0]).unwrap_or(&0.1);
            let make = |p| {
                Action::Net(if kind == FaultKind::Loss {
                    NetFault::Loss {
                        host: one_or_all,
                        dir,
                        p,
                    }
                } else {
                    NetFault::Corrupt {
                        host: one_or_all,
                        dir,
                        p,
                    }
                })
            };
            out.push((start, make(p)));
            out.push((end, make(0.0)));
        }
        FaultKind::Partition => {
            let mut all: Vec<HostId> = (0..n).map(|i| HostId(i as u8)).collect();
            rng.shuffle(&mut all);
            let parts = rng.range(2, 3) as usize;
            let mut groups = vec![Vec::new(); parts];
            for (i, h) in all.into_iter().enumerate() {
                let g = if i < parts {
                    i
                } else {
                    rng.range(0, parts as u64 - 1) as usize
                };
                groups[g].push(h);
            }
            out.push((start, Action::Net(NetFault::Partition(groups))));
            out.push((end, Action::Net(NetFault::Heal)));
        }
        FaultKind::Cut => {
            let from = random_hosts(rng, n, 1);
            let to = random_hosts(rng, n, 1);
            out.push((start, Action::Net(NetFault::Cut { from, to })));
            out.push((end, Action::Net(NetFault::Heal)));
        }
        FaultKind::Crash => {
            out.push((start, Action::Crash(host)));
            if rng.chance(0.7) {
                out.push((end, Action::Restart(host)));
            }
        }
        FaultKind::Drop => {
            let count = rng.range(1, 3) as u32;
            out.push((start, Action::Net(NetFault::DropNext { host, count })));
        }
    }
}

/// One seed's run: the configuration, the plan and the figures.
pub struct SeedRun {
    pub seed: u64,
    pub plan: Plan,
    pub report: Report,
    pub rack: Rack,
}

/// Runs `seed` with `n` hosts and the given accept rules: a workload of messages of random
/// sizes, the seed's fault plan, then a quiet period of three progress bounds.
pub fn run_seed(seed: u64, n: usize, mode: Mode, rules: Rules) -> Result<SeedRun, String> {
    let mut cfg = RackConfig::new(n, seed);
    cfg.mode = mode;
    cfg.rules = rules;
    let mut rack = Rack::new(cfg)?;
    let plan = plan(seed, n);
    if mode == Mode::Epochs {
        // Recovery must bring the hosts back: liveness is required once the faults stop.
        rack.enforce_progress_from(FAULT_PERIOD);
    }
    for (at, action) in &plan.actions {
        rack.schedule(*at, action.clone());
    }
    let mut rng = Rng::new(seed ^ 0x10AD);
    let max = rack.config().cluster.max_payload().min(200);
    for k in 0..(40 * n) as u64 {
        let len = rng.range(0, max as u64) as usize;
        rack.submit(HostId((k % n as u64) as u8), payload_of(k, len));
    }
    let end = FAULT_PERIOD + 3 * rack.progress().bound();
    rack.run_until(end);
    rack.finish();
    let report = Report::new(&rack, max, RunEnd::TimeLimit);
    Ok(SeedRun {
        seed,
        plan,
        report,
        rack,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_plan() {
        let a = plan(77, 5);
        let b = plan(77, 5);
        assert_eq!(a.kinds, b.kinds);
        assert_eq!(a.actions, b.actions);
        assert!(a.actions.iter().all(|(t, _)| *t <= FAULT_PERIOD));
    }
}
