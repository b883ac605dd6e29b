//! `FrameRx`: parses an Exo frame from the MAC's receive stream as it arrives.
//!
//! Every beat is examined once, at line rate: the header fields are shifted into registers
//! at the offsets of the wire format's field table (`exo_proto::wire::FIXED_FIELDS`); each
//! history id is compared with the local window as it passes (the window is read one index
//! ahead through the history RAM's port A, so the comparison costs no extra cycle); payload
//! beats are passed to the entry buffer. The cycle after the last beat, `done` is high for one
//! cycle with the fields and with everything that depends only on the frame: the decode
//! checks of `Frame::decode` in its order, the MAC's error flag, host ids out of range and the
//! history comparison. The accept rule (`AcceptRule`) combines these with the local state.
//!
//! Local state used during the frame (the history window) changes only between frames: the
//! protocol core applies a verdict within two cycles of `done`, and control loads wait until
//! no frame is in progress (`busy`).

use exo_proto::wire;
use rust_hdl::prelude::*;

use exo_hdl_common::stream::FrameRxIn;

/// Why `Frame::decode` refuses a frame, in its check order (`malformed_kind`).
pub mod malformed {
    pub const RUNT: u64 = 0;
    pub const OVERSIZE: u64 = 1;
    pub const NOT_BROADCAST: u64 = 2;
    pub const WRONG_ETHERTYPE: u64 = 3;
    pub const UNSUPPORTED_VERSION: u64 = 4;
    pub const UNKNOWN_KIND: u64 = 5;
    pub const HISTORY_TOO_LONG: u64 = 6;
    pub const TRUNCATED: u64 = 7;
    pub const TRAILING_BYTES: u64 = 8;
}

#[derive(LogicBlock)]
pub struct FrameRx {
    // ---- Clock
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    // ---- Receive stream from the MAC (FCS stripped, error flagged on the last beat)
    pub rx: FrameRxIn,
    // ---- History comparison (port A of the history window)
    /// The window's newest id's RAM address (stable while a frame is in progress).
    pub hist_newest: Signal<In, Bits<8>>,
    /// RAM address of the window entry the current history beat is compared with, and of
    /// the one after it: the next beat needs the first if this cycle takes no history beat,
    /// the second if it does (both are read; a register picks).
    pub hist_addr: Signal<Out, Bits<8>>,
    pub hist_addr2: Signal<Out, Bits<8>>,
    /// The ids at the previous cycle's `hist_addr` and `hist_addr2`.
    pub hist_data: Signal<In, Bits<8>>,
    pub hist_data2: Signal<In, Bits<8>>,
    /// Ids in the local window.
    pub local_hist_len: Signal<In, Bits<8>>,
    // ---- Local state the frame is compared with (stable while a frame is in progress)
    pub local_seq: Signal<In, Bits<64>>,
    pub local_epoch: Signal<In, Bits<32>>,
    pub members: Signal<In, Bits<256>>,
    pub history: Signal<In, Bits<256>>,
    // ---- Payload beats, to the entry buffer
    pub frame_begin: Signal<Out, Bit>,
    pub pay_valid: Signal<Out, Bit>,
    pub pay_data: Signal<Out, Bits<8>>,
    // ---- Result, for the one cycle `done` is high
    pub done: Signal<Out, Bit>,
    pub busy: Signal<Out, Bit>,
    /// The MAC flagged the frame (FCS, runt, oversize, PHY error): it changes nothing.
    pub mac_error: Signal<Out, Bit>,
    pub malformed: Signal<Out, Bit>,
    /// One of [`malformed`], when `malformed`.
    pub malformed_kind: Signal<Out, Bits<4>>,
    /// The sender or a history id is not below n.
    pub invalid_id: Signal<Out, Bit>,
    /// The history equals the local window (same length, same ids in order).
    pub hist_match: Signal<Out, Bit>,
    pub epoch: Signal<Out, Bits<32>>,
    pub sender: Signal<Out, Bits<8>>,
    pub seq: Signal<Out, Bits<64>>,
    pub pay_len: Signal<Out, Bits<16>>,
    // ---- Comparisons with the local state, registered every cycle so that the verdict
    // needs no wide comparator in its cycle (the fields are complete long before the end)
    pub cluster_ne: Signal<Out, Bit>,
    pub epoch_ne: Signal<Out, Bit>,
    pub seq_lt: Signal<Out, Bit>,
    pub seq_gt: Signal<Out, Bit>,
    /// The local seq is 2^64 − 1.
    pub seq_max: Signal<Out, Bit>,
    pub sender_member: Signal<Out, Bit>,
    pub sender_in_history: Signal<Out, Bit>,
    /// The history is longer than h.
    pub hist_too_long: Signal<Out, Bit>,
    /// The frame's last history id: the window's oldest when the frame is accepted with a
    /// full window (the history window evicts it without reading its RAM).
    pub last_hist_id: Signal<Out, Bits<8>>,
    // ---- Internals
    pos: DFF<Bits<11>>,
    in_frame: DFF<Bit>,
    done_r: DFF<Bit>,
    err_r: DFF<Bit>,
    dst_ok: DFF<Bit>,
    ethertype: DFF<Bits<16>>,
    version: DFF<Bits<8>>,
    kind: DFF<Bits<8>>,
    cluster_r: DFF<Bits<16>>,
    epoch_r: DFF<Bits<32>>,
    sender_r: DFF<Bits<8>>,
    hlen_r: DFF<Bits<8>>,
    seq_r: DFF<Bits<64>>,
    plen_r: DFF<Bits<16>>,
    hcount: DFF<Bits<8>>,
    /// The header is complete: the beats now are history, payload or padding.
    past_header: DFF<Bit>,
    /// History and payload bytes still to come (from the header's lengths).
    hist_left: DFF<Bits<8>>,
    pay_left: DFF<Bits<16>>,
    /// RAM address of the window entry for the next history beat, and the one after it
    /// (kept beside it so that the RAM's address is a register, not a subtractor).
    addr_r: DFF<Bits<8>>,
    addr_m1: DFF<Bits<8>>,
    /// `past_header & hist_left != 0`, kept as a register for the same reason.
    hist_open: DFF<Bit>,
    /// The last cycle took a history beat: the entry for this beat is `hist_data2`.
    took_hist: DFF<Bit>,
    hist_now: Signal<Local, Bits<8>>,
    bad_id: DFF<Bit>,
    hist_ok: DFF<Bit>,
    cmp_cluster_ne: DFF<Bit>,
    cmp_epoch_ne: DFF<Bit>,
    cmp_seq_lt: DFF<Bit>,
    cmp_seq_gt: DFF<Bit>,
    cmp_seq_max: DFF<Bit>,
    cmp_member: DFF<Bit>,
    cmp_in_history: DFF<Bit>,
    /// The 16 bits of the member and history bitmaps around the sender (high nibble of
    /// its id): each 256-to-1 bit lookup is two registered 16-to-1 stages.
    member_slice: DFF<Bits<16>>,
    hist_slice: DFF<Bits<16>>,
    slice_at: Signal<Local, Bits<8>>,
    sender_lo: Signal<Local, Bits<4>>,
    cmp_hist_long: DFF<Bit>,
    /// The frame's history is as long as the local window.
    cmp_hist_len_eq: DFF<Bit>,
    last_hist: DFF<Bits<8>>,
    /// 34 + history + payload length, and the frame length that implies (at least 60),
    /// registered as soon as the header is in.
    declared_r: DFF<Bits<17>>,
    expected_r: DFF<Bits<17>>,
    /// The length checks of `Frame::decode`, registered with the last beat.
    runt_r: DFF<Bit>,
    oversize_r: DFF<Bit>,
    truncated_r: DFF<Bit>,
    trailing_r: DFF<Bit>,
    /// The header fields' checks, registered a cycle after the fields: they are final 25
    /// beats before a frame of the minimum length ends (a shorter one is a runt, which wins),
    /// so the verdict sees single flags, not the compares.
    ethertype_bad: DFF<Bit>,
    version_bad: DFF<Bit>,
    kind_bad: DFF<Bit>,
    hlen_bad: DFF<Bit>,
    hosts: Constant<Bits<9>>,
    cluster_id: Constant<Bits<16>>,
    h: Constant<Bits<8>>,
    o_src: Constant<Bits<11>>,
    o_ethertype: Constant<Bits<11>>,
    o_version: Constant<Bits<11>>,
    o_kind: Constant<Bits<11>>,
    o_cluster: Constant<Bits<11>>,
    o_epoch: Constant<Bits<11>>,
    o_sender: Constant<Bits<11>>,
    o_hlen: Constant<Bits<11>>,
    o_seq: Constant<Bits<11>>,
    o_plen: Constant<Bits<11>>,
    header_len: Constant<Bits<11>>,
    min_len: Constant<Bits<11>>,
    max_len: Constant<Bits<11>>,
    max_history: Constant<Bits<8>>,
    exo_ethertype: Constant<Bits<16>>,
    exo_version: Constant<Bits<8>>,
    exo_kind: Constant<Bits<8>>,
    beat: Signal<Local, Bit>,
    in_history: Signal<Local, Bit>,
    in_payload: Signal<Local, Bit>,
    byte9: Signal<Local, Bits<9>>,
    declared: Signal<Local, Bits<17>>,
    expected: Signal<Local, Bits<17>>,
}

fn offset(f: wire::Field) -> Constant<Bits<11>> {
    Constant::new((f.offset as u64).to_bits())
}

impl FrameRx {
    /// A parser for cluster `cluster` of `hosts` hosts (ids must be below it).
    pub fn new(hosts: usize, cluster: u16) -> FrameRx {
        assert!((1..=wire::MAX_HOSTS).contains(&hosts));
        FrameRx {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            hist_newest: Default::default(),
            hist_addr: Default::default(),
            hist_data: Default::default(),
            hist_addr2: Default::default(),
            hist_data2: Default::default(),
            local_hist_len: Default::default(),
            local_seq: Default::default(),
            local_epoch: Default::default(),
            members: Default::default(),
            history: Default::default(),
            cluster_ne: Default::default(),
            epoch_ne: Default::default(),
            seq_lt: Default::default(),
            seq_gt: Default::default(),
            seq_max: Default::default(),
            sender_member: Default::default(),
            sender_in_history: Default::default(),
            hist_too_long: Default::default(),
            last_hist_id: Default::default(),
            cmp_cluster_ne: Default::default(),
            cmp_epoch_ne: Default::default(),
            cmp_seq_lt: Default::default(),
            cmp_seq_gt: Default::default(),
            cmp_seq_max: Default::default(),
            cmp_member: Default::default(),
            cmp_in_history: Default::default(),
            member_slice: Default::default(),
            hist_slice: Default::default(),
            slice_at: Default::default(),
            sender_lo: Default::default(),
            cmp_hist_long: Default::default(),
            cmp_hist_len_eq: Default::default(),
            last_hist: Default::default(),
            declared_r: Default::default(),
            expected_r: Default::default(),
            runt_r: Default::default(),
            oversize_r: Default::default(),
            truncated_r: Default::default(),
            trailing_r: Default::default(),
            ethertype_bad: Default::default(),
            version_bad: Default::default(),
            kind_bad: Default::default(),
            hlen_bad: Default::default(),
            cluster_id: Constant::new((cluster as u64).to_bits()),
            h: Constant::new(((hosts / 2) as u64).to_bits()),
            frame_begin: Default::default(),
            pay_valid: Default::default(),
            pay_data: Default::default(),
            done: Default::default(),
            busy: Default::default(),
            mac_error: Default::default(),
            malformed: Default::default(),
            malformed_kind: Default::default(),
            invalid_id: Default::default(),
            hist_match: Default::default(),
            epoch: Default::default(),
            sender: Default::default(),
            seq: Default::default(),
            pay_len: Default::default(),
            pos: Default::default(),
            in_frame: Default::default(),
            done_r: Default::default(),
            err_r: Default::default(),
            dst_ok: Default::default(),
            ethertype: Default::default(),
            version: Default::default(),
            kind: Default::default(),
            cluster_r: Default::default(),
            epoch_r: Default::default(),
            sender_r: Default::default(),
            hlen_r: Default::default(),
            seq_r: Default::default(),
            plen_r: Default::default(),
            hcount: Default::default(),
            past_header: Default::default(),
            hist_left: Default::default(),
            pay_left: Default::default(),
            addr_r: Default::default(),
            addr_m1: Default::default(),
            hist_open: Default::default(),
            took_hist: Default::default(),
            hist_now: Default::default(),
            bad_id: Default::default(),
            hist_ok: Default::default(),
            hosts: Constant::new((hosts as u64).to_bits()),
            o_src: offset(wire::SRC_MAC),
            o_ethertype: offset(wire::ETHERTYPE),
            o_version: offset(wire::VERSION_FIELD),
            o_kind: offset(wire::KIND),
            o_cluster: offset(wire::CLUSTER),
            o_epoch: offset(wire::EPOCH),
            o_sender: offset(wire::SENDER),
            o_hlen: offset(wire::HISTORY_LEN),
            o_seq: offset(wire::SEQ),
            o_plen: offset(wire::PAYLOAD_LEN),
            header_len: Constant::new((wire::HEADER_LEN as u64).to_bits()),
            min_len: Constant::new((wire::MIN_FRAME_LEN as u64).to_bits()),
            max_len: Constant::new((wire::MAX_FRAME_LEN as u64).to_bits()),
            max_history: Constant::new((wire::MAX_HISTORY as u64).to_bits()),
            exo_ethertype: Constant::new((wire::ETHERTYPE_EXO as u64).to_bits()),
            exo_version: Constant::new((wire::VERSION as u64).to_bits()),
            exo_kind: Constant::new((wire::KIND_MESSAGE as u64).to_bits()),
            beat: Default::default(),
            in_history: Default::default(),
            in_payload: Default::default(),
            byte9: Default::default(),
            declared: Default::default(),
            expected: Default::default(),
        }
    }
}

impl Logic for FrameRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            pos,
            in_frame,
            done_r,
            err_r,
            dst_ok,
            ethertype,
            version,
            kind,
            cluster_r,
            epoch_r,
            sender_r,
            hlen_r,
            seq_r,
            plen_r,
            hcount,
            past_header,
            hist_left,
            pay_left,
            addr_r,
            addr_m1,
            hist_open,
            took_hist,
            bad_id,
            hist_ok,
            cmp_cluster_ne,
            cmp_epoch_ne,
            cmp_seq_lt,
            cmp_seq_gt,
            cmp_seq_max,
            cmp_member,
            cmp_in_history,
            member_slice,
            hist_slice,
            cmp_hist_long,
            cmp_hist_len_eq,
            last_hist,
            declared_r,
            expected_r,
            runt_r,
            oversize_r,
            truncated_r,
            trailing_r,
            ethertype_bad,
            version_bad,
            kind_bad,
            hlen_bad
        );
        self.beat.next = self.rx.valid.val();
        self.byte9.next = bit_cast::<9, 8>(self.rx.data.val());
        // Regions of the frame for the beat at `pos`, from registers only (this is on the
        // history RAM's address path): after the header come the history ids, then the
        // payload, then padding.
        self.in_history.next = self.beat.val() & self.hist_open.q.val();
        self.in_payload.next = self.beat.val()
            & self.past_header.q.val()
            & !self.hist_left.q.val().any()
            & self.pay_left.q.val().any();
        // Port A reads the window entry the next history beat needs.
        self.hist_addr.next = self.addr_r.q.val();
        self.hist_addr2.next = self.addr_m1.q.val();
        self.took_hist.d.next = self.in_history.val();
        self.hist_now.next = self.hist_data.val();
        if self.took_hist.q.val() {
            self.hist_now.next = self.hist_data2.val();
        }
        self.frame_begin.next = self.beat.val() & !self.in_frame.q.val();
        self.pay_valid.next = self.in_payload.val();
        self.pay_data.next = self.rx.data.val();
        self.busy.next = self.in_frame.q.val() | self.done_r.q.val();
        self.done_r.d.next = false;
        // One beat: position, header fields, history comparison, end of frame.
        if self.beat.val() {
            if self.pos.q.val() != 2047 {
                self.pos.d.next = self.pos.q.val() + 1;
            }
            if !self.in_frame.q.val() {
                // First beat: a new frame starts at position 0.
                self.in_frame.d.next = true;
                self.dst_ok.d.next = self.rx.data.val() == 0xff;
                self.hcount.d.next = 0.into();
                self.past_header.d.next = false;
                self.hist_left.d.next = 0.into();
                self.pay_left.d.next = 0.into();
                self.addr_r.d.next = self.hist_newest.val();
                self.addr_m1.d.next = self.hist_newest.val() - 1;
                self.hist_open.d.next = false;
                self.hlen_r.d.next = 0.into();
                self.plen_r.d.next = 0.into();
                self.bad_id.d.next = false;
                self.hist_ok.d.next = true;
            } else if self.pos.q.val() < self.o_src.val() {
                self.dst_ok.d.next = self.dst_ok.q.val() & (self.rx.data.val() == 0xff);
            }
            // Header fields, big-endian on the wire.

            if (self.pos.q.val() >= self.o_ethertype.val())
                & (self.pos.q.val() < self.o_version.val())
            {
                self.ethertype.d.next =
                    (self.ethertype.q.val() << 8) | bit_cast::<16, 8>(self.rx.data.val());
            }
            if self.pos.q.val() == self.o_version.val() {
                self.version.d.next = self.rx.data.val();
            }
            if self.pos.q.val() == self.o_kind.val() {
                self.kind.d.next = self.rx.data.val();
            }
            if (self.pos.q.val() >= self.o_cluster.val()) & (self.pos.q.val() < self.o_epoch.val())
            {
                self.cluster_r.d.next =
                    (self.cluster_r.q.val() << 8) | bit_cast::<16, 8>(self.rx.data.val());
            }
            if (self.pos.q.val() >= self.o_epoch.val()) & (self.pos.q.val() < self.o_sender.val()) {
                self.epoch_r.d.next =
                    (self.epoch_r.q.val() << 8) | bit_cast::<32, 8>(self.rx.data.val());
            }
            if self.pos.q.val() == self.o_sender.val() {
                self.sender_r.d.next = self.rx.data.val();
                if self.byte9.val() >= self.hosts.val() {
                    self.bad_id.d.next = true;
                }
            }
            if self.pos.q.val() == self.o_hlen.val() {
                self.hlen_r.d.next = self.rx.data.val();
            }
            if (self.pos.q.val() >= self.o_seq.val()) & (self.pos.q.val() < self.o_plen.val()) {
                self.seq_r.d.next =
                    (self.seq_r.q.val() << 8) | bit_cast::<64, 8>(self.rx.data.val());
            }
            if (self.pos.q.val() >= self.o_plen.val()) & (self.pos.q.val() < self.header_len.val())
            {
                self.plen_r.d.next =
                    (self.plen_r.q.val() << 8) | bit_cast::<16, 8>(self.rx.data.val());
            }
            if self.pos.q.val() == self.o_hlen.val() {
                self.hist_left.d.next = self.rx.data.val();
            }
            if self.pos.q.val() == self.header_len.val() - 1 {
                self.past_header.d.next = true;
                self.hist_open.d.next = self.hist_left.q.val().any();
                self.pay_left.d.next =
                    (self.plen_r.q.val() << 8) | bit_cast::<16, 8>(self.rx.data.val());
            }
            if self.in_history.val() {
                self.hcount.d.next = self.hcount.q.val() + 1;
                self.hist_left.d.next = self.hist_left.q.val() - 1;
                self.addr_r.d.next = self.addr_m1.q.val();
                self.addr_m1.d.next = self.addr_m1.q.val() - 1;
                self.hist_open.d.next = self.hist_left.q.val() != 1;
                if self.byte9.val() >= self.hosts.val() {
                    self.bad_id.d.next = true;
                }
                if (self.rx.data.val() != self.hist_now.val())
                    | (self.hcount.q.val() >= self.local_hist_len.val())
                {
                    self.hist_ok.d.next = false;
                }
            }
            if self.in_payload.val() {
                self.pay_left.d.next = self.pay_left.q.val() - 1;
            }
            if self.rx.last.val() {
                self.in_frame.d.next = false;
                self.done_r.d.next = true;
                self.err_r.d.next = self.rx.error.val();
                // Length checks against the final length (pos + 1), registered now.
                self.runt_r.d.next = self.pos.q.val() < self.min_len.val() - 1;
                self.oversize_r.d.next = self.pos.q.val() >= self.max_len.val();
                self.truncated_r.d.next =
                    self.declared_r.q.val() > bit_cast::<17, 11>(self.pos.q.val()) + 1;
                self.trailing_r.d.next =
                    self.expected_r.q.val() != bit_cast::<17, 11>(self.pos.q.val()) + 1;
                self.pos.d.next = 0.into();
                // The next frame's first beat must find no region open.
                self.past_header.d.next = false;
                self.hist_open.d.next = false;
                self.hist_left.d.next = 0.into();
                self.pay_left.d.next = 0.into();
            }
        }
        if self.reset.val() {
            self.past_header.d.next = false;
            self.hist_open.d.next = false;
            self.hist_left.d.next = 0.into();
            self.pay_left.d.next = 0.into();
            self.in_frame.d.next = false;
            self.done_r.d.next = false;
            self.pos.d.next = 0.into();
        }
        // Comparisons with the local state, one cycle behind the fields (two for the
        // bitmap lookups; the sender is known long before the frame ends).
        self.cmp_cluster_ne.d.next = self.cluster_r.q.val() != self.cluster_id.val();
        self.cmp_epoch_ne.d.next = self.epoch_r.q.val() != self.local_epoch.val();
        self.cmp_seq_lt.d.next = self.seq_r.q.val() < self.local_seq.val();
        self.cmp_seq_gt.d.next = self.seq_r.q.val() > self.local_seq.val();
        self.cmp_seq_max.d.next = self.local_seq.val().all();
        self.slice_at.next = self.sender_r.q.val() & 0xF0;
        self.sender_lo.next = self.sender_r.q.val().get_bits::<4>(0);
        self.member_slice.d.next = self
            .members
            .val()
            .get_bits::<16>(self.slice_at.val().index());
        self.hist_slice.d.next = self
            .history
            .val()
            .get_bits::<16>(self.slice_at.val().index());
        self.cmp_member.d.next = self
            .member_slice
            .q
            .val()
            .get_bit(self.sender_lo.val().index());
        self.cmp_in_history.d.next = self
            .hist_slice
            .q
            .val()
            .get_bit(self.sender_lo.val().index());
        self.cmp_hist_long.d.next = self.hlen_r.q.val() > self.h.val();
        self.cmp_hist_len_eq.d.next = self.hlen_r.q.val() == self.local_hist_len.val();
        if self.in_history.val() {
            self.last_hist.d.next = self.rx.data.val();
        }
        self.cluster_ne.next = self.cmp_cluster_ne.q.val();
        self.epoch_ne.next = self.cmp_epoch_ne.q.val();
        self.seq_lt.next = self.cmp_seq_lt.q.val();
        self.seq_gt.next = self.cmp_seq_gt.q.val();
        self.seq_max.next = self.cmp_seq_max.q.val();
        self.sender_member.next = self.cmp_member.q.val();
        self.sender_in_history.next = self.cmp_in_history.q.val();
        self.hist_too_long.next = self.cmp_hist_long.q.val();
        self.last_hist_id.next = self.last_hist.q.val();
        // The result, from the registers of a finished frame: the decode checks of
        // `Frame::decode`, first failure wins.
        self.done.next = self.done_r.q.val();
        self.mac_error.next = self.err_r.q.val();
        self.epoch.next = self.epoch_r.q.val();
        self.sender.next = self.sender_r.q.val();
        self.seq.next = self.seq_r.q.val();
        self.pay_len.next = self.plen_r.q.val();
        self.invalid_id.next = self.bad_id.q.val();
        self.hist_match.next = self.hist_ok.q.val() & self.cmp_hist_len_eq.q.val();
        self.declared.next = bit_cast::<17, 11>(self.header_len.val())
            + bit_cast::<17, 8>(self.hlen_r.q.val())
            + bit_cast::<17, 16>(self.plen_r.q.val());
        // Two register stages (the header ends 25 beats before a minimum frame does).
        self.declared_r.d.next = self.declared.val();
        self.expected.next = self.declared_r.q.val();
        if self.declared_r.q.val() < bit_cast::<17, 11>(self.min_len.val()) {
            self.expected.next = bit_cast::<17, 11>(self.min_len.val());
        }
        self.expected_r.d.next = self.expected.val();
        self.ethertype_bad.d.next = self.ethertype.q.val() != self.exo_ethertype.val();
        self.version_bad.d.next = self.version.q.val() != self.exo_version.val();
        self.kind_bad.d.next = self.kind.q.val() != self.exo_kind.val();
        self.hlen_bad.d.next = self.hlen_r.q.val() > self.max_history.val();
        self.malformed.next = true;
        self.malformed_kind.next = 0.into();
        if self.runt_r.q.val() {
            self.malformed_kind.next = 0.into();
        } else if self.oversize_r.q.val() {
            self.malformed_kind.next = 1.into();
        } else if !self.dst_ok.q.val() {
            self.malformed_kind.next = 2.into();
        } else if self.ethertype_bad.q.val() {
            self.malformed_kind.next = 3.into();
        } else if self.version_bad.q.val() {
            self.malformed_kind.next = 4.into();
        } else if self.kind_bad.q.val() {
            self.malformed_kind.next = 5.into();
        } else if self.hlen_bad.q.val() {
            self.malformed_kind.next = 6.into();
        } else if self.truncated_r.q.val() {
            self.malformed_kind.next = 7.into();
        } else if self.trailing_r.q.val() {
            self.malformed_kind.next = 8.into();
        } else {
            self.malformed.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle, test_seed};
    use exo_proto::rng::Rng;
    use exo_proto::wire::{DecodeError, Frame};
    use exo_proto::HostId;

    fn clock(r: &mut FrameRx) -> &mut Signal<In, Clock> {
        &mut r.clock
    }

    /// What FrameRx reports for a frame, with `window` as the local history (newest first).
    struct Report {
        malformed: Option<u64>,
        invalid_id: bool,
        hist_match: bool,
        sender: u8,
        seq: u64,
        epoch: u32,
        payload: Vec<u8>,
    }

    fn parse(r: &mut FrameRx, bytes: &[u8], window: &[u8]) -> Report {
        r.local_hist_len.next = (window.len() as u64).to_bits();
        // The window as the RAM holds it: entry i at address newest − i.
        let newest = 200u8;
        r.hist_newest.next = (newest as u64).to_bits();
        let (mut index, mut index2) = (0usize, 0usize);
        let mut payload = Vec::new();
        let mut i = 0;
        loop {
            // Port A of the history RAM: the id at the previous cycle's index.
            r.hist_data.next = (window.get(index).copied().unwrap_or(0xee) as u64).to_bits();
            r.hist_data2.next = (window.get(index2).copied().unwrap_or(0xee) as u64).to_bits();
            let beat = i < bytes.len();
            r.rx.valid.next = beat;
            r.rx.data.next = (bytes.get(i).copied().unwrap_or(0) as u64).to_bits();
            r.rx.last.next = i + 1 == bytes.len();
            r.rx.error.next = false;
            settle(r);
            if r.pay_valid.val() {
                payload.push(r.pay_data.val().to_u64() as u8);
            }
            if r.done.val() {
                let report = Report {
                    malformed: r.malformed.val().then(|| r.malformed_kind.val().to_u64()),
                    invalid_id: r.invalid_id.val(),
                    hist_match: r.hist_match.val(),
                    sender: r.sender.val().to_u64() as u8,
                    seq: r.seq.val().to_u64(),
                    epoch: r.epoch.val().to_u64() as u32,
                    payload,
                };
                // Leave the done cycle (a gap before the next frame, as on the wire).
                r.rx.valid.next = false;
                settle(r);
                cycle(r, clock);
                return report;
            }
            index = usize::from(newest.wrapping_sub(r.hist_addr.val().to_u64() as u8));
            index2 = usize::from(newest.wrapping_sub(r.hist_addr2.val().to_u64() as u8));
            cycle(r, clock);
            i += 1;
            assert!(i < bytes.len() + 4, "no result");
        }
    }

    fn decode_index(e: &DecodeError) -> u64 {
        match e {
            DecodeError::Runt { .. } => malformed::RUNT,
            DecodeError::Oversize { .. } => malformed::OVERSIZE,
            DecodeError::NotBroadcast(_) => malformed::NOT_BROADCAST,
            DecodeError::WrongEtherType(_) => malformed::WRONG_ETHERTYPE,
            DecodeError::UnsupportedVersion(_) => malformed::UNSUPPORTED_VERSION,
            DecodeError::UnknownKind(_) => malformed::UNKNOWN_KIND,
            DecodeError::HistoryTooLong(_) => malformed::HISTORY_TOO_LONG,
            DecodeError::Truncated { .. } => malformed::TRUNCATED,
            DecodeError::TrailingBytes { .. } => malformed::TRAILING_BYTES,
        }
    }

    #[test]
    fn agrees_with_frame_decode_on_random_and_broken_frames() {
        let hosts = 16;
        let mut r = FrameRx::new(hosts, 1);
        r.connect_all();
        let seed = test_seed("frame_rx", 0xF4A);
        let mut rng = Rng::new(seed);
        let mut seen = [0u32; 9];
        for case in 0..3_000 {
            let hlen = rng.range(0, 10) as usize;
            let window: Vec<u8> = (0..rng.range(0, 10))
                .map(|_| rng.range(0, 20) as u8)
                .collect();
            let history: Vec<HostId> = if rng.chance(0.5) {
                window.iter().map(|&h| HostId(h)).collect()
            } else {
                (0..hlen).map(|_| HostId(rng.range(0, 20) as u8)).collect()
            };
            let frame = Frame {
                src_mac: [2, 0x45, 0x58, 0, 1, 3],
                cluster: 1,
                epoch: rng.next_u64() as u32,
                sender: HostId(rng.range(0, 20) as u8),
                seq: rng.next_u64(),
                history,
                payload: (0..rng.range(0, 80))
                    .map(|_| rng.next_u64() as u8)
                    .collect(),
            };
            let mut bytes = frame.encode().expect("encodable");
            match rng.range(0, 5) {
                0 => {
                    let i = rng.range(0, bytes.len() as u64 - 1) as usize;
                    bytes[i] ^= 1 << rng.range(0, 7);
                }
                1 => bytes.truncate(rng.range(1, bytes.len() as u64) as usize),
                2 => bytes.resize(bytes.len() + rng.range(1, 1600) as usize, 0),
                3 => bytes[23] = rng.range(0, 255) as u8,
                _ => {}
            }
            let got = parse(&mut r, &bytes, &window);
            match Frame::decode(&bytes) {
                Err(e) => {
                    let want = decode_index(&e);
                    assert_eq!(got.malformed, Some(want), "case {case}: {e}");
                    seen[want as usize] += 1;
                }
                Ok(f) => {
                    assert_eq!(got.malformed, None, "case {case}");
                    assert_eq!(
                        (got.sender, got.seq, got.epoch),
                        (f.sender.0, f.seq, f.epoch)
                    );
                    assert_eq!(got.payload, f.payload, "case {case}: payload beats");
                    let ids_ok = std::iter::once(f.sender)
                        .chain(f.history.iter().copied())
                        .all(|h| h.index() < hosts);
                    assert_eq!(got.invalid_id, !ids_ok, "case {case}");
                    let matches: Vec<u8> = f.history.iter().map(|h| h.0).collect();
                    assert_eq!(got.hist_match, matches == window, "case {case}");
                }
            }
        }
        assert!(
            seen.iter().all(|&n| n > 0),
            "every decode check exercised: {seen:?}"
        );
    }

    #[test]
    fn frame_rx_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut FrameRx::new(256, 1), "frame_rx")
            .expect("yosys synth_ecp5");
    }
}
