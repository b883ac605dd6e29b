//! `AcceptRule`: the verdict on a received frame, combinational.
//!
//! It combines what `FrameRx` found in the frame with the local state, in exactly the order of
//! the golden model's `Host::check` (proto/src/model/host.rs), so that the first failing rule
//! names the reason: malformed, wrong cluster, wrong epoch, invalid host id, not a member,
//! bad history length, halted, stale, gap, seq exhausted, divergent, sender in history,
//! conflicts with own. `reason` is `RejectReason::index()`; `anomaly_kind` is
//! `AnomalyKind::index()`.
//!
//! The two safety rules can be switched off only by test-only elaboration parameters (see
//! `EngineParams::rules`), which the co-simulation uses to show it catches a broken engine.

use rust_hdl::prelude::*;

/// `RejectReason::index()` values.
pub mod reason {
    pub const MALFORMED: u64 = 0;
    pub const WRONG_CLUSTER: u64 = 1;
    pub const WRONG_EPOCH: u64 = 2;
    pub const INVALID_HOST_ID: u64 = 3;
    pub const NOT_A_MEMBER: u64 = 4;
    pub const BAD_HISTORY_LENGTH: u64 = 5;
    pub const HALTED: u64 = 6;
    pub const STALE: u64 = 7;
    pub const GAP: u64 = 8;
    pub const DIVERGENT: u64 = 9;
    pub const SENDER_IN_HISTORY: u64 = 10;
    pub const CONFLICTS_WITH_OWN: u64 = 11;
    pub const SEQ_EXHAUSTED: u64 = 12;
}

/// `AnomalyKind::index()` values.
pub mod anomaly {
    pub const GAP: u64 = 0;
    pub const DIVERGENCE: u64 = 1;
    pub const NO_QUORUM: u64 = 2;
    pub const STALE: u64 = 3;
    pub const RESTARTED: u64 = 4;
    pub const TOKEN_LOST: u64 = 5;
}

#[derive(LogicBlock)]
pub struct AcceptRule {
    // ---- What FrameRx found (the frame alone, and compared with the local state)
    pub malformed: Signal<In, Bit>,
    pub cluster_ne: Signal<In, Bit>,
    pub epoch_ne: Signal<In, Bit>,
    pub invalid_id: Signal<In, Bit>,
    pub sender_member: Signal<In, Bit>,
    pub hist_too_long: Signal<In, Bit>,
    pub seq_lt: Signal<In, Bit>,
    pub seq_gt: Signal<In, Bit>,
    pub seq_max: Signal<In, Bit>,
    pub hist_match: Signal<In, Bit>,
    pub sender_in_history: Signal<In, Bit>,
    /// The frame's sender is this host.
    pub from_us: Signal<In, Bit>,
    // ---- Local state
    /// Not running (stopped or halted).
    pub halted: Signal<In, Bit>,
    /// This host sent an acceptable message at the local seq (the transmit lock).
    pub locked: Signal<In, Bit>,
    // ---- Verdict
    pub accept: Signal<Out, Bit>,
    pub reason: Signal<Out, Bits<4>>,
    pub anomaly: Signal<Out, Bit>,
    pub anomaly_kind: Signal<Out, Bits<3>>,
    /// The anomaly halts the host (gap, divergence).
    pub halts: Signal<Out, Bit>,
    // ---- Elaboration constants
    check_history: Constant<Bit>,
    check_lock: Constant<Bit>,
}

impl AcceptRule {
    /// `check_history`/`check_lock` are the two safety rules (on in every real engine).
    pub fn new(check_history: bool, check_lock: bool) -> Self {
        AcceptRule {
            malformed: Default::default(),
            cluster_ne: Default::default(),
            epoch_ne: Default::default(),
            invalid_id: Default::default(),
            sender_member: Default::default(),
            hist_too_long: Default::default(),
            seq_lt: Default::default(),
            seq_gt: Default::default(),
            seq_max: Default::default(),
            hist_match: Default::default(),
            sender_in_history: Default::default(),
            from_us: Default::default(),
            halted: Default::default(),
            locked: Default::default(),
            accept: Default::default(),
            reason: Default::default(),
            anomaly: Default::default(),
            anomaly_kind: Default::default(),
            halts: Default::default(),
            check_history: Constant::new(check_history),
            check_lock: Constant::new(check_lock),
        }
    }
}

impl Logic for AcceptRule {
    #[hdl_gen]
    fn update(&mut self) {
        self.accept.next = false;
        self.anomaly.next = false;
        self.anomaly_kind.next = 0.into();
        self.halts.next = false;
        self.reason.next = 0.into();
        if self.malformed.val() {
            self.reason.next = 0.into();
        } else if self.cluster_ne.val() {
            self.reason.next = 1.into();
        } else if self.epoch_ne.val() {
            self.reason.next = 2.into();
        } else if self.invalid_id.val() {
            self.reason.next = 3.into();
        } else if !self.sender_member.val() {
            self.reason.next = 4.into();
        } else if self.hist_too_long.val() {
            self.reason.next = 5.into();
        } else if self.halted.val() {
            self.reason.next = 6.into();
        } else if self.seq_lt.val() {
            self.reason.next = 7.into();
            self.anomaly.next = true;
            self.anomaly_kind.next = 3.into();
        } else if self.seq_gt.val() {
            self.reason.next = 8.into();
            self.anomaly.next = true;
            self.anomaly_kind.next = 0.into();
            self.halts.next = true;
        } else if self.seq_max.val() {
            self.reason.next = 12.into();
        } else if !self.hist_match.val() {
            self.reason.next = 9.into();
            self.anomaly.next = true;
            self.anomaly_kind.next = 1.into();
            self.halts.next = true;
        } else if self.check_history.val() & self.sender_in_history.val() {
            self.reason.next = 10.into();
            self.anomaly.next = true;
            self.anomaly_kind.next = 2.into();
        } else if self.check_lock.val() & self.locked.val() & !self.from_us.val() {
            self.reason.next = 11.into();
            self.anomaly.next = true;
            self.anomaly_kind.next = 1.into();
            self.halts.next = true;
        } else {
            self.accept.next = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{settle, test_seed};
    use exo_proto::model::{AnomalyKind, RejectReason};
    use exo_proto::rng::Rng;

    /// The model's reasons in its check order (`Host::check`), each with the flag that
    /// triggers it here.
    fn order() -> Vec<(RejectReason, usize)> {
        use exo_proto::wire::DecodeError;
        use exo_proto::HostId;
        vec![
            (RejectReason::Malformed(DecodeError::Runt { len: 0 }), 0),
            (RejectReason::WrongCluster { got: 0 }, 1),
            (RejectReason::WrongEpoch { got: 0 }, 2),
            (RejectReason::InvalidHostId { id: HostId(0) }, 3),
            (RejectReason::NotAMember { sender: HostId(0) }, 4),
            (RejectReason::BadHistoryLength { got: 0 }, 5),
            (RejectReason::Halted, 6),
            (RejectReason::Stale { local: 0 }, 7),
            (RejectReason::Gap { local: 0 }, 8),
            (RejectReason::SeqExhausted, 9),
            (RejectReason::Divergent, 10),
            (RejectReason::SenderInHistory, 11),
            (RejectReason::ConflictsWithOwn, 12),
        ]
    }

    /// Sets failing conditions `on` (indices into `order()`) and returns the verdict.
    fn judge(r: &mut AcceptRule, on: &[usize]) -> (bool, u64, bool, u64, bool) {
        let has = |i: usize| on.contains(&i);
        r.malformed.next = has(0);
        r.cluster_ne.next = has(1);
        r.epoch_ne.next = has(2);
        r.invalid_id.next = has(3);
        r.sender_member.next = !has(4);
        r.hist_too_long.next = has(5);
        r.halted.next = has(6);
        r.seq_lt.next = has(7);
        r.seq_gt.next = has(8) && !has(7);
        r.seq_max.next = has(9);
        r.hist_match.next = !has(10);
        r.sender_in_history.next = has(11);
        r.locked.next = has(12);
        r.from_us.next = false;
        settle(r);
        (
            r.accept.val(),
            r.reason.val().to_u64(),
            r.anomaly.val(),
            r.anomaly_kind.val().to_u64(),
            r.halts.val(),
        )
    }

    #[test]
    fn first_failing_rule_in_the_models_order_names_the_reason() {
        let mut r = AcceptRule::new(true, true);
        r.connect_all();
        assert!(judge(&mut r, &[]).0, "nothing fails: accepted");
        let seed = test_seed("accept_rule", 0xACC);
        let mut rng = Rng::new(seed);
        let order = order();
        for _ in 0..5_000 {
            let on: Vec<usize> = (0..order.len()).filter(|_| rng.chance(0.3)).collect();
            let Some(&first) = on.iter().min() else {
                continue;
            };
            // Stale and gap exclude each other: a lower seq wins, as the model checks it first.
            let (reason, _) = &order[first];
            let (accept, got, anomaly, kind, halts) = judge(&mut r, &on);
            assert!(!accept, "{on:?}");
            assert_eq!(got, reason.index() as u64, "{on:?}: {reason:?}");
            assert_eq!(anomaly, reason.anomaly().is_some(), "{on:?}");
            if let Some(k) = reason.anomaly() {
                assert_eq!(kind, k.index() as u64);
                assert_eq!(halts, k.halts(), "{k:?}");
            }
        }
        let _ = AnomalyKind::ALL;
    }

    #[test]
    fn own_message_passes_the_lock_and_test_switches_turn_the_rules_off() {
        let mut r = AcceptRule::new(true, true);
        r.connect_all();
        judge(&mut r, &[12]);
        r.from_us.next = true;
        settle(&mut r);
        assert!(
            r.accept.val(),
            "our own message at our locked seq is accepted"
        );
        let mut off = AcceptRule::new(false, false);
        off.connect_all();
        assert!(
            judge(&mut off, &[11]).0,
            "history check off: sender in history accepted"
        );
        assert!(
            judge(&mut off, &[12]).0,
            "lock off: conflicting message accepted"
        );
    }

    #[test]
    fn accept_rule_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut AcceptRule::new(true, true), "accept_rule")
            .expect("yosys synth_ecp5");
    }
}
