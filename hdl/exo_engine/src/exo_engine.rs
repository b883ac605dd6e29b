//! `ExoEngine`: the offload engine's top level — every block, wired.
//!
//! ```text
//!  rx (MAC) ──► FrameRx ──► AcceptRule ──► ProtocolCore ──► Deliver ──► (slice) records (host)
//!                 │  ▲          ▲               │  ▲  │        ▲
//!                 │  └─ HistoryWindow ◄─────────┘  │  │        │
//!                 └──────────► EntryBuffer ────────┼──┼────────┘
//!                  RingTable ◄─────────────────────┘  │
//!                  TokenTimer ◄───────────────────────┤
//!  post (host) ──► PostQueue ──► FrameTx ◄────────────┘──► tx (MAC)
//!  ctl (host) ◄──► ControlPort ──► ProtocolCore, RingTable, TokenTimer, Counters
//! ```
//!
//! The engine resets itself at power-up (registers start at zero; one cycle of internal
//! reset loads the boot state), and again in the cycle after each cycle `reset` is high
//! (`reset` is registered; `cold_start` is sampled in those cycles).

use crate::accept_rule::AcceptRule;
use crate::control_port::ControlPort;
use crate::counters::Counters;
use crate::deliver::Deliver;
use crate::entry_buffer::EntryBuffer;
use crate::frame_rx::FrameRx;
use crate::frame_tx::FrameTx;
use crate::history_window::HistoryWindow;
use crate::params::{EngineParams, ParamError};
use crate::post_queue::PostQueue;
use crate::protocol_core::ProtocolCore;
use crate::ring_table::RingTable;
use crate::token_timer::TokenTimer;
use exo_hdl_common::stream::{FrameRxIn, FrameTxIn, FrameTxOut};
use exo_hdl_common::{Design, StreamSlice};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct ExoEngine {
    /// The engine clock (125 MHz for GMII).
    pub clock: Signal<In, Clock>,
    /// Synchronous reset; the engine also resets itself at power-up.
    pub reset: Signal<In, Bit>,
    /// Sampled in the cycle after `reset` (and in the first cycle after power-up): boot with
    /// the cluster (high) or as a restarted host that waits for a state transfer (low).
    pub cold_start: Signal<In, Bit>,
    /// Frames from the Exo network's MAC (FCS checked and stripped).
    pub rx: FrameRxIn,
    /// This host's frames to the Exo network's MAC.
    pub tx: FrameTxOut,
    /// Messages the host posts: `[len_hi, len_lo, payload…]` per frame.
    pub post: FrameTxIn,
    /// Records to the host: entries, agreement updates, anomalies (see `Deliver`).
    pub records: FrameTxOut,
    /// Control port (see `ControlPort`).
    pub ctl_addr: Signal<In, Bits<8>>,
    pub ctl_wdata: Signal<In, Bits<32>>,
    pub ctl_write: Signal<In, Bit>,
    pub ctl_read: Signal<In, Bit>,
    pub ctl_ready: Signal<Out, Bit>,
    pub ctl_rdata: Signal<Out, Bits<32>>,
    pub ctl_rvalid: Signal<Out, Bit>,
    /// Status: running (not stopped or halted).
    pub running: Signal<Out, Bit>,
    /// Status: this host holds the token.
    pub token: Signal<Out, Bit>,
    /// Status: halted by an anomaly.
    pub anomaly: Signal<Out, Bit>,
    /// Verification: a frame was judged this cycle (`event_accept`, `event_reason`).
    pub event_verdict: Signal<Out, Bit>,
    pub event_accept: Signal<Out, Bit>,
    /// `RejectReason::index()` of a rejection.
    pub event_reason: Signal<Out, Bits<4>>,
    /// For a malformed frame: the failed decode check (`frame_rx::malformed`).
    pub event_detail: Signal<Out, Bits<4>>,
    /// Verification: this host's frame left the engine (its last beat moved).
    pub event_sent: Signal<Out, Bit>,
    /// Verification: a frame was dropped unjudged (MAC error or no room).
    pub event_dropped: Signal<Out, Bit>,
    /// Verification: this host started a frame this cycle.
    pub event_transmit: Signal<Out, Bit>,
    // ---- Blocks (public so that tests can probe them)
    pub frame_rx: FrameRx,
    pub rule: AcceptRule,
    pub history: HistoryWindow,
    pub ring: RingTable,
    pub core: ProtocolCore,
    pub timer: TokenTimer,
    pub queue: PostQueue,
    pub frame_tx: FrameTx,
    pub entries: EntryBuffer,
    pub deliver: Deliver,
    /// The records leave through a register slice: the host's `ready` and the entry buffer's
    /// block RAM (slow from clock to data) never meet in one cycle's path.
    pub records_slice: StreamSlice,
    pub counters: Counters,
    pub control: ControlPort,
    /// The reset every block sees: `reset` registered (a flip-flop drives its large fan-out,
    /// not the pin), and high in the first cycle after power-up.
    rst: DFFWithInit<Bit>,
    /// The entry buffer's `base` of the last cycle (see the record wiring).
    entry_base: DFF<Bits<12>>,
    host_id: Constant<Bits<8>>,
}

impl ExoEngine {
    /// An engine built for `params`; refused if the hardware cannot take them.
    pub fn new(params: &EngineParams) -> Result<ExoEngine, ParamError> {
        params.validate()?;
        Ok(ExoEngine {
            clock: Default::default(),
            reset: Default::default(),
            cold_start: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            post: Default::default(),
            records: Default::default(),
            ctl_addr: Default::default(),
            ctl_wdata: Default::default(),
            ctl_write: Default::default(),
            ctl_read: Default::default(),
            ctl_ready: Default::default(),
            ctl_rdata: Default::default(),
            ctl_rvalid: Default::default(),
            running: Default::default(),
            token: Default::default(),
            anomaly: Default::default(),
            event_verdict: Default::default(),
            event_accept: Default::default(),
            event_reason: Default::default(),
            event_detail: Default::default(),
            event_sent: Default::default(),
            event_dropped: Default::default(),
            event_transmit: Default::default(),
            frame_rx: FrameRx::new(params.hosts, params.cluster),
            rule: AcceptRule::new(
                params.rules.sender_not_in_history,
                params.rules.transmit_lock,
            ),
            history: HistoryWindow::new(params.h(), params.host_id),
            ring: RingTable::new(params.hosts, params.host_id),
            core: ProtocolCore::new(
                params.host_id,
                params.h(),
                params.boot_epoch,
                params.boot_holder,
                params.rules.sender_not_in_history,
            ),
            timer: TokenTimer::new(params.token_timeout_cycles),
            queue: PostQueue::new(params),
            frame_tx: FrameTx::new(params),
            entries: EntryBuffer::default(),
            deliver: Deliver::default(),
            records_slice: StreamSlice::default(),
            counters: Counters::default(),
            control: ControlPort::new(params.hosts, params.host_id, params.h(), params.cluster),
            rst: DFFWithInit::new(true),
            entry_base: Default::default(),
            host_id: Constant::new((params.host_id as u64).to_bits()),
        })
    }
}

impl Logic for ExoEngine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, rst, entry_base);
        self.rst.d.next = self.reset.val();
        // ---- Clock and reset to every block
        self.frame_rx.clock.next = self.clock.val();
        self.history.clock.next = self.clock.val();
        self.ring.clock.next = self.clock.val();
        self.core.clock.next = self.clock.val();
        self.timer.clock.next = self.clock.val();
        self.queue.clock.next = self.clock.val();
        self.frame_tx.clock.next = self.clock.val();
        self.entries.clock.next = self.clock.val();
        self.deliver.clock.next = self.clock.val();
        self.records_slice.clock.next = self.clock.val();
        self.counters.clock.next = self.clock.val();
        self.control.clock.next = self.clock.val();
        self.frame_rx.reset.next = self.rst.q.val();
        self.history.reset.next = self.rst.q.val();
        self.ring.reset.next = self.rst.q.val();
        self.core.reset.next = self.rst.q.val();
        self.timer.reset.next = self.rst.q.val();
        self.queue.reset.next = self.rst.q.val();
        self.frame_tx.reset.next = self.rst.q.val();
        self.entries.reset.next = self.rst.q.val();
        self.deliver.reset.next = self.rst.q.val();
        self.counters.reset.next = self.rst.q.val();
        self.control.reset.next = self.rst.q.val();
        self.core.cold_start.next = self.cold_start.val();
        // ---- Receive: MAC → parser → accept rule → core; payload → entry buffer
        self.frame_rx.rx.data.next = self.rx.data.val();
        self.frame_rx.rx.valid.next = self.rx.valid.val();
        self.frame_rx.rx.last.next = self.rx.last.val();
        self.frame_rx.rx.error.next = self.rx.error.val();
        self.history.a_addr.next = self.frame_rx.hist_addr.val();
        self.frame_rx.hist_newest.next = self.history.newest.val();
        self.frame_rx.hist_data.next = self.history.a_data.val();
        self.history.a2_addr.next = self.frame_rx.hist_addr2.val();
        self.frame_rx.hist_data2.next = self.history.a2_data.val();
        self.frame_rx.local_hist_len.next = self.history.len.val();
        self.entries.frame_begin.next = self.frame_rx.frame_begin.val();
        self.entries.wr_valid.next = self.frame_rx.pay_valid.val();
        self.entries.wr_data.next = self.frame_rx.pay_data.val();
        self.frame_rx.local_seq.next = self.core.seq.val();
        self.frame_rx.local_epoch.next = self.core.epoch.val();
        self.frame_rx.members.next = self.ring.members.val();
        self.frame_rx.history.next = self.history.bitmap.val();
        self.rule.malformed.next = self.frame_rx.malformed.val();
        self.rule.cluster_ne.next = self.frame_rx.cluster_ne.val();
        self.rule.epoch_ne.next = self.frame_rx.epoch_ne.val();
        self.rule.invalid_id.next = self.frame_rx.invalid_id.val();
        self.rule.sender_member.next = self.frame_rx.sender_member.val();
        self.rule.hist_too_long.next = self.frame_rx.hist_too_long.val();
        self.rule.seq_lt.next = self.frame_rx.seq_lt.val();
        self.rule.seq_gt.next = self.frame_rx.seq_gt.val();
        self.rule.seq_max.next = self.frame_rx.seq_max.val();
        self.rule.hist_match.next = self.frame_rx.hist_match.val();
        self.rule.sender_in_history.next = self.frame_rx.sender_in_history.val();
        self.rule.from_us.next = self.frame_rx.sender.val() == self.host_id.val();
        self.rule.halted.next = self.core.halted.val();
        self.rule.locked.next = self.core.locked.val();
        self.core.rx_done.next = self.frame_rx.done.val();
        self.core.rx_mac_error.next = self.frame_rx.mac_error.val();
        self.core.rx_no_room.next = self.entries.overrun.val() | !self.deliver.room.val();
        self.core.rx_seq.next = self.frame_rx.seq.val();
        self.core.rx_epoch.next = self.frame_rx.epoch.val();
        self.core.rx_sender.next = self.frame_rx.sender.val();
        self.core.rx_pay_len.next = self.frame_rx.pay_len.val();
        self.core.rx_busy.next = self.frame_rx.busy.val();
        self.core.acc_accept.next = self.rule.accept.val();
        self.core.acc_reason.next = self.rule.reason.val();
        self.core.rx_detail.next = self.frame_rx.malformed_kind.val();
        self.core.acc_anomaly.next = self.rule.anomaly.val();
        self.core.acc_kind.next = self.rule.anomaly_kind.val();
        self.core.acc_halts.next = self.rule.halts.val();
        // ---- Core ↔ ring, history, timer
        self.ring.lookup_id.next = self.core.ring_lookup_id.val();
        if self.control.ring_lookup.val() {
            self.ring.lookup_id.next = self.control.ring_lookup_id.val();
        }
        self.core.ring_pos.next = self.ring.lookup_pos.val();
        self.core.ring_next.next = self.ring.lookup_next.val();
        self.core.ring_len.next = self.ring.len.val();
        self.core.ring_own_pos.next = self.ring.own_pos.val();
        self.core.ring_members.next = self.ring.members.val();
        self.core.ring_busy.next = self.ring.busy.val();
        self.core.hist_own.next = self.history.holds_own.val();
        self.history.push.next = self.core.hist_push.val();
        self.history.push_id.next = self.core.hist_push_id.val();
        self.history.evict_id.next = self.core.hist_evict_id.val();
        self.core.hist_oldest.next = self.history.oldest.val();
        self.core.rx_last_hist.next = self.frame_rx.last_hist_id.val();
        self.history.clear.next = self.core.hist_clear.val();
        self.core.timer_fire.next = self.timer.fire.val();
        self.timer.arm.next = self.core.timer_arm.val();
        self.timer.slots.next = self.core.timer_slots.val();
        self.timer.stop.next = self.core.timer_stop.val();
        self.timer.ring_len.next = self.ring.len.val();
        self.timer.set_timeout.next = self.control.set_timeout.val();
        self.timer.timeout_in.next = self.control.timeout_in.val();
        // ---- Transmit: core → FrameTx with the queue's head and the history (port B)
        self.queue.post.data.next = self.post.data.val();
        self.queue.post.valid.next = self.post.valid.val();
        self.queue.post.last.next = self.post.last.val();
        self.queue.post.error.next = self.post.error.val();
        self.post.ready.next = self.queue.post.ready.val();
        self.queue.commit.next = self.core.q_commit.val();
        self.core.head_valid.next = self.queue.head_valid.val();
        self.core.tx_busy.next = self.frame_tx.busy.val();
        self.frame_tx.start.next = self.core.tx_start.val();
        self.frame_tx.epoch.next = self.core.epoch.val();
        self.frame_tx.seq.next = self.core.seq.val();
        self.frame_tx.hist_len.next = self.history.len.val();
        self.frame_tx.hist_newest.next = self.history.newest.val();
        self.frame_tx.with_post.next = self.core.tx_with_post.val();
        self.frame_tx.post_valid.next = self.queue.head_valid.val();
        self.frame_tx.post_len.next = self.queue.head_len.val();
        self.frame_tx.post_start.next = self.queue.rd_start.val();
        self.queue.rd_addr.next = self.frame_tx.post_addr.val();
        self.frame_tx.post_data.next = self.queue.rd_data.val();
        self.history.b_addr.next = self.frame_tx.hist_addr.val();
        if self.control.hist_read.val() {
            self.history.b_addr.next = self.control.hist_addr.val();
        }
        self.frame_tx.hist_data.next = self.history.b_data.val();
        self.history.b2_addr.next = self.frame_tx.hist_addr2.val();
        self.frame_tx.hist_data2.next = self.history.b2_data.val();
        self.tx.data.next = self.frame_tx.tx.data.val();
        self.tx.valid.next = self.frame_tx.tx.valid.val();
        self.tx.last.next = self.frame_tx.tx.last.val();
        self.tx.error.next = self.frame_tx.tx.error.val();
        self.frame_tx.tx.ready.next = self.tx.ready.val();
        // ---- Records to the host
        self.entries.commit.next = self.core.buf_commit.val();
        self.entries.rewind.next = self.core.buf_rewind.val();
        self.deliver.push.next = self.core.rec_push.val();
        self.deliver.kind.next = self.core.rec_kind.val();
        self.deliver.seq.next = self.core.rec_seq.val();
        self.deliver.agreed.next = self.core.rec_agreed.val();
        self.deliver.epoch.next = self.core.rec_epoch.val();
        self.deliver.sender.next = self.core.rec_sender.val();
        self.deliver.len.next = self.core.rec_len.val();
        self.deliver.anomaly.next = self.core.rec_anomaly.val();
        self.deliver.has_frame.next = self.core.rec_has_frame.val();
        // The core pushes a record a cycle after its decision, when a commit has already
        // moved the buffer's base on: the entry's base as of the decision.
        self.deliver.base.next = self.entry_base.q.val();
        self.entry_base.d.next = self.entries.base.val();
        self.core.rec_room.next = self.deliver.room.val();
        self.entries.rd_addr.next = self.deliver.buf_addr.val();
        self.deliver.buf_data.next = self.entries.rd_data.val();
        self.entries.free.next = self.deliver.buf_release.val();
        self.entries.free_len.next = self.deliver.buf_release_len.val();
        self.records_slice.inp.data.next = self.deliver.host.data.val();
        self.records_slice.inp.valid.next = self.deliver.host.valid.val();
        self.records_slice.inp.last.next = self.deliver.host.last.val();
        self.records_slice.inp.error.next = self.deliver.host.error.val();
        self.deliver.host.ready.next = self.records_slice.inp.ready.val();
        self.records.data.next = self.records_slice.out.data.val();
        self.records.valid.next = self.records_slice.out.valid.val();
        self.records.last.next = self.records_slice.out.last.val();
        self.records.error.next = self.records_slice.out.error.val();
        self.records_slice.out.ready.next = self.records.ready.val();
        // ---- Counters
        self.counters.ev_verdict.next = self.core.ev_verdict.val();
        self.counters.ev_accept.next = self.core.ev_accept.val();
        self.counters.ev_reason.next = self.core.ev_reason.val();
        self.counters.ev_anomaly.next = self.core.ev_anomaly.val();
        self.counters.ev_anomaly_kind.next = self.core.ev_anomaly_kind.val();
        self.counters.ev_transmit.next = self.core.ev_transmit.val();
        self.counters.ev_mac_error.next = self.core.ev_mac_error.val();
        self.counters.ev_overrun.next = self.core.ev_overrun.val();
        self.counters.ev_record_lost.next = self.core.ev_record_lost.val();
        self.counters.sel.next = self.control.counter_sel.val();
        // ---- Control port
        self.control.addr.next = self.ctl_addr.val();
        self.control.wdata.next = self.ctl_wdata.val();
        self.control.write.next = self.ctl_write.val();
        self.control.read.next = self.ctl_read.val();
        self.ctl_ready.next = self.control.ready.val();
        self.ctl_rdata.next = self.control.rdata.val();
        self.ctl_rvalid.next = self.control.rvalid.val();
        self.core.ctl_op.next = self.control.op.val();
        self.core.ctl_epoch.next = self.control.stage_epoch.val();
        self.core.ctl_seq.next = self.control.stage_seq.val();
        self.core.ctl_holder.next = self.control.stage_holder.val();
        self.core.ctl_ours.next = self.control.stage_ours.val();
        self.core.ctl_sender.next = self.control.stage_sender.val();
        self.control.core_busy.next = self.core.ctl_busy.val();
        self.control.quiet.next = self.core.quiet.val();
        self.control.status.next = self.core.status.val();
        self.control.halt_kind.next = self.core.halt_kind.val();
        self.control.epoch.next = self.core.epoch.val();
        self.control.seq.next = self.core.seq.val();
        self.control.epoch_start.next = self.core.epoch_start.val();
        self.control.agreed.next = self.core.agreed.val();
        self.control.holder.next = self.core.holder.val();
        self.control.inflight_valid.next = self.core.inflight_valid.val();
        self.control.inflight_seq.next = self.core.inflight_seq.val();
        self.control.inflight_post.next = self.core.inflight_post.val();
        self.control.inflight_acceptable.next = self.core.inflight_acceptable.val();
        self.ring.clear.next = self.control.ring_clear.val();
        self.ring.wr.next = self.control.ring_wr.val();
        self.ring.wr_id.next = self.control.ring_wr_id.val();
        self.ring.wr_pos.next = self.control.ring_wr_pos.val();
        self.ring.wr_next.next = self.control.ring_wr_next.val();
        self.ring.set_len.next = self.control.ring_set_len.val();
        self.ring.len_in.next = self.control.ring_len_in.val();
        self.control.ring_pos.next = self.ring.lookup_pos.val();
        self.control.ring_next.next = self.ring.lookup_next.val();
        self.control.ring_len.next = self.ring.len.val();
        self.control.own_pos.next = self.ring.own_pos.val();
        self.control.members.next = self.ring.members.val();
        self.control.ring_busy.next = self.ring.busy.val();
        self.control.hist_len.next = self.history.len.val();
        self.control.hist_newest.next = self.history.newest.val();
        self.control.hist_bitmap.next = self.history.bitmap.val();
        self.control.hist_data.next = self.history.b_data.val();
        self.control.tx_busy.next = self.frame_tx.busy.val();
        self.control.timeout.next = self.timer.timeout.val();
        self.control.queue_depth.next = self.queue.depth.val();
        self.control.posts_accepted.next = self.queue.posts_accepted.val();
        self.control.posts_rejected.next = self.queue.posts_rejected.val();
        self.control.counter_a.next = self.counters.value_a.val();
        self.control.counter_b.next = self.counters.value_b.val();
        self.control.counter_c.next = self.counters.value_c.val();
        // ---- Status and verification events
        self.running.next = self.core.status.val() == 0;
        self.token.next =
            (self.core.holder.val() == self.host_id.val()) & (self.core.status.val() == 0);
        self.anomaly.next = self.core.status.val() == 2;
        self.event_verdict.next = self.core.ev_verdict.val();
        self.event_accept.next = self.core.ev_accept.val();
        self.event_reason.next = self.core.ev_reason.val();
        self.event_detail.next = self.core.ev_detail.val();
        self.event_sent.next = self.frame_tx.done.val();
        self.event_dropped.next = self.core.ev_mac_error.val() | self.core.ev_overrun.val();
        self.event_transmit.next = self.core.ev_transmit.val();
    }
}

/// The engine as an emitted design: `exo_engine.v` with the module `exo_engine`.
pub fn design(params: &EngineParams) -> Result<Design, ParamError> {
    let mut engine = ExoEngine::new(params)?;
    let parameters = serde_json::to_value(params).unwrap_or_default();
    Ok(Design::from_block(
        &mut engine,
        "exo_engine",
        "Exo offload engine: the normal-case protocol at line rate (hdl/exo_engine).",
        parameters,
        include_str!("../waivers.vlt"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(params: &EngineParams, tag: &str) {
        let design = design(params).expect("valid parameters");
        let dir = std::env::temp_dir().join(format!("exo-engine-{tag}-{}", std::process::id()));
        design
            .lint(&dir)
            .expect("verilator --lint-only -Wall with the listed waivers");
        let stats = design.synthesize(&dir).expect("yosys synth_ecp5");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            stats.dp16kd >= 4,
            "the queues and buffers are in block RAM: {stats}"
        );
    }

    #[test]
    fn exo_engine_lints_and_synthesizes_for_256_hosts() {
        check(&EngineParams::new(256, 255), "256");
    }

    #[test]
    fn exo_engine_lints_and_synthesizes_for_3_hosts() {
        check(&EngineParams::new(3, 0), "3");
    }

    #[test]
    fn refuses_unsupported_parameters() {
        let bad = EngineParams::new(300, 0);
        assert!(matches!(ExoEngine::new(&bad), Err(ParamError::Hosts(300))));
        assert!(design(&bad).is_err());
    }
}
