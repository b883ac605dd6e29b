//! `HostLinkTx`: the engine's records and the parser's replies out, as host link frames.
//!
//! Between frames it picks a source — a complete reply from the reply buffer first (replies
//! are rare and small, and a host waits for them), else a record from the engine — and sends
//! the frame's prefix from a shift register: destination (the host's MAC, or broadcast
//! before the host has sent anything), source (the engine's MAC), EtherType, version; for a
//! record also the op `RECORD` and tag 0 (a reply carries its own op and tag from the
//! parser). Then the source's bytes pass straight through to the MAC until its `last`.
//!
//! Both sources keep `valid` high from their first byte to their last while `ready` is high
//! (the reply buffer holds whole replies; the engine's record stream does, through a register
//! slice), which is what the MAC needs: it cannot pause in the middle of a frame.
//!
//! `reply_sent` and `record_sent` pulse with the last byte of a reply or a record frame.

use exo_hdl_common::{FrameTxIn, FrameTxOut};
use exo_proto::host_link::{op, BODY_OFFSET, ETHERTYPE_HOST_LINK, VERSION};
use rust_hdl::prelude::*;

/// Bytes of the prefix the block generates before a reply (destination, source, EtherType,
/// version); a record's prefix adds its op and tag.
pub const REPLY_PREFIX: u32 = 15;
pub const RECORD_PREFIX: u32 = BODY_OFFSET as u32;
const PREFIX_BITS: usize = 8 * BODY_OFFSET;

// The update code writes these as literals (rust-hdl's Verilog takes no Rust constants there).
const _: () = assert!(REPLY_PREFIX == 15 && RECORD_PREFIX == 18 && PREFIX_BITS - 8 == 136);

/// Where the framer is.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum TxState {
    /// Between frames (the initial state: the first variant).
    Idle,
    Prefix,
    Body,
}

/// The framer (see the module documentation).
#[derive(LogicBlock)]
pub struct HostLinkTx {
    pub clock: Signal<In, Clock>,
    // ---- Sources
    pub records: FrameTxIn,
    pub replies: FrameTxIn,
    /// The host's MAC (0: not known yet, send to the broadcast address).
    pub host_mac: Signal<In, Bits<48>>,
    // ---- To the host port's MAC
    pub mac: FrameTxOut,
    // ---- Events
    pub reply_sent: Signal<Out, Bit>,
    pub record_sent: Signal<Out, Bit>,
    // ---- Internals
    state: DFF<TxState>,
    /// The source of the frame in progress: a reply (1) or a record (0).
    from_reply: DFF<Bit>,
    prefix: DFF<Bits<PREFIX_BITS>>,
    left: DFF<Bits<5>>,
    dst: Signal<Local, Bits<48>>,
    head: Signal<Local, Bits<PREFIX_BITS>>,
    src_mac: Constant<Bits<48>>,
    /// EtherType, version, and a record's op and tag.
    tail: Constant<Bits<48>>,
    broadcast: Constant<Bits<48>>,
}

impl HostLinkTx {
    /// A framer sending from `src_mac` (the engine's MAC).
    pub fn new(src_mac: [u8; 6]) -> HostLinkTx {
        let mac = src_mac.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
        let [eh, el] = ETHERTYPE_HOST_LINK.to_be_bytes();
        let tail = [eh, el, VERSION, op::RECORD, 0, 0]
            .iter()
            .fold(0u64, |v, &b| (v << 8) | u64::from(b));
        HostLinkTx {
            clock: Default::default(),
            records: Default::default(),
            replies: Default::default(),
            host_mac: Default::default(),
            mac: Default::default(),
            reply_sent: Default::default(),
            record_sent: Default::default(),
            state: Default::default(),
            from_reply: Default::default(),
            prefix: Default::default(),
            left: Default::default(),
            dst: Default::default(),
            head: Default::default(),
            src_mac: Constant::new(mac.to_bits()),
            tail: Constant::new(tail.to_bits()),
            broadcast: Constant::new(0xffff_ffff_ffffu64.to_bits()),
        }
    }
}

// The state machine's recovery arm (`_`) is unreachable in Rust but not in the hardware.
#[allow(unreachable_patterns)]
impl Logic for HostLinkTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state, from_reply, prefix, left);
        self.dst.next = self.host_mac.val();
        if self.host_mac.val() == 0 {
            self.dst.next = self.broadcast.val();
        }
        self.head.next = (bit_cast::<PREFIX_BITS, 48>(self.dst.val()) << 96)
            | (bit_cast::<PREFIX_BITS, 48>(self.src_mac.val()) << 48)
            | bit_cast::<PREFIX_BITS, 48>(self.tail.val());
        self.records.ready.next = false;
        self.replies.ready.next = false;
        self.reply_sent.next = false;
        self.record_sent.next = false;
        self.mac.valid.next = false;
        self.mac.data.next = self.prefix.q.val().get_bits::<8>(136);
        self.mac.last.next = false;
        self.mac.error.next = false;
        match self.state.q.val() {
            TxState::Idle => {
                self.prefix.d.next = self.head.val();
                if self.replies.valid.val() {
                    self.from_reply.d.next = true;
                    self.left.d.next = 15.into();
                    self.state.d.next = TxState::Prefix;
                } else if self.records.valid.val() {
                    self.from_reply.d.next = false;
                    self.left.d.next = 18.into();
                    self.state.d.next = TxState::Prefix;
                }
            }
            TxState::Prefix => {
                self.mac.valid.next = true;
                if self.mac.ready.val() {
                    self.prefix.d.next = self.prefix.q.val() << 8;
                    self.left.d.next = self.left.q.val() - 1;
                    if self.left.q.val() == 1 {
                        self.state.d.next = TxState::Body;
                    }
                }
            }
            TxState::Body => {
                if self.from_reply.q.val() {
                    self.mac.valid.next = self.replies.valid.val();
                    self.mac.data.next = self.replies.data.val();
                    self.mac.last.next = self.replies.last.val();
                    self.mac.error.next = self.replies.error.val();
                    self.replies.ready.next = self.mac.ready.val();
                } else {
                    self.mac.valid.next = self.records.valid.val();
                    self.mac.data.next = self.records.data.val();
                    self.mac.last.next = self.records.last.val();
                    self.mac.error.next = self.records.error.val();
                    self.records.ready.next = self.mac.ready.val();
                }
                if self.mac.valid.val() & self.mac.ready.val() & self.mac.last.val() {
                    self.reply_sent.next = self.from_reply.q.val();
                    self.record_sent.next = !self.from_reply.q.val();
                    self.state.d.next = TxState::Idle;
                }
            }
            _ => {
                self.state.d.next = TxState::Idle;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_link_tx_is_synthesizable() {
        exo_hdl_common::check_synthesizable(
            &mut HostLinkTx::new([2, 0x45, 0x58, 0, 1, 0]),
            "host_link_tx",
        )
        .expect("yosys synth_ecp5");
    }
}
