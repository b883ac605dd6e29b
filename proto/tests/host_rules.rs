//! Unit tests of `exo_proto::model::Host`, written from the rules in the module doc of
//! `proto/src/model/host.rs` (accept rule 1–6 in order, agreement at s − h, the token passing to
//! the sender's successor, the claim timer) and driving hosts directly, without the simulator.

use exo_proto::model::{
    AnomalyKind, ClusterConfig, ConfigError, Entry, Host, HostConfig, Log, Output, PostError,
    RejectReason, Status, TokenClaim, Transmit, TxCause,
};
use exo_proto::wire::{self, DecodeError, Frame};
use exo_proto::{HostId, Nanos};

/// Token timeout used throughout.
const T: Nanos = 1000;

fn ids(v: &[u8]) -> Vec<HostId> {
    v.iter().map(|&i| HostId(i)).collect()
}

fn host_cfg(id: u8, cluster: &ClusterConfig) -> HostConfig {
    let mut cfg = HostConfig::new(HostId(id), cluster.clone());
    cfg.claim = TokenClaim::Slides { token_timeout: T };
    cfg
}

/// One host per member of `cluster`, in member order, all booted at `now`.
fn boot(cluster: &ClusterConfig, now: Nanos) -> Vec<Host> {
    cluster
        .members
        .iter()
        .map(|m| Host::new(host_cfg(m.0, cluster), now).expect("valid config"))
        .collect()
}

/// A message of cluster 1, epoch 0 (what `ClusterConfig::new` uses).
fn msg(sender: u8, seq: u64, history: &[u8], payload: &[u8]) -> Frame {
    Frame {
        src_mac: wire::host_mac(1, HostId(sender)),
        cluster: 1,
        epoch: 0,
        sender: HostId(sender),
        seq,
        history: ids(history),
        payload: payload.to_vec(),
    }
}

fn enc(frame: &Frame) -> Vec<u8> {
    frame.encode().expect("test frames are within the limits")
}

/// The tiny network: delivers `frame` to every host, the sender included, in order; returns
/// each host's outputs.
fn broadcast(hosts: &mut [Host], now: Nanos, frame: &[u8]) -> Vec<Vec<Output>> {
    hosts
        .iter_mut()
        .map(|h| h.handle_frame(now, frame))
        .collect()
}

fn transmits(out: &[Output]) -> Vec<Transmit> {
    out.iter()
        .filter_map(|o| match o {
            Output::Transmit(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// The one Transmit among `out` (fails if there is not exactly one).
fn the_transmit(out: &[Output]) -> Transmit {
    let t = transmits(out);
    assert_eq!(t.len(), 1, "expected exactly one Transmit in {out:?}");
    t.into_iter().next().unwrap()
}

/// Broadcasts `frame` and every frame it causes, FIFO, until `count` frames have been
/// delivered; returns the frame that would be delivered next (if any).
fn run_ring(hosts: &mut [Host], mut now: Nanos, first: Vec<u8>, count: usize) -> Option<Vec<u8>> {
    let mut queue = std::collections::VecDeque::from([first]);
    for _ in 0..count {
        let frame = queue.pop_front().expect("the ring stalled");
        now += 10;
        for out in broadcast(hosts, now, &frame) {
            queue.extend(transmits(&out).into_iter().map(|t| t.frame));
        }
    }
    assert!(
        queue.len() <= 1,
        "more than one frame in flight: {}",
        queue.len()
    );
    queue.pop_front()
}

/// `n` hosts in the standard cluster after `k` messages, all delivered to everyone; returns
/// the hosts and the (undelivered) frame the token holder has just sent.
fn after(n: usize, k: usize) -> (Vec<Host>, Vec<u8>) {
    let mut hosts = boot(&ClusterConfig::new(n), 0);
    let first = the_transmit(&hosts[0].handle_timeout(0)).frame;
    if k == 0 {
        return (hosts, first);
    }
    let next = run_ring(&mut hosts, 0, first, k).expect("the holder sends at once");
    (hosts, next)
}

/// What a rejected frame must leave untouched.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    seq: u64,
    history: Vec<HostId>,
    log: Log,
    turn: HostId,
    pending_posts: usize,
}

fn snapshot(h: &Host) -> Snapshot {
    Snapshot {
        seq: h.seq(),
        history: h.history().to_vec(),
        log: h.log().clone(),
        turn: h.turn(),
        pending_posts: h.pending_posts(),
    }
}

/// Delivers `bytes` to `host` and checks the verdict is `reason`, with exactly the anomaly
/// given (and the halt it causes, if `halts`), and that nothing else changed.
fn expect_reject(
    host: &mut Host,
    bytes: &[u8],
    reason: RejectReason,
    anomaly: Option<AnomalyKind>,
    halts: bool,
) {
    let before = snapshot(host);
    let status = host.status();
    let deadline = host.next_deadline();
    let counters = host.counters().clone();
    let decoded = Frame::decode(bytes).ok();
    let out = host.handle_frame(999_999, bytes);
    let mut expected = vec![Output::Rejected {
        reason: reason.clone(),
        sender: decoded.as_ref().map(|f| f.sender),
        seq: decoded.as_ref().map(|f| f.seq),
    }];
    if let Some(kind) = anomaly {
        expected.push(Output::Anomaly {
            kind,
            local_seq: before.seq,
            frame_seq: decoded.as_ref().map(|f| f.seq),
            sender: decoded.as_ref().map(|f| f.sender),
        });
    }
    assert_eq!(out, expected, "{reason:?}");
    assert_eq!(
        snapshot(host),
        before,
        "a rejected frame changed the state: {reason:?}"
    );
    if halts {
        // Halted by this frame's anomaly, or already halted and still so.
        let expected = anomaly.map_or(status, Status::Halted);
        assert_eq!(host.status(), expected, "{reason:?}");
        assert!(host.is_halted());
        assert_eq!(host.next_deadline(), None, "a halted host has no deadline");
        assert!(host.handle_timeout(u64::MAX).is_empty());
    } else {
        assert_eq!(host.status(), status, "{reason:?} must not halt");
        assert_eq!(
            host.next_deadline(),
            deadline,
            "a rejection does not re-arm the timer"
        );
    }
    let c = host.counters();
    assert_eq!(
        c.rejected_by(reason.name()),
        counters.rejected_by(reason.name()) + 1
    );
    assert_eq!(c.accepted, counters.accepted);
    assert_eq!(c.transmitted, counters.transmitted);
    let mut anomalies = counters.anomalies;
    if let Some(kind) = anomaly {
        anomalies[kind.index()] += 1;
    }
    assert_eq!(c.anomalies, anomalies);
}

/// Ring distance from `from` to `to` in the standard cluster of `n`.
fn dist(n: usize, from: usize, to: usize) -> u64 {
    ((to + n - from) % n) as u64
}

// ---------------------------------------------------------------------------------------------
// The normal case.

#[test]
fn normal_case_five_hosts() {
    let n = 5;
    let mut hosts = boot(&ClusterConfig::new(n), 0);
    for (k, h) in hosts.iter().enumerate() {
        assert_eq!(h.status(), Status::Running);
        assert_eq!(h.seq(), 0);
        assert_eq!(h.turn(), HostId(0));
        assert_eq!(h.h(), 2);
        assert!(h.history().is_empty() && h.log().is_empty());
        assert_eq!(h.next_deadline(), Some(k as u64 * T));
    }
    // The first holder's deadline is "now": its turn, not a claim.
    let out = hosts[0].handle_timeout(0);
    let tx = the_transmit(&out);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (tx.seq, tx.cause, tx.post, tx.acceptable),
        (0, TxCause::Turn, None, true)
    );
    assert_eq!(Frame::decode(&tx.frame), Ok(msg(0, 0, &[], &[])));
    assert_eq!(hosts[0].next_deadline(), Some(n as u64 * T));

    let mut frame = tx.frame;
    let mut now = 0;
    for k in 1..=13u64 {
        // Deliver message k − 1 (seq s) to everyone.
        now += 7;
        let s = k - 1;
        let sender = (s % 5) as u8;
        let next = (sender + 1) % 5;
        let outs = broadcast(&mut hosts, now, &frame);
        let mut next_frame = None;
        for (i, out) in outs.iter().enumerate() {
            let mut expected = vec![Output::Accepted {
                seq: s,
                sender: HostId(sender),
            }];
            if s >= 2 {
                expected.push(Output::Agreed { seq: s - 2 });
            }
            if i == usize::from(next) {
                // The successor sends at once, within the same call.
                let tx = the_transmit(out);
                assert_eq!(
                    (tx.seq, tx.cause, tx.post, tx.acceptable),
                    (k, TxCause::Turn, None, true)
                );
                let history: Vec<u8> = [sender, (sender + 4) % 5][..k.min(2) as usize].to_vec();
                assert_eq!(Frame::decode(&tx.frame), Ok(msg(next, k, &history, &[])));
                next_frame = Some(tx.frame.clone());
                expected.push(Output::Transmit(tx));
            }
            assert_eq!(out, &expected, "host {i} on message {s}");
        }
        let history: Vec<HostId> = ids(&[sender, (sender + 4) % 5])[..k.min(2) as usize].to_vec();
        for (i, h) in hosts.iter().enumerate() {
            assert_eq!(h.seq(), k);
            assert_eq!(h.history().to_vec(), history);
            assert_eq!(h.log().len(), k);
            assert_eq!(h.log().agreed(), k.saturating_sub(2), "after {k} messages");
            assert_eq!(h.turn(), HostId(next));
            assert_eq!(h.status(), Status::Running);
            let steps = match dist(n, next.into(), i) {
                0 => n as u64, // the holder has had its turn: next is its claim, a ring later
                d => d,
            };
            assert_eq!(h.next_deadline(), Some(now + steps * T), "host {i}");
        }
        if k == 3 {
            for h in &hosts {
                assert_eq!(
                    h.log().agreed_entries(),
                    &[Entry {
                        seq: 0,
                        epoch: 0,
                        sender: HostId(0),
                        payload: vec![]
                    }]
                );
            }
        }
        frame = next_frame.expect("someone holds the token");
    }
    for h in &hosts[1..] {
        assert_eq!(h.log(), hosts[0].log());
    }
    let senders: Vec<u8> = hosts[0]
        .log()
        .entries()
        .iter()
        .map(|e| e.sender.0)
        .collect();
    assert_eq!(senders, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2]);
    assert_eq!(hosts[0].counters().accepted, 13);
    assert_eq!(hosts[0].counters().transmitted, 3);
    assert_eq!(hosts[0].counters().claims, 0);
}

#[test]
fn one_host_agrees_each_entry_as_it_is_accepted() {
    let mut hosts = boot(&ClusterConfig::new(1), 0);
    let host = &mut hosts[0];
    assert_eq!(host.h(), 0);
    assert_eq!(host.next_deadline(), Some(0));
    host.post(b"one").unwrap();
    let mut frame = the_transmit(&host.handle_timeout(0)).frame;
    assert_eq!(Frame::decode(&frame), Ok(msg(0, 0, &[], b"one")));
    for s in 0..5u64 {
        let out = host.handle_frame(s + 1, &frame);
        let tx = the_transmit(&out);
        assert_eq!(
            out,
            vec![
                Output::Accepted {
                    seq: s,
                    sender: HostId(0)
                },
                Output::Agreed { seq: s },
                Output::Transmit(tx.clone()),
            ]
        );
        assert_eq!((tx.seq, tx.cause), (s + 1, TxCause::Turn));
        assert_eq!(Frame::decode(&tx.frame), Ok(msg(0, s + 1, &[], &[])));
        assert_eq!(host.seq(), s + 1);
        assert_eq!(host.log().len(), s + 1);
        assert_eq!(host.log().agreed(), s + 1);
        assert!(host.history().is_empty());
        assert_eq!(host.turn(), HostId(0));
        assert_eq!(host.next_deadline(), Some(s + 1 + T));
        frame = tx.frame;
    }
    assert_eq!(host.log().entries()[0].payload, b"one");
}

#[test]
fn two_hosts_alternate_and_agree_one_behind() {
    let (hosts, _) = after(2, 9);
    for h in &hosts {
        assert_eq!(h.h(), 1);
        assert_eq!(h.seq(), 9);
        assert_eq!(h.log().agreed(), 8);
        assert_eq!(h.history().to_vec(), ids(&[0]));
        assert_eq!(h.turn(), HostId(1));
        let senders: Vec<u8> = h.log().entries().iter().map(|e| e.sender.0).collect();
        assert_eq!(senders, [0, 1, 0, 1, 0, 1, 0, 1, 0]);
    }
    // Step by step from boot: one message agrees nothing, the second agrees entry 0.
    let (mut hosts, frame) = after(2, 0);
    let outs = broadcast(&mut hosts, 5, &frame);
    assert_eq!(
        outs[0],
        vec![Output::Accepted {
            seq: 0,
            sender: HostId(0)
        }]
    );
    let tx = the_transmit(&outs[1]);
    assert_eq!(Frame::decode(&tx.frame), Ok(msg(1, 1, &[0], &[])));
    let outs = broadcast(&mut hosts, 6, &tx.frame);
    assert_eq!(
        outs[1],
        vec![
            Output::Accepted {
                seq: 1,
                sender: HostId(1)
            },
            Output::Agreed { seq: 0 }
        ]
    );
    assert_eq!(
        Frame::decode(&the_transmit(&outs[0]).frame),
        Ok(msg(0, 2, &[1], &[]))
    );
}

#[test]
fn token_skips_hosts_that_are_not_members() {
    let mut cluster = ClusterConfig::new(5);
    cluster.members = ids(&[0, 1, 2, 4]);
    let mut hosts = boot(&cluster, 0);
    let first = the_transmit(&hosts[0].handle_timeout(0)).frame;
    run_ring(&mut hosts, 0, first, 3);
    for h in &hosts {
        assert_eq!(h.turn(), HostId(4), "2's successor is 4");
        assert_eq!(h.seq(), 3);
    }
    // Timer distances follow the ring, not the ids: host 0 is one step after 4.
    let (h0, h4) = (&hosts[0], &hosts[3]);
    assert_eq!(h0.next_deadline(), Some(30 + T));
    assert_eq!(h4.next_deadline(), Some(30 + 4 * T));
}

// ---------------------------------------------------------------------------------------------
// Every reject reason, and which ones report an anomaly and halt.
//
// RejectReason::SeqExhausted is not produced: it needs a host at seq u64::MAX, i.e. 2^64
// accepted messages, and Host has no way to start at another seq.

#[test]
fn malformed_frames_are_rejected_without_anomaly() {
    let (mut hosts, _) = after(5, 3);
    let host = &mut hosts[4];
    expect_reject(
        host,
        &[1, 2, 3],
        RejectReason::Malformed(DecodeError::Runt { len: 3 }),
        None,
        false,
    );
    let mut bytes = enc(&msg(3, 3, &[2, 1], &[]));
    bytes[12..14].copy_from_slice(&[0x08, 0x00]);
    expect_reject(
        host,
        &bytes,
        RejectReason::Malformed(DecodeError::WrongEtherType(0x0800)),
        None,
        false,
    );
    expect_reject(
        host,
        &[0x5a; 2000],
        RejectReason::Malformed(DecodeError::Oversize { len: 2000 }),
        None,
        false,
    );
}

#[test]
fn rule_1_cluster_epoch_ids_membership_and_history_length() {
    // State after 3 messages: seq 3, history [2, 1], token at 3; host 4 judges.
    let (mut hosts, _) = after(5, 3);
    let host = &mut hosts[4];
    let good = msg(3, 3, &[2, 1], &[]);

    let f = Frame {
        cluster: 2,
        ..good.clone()
    };
    expect_reject(
        host,
        &enc(&f),
        RejectReason::WrongCluster { got: 2 },
        None,
        false,
    );
    // Cluster is checked before epoch.
    let f = Frame {
        cluster: 0xffff,
        epoch: 9,
        ..good.clone()
    };
    expect_reject(
        host,
        &enc(&f),
        RejectReason::WrongCluster { got: 0xffff },
        None,
        false,
    );

    let f = Frame {
        epoch: 1,
        ..good.clone()
    };
    expect_reject(
        host,
        &enc(&f),
        RejectReason::WrongEpoch { got: 1 },
        None,
        false,
    );

    for sender in [5u8, 6, 200, 255] {
        let f = msg(sender, 3, &[2, 1], &[]);
        expect_reject(
            host,
            &enc(&f),
            RejectReason::InvalidHostId { id: HostId(sender) },
            None,
            false,
        );
    }
    // A history id out of range; the sender is checked first, then the history newest first.
    for (sender, history, invalid) in [(3, [2, 5], 5), (7, [9, 8], 7), (3, [9, 8], 9)] {
        let f = msg(sender, 3, &history, &[]);
        expect_reject(
            host,
            &enc(&f),
            RejectReason::InvalidHostId {
                id: HostId(invalid),
            },
            None,
            false,
        );
    }

    let f = msg(3, 3, &[2, 1, 0], &[]);
    expect_reject(
        host,
        &enc(&f),
        RejectReason::BadHistoryLength { got: 3 },
        None,
        false,
    );
    let f = msg(3, 3, &[2, 1, 0, 4, 3, 2, 1], &[]);
    expect_reject(
        host,
        &enc(&f),
        RejectReason::BadHistoryLength { got: 7 },
        None,
        false,
    );

    // None of that moved the host: the right frame is still accepted.
    let out = host.handle_frame(1, &enc(&good));
    assert_eq!(
        out[0],
        Output::Accepted {
            seq: 3,
            sender: HostId(3)
        }
    );
}

#[test]
fn rule_1_sender_must_be_a_ring_member() {
    let mut cluster = ClusterConfig::new(5);
    cluster.members = ids(&[0, 1, 2, 4]);
    let mut hosts = boot(&cluster, 0);
    let host = &mut hosts[0];
    // 3 is a valid id of the 5-host cluster but not a member; 5 is not a valid id at all.
    expect_reject(
        host,
        &enc(&msg(3, 0, &[], &[])),
        RejectReason::NotAMember { sender: HostId(3) },
        None,
        false,
    );
    expect_reject(
        host,
        &enc(&msg(5, 0, &[], &[])),
        RejectReason::InvalidHostId { id: HostId(5) },
        None,
        false,
    );
    // A non-member id in a history is only checked for range (rule 1 names the sender).
    expect_reject(
        host,
        &enc(&msg(4, 0, &[3], &[])),
        RejectReason::Divergent,
        Some(AnomalyKind::Divergence),
        true,
    );
}

#[test]
fn gap_halts_and_a_halted_host_accepts_nothing() {
    let (mut hosts, next) = after(5, 3);
    let host = &mut hosts[4];
    expect_reject(
        host,
        &enc(&msg(4, 4, &[3, 2], &[])),
        RejectReason::Gap { local: 3 },
        Some(AnomalyKind::Gap),
        true,
    );
    // Rule 2: even the right next message is refused now ...
    assert_eq!(Frame::decode(&next), Ok(msg(3, 3, &[2, 1], &[])));
    expect_reject(host, &next, RejectReason::Halted, None, true);
    assert_eq!(host.status(), Status::Halted(AnomalyKind::Gap));
    // ... as are gaps and stale frames (rule 2 before rule 3), without further anomalies ...
    expect_reject(
        host,
        &enc(&msg(0, 9, &[4, 3], &[])),
        RejectReason::Halted,
        None,
        true,
    );
    expect_reject(
        host,
        &enc(&msg(2, 2, &[1, 0], &[])),
        RejectReason::Halted,
        None,
        true,
    );
    assert_eq!(host.counters().anomalies[AnomalyKind::Gap.index()], 1);
    // ... but rule 1 still comes first.
    let f = Frame {
        epoch: 3,
        ..msg(3, 3, &[2, 1], &[])
    };
    expect_reject(
        host,
        &enc(&f),
        RejectReason::WrongEpoch { got: 3 },
        None,
        true,
    );
    // A halted host sends nothing.
    let _ = host.post(b"x");
    assert!(host.handle_timeout(u64::MAX).is_empty());
}

#[test]
fn stale_is_reported_but_does_not_halt() {
    let (mut hosts, next) = after(5, 3);
    let host = &mut hosts[4];
    // The very message accepted at seq 2, delivered again.
    expect_reject(
        host,
        &enc(&msg(2, 2, &[1, 0], &[])),
        RejectReason::Stale { local: 3 },
        Some(AnomalyKind::Stale),
        false,
    );
    // Rule 3 before rule 4: an old seq with a wrong history is stale, not divergent.
    expect_reject(
        host,
        &enc(&msg(1, 0, &[4, 3], &[])),
        RejectReason::Stale { local: 3 },
        Some(AnomalyKind::Stale),
        false,
    );
    let out = host.handle_frame(1, &next);
    assert_eq!(
        out[0],
        Output::Accepted {
            seq: 3,
            sender: HostId(3)
        }
    );
    assert_eq!(host.status(), Status::Running);
}

#[test]
fn divergent_history_halts() {
    for history in [&[1u8, 2][..], &[2], &[], &[2, 0], &[3, 1]] {
        let (mut hosts, _) = after(5, 3);
        expect_reject(
            &mut hosts[4],
            &enc(&msg(3, 3, history, &[])),
            RejectReason::Divergent,
            Some(AnomalyKind::Divergence),
            true,
        );
        assert_eq!(hosts[4].status(), Status::Halted(AnomalyKind::Divergence));
    }
    // Rule 4 before rule 5: a sender in its own (wrong) history is divergent.
    let (mut hosts, _) = after(5, 3);
    expect_reject(
        &mut hosts[4],
        &enc(&msg(1, 3, &[1, 2], &[])),
        RejectReason::Divergent,
        Some(AnomalyKind::Divergence),
        true,
    );
}

#[test]
fn sender_in_history_is_reported_but_does_not_halt() {
    let (mut hosts, next) = after(5, 3);
    let host = &mut hosts[4];
    for sender in [2u8, 1] {
        expect_reject(
            host,
            &enc(&msg(sender, 3, &[2, 1], b"minority")),
            RejectReason::SenderInHistory,
            Some(AnomalyKind::NoQuorum),
            false,
        );
    }
    let out = host.handle_frame(1, &next);
    assert_eq!(
        out[0],
        Output::Accepted {
            seq: 3,
            sender: HostId(3)
        }
    );
}

#[test]
fn transmit_lock_conflicts_with_own_halts() {
    // After 3 messages host 3 holds the token and has sent its message at seq 3 ...
    let (mut hosts, lost) = after(5, 3);
    assert_eq!(Frame::decode(&lost), Ok(msg(3, 3, &[2, 1], &[])));
    // ... which is lost, to host 3 itself too. Host 4, one step on, claims after T.
    let since = 30; // after() delivered its 3 messages at 10, 20, 30
    assert_eq!(hosts[4].next_deadline(), Some(since + T));
    let claim = the_transmit(&hosts[4].handle_timeout(since + T));
    assert_eq!(
        (claim.seq, claim.cause, claim.acceptable),
        (3, TxCause::Claim, true)
    );
    assert_eq!(Frame::decode(&claim.frame), Ok(msg(4, 3, &[2, 1], &[])));

    // Rule 5 before rule 6: a frame from a host in the history is no quorum, not a conflict.
    expect_reject(
        &mut hosts[3],
        &enc(&msg(2, 3, &[2, 1], &[])),
        RejectReason::SenderInHistory,
        Some(AnomalyKind::NoQuorum),
        false,
    );
    // Host 3 sent an acceptable message at seq 3: it accepts only that one.
    expect_reject(
        &mut hosts[3],
        &claim.frame,
        RejectReason::ConflictsWithOwn,
        Some(AnomalyKind::Divergence),
        true,
    );
    // A host that has sent nothing at seq 3 accepts the claim, and so does its sender.
    let out = hosts[0].handle_frame(since + T, &claim.frame);
    assert_eq!(
        out,
        vec![
            Output::Accepted {
                seq: 3,
                sender: HostId(4)
            },
            Output::Agreed { seq: 1 },
            Output::Transmit(the_transmit(&out))
        ]
    );
    let out = hosts[4].handle_frame(since + T, &claim.frame);
    assert_eq!(
        out,
        vec![
            Output::Accepted {
                seq: 3,
                sender: HostId(4)
            },
            Output::Agreed { seq: 1 }
        ]
    );
    assert_eq!(hosts[4].seq(), 4);
}

#[test]
fn own_message_is_accepted_under_the_lock() {
    let (mut hosts, own) = after(5, 3);
    let out = hosts[3].handle_frame(40, &own);
    assert_eq!(
        out,
        vec![
            Output::Accepted {
                seq: 3,
                sender: HostId(3)
            },
            Output::Agreed { seq: 1 }
        ]
    );
}

#[test]
fn restarted_host_is_halted_until_state_transfer() {
    let cluster = ClusterConfig::new(5);
    let mut host = Host::restarted(host_cfg(2, &cluster), 50).unwrap();
    assert_eq!(host.status(), Status::Halted(AnomalyKind::Restarted));
    assert!(host.is_halted());
    assert_eq!(host.next_deadline(), None);
    assert!(host.handle_timeout(u64::MAX).is_empty());
    assert_eq!(host.counters().anomalies[AnomalyKind::Restarted.index()], 1);
    // The first message of the cluster, which a new host would accept.
    expect_reject(
        &mut host,
        &enc(&msg(0, 0, &[], &[])),
        RejectReason::Halted,
        None,
        true,
    );
    assert_eq!(host.status(), Status::Halted(AnomalyKind::Restarted));
    let f = Frame {
        cluster: 7,
        ..msg(0, 0, &[], &[])
    };
    expect_reject(
        &mut host,
        &enc(&f),
        RejectReason::WrongCluster { got: 7 },
        None,
        true,
    );
    assert!(host.log().is_empty() && host.seq() == 0);
    // Restarting with an invalid config fails like new().
    let mut bad = host_cfg(2, &cluster);
    bad.max_posted = 0;
    assert_eq!(Host::restarted(bad, 0).err(), Some(ConfigError::ZeroQueue));
}

/// The accept rule as the module doc states it, for a running or halted host; `locked` says
/// whether the host has sent an acceptable message at its current seq.
fn doc_verdict(host: &Host, locked: bool, f: &Frame) -> Result<(), RejectReason> {
    let c = &host.config().cluster;
    if f.cluster != c.cluster {
        return Err(RejectReason::WrongCluster { got: f.cluster });
    }
    if f.epoch != c.epoch {
        return Err(RejectReason::WrongEpoch { got: f.epoch });
    }
    if let Some(&id) = std::iter::once(&f.sender)
        .chain(&f.history)
        .find(|id| id.index() >= c.n)
    {
        return Err(RejectReason::InvalidHostId { id });
    }
    if !c.members.contains(&f.sender) {
        return Err(RejectReason::NotAMember { sender: f.sender });
    }
    if f.history.len() > c.n / 2 {
        return Err(RejectReason::BadHistoryLength {
            got: f.history.len(),
        });
    }
    if host.is_halted() {
        return Err(RejectReason::Halted);
    }
    if f.seq < host.seq() {
        return Err(RejectReason::Stale { local: host.seq() });
    }
    if f.seq > host.seq() {
        return Err(RejectReason::Gap { local: host.seq() });
    }
    if f.history != host.history().to_vec() {
        return Err(RejectReason::Divergent);
    }
    if f.history.contains(&f.sender) {
        return Err(RejectReason::SenderInHistory);
    }
    if locked && f.sender != host.id() {
        return Err(RejectReason::ConflictsWithOwn);
    }
    Ok(())
}

#[test]
fn accept_rule_matches_the_documented_order_on_a_grid_of_frames() {
    // Hosts in four situations at seq 3, history [2, 1]:
    let (hosts, _) = after(5, 3);
    let plain = hosts[4].clone(); // has sent nothing at seq 3
    let locked = hosts[3].clone(); // holds the token and sent at seq 3
    let mut doomed = hosts[2].clone(); // its own id is in the history: its claim is doomed
    let deadline = doomed.next_deadline().unwrap();
    let claim = the_transmit(&doomed.handle_timeout(deadline));
    assert!(!claim.acceptable);
    let mut halted = hosts[0].clone();
    halted.handle_frame(0, &enc(&msg(1, 7, &[0, 4], &[])));
    assert!(halted.is_halted());
    let cases = [
        (plain, false),
        (locked, true),
        (doomed, false),
        (halted, false),
    ];

    let histories: [&[u8]; 8] = [
        &[],
        &[2],
        &[2, 1],
        &[1, 2],
        &[2, 3],
        &[2, 1, 0],
        &[2, 9],
        &[3, 2],
    ];
    let mut verdicts = [0usize; 13];
    let mut accepted = 0;
    for (host, locked) in &cases {
        for sender in 0..=6u8 {
            for seq in 2..=4u64 {
                for history in histories {
                    for (cluster, epoch) in [(1, 0), (2, 0), (1, 1)] {
                        let f = Frame {
                            cluster,
                            epoch,
                            ..msg(sender, seq, history, b"p")
                        };
                        let expected = doc_verdict(host, *locked, &f);
                        let mut h = host.clone();
                        let before = snapshot(&h);
                        let out = h.handle_frame(77, &enc(&f));
                        match expected {
                            Ok(()) => {
                                accepted += 1;
                                assert_eq!(
                                    out[0],
                                    Output::Accepted {
                                        seq,
                                        sender: HostId(sender)
                                    },
                                    "{f}"
                                );
                                assert_eq!(h.seq(), 4);
                                assert_eq!(h.history().to_vec(), ids(&[sender, 2]));
                                assert_eq!(h.log().len(), 4);
                                assert_eq!(h.log().agreed(), 2);
                                assert_eq!(h.log().get(3).unwrap().payload, b"p");
                                assert_eq!(h.turn(), HostId((sender + 1) % 5));
                            }
                            Err(reason) => {
                                verdicts[reason.index()] += 1;
                                let Output::Rejected { reason: got, .. } = &out[0] else {
                                    panic!("{f}: expected {reason:?}, got {out:?}");
                                };
                                assert_eq!(got, &reason, "{f} at host {}", host.id());
                                assert_eq!(snapshot(&h), before, "{f}");
                            }
                        }
                    }
                }
            }
        }
    }
    // The grid reaches every reason but Malformed, NotAMember (all ids are members here) and
    // SeqExhausted, and the only acceptable frames are 0, 3 and 4 at seq 3 with [2, 1] (only
    // 3's own at the locked host, nothing at the halted one).
    assert_eq!(accepted, 3 + 1 + 3);
    for (i, &count) in verdicts.iter().enumerate() {
        let unreachable = [0, 4, 12].contains(&i);
        assert_eq!(
            count == 0,
            unreachable,
            "{}: {count}",
            RejectReason::NAMES[i]
        );
    }
    // SeqExhausted would need 2^64 accepted messages to reach; it is not tested here.
}

// ---------------------------------------------------------------------------------------------
// The token timer and claims.

#[test]
fn claim_deadlines_follow_ring_distance_and_repeat_each_ring() {
    let n = 5u64;
    let since = 100;
    let mut hosts = boot(&ClusterConfig::new(5), since);
    for (k, h) in hosts.iter_mut().enumerate() {
        let k = k as u64;
        assert_eq!(h.next_deadline(), Some(since + k * T));
        if k > 0 {
            assert!(h.handle_timeout(since + k * T - 1).is_empty(), "early");
            assert_eq!(h.next_deadline(), Some(since + k * T));
        }
    }
    // Nothing is ever delivered. Round 0: 0's turn, then each other host claims in ring order.
    let mut first = Vec::new();
    for (k, h) in hosts.iter_mut().enumerate() {
        let k = k as u64;
        let out = h.handle_timeout(since + k * T);
        let tx = the_transmit(&out);
        assert_eq!(out.len(), 1);
        let cause = if k == 0 {
            TxCause::Turn
        } else {
            TxCause::Claim
        };
        assert_eq!(
            (tx.seq, tx.cause, tx.post, tx.acceptable),
            (0, cause, None, true)
        );
        assert_eq!(Frame::decode(&tx.frame), Ok(msg(k as u8, 0, &[], &[])));
        assert_eq!(h.next_deadline(), Some(since + (k + n) * T));
        first.push(tx.frame);
    }
    // Host 2 gets a message to send between its claims: the repeat must not carry it.
    let id = hosts[2].post(b"late").unwrap();
    assert_eq!(id, 0);
    for round in 1..=3u64 {
        for (k, h) in hosts.iter_mut().enumerate() {
            let k = k as u64;
            let at = since + (k + round * n) * T;
            // A late call fires once, and the next deadline stays on the ring's grid.
            let out = h.handle_timeout(at + 3);
            let tx = the_transmit(&out);
            assert_eq!((tx.seq, tx.cause, tx.post), (0, TxCause::Claim, None));
            assert_eq!(
                tx.frame, first[k as usize],
                "host {k} round {round}: same bytes"
            );
            assert_eq!(h.next_deadline(), Some(since + (k + (round + 1) * n) * T));
            assert!(
                h.handle_timeout(at + 3).is_empty(),
                "fires once per deadline"
            );
        }
    }
    assert_eq!(hosts[2].pending_posts(), 1);
    assert_eq!(hosts[0].counters().claims, 3);
    assert_eq!(hosts[1].counters().claims, 4);
    assert_eq!(hosts[1].counters().transmitted, 4);
}

#[test]
fn accepting_rearms_the_timer_from_the_new_holder() {
    let (mut hosts, frame) = after(5, 0);
    let now = 500;
    let outs = broadcast(&mut hosts, now, &frame);
    assert_eq!(the_transmit(&outs[1]).cause, TxCause::Turn);
    for (i, h) in hosts.iter().enumerate() {
        let steps = match dist(5, 1, i) {
            0 => 5,
            d => d,
        };
        assert_eq!(h.next_deadline(), Some(now + steps * T), "host {i}");
    }
}

#[test]
fn a_claim_takes_over_a_lost_token() {
    // Host 0 sends its first message and crashes: nobody ever receives it.
    let mut hosts = boot(&ClusterConfig::new(5), 0);
    hosts[0].post(b"lost").unwrap();
    let lost = the_transmit(&hosts[0].handle_timeout(0));
    assert_eq!(lost.post, Some(0));
    let mut alive: Vec<Host> = hosts.drain(1..).collect();
    alive[1].post(b"from 2").unwrap();
    let claim = the_transmit(&alive[0].handle_timeout(T));
    assert_eq!((claim.seq, claim.cause), (0, TxCause::Claim));
    let outs = broadcast(&mut alive, T + 1, &claim.frame);
    for out in &outs {
        assert_eq!(
            out[0],
            Output::Accepted {
                seq: 0,
                sender: HostId(1)
            }
        );
    }
    let tx = the_transmit(&outs[1]);
    assert_eq!((tx.seq, tx.cause, tx.post), (1, TxCause::Turn, Some(0)));
    assert_eq!(Frame::decode(&tx.frame), Ok(msg(2, 1, &[1], b"from 2")));
    for h in &alive {
        assert_eq!(h.turn(), HostId(2));
        assert_eq!(h.seq(), 1);
    }
    assert_eq!(alive[0].counters().claims, 1);
}

#[test]
fn doomed_claim_is_unacceptable_empty_and_keeps_the_post() {
    // After message 0 (from host 0) host 0 is in everyone's history [0]; the token is at 1.
    let (mut hosts, _lost) = after(5, 1);
    let host0 = &mut hosts[0];
    assert_eq!(host0.history().to_vec(), ids(&[0]));
    host0.post(b"wait for my turn").unwrap();
    // Host 0 is 4 steps after host 1: it claims after 4 timeouts (message 0 arrived at 10).
    assert_eq!(host0.next_deadline(), Some(10 + 4 * T));
    let out = host0.handle_timeout(10 + 4 * T);
    let tx = the_transmit(&out);
    assert_eq!(
        (tx.seq, tx.cause, tx.post, tx.acceptable),
        (1, TxCause::Claim, None, false)
    );
    assert_eq!(Frame::decode(&tx.frame), Ok(msg(0, 1, &[0], &[])));
    assert_eq!(
        host0.pending_posts(),
        1,
        "the posted message is not consumed"
    );
    // Everyone else (with the same history) refuses it: no quorum.
    expect_reject(
        &mut hosts[3],
        &tx.frame,
        RejectReason::SenderInHistory,
        Some(AnomalyKind::NoQuorum),
        false,
    );
    // A doomed claim does not lock host 0: it accepts another host's message at seq 1.
    let claim2 = the_transmit(&hosts[2].handle_timeout(10 + 2 * T));
    assert!(claim2.acceptable);
    let outs = broadcast(&mut hosts, 10 + 4 * T + 1, &claim2.frame);
    assert_eq!(
        outs[0],
        vec![Output::Accepted {
            seq: 1,
            sender: HostId(2)
        }]
    );
    // (Host 1, whose own acceptable message at seq 1 was lost, halts on it: transmit lock.)
    assert!(matches!(
        outs[1][0],
        Output::Rejected {
            reason: RejectReason::ConflictsWithOwn,
            ..
        }
    ));
    assert_eq!(hosts[1].status(), Status::Halted(AnomalyKind::Divergence));
    // The post waits for host 0's turn: after 3 and 4.
    let next = the_transmit(&outs[3]).frame;
    let next = run_ring(&mut hosts, 10 + 4 * T + 1, next, 2).unwrap();
    assert_eq!(
        Frame::decode(&next),
        Ok(msg(0, 4, &[4, 3], b"wait for my turn"))
    );
    assert_eq!(hosts[0].pending_posts(), 1, "in flight until accepted");
    run_ring(&mut hosts, 10 + 4 * T + 100, next, 1);
    assert_eq!(hosts[0].pending_posts(), 0);
    assert_eq!(hosts[4].log().get(4).unwrap().payload, b"wait for my turn");
}

#[test]
fn timeouts_off_only_leave_the_first_turn() {
    let cluster = ClusterConfig::new(3);
    let mut hosts: Vec<Host> = (0..3)
        .map(|i| {
            let mut cfg = host_cfg(i, &cluster);
            cfg.claim = TokenClaim::Off;
            Host::new(cfg, 5).unwrap()
        })
        .collect();
    assert_eq!(hosts[0].next_deadline(), Some(5));
    assert_eq!(hosts[1].next_deadline(), None);
    let tx = the_transmit(&hosts[0].handle_timeout(5));
    assert_eq!(tx.cause, TxCause::Turn);
    assert_eq!(hosts[0].next_deadline(), None);
    broadcast(&mut hosts, 6, &tx.frame);
    assert!(hosts.iter().all(|h| h.next_deadline().is_none()));
}

// ---------------------------------------------------------------------------------------------
// post()

#[test]
fn post_refuses_oversized_payloads_and_full_queues() {
    let cluster = ClusterConfig::new(5);
    let max = cluster.max_payload();
    assert_eq!(max, wire::max_payload(2));
    let mut cfg = host_cfg(0, &cluster);
    cfg.max_posted = 2;
    let mut host = Host::new(cfg, 0).unwrap();
    assert_eq!(
        host.post(&vec![0; max + 1]),
        Err(PostError::PayloadTooLarge { len: max + 1, max })
    );
    assert_eq!(host.post(&vec![7; max]), Ok(0));
    assert_eq!(host.post(b""), Ok(1));
    assert_eq!(host.post(b"3"), Err(PostError::QueueFull { capacity: 2 }));
    assert_eq!(host.pending_posts(), 2);
    // The largest payload fits the frame; a message in flight still counts against the queue.
    let tx = the_transmit(&host.handle_timeout(0));
    assert_eq!(tx.post, Some(0));
    assert_eq!(tx.frame.len(), wire::frame_len(0, max));
    assert_eq!(host.pending_posts(), 2);
    assert_eq!(host.post(b"3"), Err(PostError::QueueFull { capacity: 2 }));
    // Once it is accepted, there is room again; ids keep counting.
    host.handle_frame(1, &tx.frame);
    assert_eq!(host.pending_posts(), 1);
    assert_eq!(host.post(b"3"), Ok(2));
}

#[test]
fn posted_payloads_enter_the_log_in_order_at_the_posters_turns() {
    let mut hosts = boot(&ClusterConfig::new(5), 0);
    for p in [&b"a"[..], b"b", b"c"] {
        hosts[0].post(p).unwrap();
    }
    for p in [&b"x"[..], b"y"] {
        hosts[2].post(p).unwrap();
    }
    let first = the_transmit(&hosts[0].handle_timeout(0)).frame;
    run_ring(&mut hosts, 0, first, 15);
    let expected: Vec<(u8, &[u8])> = vec![
        (0, b"a"),
        (1, b""),
        (2, b"x"),
        (3, b""),
        (4, b""),
        (0, b"b"),
        (1, b""),
        (2, b"y"),
        (3, b""),
        (4, b""),
        (0, b"c"),
        (1, b""),
        (2, b""),
        (3, b""),
        (4, b""),
    ];
    for h in &hosts {
        let log: Vec<(u8, &[u8])> = h
            .log()
            .entries()
            .iter()
            .map(|e| (e.sender.0, &e.payload[..]))
            .collect();
        assert_eq!(log, expected, "host {}", h.id());
        assert_eq!(h.log().agreed(), 13);
        assert_eq!(h.pending_posts(), 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[test]
fn invalid_configs_are_refused() {
    let new = |cluster: &ClusterConfig, id: u8| Host::new(host_cfg(id, cluster), 0).err();
    assert_eq!(
        new(&ClusterConfig::new(0), 0),
        Some(ConfigError::HostCount(0))
    );
    assert_eq!(
        new(&ClusterConfig::new(257), 0),
        Some(ConfigError::HostCount(257))
    );
    assert_eq!(new(&ClusterConfig::new(256), 255), None);

    let mut c = ClusterConfig::new(5);
    c.members = ids(&[0, 1, 2, 1]);
    assert_eq!(new(&c, 0), Some(ConfigError::DuplicateMember(HostId(1))));

    let mut c = ClusterConfig::new(5);
    c.members = ids(&[0, 5]);
    assert_eq!(
        new(&c, 0),
        Some(ConfigError::MemberOutOfRange {
            id: HostId(5),
            n: 5
        })
    );

    let mut c = ClusterConfig::new(5);
    c.members = vec![];
    assert_eq!(new(&c, 0), Some(ConfigError::NoMembers));

    let mut c = ClusterConfig::new(5);
    c.members = ids(&[1, 2, 3]);
    assert_eq!(
        new(&c, 1),
        Some(ConfigError::FirstHolderNotMember(HostId(0)))
    );
    c.first_holder = HostId(2);
    assert_eq!(new(&c, 1), None);
    assert_eq!(new(&c, 4), Some(ConfigError::NotAMember(HostId(4))));

    let c = ClusterConfig::new(5);
    let mut cfg = host_cfg(1, &c);
    cfg.claim = TokenClaim::Slides { token_timeout: 0 };
    assert_eq!(
        Host::new(cfg.clone(), 0).err(),
        Some(ConfigError::ZeroTimeout)
    );
    cfg.claim = TokenClaim::Off;
    assert!(Host::new(cfg.clone(), 0).is_ok());
    cfg.max_posted = 0;
    assert_eq!(Host::new(cfg, 0).err(), Some(ConfigError::ZeroQueue));
}
