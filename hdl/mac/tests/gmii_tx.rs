//! MAC transmit in the rust-hdl simulator: seeded random frames with random gaps, underflows
//! and aborts; the GMII output is parsed and checked against software framing (preamble,
//! padding, FCS by `crc32fast`), the 12-byte gap and the counters.

mod support;

use exo_hdl_common::sim::settle;
use rust_hdl::prelude::*;
use support::{cycle, mac, GmiiCollector, Rng};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Fault {
    None,
    /// `valid` drops for `cycles` before beat `at`.
    Underflow {
        at: usize,
        cycles: usize,
    },
    /// The last beat carries `error`.
    Abort,
}

struct SourceFrame {
    body: Vec<u8>,
    gap: usize,
    fault: Fault,
}

/// What the GMII side must show for a frame: bytes after the preamble and SFD, and whether
/// its FCS is the bad one (with `tx_er`).
fn expected_wire(f: &SourceFrame) -> (Vec<u8>, bool) {
    let (mut sent, bad) = match f.fault {
        Fault::None => (f.body.clone(), false),
        Fault::Abort => (f.body.clone(), true),
        Fault::Underflow { at, .. } => {
            let mut s = f.body[..at].to_vec();
            s.push(0);
            (s, true)
        }
    };
    sent.resize(sent.len().max(60), 0);
    let fcs = crc32fast::hash(&sent) ^ if bad { 0xFFFF_FFFF } else { 0 };
    sent.extend_from_slice(&fcs.to_le_bytes());
    (sent, bad)
}

fn random_frames(rng: &mut Rng, count: usize) -> Vec<SourceFrame> {
    (0..count)
        .map(|_| {
            let len = if rng.chance(30) {
                rng.range(1, 70)
            } else {
                rng.range(1, 1600)
            };
            let fault = match rng.range(0, 19) {
                0 | 1 if len >= 2 => Fault::Underflow {
                    at: rng.range(1, len - 1),
                    cycles: rng.range(1, 30),
                },
                2 => Fault::Abort,
                _ => Fault::None,
            };
            let gap = if rng.chance(50) { 0 } else { rng.range(1, 40) };
            SourceFrame {
                body: rng.bytes(len),
                gap,
                fault,
            }
        })
        .collect()
}

/// Feeds `frames` into the MAC as a source that keeps the rules (except where a fault says
/// otherwise) and returns what came out on GMII.
fn run(frames: &[SourceFrame]) -> (GmiiCollector, [u32; 3]) {
    let mut uut = mac();
    let mut out = GmiiCollector::default();
    for f in frames {
        let mut gap = f.gap;
        let mut stall = 0;
        let mut stalled = false;
        let mut idx = 0;
        while idx < f.body.len() {
            if let Fault::Underflow { at, cycles } = f.fault {
                if idx == at && !stalled {
                    stalled = true;
                    stall = cycles;
                }
            }
            let valid = gap == 0 && stall == 0;
            uut.tx.valid.next = valid;
            uut.tx.data.next = f.body[idx].to_bits();
            uut.tx.last.next = idx + 1 == f.body.len();
            uut.tx.error.next = idx + 1 == f.body.len() && f.fault == Fault::Abort;
            settle(&mut uut);
            let fire = valid && uut.tx.ready.val();
            cycle(&mut uut);
            out.observe(&uut);
            gap = gap.saturating_sub(1);
            stall = stall.saturating_sub(1);
            idx += usize::from(fire);
        }
    }
    uut.tx.valid.next = false;
    for _ in 0..2000 {
        cycle(&mut uut);
        out.observe(&uut);
    }
    let counts = [
        uut.tx_frames.val().to_u32(),
        uut.tx_underflows.val().to_u32(),
        uut.tx_aborts.val().to_u32(),
    ];
    (out, counts)
}

#[test]
fn random_frames_gaps_underflows_and_aborts() {
    let mut rng = Rng::from_env(
        "gmii_tx random_frames_gaps_underflows_and_aborts",
        0x5EED_0002,
    );
    let frames = random_frames(&mut rng, 300);
    let (out, counts) = run(&frames);
    assert_eq!(out.frames.len(), frames.len(), "frames on the wire");
    let mut want_counts = [0u32; 3];
    let mut prev_fault = Fault::None;
    for (i, (f, (wire, er, gap))) in frames.iter().zip(&out.frames).enumerate() {
        let (want, bad) = expected_wire(f);
        assert_eq!(
            &wire[..8],
            &[0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xD5],
            "frame {i}: preamble"
        );
        assert_eq!(
            wire.len() - 8,
            want.len(),
            "frame {i}: length ({:?})",
            f.fault
        );
        assert!(wire[8..] == want[..], "frame {i}: bytes ({:?})", f.fault);
        let er_at: Vec<usize> = er
            .iter()
            .enumerate()
            .filter(|e| *e.1)
            .map(|e| e.0)
            .collect();
        let want_er: Vec<usize> = if bad {
            (wire.len() - 4..wire.len()).collect()
        } else {
            vec![]
        };
        assert_eq!(
            er_at, want_er,
            "frame {i}: tx_er on the FCS of an aborted frame only"
        );
        if i > 0 {
            assert!(*gap >= 12, "frame {i}: gap {gap}");
            let drained = matches!(prev_fault, Fault::Underflow { .. });
            if f.gap == 0 && !drained {
                assert_eq!(*gap, 12, "frame {i}: back-to-back gap");
            }
        }
        match f.fault {
            Fault::None => want_counts[0] += 1,
            Fault::Underflow { .. } => want_counts[1] += 1,
            Fault::Abort => want_counts[2] += 1,
        }
        prev_fault = f.fault;
    }
    assert_eq!(counts, want_counts, "sent, underflows, aborts");
    assert!(
        want_counts.iter().all(|&c| c > 0),
        "every kind occurred: {want_counts:?}"
    );
}

#[test]
fn back_to_back_minimum_frames_use_84_byte_times() {
    let frames: Vec<SourceFrame> = (0..20)
        .map(|i| SourceFrame {
            body: vec![i as u8; 60],
            gap: 0,
            fault: Fault::None,
        })
        .collect();
    let (out, counts) = run(&frames);
    assert_eq!(counts, [20, 0, 0]);
    for (wire, _, gap) in &out.frames[1..] {
        assert_eq!(
            wire.len() + gap,
            84,
            "preamble 8 + frame 60 + FCS 4 + gap 12"
        );
    }
}

#[test]
fn first_preamble_byte_two_edges_after_valid() {
    let mut uut = mac();
    for _ in 0..20 {
        cycle(&mut uut);
    }
    uut.tx.valid.next = true;
    uut.tx.data.next = 0xAAu8.to_bits();
    uut.tx.last.next = false;
    let mut edges = 0;
    while !uut.gmii_tx_en.val() {
        cycle(&mut uut);
        edges += 1;
        assert!(edges < 10, "no preamble");
    }
    assert_eq!(edges, exo_mac::gmii_tx::TX_LATENCY);
    assert_eq!(uut.gmii_txd.val().to_u8(), 0x55);
}
