//! The host link, defined once: Ethernet frames of Exo's second EtherType between a host and
//! the engine on its board (port 0 of a two-port board; BRIEF §4).
//!
//! The host posts messages, writes and reads the engine's control registers and the board's
//! own registers; the engine streams records (accepted entries, agreement updates, anomaly
//! reports) and answers requests. Every frame has the fixed header of [`HEADER_FIELDS`] and a
//! body whose layout depends on its op code ([`op`]); every body is self-delimiting (it carries
//! its own count or length), so the zero padding Ethernet adds after a short body is ignored.
//! All multi-byte fields are big-endian.
//!
//! What the bodies carry is the engine's host interface (`exo_engine::host_if`): a post is
//! the post stream's `[len, payload]`, a record is one record of the record stream, register
//! addresses are the control port's. This module defines the framing around them and the
//! board's own registers ([`board`]); `docs/host_link.md` embeds [`layout_markdown`]'s tables
//! and a test checks them. The encoder and the decoder below are the host runtime's; the RTL
//! (`hdl/host_link`) is held to them by its tests.
//!
//! Decoding never trusts its input: every malformed frame gets a [`HostLinkError`].

use crate::wire::{Field, MIN_FRAME_LEN};
use std::fmt::Write;

/// EtherType of the host link (IEEE 802 "local experimental EtherType 2"; the Exo network
/// uses experimental EtherType 1, `wire::ETHERTYPE_EXO`).
pub const ETHERTYPE_HOST_LINK: u16 = 0x88B6;
/// Host link version carried in every frame; the engine refuses other versions.
pub const VERSION: u8 = 1;
/// Most register writes or reads one request may carry.
pub const MAX_ITEMS: usize = 64;

pub const DST_MAC: Field = Field {
    name: "dst_mac",
    offset: 0,
    len: 6,
    doc: "destination MAC (host → engine: not checked, the link is a cable; engine → host: the source of the host's last request, broadcast before the first)",
};
pub const SRC_MAC: Field = Field {
    name: "src_mac",
    offset: 6,
    len: 6,
    doc: "source MAC (engine → host: the engine's, 02:45:58:cc:cc:ss as on the Exo network)",
};
pub const ETHERTYPE: Field = Field {
    name: "ethertype",
    offset: 12,
    len: 2,
    doc: "0x88B6",
};
pub const VERSION_FIELD: Field = Field {
    name: "version",
    offset: 14,
    len: 1,
    doc: "host link version: 1",
};
pub const OP: Field = Field {
    name: "op",
    offset: 15,
    len: 1,
    doc: "what the body is (table below)",
};
pub const TAG: Field = Field {
    name: "tag",
    offset: 16,
    len: 2,
    doc: "chosen by the host in a request, echoed in its reply; 0 in records",
};

/// The fixed header, in wire order; the body starts at [`BODY_OFFSET`].
pub const HEADER_FIELDS: [Field; 6] = [DST_MAC, SRC_MAC, ETHERTYPE, VERSION_FIELD, OP, TAG];
/// First byte of the body.
pub const BODY_OFFSET: usize = TAG.offset + TAG.len;

/// Op codes. Requests (host → engine) have bit 7 clear; frames from the engine have it set,
/// and a reply's op is its request's op with bit 7 set.
pub mod op {
    /// Post a message: body `len (2)`, `payload (len)`. No reply unless refused.
    pub const POST: u8 = 0x01;
    /// Write registers: body `count (1)`, then `count` × (`addr (1)`, `value (4)`).
    pub const WRITE: u8 = 0x02;
    /// Read registers: body `count (1)`, then `count` × `addr (1)`.
    pub const READ: u8 = 0x03;
    /// One record of the engine's record stream (entry, agreed or anomaly).
    pub const RECORD: u8 = 0x80;
    /// A WRITE's outcome: body `status (1)`, `done (1)`.
    pub const WRITE_REPLY: u8 = 0x82;
    /// A READ's values: body `count (1)`, then `count` × (`addr (1)`, `value (4)`).
    pub const READ_REPLY: u8 = 0x83;
    /// A request refused before it did anything: body `status (1)`, `request op (1)`.
    pub const ERROR: u8 = 0xFF;
}

/// Status codes of WRITE_REPLY and ERROR.
pub mod status {
    pub const OK: u8 = 0;
    /// The frame ended before the items its count announced.
    pub const TRUNCATED: u8 = 1;
    /// A WRITE or READ count of 0 or above `MAX_ITEMS`.
    pub const BAD_COUNT: u8 = 2;
    /// A WRITE to a board register (read-only); the writes before it were done.
    pub const BAD_ADDRESS: u8 = 3;
    /// A POST found the engine's posted queue full: the message was dropped.
    pub const QUEUE_FULL: u8 = 4;
    /// An op code the engine does not know.
    pub const UNKNOWN_OP: u8 = 5;
    /// A version other than [`super::VERSION`].
    pub const BAD_VERSION: u8 = 6;
}

/// Status codes with their names and meanings, as the document lists them.
pub const STATUS_CODES: [(u8, &str, &str); 7] = [
    (status::OK, "OK", "every item was done"),
    (
        status::TRUNCATED,
        "TRUNCATED",
        "the frame ended before the items its count announced (in a frame padded to 60 bytes the padding reads as items: address 0x00, value 0 — a COMMAND of no operation, or a read of 0)",
    ),
    (
        status::BAD_COUNT,
        "BAD_COUNT",
        "a WRITE or READ count of 0 or above 64",
    ),
    (
        status::BAD_ADDRESS,
        "BAD_ADDRESS",
        "a WRITE to a board register (read-only); the writes before it were done",
    ),
    (
        status::QUEUE_FULL,
        "QUEUE_FULL",
        "the engine's posted queue was full: the POST was dropped",
    ),
    (
        status::UNKNOWN_OP,
        "UNKNOWN_OP",
        "an op code the engine does not know",
    ),
    (status::BAD_VERSION, "BAD_VERSION", "a version other than 1"),
];

/// The board's registers: read-only, at addresses from [`board::BASE`] (below it are the
/// engine's control port registers, `exo_engine::host_if::REGISTERS`).
pub mod board {
    /// First board register address: READ/WRITE addresses below it go to the engine.
    pub const BASE: u8 = 0x80;
    /// Board counter `i` is at `BASE + i` (32 bits, wrapping), in this order.
    pub const COUNTER_NAMES: [&str; 15] = [
        "host-rx-frames",
        "host-rx-foreign",
        "host-rx-dropped",
        "host-rx-bad",
        "posts-forwarded",
        "posts-refused",
        "error-replies",
        "records-sent",
        "host-tx-frames",
        "exo-rx-frames",
        "exo-rx-bad",
        "exo-rx-overflows",
        "exo-tx-frames",
        "host-tx-underflows",
        "exo-tx-underflows",
    ];
    /// What each counter counts, in the order of [`COUNTER_NAMES`].
    pub const COUNTER_DOCS: [&str; 15] = [
        "host link frames of our EtherType taken from the host port (FCS good)",
        "host port frames of another EtherType, ignored",
        "host port frames dropped: the receive buffer was full",
        "host port frames dropped by the MAC: bad FCS, runt, oversize or PHY error",
        "POSTs handed to the engine's posted queue",
        "POSTs dropped: the posted queue was full (each answered by ERROR QUEUE_FULL)",
        "ERROR replies sent",
        "RECORD frames sent to the host",
        "frames sent on the host port",
        "frames from the Exo network port handed to the engine with a good FCS",
        "frames from the Exo network port flagged bad (FCS, runt, oversize, PHY error)",
        "Exo network frames cut short because the engine's clock fell behind the PHY's",
        "frames sent on the Exo network port",
        "host port frames the MAC sent with a bad FCS because its source paused (never expected)",
        "Exo network frames the MAC sent with a bad FCS because the engine paused (never expected)",
    ];
    /// Address of the identification word.
    pub const IDENT_ADDR: u8 = 0xFF;
    /// The identification word: "EXO" and the host link version.
    pub const IDENT: u32 = 0x4558_4F00 | super::VERSION as u32;
}

/// A request from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A message for the engine's posted queue.
    Post { payload: Vec<u8> },
    /// Register writes (address, value), applied in order.
    Write { writes: Vec<(u8, u32)> },
    /// Register reads, answered in order.
    Read { addrs: Vec<u8> },
}

/// A frame from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A record of the engine's record stream: the body as received, up to the end of the
    /// frame (padding included: the record's own layout says where it ends;
    /// `exo_host_link::record_from_body` decodes it).
    Record { body: Vec<u8> },
    /// A WRITE's outcome: `done` writes were applied.
    WriteReply { status: u8, done: u8 },
    /// A READ's values, in request order.
    ReadReply { values: Vec<(u8, u32)> },
    /// A request refused before it did anything.
    Error { status: u8, request_op: u8 },
}

/// A host link frame's header fields that are not constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    pub tag: u16,
}

/// Why bytes are not a host link frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostLinkError {
    #[error("frame of {0} bytes is shorter than the {BODY_OFFSET}-byte header")]
    Short(usize),
    #[error("EtherType {0:#06x} is not the host link's {ETHERTYPE_HOST_LINK:#06x}")]
    WrongEtherType(u16),
    #[error("host link version {0}, expected {VERSION}")]
    BadVersion(u8),
    #[error("unknown op code {0:#04x}")]
    UnknownOp(u8),
    #[error("count {0}: a request carries 1 to {MAX_ITEMS} items")]
    BadCount(usize),
    #[error("body of op {op:#04x} needs {needed} bytes, the frame has {available}")]
    Truncated {
        op: u8,
        needed: usize,
        available: usize,
    },
    #[error("payload of {0} bytes does not fit a frame")]
    TooLong(usize),
}

/// Largest POST payload a frame can carry (the engine's own limit may be lower).
pub const MAX_POST_PAYLOAD: usize = crate::wire::MAX_FRAME_LEN - BODY_OFFSET - 2;

fn frame(header: &Header, op: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(BODY_OFFSET + body.len());
    out.extend_from_slice(&header.dst);
    out.extend_from_slice(&header.src);
    out.extend_from_slice(&ETHERTYPE_HOST_LINK.to_be_bytes());
    out.push(VERSION);
    out.push(op);
    out.extend_from_slice(&header.tag.to_be_bytes());
    out.extend_from_slice(body);
    out.resize(out.len().max(MIN_FRAME_LEN), 0);
    out
}

fn check_count(n: usize) -> Result<u8, HostLinkError> {
    match u8::try_from(n) {
        Ok(c) if (1..=MAX_ITEMS).contains(&n) => Ok(c),
        _ => Err(HostLinkError::BadCount(n)),
    }
}

fn items(values: &[(u8, u32)]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&(a, v)| std::iter::once(a).chain(v.to_be_bytes()))
        .collect()
}

/// The frame of a request (without FCS, padded to 60 bytes).
pub fn encode_request(header: &Header, request: &Request) -> Result<Vec<u8>, HostLinkError> {
    let (op, body) = match request {
        Request::Post { payload } => {
            if payload.len() > MAX_POST_PAYLOAD {
                return Err(HostLinkError::TooLong(payload.len()));
            }
            let mut body = (payload.len() as u16).to_be_bytes().to_vec();
            body.extend_from_slice(payload);
            (op::POST, body)
        }
        Request::Write { writes } => {
            let mut body = vec![check_count(writes.len())?];
            body.extend(items(writes));
            (op::WRITE, body)
        }
        Request::Read { addrs } => {
            let mut body = vec![check_count(addrs.len())?];
            body.extend_from_slice(addrs);
            (op::READ, body)
        }
    };
    Ok(frame(header, op, &body))
}

/// The frame of a reply or record (without FCS, padded to 60 bytes).
pub fn encode_reply(header: &Header, reply: &Reply) -> Result<Vec<u8>, HostLinkError> {
    let (op, body) = match reply {
        Reply::Record { body } => (op::RECORD, body.clone()),
        Reply::WriteReply { status, done } => (op::WRITE_REPLY, vec![*status, *done]),
        Reply::ReadReply { values } => {
            let mut body = vec![check_count(values.len())?];
            body.extend(items(values));
            (op::READ_REPLY, body)
        }
        Reply::Error { status, request_op } => (op::ERROR, vec![*status, *request_op]),
    };
    Ok(frame(header, op, &body))
}

/// The header and the body of a host link frame of our version.
fn split(bytes: &[u8]) -> Result<(Header, u8, &[u8]), HostLinkError> {
    if bytes.len() < BODY_OFFSET {
        return Err(HostLinkError::Short(bytes.len()));
    }
    let field = |f: Field| &bytes[f.offset..f.offset + f.len];
    let ethertype = u16::from_be_bytes([bytes[12], bytes[13]]);
    if ethertype != ETHERTYPE_HOST_LINK {
        return Err(HostLinkError::WrongEtherType(ethertype));
    }
    if bytes[VERSION_FIELD.offset] != VERSION {
        return Err(HostLinkError::BadVersion(bytes[VERSION_FIELD.offset]));
    }
    let mut header = Header {
        dst: [0; 6],
        src: [0; 6],
        tag: u16::from_be_bytes([bytes[TAG.offset], bytes[TAG.offset + 1]]),
    };
    header.dst.copy_from_slice(field(DST_MAC));
    header.src.copy_from_slice(field(SRC_MAC));
    Ok((header, bytes[OP.offset], &bytes[BODY_OFFSET..]))
}

fn need(op: u8, body: &[u8], needed: usize) -> Result<(), HostLinkError> {
    if body.len() < needed {
        return Err(HostLinkError::Truncated {
            op,
            needed,
            available: body.len(),
        });
    }
    Ok(())
}

/// `count` items of `size` bytes after a count byte.
fn counted(op: u8, body: &[u8], size: usize) -> Result<&[u8], HostLinkError> {
    need(op, body, 1)?;
    let count = usize::from(body[0]);
    check_count(count)?;
    need(op, body, 1 + count * size)?;
    Ok(&body[1..1 + count * size])
}

fn parse_items(bytes: &[u8]) -> Vec<(u8, u32)> {
    bytes
        .chunks_exact(5)
        .map(|c| (c[0], u32::from_be_bytes([c[1], c[2], c[3], c[4]])))
        .collect()
}

/// Parses a request as the engine receives it (FCS checked and removed).
pub fn decode_request(bytes: &[u8]) -> Result<(Header, Request), HostLinkError> {
    let (header, op, body) = split(bytes)?;
    let request = match op {
        op::POST => {
            need(op, body, 2)?;
            let len = usize::from(u16::from_be_bytes([body[0], body[1]]));
            need(op, body, 2 + len)?;
            Request::Post {
                payload: body[2..2 + len].to_vec(),
            }
        }
        op::WRITE => Request::Write {
            writes: parse_items(counted(op, body, 5)?),
        },
        op::READ => Request::Read {
            addrs: counted(op, body, 1)?.to_vec(),
        },
        other => return Err(HostLinkError::UnknownOp(other)),
    };
    Ok((header, request))
}

/// Parses a frame from the engine (FCS checked and removed).
pub fn decode_reply(bytes: &[u8]) -> Result<(Header, Reply), HostLinkError> {
    let (header, op, body) = split(bytes)?;
    let reply = match op {
        op::RECORD => Reply::Record {
            body: body.to_vec(),
        },
        op::WRITE_REPLY => {
            need(op, body, 2)?;
            Reply::WriteReply {
                status: body[0],
                done: body[1],
            }
        }
        op::READ_REPLY => Reply::ReadReply {
            values: parse_items(counted(op, body, 5)?),
        },
        op::ERROR => {
            need(op, body, 2)?;
            Reply::Error {
                status: body[0],
                request_op: body[1],
            }
        }
        other => return Err(HostLinkError::UnknownOp(other)),
    };
    Ok((header, reply))
}

/// The op codes with their bodies, as the document lists them.
pub const OPS: [(u8, &str, &str, &str); 7] = [
    (
        op::POST,
        "POST",
        "host → engine",
        "`len (2)`, `payload (len)` — the engine's post stream format. No reply; ERROR `QUEUE_FULL` if the posted queue had no room",
    ),
    (
        op::WRITE,
        "WRITE",
        "host → engine",
        "`count (1)` (1..=64), then `count` × (`addr (1)`, `value (4)`): control port writes, in order. Reply: WRITE_REPLY",
    ),
    (
        op::READ,
        "READ",
        "host → engine",
        "`count (1)` (1..=64), then `count` × `addr (1)`: control port or board register reads. Reply: READ_REPLY",
    ),
    (
        op::RECORD,
        "RECORD",
        "engine → host",
        "one record of the engine's record stream (`01` entry, `02` agreed, `03` anomaly; docs/engine.md), tag 0",
    ),
    (
        op::WRITE_REPLY,
        "WRITE_REPLY",
        "engine → host",
        "`status (1)`, `done (1)`: the writes applied (all of them with `OK`)",
    ),
    (
        op::READ_REPLY,
        "READ_REPLY",
        "engine → host",
        "`count (1)`, then `count` × (`addr (1)`, `value (4)`), in request order",
    ),
    (
        op::ERROR,
        "ERROR",
        "engine → host",
        "`status (1)`, `request op (1)`: the request (by its tag) was refused and did nothing",
    ),
];

/// The header, op, status and board register tables as Markdown: `docs/host_link.md` embeds
/// this text and a test checks that it is current.
pub fn layout_markdown() -> String {
    let mut out = String::from("| offset | bytes | field | contents |\n|---:|---:|---|---|\n");
    for f in HEADER_FIELDS {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} |",
            f.offset, f.len, f.name, f.doc
        );
    }
    let _ = writeln!(
        out,
        "| {BODY_OFFSET} | | `body` | by op (below); zeros after it up to {MIN_FRAME_LEN} bytes; the MAC appends the FCS |"
    );
    out.push_str("\n| op | name | direction | body |\n|---|---|---|---|\n");
    for (code, name, dir, body) in OPS {
        let _ = writeln!(out, "| `0x{code:02X}` | {name} | {dir} | {body} |");
    }
    out.push_str("\n| status | name | meaning |\n|---:|---|---|\n");
    for (code, name, meaning) in STATUS_CODES {
        let _ = writeln!(out, "| {code} | `{name}` | {meaning} |");
    }
    out.push_str("\n| address | register | meaning |\n|---|---|---|\n");
    for (i, (name, doc)) in board::COUNTER_NAMES
        .iter()
        .zip(board::COUNTER_DOCS)
        .enumerate()
    {
        let _ = writeln!(
            out,
            "| `0x{:02X}` | `{name}` | {doc} |",
            usize::from(board::BASE) + i
        );
    }
    let _ = writeln!(
        out,
        "| `0x{:02X}` | `ident` | `0x{:08X}`: \"EXO\" and the host link version |",
        board::IDENT_ADDR,
        board::IDENT
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Header = Header {
        dst: [0x02, 0x45, 0x58, 0, 1, 3],
        src: [0x0a, 0, 0, 0, 0, 9],
        tag: 0x1234,
    };

    #[test]
    fn header_fields_are_contiguous_and_the_body_follows() {
        let mut at = 0;
        for f in HEADER_FIELDS {
            assert_eq!(f.offset, at, "{}", f.name);
            at += f.len;
        }
        assert_eq!(at, BODY_OFFSET);
        assert_eq!(BODY_OFFSET, 18);
    }

    #[test]
    fn requests_round_trip_and_are_laid_out_as_documented() {
        let post = Request::Post {
            payload: vec![7, 8, 9],
        };
        let bytes = encode_request(&H, &post).unwrap();
        assert_eq!(bytes.len(), MIN_FRAME_LEN);
        assert_eq!(&bytes[12..18], &[0x88, 0xb6, 1, op::POST, 0x12, 0x34]);
        assert_eq!(&bytes[18..23], &[0, 3, 7, 8, 9]);
        assert!(bytes[23..].iter().all(|&b| b == 0));
        assert_eq!(decode_request(&bytes).unwrap(), (H, post));
        let write = Request::Write {
            writes: vec![(0x09, 0x0102_0304), (0x00, 1)],
        };
        let bytes = encode_request(&H, &write).unwrap();
        assert_eq!(&bytes[18..29], &[2, 9, 1, 2, 3, 4, 0, 0, 0, 0, 1]);
        assert_eq!(decode_request(&bytes).unwrap(), (H, write));
        let read = Request::Read {
            addrs: vec![0x12, 0x80, 0xff],
        };
        let bytes = encode_request(&H, &read).unwrap();
        assert_eq!(&bytes[18..22], &[3, 0x12, 0x80, 0xff]);
        assert_eq!(decode_request(&bytes).unwrap(), (H, read));
    }

    #[test]
    fn replies_round_trip() {
        for reply in [
            Reply::WriteReply {
                status: status::OK,
                done: 3,
            },
            Reply::ReadReply {
                values: vec![(0x12, 9), (0xff, board::IDENT)],
            },
            Reply::Error {
                status: status::QUEUE_FULL,
                request_op: op::POST,
            },
        ] {
            let bytes = encode_reply(&H, &reply).unwrap();
            assert_eq!(decode_reply(&bytes).unwrap(), (H, reply));
        }
        let bytes = encode_reply(&H, &Reply::Record { body: vec![2; 9] }).unwrap();
        let (_, Reply::Record { body }) = decode_reply(&bytes).unwrap() else {
            panic!("a record")
        };
        assert_eq!(&body[..9], &[2; 9]);
        assert_eq!(body.len(), MIN_FRAME_LEN - BODY_OFFSET, "padding kept");
    }

    #[test]
    fn malformed_frames_get_their_error() {
        let good = encode_request(&H, &Request::Read { addrs: vec![1, 2] }).unwrap();
        assert_eq!(decode_request(&good[..10]), Err(HostLinkError::Short(10)));
        let mut b = good.clone();
        b[13] = 0xb5;
        assert_eq!(
            decode_request(&b),
            Err(HostLinkError::WrongEtherType(0x88b5))
        );
        let mut b = good.clone();
        b[14] = 2;
        assert_eq!(decode_request(&b), Err(HostLinkError::BadVersion(2)));
        let mut b = good.clone();
        b[15] = 0x44;
        assert_eq!(decode_request(&b), Err(HostLinkError::UnknownOp(0x44)));
        let mut b = good.clone();
        b[18] = 0;
        assert_eq!(decode_request(&b), Err(HostLinkError::BadCount(0)));
        b[18] = 65;
        assert_eq!(decode_request(&b), Err(HostLinkError::BadCount(65)));
        let mut b = good.clone();
        b[18] = 60;
        assert!(matches!(
            decode_request(&b[..60]),
            Err(HostLinkError::Truncated { needed: 61, .. })
        ));
        assert_eq!(
            encode_request(&H, &Request::Read { addrs: vec![] }),
            Err(HostLinkError::BadCount(0))
        );
        assert_eq!(
            encode_request(
                &H,
                &Request::Post {
                    payload: vec![0; MAX_POST_PAYLOAD + 1]
                }
            ),
            Err(HostLinkError::TooLong(MAX_POST_PAYLOAD + 1))
        );
    }

    #[test]
    fn board_registers_fit_below_ident() {
        assert_eq!(board::COUNTER_NAMES.len(), board::COUNTER_DOCS.len());
        assert!(
            usize::from(board::BASE) + board::COUNTER_NAMES.len() <= usize::from(board::IDENT_ADDR)
        );
        assert_eq!(board::IDENT, 0x4558_4F01);
    }
}
