//! Configuration of a cluster and of one host in it, validated before a host is built.

use crate::wire::{max_payload, MAX_HOSTS};
use crate::{HostId, Nanos};

/// What every host of a cluster agrees on before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterConfig {
    /// Maximum number of hosts `n` (1..=256); host ids are 0..n-1 and h = floor(n/2).
    pub n: usize,
    /// Cluster id carried in every frame; frames of other clusters are rejected.
    pub cluster: u16,
    /// Epoch the hosts start in. (Epoch changes are the recovery protocol's business.)
    pub epoch: u32,
    /// Members of the ring in token order. Normally every host id, 0..n-1.
    pub members: Vec<HostId>,
    /// Member that holds the token when the cluster starts.
    pub first_holder: HostId,
}

impl ClusterConfig {
    /// A cluster of `n` hosts, all members in id order, host 0 holding the token first.
    pub fn new(n: usize) -> ClusterConfig {
        ClusterConfig {
            n,
            cluster: 1,
            epoch: 0,
            members: (0..n.min(MAX_HOSTS)).map(|i| HostId(i as u8)).collect(),
            first_holder: HostId(0),
        }
    }

    /// h = floor(n/2): history length, and the distance from an entry to its agreement.
    pub fn h(&self) -> usize {
        self.n / 2
    }

    /// Largest payload a message of this cluster can carry.
    pub fn max_payload(&self) -> usize {
        max_payload(self.h())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.n == 0 || self.n > MAX_HOSTS {
            return Err(ConfigError::HostCount(self.n));
        }
        let mut seen = [false; MAX_HOSTS];
        for &m in &self.members {
            if m.index() >= self.n {
                return Err(ConfigError::MemberOutOfRange { id: m, n: self.n });
            }
            if std::mem::replace(&mut seen[m.index()], true) {
                return Err(ConfigError::DuplicateMember(m));
            }
        }
        if self.members.is_empty() {
            return Err(ConfigError::NoMembers);
        }
        if !seen[self.first_holder.index()] {
            return Err(ConfigError::FirstHolderNotMember(self.first_holder));
        }
        Ok(())
    }
}

/// How a host reacts when the token does not come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenClaim {
    /// As the talk's slides do it: when nothing is accepted for `token_timeout` after the token
    /// passed to host X, X's successor claims the token and sends; if it stays silent too, the
    /// next one claims after a further `token_timeout`, and so on around the ring.
    Slides { token_timeout: Nanos },
    /// Exo's recovery: nobody claims the token. When nothing is accepted for `token_timeout`
    /// after the token passed to X, X's successor reports `token-lost` to its host software
    /// (which starts an epoch change); the next member reports after a further timeout, and so
    /// on around the ring, so the host nearest the silent one acts first.
    Epochs { token_timeout: Nanos },
    /// Never claim: a lost token stops the ring. Used to show the progress checker can fail.
    Off,
}

/// The accept rule's safety checks. Both are on in Exo; switching one off is a deliberately
/// broken variant that exists only to show that the checkers catch the consequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rules {
    /// Reject a message whose sender is in the local history (the quorum rule).
    pub sender_not_in_history: bool,
    /// After sending an acceptable message at seq s, accept at s only that message.
    pub transmit_lock: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            sender_not_in_history: true,
            transmit_lock: true,
        }
    }
}

/// One host: its id, its cluster and its local settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostConfig {
    pub id: HostId,
    pub cluster: ClusterConfig,
    pub claim: TokenClaim,
    pub rules: Rules,
    /// Messages that may wait to be sent; posting more is refused, not lost.
    pub max_posted: usize,
}

/// Default token timeout: above the longest hop of a 1518-byte frame at 1 GbE (12.4 µs) plus
/// a gap repair's out-of-band round trip (2 × 10 µs), with a margin: a holder that is
/// repairing a gap must not be taken for a lost token.
pub const DEFAULT_TOKEN_TIMEOUT_NS: Nanos = 50_000;

impl HostConfig {
    pub fn new(id: HostId, cluster: ClusterConfig) -> HostConfig {
        HostConfig {
            id,
            cluster,
            claim: TokenClaim::Slides {
                token_timeout: DEFAULT_TOKEN_TIMEOUT_NS,
            },
            rules: Rules::default(),
            max_posted: 4096,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.cluster.validate()?;
        if !self.cluster.members.contains(&self.id) {
            return Err(ConfigError::NotAMember(self.id));
        }
        if let TokenClaim::Slides { token_timeout } | TokenClaim::Epochs { token_timeout } =
            self.claim
        {
            if token_timeout == 0 {
                return Err(ConfigError::ZeroTimeout);
            }
        }
        if self.max_posted == 0 {
            return Err(ConfigError::ZeroQueue);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Hash)]
pub enum ConfigError {
    #[error("a cluster has 1 to {MAX_HOSTS} hosts, not {0}")]
    HostCount(usize),
    #[error("member {id} is not a host id of a {n}-host cluster")]
    MemberOutOfRange { id: HostId, n: usize },
    #[error("host {0} appears twice in the ring")]
    DuplicateMember(HostId),
    #[error("the ring has no members")]
    NoMembers,
    #[error("first token holder {0} is not a member of the ring")]
    FirstHolderNotMember(HostId),
    #[error("host {0} is not a member of the ring")]
    NotAMember(HostId),
    #[error("the token timeout must be greater than zero")]
    ZeroTimeout,
    #[error("the posted-message queue must hold at least one message")]
    ZeroQueue,
}
