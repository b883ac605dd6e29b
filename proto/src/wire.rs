//! The Exo network frame, defined once.
//!
//! Every Exo message is one Ethernet II frame. The fixed part of the header is described by
//! [`FIXED_FIELDS`], a table of named fields with byte offsets and widths; the encoder and the
//! decoder below are written from that table, the HDL reads its offsets from it, and the protocol
//! document's diagram is checked against it by a test. After the fixed header come the history
//! (`history_len` one-byte host ids, newest first) and the payload (`payload_len` bytes); frames
//! shorter than the Ethernet minimum are padded with zeros. The MAC appends the FCS.
//!
//! All multi-byte fields are big-endian (network order).
//!
//! Decoding never trusts its input: every malformed frame gets a [`DecodeError`], never a panic.

use crate::HostId;
use std::fmt;

/// EtherType of the Exo network (IEEE 802 "local experimental EtherType 1").
pub const ETHERTYPE_EXO: u16 = 0x88B5;
/// Wire format version carried in every frame; other versions are refused.
pub const VERSION: u8 = 1;
/// The only frame kind on the Exo network so far: an ordered message (possibly empty).
pub const KIND_MESSAGE: u8 = 0;
/// Smallest Ethernet frame without its FCS: shorter frames are padded to this length.
pub const MIN_FRAME_LEN: usize = 60;
/// Largest Ethernet frame without its FCS (1518 with it).
pub const MAX_FRAME_LEN: usize = 1514;
/// Length of the frame check sequence (CRC-32) the MAC appends.
pub const FCS_LEN: usize = 4;
/// Preamble and start-of-frame delimiter in front of every frame on the wire.
pub const PREAMBLE_LEN: usize = 8;
/// Minimum inter-frame gap in byte times.
pub const IFG_LEN: usize = 12;
/// Largest number of hosts: host ids are one byte.
pub const MAX_HOSTS: usize = 256;
/// Longest history: floor(MAX_HOSTS / 2) ids.
pub const MAX_HISTORY: usize = MAX_HOSTS / 2;
/// Destination of every Exo frame: the Ethernet broadcast address.
pub const BROADCAST_MAC: [u8; 6] = [0xff; 6];

/// One fixed-position field of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Name used in the documentation, the HDL and the manifests.
    pub name: &'static str,
    /// Byte offset from the first byte of the destination MAC.
    pub offset: usize,
    /// Width in bytes.
    pub len: usize,
    /// What the field holds.
    pub doc: &'static str,
}

impl Field {
    /// One past the last byte of the field.
    pub const fn end(&self) -> usize {
        self.offset + self.len
    }
}

pub const DST_MAC: Field = Field {
    name: "dst_mac",
    offset: 0,
    len: 6,
    doc: "destination MAC: ff:ff:ff:ff:ff:ff",
};
pub const SRC_MAC: Field = Field {
    name: "src_mac",
    offset: 6,
    len: 6,
    doc: "source MAC 02:45:58:cc:cc:ss (cc cc = cluster, ss = sender; informational)",
};
pub const ETHERTYPE: Field = Field {
    name: "ethertype",
    offset: 12,
    len: 2,
    doc: "0x88B5",
};
pub const VERSION_FIELD: Field = Field {
    name: "version",
    offset: 14,
    len: 1,
    doc: "wire format version: 1",
};
pub const KIND: Field = Field {
    name: "kind",
    offset: 15,
    len: 1,
    doc: "frame kind: 0 = ordered message",
};
pub const CLUSTER: Field = Field {
    name: "cluster",
    offset: 16,
    len: 2,
    doc: "cluster id: frames of other clusters are rejected",
};
pub const EPOCH: Field = Field {
    name: "epoch",
    offset: 18,
    len: 4,
    doc: "epoch the sender is in",
};
pub const SENDER: Field = Field {
    name: "sender",
    offset: 22,
    len: 1,
    doc: "sender host id (0..n-1)",
};
pub const HISTORY_LEN: Field = Field {
    name: "history_len",
    offset: 23,
    len: 1,
    doc: "number of history ids that follow the header (0..=128)",
};
pub const SEQ: Field = Field {
    name: "seq",
    offset: 24,
    len: 8,
    doc: "sequence number: the log position this message claims",
};
pub const PAYLOAD_LEN: Field = Field {
    name: "payload_len",
    offset: 32,
    len: 2,
    doc: "payload bytes after the history",
};

/// The fixed header, in wire order. Contiguous from offset 0 to [`HEADER_LEN`].
pub const FIXED_FIELDS: [Field; 11] = [
    DST_MAC,
    SRC_MAC,
    ETHERTYPE,
    VERSION_FIELD,
    KIND,
    CLUSTER,
    EPOCH,
    SENDER,
    HISTORY_LEN,
    SEQ,
    PAYLOAD_LEN,
];

/// Length of the fixed header; the history starts here.
pub const HEADER_LEN: usize = PAYLOAD_LEN.end();

/// Largest payload a frame can carry with a history of `history_len` ids.
pub const fn max_payload(history_len: usize) -> usize {
    MAX_FRAME_LEN - HEADER_LEN - history_len
}

/// Length of the frame (without FCS) that carries `history_len` ids and `payload_len` bytes,
/// padding included.
pub const fn frame_len(history_len: usize, payload_len: usize) -> usize {
    let unpadded = HEADER_LEN + history_len + payload_len;
    if unpadded < MIN_FRAME_LEN {
        MIN_FRAME_LEN
    } else {
        unpadded
    }
}

/// Byte times a frame of `frame_len` bytes (without FCS) occupies a link: preamble, frame, FCS
/// and the inter-frame gap.
pub const fn wire_occupancy(frame_len: usize) -> usize {
    PREAMBLE_LEN + frame_len + FCS_LEN + IFG_LEN
}

/// The source MAC an Exo host uses: locally administered, "EX", cluster id, host id.
pub fn host_mac(cluster: u16, host: HostId) -> [u8; 6] {
    let [c0, c1] = cluster.to_be_bytes();
    [0x02, 0x45, 0x58, c0, c1, host.0]
}

/// A decoded Exo message frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub src_mac: [u8; 6],
    pub cluster: u16,
    pub epoch: u32,
    pub sender: HostId,
    pub seq: u64,
    /// Senders of the last accepted messages at the sender, newest first.
    pub history: Vec<HostId>,
    pub payload: Vec<u8>,
}

/// Why bytes are not an Exo frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DecodeError {
    #[error("runt: {len} bytes, the minimum is {MIN_FRAME_LEN}")]
    Runt { len: usize },
    #[error("oversize: {len} bytes, the maximum is {MAX_FRAME_LEN}")]
    Oversize { len: usize },
    #[error("destination {0:02x?} is not the broadcast address every Exo frame goes to")]
    NotBroadcast([u8; 6]),
    #[error("EtherType {0:#06x} is not Exo's {ETHERTYPE_EXO:#06x}")]
    WrongEtherType(u16),
    #[error("unsupported wire version {0}")]
    UnsupportedVersion(u8),
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    #[error("history of {0} ids is longer than the maximum {MAX_HISTORY}")]
    HistoryTooLong(usize),
    #[error("truncated: header declares {declared} bytes, the frame has {actual}")]
    Truncated { declared: usize, actual: usize },
    #[error("trailing bytes: the frame should be {expected} bytes long, it is {actual}")]
    TrailingBytes { expected: usize, actual: usize },
}

impl DecodeError {
    /// Position of the failed check in [`Frame::decode`]'s order (the variants' order): the
    /// number the engine reports for a malformed frame.
    pub fn index(&self) -> usize {
        match self {
            DecodeError::Runt { .. } => 0,
            DecodeError::Oversize { .. } => 1,
            DecodeError::NotBroadcast(_) => 2,
            DecodeError::WrongEtherType(_) => 3,
            DecodeError::UnsupportedVersion(_) => 4,
            DecodeError::UnknownKind(_) => 5,
            DecodeError::HistoryTooLong(_) => 6,
            DecodeError::Truncated { .. } => 7,
            DecodeError::TrailingBytes { .. } => 8,
        }
    }
}

/// Why a frame cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("history of {0} ids is longer than the maximum {MAX_HISTORY}")]
    HistoryTooLong(usize),
    #[error("payload of {len} bytes is longer than the maximum {max} for this history")]
    PayloadTooLong { len: usize, max: usize },
}

fn put(buf: &mut [u8], field: Field, value: &[u8]) {
    buf[field.offset..field.end()].copy_from_slice(value);
}

fn get<const N: usize>(bytes: &[u8], field: Field) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[field.offset..field.offset + N]);
    out
}

impl Frame {
    /// Length of the encoded frame (without FCS), padding included.
    pub fn encoded_len(&self) -> usize {
        frame_len(self.history.len(), self.payload.len())
    }

    /// The frame as it goes to the MAC (which appends the FCS).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let history_len = self.history.len();
        if history_len > MAX_HISTORY {
            return Err(EncodeError::HistoryTooLong(history_len));
        }
        let max = max_payload(history_len);
        if self.payload.len() > max {
            return Err(EncodeError::PayloadTooLong {
                len: self.payload.len(),
                max,
            });
        }
        let mut buf = vec![0u8; self.encoded_len()];
        put(&mut buf, DST_MAC, &BROADCAST_MAC);
        put(&mut buf, SRC_MAC, &self.src_mac);
        put(&mut buf, ETHERTYPE, &ETHERTYPE_EXO.to_be_bytes());
        put(&mut buf, VERSION_FIELD, &[VERSION]);
        put(&mut buf, KIND, &[KIND_MESSAGE]);
        put(&mut buf, CLUSTER, &self.cluster.to_be_bytes());
        put(&mut buf, EPOCH, &self.epoch.to_be_bytes());
        put(&mut buf, SENDER, &[self.sender.0]);
        // Both lengths were bounded above (<= 128 and <= 1480), so the casts are exact.
        put(&mut buf, HISTORY_LEN, &[history_len as u8]);
        put(&mut buf, SEQ, &self.seq.to_be_bytes());
        put(
            &mut buf,
            PAYLOAD_LEN,
            &(self.payload.len() as u16).to_be_bytes(),
        );
        let history_end = HEADER_LEN + history_len;
        for (slot, id) in buf[HEADER_LEN..history_end].iter_mut().zip(&self.history) {
            *slot = id.0;
        }
        buf[history_end..history_end + self.payload.len()].copy_from_slice(&self.payload);
        Ok(buf)
    }

    /// Parses a frame as received from the MAC (FCS already checked and removed).
    ///
    /// The checks run in a fixed order, the same order the engine applies them in, so that the
    /// model and the hardware give the same reason for the same bytes. Padding content is not
    /// checked (Ethernet leaves it unspecified).
    pub fn decode(bytes: &[u8]) -> Result<Frame, DecodeError> {
        let len = bytes.len();
        if len < MIN_FRAME_LEN {
            return Err(DecodeError::Runt { len });
        }
        if len > MAX_FRAME_LEN {
            return Err(DecodeError::Oversize { len });
        }
        let dst: [u8; 6] = get(bytes, DST_MAC);
        if dst != BROADCAST_MAC {
            return Err(DecodeError::NotBroadcast(dst));
        }
        let ethertype = u16::from_be_bytes(get(bytes, ETHERTYPE));
        if ethertype != ETHERTYPE_EXO {
            return Err(DecodeError::WrongEtherType(ethertype));
        }
        let [version] = get(bytes, VERSION_FIELD);
        if version != VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let [kind] = get(bytes, KIND);
        if kind != KIND_MESSAGE {
            return Err(DecodeError::UnknownKind(kind));
        }
        let [history_len] = get(bytes, HISTORY_LEN);
        let history_len = usize::from(history_len);
        if history_len > MAX_HISTORY {
            return Err(DecodeError::HistoryTooLong(history_len));
        }
        let payload_len = usize::from(u16::from_be_bytes(get(bytes, PAYLOAD_LEN)));
        let declared = HEADER_LEN + history_len + payload_len;
        if declared > len {
            return Err(DecodeError::Truncated {
                declared,
                actual: len,
            });
        }
        let expected = frame_len(history_len, payload_len);
        if len != expected {
            return Err(DecodeError::TrailingBytes {
                expected,
                actual: len,
            });
        }
        let history_end = HEADER_LEN + history_len;
        Ok(Frame {
            src_mac: get(bytes, SRC_MAC),
            cluster: u16::from_be_bytes(get(bytes, CLUSTER)),
            epoch: u32::from_be_bytes(get(bytes, EPOCH)),
            sender: HostId(get::<1>(bytes, SENDER)[0]),
            seq: u64::from_be_bytes(get(bytes, SEQ)),
            history: bytes[HEADER_LEN..history_end]
                .iter()
                .map(|&b| HostId(b))
                .collect(),
            payload: bytes[history_end..history_end + payload_len].to_vec(),
        })
    }
}

/// The header layout as a Markdown table: the protocol document embeds this text, and a test
/// checks that the document and this table agree.
pub fn layout_markdown() -> String {
    let mut out = String::from("| offset | bytes | field | contents |\n|---:|---:|---|---|\n");
    for f in FIXED_FIELDS {
        out.push_str(&format!(
            "| {} | {} | `{}` | {} |\n",
            f.offset, f.len, f.name, f.doc
        ));
    }
    out.push_str(&format!(
        "| {HEADER_LEN} | `history_len` | `history` | sender ids of the last accepted messages, newest first |\n"
    ));
    out.push_str(&format!(
        "| {HEADER_LEN} + `history_len` | `payload_len` | `payload` | application data, at most {} − `history_len` bytes |\n",
        max_payload(0)
    ));
    out.push_str(&format!(
        "| … | | `pad` | zeros up to {MIN_FRAME_LEN} bytes; the MAC appends the {FCS_LEN}-byte FCS |\n"
    ));
    out
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "M(seq={}, from={}, epoch={}, history=[",
            self.seq, self.sender, self.epoch
        )?;
        for (i, id) in self.history.iter().enumerate() {
            if i > 0 {
                write!(f, ",")?;
            }
            write!(f, "{id}")?;
        }
        write!(f, "], {} bytes)", self.payload.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(history: usize, payload: usize) -> Frame {
        Frame {
            src_mac: host_mac(7, HostId(3)),
            cluster: 7,
            epoch: 2,
            sender: HostId(3),
            seq: 0x0102_0304_0506_0708,
            history: (0..history).map(|i| HostId(i as u8)).collect(),
            payload: (0..payload).map(|i| i as u8).collect(),
        }
    }

    #[test]
    fn fixed_fields_are_contiguous_from_zero() {
        let mut offset = 0;
        for f in FIXED_FIELDS {
            assert_eq!(
                f.offset, offset,
                "field {} does not follow the previous",
                f.name
            );
            offset = f.end();
        }
        assert_eq!(offset, HEADER_LEN);
        assert_eq!(HEADER_LEN, 34);
    }

    #[test]
    fn encodes_fields_at_their_offsets() {
        let bytes = sample(2, 0).encode().unwrap();
        assert_eq!(bytes.len(), MIN_FRAME_LEN);
        assert_eq!(&bytes[0..6], &[0xff; 6]);
        assert_eq!(&bytes[12..14], &[0x88, 0xb5]);
        assert_eq!(bytes[14], 1);
        assert_eq!(&bytes[16..18], &[0, 7]);
        assert_eq!(&bytes[18..22], &[0, 0, 0, 2]);
        assert_eq!(bytes[22], 3);
        assert_eq!(bytes[23], 2);
        assert_eq!(&bytes[24..32], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&bytes[32..34], &[0, 0]);
        assert_eq!(&bytes[34..36], &[0, 1]);
        assert!(bytes[36..].iter().all(|&b| b == 0), "padding is zeros");
    }

    #[test]
    fn round_trips_small_and_largest_frames() {
        for (h, p) in [
            (0, 0),
            (2, 5),
            (128, 0),
            (0, max_payload(0)),
            (128, max_payload(128)),
        ] {
            let frame = sample(h, p);
            let bytes = frame.encode().unwrap();
            assert_eq!(bytes.len(), frame.encoded_len());
            assert_eq!(Frame::decode(&bytes).unwrap(), frame);
        }
        assert_eq!(sample(128, max_payload(128)).encoded_len(), MAX_FRAME_LEN);
    }

    #[test]
    fn refuses_to_encode_what_cannot_be_decoded() {
        assert_eq!(
            sample(129, 0).encode(),
            Err(EncodeError::HistoryTooLong(129))
        );
        assert_eq!(
            sample(0, max_payload(0) + 1).encode(),
            Err(EncodeError::PayloadTooLong {
                len: max_payload(0) + 1,
                max: max_payload(0)
            })
        );
    }

    #[test]
    fn every_malformation_has_its_error() {
        let good = sample(2, 30).encode().unwrap();
        let mut b = good.clone();
        b.truncate(59);
        assert_eq!(Frame::decode(&b), Err(DecodeError::Runt { len: 59 }));
        assert_eq!(
            Frame::decode(&vec![0; 1515]),
            Err(DecodeError::Oversize { len: 1515 })
        );
        let mut b = good.clone();
        b[5] = 0x01;
        assert_eq!(
            Frame::decode(&b),
            Err(DecodeError::NotBroadcast([
                0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ]))
        );
        let mut b = good.clone();
        b[12] = 0x08;
        b[13] = 0x00;
        assert_eq!(Frame::decode(&b), Err(DecodeError::WrongEtherType(0x0800)));
        let mut b = good.clone();
        b[14] = 2;
        assert_eq!(Frame::decode(&b), Err(DecodeError::UnsupportedVersion(2)));
        let mut b = good.clone();
        b[15] = 9;
        assert_eq!(Frame::decode(&b), Err(DecodeError::UnknownKind(9)));
        let mut b = good.clone();
        b[23] = 129;
        assert_eq!(Frame::decode(&b), Err(DecodeError::HistoryTooLong(129)));
        let mut b = good.clone();
        b[33] = 31;
        assert_eq!(
            Frame::decode(&b),
            Err(DecodeError::Truncated {
                declared: 67,
                actual: 66
            })
        );
        let mut b = good.clone();
        b.push(0);
        assert_eq!(
            Frame::decode(&b),
            Err(DecodeError::TrailingBytes {
                expected: 66,
                actual: 67
            })
        );
    }
}
