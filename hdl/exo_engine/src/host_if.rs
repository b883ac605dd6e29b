//! The engine's host interface for software: the one definition the block tests, the
//! co-simulation and the host runtime use.
//!
//! - **Post stream** (host → engine): one message per stream frame, `[len_hi, len_lo,
//!   payload…]` ([`encode_post`]).
//! - **Record stream** (engine → host): [`Record`], one per stream frame, laid out as the
//!   `Deliver` block writes it.
//! - **Control port**: the register map [`reg`] and the operations [`op`].

pub use crate::control_port::reg;
pub use crate::counters::NAMES as COUNTER_NAMES;
pub use crate::protocol_core::{op, record, status};

/// The control port's registers: name, address, access, meaning. `docs/engine.md` embeds
/// [`register_map_markdown`]'s table, and a test checks that it is current.
pub const REGISTERS: &[(&str, u8, &str, &str)] = &[
    ("COMMAND", reg::COMMAND, "W", "bits 2:0: operation (1 stop, 2 load epoch, 3 append, 4 resume)"),
    ("STAGE_EPOCH", reg::STAGE_EPOCH, "W", "epoch for LOAD_EPOCH"),
    ("STAGE_SEQ_LO", reg::STAGE_SEQ_LO, "W", "seq (log length) for LOAD_EPOCH, bits 31:0"),
    ("STAGE_SEQ_HI", reg::STAGE_SEQ_HI, "W", "bits 63:32"),
    ("STAGE_HOLDER", reg::STAGE_HOLDER, "W", "bits 7:0: token holder for LOAD_EPOCH/RESUME; bit 8: the log holds our in-flight message"),
    ("STAGE_SENDER", reg::STAGE_SENDER, "W", "bits 7:0: sender of the entry APPEND adds"),
    ("RING_CLEAR", reg::RING_CLEAR, "W", "no member (refused while running)"),
    ("RING_LEN", reg::RING_LEN, "W", "bits 8:0: members in the ring (refused while running)"),
    ("RING_ENTRY", reg::RING_ENTRY, "W", "bits 7:0 id, 15:8 position, 23:16 successor (refused while running)"),
    ("SET_TOKEN_TIMEOUT", reg::SET_TOKEN_TIMEOUT, "W", "bits 23:0: token timeout in cycles, from the next arming (0 is ignored)"),
    ("HISTORY_INDEX", reg::HISTORY_INDEX, "W", "window index HISTORY_DATA reads (0 = newest)"),
    ("RING_INDEX", reg::RING_INDEX, "W", "id whose entry RING_DATA reads"),
    ("STATUS", reg::STATUS, "R", "1:0 status (0 running, 1 stopped, 2 halted), 4:2 halt anomaly, 5 core busy, 6 command pending, 7 boot ring loading, 8 a ring write was refused (cleared by this read)"),
    ("EPOCH", reg::EPOCH, "R", "current epoch"),
    ("SEQ_LO", reg::SEQ_LO, "R", "seq the next accepted message must carry, bits 31:0"),
    ("SEQ_HI", reg::SEQ_HI, "R", "bits 63:32"),
    ("EPOCH_START_LO", reg::EPOCH_START_LO, "R", "first seq of the epoch, bits 31:0"),
    ("EPOCH_START_HI", reg::EPOCH_START_HI, "R", "bits 63:32"),
    ("AGREED_LO", reg::AGREED_LO, "R", "agreement pointer (entries below it are agreed), bits 31:0"),
    ("AGREED_HI", reg::AGREED_HI, "R", "bits 63:32"),
    ("TURN", reg::TURN, "R", "7:0 token holder, 15:8 this host's ring position, 24:16 ring length"),
    ("HISTORY_LEN", reg::HISTORY_LEN, "R", "ids in the history"),
    ("IN_FLIGHT", reg::IN_FLIGHT, "R", "0 a message is in flight, 1 it carries a post, 2 it is acceptable"),
    ("IN_FLIGHT_SEQ_LO", reg::IN_FLIGHT_SEQ_LO, "R", "its seq, bits 31:0"),
    ("IN_FLIGHT_SEQ_HI", reg::IN_FLIGHT_SEQ_HI, "R", "bits 63:32"),
    ("QUEUE_DEPTH", reg::QUEUE_DEPTH, "R", "posted messages waiting (with the one in flight)"),
    ("TOKEN_TIMEOUT", reg::TOKEN_TIMEOUT, "R", "token timeout in cycles"),
    ("PARAMS", reg::PARAMS, "R", "8:0 hosts n, 15:8 this host's id, 23:16 h"),
    ("CLUSTER", reg::CLUSTER, "R", "cluster id"),
    ("POSTS_ACCEPTED", reg::POSTS_ACCEPTED, "R", "posts queued"),
    ("POSTS_REJECTED", reg::POSTS_REJECTED, "R", "posts refused (too long, length mismatch, aborted)"),
    ("HISTORY_BITMAP_0", reg::HISTORY_BITMAP_0, "R", "ids 0-31 in the history (…_7 at +7: ids 224-255)"),
    ("MEMBERS_0", reg::MEMBERS_0, "R", "ids 0-31 in the ring (…_7 at +7)"),
    ("HISTORY_DATA", reg::HISTORY_DATA, "R", "the id at HISTORY_INDEX (waits for a gap between frames)"),
    ("RING_DATA", reg::RING_DATA, "R", "7:0 successor, 15:8 position of RING_INDEX (waits likewise)"),
    ("COUNTERS", reg::COUNTERS, "R", "counter i at COUNTERS + i, in the order of COUNTER_NAMES (32 bits, wrapping)"),
];

/// The register map as a Markdown table.
pub fn register_map_markdown() -> String {
    let mut out = String::from("| register | address | access | meaning |\n|---|---|---|---|\n");
    for (name, addr, access, meaning) in REGISTERS {
        out.push_str(&format!(
            "| `{name}` | `0x{addr:02X}` | {access} | {meaning} |\n"
        ));
    }
    out
}

/// A record from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Entry `seq` was accepted; `agreed` is the agreement pointer after it.
    Entry {
        seq: u64,
        epoch: u32,
        sender: u8,
        agreed: u64,
        payload: Vec<u8>,
    },
    /// The agreement pointer moved (after a repair).
    Agreed { agreed: u64 },
    /// An anomaly (`AnomalyKind::index()`), about a received frame or not.
    Anomaly {
        kind: u8,
        local_seq: u64,
        frame: Option<(u64, u8)>,
    },
}

/// Why bytes are not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("empty record")]
    Empty,
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    #[error("record of kind {kind} is {len} bytes, expected {expected}")]
    Length {
        kind: u8,
        len: usize,
        expected: usize,
    },
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |v, &b| (v << 8) | u64::from(b))
}

impl Record {
    pub fn decode(bytes: &[u8]) -> Result<Record, RecordError> {
        let kind = *bytes.first().ok_or(RecordError::Empty)?;
        let need = |expected: usize| {
            if bytes.len() == expected {
                Ok(())
            } else {
                Err(RecordError::Length {
                    kind,
                    len: bytes.len(),
                    expected,
                })
            }
        };
        match u64::from(kind) {
            record::ENTRY => {
                let header = crate::deliver::ENTRY_HEADER_LEN as usize;
                if bytes.len() < header {
                    need(header)?;
                }
                let len = be(&bytes[22..24]) as usize;
                need(header + len)?;
                Ok(Record::Entry {
                    seq: be(&bytes[1..9]),
                    epoch: be(&bytes[9..13]) as u32,
                    sender: bytes[13],
                    agreed: be(&bytes[14..22]),
                    payload: bytes[header..].to_vec(),
                })
            }
            record::AGREED => {
                need(crate::deliver::AGREED_LEN as usize)?;
                Ok(Record::Agreed {
                    agreed: be(&bytes[1..9]),
                })
            }
            record::ANOMALY => {
                need(crate::deliver::ANOMALY_LEN as usize)?;
                let about_frame = bytes[2] & 1 == 1;
                Ok(Record::Anomaly {
                    kind: bytes[1],
                    local_seq: be(&bytes[3..11]),
                    frame: about_frame.then(|| (be(&bytes[11..19]), bytes[19])),
                })
            }
            _ => Err(RecordError::UnknownKind(kind)),
        }
    }
}

/// A message as the post stream carries it.
pub fn encode_post(payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_kind_and_refuses_bad_lengths() {
        let mut entry = vec![1];
        entry.extend(7u64.to_be_bytes());
        entry.extend(3u32.to_be_bytes());
        entry.push(2);
        entry.extend(5u64.to_be_bytes());
        entry.extend(2u16.to_be_bytes());
        entry.extend([0xaa, 0xbb]);
        assert_eq!(
            Record::decode(&entry),
            Ok(Record::Entry {
                seq: 7,
                epoch: 3,
                sender: 2,
                agreed: 5,
                payload: vec![0xaa, 0xbb]
            })
        );
        assert!(matches!(
            Record::decode(&entry[..25]),
            Err(RecordError::Length { .. })
        ));
        let mut agreed = vec![2];
        agreed.extend(9u64.to_be_bytes());
        assert_eq!(Record::decode(&agreed), Ok(Record::Agreed { agreed: 9 }));
        let mut anomaly = vec![3, 5, 0];
        anomaly.extend(4u64.to_be_bytes());
        anomaly.extend([0; 9]);
        assert_eq!(
            Record::decode(&anomaly),
            Ok(Record::Anomaly {
                kind: 5,
                local_seq: 4,
                frame: None
            })
        );
        assert_eq!(Record::decode(&[9]), Err(RecordError::UnknownKind(9)));
        assert_eq!(Record::decode(&[]), Err(RecordError::Empty));
    }
}

#[cfg(test)]
mod doc_tests {
    use super::*;

    #[test]
    fn the_engine_document_embeds_the_current_register_map() {
        let doc = include_str!("../../../docs/engine.md");
        assert!(
            doc.contains(&register_map_markdown()),
            "docs/engine.md's register map differs from host_if::REGISTERS; paste:\n{}",
            register_map_markdown()
        );
        for name in COUNTER_NAMES {
            assert!(
                doc.contains(name),
                "docs/engine.md does not name counter {name}"
            );
        }
    }
}
