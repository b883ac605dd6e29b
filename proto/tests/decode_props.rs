//! Property tests of the wire decoder, `exo_proto::wire::Frame::decode`.
//!
//! Every input is checked against [`oracle`], a second decoder written from the header table in
//! `wire.rs` with literal offsets, so a failure names the exact expected result (error variant
//! and the values it carries) rather than only "it panicked".
//!
//! Reproducing a failure: the runs are deterministic. Each test seeds a ChaCha `TestRng` from
//! the environment variable `EXO_PROPTEST_SEED` (a u64, decimal or `0x` hex; default
//! [`DEFAULT_SEED`]) and writes the seed it used to stderr, which `cargo test` shows only for a
//! failing test. To replay a failure, run the same test with the same seed, e.g.
//!
//! ```text
//! EXO_PROPTEST_SEED=<seed> cargo test -p exo-proto --test decode_props -- <test name>
//! ```
//!
//! and to explore other inputs, run with any other value. Failures are not persisted to files
//! (`failure_persistence: None`), so nothing is written into the repository.

use exo_proto::wire::{
    self, DecodeError, EncodeError, Frame, BROADCAST_MAC, ETHERTYPE_EXO, HEADER_LEN, KIND_MESSAGE,
    MAX_FRAME_LEN, MAX_HISTORY, MIN_FRAME_LEN, VERSION,
};
use exo_proto::HostId;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseResult, TestRng, TestRunner};
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};

/// Seed used when `EXO_PROPTEST_SEED` is not set.
const DEFAULT_SEED: u64 = 0x4558_4f5f_6465_636f; // "EXO_deco"

fn seed_from_env() -> u64 {
    match std::env::var("EXO_PROPTEST_SEED") {
        Err(std::env::VarError::NotPresent) => DEFAULT_SEED,
        Err(e) => panic!("EXO_PROPTEST_SEED: {e}"),
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("EXO_PROPTEST_SEED={s:?} is not a u64: {e}"))
        }
    }
}

/// The 32-byte ChaCha seed derived from a u64 (SplitMix64 expansion).
fn chacha_seed(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// Runs `property` on `cases` inputs from `strategy` with the seeded runner; panics with the
/// seed and proptest's (shrunk) counterexample on failure.
fn run<S>(test: &str, cases: u32, strategy: S, property: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: Debug,
{
    let seed = seed_from_env();
    eprintln!("decode_props::{test}: EXO_PROPTEST_SEED={seed:#x}");
    let config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &chacha_seed(seed));
    let mut runner = TestRunner::new_with_rng(config, rng);
    if let Err(e) = runner.run(&strategy, property) {
        panic!("{test} failed (replay with EXO_PROPTEST_SEED={seed:#x}): {e}");
    }
}

/// What `Frame::decode` must return for `b`, from the documented layout and check order, with
/// the offsets written out (not taken from `wire`'s field table).
fn oracle(b: &[u8]) -> Result<Frame, DecodeError> {
    let len = b.len();
    if len < 60 {
        return Err(DecodeError::Runt { len });
    }
    if len > 1514 {
        return Err(DecodeError::Oversize { len });
    }
    if b[..6] != [0xff; 6] {
        let mut dst = [0u8; 6];
        dst.copy_from_slice(&b[..6]);
        return Err(DecodeError::NotBroadcast(dst));
    }
    let be = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u64, |acc, &x| acc << 8 | u64::from(x))
    };
    let ethertype = be(12..14) as u16;
    if ethertype != 0x88B5 {
        return Err(DecodeError::WrongEtherType(ethertype));
    }
    if b[14] != 1 {
        return Err(DecodeError::UnsupportedVersion(b[14]));
    }
    if b[15] != 0 {
        return Err(DecodeError::UnknownKind(b[15]));
    }
    let history_len = usize::from(b[23]);
    if history_len > 128 {
        return Err(DecodeError::HistoryTooLong(history_len));
    }
    let payload_len = be(32..34) as usize;
    let declared = 34 + history_len + payload_len;
    if declared > len {
        return Err(DecodeError::Truncated {
            declared,
            actual: len,
        });
    }
    let expected = declared.max(60);
    if len != expected {
        return Err(DecodeError::TrailingBytes {
            expected,
            actual: len,
        });
    }
    let mut src_mac = [0u8; 6];
    src_mac.copy_from_slice(&b[6..12]);
    Ok(Frame {
        src_mac,
        cluster: be(16..18) as u16,
        epoch: be(18..22) as u32,
        sender: HostId(b[22]),
        seq: be(24..32),
        history: b[34..34 + history_len].iter().map(|&x| HostId(x)).collect(),
        payload: b[34 + history_len..declared].to_vec(),
    })
}

/// The decoder's contract on arbitrary bytes: it agrees with [`oracle`] (so it does not panic,
/// and every error carries the values actually read from the bytes), and a decoded frame
/// encodes back to the same length and the same bytes outside the padding.
fn check_decode(bytes: &[u8]) -> TestCaseResult {
    let got = Frame::decode(bytes);
    prop_assert_eq!(&got, &oracle(bytes));
    if let Ok(frame) = got {
        let encoded = frame.encode();
        prop_assert!(
            encoded.is_ok(),
            "decoded frame does not encode: {:?}",
            encoded
        );
        let encoded = encoded.unwrap();
        prop_assert_eq!(encoded.len(), bytes.len());
        prop_assert_eq!(encoded.len(), frame.encoded_len());
        let unpadded = HEADER_LEN + frame.history.len() + frame.payload.len();
        prop_assert!(unpadded <= bytes.len());
        prop_assert_eq!(&encoded[..unpadded], &bytes[..unpadded]);
        prop_assert!(
            encoded[unpadded..].iter().all(|&b| b == 0),
            "encoder padding is not zeros"
        );
    }
    Ok(())
}

#[test]
fn arbitrary_bytes_decode_like_the_oracle() {
    run(
        "arbitrary_bytes_decode_like_the_oracle",
        100_000,
        vec(any::<u8>(), 0..1600),
        |bytes| check_decode(&bytes),
    );
}

/// Arbitrary bytes rarely get past the EtherType check; here the constant header bytes and
/// (sometimes) a consistent `payload_len` are forced so the later checks and the success path
/// see arbitrary contents too.
#[test]
fn arbitrary_bytes_with_exo_magic_decode_like_the_oracle() {
    let strategy = (vec(any::<u8>(), 0..1600), any::<u8>(), any::<u8>());
    run(
        "arbitrary_bytes_with_exo_magic_decode_like_the_oracle",
        50_000,
        strategy,
        |(mut bytes, flags, slack)| {
            if bytes.len() >= HEADER_LEN {
                // Each fix-up is applied with probability 3/4.
                if flags & 0b11 != 0 {
                    bytes[..6].copy_from_slice(&BROADCAST_MAC);
                    bytes[12..14].copy_from_slice(&ETHERTYPE_EXO.to_be_bytes());
                }
                if flags & 0b1100 != 0 {
                    bytes[14] = VERSION;
                    bytes[15] = KIND_MESSAGE;
                }
                if flags & 0b11_0000 != 0 {
                    bytes[23] %= MAX_HISTORY as u8 + 1;
                }
                let room = bytes.len() - HEADER_LEN;
                let history_len = usize::from(bytes[23]);
                if flags & 0b1100_0000 != 0 && history_len <= room {
                    // Half the time an exact fit, otherwise up to 3 bytes short or long of it.
                    let exact = room - history_len;
                    let payload_len = if slack < 128 {
                        exact
                    } else {
                        (exact + usize::from(slack % 7)).saturating_sub(3)
                    };
                    bytes[32..34].copy_from_slice(&(payload_len as u16).to_be_bytes());
                }
            }
            check_decode(&bytes)
        },
    );
}

/// A frame within the encoder's limits. Short histories and payloads are weighted up so that
/// padded frames (unpadded length < 60) are common.
fn arb_frame() -> impl Strategy<Value = Frame> {
    let history_len = prop_oneof![3 => 0usize..=26, 1 => 0usize..=MAX_HISTORY];
    history_len
        .prop_flat_map(|history_len| {
            let max = wire::max_payload(history_len);
            let short = (MIN_FRAME_LEN - HEADER_LEN).saturating_sub(history_len);
            let payload = prop_oneof![
                3 => vec(any::<u8>(), 0..=short),
                1 => vec(any::<u8>(), 0..=max),
                1 => vec(any::<u8>(), max.saturating_sub(2)..=max),
            ];
            (
                any::<[u8; 6]>(),
                any::<u16>(),
                any::<u32>(),
                any::<u8>(),
                any::<u64>(),
                vec(any::<u8>(), history_len),
                payload,
            )
        })
        .prop_map(
            |(src_mac, cluster, epoch, sender, seq, history, payload)| Frame {
                src_mac,
                cluster,
                epoch,
                sender: HostId(sender),
                seq,
                history: history.into_iter().map(HostId).collect(),
                payload,
            },
        )
}

#[test]
fn valid_frames_round_trip() {
    run("valid_frames_round_trip", 50_000, arb_frame(), |frame| {
        let bytes = frame.encode();
        prop_assert!(bytes.is_ok(), "valid frame does not encode: {:?}", bytes);
        let bytes = bytes.unwrap();
        let len = wire::frame_len(frame.history.len(), frame.payload.len());
        prop_assert_eq!(bytes.len(), len);
        prop_assert_eq!(frame.encoded_len(), len);
        prop_assert!((MIN_FRAME_LEN..=MAX_FRAME_LEN).contains(&len));
        prop_assert_eq!(Frame::decode(&bytes), Ok(frame.clone()));
        prop_assert_eq!(oracle(&bytes), Ok(frame.clone()));
        // The constant parts and the padding.
        prop_assert_eq!(&bytes[..6], &BROADCAST_MAC[..]);
        prop_assert_eq!(&bytes[12..16], &[0x88, 0xB5, 1, 0][..]);
        let unpadded = HEADER_LEN + frame.history.len() + frame.payload.len();
        prop_assert!(bytes[unpadded..].iter().all(|&b| b == 0));
        Ok(())
    });
}

#[test]
fn frame_len_boundaries_round_trip() {
    // Every history length, with the payload lengths around the padding and size limits.
    for history_len in 0..=MAX_HISTORY {
        let max = wire::max_payload(history_len);
        let fill = (MIN_FRAME_LEN - HEADER_LEN).saturating_sub(history_len);
        for payload_len in [0, 1, fill.saturating_sub(1), fill, fill + 1, max - 1, max] {
            let frame = Frame {
                src_mac: [2, 0x45, 0x58, 0, 9, 1],
                cluster: 9,
                epoch: u32::MAX,
                sender: HostId(255),
                seq: u64::MAX,
                history: (0..history_len).map(|i| HostId(255 - i as u8)).collect(),
                payload: vec![0xA5; payload_len],
            };
            let bytes = frame.encode().unwrap();
            let unpadded = HEADER_LEN + history_len + payload_len;
            assert_eq!(
                bytes.len(),
                unpadded.max(MIN_FRAME_LEN),
                "h={history_len} p={payload_len}"
            );
            assert_eq!(bytes.len(), wire::frame_len(history_len, payload_len));
            assert_eq!(Frame::decode(&bytes), Ok(frame.clone()));
            let too_long = Frame {
                payload: vec![0; max + 1],
                ..frame.clone()
            };
            assert_eq!(
                too_long.encode(),
                Err(EncodeError::PayloadTooLong { len: max + 1, max })
            );
        }
    }
    let frame = Frame {
        src_mac: [0; 6],
        cluster: 0,
        epoch: 0,
        sender: HostId(0),
        seq: 0,
        history: vec![HostId(0); MAX_HISTORY + 1],
        payload: vec![],
    };
    assert_eq!(
        frame.encode(),
        Err(EncodeError::HistoryTooLong(MAX_HISTORY + 1))
    );
    assert_eq!(
        wire::frame_len(MAX_HISTORY, wire::max_payload(MAX_HISTORY)),
        MAX_FRAME_LEN
    );
}

/// A header field that mutations set to edge values.
#[derive(Debug, Clone, Copy)]
enum HeaderField {
    DstMac,
    EtherType,
    Version,
    Kind,
    Cluster,
    Epoch,
    Sender,
    HistoryLen,
    Seq,
    PayloadLen,
}

impl HeaderField {
    const ALL: [HeaderField; 10] = [
        HeaderField::DstMac,
        HeaderField::EtherType,
        HeaderField::Version,
        HeaderField::Kind,
        HeaderField::Cluster,
        HeaderField::Epoch,
        HeaderField::Sender,
        HeaderField::HistoryLen,
        HeaderField::Seq,
        HeaderField::PayloadLen,
    ];

    fn field(self) -> wire::Field {
        match self {
            HeaderField::DstMac => wire::DST_MAC,
            HeaderField::EtherType => wire::ETHERTYPE,
            HeaderField::Version => wire::VERSION_FIELD,
            HeaderField::Kind => wire::KIND,
            HeaderField::Cluster => wire::CLUSTER,
            HeaderField::Epoch => wire::EPOCH,
            HeaderField::Sender => wire::SENDER,
            HeaderField::HistoryLen => wire::HISTORY_LEN,
            HeaderField::Seq => wire::SEQ,
            HeaderField::PayloadLen => wire::PAYLOAD_LEN,
        }
    }

    /// Edge values for the field, given the bytes it is about to be written into.
    fn edges(self, bytes: &[u8]) -> Vec<u64> {
        let f = self.field();
        let max = if f.len == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * f.len)) - 1
        };
        let current = bytes[f.offset..f.end()]
            .iter()
            .fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        let mut v = vec![
            0,
            1,
            max,
            max - 1,
            max / 2 + 1,
            current.wrapping_add(1) & max,
            current.wrapping_sub(1) & max,
        ];
        let history_len = bytes[wire::HISTORY_LEN.offset] as usize;
        let room = bytes.len() as u64 - HEADER_LEN as u64;
        match self {
            HeaderField::EtherType => v.extend([0x88B5, 0x88B4, 0x88B6, 0xB588, 0x0800, 0x86DD]),
            HeaderField::Version => v.extend([2, 0x81]),
            HeaderField::Kind => v.extend([2, 0x80]),
            HeaderField::HistoryLen => v.extend([127, 128, 129, 200]),
            HeaderField::PayloadLen => {
                let exact = room.saturating_sub(history_len as u64);
                let max_payload = wire::max_payload(history_len.min(MAX_HISTORY)) as u64;
                v.extend([
                    exact,
                    exact + 1,
                    exact.saturating_sub(1),
                    max_payload,
                    max_payload + 1,
                    1514,
                ]);
            }
            _ => {}
        }
        v
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte with a non-zero mask.
    Flip { at: Index, mask: u8 },
    /// Overwrite one byte.
    Set { at: Index, value: u8 },
    /// Overwrite one byte of the original frame's padding (no-op if it has none left).
    Padding { at: Index, value: u8 },
    /// Cut the frame to a length in `0..=len`.
    Truncate { to: Index },
    /// Append `count` copies of `fill`.
    Extend { count: usize, fill: u8 },
    /// Write an edge value into a header field.
    Field { field: HeaderField, which: Index },
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, value)| Mutation::Set { at, value }),
        4 => (any::<Index>(), any::<u8>()).prop_map(|(at, value)| Mutation::Padding { at, value }),
        1 => any::<Index>().prop_map(|to| Mutation::Truncate { to }),
        1 => (prop_oneof![1usize..=8, 1usize..=1600], any::<u8>())
            .prop_map(|(count, fill)| Mutation::Extend { count, fill }),
        3 => (proptest::sample::select(HeaderField::ALL.to_vec()), any::<Index>())
            .prop_map(|(field, which)| Mutation::Field { field, which }),
    ]
}

fn apply(bytes: &mut Vec<u8>, unpadded: usize, original_len: usize, m: &Mutation) {
    match *m {
        Mutation::Flip { ref at, mask } if !bytes.is_empty() => {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        Mutation::Set { ref at, value } if !bytes.is_empty() => {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        Mutation::Padding { ref at, value } => {
            let end = bytes.len().min(original_len);
            if end > unpadded {
                bytes[unpadded + at.index(end - unpadded)] = value;
            }
        }
        Mutation::Truncate { ref to } => {
            let len = to.index(bytes.len() + 1);
            bytes.truncate(len);
        }
        Mutation::Extend { count, fill } => bytes.resize(bytes.len() + count, fill),
        Mutation::Field { field, ref which } => {
            let f = field.field();
            if bytes.len() >= HEADER_LEN {
                let edges = field.edges(bytes);
                let value = edges[which.index(edges.len())];
                let be = value.to_be_bytes();
                bytes[f.offset..f.end()].copy_from_slice(&be[8 - f.len..]);
            }
        }
        Mutation::Flip { .. } | Mutation::Set { .. } => {}
    }
}

/// How often each outcome came up, to check the generator reaches all of them.
#[derive(Default)]
struct Tally {
    unchanged: AtomicU64,
    padding_only: AtomicU64,
    decoded: AtomicU64,
    /// Indexed like `error_index`.
    errors: [AtomicU64; 9],
}

fn error_index(e: &DecodeError) -> usize {
    match e {
        DecodeError::Runt { .. } => 0,
        DecodeError::Oversize { .. } => 1,
        DecodeError::WrongEtherType(_) => 2,
        DecodeError::UnsupportedVersion(_) => 3,
        DecodeError::UnknownKind(_) => 4,
        DecodeError::HistoryTooLong(_) => 5,
        DecodeError::Truncated { .. } => 6,
        DecodeError::TrailingBytes { .. } => 7,
        DecodeError::NotBroadcast(_) => 8,
    }
}

/// The decoder's error must describe the bytes it was given.
fn check_error_matches_bytes(bytes: &[u8], e: &DecodeError) -> TestCaseResult {
    let at = |i: usize| bytes[i];
    match *e {
        DecodeError::Runt { len } => prop_assert!(len == bytes.len() && len < MIN_FRAME_LEN),
        DecodeError::Oversize { len } => prop_assert!(len == bytes.len() && len > MAX_FRAME_LEN),
        DecodeError::NotBroadcast(d) => {
            prop_assert_eq!(&d[..], &bytes[..6]);
            prop_assert_ne!(d, BROADCAST_MAC);
        }
        DecodeError::WrongEtherType(t) => {
            prop_assert_eq!(t.to_be_bytes(), [at(12), at(13)]);
            prop_assert_ne!(t, ETHERTYPE_EXO);
        }
        DecodeError::UnsupportedVersion(v) => prop_assert!(v == at(14) && v != VERSION),
        DecodeError::UnknownKind(k) => prop_assert!(k == at(15) && k != KIND_MESSAGE),
        DecodeError::HistoryTooLong(h) => {
            prop_assert!(h == usize::from(at(23)) && h > MAX_HISTORY)
        }
        DecodeError::Truncated { declared, actual } => {
            let payload_len = usize::from(u16::from_be_bytes([at(32), at(33)]));
            prop_assert_eq!(declared, HEADER_LEN + usize::from(at(23)) + payload_len);
            prop_assert!(actual == bytes.len() && declared > actual);
        }
        DecodeError::TrailingBytes { expected, actual } => {
            let payload_len = usize::from(u16::from_be_bytes([at(32), at(33)]));
            let unpadded = HEADER_LEN + usize::from(at(23)) + payload_len;
            prop_assert_eq!(expected, unpadded.max(MIN_FRAME_LEN));
            prop_assert!(actual == bytes.len() && actual != expected);
        }
    }
    Ok(())
}

#[test]
fn mutated_valid_frames_decode_consistently() {
    let tally = Tally::default();
    let strategy = (arb_frame(), vec(arb_mutation(), 1..=4));
    run(
        "mutated_valid_frames_decode_consistently",
        100_000,
        strategy,
        |(frame, mutations)| {
            let original = frame.encode().expect("arb_frame stays within the limits");
            prop_assert_eq!(Frame::decode(&original), Ok(frame.clone()));
            let unpadded = HEADER_LEN + frame.history.len() + frame.payload.len();
            let mut bytes = original.clone();
            for m in &mutations {
                apply(&mut bytes, unpadded, original.len(), m);
            }
            check_decode(&bytes)?;
            let decoded = Frame::decode(&bytes);
            if bytes.len() == original.len() && bytes[..unpadded] == original[..unpadded] {
                // Only padding bytes changed (or nothing): the same frame comes out.
                prop_assert_eq!(&decoded, &Ok(frame.clone()));
                let counter = if bytes == original {
                    &tally.unchanged
                } else {
                    &tally.padding_only
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
            match &decoded {
                Ok(_) => {
                    tally.decoded.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    check_error_matches_bytes(&bytes, e)?;
                    tally.errors[error_index(e)].fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(())
        },
    );
    // The generator must reach every outcome, or the property above proves little.
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    assert!(
        get(&tally.unchanged) >= 1_000,
        "unchanged: {}",
        get(&tally.unchanged)
    );
    assert!(
        get(&tally.padding_only) >= 1_000,
        "padding only: {}",
        get(&tally.padding_only)
    );
    assert!(
        get(&tally.decoded) >= 10_000,
        "decoded: {}",
        get(&tally.decoded)
    );
    for (i, c) in tally.errors.iter().enumerate() {
        assert!(
            get(c) >= 100,
            "decode error #{i} seen only {} times",
            get(c)
        );
    }
}

#[test]
fn a_unicast_destination_is_refused() {
    // Every Exo frame goes to the broadcast address; anything else is not ours.
    let frame = Frame {
        src_mac: wire::host_mac(1, HostId(2)),
        cluster: 1,
        epoch: 0,
        sender: HostId(2),
        seq: 7,
        history: vec![HostId(1)],
        payload: b"x".to_vec(),
    };
    let mut bytes = frame.encode().unwrap();
    let unicast = wire::host_mac(1, HostId(3));
    bytes[..6].copy_from_slice(&unicast);
    assert_eq!(
        Frame::decode(&bytes),
        Err(DecodeError::NotBroadcast(unicast))
    );
}
