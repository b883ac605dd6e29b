//! The figures of a run, as `exo sim` prints them (one JSON object with `--json`).

use crate::net::{NetConfig, PS_PER_NS};
use crate::progress::ProgressViolation;
use crate::rack::{FrameStats, Mode};
use crate::safety::SafetyViolation;
use crate::view::RackView;
use exo_proto::model::{AnomalyKind, RejectReason};
use exo_proto::wire::MIN_FRAME_LEN;
use exo_proto::HostId;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunEnd {
    /// Every message agreed at every live, running host.
    Settled,
    /// No host agreed anything for the stall window.
    Stalled,
    /// The simulated-time limit was reached.
    TimeLimit,
    /// The scenario's `until` trigger fired.
    Until,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
    pub samples: usize,
}

impl Percentiles {
    /// Nearest-rank percentiles of `values` (all zero when there are none).
    pub fn of(mut values: Vec<u64>) -> Percentiles {
        values.sort_unstable();
        let rank = |p: f64| -> u64 {
            if values.is_empty() {
                return 0;
            }
            let r = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
            values[r - 1]
        };
        Percentiles {
            p50: rank(0.50),
            p99: rank(0.99),
            max: values.last().copied().unwrap_or(0),
            samples: values.len(),
        }
    }
}

/// What the recovery software did (epoch mode).
#[derive(Debug, Clone, Serialize)]
pub struct RecoveryReport {
    pub epoch_changes: u64,
    pub installs: u64,
    pub gap_repairs: u64,
    pub oob_messages: u64,
    /// Each stretch a host spent out of normal operation (epoch change, repair, join), ns.
    pub recovery_ns: Percentiles,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub seed: u64,
    pub nodes: usize,
    pub mode: Mode,
    pub payload_bytes: usize,
    pub end: RunEnd,
    pub messages_submitted: usize,
    pub messages_agreed: usize,
    pub messages_lost: usize,
    /// Length of the longest agreed log (application messages and empty token messages).
    pub entries_agreed: u64,
    pub sim_time_ns: u64,
    pub msgs_per_sec: f64,
    /// From a message's first byte on the wire to its agreement at the last host to agree it.
    pub agreement_latency_ns: Percentiles,
    pub safety_violations: usize,
    pub progress_violations: usize,
    /// The stated progress bound the progress checker enforces.
    pub progress_bound_ns: u64,
    pub network: NetConfig,
    /// Line rate for minimum-size frames at this link rate (84 byte times per frame).
    pub line_rate_frames_per_sec: f64,
    pub frames: FrameStats,
    pub claims: u64,
    pub recovery: RecoveryReport,
    pub rejected: BTreeMap<&'static str, u64>,
    pub anomalies: BTreeMap<&'static str, u64>,
    pub halted_hosts: Vec<HostId>,
    pub crashed_hosts: Vec<HostId>,
    /// The first safety violations found (at most 10), for the reader.
    pub first_safety_violations: Vec<SafetyViolation>,
    pub first_progress_violations: Vec<ProgressViolation>,
}

impl Report {
    pub fn new<R: RackView + ?Sized>(rack: &R, payload_bytes: usize, end: RunEnd) -> Report {
        let cfg = rack.config();
        let sim_time_ns = rack.now() / PS_PER_NS;
        let latencies = rack
            .messages()
            .iter()
            .filter_map(|m| Some((m.last_agreed? - m.first_byte?) / PS_PER_NS))
            .collect();
        let counters = rack.total_counters();
        let ids = (0..rack.n()).map(|i| HostId(i as u8));
        let messages_agreed = rack.messages_agreed();
        let rec = rack.recovery();
        Report {
            seed: cfg.seed,
            nodes: rack.n(),
            mode: cfg.mode,
            payload_bytes,
            end,
            messages_submitted: rack.messages().len(),
            messages_agreed,
            messages_lost: rack.messages_lost(),
            entries_agreed: rack.safety().canonical().len() as u64,
            sim_time_ns,
            msgs_per_sec: if sim_time_ns == 0 {
                0.0
            } else {
                messages_agreed as f64 * 1e9 / sim_time_ns as f64
            },
            agreement_latency_ns: Percentiles::of(latencies),
            safety_violations: rack.safety().violations().len(),
            progress_violations: rack.progress().violations().len(),
            progress_bound_ns: rack.progress().bound() / PS_PER_NS,
            network: cfg.net.clone(),
            line_rate_frames_per_sec: 1e12 / cfg.net.occupancy(MIN_FRAME_LEN) as f64,
            frames: rack.frame_stats().clone(),
            claims: counters.claims,
            recovery: RecoveryReport {
                epoch_changes: rec.epoch_changes,
                installs: rec.installs,
                gap_repairs: rec.gap_repairs,
                oob_messages: rec.oob_messages,
                recovery_ns: Percentiles::of(rec.recovery_ns.clone()),
            },
            rejected: RejectReason::NAMES
                .iter()
                .zip(counters.rejected)
                .filter(|(_, v)| *v > 0)
                .map(|(k, v)| (*k, v))
                .collect(),
            anomalies: AnomalyKind::ALL
                .iter()
                .zip(counters.anomalies)
                .filter(|(_, v)| *v > 0)
                .map(|(k, v)| (k.name(), v))
                .collect(),
            halted_hosts: ids
                .clone()
                .filter(|&id| rack.host(id).is_some_and(|h| h.is_halted()))
                .collect(),
            crashed_hosts: ids.filter(|&id| rack.host(id).is_none()).collect(),
            first_safety_violations: rack
                .safety()
                .violations()
                .iter()
                .take(10)
                .cloned()
                .collect(),
            first_progress_violations: rack
                .progress()
                .violations()
                .iter()
                .take(10)
                .cloned()
                .collect(),
        }
    }

    /// A few readable lines for a terminal.
    pub fn summary(&self) -> String {
        let mut text = self.figures();
        let r = &self.recovery;
        if r.epoch_changes + r.gap_repairs > 0 {
            text.push_str(&format!(
                "\nrecovery: {} epoch changes, {} gap repairs; time out of normal operation \
                 p50 {} ns, max {} ns",
                r.epoch_changes, r.gap_repairs, r.recovery_ns.p50, r.recovery_ns.max
            ));
        }
        if self.end == RunEnd::Stalled && !self.halted_hosts.is_empty() && self.mode != Mode::Epochs
        {
            text.push_str(&format!(
                "\nstalled: in {:?} mode a host that detects trouble stays stopped",
                self.mode
            ));
        }
        text
    }

    fn figures(&self) -> String {
        let l = &self.agreement_latency_ns;
        format!(
            "seed {} · {} hosts · {:?} mode · {}-byte payloads · ended: {:?}\n\
             agreed {} of {} messages ({} entries) in {:.3} ms simulated: {:.0} msg/s \
             ({:.1}% of the {:.0} frames/s line rate)\n\
             agreement latency p50 {} ns, p99 {} ns, max {} ns\n\
             frames sent {}, claims {}, FCS errors {}, lost {}\n\
             safety violations {}, progress violations {}, halted {:?}, crashed {:?}",
            self.seed,
            self.nodes,
            self.mode,
            self.payload_bytes,
            self.end,
            self.messages_agreed,
            self.messages_submitted,
            self.entries_agreed,
            self.sim_time_ns as f64 / 1e6,
            self.msgs_per_sec,
            100.0 * self.msgs_per_sec / self.line_rate_frames_per_sec,
            self.line_rate_frames_per_sec,
            l.p50,
            l.p99,
            l.max,
            self.frames.sent,
            self.claims,
            self.frames.fcs_errors,
            self.frames.lost_uplink + self.frames.lost_downlink,
            self.safety_violations,
            self.progress_violations,
            self.halted_hosts.iter().map(|h| h.0).collect::<Vec<_>>(),
            self.crashed_hosts.iter().map(|h| h.0).collect::<Vec<_>>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let p = Percentiles::of((1..=100).collect());
        assert_eq!((p.p50, p.p99, p.max, p.samples), (50, 99, 100, 100));
        assert_eq!(Percentiles::of(vec![]), Percentiles::default());
        assert_eq!(Percentiles::of(vec![7]).p99, 7);
    }
}
