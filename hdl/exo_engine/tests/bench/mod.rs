//! A test bench that holds one engine to the golden model.
//!
//! The engine (rust-hdl's simulation of it) and a golden-model `Host` with the same
//! configuration get the same inputs: received frames, posted messages, control operations,
//! and time (cycle × 8 ns; the model handles a frame at the cycle the engine applies its
//! verdict, so both arm their token timers at the same instant). After every input the bench
//! lets the engine finish its work and compares everything both produced: the verdict on each
//! frame (reason, and for malformed frames the decode check), the records to the host (entries
//! with payload and agreement pointer, agreement updates, anomalies), each transmitted frame
//! byte for byte, and — on request — the state read back through the control port. The first
//! difference fails the test with both sides printed.

#![allow(dead_code)]

use exo_engine::host_if::{encode_post, op, reg, Record, COUNTER_NAMES};
use exo_engine::params::CYCLE_NS;
use exo_engine::{EngineParams, ExoEngine};
use exo_hdl_common::sim::{cycle, settle};
use exo_proto::model::{
    ClusterConfig, Entry, EpochInstall, Host, HostConfig, Output, RejectReason, Status, TokenClaim,
};
use exo_proto::rng::Rng;
use exo_proto::wire::DecodeError;
use exo_proto::HostId;
use rust_hdl::prelude::*;

/// What the engine did, or what the model says it must do, since the last comparison.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// (accepted, reason index, decode check) per judged frame.
    pub verdicts: Vec<(bool, u64, u64)>,
    pub records: Vec<Record>,
    pub tx_frames: Vec<Vec<u8>>,
}

pub struct Bench {
    pub engine: Box<ExoEngine>,
    pub model: Host,
    pub params: EngineParams,
    pub cycle: u64,
    seen: Activity,
    expected: Activity,
    /// Entries accepted but not yet matched with their record's agreement pointer.
    dropped: u64,
    record_buf: Vec<u8>,
    tx_buf: Vec<u8>,
    last_rx_cycle: u64,
    /// Cycles from the last beat of a received frame to our first transmitted beat.
    pub turnarounds: Vec<u64>,
    /// Probability that the record stream's `ready` is high in a cycle.
    pub host_ready: f64,
    rng: Rng,
    /// A judged frame the model must see at the engine's apply cycle.
    in_judgement: Option<Vec<u8>>,
    decode_checks: [u64; 9],
}

fn clock(e: &mut ExoEngine) -> &mut Signal<In, Clock> {
    &mut e.clock
}

/// The model's decode check, numbered as `frame_rx::malformed` numbers them (the order of
/// `Frame::decode`'s checks).
pub fn decode_index(e: &DecodeError) -> u64 {
    e.index() as u64
}

impl Bench {
    /// The engine of host `id` in an `n`-host cluster whose token starts at `holder`, and its
    /// golden model. `cold`: booted with the cluster; otherwise booted as a restarted host
    /// that waits for the host software to install an epoch.
    pub fn new(n: usize, id: u8, holder: u8, timeout_cycles: u32, seed: u64, cold: bool) -> Bench {
        let mut params = EngineParams::new(n, id);
        params.boot_holder = holder;
        params.token_timeout_cycles = timeout_cycles;
        let mut engine = Box::new(ExoEngine::new(&params).expect("valid parameters"));
        engine.connect_all();
        engine.cold_start.next = cold;
        let mut cluster = ClusterConfig::new(n);
        cluster.first_holder = HostId(holder);
        let mut cfg = HostConfig::new(HostId(id), cluster);
        cfg.claim = TokenClaim::Epochs {
            token_timeout: u64::from(timeout_cycles) * CYCLE_NS,
        };
        cfg.max_posted = params.max_posted;
        // The engine arms its boot timer after one reset cycle, n boot-ring writes and the
        // four-cycle token pass (ring lookup, registered output, registered steps, apply).
        let boot_ns = (n as u64 + 5) * CYCLE_NS;
        let mut bench = Bench {
            engine,
            model: if cold {
                Host::new(cfg, boot_ns).expect("valid model config")
            } else {
                Host::restarted(cfg, boot_ns).expect("valid model config")
            },
            params,
            cycle: 0,
            seen: Activity::default(),
            expected: Activity::default(),
            dropped: 0,
            record_buf: Vec::new(),
            tx_buf: Vec::new(),
            last_rx_cycle: 0,
            turnarounds: Vec::new(),
            host_ready: 1.0,
            rng: Rng::new(seed),
            in_judgement: None,
            decode_checks: [0; 9],
        };
        settle(&mut *bench.engine);
        bench.idle(n as u64 + 10);
        bench
    }

    pub fn now_ns(&self) -> u64 {
        self.cycle * CYCLE_NS
    }

    /// One clock cycle: inputs settle, outputs are observed (and a verdict handed to the
    /// model), model deadlines that fall due are handled, and the clock ticks.
    pub fn step(&mut self) {
        let ready = self.host_ready >= 1.0 || self.rng.chance(self.host_ready);
        self.engine.records.ready.next = ready;
        self.engine.tx.ready.next = true;
        settle(&mut *self.engine);
        self.observe();
        // A deadline falling in the cycle a verdict is applied comes after it, as in the
        // engine (whose timer is re-armed by an accept in that cycle).
        self.poll_model_timer();
        cycle(&mut *self.engine, clock);
        self.cycle += 1;
    }

    pub fn idle(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.step();
        }
    }

    fn observe(&mut self) {
        if std::env::var_os("EXO_TRACE").is_some() {
            let t = &self.engine.timer;
            if t.arm.val() || t.stop.val() || t.fire.val() {
                eprintln!(
                    "cycle {}: timer arm {} slots {} stop {} fire {} ring_len {}",
                    self.cycle,
                    t.arm.val(),
                    t.slots.val().to_u64(),
                    t.stop.val(),
                    t.fire.val(),
                    t.ring_len.val().to_u64()
                );
            }
        }
        let (verdict, dropped) = (
            self.engine.event_verdict.val(),
            self.engine.event_dropped.val(),
        );
        if verdict {
            self.seen.verdicts.push((
                self.engine.event_accept.val(),
                self.engine.event_reason.val().to_u64(),
                self.engine.event_detail.val().to_u64(),
            ));
            // The model judges the frame at the same instant.
            let frame = self.in_judgement.take().expect("a verdict without a frame");
            let out = self.model.handle_frame(self.now_ns(), &frame);
            self.expect(out);
        }
        if dropped {
            self.dropped += 1;
            self.in_judgement = None;
        }
        let e = &self.engine;
        if e.records.valid.val() && e.records.ready.val() {
            self.record_buf.push(e.records.data.val().to_u64() as u8);
            if e.records.last.val() {
                let rec = Record::decode(&self.record_buf)
                    .unwrap_or_else(|err| panic!("record {:02x?}: {err}", self.record_buf));
                self.seen.records.push(rec);
                self.record_buf.clear();
            }
        }
        let e = &self.engine;
        if e.tx.valid.val() && e.tx.ready.val() {
            if self.tx_buf.is_empty() {
                self.turnarounds.push(self.cycle - self.last_rx_cycle);
            }
            self.tx_buf.push(e.tx.data.val().to_u64() as u8);
            if e.tx.last.val() {
                self.seen.tx_frames.push(std::mem::take(&mut self.tx_buf));
            }
        }
    }

    /// Model deadlines fall on cycle boundaries: the engine's timer counts the same cycles.
    fn poll_model_timer(&mut self) {
        while let Some(deadline) = self.model.next_deadline() {
            if deadline > self.now_ns() {
                break;
            }
            let out = self.model.handle_timeout(deadline);
            self.expect(out);
        }
    }

    /// Turns model outputs into what the engine must show.
    fn expect(&mut self, outputs: Vec<Output>) {
        let agreed = self.model.log().agreed();
        for o in outputs {
            match o {
                Output::Accepted { seq, sender } => {
                    self.expected.verdicts.push((true, 0, 0));
                    let e = self
                        .model
                        .log()
                        .get(seq)
                        .expect("accepted entry in the log");
                    self.expected.records.push(Record::Entry {
                        seq,
                        epoch: e.epoch,
                        sender: sender.0,
                        agreed,
                        payload: e.payload.clone(),
                    });
                }
                Output::Rejected { reason, .. } => {
                    let detail = match &reason {
                        RejectReason::Malformed(d) => {
                            self.decode_checks[decode_index(d) as usize] += 1;
                            decode_index(d)
                        }
                        _ => 0,
                    };
                    self.expected
                        .verdicts
                        .push((false, reason.index() as u64, detail));
                }
                Output::Transmit(t) => self.expected.tx_frames.push(t.frame),
                Output::Anomaly {
                    kind,
                    local_seq,
                    frame_seq,
                    sender,
                } => self.expected.records.push(Record::Anomaly {
                    kind: kind.index() as u8,
                    local_seq,
                    frame: frame_seq.zip(sender.map(|s| s.0)),
                }),
                // Agreement moves with an entry (its record carries the pointer) or, after a
                // repair, alone.
                Output::Agreed { .. } => {}
                other => panic!("the engine's model produced {other:?}"),
            }
        }
    }

    /// Expects one agreement-update record (a repair moved the pointer).
    fn expect_agreed_record(&mut self, before: u64) {
        let after = self.model.log().agreed();
        if after > before {
            self.expected.records.push(Record::Agreed { agreed: after });
        }
    }

    // ---- Inputs ---------------------------------------------------------------------------

    /// A frame from the Exo network, beat by beat, then `gap` idle cycles (at least the
    /// 20-byte preamble and inter-frame gap GMII leaves between frames). `mac_error` marks it
    /// as the MAC does a bad FCS: the model never sees such a frame.
    pub fn receive(&mut self, frame: &[u8], mac_error: bool, gap: u64) {
        assert!(!frame.is_empty());
        assert!(
            self.in_judgement.is_none(),
            "previous frame still being judged"
        );
        if !mac_error {
            self.in_judgement = Some(frame.to_vec());
        }
        for (i, &b) in frame.iter().enumerate() {
            let last = i + 1 == frame.len();
            self.engine.rx.valid.next = true;
            self.engine.rx.data.next = (b as u64).to_bits();
            self.engine.rx.last.next = last;
            self.engine.rx.error.next = last && mac_error;
            if last {
                self.last_rx_cycle = self.cycle;
            }
            self.step();
        }
        self.engine.rx.valid.next = false;
        self.engine.rx.last.next = false;
        self.engine.rx.error.next = false;
        self.idle(gap.max(20));
        assert!(
            self.in_judgement.is_none() || mac_error,
            "no verdict on a frame"
        );
        self.in_judgement = None;
    }

    /// Posts a message to both, if the engine can take it now (the model's queue is larger).
    pub fn post(&mut self, payload: &[u8]) -> bool {
        settle(&mut *self.engine);
        if !self.engine.post.ready.val() || self.model.pending_posts() >= self.params.max_posted {
            return false;
        }
        let depth = self.engine.queue.depth.val().index();
        let bytes = encode_post(payload);
        for (i, &b) in bytes.iter().enumerate() {
            self.engine.post.valid.next = true;
            self.engine.post.data.next = (b as u64).to_bits();
            self.engine.post.last.next = i + 1 == bytes.len();
            self.engine.post.error.next = false;
            settle(&mut *self.engine);
            assert!(
                self.engine.post.ready.val(),
                "post stream stalled mid-message"
            );
            self.step();
        }
        self.engine.post.valid.next = false;
        self.engine.post.last.next = false;
        self.model
            .post(payload)
            .expect("the model takes what the engine takes");
        // The model has the post from now on. The engine's queue shows it two edges after
        // the last byte moved (its input stage, then publishing), and nothing pops meanwhile
        // (a pop needs a verdict, and no frame is being received).
        self.idle(2);
        settle(&mut *self.engine);
        assert_eq!(
            self.engine.queue.depth.val().index(),
            depth + 1,
            "the posted message is waiting two cycles after its last byte"
        );
        // One more cycle, the margin the bench kept before the input stage: the core has
        // seen the head for a whole cycle before the bench's next input.
        self.idle(1);
        true
    }

    // ---- Control port -----------------------------------------------------------------------

    fn ctl_wait_ready(&mut self) {
        let mut n = 0;
        loop {
            settle(&mut *self.engine);
            if self.engine.ctl_ready.val() {
                return;
            }
            self.step();
            n += 1;
            assert!(n < 100_000, "control port never ready");
        }
    }

    pub fn ctl_write(&mut self, addr: u8, value: u32) {
        self.ctl_wait_ready();
        self.engine.ctl_addr.next = (addr as u64).to_bits();
        self.engine.ctl_wdata.next = (value as u64).to_bits();
        self.engine.ctl_write.next = true;
        self.step();
        self.engine.ctl_write.next = false;
    }

    pub fn ctl_read(&mut self, addr: u8) -> u32 {
        self.ctl_wait_ready();
        self.engine.ctl_addr.next = (addr as u64).to_bits();
        self.engine.ctl_read.next = true;
        self.step();
        self.engine.ctl_read.next = false;
        let mut n = 0;
        loop {
            settle(&mut *self.engine);
            if self.engine.ctl_rvalid.val() {
                let v = self.engine.ctl_rdata.val().to_u64() as u32;
                self.step();
                return v;
            }
            self.step();
            n += 1;
            assert!(n < 100_000, "control read never answered");
        }
    }

    fn ctl_read64(&mut self, lo: u8) -> u64 {
        let l = u64::from(self.ctl_read(lo));
        let h = u64::from(self.ctl_read(lo + 1));
        (h << 32) | l
    }

    /// Writes a command and waits until the core has taken it; returns the cycle in which
    /// a load or a resume takes effect: the core takes the command two cycles before the
    /// port is ready again and executes it the next, looks the holder up for three cycles and
    /// passes the token (arming its timer) in the fourth.
    fn command(&mut self, operation: u64) -> u64 {
        self.ctl_write(reg::COMMAND, operation as u32);
        self.ctl_wait_ready();
        self.cycle + 3
    }

    /// Steps to `cycle` (the engine's token-passing instant) so the model acts then too.
    fn step_to(&mut self, cycle: u64) {
        while self.cycle < cycle {
            self.step();
        }
    }

    /// The host software stops the engine (the first step of an epoch change or a repair).
    pub fn stop(&mut self) {
        self.command(op::STOP);
        self.model.stop();
    }

    /// The host software installs a new epoch with ring `members`, `first` holding the token;
    /// the log is kept as it is (keep = its length, no entries). `ours`: the log holds the
    /// message we have in flight.
    pub fn install(&mut self, epoch: u32, members: &[u8], first: u8) {
        self.ctl_write(reg::RING_CLEAR, 0);
        self.ctl_write(reg::RING_LEN, members.len() as u32);
        for (pos, &id) in members.iter().enumerate() {
            let next = members[(pos + 1) % members.len()];
            let word = u32::from(id) | ((pos as u32) << 8) | (u32::from(next) << 16);
            self.ctl_write(reg::RING_ENTRY, word);
        }
        let seq = self.model.log().len();
        self.ctl_write(reg::STAGE_EPOCH, epoch);
        self.ctl_write(reg::STAGE_SEQ_LO, seq as u32);
        self.ctl_write(reg::STAGE_SEQ_HI, (seq >> 32) as u32);
        self.ctl_write(reg::STAGE_HOLDER, u32::from(first));
        let at = self.command(op::LOAD_EPOCH);
        self.step_to(at);
        let load = EpochInstall {
            epoch,
            members: members.iter().map(|&m| HostId(m)).collect(),
            first: HostId(first),
            keep: seq,
            entries: Vec::new(),
        };
        let out = self.model.install(self.now_ns(), load);
        self.expect(out);
    }

    /// Gap repair: the host software appends `entries` (fetched from a peer) and resumes with
    /// the token at the successor of the last one's sender (or where it was).
    pub fn repair(&mut self, entries: &[Entry]) {
        for e in entries {
            self.ctl_write(reg::STAGE_SENDER, u32::from(e.sender.0));
            self.command(op::APPEND);
        }
        let holder = entries
            .last()
            .and_then(|e| self.model.ring().successor(e.sender))
            .unwrap_or(self.model.turn());
        self.ctl_write(reg::STAGE_HOLDER, u32::from(holder.0));
        let at = self.command(op::RESUME);
        self.step_to(at);
        let before = self.model.log().agreed();
        let out = self.model.repair(self.now_ns(), entries.to_vec());
        self.expect_agreed_record(before);
        self.expect(out);
    }

    // ---- Comparison ---------------------------------------------------------------------------

    /// Lets the engine finish (frames sent, records delivered), then compares what it did
    /// with what the model says it must have done. Returns the frames the engine sent, which
    /// the caller's network delivers back to it.
    pub fn check(&mut self, label: &str) -> Vec<Vec<u8>> {
        let mut quiet = 0;
        let mut waited = 0;
        // Quiet for 40 cycles, and nothing the model expects still on its way (a deadline
        // the model handled may have left its record in the engine's FIFO a cycle ago).
        while quiet < 40
            || self.seen.records.len() < self.expected.records.len()
            || self.seen.tx_frames.len() < self.expected.tx_frames.len()
        {
            self.step();
            let busy = self.engine.tx.valid.val()
                || self.engine.records.valid.val()
                || !self.record_buf.is_empty()
                || !self.tx_buf.is_empty();
            quiet = if busy { 0 } else { quiet + 1 };
            waited += 1;
            assert!(
                waited < 20_000,
                "{label}: the engine never goes quiet ({:?} expected)",
                self.expected
            );
        }
        let seen = std::mem::take(&mut self.seen);
        let expected = std::mem::take(&mut self.expected);
        assert_eq!(
            seen.verdicts, expected.verdicts,
            "{label}: verdicts (accepted, reason, decode check)"
        );
        assert_eq!(
            seen.records, expected.records,
            "{label}: records to the host"
        );
        assert_eq!(
            seen.tx_frames.len(),
            expected.tx_frames.len(),
            "{label}: frames sent"
        );
        for (i, (s, e)) in seen.tx_frames.iter().zip(&expected.tx_frames).enumerate() {
            assert_eq!(s, e, "{label}: sent frame {i}");
        }
        seen.tx_frames
    }

    /// Reads the engine's state through the control port and compares it with the model's.
    pub fn check_state(&mut self, label: &str, with_history: bool) {
        let status = self.ctl_read(reg::STATUS);
        let want_status = match self.model.status() {
            Status::Running => 0,
            Status::Stopped => 1,
            Status::Halted(kind) => 2 | ((kind.index() as u32) << 2),
        };
        let got_status = status & 0x3 | if status & 0x3 == 2 { status & 0x1c } else { 0 };
        assert_eq!(got_status, want_status, "{label}: status word {status:#x}");
        assert_eq!(
            self.ctl_read(reg::EPOCH),
            self.model.epoch(),
            "{label}: epoch"
        );
        assert_eq!(
            self.ctl_read64(reg::SEQ_LO),
            self.model.seq(),
            "{label}: seq"
        );
        assert_eq!(
            self.ctl_read64(reg::EPOCH_START_LO),
            self.model.epoch_start(),
            "{label}: epoch start"
        );
        assert_eq!(
            self.ctl_read64(reg::AGREED_LO),
            self.model.log().agreed(),
            "{label}: agreed"
        );
        let turn = self.ctl_read(reg::TURN);
        assert_eq!(
            turn & 0xff,
            u32::from(self.model.turn().0),
            "{label}: token holder"
        );
        assert_eq!(
            (turn >> 16) & 0x1ff,
            self.model.ring().len() as u32,
            "{label}: ring length"
        );
        let history: Vec<u8> = self.model.history().to_vec().iter().map(|h| h.0).collect();
        assert_eq!(
            self.ctl_read(reg::HISTORY_LEN) as usize,
            history.len(),
            "{label}: history length"
        );
        let mut bitmap = [0u32; 8];
        for (i, w) in bitmap.iter_mut().enumerate() {
            *w = self.ctl_read(reg::HISTORY_BITMAP_0 + i as u8);
        }
        for id in 0..256usize {
            let set = bitmap[id / 32] >> (id % 32) & 1 == 1;
            assert_eq!(
                set,
                history.contains(&(id as u8)),
                "{label}: history bitmap bit {id}"
            );
        }
        if with_history {
            for (i, &want) in history.iter().enumerate() {
                self.ctl_write(reg::HISTORY_INDEX, i as u32);
                assert_eq!(
                    self.ctl_read(reg::HISTORY_DATA),
                    u32::from(want),
                    "{label}: history[{i}]"
                );
            }
        }
        let c = self.model.counters().clone();
        let mut want: Vec<u64> = vec![c.accepted];
        want.extend(c.rejected);
        want.extend(c.anomalies);
        want.push(c.transmitted);
        for (i, &w) in want.iter().enumerate() {
            let got = self.ctl_read(reg::COUNTERS + i as u8);
            assert_eq!(
                u64::from(got),
                w & 0xffff_ffff,
                "{label}: counter {}",
                COUNTER_NAMES[i]
            );
        }
    }

    /// Malformed frames seen so far, by decode check (`frame_rx::malformed` order).
    pub fn decode_checks(&self) -> [u64; 9] {
        self.decode_checks
    }

    /// Frames the engine dropped unjudged (MAC errors, overruns).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }
}
