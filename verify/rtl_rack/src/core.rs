//! The Verilated rack and its clocks: global cycles (every clock), engine-only cycles (one
//! engine's clock while the network stands still), and reading each engine's outputs once
//! per engine cycle into its [`Lane`].
//!
//! A global cycle: the harness drives the inputs (links, posts), evaluates with every clock
//! low, reads every engine's outputs, lets the host software act (which may run engine-only
//! cycles), commits the transfers between engines and MACs, and raises every clock.
//!
//! Engine-only cycles carry the host software's control-port operations and replays: the
//! engine's `freeze` input holds its transmit stream and feeds its receive stream from the
//! replay port, and only its clock moves, so an operation lands between the same two frames
//! as in the golden model, which applies it at once. The engine's cycle count (`Lane::e`)
//! counts those cycles too; every time the engine and its model exchange is in engine cycles.

use crate::lane::{Lane, Seen, Snapshot};
use crate::links::{Gmii, Link};
use crate::model::{Model, Pin};
use crate::pins::HostPins;
use std::path::PathBuf;

/// A window of global cycles to record as VCD.
#[derive(Debug, Clone)]
pub struct TraceWindow {
    pub from: u64,
    pub to: u64,
    pub path: PathBuf,
}

/// A post being streamed into an engine.
#[derive(Debug, Clone)]
pub struct PostStream {
    pub bytes: Vec<u8>,
    pub pos: usize,
    pub payload: Vec<u8>,
    /// The last byte may go (committing the post) only when the rack says so.
    pub may_finish: bool,
}

pub struct Core {
    pub model: Model,
    pub pins: Vec<HostPins>,
    clk: Pin,
    /// Global cycles so far.
    pub g: u64,
    pub lanes: Vec<Lane>,
    pub up: Vec<Link>,
    pub down: Vec<Link>,
    pub posts: Vec<Option<PostStream>>,
    /// Posts whose last byte moved this cycle: (host, payload).
    pub posted: Vec<(usize, Vec<u8>)>,
    pub replay_bytes: u64,
    trace: Option<TraceWindow>,
    tracing: bool,
    trace_time: u64,
}

/// Picoseconds per evaluation in the VCD: half a 125 MHz cycle.
const HALF_CYCLE_PS: u64 = 4_000;

impl Core {
    pub fn new(model: Model, trace: Option<TraceWindow>) -> Core {
        let n = model.spec.hosts;
        let pins = (0..n).map(|i| HostPins::new(&model, i)).collect();
        let clk = model.pin("clk");
        let mut core = Core {
            model,
            pins,
            clk,
            g: 0,
            lanes: (0..n).map(Lane::new).collect(),
            up: (0..n).map(|_| Link::default()).collect(),
            down: (0..n).map(|_| Link::default()).collect(),
            posts: vec![None; n],
            posted: Vec::new(),
            replay_bytes: 0,
            trace,
            tracing: false,
            trace_time: 0,
        };
        for i in 0..n {
            let p = core.pins[i];
            core.model.set(p.rec_ready, 1);
            core.model.set(p.cold, 1);
        }
        core
    }

    pub fn n(&self) -> usize {
        self.lanes.len()
    }

    fn eval(&mut self) {
        self.model.eval();
        if self.tracing {
            self.model.trace_dump(self.trace_time);
        }
        self.trace_time += HALF_CYCLE_PS;
    }

    fn trace_window(&mut self) {
        let Some(w) = &self.trace else { return };
        if self.g == w.from && !self.tracing {
            let path = w.path.clone();
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            self.tracing = self.model.trace_open(&path).is_ok();
        }
        if self.g >= w.to && self.tracing {
            self.model.trace_close();
            self.tracing = false;
            self.trace = None;
        }
    }

    // ---- Global cycles ------------------------------------------------------------------

    /// Drives the links and posts, evaluates with every clock low, and reads every engine.
    pub fn begin_cycle(&mut self) -> Vec<Seen> {
        self.trace_window();
        for i in 0..self.n() {
            let p = self.pins[i];
            self.up[i]
                .output()
                .drive(&mut self.model, p.up_rxd, p.up_rx_dv, p.up_rx_er);
            self.down[i]
                .output()
                .drive(&mut self.model, p.dn_rxd, p.dn_rx_dv, p.dn_rx_er);
            self.drive_post(i);
        }
        self.model.set(self.clk, 0);
        self.eval();
        (0..self.n()).map(|i| self.observe(i, false)).collect()
    }

    fn drive_post(&mut self, i: usize) {
        let p = self.pins[i];
        let (valid, data, last) = match &self.posts[i] {
            Some(s) => {
                let last = s.pos + 1 == s.bytes.len();
                (!last || s.may_finish, s.bytes[s.pos], last)
            }
            None => (false, 0, false),
        };
        let live = self.lanes[i].live;
        self.model.set(p.post_valid, u64::from(valid && live));
        self.model.set(p.post_data, u64::from(data));
        self.model.set(p.post_last, u64::from(last));
    }

    /// What the sending MACs put on the links this cycle.
    pub fn link_inputs(&self, i: usize) -> (Gmii, Gmii) {
        let p = self.pins[i];
        (
            Gmii::read(&self.model, p.up_txd, p.up_tx_en, p.up_tx_er),
            Gmii::read(&self.model, p.dn_txd, p.dn_tx_en, p.dn_tx_er),
        )
    }

    /// Commits the transfers between engines and MACs and raises every clock.
    pub fn end_cycle(&mut self) {
        for i in 0..self.n() {
            self.commit_transfers(i);
        }
        self.model.set(self.clk, 1);
        for i in 0..self.n() {
            self.model.set(self.pins[i].eclk, 1);
        }
        self.eval();
        self.model.set(self.clk, 0);
        for i in 0..self.n() {
            self.model.set(self.pins[i].eclk, 0);
            self.lanes[i].e += 1;
        }
        self.g += 1;
    }

    /// Transmit beats and post beats move only when the MACs' clock moves too.
    fn commit_transfers(&mut self, i: usize) {
        let p = self.pins[i];
        if !self.lanes[i].live {
            return;
        }
        if self.model.bit(p.tx_fire) {
            let (data, last) = (self.model.get(p.tx_data) as u8, self.model.bit(p.tx_last));
            let g = self.g;
            self.lanes[i].tx_beat(data, last, g);
        }
        let moves = self.model.bit(p.post_valid) && self.model.bit(p.post_ready);
        if let (true, Some(s)) = (moves, self.posts[i].as_mut()) {
            s.pos += 1;
            if s.pos == s.bytes.len() {
                let payload = std::mem::take(&mut s.payload);
                self.posts[i] = None;
                self.posted.push((i, payload));
            }
        }
    }

    // ---- Reading an engine ----------------------------------------------------------------

    /// Reads engine `i`'s outputs for its current cycle (once per engine cycle).
    fn observe(&mut self, i: usize, frozen: bool) -> Seen {
        let p = self.pins[i];
        let m = &self.model;
        let lane = &mut self.lanes[i];
        let mut seen = Seen::default();
        if !lane.live || lane.observed == Some(lane.e) {
            return seen;
        }
        lane.observed = Some(lane.e);
        if m.bit(p.rx_valid) {
            let (data, last, error) = (m.get(p.rx_data) as u8, m.bit(p.rx_last), m.bit(p.rx_error));
            lane.rx_beat(data, last, error, frozen);
        }
        lane.tx_valid(m.bit(p.tx_valid), frozen);
        if m.bit(p.ev_verdict) {
            let v = (m.bit(p.ev_accept), m.get(p.ev_reason), m.get(p.ev_detail));
            if let Some(f) = lane.judged(Some(v)) {
                seen.verdict = Some((v, f));
            }
        }
        if m.bit(p.ev_dropped) {
            seen.dropped = lane.judged(None);
        }
        if m.bit(p.rec_valid) {
            lane.record_beat(m.get(p.rec_data) as u8, m.bit(p.rec_last));
        }
        if let Some((at, _, _)) = &lane.check {
            if *at <= lane.e {
                let got = probe(m, &p);
                if let Some((_, want, label)) = lane.check.take() {
                    if got != want {
                        lane.fail(&label, format!("{want:?}"), format!("{got:?}"));
                    }
                }
            }
        }
        lane.compare();
        seen
    }

    /// The engine's protocol state as its probes show it.
    pub fn probe(&self, i: usize) -> Snapshot {
        probe(&self.model, &self.pins[i])
    }

    // ---- Engine-only cycles -----------------------------------------------------------------

    /// Stops the network for engine `i`: its transmit stream waits, its receive stream is
    /// the replay port, no post moves.
    pub fn freeze(&mut self, i: usize) {
        let p = self.pins[i];
        self.model.set(p.freeze, 1);
        self.model.set(p.post_valid, 0);
        self.model.set(p.rp_valid, 0);
    }

    /// One engine-only cycle: evaluate with its clock low, read it, raise its clock.
    /// `rp` is the replay byte to present (data, last).
    pub fn engine_low(&mut self, i: usize, rp: Option<(u8, bool)>) -> Seen {
        let p = self.pins[i];
        self.model.set(p.rp_valid, u64::from(rp.is_some()));
        let (data, last) = rp.unwrap_or((0, false));
        self.model.set(p.rp_data, u64::from(data));
        self.model.set(p.rp_last, u64::from(last));
        if rp.is_some() {
            self.replay_bytes += 1;
        }
        self.eval();
        self.observe(i, true)
    }

    pub fn engine_high(&mut self, i: usize) {
        let p = self.pins[i];
        self.model.set(p.eclk, 1);
        self.eval();
        self.model.set(p.eclk, 0);
        self.lanes[i].e += 1;
        self.model.set(p.rp_valid, 0);
    }

    /// Lets the network go again and reads the engine's new cycle.
    pub fn thaw(&mut self, i: usize) -> Seen {
        let p = self.pins[i];
        self.model.set(p.freeze, 0);
        self.model.set(p.rp_valid, 0);
        self.drive_post(i);
        self.eval();
        self.observe(i, false)
    }

    pub fn set(&mut self, pin: Pin, value: u64) {
        self.model.set(pin, value);
    }

    pub fn get(&self, pin: Pin) -> u64 {
        self.model.get(pin)
    }

    /// Holds engine `i` in reset (a crash) or lets it boot again without its state.
    pub fn set_reset(&mut self, i: usize, on: bool) {
        let p = self.pins[i];
        self.model.set(p.rst, u64::from(on));
        self.model.set(p.cold, 0);
    }

    /// Engines boot with the cluster (`cold`) or as restarted hosts that wait for a load.
    pub fn set_cold(&mut self, cold: bool) {
        for i in 0..self.n() {
            let p = self.pins[i];
            self.model.set(p.cold, u64::from(cold));
        }
    }
}

fn probe(m: &Model, p: &HostPins) -> Snapshot {
    let status = m.get(p.p_status);
    Snapshot {
        status,
        halt_kind: (status == 2).then(|| m.get(p.p_kind)),
        epoch: m.get(p.p_epoch),
        seq: m.get(p.p_seq),
        epoch_start: m.get(p.p_start),
        agreed: m.get(p.p_agreed),
        holder: m.get(p.p_holder),
        in_flight: m.bit(p.p_if_valid).then(|| m.get(p.p_if_seq)),
        history: m.get(p.p_hist),
    }
}
