//! Progress checker, separate from the model.
//!
//! Property: while a majority of hosts is live, not halted and fully connected over clean
//! links (the "connected majority"), every host in it agrees new entries at least once per
//! `bound` of simulated time. The bound is stated by the protocol (see `docs/protocol.md`):
//! with the slides' token claims, the first acceptable claim comes at most one trip around the
//! ring of timeouts after the token stops, so `bound = (members + 2) × token_timeout + 4 hops`.

use crate::net::{Picos, PS_PER_NS};
use exo_proto::HostId;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProgressViolation {
    pub time_ns: u64,
    pub host: HostId,
    pub stalled_for_ns: u64,
}

#[derive(Debug, Clone)]
pub struct ProgressChecker {
    bound: Picos,
    /// Since when each host has been in the connected majority (None: not in it).
    member_since: Vec<Option<Picos>>,
    last_progress: Vec<Picos>,
    /// Nothing is required before this time (the end of a fault period).
    enforce_from: Picos,
    violations: Vec<ProgressViolation>,
}

impl ProgressChecker {
    pub fn new(n: usize, bound: Picos) -> ProgressChecker {
        ProgressChecker {
            bound,
            member_since: vec![None; n],
            last_progress: vec![0; n],
            enforce_from: 0,
            violations: Vec::new(),
        }
    }

    pub fn bound(&self) -> Picos {
        self.bound
    }

    /// Requires progress only from `t` on: the liveness phase after a fault period.
    pub fn enforce_from(&mut self, t: Picos) {
        self.enforce_from = t;
    }

    pub fn violations(&self) -> &[ProgressViolation] {
        &self.violations
    }

    /// `host` agreed a new entry at `now`.
    pub fn progressed(&mut self, now: Picos, host: HostId) {
        self.last_progress[host.index()] = now;
    }

    /// The connected majority changed (or is first known): `members[i]` says whether host i
    /// is in it.
    pub fn set_majority(&mut self, now: Picos, members: &[bool]) {
        for (since, &member) in self.member_since.iter_mut().zip(members) {
            *since = match (*since, member) {
                (Some(s), true) => Some(s),
                (None, true) => Some(now),
                (_, false) => None,
            };
        }
    }

    /// Checks every member of the connected majority at `now`.
    pub fn check(&mut self, now: Picos) {
        for i in 0..self.member_since.len() {
            let Some(since) = self.member_since[i] else {
                continue;
            };
            let from = since.max(self.last_progress[i]).max(self.enforce_from);
            if now.saturating_sub(from) > self.bound {
                self.violations.push(ProgressViolation {
                    time_ns: now / PS_PER_NS,
                    host: HostId(i as u8),
                    stalled_for_ns: (now - from) / PS_PER_NS,
                });
                // Report each stall once, then measure the next bound from here.
                self.last_progress[i] = now;
            }
        }
    }
}

/// The largest set of eligible hosts that reach each other both ways over clean links, if at
/// least `quorum` of them hold their state. `eligible[i]`: host i is live and its links are
/// clean (and, without recovery, it is running); `holds_state[i]`: it has not lost its log in
/// a crash (or has been reloaded since); `reaches(a, b)`: frames from a reach b.
pub fn connected_majority(
    eligible: &[bool],
    holds_state: &[bool],
    reaches: impl Fn(usize, usize) -> bool,
    quorum: usize,
) -> Vec<bool> {
    let n = eligible.len();
    let mut best: Vec<usize> = Vec::new();
    for seed in (0..n).filter(|&i| eligible[i]) {
        let group: Vec<usize> = (0..n)
            .filter(|&j| eligible[j] && reaches(seed, j) && reaches(j, seed))
            .collect();
        let clique = group.iter().all(|&a| group.iter().all(|&b| reaches(a, b)));
        if clique && group.len() > best.len() {
            best = group;
        }
    }
    let mut members = vec![false; n];
    if best.iter().filter(|&&i| holds_state[i]).count() >= quorum {
        for i in best {
            members[i] = true;
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_a_member_that_stops_agreeing() {
        let mut p = ProgressChecker::new(3, 100);
        p.set_majority(0, &[true, true, false]);
        p.progressed(50, HostId(0));
        p.progressed(120, HostId(1));
        p.check(140);
        assert!(p.violations().is_empty());
        p.check(151);
        assert_eq!(p.violations().len(), 1);
        assert_eq!(p.violations()[0].host, HostId(0));
    }

    #[test]
    fn majority_requires_a_clique_of_quorum_size() {
        let all = [true; 5];
        let groups = |a: usize, b: usize| (a < 3) == (b < 3);
        assert_eq!(
            connected_majority(&all, &all, groups, 3),
            vec![true, true, true, false, false]
        );
        let split = |a: usize, b: usize| (a < 2) == (b < 2);
        assert_eq!(
            connected_majority(&all, &all, split, 3),
            vec![false, false, true, true, true]
        );
        let mut some = all;
        some[4] = false;
        some[3] = false;
        assert_eq!(connected_majority(&some, &all, split, 3), vec![false; 5]);
        let mut amnesiac = all;
        amnesiac[2] = false;
        assert_eq!(
            connected_majority(&all, &amnesiac, split, 3),
            vec![false; 5],
            "two of the three connected hosts lost their state"
        );
    }
}
