//! What the engine is built for, fixed at elaboration.
//!
//! Widths are fixed by the wire format (host ids are 8 bits, seq 64, epoch 32) and by the
//! block RAMs below; the values here choose the cluster and the limits inside those widths.
//! [`EngineParams::validate`] refuses anything the hardware cannot do, with the reason.

use exo_proto::wire::{self, MAX_HOSTS};
use serde::Serialize;

/// Bytes of posted payload the transmit queue holds (two DP16KD as 4096 × 8).
pub const QUEUE_BYTES: usize = 4096;
/// Address bits of the transmit queue's payload RAM.
pub const QUEUE_ADDR_BITS: usize = 12;
/// Messages the transmit queue's descriptor FIFO holds.
pub const QUEUE_SLOTS: usize = 64;
/// Bytes of accepted payload the receive buffer holds until the host takes them.
pub const RX_BUFFER_BYTES: usize = 4096;
/// Address bits of the receive buffer.
pub const RX_BUFFER_ADDR_BITS: usize = 12;
/// The engine's clock: GMII's 125 MHz.
pub const CLOCK_MHZ: f64 = 125.0;
/// Nanoseconds per clock cycle.
pub const CYCLE_NS: u64 = 8;
/// The token timeout of the golden model's default (50 µs), in cycles.
pub const DEFAULT_TOKEN_TIMEOUT_CYCLES: u32 = 6_250;

const _: () = assert!(1 << QUEUE_ADDR_BITS == QUEUE_BYTES);
const _: () = assert!(1 << RX_BUFFER_ADDR_BITS == RX_BUFFER_BYTES);

/// Elaboration parameters of one engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineParams {
    /// Hosts in the cluster, n (1 to 256); the history holds h = floor(n/2) ids.
    pub hosts: usize,
    /// This host's id (0 to n − 1).
    pub host_id: u8,
    /// The cluster id every frame carries.
    pub cluster: u16,
    /// The epoch the engine boots in.
    pub boot_epoch: u32,
    /// The member that holds the token at boot.
    pub boot_holder: u8,
    /// Largest payload a host may post (at most the wire's maximum for h).
    pub max_payload: usize,
    /// Messages that may wait to be sent, including the one in flight (1 to 64).
    pub max_posted: usize,
    /// Token timeout in clock cycles (1 to 2^24 − 1).
    pub token_timeout_cycles: u32,
    /// The safety rules. Both are on in every real engine; tests switch one off to show
    /// that the co-simulation catches a broken engine.
    pub rules: Rules,
}

/// The accept rule's two safety checks (the golden model's `Rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Reject a message whose sender is in the history.
    pub sender_not_in_history: bool,
    /// Accept only our own message at a seq where we sent an acceptable one.
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

/// A parameter the hardware cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("hosts = {0}: the engine supports 1 to {MAX_HOSTS} hosts")]
    Hosts(usize),
    #[error("host_id = {id} is not below hosts = {hosts}")]
    HostId { id: u8, hosts: usize },
    #[error("boot_holder = {id} is not below hosts = {hosts}")]
    BootHolder { id: u8, hosts: usize },
    #[error("max_payload = {got}: with h = {h} a frame carries at most {max} payload bytes")]
    MaxPayload { got: usize, h: usize, max: usize },
    #[error("max_posted = {0}: the transmit queue holds 1 to {QUEUE_SLOTS} messages")]
    MaxPosted(usize),
    #[error("token_timeout_cycles = {0}: must be 1 to 16777215")]
    TokenTimeout(u32),
}

impl EngineParams {
    /// An engine for host `host_id` of an `hosts`-host cluster with the golden model's
    /// defaults: cluster 1, epoch 0, host 0 holds the token first, the largest payload the
    /// wire allows, 16 posted messages, a 50 µs token timeout.
    pub fn new(hosts: usize, host_id: u8) -> EngineParams {
        let h = hosts / 2;
        EngineParams {
            hosts,
            host_id,
            cluster: 1,
            boot_epoch: 0,
            boot_holder: 0,
            max_payload: wire::max_payload(h.min(wire::MAX_HISTORY)),
            max_posted: 16,
            token_timeout_cycles: DEFAULT_TOKEN_TIMEOUT_CYCLES,
            rules: Rules::default(),
        }
    }

    /// h = floor(n/2): the history length and the agreement distance.
    pub fn h(&self) -> usize {
        self.hosts / 2
    }

    pub fn validate(&self) -> Result<(), ParamError> {
        if self.hosts == 0 || self.hosts > MAX_HOSTS {
            return Err(ParamError::Hosts(self.hosts));
        }
        if usize::from(self.host_id) >= self.hosts {
            return Err(ParamError::HostId {
                id: self.host_id,
                hosts: self.hosts,
            });
        }
        if usize::from(self.boot_holder) >= self.hosts {
            return Err(ParamError::BootHolder {
                id: self.boot_holder,
                hosts: self.hosts,
            });
        }
        let max = wire::max_payload(self.h()).min(QUEUE_BYTES);
        if self.max_payload > max {
            return Err(ParamError::MaxPayload {
                got: self.max_payload,
                h: self.h(),
                max,
            });
        }
        if self.max_posted == 0 || self.max_posted > QUEUE_SLOTS {
            return Err(ParamError::MaxPosted(self.max_posted));
        }
        if self.token_timeout_cycles == 0 || self.token_timeout_cycles >= 1 << 24 {
            return Err(ParamError::TokenTimeout(self.token_timeout_cycles));
        }
        Ok(())
    }

    /// This host's MAC address, as the wire format derives it.
    pub fn src_mac(&self) -> [u8; 6] {
        wire::host_mac(self.cluster, exo_proto::HostId(self.host_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_for_every_cluster_size() {
        for n in 1..=MAX_HOSTS {
            let p = EngineParams::new(n, (n - 1) as u8);
            assert_eq!(p.validate(), Ok(()), "n = {n}");
        }
    }

    #[test]
    fn refuses_what_the_hardware_cannot_do() {
        let ok = EngineParams::new(5, 1);
        let cases = [
            (
                EngineParams {
                    hosts: 0,
                    ..ok.clone()
                },
                "hosts = 0",
            ),
            (
                EngineParams {
                    hosts: 257,
                    ..ok.clone()
                },
                "hosts = 257",
            ),
            (
                EngineParams {
                    host_id: 5,
                    ..ok.clone()
                },
                "host_id = 5",
            ),
            (
                EngineParams {
                    boot_holder: 9,
                    ..ok.clone()
                },
                "boot_holder = 9",
            ),
            (
                EngineParams {
                    max_payload: 1479,
                    ..ok.clone()
                },
                "max_payload = 1479",
            ),
            (
                EngineParams {
                    max_posted: 0,
                    ..ok.clone()
                },
                "max_posted = 0",
            ),
            (
                EngineParams {
                    max_posted: 65,
                    ..ok.clone()
                },
                "max_posted = 65",
            ),
            (
                EngineParams {
                    token_timeout_cycles: 0,
                    ..ok.clone()
                },
                "token_timeout_cycles = 0",
            ),
        ];
        for (p, msg) in cases {
            let err = p.validate().expect_err(msg).to_string();
            assert!(err.starts_with(msg), "{err}");
        }
    }
}
