//! `ControlPort`: how the host software loads and reads the engine.
//!
//! A word-addressed register port (8-bit address, 32-bit data). A request is taken in a cycle
//! where `ready` is high: `write` with `addr`/`wdata`, or `read` with `addr`, answered by
//! `rvalid` with `rdata` four cycles later (the address is registered, then a word from each
//! group of registers, then the group's word, then the answer), or later for the ring table
//! and history reads,
//! which wait until no frame is being handled. A write is registered when taken and applied
//! at the next edge (`ready` is low meanwhile), so nothing but those registers hangs on the
//! handshake. The register map is [`reg`]; `host_if`
//! defines it for software, and `docs/engine.md` documents it.
//!
//! Commands (`reg::COMMAND`) hand an operation to the protocol core with the staged values;
//! `ready` stays low until the core has taken it. The ring is written entry by entry
//! (`RING_ENTRY`) and only while the engine is not running: a ring write while running is
//! refused and sets the sticky `refused` flag in `STATUS` (cleared by reading `STATUS`).

use rust_hdl::prelude::*;

// The write decode compares with the literal (hdl_gen takes no paths).
const _: () = assert!(reg::SET_TOKEN_TIMEOUT == 9);

/// Register addresses.
pub mod reg {
    // ---- Write
    /// Write: bits 2:0 = operation (`protocol_core::op`).
    pub const COMMAND: u8 = 0x00;
    pub const STAGE_EPOCH: u8 = 0x01;
    pub const STAGE_SEQ_LO: u8 = 0x02;
    pub const STAGE_SEQ_HI: u8 = 0x03;
    /// Bits 7:0 holder; bit 8: the log holds our in-flight message (LOAD_EPOCH).
    pub const STAGE_HOLDER: u8 = 0x04;
    /// Bits 7:0: sender of the entry to append (APPEND).
    pub const STAGE_SENDER: u8 = 0x05;
    /// Write anything: no member (the ring is then loaded entry by entry).
    pub const RING_CLEAR: u8 = 0x06;
    /// Bits 8:0: members in the ring.
    pub const RING_LEN: u8 = 0x07;
    /// Bits 7:0 id, 15:8 its position, 23:16 its successor.
    pub const RING_ENTRY: u8 = 0x08;
    /// Bits 23:0: token timeout in cycles (read back at TOKEN_TIMEOUT).
    pub const SET_TOKEN_TIMEOUT: u8 = 0x09;
    /// Bits 7:0: window index HISTORY_DATA reads (0 = newest).
    pub const HISTORY_INDEX: u8 = 0x0A;
    /// Bits 7:0: id whose ring entry RING_DATA reads.
    pub const RING_INDEX: u8 = 0x0B;
    // ---- Read
    pub const STATUS: u8 = 0x10;
    pub const EPOCH: u8 = 0x11;
    pub const SEQ_LO: u8 = 0x12;
    pub const SEQ_HI: u8 = 0x13;
    pub const EPOCH_START_LO: u8 = 0x14;
    pub const EPOCH_START_HI: u8 = 0x15;
    pub const AGREED_LO: u8 = 0x16;
    pub const AGREED_HI: u8 = 0x17;
    pub const TURN: u8 = 0x18;
    pub const HISTORY_LEN: u8 = 0x19;
    pub const IN_FLIGHT: u8 = 0x1A;
    pub const IN_FLIGHT_SEQ_LO: u8 = 0x1B;
    pub const IN_FLIGHT_SEQ_HI: u8 = 0x1C;
    pub const QUEUE_DEPTH: u8 = 0x1D;
    pub const TOKEN_TIMEOUT: u8 = 0x1E;
    pub const PARAMS: u8 = 0x1F;
    pub const CLUSTER: u8 = 0x20;
    pub const POSTS_ACCEPTED: u8 = 0x21;
    pub const POSTS_REJECTED: u8 = 0x22;
    pub const HISTORY_BITMAP_0: u8 = 0x28;
    pub const HISTORY_BITMAP_1: u8 = 0x29;
    pub const HISTORY_BITMAP_2: u8 = 0x2A;
    pub const HISTORY_BITMAP_3: u8 = 0x2B;
    pub const HISTORY_BITMAP_4: u8 = 0x2C;
    pub const HISTORY_BITMAP_5: u8 = 0x2D;
    pub const HISTORY_BITMAP_6: u8 = 0x2E;
    pub const HISTORY_BITMAP_7: u8 = 0x2F;
    pub const MEMBERS_0: u8 = 0x30;
    pub const MEMBERS_1: u8 = 0x31;
    pub const MEMBERS_2: u8 = 0x32;
    pub const MEMBERS_3: u8 = 0x33;
    pub const MEMBERS_4: u8 = 0x34;
    pub const MEMBERS_5: u8 = 0x35;
    pub const MEMBERS_6: u8 = 0x36;
    pub const MEMBERS_7: u8 = 0x37;
    /// The id at HISTORY_INDEX.
    pub const HISTORY_DATA: u8 = 0x38;
    /// The ring entry of RING_INDEX: bits 7:0 successor, 15:8 position.
    pub const RING_DATA: u8 = 0x39;
    /// Counters: COUNTERS + i is `counters::NAMES[i]`.
    pub const COUNTERS: u8 = 0x40;
}

#[derive(LogicBlock)]
pub struct ControlPort {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // ---- The host's side
    pub addr: Signal<In, Bits<8>>,
    pub wdata: Signal<In, Bits<32>>,
    pub write: Signal<In, Bit>,
    pub read: Signal<In, Bit>,
    pub ready: Signal<Out, Bit>,
    pub rdata: Signal<Out, Bits<32>>,
    pub rvalid: Signal<Out, Bit>,
    // ---- Protocol core
    pub op: Signal<Out, Bits<3>>,
    pub stage_epoch: Signal<Out, Bits<32>>,
    pub stage_seq: Signal<Out, Bits<64>>,
    pub stage_holder: Signal<Out, Bits<8>>,
    pub stage_ours: Signal<Out, Bit>,
    pub stage_sender: Signal<Out, Bits<8>>,
    pub core_busy: Signal<In, Bit>,
    pub quiet: Signal<In, Bit>,
    pub status: Signal<In, Bits<2>>,
    pub halt_kind: Signal<In, Bits<3>>,
    pub epoch: Signal<In, Bits<32>>,
    pub seq: Signal<In, Bits<64>>,
    pub epoch_start: Signal<In, Bits<64>>,
    pub agreed: Signal<In, Bits<64>>,
    pub holder: Signal<In, Bits<8>>,
    pub inflight_valid: Signal<In, Bit>,
    pub inflight_seq: Signal<In, Bits<64>>,
    pub inflight_post: Signal<In, Bit>,
    pub inflight_acceptable: Signal<In, Bit>,
    // ---- Ring table
    pub ring_clear: Signal<Out, Bit>,
    pub ring_wr: Signal<Out, Bit>,
    pub ring_wr_id: Signal<Out, Bits<8>>,
    pub ring_wr_pos: Signal<Out, Bits<8>>,
    pub ring_wr_next: Signal<Out, Bits<8>>,
    pub ring_set_len: Signal<Out, Bit>,
    pub ring_len_in: Signal<Out, Bits<9>>,
    /// High: the ring table's lookup port reads `ring_lookup_id` for the control port.
    pub ring_lookup: Signal<Out, Bit>,
    pub ring_lookup_id: Signal<Out, Bits<8>>,
    pub ring_pos: Signal<In, Bits<8>>,
    pub ring_next: Signal<In, Bits<8>>,
    pub ring_len: Signal<In, Bits<9>>,
    pub own_pos: Signal<In, Bits<8>>,
    pub members: Signal<In, Bits<256>>,
    pub ring_busy: Signal<In, Bit>,
    // ---- History (read port B while the transmit path is idle)
    pub hist_len: Signal<In, Bits<8>>,
    pub hist_newest: Signal<In, Bits<8>>,
    pub hist_bitmap: Signal<In, Bits<256>>,
    pub hist_read: Signal<Out, Bit>,
    pub hist_addr: Signal<Out, Bits<8>>,
    pub hist_data: Signal<In, Bits<8>>,
    pub tx_busy: Signal<In, Bit>,
    // ---- Timer, queue, counters
    pub set_timeout: Signal<Out, Bit>,
    pub timeout_in: Signal<Out, Bits<24>>,
    pub timeout: Signal<In, Bits<24>>,
    pub queue_depth: Signal<In, Bits<7>>,
    pub posts_accepted: Signal<In, Bits<32>>,
    pub posts_rejected: Signal<In, Bits<32>>,
    pub counter_sel: Signal<Out, Bits<3>>,
    /// The counters' three words (indices 0–7, 8–15, 16–23 at `counter_sel` mod 8).
    pub counter_a: Signal<In, Bits<32>>,
    pub counter_b: Signal<In, Bits<32>>,
    pub counter_c: Signal<In, Bits<32>>,
    // ---- Internals
    epoch_s: DFF<Bits<32>>,
    seq_s: DFF<Bits<64>>,
    holder_s: DFF<Bits<8>>,
    ours_s: DFF<Bit>,
    sender_s: DFF<Bits<8>>,
    hist_index: DFF<Bits<8>>,
    /// `hist_newest − hist_index`, registered: the RAM address is presented from a flip-flop
    /// (slow reads wait for the port long enough for it to settle).
    hist_addr_r: DFF<Bits<8>>,
    /// A write taken at the last edge, applied now: the handshake's logic (`ready`) ends at
    /// these registers instead of fanning out to every register a write can change.
    w_go: DFF<Bit>,
    w_addr: DFF<Bits<8>>,
    w_data: DFF<Bits<32>>,
    /// The write taken at the last edge sets a (nonzero) token timeout: decoded as the write
    /// is taken, so `set_timeout`, which enables every register of the timer's period, comes
    /// straight from a flip-flop (a timeout of 0 is ignored here).
    w_timeout: DFF<Bit>,
    /// The write's timeout bits.
    wdata_timeout: Signal<Local, Bits<24>>,
    ring_index: DFF<Bits<8>>,
    pending: DFF<Bits<3>>,
    /// The cycle after a command is handed over, while the core executes it: the port waits,
    /// so that the next request sees its effect (a ring write after a stop, say).
    handed: DFF<Bit>,
    refused: DFF<Bit>,
    rdata_r: DFF<Bits<32>>,
    rvalid_r: DFF<Bit>,
    /// Slow read: 0 none, 1 waiting for quiet, 2 address presented, 3 data captured.
    slow: DFF<Bits<2>>,
    slow_ring: DFF<Bit>,
    /// The shared read ports (history port b, the ring table's lookup) are the control
    /// port's from the cycle after the engine was seen quiet until the read ends: never while
    /// the engine may use them, and their multiplexers are steered from flip-flops.
    hist_read_r: DFF<Bit>,
    ring_lookup_r: DFF<Bit>,
    /// A register read in progress: its address.
    raddr: DFF<Bits<8>>,
    /// The ring table answers a cycle later than the history RAM: slow reads wait one more.
    slow_wait: DFF<Bit>,
    rpending: DFF<Bit>,
    rpending2: DFF<Bit>,
    rvalue: DFF<Bits<32>>,
    rpending3: DFF<Bit>,
    /// The state words (addresses 16–19, 20–23, …, 32–35).
    rv_state_0: DFF<Bits<32>>,
    rv_state_1: DFF<Bits<32>>,
    rv_state_2: DFF<Bits<32>>,
    rv_state_3: DFF<Bits<32>>,
    rv_state_4: DFF<Bits<32>>,
    /// Which word answers the read, decoded from the address when the read is taken.
    group_state: DFF<Bits<5>>,
    group_map: DFF<Bit>,
    group_counter: DFF<Bits<3>>,
    rv_map: DFF<Bits<32>>,
    rv_counter_a: DFF<Bits<32>>,
    rv_counter_b: DFF<Bits<32>>,
    rv_counter_c: DFF<Bits<32>>,
    word_at: Signal<Local, Bits<8>>,
    map_value: Signal<Local, Bits<32>>,
    reg_0: Signal<Local, Bits<32>>,
    reg_1: Signal<Local, Bits<32>>,
    reg_2: Signal<Local, Bits<32>>,
    reg_3: Signal<Local, Bits<32>>,
    reg_4: Signal<Local, Bits<32>>,
    taking: Signal<Local, Bit>,
    /// The request's address / 4 and / 8 (the read groups' decode).
    addr_quad: Signal<Local, Bits<8>>,
    addr_oct: Signal<Local, Bits<8>>,
    params_word: Constant<Bits<32>>,
    cluster_word: Constant<Bits<32>>,
}

impl ControlPort {
    /// `params_word`: hosts (bits 8:0), host id (15:8), h (23:16); `cluster`: the cluster id.
    pub fn new(hosts: usize, host_id: u8, h: usize, cluster: u16) -> ControlPort {
        let word = (hosts as u64) | ((host_id as u64) << 8) | ((h as u64) << 16);
        ControlPort {
            clock: Default::default(),
            reset: Default::default(),
            addr: Default::default(),
            wdata: Default::default(),
            write: Default::default(),
            read: Default::default(),
            ready: Default::default(),
            rdata: Default::default(),
            rvalid: Default::default(),
            op: Default::default(),
            stage_epoch: Default::default(),
            stage_seq: Default::default(),
            stage_holder: Default::default(),
            stage_ours: Default::default(),
            stage_sender: Default::default(),
            core_busy: Default::default(),
            quiet: Default::default(),
            status: Default::default(),
            halt_kind: Default::default(),
            epoch: Default::default(),
            seq: Default::default(),
            epoch_start: Default::default(),
            agreed: Default::default(),
            holder: Default::default(),
            inflight_valid: Default::default(),
            inflight_seq: Default::default(),
            inflight_post: Default::default(),
            inflight_acceptable: Default::default(),
            ring_clear: Default::default(),
            ring_wr: Default::default(),
            ring_wr_id: Default::default(),
            ring_wr_pos: Default::default(),
            ring_wr_next: Default::default(),
            ring_set_len: Default::default(),
            ring_len_in: Default::default(),
            ring_lookup: Default::default(),
            ring_lookup_id: Default::default(),
            ring_pos: Default::default(),
            ring_next: Default::default(),
            ring_len: Default::default(),
            own_pos: Default::default(),
            members: Default::default(),
            ring_busy: Default::default(),
            hist_len: Default::default(),
            hist_newest: Default::default(),
            hist_bitmap: Default::default(),
            hist_read: Default::default(),
            hist_addr: Default::default(),
            hist_data: Default::default(),
            tx_busy: Default::default(),
            set_timeout: Default::default(),
            timeout_in: Default::default(),
            timeout: Default::default(),
            queue_depth: Default::default(),
            posts_accepted: Default::default(),
            posts_rejected: Default::default(),
            counter_sel: Default::default(),
            counter_a: Default::default(),
            counter_b: Default::default(),
            counter_c: Default::default(),
            epoch_s: Default::default(),
            seq_s: Default::default(),
            holder_s: Default::default(),
            ours_s: Default::default(),
            sender_s: Default::default(),
            hist_index: Default::default(),
            hist_addr_r: Default::default(),
            w_go: Default::default(),
            w_addr: Default::default(),
            w_data: Default::default(),
            w_timeout: Default::default(),
            wdata_timeout: Default::default(),
            ring_index: Default::default(),
            pending: Default::default(),
            handed: Default::default(),
            refused: Default::default(),
            rdata_r: Default::default(),
            rvalid_r: Default::default(),
            slow: Default::default(),
            slow_ring: Default::default(),
            hist_read_r: Default::default(),
            ring_lookup_r: Default::default(),
            raddr: Default::default(),
            slow_wait: Default::default(),
            rpending: Default::default(),
            rpending2: Default::default(),
            rvalue: Default::default(),
            rpending3: Default::default(),
            rv_state_0: Default::default(),
            rv_state_1: Default::default(),
            rv_state_2: Default::default(),
            rv_state_3: Default::default(),
            rv_state_4: Default::default(),
            group_state: Default::default(),
            group_map: Default::default(),
            group_counter: Default::default(),
            rv_map: Default::default(),
            rv_counter_a: Default::default(),
            rv_counter_b: Default::default(),
            rv_counter_c: Default::default(),
            word_at: Default::default(),
            map_value: Default::default(),
            reg_0: Default::default(),
            reg_1: Default::default(),
            reg_2: Default::default(),
            reg_3: Default::default(),
            reg_4: Default::default(),
            taking: Default::default(),
            addr_quad: Default::default(),
            addr_oct: Default::default(),
            params_word: Constant::new(word.to_bits()),
            cluster_word: Constant::new((cluster as u64).to_bits()),
        }
    }
}

impl Logic for ControlPort {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            handed,
            epoch_s,
            seq_s,
            holder_s,
            ours_s,
            sender_s,
            hist_index,
            hist_addr_r,
            w_go,
            w_addr,
            w_data,
            w_timeout,
            ring_index,
            pending,
            refused,
            rdata_r,
            rvalid_r,
            slow,
            slow_ring,
            hist_read_r,
            ring_lookup_r,
            raddr,
            rpending,
            rpending2,
            rvalue,
            rpending3,
            rv_state_0,
            rv_state_1,
            rv_state_2,
            rv_state_3,
            rv_state_4,
            group_state,
            group_map,
            group_counter,
            rv_map,
            rv_counter_a,
            rv_counter_b,
            rv_counter_c,
            slow_wait
        );
        // ---- Staged values and the pending command, to the core
        self.stage_epoch.next = self.epoch_s.q.val();
        self.stage_seq.next = self.seq_s.q.val();
        self.stage_holder.next = self.holder_s.q.val();
        self.stage_ours.next = self.ours_s.q.val();
        self.stage_sender.next = self.sender_s.q.val();
        self.op.next = 0.into();
        self.handed.d.next = false;
        if !self.core_busy.val() {
            self.op.next = self.pending.q.val();
            self.pending.d.next = 0.into();
            self.handed.d.next = self.pending.q.val().any();
        }
        // ---- Defaults
        self.ring_clear.next = false;
        self.ring_wr.next = false;
        self.ring_wr_id.next = self.w_data.q.val().get_bits::<8>(0);
        self.ring_wr_pos.next = self.w_data.q.val().get_bits::<8>(8);
        self.ring_wr_next.next = self.w_data.q.val().get_bits::<8>(16);
        self.ring_set_len.next = false;
        self.ring_len_in.next = self.w_data.q.val().get_bits::<9>(0);
        self.set_timeout.next = self.w_timeout.q.val();
        self.timeout_in.next = self.w_data.q.val().get_bits::<24>(0);
        self.counter_sel.next = self.raddr.q.val().get_bits::<3>(0);
        self.ring_lookup.next = self.ring_lookup_r.q.val();
        self.ring_lookup_id.next = self.ring_index.q.val();
        self.hist_read.next = self.hist_read_r.q.val();
        self.hist_addr_r.d.next = self.hist_newest.val() - self.hist_index.q.val();
        self.hist_addr.next = self.hist_addr_r.q.val();
        self.rvalid_r.d.next = false;
        self.rdata.next = self.rdata_r.q.val();
        self.rvalid.next = self.rvalid_r.q.val();
        self.ready.next = !self.pending.q.val().any()
            & !self.handed.q.val()
            & (self.slow.q.val() == 0)
            & !self.rpending.q.val()
            & !self.rpending2.q.val()
            & !self.rpending3.q.val()
            & !self.w_go.q.val();
        self.taking.next = self.ready.val() & (self.write.val() | self.read.val());
        // ---- Register reads
        // Five words of four registers each (addresses 16–35, a 4-to-1 multiplexer on the
        // address's low bits apiece); the answer stage picks one.
        self.reg_0.next = 0.into();
        match self.raddr.q.val().get_bits::<2>(0).index() {
            0 => {
                self.reg_0.next = bit_cast::<32, 2>(self.status.val())
                    | (bit_cast::<32, 3>(self.halt_kind.val()) << 2)
                    | (bit_cast::<32, 1>(self.core_busy.val().into()) << 5)
                    | (bit_cast::<32, 1>(self.pending.q.val().any().into()) << 6)
                    | (bit_cast::<32, 1>(self.ring_busy.val().into()) << 7)
                    | (bit_cast::<32, 1>(self.refused.q.val().into()) << 8);
            }
            1 => {
                self.reg_0.next = self.epoch.val();
            }
            2 => {
                self.reg_0.next = self.seq.val().get_bits::<32>(0);
            }
            3 => {
                self.reg_0.next = self.seq.val().get_bits::<32>(32);
            }
            _ => {}
        }
        self.reg_1.next = 0.into();
        match self.raddr.q.val().get_bits::<2>(0).index() {
            0 => {
                self.reg_1.next = self.epoch_start.val().get_bits::<32>(0);
            }
            1 => {
                self.reg_1.next = self.epoch_start.val().get_bits::<32>(32);
            }
            2 => {
                self.reg_1.next = self.agreed.val().get_bits::<32>(0);
            }
            3 => {
                self.reg_1.next = self.agreed.val().get_bits::<32>(32);
            }
            _ => {}
        }
        self.reg_2.next = 0.into();
        match self.raddr.q.val().get_bits::<2>(0).index() {
            0 => {
                self.reg_2.next = bit_cast::<32, 8>(self.holder.val())
                    | (bit_cast::<32, 8>(self.own_pos.val()) << 8)
                    | (bit_cast::<32, 9>(self.ring_len.val()) << 16);
            }
            1 => {
                self.reg_2.next = bit_cast::<32, 8>(self.hist_len.val());
            }
            2 => {
                self.reg_2.next = bit_cast::<32, 1>(self.inflight_valid.val().into())
                    | (bit_cast::<32, 1>(self.inflight_post.val().into()) << 1)
                    | (bit_cast::<32, 1>(self.inflight_acceptable.val().into()) << 2);
            }
            3 => {
                self.reg_2.next = self.inflight_seq.val().get_bits::<32>(0);
            }
            _ => {}
        }
        self.reg_3.next = 0.into();
        match self.raddr.q.val().get_bits::<2>(0).index() {
            0 => {
                self.reg_3.next = self.inflight_seq.val().get_bits::<32>(32);
            }
            1 => {
                self.reg_3.next = bit_cast::<32, 7>(self.queue_depth.val());
            }
            2 => {
                self.reg_3.next = bit_cast::<32, 24>(self.timeout.val());
            }
            3 => {
                self.reg_3.next = self.params_word.val();
            }
            _ => {}
        }
        self.reg_4.next = 0.into();
        match self.raddr.q.val().get_bits::<2>(0).index() {
            0 => {
                self.reg_4.next = self.cluster_word.val();
            }
            1 => {
                self.reg_4.next = self.posts_accepted.val();
            }
            2 => {
                self.reg_4.next = self.posts_rejected.val();
            }
            _ => {}
        }
        // The bitmap words: HISTORY_BITMAP_0.. (0x28..) and MEMBERS_0.. (0x30..).
        self.word_at.next = (self.raddr.q.val() & 7) << 5;
        self.map_value.next = self
            .hist_bitmap
            .val()
            .get_bits::<32>(self.word_at.val().index());
        if self.raddr.q.val().get_bit(4) {
            self.map_value.next = self
                .members
                .val()
                .get_bits::<32>(self.word_at.val().index());
        }
        // Three stages: words from each source group (state, bitmaps, counters, each near
        // its source), the group's word, then the answer.
        self.rv_state_0.d.next = self.reg_0.val();
        self.rv_state_1.d.next = self.reg_1.val();
        self.rv_state_2.d.next = self.reg_2.val();
        self.rv_state_3.d.next = self.reg_3.val();
        self.rv_state_4.d.next = self.reg_4.val();
        self.rv_map.d.next = self.map_value.val();
        self.rv_counter_a.d.next = self.counter_a.val();
        self.rv_counter_b.d.next = self.counter_b.val();
        self.rv_counter_c.d.next = self.counter_c.val();
        self.rvalue.d.next = 0.into();
        if self.group_state.q.val().get_bit(0) {
            self.rvalue.d.next = self.rv_state_0.q.val();
        }
        if self.group_state.q.val().get_bit(1) {
            self.rvalue.d.next = self.rv_state_1.q.val();
        }
        if self.group_state.q.val().get_bit(2) {
            self.rvalue.d.next = self.rv_state_2.q.val();
        }
        if self.group_state.q.val().get_bit(3) {
            self.rvalue.d.next = self.rv_state_3.q.val();
        }
        if self.group_state.q.val().get_bit(4) {
            self.rvalue.d.next = self.rv_state_4.q.val();
        }
        if self.group_map.q.val() {
            self.rvalue.d.next = self.rv_map.q.val();
        }
        if self.group_counter.q.val().get_bit(0) {
            self.rvalue.d.next = self.rv_counter_a.q.val();
        }
        if self.group_counter.q.val().get_bit(1) {
            self.rvalue.d.next = self.rv_counter_b.q.val();
        }
        if self.group_counter.q.val().get_bit(2) {
            self.rvalue.d.next = self.rv_counter_c.q.val();
        }
        self.rpending.d.next = false;
        self.rpending2.d.next = self.rpending.q.val();
        self.rpending3.d.next = self.rpending2.q.val();
        if self.rpending3.q.val() {
            self.rdata_r.d.next = self.rvalue.q.val();
            self.rvalid_r.d.next = true;
            if self.raddr.q.val() == 0x10 {
                self.refused.d.next = false;
            }
        }
        // The read address and its group decode load in every cycle no register read is in
        // flight, whether or not a read is taken: only a read taken at this edge uses them, and
        // the handshake stays off the enables of these flip-flops (timing).
        self.addr_quad.next = self.addr.val() >> 2;
        self.addr_oct.next = self.addr.val() >> 3;
        if !self.rpending.q.val() & !self.rpending2.q.val() & !self.rpending3.q.val() {
            self.raddr.d.next = self.addr.val();
            // One-hot: state word 0–4 (addresses 16–35, four apiece: address / 4 = 4 to 8).
            // Equality tests on the address's high bits: no comparator chains.
            self.group_state.d.next = 0.into();
            if self.addr_quad.val() == 4 {
                self.group_state.d.next = 1.into();
            }
            if self.addr_quad.val() == 5 {
                self.group_state.d.next = 2.into();
            }
            if self.addr_quad.val() == 6 {
                self.group_state.d.next = 4.into();
            }
            if self.addr_quad.val() == 7 {
                self.group_state.d.next = 8.into();
            }
            if self.addr_quad.val() == 8 {
                self.group_state.d.next = 16.into();
            }
            // 0x28–0x37: address / 8 = 5 or 6.
            self.group_map.d.next = (self.addr_oct.val() == 5) | (self.addr_oct.val() == 6);
            // One-hot: counter word a, b or c (addresses 0x40–0x47, 0x48–0x4F, 0x50–0x57:
            // address / 8 = 8, 9, 10; above them nothing, and the read answers 0).
            self.group_counter.d.next = 0.into();
            if self.addr_oct.val() == 8 {
                self.group_counter.d.next = 1.into();
            }
            if self.addr_oct.val() == 9 {
                self.group_counter.d.next = 2.into();
            }
            if self.addr_oct.val() == 10 {
                self.group_counter.d.next = 4.into();
            }
        }
        if self.taking.val() & self.read.val() {
            if (self.addr.val() == 0x38) | (self.addr.val() == 0x39) {
                self.slow.d.next = 1.into();
                self.slow_ring.d.next = self.addr.val() == 0x39;
            } else {
                self.rpending.d.next = true;
            }
        }
        // ---- Slow reads: wait until the read port is free, present the address, take data
        if self.slow.q.val() == 1 {
            if self.quiet.val() & !self.tx_busy.val() {
                self.slow.d.next = 2.into();
                self.hist_read_r.d.next = !self.slow_ring.q.val();
                self.ring_lookup_r.d.next = self.slow_ring.q.val();
            }
        } else if self.slow.q.val() == 2 {
            self.slow.d.next = 3.into();
        } else if (self.slow.q.val() == 3) & !self.slow_wait.q.val() {
            self.slow_wait.d.next = true;
        } else if self.slow.q.val() == 3 {
            self.slow_wait.d.next = false;
            self.slow.d.next = 0.into();
            self.hist_read_r.d.next = false;
            self.ring_lookup_r.d.next = false;
            self.rvalid_r.d.next = true;
            self.rdata_r.d.next = bit_cast::<32, 8>(self.hist_data.val());
            if self.slow_ring.q.val() {
                self.rdata_r.d.next = bit_cast::<32, 8>(self.ring_next.val())
                    | (bit_cast::<32, 8>(self.ring_pos.val()) << 8);
            }
        }
        // ---- Writes: taken at one edge, applied at the next
        // The write's address and data load in every cycle no write waits (only a write taken
        // at this edge uses them), like the read address above.
        self.w_go.d.next = self.taking.val() & self.write.val();
        if !self.w_go.q.val() {
            self.w_addr.d.next = self.addr.val();
            self.w_data.d.next = self.wdata.val();
        }
        self.wdata_timeout.next = self.wdata.val().get_bits::<24>(0);
        self.w_timeout.d.next = self.taking.val()
            & self.write.val()
            & (self.addr.val() == 9)
            & self.wdata_timeout.val().any();
        if self.w_go.q.val() {
            match self.w_addr.q.val().index() {
                0 => {
                    self.pending.d.next = self.w_data.q.val().get_bits::<3>(0);
                }
                1 => {
                    self.epoch_s.d.next = self.w_data.q.val();
                }
                2 => {
                    self.seq_s.d.next = (bit_cast::<64, 32>(self.seq_s.q.val().get_bits::<32>(32))
                        << 32)
                        | bit_cast::<64, 32>(self.w_data.q.val());
                }
                3 => {
                    self.seq_s.d.next = (bit_cast::<64, 32>(self.w_data.q.val()) << 32)
                        | bit_cast::<64, 32>(self.seq_s.q.val().get_bits::<32>(0));
                }
                4 => {
                    self.holder_s.d.next = self.w_data.q.val().get_bits::<8>(0);
                    self.ours_s.d.next = self.w_data.q.val().get_bit(8);
                }
                5 => {
                    self.sender_s.d.next = self.w_data.q.val().get_bits::<8>(0);
                }
                6 => {
                    if self.status.val() == 0 {
                        self.refused.d.next = true;
                    } else {
                        self.ring_clear.next = true;
                    }
                }
                7 => {
                    if self.status.val() == 0 {
                        self.refused.d.next = true;
                    } else {
                        self.ring_set_len.next = true;
                    }
                }
                8 => {
                    if self.status.val() == 0 {
                        self.refused.d.next = true;
                    } else {
                        self.ring_wr.next = true;
                    }
                }
                10 => {
                    self.hist_index.d.next = self.w_data.q.val().get_bits::<8>(0);
                }
                11 => {
                    self.ring_index.d.next = self.w_data.q.val().get_bits::<8>(0);
                }
                _ => {}
            }
        }
        if self.reset.val() {
            self.pending.d.next = 0.into();
            self.refused.d.next = false;
            self.slow.d.next = 0.into();
            self.hist_read_r.d.next = false;
            self.ring_lookup_r.d.next = false;
            self.rvalid_r.d.next = false;
            self.rpending.d.next = false;
            self.rpending2.d.next = false;
            self.rpending3.d.next = false;
            self.slow_wait.d.next = false;
            self.w_go.d.next = false;
        }
    }
}

#[cfg(test)]
mod synth_tests {
    use super::*;

    #[test]
    fn control_port_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut ControlPort::new(256, 3, 128, 1), "control_port")
            .expect("yosys synth_ecp5");
    }
}
