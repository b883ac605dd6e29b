//! Which frames have reached every host they go to: the scenario files' moments
//! (`after = { from = "D", seq = 2 }`) and the frame counts of a run.
//!
//! Every frame the fabric broadcasts gets a number. A host's downlink passes it on or loses
//! it; a host that gets it (whole, cut or corrupted) judges or drops it. When every such host
//! has, and the frame has left the fabric, it is complete. A frame that never reaches the
//! fabric (lost or corrupted on its uplink, or cut short by its sender's crash) is complete
//! at once.

use exo_proto::fcs::strip_fcs;
use exo_proto::wire::Frame;
use exo_proto::HostId;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
struct OnFabric {
    id: Option<(HostId, u64)>,
    ended: bool,
    pending: BTreeSet<usize>,
}

#[derive(Debug, Default)]
pub struct Tracker {
    frames: BTreeMap<u64, OnFabric>,
    next: u64,
    /// (frame number, host) pairs corrupted on the way to that host.
    corrupted: BTreeSet<(u64, usize)>,
    completed: Vec<(HostId, u64)>,
}

/// The sender and seq of a frame as it is on a link (preamble, SFD and FCS included), if
/// its FCS is good and it decodes.
pub fn frame_id(gmii: &[u8]) -> Option<(HostId, u64)> {
    let body = strip_fcs(gmii.get(crate::links::DATA_START..)?)?;
    Frame::decode(body).ok().map(|f| (f.sender, f.seq))
}

impl Tracker {
    /// A frame starts leaving the fabric: its number.
    pub fn start(&mut self) -> u64 {
        let k = self.next;
        self.next += 1;
        self.frames.insert(k, OnFabric::default());
        k
    }

    /// The newest frame on the fabric, if any.
    pub fn current(&self) -> Option<u64> {
        self.next.checked_sub(1)
    }

    pub fn receiver(&mut self, k: u64, host: usize, corrupted: bool) {
        if let Some(f) = self.frames.get_mut(&k) {
            f.pending.insert(host);
        }
        if corrupted {
            self.corrupted.insert((k, host));
        }
    }

    /// True if host's copy of frame k was corrupted on its way.
    pub fn was_corrupted(&self, k: u64, host: usize) -> bool {
        self.corrupted.contains(&(k, host))
    }

    /// The frame left the fabric; `gmii` is what it was.
    pub fn ended(&mut self, k: u64, gmii: &[u8]) {
        if let Some(f) = self.frames.get_mut(&k) {
            f.id = frame_id(gmii);
            f.ended = true;
        }
        self.settle(k);
    }

    pub fn judged(&mut self, k: u64, host: usize) {
        if let Some(f) = self.frames.get_mut(&k) {
            f.pending.remove(&host);
        }
        self.corrupted.remove(&(k, host));
        self.settle(k);
    }

    /// A crashed host judges nothing more.
    pub fn forget(&mut self, host: usize) {
        let ks: Vec<u64> = self.frames.keys().copied().collect();
        for k in ks {
            self.judged(k, host);
        }
    }

    /// A frame that never reached the fabric.
    pub fn never_broadcast(&mut self, gmii: &[u8]) {
        if let Some(id) = frame_id(gmii).or_else(|| Self::intended(gmii)) {
            self.completed.push(id);
        }
    }

    /// What a frame that was cut or corrupted meant to be (its FCS cannot tell).
    fn intended(gmii: &[u8]) -> Option<(HostId, u64)> {
        let body = gmii.get(crate::links::DATA_START..gmii.len().checked_sub(4)?)?;
        Frame::decode(body).ok().map(|f| (f.sender, f.seq))
    }

    fn settle(&mut self, k: u64) {
        let done = self
            .frames
            .get(&k)
            .is_some_and(|f| f.ended && f.pending.is_empty());
        if done {
            if let Some(id) = self.frames.remove(&k).and_then(|f| f.id) {
                self.completed.push(id);
            }
        }
    }

    pub fn take_completed(&mut self) -> Vec<(HostId, u64)> {
        std::mem::take(&mut self.completed)
    }
}
