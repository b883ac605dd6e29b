//! The network's fault state: who can reach whom, lossy and corrupting links, scripted drops.
//!
//! Partitions act at the fabric's broadcast point: a frame from `src` reaches `dst` only while
//! `reaches(src, dst)`. Loss and corruption act per link (a host's uplink to the fabric, the
//! fabric's downlink to a host). Corrupted frames are delivered with flipped bits and are
//! dropped by the receiver's FCS check, as a MAC would drop them.

use exo_proto::HostId;

/// One change to the fault state (host crashes and restarts are the rack's business).
#[derive(Debug, Clone, PartialEq)]
pub enum NetFault {
    /// Hosts in different groups cannot reach each other; hosts in no group are isolated.
    Partition(Vec<Vec<HostId>>),
    /// Frames from any of `from` no longer reach any of `to` (one way: an asymmetric cut).
    Cut { from: Vec<HostId>, to: Vec<HostId> },
    /// Everyone reaches everyone again.
    Heal,
    /// Set loss probability on a host's links (`None`: every host).
    Loss {
        host: Option<HostId>,
        dir: LinkDir,
        p: f64,
    },
    /// Set corruption probability on a host's links (`None`: every host).
    Corrupt {
        host: Option<HostId>,
        dir: LinkDir,
        p: f64,
    },
    /// Drop the next `count` frames that would be delivered to `host`.
    DropNext { host: HostId, count: u32 },
    /// No loss and no corruption anywhere (partitions stay as they are).
    CleanLinks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDir {
    /// Host to fabric: a loss there means nobody receives the frame.
    Up,
    /// Fabric to host.
    Down,
    Both,
}

#[derive(Debug, Clone)]
pub struct FaultState {
    reach: Vec<Vec<bool>>,
    pub uplink_loss: Vec<f64>,
    pub downlink_loss: Vec<f64>,
    pub uplink_corrupt: Vec<f64>,
    pub downlink_corrupt: Vec<f64>,
    pub drop_next: Vec<u32>,
}

impl FaultState {
    pub fn new(n: usize) -> FaultState {
        FaultState {
            reach: vec![vec![true; n]; n],
            uplink_loss: vec![0.0; n],
            downlink_loss: vec![0.0; n],
            uplink_corrupt: vec![0.0; n],
            downlink_corrupt: vec![0.0; n],
            drop_next: vec![0; n],
        }
    }

    pub fn reaches(&self, src: HostId, dst: HostId) -> bool {
        self.reach[src.index()][dst.index()]
    }

    /// True if `host`'s links neither lose nor corrupt frames.
    pub fn clean(&self, host: usize) -> bool {
        self.uplink_loss[host] == 0.0
            && self.downlink_loss[host] == 0.0
            && self.uplink_corrupt[host] == 0.0
            && self.downlink_corrupt[host] == 0.0
            && self.drop_next[host] == 0
    }

    pub fn apply(&mut self, fault: &NetFault) {
        let n = self.reach.len();
        match fault {
            NetFault::Partition(groups) => {
                let mut group_of = vec![usize::MAX; n];
                for (g, members) in groups.iter().enumerate() {
                    for m in members {
                        group_of[m.index()] = g;
                    }
                }
                for a in 0..n {
                    for b in 0..n {
                        self.reach[a][b] =
                            a == b || (group_of[a] != usize::MAX && group_of[a] == group_of[b]);
                    }
                }
            }
            NetFault::Cut { from, to } => {
                for a in from {
                    for b in to {
                        self.reach[a.index()][b.index()] = false;
                    }
                }
            }
            NetFault::Heal => self.reach.iter_mut().for_each(|row| row.fill(true)),
            NetFault::Loss { host, dir, p } => Self::set(
                &mut self.uplink_loss,
                &mut self.downlink_loss,
                *host,
                *dir,
                *p,
            ),
            NetFault::Corrupt { host, dir, p } => Self::set(
                &mut self.uplink_corrupt,
                &mut self.downlink_corrupt,
                *host,
                *dir,
                *p,
            ),
            NetFault::DropNext { host, count } => self.drop_next[host.index()] += count,
            NetFault::CleanLinks => {
                for v in [
                    &mut self.uplink_loss,
                    &mut self.downlink_loss,
                    &mut self.uplink_corrupt,
                    &mut self.downlink_corrupt,
                ] {
                    v.fill(0.0);
                }
                self.drop_next.fill(0);
            }
        }
    }

    fn set(up: &mut [f64], down: &mut [f64], host: Option<HostId>, dir: LinkDir, p: f64) {
        let hosts: Vec<usize> = match host {
            Some(h) => vec![h.index()],
            None => (0..up.len()).collect(),
        };
        for h in hosts {
            if matches!(dir, LinkDir::Up | LinkDir::Both) {
                up[h] = p;
            }
            if matches!(dir, LinkDir::Down | LinkDir::Both) {
                down[h] = p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_groups_and_isolates_the_unlisted() {
        let mut f = FaultState::new(5);
        f.apply(&NetFault::Partition(vec![
            vec![HostId(0), HostId(1)],
            vec![HostId(2), HostId(3)],
        ]));
        assert!(f.reaches(HostId(0), HostId(1)));
        assert!(!f.reaches(HostId(1), HostId(2)));
        assert!(!f.reaches(HostId(4), HostId(0)));
        assert!(
            f.reaches(HostId(4), HostId(4)),
            "a host always hears itself"
        );
        f.apply(&NetFault::Heal);
        assert!(f.reaches(HostId(4), HostId(0)));
    }

    #[test]
    fn cut_is_one_way() {
        let mut f = FaultState::new(3);
        f.apply(&NetFault::Cut {
            from: vec![HostId(0)],
            to: vec![HostId(2)],
        });
        assert!(!f.reaches(HostId(0), HostId(2)));
        assert!(f.reaches(HostId(2), HostId(0)));
    }
}
