//! `Counters`: running totals of what the engine did, read through the control port.
//!
//! The same totals as the golden model's `Counters` (accepted, rejected by reason, anomalies
//! by kind, transmitted), plus what only hardware sees: frames the MAC flagged (FCS, runt,
//! oversize, PHY error), frames dropped because the host had not taken earlier entries
//! (overruns), and anomaly records lost for the same reason. Each is 32 bits and wraps.
//! The counter [`NAMES`] lists at index i is in combinational word `value_a`, `value_b` or
//! `value_c` (i in 0–7, 8–15, 16–23) when `sel` is i mod 8. Events
//! count one cycle after they happen.

use rust_hdl::prelude::*;

/// Counter names in `sel` order (the control port's counter registers use the same order).
pub const NAMES: [&str; 24] = [
    "accepted",
    "rejected-malformed",
    "rejected-wrong-cluster",
    "rejected-wrong-epoch",
    "rejected-invalid-host-id",
    "rejected-not-a-member",
    "rejected-bad-history-length",
    "rejected-halted",
    "rejected-stale",
    "rejected-gap",
    "rejected-divergent",
    "rejected-sender-in-history",
    "rejected-conflicts-with-own",
    "rejected-seq-exhausted",
    "anomaly-gap",
    "anomaly-divergence",
    "anomaly-no-quorum",
    "anomaly-stale",
    "anomaly-restarted",
    "anomaly-token-lost",
    "transmitted",
    "mac-errors",
    "rx-overruns",
    "records-lost",
];

#[derive(LogicBlock, Default)]
pub struct Counters {
    pub clock: Signal<In, Clock>,
    /// Synchronous: all zero.
    pub reset: Signal<In, Bit>,
    // ---- Events (ProtocolCore)
    pub ev_verdict: Signal<In, Bit>,
    pub ev_accept: Signal<In, Bit>,
    pub ev_reason: Signal<In, Bits<4>>,
    pub ev_anomaly: Signal<In, Bit>,
    pub ev_anomaly_kind: Signal<In, Bits<3>>,
    pub ev_transmit: Signal<In, Bit>,
    pub ev_mac_error: Signal<In, Bit>,
    pub ev_overrun: Signal<In, Bit>,
    pub ev_record_lost: Signal<In, Bit>,
    // ---- Read
    pub sel: Signal<In, Bits<3>>,
    /// The counters at index `sel` among indices 0–7, 8–15 and 16–23 (`sel` is the counter's
    /// index mod 8; the reader picks the word).
    pub value_a: Signal<Out, Bits<32>>,
    pub value_b: Signal<Out, Bits<32>>,
    pub value_c: Signal<Out, Bits<32>>,
    // Events are registered before they count (counting is off the events' paths).
    ev_verdict_r: DFF<Bit>,
    ev_accept_r: DFF<Bit>,
    ev_reason_r: DFF<Bits<4>>,
    ev_anomaly_r: DFF<Bit>,
    ev_anomaly_kind_r: DFF<Bits<3>>,
    ev_transmit_r: DFF<Bit>,
    ev_mac_error_r: DFF<Bit>,
    ev_overrun_r: DFF<Bit>,
    ev_record_lost_r: DFF<Bit>,
    accepted: DFF<Bits<32>>,
    rejected_malformed: DFF<Bits<32>>,
    rejected_wrong_cluster: DFF<Bits<32>>,
    rejected_wrong_epoch: DFF<Bits<32>>,
    rejected_invalid_host_id: DFF<Bits<32>>,
    rejected_not_a_member: DFF<Bits<32>>,
    rejected_bad_history_length: DFF<Bits<32>>,
    rejected_halted: DFF<Bits<32>>,
    rejected_stale: DFF<Bits<32>>,
    rejected_gap: DFF<Bits<32>>,
    rejected_divergent: DFF<Bits<32>>,
    rejected_sender_in_history: DFF<Bits<32>>,
    rejected_conflicts_with_own: DFF<Bits<32>>,
    rejected_seq_exhausted: DFF<Bits<32>>,
    anomaly_gap: DFF<Bits<32>>,
    anomaly_divergence: DFF<Bits<32>>,
    anomaly_no_quorum: DFF<Bits<32>>,
    anomaly_stale: DFF<Bits<32>>,
    anomaly_restarted: DFF<Bits<32>>,
    anomaly_token_lost: DFF<Bits<32>>,
    transmitted: DFF<Bits<32>>,
    mac_errors: DFF<Bits<32>>,
    rx_overruns: DFF<Bits<32>>,
    records_lost: DFF<Bits<32>>,
}

impl Logic for Counters {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            ev_verdict_r,
            ev_accept_r,
            ev_reason_r,
            ev_anomaly_r,
            ev_anomaly_kind_r,
            ev_transmit_r,
            ev_mac_error_r,
            ev_overrun_r,
            ev_record_lost_r,
            accepted,
            rejected_malformed,
            rejected_wrong_cluster,
            rejected_wrong_epoch,
            rejected_invalid_host_id,
            rejected_not_a_member,
            rejected_bad_history_length,
            rejected_halted,
            rejected_stale,
            rejected_gap,
            rejected_divergent,
            rejected_sender_in_history,
            rejected_conflicts_with_own,
            rejected_seq_exhausted,
            anomaly_gap,
            anomaly_divergence,
            anomaly_no_quorum,
            anomaly_stale,
            anomaly_restarted,
            anomaly_token_lost,
            transmitted,
            mac_errors,
            rx_overruns,
            records_lost
        );
        if self.ev_verdict_r.q.val() & self.ev_accept_r.q.val() {
            self.accepted.d.next = self.accepted.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 0) {
            self.rejected_malformed.d.next = self.rejected_malformed.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 1) {
            self.rejected_wrong_cluster.d.next = self.rejected_wrong_cluster.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 2) {
            self.rejected_wrong_epoch.d.next = self.rejected_wrong_epoch.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 3) {
            self.rejected_invalid_host_id.d.next = self.rejected_invalid_host_id.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 4) {
            self.rejected_not_a_member.d.next = self.rejected_not_a_member.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 5) {
            self.rejected_bad_history_length.d.next = self.rejected_bad_history_length.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 6) {
            self.rejected_halted.d.next = self.rejected_halted.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 7) {
            self.rejected_stale.d.next = self.rejected_stale.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 8) {
            self.rejected_gap.d.next = self.rejected_gap.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 9) {
            self.rejected_divergent.d.next = self.rejected_divergent.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 10)
        {
            self.rejected_sender_in_history.d.next = self.rejected_sender_in_history.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 11)
        {
            self.rejected_conflicts_with_own.d.next = self.rejected_conflicts_with_own.q.val() + 1;
        }
        if self.ev_verdict_r.q.val() & !self.ev_accept_r.q.val() & (self.ev_reason_r.q.val() == 12)
        {
            self.rejected_seq_exhausted.d.next = self.rejected_seq_exhausted.q.val() + 1;
        }
        if self.ev_anomaly_r.q.val() & (self.ev_anomaly_kind_r.q.val() == 0) {
            self.anomaly_gap.d.next = self.anomaly_gap.q.val() + 1;
        }
        if self.ev_anomaly_r.q.val() & (self.ev_anomaly_kind_r.q.val() == 1) {
            self.anomaly_divergence.d.next = self.anomaly_divergence.q.val() + 1;
        }
        if self.ev_anomaly_r.q.val() & (self.ev_anomaly_kind_r.q.val() == 2) {
            self.anomaly_no_quorum.d.next = self.anomaly_no_quorum.q.val() + 1;
        }
        if self.ev_anomaly_r.q.val() & (self.ev_anomaly_kind_r.q.val() == 3) {
            self.anomaly_stale.d.next = self.anomaly_stale.q.val() + 1;
        }
        if self.ev_anomaly_r.q.val() & (self.ev_anomaly_kind_r.q.val() == 4) {
            self.anomaly_restarted.d.next = self.anomaly_restarted.q.val() + 1;
        }
        if self.ev_anomaly_r.q.val() & (self.ev_anomaly_kind_r.q.val() == 5) {
            self.anomaly_token_lost.d.next = self.anomaly_token_lost.q.val() + 1;
        }
        if self.ev_transmit_r.q.val() {
            self.transmitted.d.next = self.transmitted.q.val() + 1;
        }
        if self.ev_mac_error_r.q.val() {
            self.mac_errors.d.next = self.mac_errors.q.val() + 1;
        }
        if self.ev_overrun_r.q.val() {
            self.rx_overruns.d.next = self.rx_overruns.q.val() + 1;
        }
        if self.ev_record_lost_r.q.val() {
            self.records_lost.d.next = self.records_lost.q.val() + 1;
        }
        self.ev_verdict_r.d.next = self.ev_verdict.val();
        self.ev_accept_r.d.next = self.ev_accept.val();
        self.ev_reason_r.d.next = self.ev_reason.val();
        self.ev_anomaly_r.d.next = self.ev_anomaly.val();
        self.ev_anomaly_kind_r.d.next = self.ev_anomaly_kind.val();
        self.ev_transmit_r.d.next = self.ev_transmit.val();
        self.ev_mac_error_r.d.next = self.ev_mac_error.val();
        self.ev_overrun_r.d.next = self.ev_overrun.val();
        self.ev_record_lost_r.d.next = self.ev_record_lost.val();
        if self.reset.val() {
            self.accepted.d.next = 0.into();
            self.rejected_malformed.d.next = 0.into();
            self.rejected_wrong_cluster.d.next = 0.into();
            self.rejected_wrong_epoch.d.next = 0.into();
            self.rejected_invalid_host_id.d.next = 0.into();
            self.rejected_not_a_member.d.next = 0.into();
            self.rejected_bad_history_length.d.next = 0.into();
            self.rejected_halted.d.next = 0.into();
            self.rejected_stale.d.next = 0.into();
            self.rejected_gap.d.next = 0.into();
            self.rejected_divergent.d.next = 0.into();
            self.rejected_sender_in_history.d.next = 0.into();
            self.rejected_conflicts_with_own.d.next = 0.into();
            self.rejected_seq_exhausted.d.next = 0.into();
            self.anomaly_gap.d.next = 0.into();
            self.anomaly_divergence.d.next = 0.into();
            self.anomaly_no_quorum.d.next = 0.into();
            self.anomaly_stale.d.next = 0.into();
            self.anomaly_restarted.d.next = 0.into();
            self.anomaly_token_lost.d.next = 0.into();
            self.transmitted.d.next = 0.into();
            self.mac_errors.d.next = 0.into();
            self.rx_overruns.d.next = 0.into();
            self.records_lost.d.next = 0.into();
        }
        // Three words of eight counters each (an 8-to-1 multiplexer apiece, picked by the
        // low bits of `sel`); the control port registers all three and picks one.
        self.value_a.next = 0.into();
        match self.sel.val().index() {
            0 => {
                self.value_a.next = self.accepted.q.val();
            }
            1 => {
                self.value_a.next = self.rejected_malformed.q.val();
            }
            2 => {
                self.value_a.next = self.rejected_wrong_cluster.q.val();
            }
            3 => {
                self.value_a.next = self.rejected_wrong_epoch.q.val();
            }
            4 => {
                self.value_a.next = self.rejected_invalid_host_id.q.val();
            }
            5 => {
                self.value_a.next = self.rejected_not_a_member.q.val();
            }
            6 => {
                self.value_a.next = self.rejected_bad_history_length.q.val();
            }
            7 => {
                self.value_a.next = self.rejected_halted.q.val();
            }
            _ => {}
        }
        self.value_b.next = 0.into();
        match self.sel.val().index() {
            0 => {
                self.value_b.next = self.rejected_stale.q.val();
            }
            1 => {
                self.value_b.next = self.rejected_gap.q.val();
            }
            2 => {
                self.value_b.next = self.rejected_divergent.q.val();
            }
            3 => {
                self.value_b.next = self.rejected_sender_in_history.q.val();
            }
            4 => {
                self.value_b.next = self.rejected_conflicts_with_own.q.val();
            }
            5 => {
                self.value_b.next = self.rejected_seq_exhausted.q.val();
            }
            6 => {
                self.value_b.next = self.anomaly_gap.q.val();
            }
            7 => {
                self.value_b.next = self.anomaly_divergence.q.val();
            }
            _ => {}
        }
        self.value_c.next = 0.into();
        match self.sel.val().index() {
            0 => {
                self.value_c.next = self.anomaly_no_quorum.q.val();
            }
            1 => {
                self.value_c.next = self.anomaly_stale.q.val();
            }
            2 => {
                self.value_c.next = self.anomaly_restarted.q.val();
            }
            3 => {
                self.value_c.next = self.anomaly_token_lost.q.val();
            }
            4 => {
                self.value_c.next = self.transmitted.q.val();
            }
            5 => {
                self.value_c.next = self.mac_errors.q.val();
            }
            6 => {
                self.value_c.next = self.rx_overruns.q.val();
            }
            7 => {
                self.value_c.next = self.records_lost.q.val();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod synth_tests {
    use super::*;

    #[test]
    fn counters_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut Counters::default(), "counters")
            .expect("yosys synth_ecp5");
    }
}
