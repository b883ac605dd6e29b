//! The engine against the golden model: the slides' normal-case walkthrough, and seeded
//! random frame sequences with every kind of malformed and rejected frame, posts, epoch
//! changes and gap repairs. See `bench/mod.rs` for what is compared.

mod bench;

use bench::Bench;
use exo_hdl_common::sim::test_seed;
use exo_proto::model::{Entry, RejectReason, Status};
use exo_proto::wire::{host_mac, max_payload, Frame};
use exo_proto::HostId;

/// The frame the token holder sends next, as every host of the cluster expects it.
fn next_frame(b: &Bench, sender: u8, payload: Vec<u8>) -> Frame {
    let m = &b.model;
    Frame {
        src_mac: host_mac(m.config().cluster.cluster, HostId(sender)),
        cluster: m.config().cluster.cluster,
        epoch: m.epoch(),
        sender: HostId(sender),
        seq: m.seq(),
        history: m.history().to_vec(),
        payload,
    }
}

fn encode(f: &Frame) -> Vec<u8> {
    f.encode().expect("the bench builds encodable frames")
}

#[test]
fn slides_normal_case_walkthrough_at_every_host() {
    // Slides 28-47: hosts A-E (ids 0-4), B holds the token first and posts "hello"; B, C
    // and D broadcast in turn; D's message agrees entry 0 everywhere.
    for id in 0..5u8 {
        // The host software brings the engine up (restarted, then epoch 0 installed) so that
        // B's post is queued before B's first turn, as on slide 32.
        let mut b = Bench::new(5, id, 1, 6_250, 1, false);
        let mut wire: Vec<Vec<u8>> = b.check("boot");
        assert!(wire.is_empty());
        if id == 1 {
            assert!(b.post(b"hello"));
        }
        b.install(0, &[0, 1, 2, 3, 4], 1);
        wire.extend(b.check("install"));
        // (sender, seq after, history after (newest first), agreed after, turn after)
        let steps: [(u8, u64, &[u8], u64, u8); 3] = [
            (1, 1, &[1], 0, 2),
            (2, 2, &[2, 1], 0, 3),
            (3, 3, &[3, 2], 1, 4),
        ];
        for (sender, seq, history, agreed, turn) in steps {
            let frame = if sender == id {
                // Our own frame comes back from the fabric.
                if wire.is_empty() {
                    wire.extend(b.check("turn"));
                }
                assert!(
                    !wire.is_empty(),
                    "host {id}: engine did not send at its turn"
                );
                wire.remove(0)
            } else {
                let payload = if sender == 1 {
                    b"hello".to_vec()
                } else {
                    Vec::new()
                };
                encode(&next_frame(&b, sender, payload))
            };
            b.receive(&frame, false, 20);
            wire.extend(b.check(&format!("host {id}, frame from {sender}")));
            // The slides' drawing, and the model, agree with the engine.
            assert_eq!(b.model.seq(), seq);
            let h: Vec<u8> = b.model.history().to_vec().iter().map(|x| x.0).collect();
            assert_eq!(h, history);
            assert_eq!(b.model.log().agreed(), agreed);
            assert_eq!(b.model.turn().0, turn);
            b.check_state(&format!("host {id} after {sender}'s frame"), true);
        }
        assert_eq!(
            b.model.log().get(0).map(|e| e.payload.clone()),
            Some(b"hello".to_vec())
        );
    }
}

/// Kinds of frame the random driver sends.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Good,
    MutatedByte,
    Stale,
    Gap,
    WrongEpoch,
    WrongCluster,
    InvalidSender,
    InvalidHistoryId,
    NotMember,
    LongHistory,
    Divergent,
    SenderInHistory,
    Truncated,
    Trailing,
    Runt,
    Oversize,
    MacError,
    Conflict,
    NotBroadcast,
    WrongEtherType,
    BadVersion,
    UnknownType,
    HistoryTooLong,
}

const KINDS: [(Kind, u32); 23] = [
    (Kind::Good, 500),
    (Kind::MutatedByte, 60),
    (Kind::Stale, 25),
    (Kind::Gap, 10),
    (Kind::WrongEpoch, 20),
    (Kind::WrongCluster, 20),
    (Kind::InvalidSender, 15),
    (Kind::InvalidHistoryId, 15),
    (Kind::NotMember, 20),
    (Kind::LongHistory, 15),
    (Kind::Divergent, 10),
    (Kind::SenderInHistory, 20),
    (Kind::Truncated, 15),
    (Kind::Trailing, 15),
    (Kind::Runt, 15),
    (Kind::Oversize, 10),
    (Kind::MacError, 25),
    (Kind::Conflict, 15),
    (Kind::NotBroadcast, 6),
    (Kind::WrongEtherType, 6),
    (Kind::BadVersion, 6),
    (Kind::UnknownType, 6),
    (Kind::HistoryTooLong, 6),
];

fn pick_kind(b: &mut Bench) -> Kind {
    let total: u32 = KINDS.iter().map(|k| k.1).sum();
    let mut r = b.rng().range(0, u64::from(total) - 1) as u32;
    for (k, w) in KINDS {
        if r < w {
            return k;
        }
        r -= w;
    }
    Kind::Good
}

fn random_payload(b: &mut Bench) -> Vec<u8> {
    let max = max_payload(b.params.h()).min(b.params.max_payload);
    let len = if b.rng().chance(0.05) {
        b.rng().range(0, max as u64) as usize
    } else {
        b.rng().range(0, 40) as usize
    };
    (0..len).map(|_| b.rng().next_u64() as u8).collect()
}

/// A member other than this host, if any.
fn other_member(b: &mut Bench) -> Option<u8> {
    let me = b.params.host_id;
    let others: Vec<u8> = b
        .model
        .ring()
        .members()
        .iter()
        .map(|m| m.0)
        .filter(|&m| m != me)
        .collect();
    b.rng().pick(&others).copied()
}

/// Builds a frame of `kind` from the current state; `None` if that kind cannot be made now.
fn make_frame(b: &mut Bench, kind: Kind) -> Option<(Vec<u8>, bool)> {
    let holder = b.model.turn().0;
    let n = b.params.hosts;
    let payload = random_payload(b);
    let good = next_frame(b, holder, payload);
    let mut f = good.clone();
    match kind {
        Kind::Good | Kind::MacError => {
            if holder == b.params.host_id {
                return None; // our own turn: the engine sends
            }
        }
        Kind::NotBroadcast | Kind::WrongEtherType | Kind::BadVersion | Kind::UnknownType => {
            let mut bytes = encode(&good);
            let at = match kind {
                Kind::NotBroadcast => b.rng().range(0, 5) as usize,
                Kind::WrongEtherType => 12 + b.rng().range(0, 1) as usize,
                Kind::BadVersion => 14,
                _ => 15,
            };
            bytes[at] ^= 1 << b.rng().range(0, 7);
            return Some((bytes, false));
        }
        Kind::HistoryTooLong => {
            let mut bytes = encode(&good);
            bytes[23] = b.rng().range(129, 255) as u8;
            return Some((bytes, false));
        }
        Kind::MutatedByte => {
            let mut bytes = encode(&good);
            let i = b.rng().range(0, bytes.len() as u64 - 1) as usize;
            bytes[i] ^= 1 << b.rng().range(0, 7);
            return Some((bytes, false));
        }
        Kind::Stale => f.seq = f.seq.checked_sub(b.rng().range(1, 3))?,
        Kind::Gap => f.seq += b.rng().range(1, 3),
        Kind::WrongEpoch => f.epoch ^= 1 << b.rng().range(0, 31),
        Kind::WrongCluster => f.cluster ^= 1 << b.rng().range(0, 15),
        Kind::InvalidSender => {
            f.sender = HostId(
                u8::try_from(b.rng().range(n as u64, 255))
                    .ok()
                    .filter(|_| n < 256)?,
            )
        }
        Kind::InvalidHistoryId => {
            if n == 256 || f.history.is_empty() {
                return None;
            }
            let i = b.rng().range(0, f.history.len() as u64 - 1) as usize;
            f.history[i] = HostId(b.rng().range(n as u64, 255) as u8);
        }
        Kind::NotMember => {
            let outsiders: Vec<u8> = (0..n as u8)
                .filter(|&i| !b.model.ring().contains(HostId(i)))
                .collect();
            f.sender = HostId(*b.rng().pick(&outsiders)?);
        }
        Kind::LongHistory => {
            if b.params.h() >= 128 {
                return None;
            }
            while f.history.len() <= b.params.h() {
                f.history.push(HostId(b.rng().range(0, n as u64 - 1) as u8));
            }
        }
        Kind::Divergent => {
            if f.history.is_empty() || b.rng().chance(0.3) {
                f.history.push(HostId(b.rng().range(0, n as u64 - 1) as u8));
                f.history.truncate(b.params.h());
                if f.history == good.history {
                    return None;
                }
            } else {
                let i = b.rng().range(0, f.history.len() as u64 - 1) as usize;
                f.history[i] = HostId(
                    (f.history[i].0 as usize + 1 + b.rng().range(0, n as u64 - 2) as usize)
                        .rem_euclid(n) as u8,
                );
                if f.history == good.history {
                    return None;
                }
            }
        }
        Kind::SenderInHistory => f.sender = *b.rng().pick(&good.history.clone())?,
        Kind::Truncated => {
            let mut bytes = encode(&good);
            let declared = 34 + good.history.len() + good.payload.len();
            if declared < 61 {
                return None;
            }
            let cut = b.rng().range(60, declared as u64 - 1) as usize;
            bytes.truncate(cut);
            return Some((bytes, false));
        }
        Kind::Trailing => {
            let mut bytes = encode(&good);
            let extra = b.rng().range(1, 30) as usize;
            bytes.extend((0..extra).map(|i| i as u8));
            if bytes.len() > 1514 {
                return None;
            }
            return Some((bytes, false));
        }
        Kind::Runt => {
            let mut bytes = encode(&good);
            let len = b.rng().range(1, 59) as usize;
            bytes.truncate(len);
            return Some((bytes, false));
        }
        Kind::Oversize => {
            let len = b.rng().range(1515, 1700) as usize;
            let mut bytes = encode(&good);
            bytes.resize(len, 0x5a);
            return Some((bytes, false));
        }
        Kind::Conflict => {
            // Another member's message at the seq we sent at (our frame still on its way).
            if holder != b.params.host_id {
                return None;
            }
            let other = other_member(b)?;
            f.sender = HostId(other);
            f.src_mac = host_mac(f.cluster, f.sender);
        }
    }
    if matches!(
        kind,
        Kind::InvalidSender | Kind::NotMember | Kind::SenderInHistory
    ) {
        f.src_mac = host_mac(f.cluster, f.sender);
    }
    let bytes = f.encode().ok()?;
    Some((bytes, matches!(kind, Kind::MacError)))
}

/// The host software's side: an epoch change onto a random ring that holds this host and a
/// majority, or a gap repair from the chain the cluster would have built.
fn recover(b: &mut Bench) {
    let n = b.params.hosts;
    let me = b.params.host_id;
    b.stop();
    if b.rng().chance(0.5) && b.model.status() == Status::Stopped {
        let mut entries = Vec::new();
        let k = b.rng().range(0, 3);
        let mut probe = b.model.clone();
        for _ in 0..k {
            let sender = probe.turn();
            if probe.history().contains(sender) {
                break;
            }
            let e = Entry {
                seq: probe.seq(),
                epoch: probe.epoch(),
                sender,
                payload: vec![sender.0; 3],
            };
            probe.repair(0, vec![e.clone()]);
            entries.push(e);
        }
        b.repair(&entries);
        return;
    }
    let mut others: Vec<u8> = (0..n as u8).filter(|&i| i != me).collect();
    b.rng().shuffle(&mut others);
    let h = b.params.h() as u64;
    let size = b.rng().range(h + 1, n as u64).max(1) as usize;
    let mut members: Vec<u8> = others.into_iter().take(size - 1).collect();
    members.push(me);
    b.rng().shuffle(&mut members);
    let first = members[b.rng().range(0, members.len() as u64 - 1) as usize];
    let epoch = b.model.epoch() + 1;
    b.install(epoch, &members, first);
}

/// Runs `frames` random frames through one engine; returns the model's counters (rejections
/// by reason) and the decode checks the malformed frames failed.
fn run_random(n: usize, id: u8, frames: usize, seed: u64) -> ([u64; 13], [u64; 9]) {
    let timeout = 4_000;
    let mut b = Bench::new(n, id, (seed % n as u64) as u8, timeout, seed, true);
    let mut wire: Vec<Vec<u8>> = b.check("boot");
    let mut sent = 0;
    while sent < frames {
        if b.rng().chance(0.3) {
            let p = random_payload(&mut b);
            b.post(&p);
        }
        let halted = !matches!(b.model.status(), Status::Running);
        if halted && b.rng().chance(0.2) || b.rng().chance(0.01) {
            if std::env::var_os("EXO_TRACE").is_some() {
                eprintln!("recovery at cycle {}", b.cycle);
            }
            recover(&mut b);
            wire.extend(b.check(&format!("n={n} id={id} seed={seed}: recovery")));
            continue;
        }
        let gap = if b.rng().chance(0.8) {
            20
        } else {
            b.rng().range(20, 300)
        };
        // While our own frame is on its way, another member's frame at the same seq
        // sometimes arrives first (the transmit lock must refuse it).
        let conflict = if !wire.is_empty() && b.rng().chance(0.15) {
            make_frame(&mut b, Kind::Conflict)
        } else {
            None
        };
        let (bytes, mac_error) = if let Some(f) = conflict {
            f
        } else if !wire.is_empty() && b.rng().chance(0.9) {
            (wire.remove(0), false)
        } else {
            let kind = pick_kind(&mut b);
            match make_frame(&mut b, kind) {
                Some(f) => f,
                None => continue,
            }
        };
        if std::env::var_os("EXO_TRACE").is_some() {
            eprintln!(
                "frame {}: {} bytes, mac_error {mac_error}, cycle {}, model seq {} turn {} status {:?} deadline {:?}",
                sent + 1,
                bytes.len(),
                b.cycle,
                b.model.seq(),
                b.model.turn().0,
                b.model.status(),
                b.model.next_deadline().map(|d| d / 8)
            );
        }
        b.receive(&bytes, mac_error, gap);
        sent += 1;
        let label = format!("n={n} id={id} seed={seed} frame {sent}");
        wire.extend(b.check(&label));
        if sent % 250 == 0 {
            b.check_state(&label, sent % 1000 == 0);
        }
    }
    b.check_state("end", true);
    (b.model.counters().rejected, b.decode_checks())
}

#[test]
fn random_frames_match_the_model() {
    let seed = test_seed("engine golden random", 0xE40);
    // 10,000 frames in all, over cluster sizes and positions.
    let runs = [
        (5, 2, 4_000, seed),
        (3, 0, 2_000, seed ^ 1),
        (16, 9, 2_000, seed ^ 2),
        (256, 200, 2_000, seed ^ 3),
    ];
    let (mut reasons, mut checks) = ([0u64; 13], [0u64; 9]);
    // EXO_GOLDEN_RUN=i replays only run i (0-3) of this seed.
    let only: Option<usize> = std::env::var("EXO_GOLDEN_RUN")
        .ok()
        .and_then(|v| v.parse().ok());
    for (i, (n, id, frames, s)) in runs.into_iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let (r, c) = run_random(n, id, frames, s);
        reasons.iter_mut().zip(r).for_each(|(a, b)| *a += b);
        checks.iter_mut().zip(c).for_each(|(a, b)| *a += b);
    }
    eprintln!("rejections by reason: {reasons:?}; malformed by decode check: {checks:?}");
    // Every reason the model knows occurred, except seq exhaustion (2^64 entries; the
    // AcceptRule block test covers it), and every decode check.
    if only.is_some() {
        return;
    }
    for (i, name) in RejectReason::NAMES.iter().enumerate() {
        if *name != "seq-exhausted" {
            assert!(reasons[i] > 0, "no frame was rejected as {name}");
        }
    }
    assert!(
        checks.iter().all(|&c| c > 0),
        "decode checks not covered: {checks:?}"
    );
}

#[test]
fn turnaround_is_at_most_8_cycles() {
    // Host C (id 2) of five receives B's message, which passes it the token.
    let mut b = Bench::new(5, 2, 1, 6_250, 7, true);
    b.check("boot");
    for payload_len in [0usize, 46, 1000] {
        let before = b.turnarounds.len();
        let holder = b.model.turn().0;
        let frame = encode(&next_frame(&b, holder, vec![0xab; payload_len]));
        b.receive(&frame, false, 20);
        let mut sent = b.check("token from B");
        assert_eq!(b.model.turn().0, 2, "C holds the token and has sent");
        let turnaround = b.turnarounds[before];
        eprintln!(
            "engine turnaround after a {}-byte frame: {turnaround} cycles ({} ns at 125 MHz)",
            frame.len(),
            turnaround * 8
        );
        assert!(turnaround <= 8, "turnaround {turnaround} cycles");
        // C's frame comes back; D, E, A, B take their turns, and the token is C's again.
        b.receive(&sent.remove(0), false, 20);
        b.check("C's own frame");
        for _ in 0..3 {
            let holder = b.model.turn().0;
            let f = encode(&next_frame(&b, holder, Vec::new()));
            b.receive(&f, false, 20);
            b.check("others");
        }
    }
}
