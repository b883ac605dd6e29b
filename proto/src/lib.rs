//! Exo's ground floor: the wire format and the golden model of the protocol.
//!
//! - [`wire`]: the network frame, one table of fields, encoder and decoder.
//! - [`fcs`]: the Ethernet CRC-32 used to protect every frame.
//! - [`host_link`]: the frames between a host and the engine on its board.
//! - [`model`]: the sans-IO state machine of one host, the reference every other
//!   implementation (the RTL engine, the host runtime) is held to.
//!
//! Nothing here does I/O, reads a clock or spawns a thread: time is passed in.

pub mod fcs;
pub mod host_link;
pub mod model;
pub mod rng;
pub mod wire;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A host id: its position in the cluster's fixed, predetermined ring order (0..n-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HostId(pub u8);

impl HostId {
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Simulated or real time in nanoseconds since an arbitrary origin, passed into the model.
pub type Nanos = u64;
