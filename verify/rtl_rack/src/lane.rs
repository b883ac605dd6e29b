//! One host's lane of the comparison: what its engine did (read from the rack's ports, one
//! engine cycle at a time) against what its golden model says it must do.
//!
//! Verdicts are compared in the cycle they happen (the model judges the frame at the engine's
//! verdict cycle). Records and transmitted frames come out of the engine a few cycles after
//! the model produced them, so both sides queue and are compared in order, byte for byte; an
//! expected item the engine never produces, or an engine output nothing expects, is a
//! mismatch after a grace period. The protocol state (status, epoch, seq, epoch start,
//! agreement pointer, token holder, message in flight, history) is compared a fixed number of
//! cycles after every verdict and control operation, when the engine has applied it.

use exo_engine::host_if::Record;
use exo_proto::model::{Host, Output, PostId, RejectReason, Status};
use std::collections::VecDeque;
use std::fmt;

/// Cycles after a verdict or a control operation's effect when the engine's state is
/// compared: the verdict is applied in its cycle, the history command a cycle later, the turn
/// two cycles after that; eight leaves a margin and is far below the 20 idle cycles that
/// separate two frames.
pub const SETTLE: u64 = 8;
/// Cycles an engine output may wait for the model to expect it (a record for a deadline the
/// model handled in the same cycle comes out a cycle later; nothing should need more).
const UNEXPECTED_GRACE: u64 = 16;
/// Cycles an expected record or frame may take to come out (a frame of 1,518 bytes plus the
/// MAC's gap, with room for control operations).
const MISSING_GRACE: u64 = 5_000;

/// A verdict: accepted, `RejectReason::index()`, decode check (malformed frames only).
pub type Verdict = (bool, u64, u64);

/// The first difference between an engine and its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub host: usize,
    /// The engine's own cycle count.
    pub engine_cycle: u64,
    pub what: String,
    pub expected: String,
    pub seen: String,
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "host {} (engine cycle {}): {}\n  model: {}\n  RTL:   {}",
            self.host, self.engine_cycle, self.what, self.expected, self.seen
        )
    }
}

/// The protocol state both sides hold, as the engine's probes show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// 0 running, 1 stopped, 2 halted.
    pub status: u64,
    /// The anomaly that halted the engine (only while halted).
    pub halt_kind: Option<u64>,
    pub epoch: u64,
    pub seq: u64,
    pub epoch_start: u64,
    pub agreed: u64,
    pub holder: u64,
    /// The seq of the message in flight.
    pub in_flight: Option<u64>,
    /// Ids in the history, one bit each.
    pub history: u64,
}

impl Snapshot {
    pub fn of(host: &Host) -> Snapshot {
        let (status, halt_kind) = match host.status() {
            Status::Running => (0, None),
            Status::Stopped => (1, None),
            Status::Halted(k) => (2, Some(k.index() as u64)),
        };
        Snapshot {
            status,
            halt_kind,
            epoch: u64::from(host.epoch()),
            seq: host.seq(),
            epoch_start: host.epoch_start(),
            agreed: host.log().agreed(),
            holder: u64::from(host.turn().0),
            in_flight: host.in_flight().map(|(seq, _, _)| seq),
            history: host
                .history()
                .to_vec()
                .iter()
                .fold(0, |bits, id| bits | 1u64 << id.0),
        }
    }
}

/// A frame the engine received, waiting for its verdict.
#[derive(Debug, Clone)]
pub struct RxFrame {
    pub bytes: Vec<u8>,
    pub mac_error: bool,
    /// Its number on the fabric (for completion tracking); `None` for replays.
    pub tag: Option<u64>,
}

/// A frame the model says the engine sends, and the post it carries.
#[derive(Debug, Clone)]
pub struct ExpectedTx {
    pub frame: Vec<u8>,
    pub post: Option<PostId>,
}

/// What one engine cycle showed.
#[derive(Debug, Default)]
pub struct Seen {
    pub verdict: Option<(Verdict, RxFrame)>,
    pub dropped: Option<RxFrame>,
}

#[derive(Debug)]
pub struct Lane {
    pub id: usize,
    /// Engine cycles so far (its clock's rising edges).
    pub e: u64,
    /// The engine cycle whose outputs were read last: each is read once.
    pub observed: Option<u64>,
    pub live: bool,
    rx_buf: Vec<u8>,
    pub rx_frames: VecDeque<RxFrame>,
    /// Fabric numbers of the frames the downlink passed to this host, in order.
    pub tags: VecDeque<u64>,
    rec_buf: Vec<u8>,
    seen_records: VecDeque<Record>,
    expected_records: VecDeque<Record>,
    tx_buf: Vec<u8>,
    seen_tx: VecDeque<Vec<u8>>,
    expected_tx: VecDeque<ExpectedTx>,
    /// Transmissions that started but are not compared yet: (post, global cycle).
    pub tx_starts: Vec<(Option<PostId>, u64)>,
    tx_announced: usize,
    /// Since when one side has had an item the other lacks.
    unmatched_since: Option<u64>,
    /// The state the model had after the last verdict or operation, and when to compare.
    pub check: Option<(u64, Snapshot, String)>,
    /// Engine cycle of the last byte of the last frame received, and of the last verdict.
    pub last_rx_end: u64,
    pub last_verdict: u64,
    /// Cycles from the last byte of a frame to our first byte, for turns taken at once.
    pub turnarounds: Vec<u64>,
    tx_valid: bool,
    pub verdicts: u64,
    pub drops: u64,
    pub first: Option<Diff>,
}

impl Lane {
    pub fn new(id: usize) -> Lane {
        Lane {
            id,
            e: 0,
            observed: None,
            live: true,
            rx_buf: Vec::new(),
            rx_frames: VecDeque::new(),
            tags: VecDeque::new(),
            rec_buf: Vec::new(),
            seen_records: VecDeque::new(),
            expected_records: VecDeque::new(),
            tx_buf: Vec::new(),
            seen_tx: VecDeque::new(),
            expected_tx: VecDeque::new(),
            tx_starts: Vec::new(),
            tx_announced: 0,
            unmatched_since: None,
            check: None,
            last_rx_end: 0,
            last_verdict: 0,
            turnarounds: Vec::new(),
            tx_valid: false,
            verdicts: 0,
            drops: 0,
            first: None,
        }
    }

    /// The engine restarted (or crashed): nothing in flight on either side survives.
    pub fn reset(&mut self) {
        let (id, e) = (self.id, self.e);
        let (turnarounds, verdicts, drops, first) = (
            std::mem::take(&mut self.turnarounds),
            self.verdicts,
            self.drops,
            self.first.take(),
        );
        *self = Lane::new(id);
        self.e = e;
        self.turnarounds = turnarounds;
        self.verdicts = verdicts;
        self.drops = drops;
        self.first = first;
    }

    pub fn now_ns(&self) -> u64 {
        self.e * exo_engine::params::CYCLE_NS
    }

    /// True while no frame is being received or waits for its verdict.
    pub fn rx_idle(&self) -> bool {
        self.rx_buf.is_empty() && self.rx_frames.is_empty()
    }

    pub fn fail(&mut self, what: &str, expected: String, seen: String) {
        if self.first.is_none() {
            self.first = Some(Diff {
                host: self.id,
                engine_cycle: self.e,
                what: what.to_string(),
                expected,
                seen,
            });
        }
    }

    // ---- What the engine did ------------------------------------------------------------

    /// One beat of the engine's receive stream.
    pub fn rx_beat(&mut self, data: u8, last: bool, error: bool, replay: bool) {
        self.rx_buf.push(data);
        if last {
            let tag = if replay { None } else { self.tags.pop_front() };
            self.rx_frames.push_back(RxFrame {
                bytes: std::mem::take(&mut self.rx_buf),
                mac_error: error,
                tag,
            });
            self.last_rx_end = self.e;
        }
    }

    /// A verdict (or a drop) came out: it is about the oldest frame received.
    pub fn judged(&mut self, verdict: Option<Verdict>) -> Option<RxFrame> {
        let Some(frame) = self.rx_frames.pop_front() else {
            self.fail(
                "a verdict or drop without a received frame",
                "no event".into(),
                format!("{verdict:?}"),
            );
            return None;
        };
        if verdict.is_some() {
            self.verdicts += 1;
            self.last_verdict = self.e;
        } else {
            self.drops += 1;
        }
        Some(frame)
    }

    pub fn record_beat(&mut self, data: u8, last: bool) {
        self.rec_buf.push(data);
        if last {
            let bytes = std::mem::take(&mut self.rec_buf);
            match Record::decode(&bytes) {
                Ok(r) => self.seen_records.push_back(r),
                Err(e) => self.fail(
                    "a record the host interface cannot decode",
                    "a record".into(),
                    format!("{bytes:02x?}: {e}"),
                ),
            }
        }
    }

    /// One beat of our transmit stream moved to the MAC in global cycle `g`.
    pub fn tx_beat(&mut self, data: u8, last: bool, g: u64) {
        if self.tx_buf.is_empty() {
            let post = self.expected_tx.get(self.tx_announced).and_then(|t| t.post);
            self.tx_announced += 1;
            self.tx_starts.push((post, g));
        }
        self.tx_buf.push(data);
        if last {
            self.seen_tx.push_back(std::mem::take(&mut self.tx_buf));
        }
    }

    /// The transmit stream's `valid`: a rise within a few cycles of a received frame's last
    /// byte is a turn taken at once (the engine turnaround of BRIEF §6).
    pub fn tx_valid(&mut self, valid: bool, frozen: bool) {
        let rise = valid && !self.tx_valid;
        self.tx_valid = valid;
        let since = self.e.saturating_sub(self.last_rx_end);
        if rise && !frozen && self.last_rx_end > 0 && since < 64 {
            self.turnarounds.push(since);
        }
    }

    // ---- What the model says ------------------------------------------------------------

    /// Turns the model's outputs for one input into expectations; `verdict` is the engine's
    /// verdict on the same frame, compared at once.
    pub fn expect(&mut self, host: &Host, outputs: &[Output], verdict: Option<Verdict>) {
        let agreed = host.log().agreed();
        let mut model_verdict = None;
        for o in outputs {
            match o {
                Output::Accepted { seq, sender } => {
                    model_verdict = Some((true, 0, 0));
                    let (epoch, payload) = host
                        .log()
                        .get(*seq)
                        .map_or((0, Vec::new()), |e| (e.epoch, e.payload.clone()));
                    self.expected_records.push_back(Record::Entry {
                        seq: *seq,
                        epoch,
                        sender: sender.0,
                        agreed,
                        payload,
                    });
                }
                Output::Rejected { reason, .. } => {
                    let detail = match reason {
                        RejectReason::Malformed(d) => d.index() as u64,
                        _ => 0,
                    };
                    model_verdict = Some((false, reason.index() as u64, detail));
                }
                Output::Transmit(t) => self.expected_tx.push_back(ExpectedTx {
                    frame: t.frame.clone(),
                    post: t.post,
                }),
                Output::Anomaly {
                    kind,
                    local_seq,
                    frame_seq,
                    sender,
                } => self.expected_records.push_back(Record::Anomaly {
                    kind: kind.index() as u8,
                    local_seq: *local_seq,
                    frame: frame_seq.zip(sender.map(|s| s.0)),
                }),
                _ => {}
            }
        }
        if model_verdict != verdict {
            self.fail(
                "verdict (accepted, reject reason, decode check)",
                format!("{model_verdict:?}"),
                format!("{verdict:?}"),
            );
        }
    }

    /// The agreement pointer moved without an entry (a repair's resume).
    pub fn expect_agreed(&mut self, agreed: u64) {
        self.expected_records.push_back(Record::Agreed { agreed });
    }

    /// Compares the engine's state with `want` at engine cycle `at`.
    pub fn check_state_at(&mut self, at: u64, want: Snapshot, label: String) {
        self.check = Some((at, want, label));
    }

    /// Pairs up records and frames; flags what one side has and the other lacks for too long.
    pub fn compare(&mut self) {
        while let (Some(s), Some(x)) = (self.seen_records.front(), self.expected_records.front()) {
            if s != x {
                let (x, s) = (format!("{x:?}"), format!("{s:?}"));
                self.fail("record to the host", x, s);
                return;
            }
            self.seen_records.pop_front();
            self.expected_records.pop_front();
        }
        while let (Some(s), Some(x)) = (self.seen_tx.front(), self.expected_tx.front()) {
            if *s != x.frame {
                let (x, s) = (hex(&x.frame), hex(s));
                self.fail("transmitted frame (bytes without FCS)", x, s);
                return;
            }
            self.seen_tx.pop_front();
            self.expected_tx.pop_front();
            self.tx_announced = self.tx_announced.saturating_sub(1);
        }
        self.age();
    }

    fn age(&mut self) {
        let extra = !self.seen_records.is_empty() || !self.seen_tx.is_empty();
        let missing = !self.expected_records.is_empty() || !self.expected_tx.is_empty();
        if !extra && !missing {
            self.unmatched_since = None;
            return;
        }
        let since = *self.unmatched_since.get_or_insert(self.e);
        let waited = self.e - since;
        if extra && waited > UNEXPECTED_GRACE {
            let seen = format!(
                "{:?} {:?}",
                self.seen_records,
                self.seen_tx.iter().map(|f| hex(f)).collect::<Vec<_>>()
            );
            self.fail(
                "the engine produced what the model did not",
                "nothing".into(),
                seen,
            );
        } else if missing && waited > MISSING_GRACE {
            let want = format!(
                "{:?} {:?}",
                self.expected_records,
                self.expected_tx
                    .iter()
                    .map(|t| hex(&t.frame))
                    .collect::<Vec<_>>()
            );
            self.fail("the engine never produced", want, "nothing".into());
        }
    }

    /// True once everything expected has come out and been matched.
    pub fn drained(&self) -> bool {
        self.expected_records.is_empty()
            && self.expected_tx.is_empty()
            && self.seen_records.is_empty()
            && self.seen_tx.is_empty()
            && self.tx_buf.is_empty()
            && self.rec_buf.is_empty()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
