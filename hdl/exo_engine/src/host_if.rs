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
