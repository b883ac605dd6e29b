//! What a host tells its driver: verdicts, frames to send, agreement, anomalies, counters.

use crate::wire::DecodeError;
use crate::{model::PostId, HostId};
use serde::Serialize;

/// Why a received frame changed nothing. The order of the variants is the order the checks
/// run in (the engine applies them in the same order, so both give the same reason).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// Not an Exo frame, or a broken one.
    Malformed(DecodeError),
    /// Another cluster's frame.
    WrongCluster { got: u16 },
    /// A frame from another epoch.
    WrongEpoch { got: u32 },
    /// A sender or history id that is not a host id of this cluster (>= n).
    InvalidHostId { id: HostId },
    /// The sender is not a member of the current ring.
    NotAMember { sender: HostId },
    /// The history is longer than h.
    BadHistoryLength { got: usize },
    /// This host has stopped (after a gap, a divergence or a restart) and accepts nothing.
    Halted,
    /// seq below the local seq: the sender is behind.
    Stale { local: u64 },
    /// seq above the local seq: this host missed messages.
    Gap { local: u64 },
    /// Same seq, different history: the two chains differ.
    Divergent,
    /// The sender is in the history: it cannot have h+1 distinct hosts behind it.
    SenderInHistory,
    /// This host sent an acceptable message at this seq, and this is another one.
    ConflictsWithOwn,
    /// The 64-bit sequence space is used up.
    SeqExhausted,
}

impl RejectReason {
    /// Position in the check order; indexes [`RejectReason::NAMES`] and the counters.
    pub fn index(&self) -> usize {
        match self {
            RejectReason::Malformed(_) => 0,
            RejectReason::WrongCluster { .. } => 1,
            RejectReason::WrongEpoch { .. } => 2,
            RejectReason::InvalidHostId { .. } => 3,
            RejectReason::NotAMember { .. } => 4,
            RejectReason::BadHistoryLength { .. } => 5,
            RejectReason::Halted => 6,
            RejectReason::Stale { .. } => 7,
            RejectReason::Gap { .. } => 8,
            RejectReason::Divergent => 9,
            RejectReason::SenderInHistory => 10,
            RejectReason::ConflictsWithOwn => 11,
            RejectReason::SeqExhausted => 12,
        }
    }

    /// Short stable name, used in counters, JSON and scenario files.
    pub fn name(&self) -> &'static str {
        Self::NAMES[self.index()]
    }

    /// Every reason name, in check order.
    pub const NAMES: [&'static str; 13] = [
        "malformed",
        "wrong-cluster",
        "wrong-epoch",
        "invalid-host-id",
        "not-a-member",
        "bad-history-length",
        "halted",
        "stale",
        "gap",
        "divergent",
        "sender-in-history",
        "conflicts-with-own",
        "seq-exhausted",
    ];

    /// The anomaly this rejection reports to the host software, if any.
    pub fn anomaly(&self) -> Option<AnomalyKind> {
        match self {
            RejectReason::Stale { .. } => Some(AnomalyKind::Stale),
            RejectReason::Gap { .. } => Some(AnomalyKind::Gap),
            RejectReason::Divergent | RejectReason::ConflictsWithOwn => {
                Some(AnomalyKind::Divergence)
            }
            RejectReason::SenderInHistory => Some(AnomalyKind::NoQuorum),
            _ => None,
        }
    }
}

/// Something the host software must know about. Gap, divergence and restart stop the host
/// (it keeps its log but accepts and agrees nothing more until recovery); stale and no-quorum
/// are reports only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// A message ahead of the local seq: messages were missed.
    Gap,
    /// A message at the local seq on another chain.
    Divergence,
    /// A message from a host in the history: a minority is trying to go on.
    NoQuorum,
    /// A message behind the local seq.
    Stale,
    /// The host came back after a crash without its state and waits for a state transfer.
    Restarted,
    /// Nothing was accepted for this host's token timeout: the token is lost (epoch mode).
    TokenLost,
}

impl AnomalyKind {
    /// Position in [`AnomalyKind::ALL`]; indexes the counters.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        [
            "gap",
            "divergence",
            "no-quorum",
            "stale",
            "restarted",
            "token-lost",
        ][self.index()]
    }

    pub const ALL: [AnomalyKind; 6] = [
        AnomalyKind::Gap,
        AnomalyKind::Divergence,
        AnomalyKind::NoQuorum,
        AnomalyKind::Stale,
        AnomalyKind::Restarted,
        AnomalyKind::TokenLost,
    ];

    /// True for the anomalies that stop the host.
    pub fn halts(self) -> bool {
        matches!(
            self,
            AnomalyKind::Gap | AnomalyKind::Divergence | AnomalyKind::Restarted
        )
    }
}

/// Why a frame is being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TxCause {
    /// The previous accepted message came from our predecessor: it is our turn.
    Turn,
    /// The token timed out and it is our place in the claim order.
    Claim,
}

/// A frame to broadcast on the Exo network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// Encoded frame without FCS.
    pub frame: Vec<u8>,
    pub seq: u64,
    /// The posted message it carries, if any (an empty token message carries none).
    pub post: Option<PostId>,
    pub cause: TxCause,
    /// False when our own id is in our history: no host can accept this message.
    pub acceptable: bool,
}

/// Everything a call into the host can produce, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Output {
    /// The frame was accepted and appended as entry `seq`.
    Accepted { seq: u64, sender: HostId },
    /// The frame changed nothing.
    Rejected {
        reason: RejectReason,
        sender: Option<HostId>,
        seq: Option<u64>,
    },
    /// Entry `seq` is now agreed and delivered to the application.
    Agreed { seq: u64 },
    /// Broadcast this frame.
    Transmit(Transmit),
    /// Report this to the host software.
    Anomaly {
        kind: AnomalyKind,
        local_seq: u64,
        frame_seq: Option<u64>,
        sender: Option<HostId>,
    },
    /// Send this out-of-band message (recovery software).
    Oob {
        to: super::recovery::Dest,
        msg: super::recovery::Oob,
    },
    /// This host started coordinating an epoch change.
    ChangeStarted { epoch: u32 },
    /// This host installed a new epoch.
    Installed { epoch: u32, members: Vec<HostId> },
    /// A gap repair completed.
    Repaired,
    /// Back to normal operation after `after` ns of recovery (epoch change, repair, join).
    Recovered { after: crate::Nanos },
}

/// Running totals a host keeps (the engine exposes the same through its control port).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Hash)]
pub struct Counters {
    pub accepted: u64,
    /// Indexed like [`RejectReason::NAMES`].
    pub rejected: [u64; 13],
    /// Indexed like [`AnomalyKind::ALL`].
    pub anomalies: [u64; 6],
    pub transmitted: u64,
    pub claims: u64,
}

impl Counters {
    pub fn count_reject(&mut self, reason: &RejectReason) {
        self.rejected[reason.index()] += 1;
    }

    pub fn count_anomaly(&mut self, kind: AnomalyKind) {
        self.anomalies[kind.index()] += 1;
    }

    pub fn rejected_by(&self, name: &str) -> u64 {
        RejectReason::NAMES
            .iter()
            .position(|n| *n == name)
            .map_or(0, |i| self.rejected[i])
    }
}
