//! Safety checker, separate from the model: it only reads each host's agreed log.
//!
//! Properties, checked after every step that touches a host:
//! - **agreement**: the agreed logs of all hosts are prefixes of one another. The checker keeps
//!   the canonical agreed sequence (the longest agreed prefix seen so far) and compares every
//!   newly agreed entry of every host with it;
//! - **stability**: an agreed entry never changes and the agreed prefix never shrinks. The
//!   checker keeps a running digest of each host's agreed prefix and recomputes it from the
//!   host's log at audits (before a crash wipes a host, and at the end of a run).

use exo_proto::model::{Entry, Host};
use exo_proto::HostId;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SafetyViolation {
    pub time_ns: u64,
    pub host: HostId,
    pub seq: u64,
    pub what: String,
}

impl fmt::Display for SafetyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {} ns host {} entry {}: {}",
            self.time_ns, self.host, self.seq, self.what
        )
    }
}

#[derive(Debug, Clone, Default)]
struct Track {
    /// Agreed entries of this host already compared with the canonical log.
    seen: u64,
    digest: u64,
}

#[derive(Debug, Clone, Default)]
pub struct SafetyChecker {
    canon: Vec<Entry>,
    hosts: Vec<Track>,
    violations: Vec<SafetyViolation>,
}

fn chain(digest: u64, entry: &Entry) -> u64 {
    let mut h = DefaultHasher::new();
    digest.hash(&mut h);
    entry.hash_key().hash(&mut h);
    h.finish()
}

trait HashKey {
    fn hash_key(&self) -> (u64, u32, u8, &[u8]);
}

impl HashKey for Entry {
    fn hash_key(&self) -> (u64, u32, u8, &[u8]) {
        (self.seq, self.epoch, self.sender.0, &self.payload)
    }
}

fn describe(e: &Entry) -> String {
    format!(
        "(seq {}, epoch {}, from {}, {} bytes)",
        e.seq,
        e.epoch,
        e.sender,
        e.payload.len()
    )
}

impl SafetyChecker {
    pub fn new(n: usize) -> SafetyChecker {
        SafetyChecker {
            canon: Vec::new(),
            hosts: vec![Track::default(); n],
            violations: Vec::new(),
        }
    }

    pub fn violations(&self) -> &[SafetyViolation] {
        &self.violations
    }

    /// The longest agreed log any host has had.
    pub fn canonical(&self) -> &[Entry] {
        &self.canon
    }

    /// Compares what `host` has newly agreed with the canonical log.
    pub fn observe(&mut self, time_ns: u64, id: HostId, host: &Host) {
        let agreed = host.log().agreed_entries();
        let track = &mut self.hosts[id.index()];
        if (agreed.len() as u64) < track.seen {
            self.violations.push(SafetyViolation {
                time_ns,
                host: id,
                seq: agreed.len() as u64,
                what: format!(
                    "agreed prefix shrank from {} to {} entries",
                    track.seen,
                    agreed.len()
                ),
            });
            track.seen = agreed.len() as u64;
            return;
        }
        for entry in &agreed[track.seen as usize..] {
            let pos = entry.seq as usize;
            match self.canon.get(pos) {
                Some(c) if c != entry => self.violations.push(SafetyViolation {
                    time_ns,
                    host: id,
                    seq: entry.seq,
                    what: format!(
                        "agreed {} where another host agreed {}",
                        describe(entry),
                        describe(c)
                    ),
                }),
                Some(_) => {}
                None if pos == self.canon.len() => self.canon.push(entry.clone()),
                None => self.violations.push(SafetyViolation {
                    time_ns,
                    host: id,
                    seq: entry.seq,
                    what: "agreed log is not dense".into(),
                }),
            }
            track.digest = chain(track.digest, entry);
        }
        track.seen = agreed.len() as u64;
    }

    /// Recomputes the digest of `host`'s agreed prefix: any earlier agreed entry that changed
    /// since it was observed is a violation.
    pub fn audit(&mut self, time_ns: u64, id: HostId, host: &Host) {
        self.observe(time_ns, id, host);
        let track = &self.hosts[id.index()];
        let digest = host.log().agreed_entries()[..track.seen as usize]
            .iter()
            .fold(0, chain);
        if digest != track.digest {
            self.violations.push(SafetyViolation {
                time_ns,
                host: id,
                seq: 0,
                what: "an agreed entry changed after it was agreed".into(),
            });
        }
    }

    /// The host lost its state (crash): its next incarnation starts from nothing. What it
    /// agreed before stays in the canonical log.
    pub fn forget(&mut self, id: HostId) {
        self.hosts[id.index()] = Track::default();
    }
}
