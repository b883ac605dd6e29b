//! The golden model: one Exo host as a deterministic, sans-IO state machine.
//!
//! A driver (the rack simulator, the co-simulation, the host runtime) feeds it frames and
//! posted messages with the current time and carries out what it returns: frames to transmit,
//! verdicts, newly agreed entries and anomaly reports. [`Host::next_deadline`] tells the driver
//! when to call [`Host::handle_timeout`].

mod config;
mod engine;
mod history;
mod host;
mod log;
mod output;
mod recovery;
mod ring;

pub use config::{
    ClusterConfig, ConfigError, HostConfig, Rules, TokenClaim, DEFAULT_TOKEN_TIMEOUT_NS,
};
pub use engine::Engine;
pub use history::History;
pub use host::{EpochInstall, Host, PostError, Status};
pub use log::{Entry, Log};
pub use output::{AnomalyKind, Counters, Output, RejectReason, Transmit, TxCause};
pub use recovery::{Dest, Node, Oob, RecoveryConfig, RecoveryMode, RecoveryStats};
pub use ring::Ring;

/// Identifies a message posted at one host, in posting order (0, 1, 2, …).
pub type PostId = u64;
