//! Timing of the simulated Exo network: links, the aggregate→broadcast fabric, the engine.
//!
//! Simulated time is kept in picoseconds so that 10 GbE byte times (800 ps) are exact.
//! A frame sent by host A at time t (after the engine's turnaround) reaches the aggregation
//! point after `wire_latency`, leaves it `fabric_latency` later (or when the previous frame has
//! left, frames are never interleaved), and its last byte reaches every host `wire_latency`
//! plus one serialization time after that.

use exo_proto::wire::{wire_occupancy, FCS_LEN, PREAMBLE_LEN};

/// Simulated time in picoseconds.
pub type Picos = u64;

pub const PS_PER_NS: u64 = 1_000;

/// Largest latency the timing model accepts (1 s): far beyond any rack, and small enough that
/// simulated times in picoseconds cannot overflow.
pub const MAX_LATENCY_NS: u64 = 1_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NetConfig {
    /// Link rate in Mb/s (1000 = 1 GbE, 10000 = 10 GbE).
    pub link_mbps: u64,
    /// One-way propagation between a host and the fabric, in ns.
    pub wire_latency_ns: u64,
    /// Aggregation plus broadcast latency of the fabric, in ns.
    pub fabric_latency_ns: u64,
    /// Engine turnaround: last byte of the frame that passes the token to the first byte of
    /// our frame, in ns (8 cycles at 125 MHz = 64 ns).
    pub turnaround_ns: u64,
    /// One-way latency of the out-of-band network the recovery software uses (UDP between
    /// host processes), in ns.
    pub oob_latency_ns: u64,
}

impl Default for NetConfig {
    fn default() -> NetConfig {
        NetConfig {
            link_mbps: 1_000,
            wire_latency_ns: 10,
            fabric_latency_ns: 100,
            turnaround_ns: 64,
            oob_latency_ns: 10_000,
        }
    }
}

impl NetConfig {
    /// Refuses settings the timing model cannot represent exactly.
    pub fn validate(&self) -> Result<(), String> {
        if self.link_mbps == 0 || 8_000_000 % self.link_mbps != 0 {
            return Err(format!(
                "link rate {} Mb/s: the byte time must be a whole number of picoseconds \
                 (8,000,000 / rate), e.g. 100, 1000, 2500, 10000, 25000, 40000, 100000",
                self.link_mbps
            ));
        }
        for (what, v) in [
            ("wire latency", self.wire_latency_ns),
            ("fabric latency", self.fabric_latency_ns),
            ("turnaround", self.turnaround_ns),
            ("out-of-band latency", self.oob_latency_ns),
        ] {
            if v > MAX_LATENCY_NS {
                return Err(format!("{what} {v} ns exceeds the maximum of 1 s"));
            }
        }
        Ok(())
    }

    /// Time one byte takes on a link.
    pub fn byte_time(&self) -> Picos {
        8_000_000 / self.link_mbps
    }

    /// Time a frame of `frame_len` bytes (without FCS) keeps a link busy, gap included.
    pub fn occupancy(&self, frame_len: usize) -> Picos {
        wire_occupancy(frame_len) as u64 * self.byte_time()
    }

    /// From the first bit of the preamble to the last bit of the FCS.
    pub fn serialization(&self, frame_len: usize) -> Picos {
        (PREAMBLE_LEN + frame_len + FCS_LEN) as u64 * self.byte_time()
    }

    pub fn wire(&self) -> Picos {
        self.wire_latency_ns * PS_PER_NS
    }

    pub fn fabric(&self) -> Picos {
        self.fabric_latency_ns * PS_PER_NS
    }

    pub fn turnaround(&self) -> Picos {
        self.turnaround_ns * PS_PER_NS
    }

    pub fn oob(&self) -> Picos {
        self.oob_latency_ns * PS_PER_NS
    }

    /// Token hop with no queueing: from the last byte of one frame at the hosts to the last
    /// byte of the next frame (of `frame_len` bytes) at the hosts.
    pub fn hop(&self, frame_len: usize) -> Picos {
        self.turnaround() + 2 * self.wire() + self.fabric() + self.serialization(frame_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_gbe_minimum_frame_timing() {
        let net = NetConfig::default();
        assert_eq!(net.byte_time(), 8_000);
        assert_eq!(net.occupancy(60), 84 * 8_000); // 672 ns: 1,488,095 frames/s
        assert_eq!(net.serialization(60), 72 * 8_000);
        assert_eq!(net.hop(60), (64 + 20 + 100 + 576) * 1_000);
    }

    #[test]
    fn refuses_inexact_rates() {
        assert!(NetConfig {
            link_mbps: 3,
            ..NetConfig::default()
        }
        .validate()
        .is_err());
        assert!(NetConfig {
            link_mbps: 0,
            ..NetConfig::default()
        }
        .validate()
        .is_err());
        assert!(NetConfig {
            link_mbps: 10_000,
            ..NetConfig::default()
        }
        .validate()
        .is_ok());
    }
}
