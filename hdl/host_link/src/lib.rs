//! The host link in RTL: between a host's Ethernet port and the engine's host interface.
//!
//! The frame format is `exo_proto::host_link` (the one definition the host runtime uses
//! too); the engine's side is its post stream, record stream and control port
//! (`exo_engine::host_if`). The blocks, one per file:
//!
//! - [`host_link_rx`]: requests in — posts to the post stream, register writes and reads
//!   through the control port (and the board's own registers), replies out;
//! - [`reply_writer`]: the parser's reply bytes into the reply buffer;
//! - [`host_link_tx`]: records and replies out as frames for the host port's MAC.
//!
//! They live here, in `hdl/`, rather than with the boards: they are portable RTL with no
//! board in them, and a simulated host link (the co-simulation) can use them as they are.
//! [`record_from_body`] is the software side of a RECORD frame.

pub mod host_link_rx;
pub mod host_link_tx;
pub mod reply_writer;

pub use host_link_rx::HostLinkRx;
pub use host_link_tx::HostLinkTx;
pub use reply_writer::ReplyWriter;

use exo_engine::deliver::{AGREED_LEN, ANOMALY_LEN, ENTRY_HEADER_LEN};
use exo_engine::host_if::{record, Record, RecordError};

/// The record a RECORD frame's body carries (`exo_proto::host_link::Reply::Record`), the
/// frame's padding removed: the record's kind gives its length, and an entry's own payload
/// length (the last two bytes of its header) gives the rest.
pub fn record_from_body(body: &[u8]) -> Result<Record, RecordError> {
    let kind = *body.first().ok_or(RecordError::Empty)?;
    let header = ENTRY_HEADER_LEN as usize;
    let len = match u64::from(kind) {
        record::ENTRY if body.len() >= header => {
            header + usize::from(u16::from_be_bytes([body[header - 2], body[header - 1]]))
        }
        record::ENTRY => header,
        record::AGREED => AGREED_LEN as usize,
        record::ANOMALY => ANOMALY_LEN as usize,
        _ => return Err(RecordError::UnknownKind(kind)),
    };
    Record::decode(&body[..len.min(body.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_out_of_padded_bodies() {
        let mut entry = vec![1];
        entry.extend(7u64.to_be_bytes());
        entry.extend(3u32.to_be_bytes());
        entry.push(2);
        entry.extend(5u64.to_be_bytes());
        entry.extend(2u16.to_be_bytes());
        entry.extend([0xaa, 0xbb]);
        entry.extend([0; 16]);
        assert_eq!(
            record_from_body(&entry),
            Ok(Record::Entry {
                seq: 7,
                epoch: 3,
                sender: 2,
                agreed: 5,
                payload: vec![0xaa, 0xbb]
            })
        );
        let mut agreed = vec![2];
        agreed.extend(9u64.to_be_bytes());
        agreed.extend([0; 33]);
        assert_eq!(record_from_body(&agreed), Ok(Record::Agreed { agreed: 9 }));
        assert!(matches!(
            record_from_body(&entry[..20]),
            Err(RecordError::Length { .. })
        ));
        assert_eq!(record_from_body(&[9, 0]), Err(RecordError::UnknownKind(9)));
        assert_eq!(record_from_body(&[]), Err(RecordError::Empty));
    }
}
