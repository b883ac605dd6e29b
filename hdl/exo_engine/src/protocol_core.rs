//! `ProtocolCore`: the engine's protocol state and every change to it.
//!
//! It holds what the golden model's `Host` holds in hardware registers — status, epoch, seq,
//! the epoch's first position, the agreement pointer, the token holder and the message in
//! flight — and applies, one at a time:
//!
//! - **verdicts** on received frames (cycle after `FrameRx::done`: the verdict is registered;
//!   the cycle after that it is applied): an accept appends (the entry goes to the host as a
//!   record), increments seq, shifts the sender into the history, moves the agreement pointer
//!   to s − h + 1 and passes the token to the sender's successor; a reject is counted and may
//!   report an anomaly and halt;
//! - **turns**: when the token reaches this host it starts `FrameTx` with its next posted
//!   message, or an empty one (the model's `transmit`, including resending the message in
//!   flight at the same seq);
//! - **timer deadlines**: `TokenLost` reports;
//! - **control operations** from the host software (stop, load an epoch, append repaired
//!   entries, resume), only while no frame is being received or judged, so that each one
//!   lands between two frames as it does in the model.
//!
//! Boot: after `reset` the core waits for the ring table's boot ring, then passes the token
//! to the boot holder (with `cold_start`), or halts as a restarted host (without).

use rust_hdl::prelude::*;

/// `status` values.
pub mod status {
    pub const RUNNING: u64 = 0;
    pub const STOPPED: u64 = 1;
    pub const HALTED: u64 = 2;
}

/// `rec_kind` values: what a record for the host says.
pub mod record {
    /// An accepted entry (seq, epoch, sender, payload) and the agreement pointer after it.
    pub const ENTRY: u64 = 1;
    /// The agreement pointer moved without an entry (after a repair).
    pub const AGREED: u64 = 2;
    /// An anomaly report.
    pub const ANOMALY: u64 = 3;
}

/// Control operations (`ctl_op`).
pub mod op {
    pub const NONE: u64 = 0;
    /// Stop: nothing is accepted, agreed or sent until a load.
    pub const STOP: u64 = 1;
    /// Load an epoch: `ctl_epoch`, `ctl_seq` (the log's length), `ctl_holder` (first holder),
    /// `ctl_ours` (the log holds our in-flight message at its seq).
    pub const LOAD_EPOCH: u64 = 2;
    /// Append a repaired entry from `ctl_sender` at the current seq.
    pub const APPEND: u64 = 3;
    /// Resume after appends: agree, run, pass the token to `ctl_holder`.
    pub const RESUME: u64 = 4;
}

#[derive(LogicBlock)]
pub struct ProtocolCore {
    // ---- Clock and boot
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Sampled during reset: boot with the cluster (high) or as a restarted host (low).
    pub cold_start: Signal<In, Bit>,
    // ---- A judged frame (FrameRx and AcceptRule, valid while `rx_done`)
    pub rx_done: Signal<In, Bit>,
    pub rx_mac_error: Signal<In, Bit>,
    /// The entry buffer or the record FIFO could not take this frame.
    pub rx_no_room: Signal<In, Bit>,
    pub rx_seq: Signal<In, Bits<64>>,
    pub rx_epoch: Signal<In, Bits<32>>,
    pub rx_sender: Signal<In, Bits<8>>,
    pub rx_pay_len: Signal<In, Bits<16>>,
    pub rx_busy: Signal<In, Bit>,
    pub acc_accept: Signal<In, Bit>,
    pub acc_reason: Signal<In, Bits<4>>,
    /// For malformed frames: which decode check failed (`frame_rx::malformed`).
    pub rx_detail: Signal<In, Bits<4>>,
    pub acc_anomaly: Signal<In, Bit>,
    pub acc_kind: Signal<In, Bits<3>>,
    pub acc_halts: Signal<In, Bit>,
    // ---- Ring table
    pub ring_lookup_id: Signal<Out, Bits<8>>,
    /// Position of the looked-up id (the previous cycle's `ring_lookup_id`).
    pub ring_pos: Signal<In, Bits<8>>,
    /// Successor of the looked-up id.
    pub ring_next: Signal<In, Bits<8>>,
    pub ring_len: Signal<In, Bits<9>>,
    pub ring_own_pos: Signal<In, Bits<8>>,
    pub ring_members: Signal<In, Bits<256>>,
    pub ring_busy: Signal<In, Bit>,
    // ---- History window
    /// This host's id is in the window.
    pub hist_own: Signal<In, Bit>,
    pub hist_push: Signal<Out, Bit>,
    pub hist_push_id: Signal<Out, Bits<8>>,
    pub hist_evict_id: Signal<Out, Bits<8>>,
    /// The window's oldest id (for repaired entries).
    pub hist_oldest: Signal<In, Bits<8>>,
    /// The judged frame's last history id (the oldest, if it is accepted into a full window).
    pub rx_last_hist: Signal<In, Bits<8>>,
    pub hist_clear: Signal<Out, Bit>,
    // ---- Token timer
    pub timer_fire: Signal<In, Bit>,
    pub timer_arm: Signal<Out, Bit>,
    pub timer_slots: Signal<Out, Bits<9>>,
    pub timer_stop: Signal<Out, Bit>,
    // ---- Transmit path
    pub tx_busy: Signal<In, Bit>,
    pub head_valid: Signal<In, Bit>,
    pub tx_start: Signal<Out, Bit>,
    pub tx_with_post: Signal<Out, Bit>,
    pub q_commit: Signal<Out, Bit>,
    // ---- Entry buffer
    pub buf_commit: Signal<Out, Bit>,
    pub buf_rewind: Signal<Out, Bit>,
    // ---- Records for the host (one per cycle at most)
    pub rec_push: Signal<Out, Bit>,
    pub rec_kind: Signal<Out, Bits<2>>,
    /// ENTRY: the entry's seq; ANOMALY: the frame's seq.
    pub rec_seq: Signal<Out, Bits<64>>,
    /// ENTRY, AGREED: the agreement pointer; ANOMALY: the local seq.
    pub rec_agreed: Signal<Out, Bits<64>>,
    pub rec_epoch: Signal<Out, Bits<32>>,
    pub rec_sender: Signal<Out, Bits<8>>,
    pub rec_len: Signal<Out, Bits<16>>,
    pub rec_anomaly: Signal<Out, Bits<3>>,
    /// ANOMALY: the report is about a received frame (`rec_seq`, `rec_sender` are its).
    pub rec_has_frame: Signal<Out, Bit>,
    pub rec_room: Signal<In, Bit>,
    // ---- Control operations
    pub ctl_op: Signal<In, Bits<3>>,
    pub ctl_epoch: Signal<In, Bits<32>>,
    pub ctl_seq: Signal<In, Bits<64>>,
    pub ctl_holder: Signal<In, Bits<8>>,
    pub ctl_ours: Signal<In, Bit>,
    pub ctl_sender: Signal<In, Bits<8>>,
    /// An operation is in progress or must wait: `ctl_op` is taken only while this is low.
    pub ctl_busy: Signal<Out, Bit>,
    /// No frame is being received or judged, nothing waits to be sent, no operation runs:
    /// the control port may use the ring table's and history's read ports.
    pub quiet: Signal<Out, Bit>,
    // ---- State
    pub status: Signal<Out, Bits<2>>,
    pub halt_kind: Signal<Out, Bits<3>>,
    pub halted: Signal<Out, Bit>,
    pub epoch: Signal<Out, Bits<32>>,
    pub seq: Signal<Out, Bits<64>>,
    pub epoch_start: Signal<Out, Bits<64>>,
    pub agreed: Signal<Out, Bits<64>>,
    pub holder: Signal<Out, Bits<8>>,
    pub inflight_valid: Signal<Out, Bit>,
    pub inflight_seq: Signal<Out, Bits<64>>,
    pub inflight_post: Signal<Out, Bit>,
    pub inflight_acceptable: Signal<Out, Bit>,
    /// The transmit lock holds at the local seq.
    pub locked: Signal<Out, Bit>,
    // ---- Events (one cycle each), for the counters and the verdict port
    pub ev_verdict: Signal<Out, Bit>,
    pub ev_accept: Signal<Out, Bit>,
    pub ev_reason: Signal<Out, Bits<4>>,
    pub ev_detail: Signal<Out, Bits<4>>,
    pub ev_anomaly: Signal<Out, Bit>,
    pub ev_anomaly_kind: Signal<Out, Bits<3>>,
    pub ev_transmit: Signal<Out, Bit>,
    pub ev_mac_error: Signal<Out, Bit>,
    pub ev_overrun: Signal<Out, Bit>,
    pub ev_record_lost: Signal<Out, Bit>,
    // ---- Registers
    status_r: DFF<Bits<2>>,
    kind_r: DFF<Bits<3>>,
    epoch_r: DFF<Bits<32>>,
    seq_r: DFF<Bits<64>>,
    start_r: DFF<Bits<64>>,
    agreed_r: DFF<Bits<64>>,
    holder_r: DFF<Bits<8>>,
    if_valid: DFF<Bit>,
    if_seq: DFF<Bits<64>>,
    if_post: DFF<Bit>,
    if_acc: DFF<Bit>,
    // The registered verdict (applied the cycle after `rx_done`).
    v_valid: DFF<Bit>,
    v_drop_err: DFF<Bit>,
    v_drop_room: DFF<Bit>,
    v_accept: DFF<Bit>,
    v_reason: DFF<Bits<4>>,
    v_detail: DFF<Bits<4>>,
    v_anomaly: DFF<Bit>,
    v_kind: DFF<Bits<3>>,
    v_halts: DFF<Bit>,
    v_seq: DFF<Bits<64>>,
    v_epoch: DFF<Bits<32>>,
    v_sender: DFF<Bits<8>>,
    v_len: DFF<Bits<16>>,
    want_tx: DFF<Bit>,
    /// FrameTx's start and payload choice, registered (the turn decision is not in FrameTx's
    /// paths).
    tx_go: DFF<Bit>,
    tx_post: DFF<Bit>,
    lost_pending: DFF<Bit>,
    /// The record decided in the last cycle: pushed, its kind, whether it reports a lost
    /// token. Its fields are read a cycle after the decision from registers that hold them
    /// (`v_*` until the next verdict, `agreed_r` as updated, `seq_prev`), so the decision's
    /// logic ends at these three flip-flops instead of the 200-bit descriptor.
    rq_push: DFF<Bit>,
    rq_kind: DFF<Bits<2>>,
    rq_lost: DFF<Bit>,
    /// `seq_r` of the last cycle: the local seq an anomaly record reports.
    seq_prev: DFF<Bits<64>>,
    /// Control sequencing, one-hot (bit k: phase k; each test is one flip-flop, none a
    /// decode): 0 idle, 1 boot (wait for the ring), 2, 5, 6 pass-token lookup (the ring
    /// table's two-cycle read, then the registered steps), 3 pass-token apply, 4, 7 cool-down
    /// (two idle cycles after every operation, so that the history window's registered oldest
    /// id is valid for the next repair). Starts idle; the engine's power-up reset boots it.
    phase: DFFWithInit<Bits<8>>,
    pass_holder: DFF<Bits<8>>,
    /// A control operation taken from the port, executed the next cycle (from a register,
    /// so that the port's handshake is not in the state update's paths).
    op_r: DFF<Bits<3>>,
    /// A load (high) or a resume (low) waits for its token pass: it takes effect, all at
    /// once as in the model, in the cycle the token passes.
    pend_load: DFF<Bit>,
    ld_epoch: DFF<Bits<32>>,
    ld_seq: DFF<Bits<64>>,
    ld_ours: DFF<Bit>,
    /// Ring steps from the new holder to this host, registered (see "Where the token goes").
    steps_r: DFF<Bits<9>>,
    v_next: DFF<Bits<64>>,
    v_agree_to: DFF<Bits<64>>,
    v_last_hist: DFF<Bits<8>>,
    /// epoch start + h, and seq − h: the agreement bounds, a cycle behind their inputs.
    start_h: DFF<Bits<64>>,
    seq_mh: DFF<Bits<64>>,
    /// agreed + h: an accepted seq at or above it moves the agreement pointer.
    agreed_h: DFF<Bits<64>>,
    /// The verdict's agreement decisions, compared when it is registered.
    v_can_agree: DFF<Bit>,
    v_moves: DFF<Bit>,
    /// The frame's seq + 1, seq + 1 − h and its two agreement comparisons, computed in every
    /// cycle for the verdict to take. A frame's seq is in tens of cycles before the frame
    /// ends (it is in the header), and the bounds it is compared with change only within a
    /// few cycles of a verdict or a control operation, so these are current when it is
    /// taken; the verdict's registers then load from flip-flops, not from 64-bit adders
    /// behind the receive path's wires.
    rx_next: DFF<Bits<64>>,
    rx_agree_to: DFF<Bits<64>>,
    rx_can_agree: DFF<Bit>,
    rx_moves: DFF<Bit>,
    /// A resume's agreement decisions, compared every cycle.
    res_can_agree: DFF<Bit>,
    res_moves: DFF<Bit>,
    /// seq ≥ epoch start: a repaired entry belongs to the epoch and enters the history.
    in_epoch: DFF<Bit>,
    hp_r: DFF<Bit>,
    /// The queue's commit, registered like the history commands.
    commit_r: DFF<Bit>,
    /// `commit_r` a cycle later, while the queue (which registers it again) pops.
    commit_r2: DFF<Bit>,
    commit_now: Signal<Local, Bit>,
    seq_max: DFF<Bit>,
    hpid_r: DFF<Bits<8>>,
    hev_r: DFF<Bits<8>>,
    hcl_r: DFF<Bit>,
    h_push: Signal<Local, Bit>,
    h_push_id: Signal<Local, Bits<8>>,
    h_evict: Signal<Local, Bits<8>>,
    h_clear: Signal<Local, Bit>,
    // ---- Combinational helpers
    own_member: Signal<Local, Bit>,
    pos9: Signal<Local, Bits<9>>,
    own9: Signal<Local, Bits<9>>,
    /// own position + ring length, registered.
    own_len: DFF<Bits<9>>,
    steps: Signal<Local, Bits<9>>,
    agree_to: Signal<Local, Bits<64>>,
    can_agree: Signal<Local, Bit>,
    resend: Signal<Local, Bit>,
    new_acceptable: Signal<Local, Bit>,
    ctl_free: Signal<Local, Bit>,
    token_moves: Signal<Local, Bit>,
    /// A deadline that reports a lost token now (or, behind a verdict, next cycle).
    lost_now: Signal<Local, Bit>,
    /// `lost_now` when no verdict is applied (only a control pass moves the token then):
    /// the record decision below does not wait for the verdict's flags.
    lost_idle: Signal<Local, Bit>,
    // ---- Elaboration constants
    host_id: Constant<Bits<8>>,
    h: Constant<Bits<64>>,
    /// h − 1 (wrapping: with h = 0, seq − (h − 1) is seq + 1).
    h_less_1: Constant<Bits<64>>,
    boot_epoch: Constant<Bits<32>>,
    boot_holder: Constant<Bits<8>>,
    check_history: Constant<Bit>,
}

impl ProtocolCore {
    /// The core of host `host_id`, history length `h`, booting in `boot_epoch` with the token
    /// at `boot_holder`. `check_history` is the sender-not-in-history rule (test-only off).
    pub fn new(
        host_id: u8,
        h: usize,
        boot_epoch: u32,
        boot_holder: u8,
        check_history: bool,
    ) -> Self {
        ProtocolCore {
            clock: Default::default(),
            reset: Default::default(),
            cold_start: Default::default(),
            rx_done: Default::default(),
            rx_mac_error: Default::default(),
            rx_no_room: Default::default(),
            rx_seq: Default::default(),
            rx_epoch: Default::default(),
            rx_sender: Default::default(),
            rx_pay_len: Default::default(),
            rx_busy: Default::default(),
            acc_accept: Default::default(),
            acc_reason: Default::default(),
            rx_detail: Default::default(),
            acc_anomaly: Default::default(),
            acc_kind: Default::default(),
            acc_halts: Default::default(),
            ring_lookup_id: Default::default(),
            ring_pos: Default::default(),
            ring_next: Default::default(),
            ring_len: Default::default(),
            ring_own_pos: Default::default(),
            ring_members: Default::default(),
            ring_busy: Default::default(),
            hist_own: Default::default(),
            hist_push: Default::default(),
            hist_push_id: Default::default(),
            hist_evict_id: Default::default(),
            hist_oldest: Default::default(),
            rx_last_hist: Default::default(),
            hist_clear: Default::default(),
            timer_fire: Default::default(),
            timer_arm: Default::default(),
            timer_slots: Default::default(),
            timer_stop: Default::default(),
            tx_busy: Default::default(),
            head_valid: Default::default(),
            tx_start: Default::default(),
            tx_with_post: Default::default(),
            q_commit: Default::default(),
            buf_commit: Default::default(),
            buf_rewind: Default::default(),
            rec_push: Default::default(),
            rec_kind: Default::default(),
            rec_seq: Default::default(),
            rec_agreed: Default::default(),
            rec_epoch: Default::default(),
            rec_sender: Default::default(),
            rec_len: Default::default(),
            rec_anomaly: Default::default(),
            rec_has_frame: Default::default(),
            rec_room: Default::default(),
            ctl_op: Default::default(),
            ctl_epoch: Default::default(),
            ctl_seq: Default::default(),
            ctl_holder: Default::default(),
            ctl_ours: Default::default(),
            ctl_sender: Default::default(),
            ctl_busy: Default::default(),
            quiet: Default::default(),
            status: Default::default(),
            halt_kind: Default::default(),
            halted: Default::default(),
            epoch: Default::default(),
            seq: Default::default(),
            epoch_start: Default::default(),
            agreed: Default::default(),
            holder: Default::default(),
            inflight_valid: Default::default(),
            inflight_seq: Default::default(),
            inflight_post: Default::default(),
            inflight_acceptable: Default::default(),
            locked: Default::default(),
            ev_verdict: Default::default(),
            ev_accept: Default::default(),
            ev_reason: Default::default(),
            ev_detail: Default::default(),
            ev_anomaly: Default::default(),
            ev_anomaly_kind: Default::default(),
            ev_transmit: Default::default(),
            ev_mac_error: Default::default(),
            ev_overrun: Default::default(),
            ev_record_lost: Default::default(),
            status_r: Default::default(),
            kind_r: Default::default(),
            epoch_r: Default::default(),
            seq_r: Default::default(),
            start_r: Default::default(),
            agreed_r: Default::default(),
            holder_r: Default::default(),
            if_valid: Default::default(),
            if_seq: Default::default(),
            if_post: Default::default(),
            if_acc: Default::default(),
            v_valid: Default::default(),
            v_drop_err: Default::default(),
            v_drop_room: Default::default(),
            v_accept: Default::default(),
            v_reason: Default::default(),
            v_detail: Default::default(),
            v_anomaly: Default::default(),
            v_kind: Default::default(),
            v_halts: Default::default(),
            v_seq: Default::default(),
            v_epoch: Default::default(),
            v_sender: Default::default(),
            v_len: Default::default(),
            want_tx: Default::default(),
            tx_go: Default::default(),
            tx_post: Default::default(),
            lost_pending: Default::default(),
            rq_push: Default::default(),
            rq_kind: Default::default(),
            rq_lost: Default::default(),
            seq_prev: Default::default(),
            phase: DFFWithInit::new(1.into()),
            pass_holder: Default::default(),
            op_r: Default::default(),
            pend_load: Default::default(),
            ld_epoch: Default::default(),
            ld_seq: Default::default(),
            ld_ours: Default::default(),
            steps_r: Default::default(),
            v_next: Default::default(),
            v_agree_to: Default::default(),
            v_last_hist: Default::default(),
            start_h: Default::default(),
            seq_mh: Default::default(),
            agreed_h: Default::default(),
            v_can_agree: Default::default(),
            v_moves: Default::default(),
            rx_next: Default::default(),
            rx_agree_to: Default::default(),
            rx_can_agree: Default::default(),
            rx_moves: Default::default(),
            res_can_agree: Default::default(),
            res_moves: Default::default(),
            in_epoch: Default::default(),
            hp_r: Default::default(),
            commit_r: Default::default(),
            commit_r2: Default::default(),
            commit_now: Default::default(),
            seq_max: Default::default(),
            hpid_r: Default::default(),
            hev_r: Default::default(),
            hcl_r: Default::default(),
            h_push: Default::default(),
            h_push_id: Default::default(),
            h_evict: Default::default(),
            h_clear: Default::default(),
            own_member: Default::default(),
            pos9: Default::default(),
            own9: Default::default(),
            own_len: Default::default(),
            steps: Default::default(),
            agree_to: Default::default(),
            can_agree: Default::default(),
            resend: Default::default(),
            new_acceptable: Default::default(),
            ctl_free: Default::default(),
            token_moves: Default::default(),
            lost_now: Default::default(),
            lost_idle: Default::default(),
            host_id: Constant::new((host_id as u64).to_bits()),
            h: Constant::new((h as u64).to_bits()),
            h_less_1: Constant::new((h as u64).wrapping_sub(1).to_bits()),
            boot_epoch: Constant::new((boot_epoch as u64).to_bits()),
            boot_holder: Constant::new((boot_holder as u64).to_bits()),
            check_history: Constant::new(check_history),
        }
    }
}

impl Logic for ProtocolCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            rq_push,
            rq_kind,
            rq_lost,
            seq_prev,
            status_r,
            kind_r,
            epoch_r,
            seq_r,
            start_r,
            agreed_r,
            holder_r,
            if_valid,
            if_seq,
            if_post,
            if_acc,
            v_valid,
            v_drop_err,
            v_drop_room,
            v_accept,
            v_reason,
            v_detail,
            v_anomaly,
            v_kind,
            v_halts,
            v_seq,
            v_epoch,
            v_sender,
            v_len,
            want_tx,
            tx_go,
            tx_post,
            lost_pending,
            phase,
            pass_holder,
            op_r,
            pend_load,
            ld_epoch,
            ld_seq,
            ld_ours,
            steps_r,
            v_next,
            v_agree_to,
            v_last_hist,
            start_h,
            seq_mh,
            agreed_h,
            v_can_agree,
            v_moves,
            rx_next,
            rx_agree_to,
            rx_can_agree,
            rx_moves,
            res_can_agree,
            res_moves,
            in_epoch,
            hp_r,
            own_len,
            commit_r,
            commit_r2,
            seq_max,
            hpid_r,
            hev_r,
            hcl_r
        );
        // ---- State out
        self.status.next = self.status_r.q.val();
        self.halt_kind.next = self.kind_r.q.val();
        self.halted.next = self.status_r.q.val() != 0;
        self.epoch.next = self.epoch_r.q.val();
        self.seq.next = self.seq_r.q.val();
        self.epoch_start.next = self.start_r.q.val();
        self.agreed.next = self.agreed_r.q.val();
        self.holder.next = self.holder_r.q.val();
        self.inflight_valid.next = self.if_valid.q.val();
        self.inflight_seq.next = self.if_seq.q.val();
        self.inflight_post.next = self.if_post.q.val();
        self.inflight_acceptable.next = self.if_acc.q.val();
        // A message in flight is always at the local seq: every change of seq settles it.
        self.locked.next = self.if_valid.q.val() & self.if_acc.q.val();
        self.own_member.next = self.ring_members.val().get_bit(self.host_id.val().index());
        // ---- Defaults: no command, no event
        // History commands leave through registers (applied the next cycle, before anything
        // reads the window again), keeping the window's bitmap update short.
        self.q_commit.next = self.commit_r.q.val();
        self.commit_now.next = false;
        self.hist_push.next = self.hp_r.q.val();
        self.hist_push_id.next = self.hpid_r.q.val();
        self.hist_evict_id.next = self.hev_r.q.val();
        self.hist_clear.next = self.hcl_r.q.val();
        self.h_push.next = false;
        self.h_push_id.next = self.v_sender.q.val();
        self.h_evict.next = self.v_last_hist.q.val();
        self.h_clear.next = false;
        self.timer_arm.next = false;
        // The first deadline, for every arm below: `steps` timeouts away, or a whole trip
        // when the token is ours (steps = 0). It depends on no verdict (the timer reads it
        // only with `arm`), which keeps the verdict's selects off its path.
        self.timer_slots.next = self.steps_r.q.val();
        if !self.steps_r.q.val().any() {
            self.timer_slots.next = self.ring_len.val();
        }
        self.timer_stop.next = false;
        self.tx_start.next = self.tx_go.q.val();
        self.tx_with_post.next = self.tx_post.q.val();
        self.tx_go.d.next = false;
        self.tx_post.d.next = false;
        self.commit_now.next = false;
        self.buf_commit.next = false;
        self.buf_rewind.next = false;
        // ---- The record decided last cycle, its fields from registers
        self.rq_push.d.next = false;
        self.rq_kind.d.next = 1.into();
        self.rq_lost.d.next = false;
        self.seq_prev.d.next = self.seq_r.q.val();
        self.rec_push.next = self.rq_push.q.val();
        self.rec_kind.next = self.rq_kind.q.val();
        self.rec_seq.next = self.v_seq.q.val();
        self.rec_agreed.next = self.agreed_r.q.val();
        if self.rq_kind.q.val() == 3 {
            self.rec_agreed.next = self.seq_prev.q.val();
        }
        self.rec_epoch.next = self.v_epoch.q.val();
        self.rec_sender.next = self.v_sender.q.val();
        self.rec_len.next = self.v_len.q.val();
        self.rec_anomaly.next = self.v_kind.q.val();
        self.rec_has_frame.next = true;
        if self.rq_lost.q.val() {
            self.rec_seq.next = 0.into();
            self.rec_sender.next = 0.into();
            self.rec_anomaly.next = 5.into();
            self.rec_has_frame.next = false;
        }
        self.ev_verdict.next = false;
        self.ev_accept.next = false;
        self.ev_reason.next = self.v_reason.q.val();
        self.ev_detail.next = self.v_detail.q.val();
        self.ev_anomaly.next = false;
        self.ev_anomaly_kind.next = self.v_kind.q.val();
        self.ev_transmit.next = false;
        self.ev_mac_error.next = false;
        self.ev_overrun.next = false;
        self.ev_record_lost.next = false;
        self.v_valid.d.next = false;
        // ---- Where the token goes: the ring position of the new holder, and how many ring
        // steps it is from this host (0: this host holds the token).
        self.ring_lookup_id.next = self.rx_sender.val();
        if (self.phase.q.val().get_bit(2))
            | (self.phase.q.val().get_bit(5))
            | (self.phase.q.val().get_bit(6))
            | (self.phase.q.val().get_bit(3))
        {
            self.ring_lookup_id.next = self.pass_holder.q.val();
        }
        // steps = (own position − holder's position) mod ring length, where the holder is
        // the looked-up id's successor (a verdict) or the looked-up id itself (a control
        // pass). Both differences and the wrapped ones are computed side by side from
        // registers and one is picked, so no adder waits for another.
        self.pos9.next = bit_cast::<9, 8>(self.ring_pos.val());
        self.own9.next = bit_cast::<9, 8>(self.ring_own_pos.val());
        self.own_len.d.next = self.own9.val() + self.ring_len.val();
        self.steps.next = self.own9.val() - self.pos9.val() - 1;
        if self.own9.val() <= self.pos9.val() {
            self.steps.next = self.own_len.q.val() - self.pos9.val() - 1;
        }
        if (self.phase.q.val().get_bit(5)) | (self.phase.q.val().get_bit(6)) {
            self.steps.next = self.own9.val() - self.pos9.val();
            if self.own9.val() < self.pos9.val() {
                self.steps.next = self.own_len.q.val() - self.pos9.val();
            }
        }
        self.steps_r.d.next = self.steps.val();
        // ---- Agreement: with s entries, entries below s − h are agreed once the epoch holds
        // h + 1 entries (so entries before the epoch are agreed with them): s > start + h.
        // s is the accepted seq + 1 for a verdict, the local seq for a resume.
        // Every comparison is between registers, computed a cycle ahead of its use.
        self.start_h.d.next = self.start_r.q.val() + self.h.val();
        self.seq_mh.d.next = self.seq_r.q.val() - self.h.val();
        self.agreed_h.d.next = self.agreed_r.q.val() + self.h.val();
        self.res_can_agree.d.next = self.seq_r.q.val() > self.start_h.q.val();
        self.res_moves.d.next = self.seq_mh.q.val() > self.agreed_r.q.val();
        self.in_epoch.d.next = self.seq_r.q.val() >= self.start_r.q.val();
        self.seq_max.d.next = self.seq_r.q.val().all();
        self.can_agree.next = self.res_can_agree.q.val() & self.res_moves.q.val();
        self.agree_to.next = self.seq_mh.q.val();
        if self.v_valid.q.val() {
            self.can_agree.next = self.v_can_agree.q.val() & self.v_moves.q.val();
            self.agree_to.next = self.v_agree_to.q.val();
        }
        // seq + 1 > start + h, and seq + 1 − h > agreed (see `rx_next`).
        self.rx_next.d.next = self.rx_seq.val() + 1;
        self.rx_agree_to.d.next = self.rx_seq.val() - self.h_less_1.val();
        self.rx_can_agree.d.next = self.rx_seq.val() >= self.start_h.q.val();
        self.rx_moves.d.next = self.rx_seq.val() >= self.agreed_h.q.val();
        // ---- Register the verdict on a finished frame
        if self.rx_done.val() {
            self.v_valid.d.next = true;
            self.v_drop_err.d.next = self.rx_mac_error.val();
            self.v_drop_room.d.next = !self.rx_mac_error.val()
                & self.rx_no_room.val()
                & (self.acc_accept.val() | self.acc_anomaly.val());
            self.v_accept.d.next = self.acc_accept.val();
            self.v_reason.d.next = self.acc_reason.val();
            self.v_detail.d.next = self.rx_detail.val();
            self.v_anomaly.d.next = self.acc_anomaly.val();
            self.v_kind.d.next = self.acc_kind.val();
            self.v_halts.d.next = self.acc_halts.val();
            self.v_seq.d.next = self.rx_seq.val();
            self.v_next.d.next = self.rx_next.q.val();
            self.v_agree_to.d.next = self.rx_agree_to.q.val();
            self.v_can_agree.d.next = self.rx_can_agree.q.val();
            self.v_moves.d.next = self.rx_moves.q.val();
            self.v_last_hist.d.next = self.rx_last_hist.val();
            self.v_epoch.d.next = self.rx_epoch.val();
            self.v_sender.d.next = self.rx_sender.val();
            self.v_len.d.next = self.rx_pay_len.val();
        }
        // ---- Apply it
        if self.v_valid.q.val() {
            if self.v_drop_err.q.val() | self.v_drop_room.q.val() {
                // As if the frame never arrived.
                self.buf_rewind.next = true;
                self.ev_mac_error.next = self.v_drop_err.q.val();
                self.ev_overrun.next = self.v_drop_room.q.val();
            } else if self.v_accept.q.val() {
                self.ev_verdict.next = true;
                self.ev_accept.next = true;
                // Our message at this seq is either the one accepted, or it goes back to
                // the head of the queue (it never left it: only commit pops).
                if self.if_valid.q.val()
                    & (self.v_sender.q.val() == self.host_id.val())
                    & self.if_post.q.val()
                {
                    self.commit_now.next = true;
                }
                self.if_valid.d.next = false;
                self.seq_r.d.next = self.v_next.q.val();
                self.h_push.next = true;
                self.h_evict.next = self.v_last_hist.q.val();
                self.buf_commit.next = true;
                if self.can_agree.val() {
                    self.agreed_r.d.next = self.agree_to.val();
                }
                self.rq_push.d.next = true;
                self.rq_kind.d.next = 1.into();
                // The sender's successor holds the token now.
                self.holder_r.d.next = self.ring_next.val();
                if self.own_member.val() {
                    self.timer_arm.next = true;
                    if self.steps_r.q.val() == 0 {
                        self.want_tx.d.next = true;
                    }
                } else {
                    self.timer_stop.next = true;
                }
            } else {
                self.ev_verdict.next = true;
                self.buf_rewind.next = true;
                if self.v_anomaly.q.val() {
                    self.ev_anomaly.next = true;
                    self.rq_kind.d.next = 3.into();
                    self.rq_push.d.next = self.rec_room.val();
                    self.ev_record_lost.next = !self.rec_room.val();
                    if self.v_halts.q.val() {
                        self.status_r.d.next = 2.into();
                        self.kind_r.d.next = self.v_kind.q.val();
                        self.timer_stop.next = true;
                    }
                }
            }
        }
        // ---- Our turn: send the message in flight again, or the next one
        self.resend.next = self.if_valid.q.val();
        self.new_acceptable.next = !(self.check_history.val() & self.hist_own.val());
        // The turn is decided once the history command of the same event has been applied
        // (our acceptability depends on the window).
        if self.want_tx.q.val()
            & !self.tx_busy.val()
            & !self.tx_go.q.val()
            & !self.hp_r.q.val()
            & !self.hcl_r.q.val()
            & !self.commit_r.q.val()
            & !self.commit_r2.q.val()
        {
            self.want_tx.d.next = false;
            if self.status_r.q.val() == 0 {
                self.tx_go.d.next = true;
                self.ev_transmit.next = true;
                if self.resend.val() {
                    self.tx_post.d.next = self.if_post.q.val();
                } else {
                    self.tx_post.d.next = self.new_acceptable.val() & self.head_valid.val();
                    self.if_valid.d.next = true;
                    self.if_seq.d.next = self.seq_r.q.val();
                    self.if_post.d.next = self.new_acceptable.val() & self.head_valid.val();
                    self.if_acc.d.next = self.new_acceptable.val();
                }
            }
        }
        // ---- Token lost: report it (a cycle late if a verdict uses the record port now);
        // a deadline in the cycle the token moves is no loss.
        self.token_moves.next = (self.v_valid.q.val()
            & self.v_accept.q.val()
            & !self.v_drop_err.q.val()
            & !self.v_drop_room.q.val())
            | (self.phase.q.val().get_bit(3));
        self.lost_now.next =
            self.timer_fire.val() & (self.status_r.q.val() == 0) & !self.token_moves.val();
        self.lost_idle.next =
            self.timer_fire.val() & (self.status_r.q.val() == 0) & !self.phase.q.val().get_bit(3);
        if self.v_valid.q.val() {
            if self.lost_now.val() {
                self.lost_pending.d.next = true;
            }
        } else {
            self.lost_pending.d.next = false;
            if (self.status_r.q.val() == 0) & (self.lost_idle.val() | self.lost_pending.q.val()) {
                self.ev_anomaly.next = true;
                self.ev_anomaly_kind.next = 5.into();
                self.rq_push.d.next = self.rec_room.val();
                self.ev_record_lost.next = !self.rec_room.val();
                self.rq_kind.d.next = 3.into();
                self.rq_lost.d.next = true;
            }
        }
        // ---- Control operations, between frames only
        self.ctl_free.next = !self.rx_busy.val()
            & !self.rx_done.val()
            & !self.v_valid.q.val()
            & !self.want_tx.q.val()
            & !self.tx_go.q.val()
            & !self.lost_pending.q.val()
            & (self.phase.q.val().get_bit(0))
            & !self.op_r.q.val().any();
        self.ctl_busy.next = !self.ctl_free.val();
        self.quiet.next = self.ctl_free.val();
        self.op_r.d.next = 0.into();
        if self.ctl_free.val() {
            self.op_r.d.next = self.ctl_op.val();
        }
        if self.op_r.q.val().any() {
            if self.op_r.q.val() == 1 {
                if self.status_r.q.val() == 0 {
                    self.status_r.d.next = 1.into();
                    self.timer_stop.next = true;
                }
                self.phase.d.next = 16.into();
            } else if self.op_r.q.val() == 2 {
                self.pend_load.d.next = true;
                self.ld_epoch.d.next = self.ctl_epoch.val();
                self.ld_seq.d.next = self.ctl_seq.val();
                self.ld_ours.d.next = self.ctl_ours.val();
                self.pass_holder.d.next = self.ctl_holder.val();
                self.phase.d.next = 4.into();
            } else if self.op_r.q.val() == 3 {
                if !self.seq_max.q.val() {
                    if self.if_valid.q.val()
                        & (self.ctl_sender.val() == self.host_id.val())
                        & self.if_post.q.val()
                    {
                        self.commit_now.next = true;
                    }
                    self.if_valid.d.next = false;
                    if self.in_epoch.q.val() {
                        self.h_push.next = true;
                        self.h_push_id.next = self.ctl_sender.val();
                        self.h_evict.next = self.hist_oldest.val();
                    }
                    self.seq_r.d.next = self.seq_r.q.val() + 1;
                }
                self.phase.d.next = 16.into();
            } else if self.op_r.q.val() == 4 {
                self.pend_load.d.next = false;
                self.pass_holder.d.next = self.ctl_holder.val();
                self.phase.d.next = 4.into();
            }
        }
        // ---- Sequencing: boot, pass-token lookup and apply, cool-down
        if self.phase.q.val().get_bit(1) {
            if !self.ring_busy.val() {
                if self.status_r.q.val() == 0 {
                    // The boot pass is a resume with nothing to agree.
                    self.pend_load.d.next = false;
                    self.pass_holder.d.next = self.boot_holder.val();
                    self.phase.d.next = 4.into();
                } else {
                    self.ev_anomaly.next = true;
                    self.ev_anomaly_kind.next = 4.into();
                    self.phase.d.next = 1.into();
                }
            }
        } else if self.phase.q.val().get_bit(2) {
            self.phase.d.next = 32.into();
        } else if self.phase.q.val().get_bit(5) {
            self.phase.d.next = 64.into();
        } else if self.phase.q.val().get_bit(6) {
            self.phase.d.next = 8.into();
        } else if self.phase.q.val().get_bit(3) {
            // A load or a resume takes effect now, with the token pass.
            if self.pend_load.q.val() {
                if self.if_valid.q.val() & self.ld_ours.q.val() & self.if_post.q.val() {
                    self.commit_now.next = true;
                }
                self.if_valid.d.next = false;
                self.epoch_r.d.next = self.ld_epoch.q.val();
                self.seq_r.d.next = self.ld_seq.q.val();
                self.start_r.d.next = self.ld_seq.q.val();
                self.h_clear.next = true;
            } else if self.can_agree.val() {
                self.agreed_r.d.next = self.agree_to.val();
                self.rq_push.d.next = true;
                self.rq_kind.d.next = 2.into();
            }
            self.status_r.d.next = 0.into();
            self.holder_r.d.next = self.pass_holder.q.val();
            if self.own_member.val() {
                self.timer_arm.next = true;
                if self.steps_r.q.val() == 0 {
                    self.want_tx.d.next = true;
                }
            } else {
                self.timer_stop.next = true;
            }
            self.phase.d.next = 16.into();
        } else if self.phase.q.val().get_bit(4) {
            self.phase.d.next = 128.into();
        } else if self.phase.q.val().get_bit(7) {
            self.phase.d.next = 1.into();
        }
        // ---- Reset: boot state; the boot ring loads meanwhile
        if self.reset.val() {
            self.status_r.d.next = 0.into();
            self.kind_r.d.next = 0.into();
            if !self.cold_start.val() {
                self.status_r.d.next = 2.into();
                self.kind_r.d.next = 4.into();
            }
            self.epoch_r.d.next = self.boot_epoch.val();
            self.seq_r.d.next = 0.into();
            self.start_r.d.next = 0.into();
            self.agreed_r.d.next = 0.into();
            self.holder_r.d.next = self.boot_holder.val();
            self.if_valid.d.next = false;
            self.v_valid.d.next = false;
            self.want_tx.d.next = false;
            self.tx_go.d.next = false;
            self.lost_pending.d.next = false;
            self.rq_push.d.next = false;
            self.phase.d.next = 2.into();
            self.op_r.d.next = 0.into();
            self.pass_holder.d.next = self.boot_holder.val();
            self.timer_stop.next = true;
            self.h_clear.next = true;
        }
        self.commit_r.d.next = self.commit_now.val();
        self.commit_r2.d.next = self.commit_r.q.val();
        self.hp_r.d.next = self.h_push.val();
        self.hpid_r.d.next = self.h_push_id.val();
        self.hev_r.d.next = self.h_evict.val();
        self.hcl_r.d.next = self.h_clear.val();
    }
}

#[cfg(test)]
mod synth_tests {
    use super::*;

    #[test]
    fn protocol_core_is_synthesizable() {
        exo_hdl_common::check_synthesizable(
            &mut ProtocolCore::new(3, 128, 0, 0, true),
            "protocol_core",
        )
        .expect("yosys synth_ecp5");
    }
}
