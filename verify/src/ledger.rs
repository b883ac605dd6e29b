//! What a rack records about a run, whichever hosts it runs (golden-model hosts here, the
//! Verilated engines in `exo-rtl-rack`): each message's fate, the recovery figures, and the
//! lines `EXO_TRACE=1` prints.

use crate::net::{Picos, PS_PER_NS};
use crate::rack::{MsgId, MsgRecord, RecoveryFigures};
use exo_proto::model::Output;
use exo_proto::HostId;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Ledger {
    pub msgs: Vec<MsgRecord>,
    /// The message each (sender, seq) carried.
    msg_at: HashMap<(u8, u64), MsgId>,
    pub messages_agreed: usize,
    pub messages_lost: usize,
    /// When any host last agreed an entry.
    pub last_agreement: Picos,
    pub recovery: RecoveryFigures,
}

impl Ledger {
    /// A message submitted at `host`.
    pub fn submitted(&mut self, host: HostId) -> MsgId {
        self.msgs.push(MsgRecord {
            host,
            first_byte: None,
            position: None,
            last_agreed: None,
        });
        self.msgs.len() - 1
    }

    /// Message `msg` went out in `sender`'s frame at `seq`, whose first byte left at `at`.
    pub fn sent(&mut self, sender: HostId, seq: u64, msg: MsgId, at: Option<Picos>) {
        self.msg_at.insert((sender.0, seq), msg);
        if let Some(at) = at {
            self.msgs[msg].first_byte.get_or_insert(at);
        }
    }

    /// The first byte of the frame carrying `msg` left at `at` (when known after the send).
    pub fn first_byte(&mut self, msg: MsgId, at: Picos) {
        self.msgs[msg].first_byte.get_or_insert(at);
    }

    /// A host agreed entry `seq`, sent by `sender`, at `now`.
    pub fn agreed(&mut self, now: Picos, sender: Option<HostId>, seq: u64) {
        self.last_agreement = now;
        let Some(&msg) = sender.and_then(|s| self.msg_at.get(&(s.0, seq))) else {
            return;
        };
        let rec = &mut self.msgs[msg];
        if rec.position.is_none() {
            rec.position = Some(seq);
            self.messages_agreed += 1;
        }
        rec.last_agreed = Some(now);
    }

    /// Counts what `out` says about recovery; true if the connected majority may have
    /// changed (a host halted, or came back to normal operation).
    pub fn count(&mut self, out: &Output) -> bool {
        let r = &mut self.recovery;
        match out {
            Output::Anomaly { kind, .. } => return kind.halts(),
            Output::ChangeStarted { .. } => r.epoch_changes += 1,
            Output::Installed { .. } => r.installs += 1,
            Output::Repaired => r.gap_repairs += 1,
            Output::Recovered { after } => {
                r.recovery_ns.push(*after);
                return true;
            }
            _ => {}
        }
        false
    }

    /// True once every submitted message is agreed or lost.
    pub fn all_done(&self) -> bool {
        self.messages_agreed + self.messages_lost >= self.msgs.len()
    }

    /// The highest log position any message was agreed at.
    pub fn last_position(&self) -> Option<u64> {
        self.msgs.iter().filter_map(|m| m.position).max()
    }
}

/// The `EXO_TRACE=1` line for host `i`'s output `out` at `now` (`node`: its recovery phase
/// and epoch, `None` if crashed); deliveries and agreements are not traced.
pub fn trace_line(now: Picos, i: usize, node: Option<(&str, u32)>, out: &Output) -> Option<String> {
    let what = match out {
        Output::Agreed { .. } | Output::Accepted { .. } => return None,
        Output::Transmit(t) => format!("sends seq {} ({:?}, post {:?})", t.seq, t.cause, t.post),
        Output::Oob { to, msg } => format!("oob {:?} -> {to:?}", msg.name()),
        other => format!("{other:?}"),
    };
    let (phase, epoch) = node.unwrap_or(("crashed", 0));
    Some(format!(
        "{:>12} ns host {i} [{phase} e{epoch}]: {what}",
        now / PS_PER_NS
    ))
}
