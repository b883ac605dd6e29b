//! Engine-only cycles for one `RtlEngine`: the control port's handshake (as
//! `docs/engine.md` specifies it and the engine's golden bench drives it), replays of held
//! frames through the receive stream, and the full state read back through the registers.
//!
//! A cycle is `low` (evaluate with the engine's clock low and read its outputs once), `poll`
//! (the mirror's deadlines at this cycle), `high` (the engine's clock rises). A command's
//! effect cycle follows the engine's timing: the port is ready again two cycles after the
//! core took the command; a stop has taken effect then, a load or a resume three cycles later
//! (with its token pass).

use crate::engine::RtlEngine;
use crate::lane::Snapshot;
use exo_engine::host_if::{reg, COUNTER_NAMES};
use exo_proto::model::Output;

/// Engine cycles a control handshake may take before the harness calls the engine stuck.
const CTL_PATIENCE: u64 = 100_000;

impl RtlEngine {
    /// Evaluates with the engine's clock low (presenting replay byte `rp`) and reads it.
    pub(crate) fn low(&mut self, rp: Option<(u8, bool)>) {
        let seen = self.core.borrow_mut().engine_low(self.i, rp);
        if let Some((verdict, frame)) = seen.verdict {
            // Only a replayed frame can arrive while the network stands still.
            self.replayed = Some(self.judge(verdict, &frame.bytes));
        }
        if seen.dropped.is_some() {
            // The engine had no room for it: as if the replayed frame were lost.
            self.replayed = Some(Vec::new());
        }
    }

    pub(crate) fn high(&mut self) {
        self.core.borrow_mut().engine_high(self.i);
    }

    pub(crate) fn step(&mut self, rp: Option<(u8, bool)>) {
        self.low(rp);
        self.poll();
        self.high();
    }

    fn ready(&self) -> bool {
        let core = self.core.borrow();
        core.get(core.pins[self.i].ctl_ready) != 0
    }

    fn stuck(&mut self, what: &str) {
        self.core.borrow_mut().lanes[self.i].fail(
            "the control port",
            format!("{what} within {CTL_PATIENCE} cycles"),
            "never".into(),
        );
    }

    /// Steps until the port takes a request; returns with this cycle's low half done.
    pub(crate) fn wait_ready(&mut self) {
        for _ in 0..CTL_PATIENCE {
            self.low(None);
            if self.ready() {
                return;
            }
            self.poll();
            self.high();
        }
        self.stuck("ready");
    }

    pub(crate) fn ctl_write(&mut self, addr: u8, value: u32) {
        self.wait_ready();
        let p = self.core.borrow().pins[self.i];
        let mut core = self.core.borrow_mut();
        core.set(p.ctl_addr, u64::from(addr));
        core.set(p.ctl_wdata, u64::from(value));
        core.set(p.ctl_write, 1);
        drop(core);
        self.step(None);
        self.core.borrow_mut().set(p.ctl_write, 0);
    }

    /// Writes a command; returns the cycle the port is ready again (low half done), where a
    /// stop has taken effect.
    pub(crate) fn command(&mut self, operation: u64) -> u64 {
        self.ctl_write(reg::COMMAND, operation as u32);
        self.wait_ready();
        self.core.borrow().lanes[self.i].e
    }

    /// From a done low half, steps to cycle `at` and does its low half.
    pub(crate) fn step_to(&mut self, at: u64) {
        while self.core.borrow().lanes[self.i].e < at {
            self.poll();
            self.high();
            self.low(None);
        }
    }

    pub(crate) fn ctl_read(&mut self, addr: u8) -> u32 {
        self.wait_ready();
        let p = self.core.borrow().pins[self.i];
        let mut core = self.core.borrow_mut();
        core.set(p.ctl_addr, u64::from(addr));
        core.set(p.ctl_read, 1);
        drop(core);
        self.step(None);
        self.core.borrow_mut().set(p.ctl_read, 0);
        for _ in 0..CTL_PATIENCE {
            self.low(None);
            let (valid, data) = {
                let core = self.core.borrow();
                (core.get(p.ctl_rvalid) != 0, core.get(p.ctl_rdata) as u32)
            };
            self.poll();
            self.high();
            if valid {
                return data;
            }
        }
        self.stuck("a read answered");
        0
    }

    fn ctl_read64(&mut self, lo: u8) -> u64 {
        let l = u64::from(self.ctl_read(lo));
        (u64::from(self.ctl_read(lo + 1)) << 32) | l
    }

    /// The software replays a frame it held: through the receive stream, byte by byte, then
    /// the mirror judges it at the engine's verdict.
    pub(crate) fn replay(&mut self, bytes: &[u8]) -> Vec<Output> {
        self.begin_op();
        self.replayed = None;
        for (k, &b) in bytes.iter().enumerate() {
            self.step(Some((b, k + 1 == bytes.len())));
        }
        for _ in 0..64 {
            if self.replayed.is_some() {
                break;
            }
            self.step(None);
        }
        // Part of the gap a MAC leaves between frames, before anything else.
        for _ in 0..4 {
            self.step(None);
        }
        self.replayed.take().unwrap_or_else(|| {
            let mut core = self.core.borrow_mut();
            core.lanes[self.i].fail(
                "a replayed frame",
                "a verdict".into(),
                "none within 64 cycles".into(),
            );
            Vec::new()
        })
    }

    /// Reads the whole state back through the registers — status, epoch, seq, epoch start,
    /// agreement pointer, holder, ring length, the history in order and every counter the
    /// model keeps — and compares it with the mirror.
    pub fn readback_check(&mut self) {
        self.begin_op();
        let got = self.read_registers();
        let want = registers_of(&self.mirror);
        for ((name, g), (_, w)) in got.iter().zip(&want) {
            if g != w {
                self.core.borrow_mut().lanes[self.i].fail(
                    &format!("register {name} read back through the control port"),
                    format!("{w}"),
                    format!("{g}"),
                );
                break;
            }
        }
        self.thaw();
    }

    fn read_registers(&mut self) -> Vec<(String, u64)> {
        let status = self.ctl_read(reg::STATUS);
        let code = status & 3;
        let mut regs = vec![
            ("status".to_string(), u64::from(code)),
            (
                "halt kind".into(),
                if code == 2 {
                    u64::from(status >> 2 & 7)
                } else {
                    0
                },
            ),
            ("epoch".into(), u64::from(self.ctl_read(reg::EPOCH))),
            ("seq".into(), self.ctl_read64(reg::SEQ_LO)),
            ("epoch start".into(), self.ctl_read64(reg::EPOCH_START_LO)),
            ("agreed".into(), self.ctl_read64(reg::AGREED_LO)),
        ];
        let turn = self.ctl_read(reg::TURN);
        regs.push(("holder".into(), u64::from(turn & 0xff)));
        regs.push(("ring length".into(), u64::from(turn >> 16 & 0x1ff)));
        let len = self.ctl_read(reg::HISTORY_LEN);
        regs.push(("history length".into(), u64::from(len)));
        for k in 0..len.min(256) {
            self.ctl_write(reg::HISTORY_INDEX, k);
            let id = self.ctl_read(reg::HISTORY_DATA);
            regs.push((format!("history[{k}]"), u64::from(id)));
        }
        for (k, name) in COUNTER_NAMES.iter().enumerate().take(MODEL_COUNTERS) {
            let v = self.ctl_read(reg::COUNTERS + k as u8);
            regs.push((format!("counter {name}"), u64::from(v)));
        }
        regs
    }
}

/// Counters the model keeps too: accepted, 13 reject reasons, 6 anomalies, transmitted.
const MODEL_COUNTERS: usize = 21;

/// The same registers from the golden model.
fn registers_of(host: &exo_proto::model::Host) -> Vec<(String, u64)> {
    let s = Snapshot::of(host);
    let history: Vec<u64> = host
        .history()
        .to_vec()
        .iter()
        .map(|h| u64::from(h.0))
        .collect();
    let mut regs = vec![
        ("status".to_string(), s.status),
        ("halt kind".into(), s.halt_kind.unwrap_or(0)),
        ("epoch".into(), s.epoch),
        ("seq".into(), s.seq),
        ("epoch start".into(), s.epoch_start),
        ("agreed".into(), s.agreed),
        ("holder".into(), s.holder),
        ("ring length".into(), host.ring().len() as u64),
        ("history length".into(), history.len() as u64),
    ];
    for (k, id) in history.iter().enumerate() {
        regs.push((format!("history[{k}]"), *id));
    }
    let c = host.counters();
    let counters = std::iter::once(c.accepted)
        .chain(c.rejected)
        .chain(c.anomalies)
        .chain([c.transmitted]);
    for (name, v) in COUNTER_NAMES.iter().zip(counters) {
        regs.push((format!("counter {name}"), v & 0xffff_ffff));
    }
    regs
}
