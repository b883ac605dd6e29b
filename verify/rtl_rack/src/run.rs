//! The co-simulation's runs: a workload, a scenario file, a seed's fault plan — each on the
//! Verilated rack, each stopped by the first RTL/model mismatch, which is then replayed from
//! the start with VCD tracing on for the window before it.

use crate::core::TraceWindow;
use crate::rack::{Mismatch, RtlOptions, RtlRack};
use crate::racks::RackSpec;
use exo_proto::model::RecoveryConfig;
use exo_proto::rng::Rng;
use exo_proto::HostId;
use exo_verify::net::{Picos, PS_PER_NS};
use exo_verify::rack::RackConfig;
use exo_verify::report::{Percentiles, Report, RunEnd};
use exo_verify::scenario::{Outcome, Scenario};
use exo_verify::swarm::{self, Plan, Shape};
use exo_verify::view::{RackDriver, RackView};
use exo_verify::workload::{self, payload_of, Limits};
use std::path::{Path, PathBuf};

/// Global cycles recorded before a mismatch (and a few after).
pub const WAVE_BEFORE: u64 = 2_000;
const WAVE_AFTER: u64 = 16;

/// What the RTL rack measured, beside the rack simulator's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RtlFigures {
    /// The Verilated rack (`n5`, …).
    pub rack: String,
    pub clock_mhz: f64,
    /// Global rack cycles simulated.
    pub cycles: u64,
    pub wall_seconds: f64,
    /// Simulation speed: rack cycles (every engine, MAC and the fabric) per wall second.
    pub cycles_per_sec: f64,
    /// Engine turnaround: from the last byte of the frame that passed the token to our first
    /// byte on the transmit stream.
    pub turnaround_cycles: Percentiles,
    /// Token hop: from one accepted frame's last byte to the next one's, at one host.
    pub hop_cycles: Percentiles,
    pub hop_ns: Percentiles,
    /// Simulated time per agreed message.
    pub ns_per_message: f64,
    pub mismatches: usize,
    /// The first RTL/model mismatch, if any.
    pub mismatch: Option<String>,
    pub waveform: Option<String>,
}

impl RtlFigures {
    pub fn of(rack: &RtlRack, report: &Report, mismatch: Option<&Mismatch>) -> RtlFigures {
        let wall = rack.wall().as_secs_f64();
        let cycle_ns = exo_engine::params::CYCLE_NS;
        let hops = Percentiles::of(rack.hops().to_vec());
        RtlFigures {
            rack: rack.spec().tag.to_string(),
            clock_mhz: exo_engine::params::CLOCK_MHZ,
            cycles: rack.cycles(),
            wall_seconds: wall,
            cycles_per_sec: if wall > 0.0 {
                rack.cycles() as f64 / wall
            } else {
                0.0
            },
            turnaround_cycles: Percentiles::of(rack.turnarounds()),
            hop_ns: Percentiles {
                p50: hops.p50 * cycle_ns,
                p99: hops.p99 * cycle_ns,
                max: hops.max * cycle_ns,
                samples: hops.samples,
            },
            hop_cycles: hops,
            ns_per_message: if report.msgs_per_sec > 0.0 {
                1e9 / report.msgs_per_sec
            } else {
                0.0
            },
            mismatches: usize::from(mismatch.is_some()),
            mismatch: mismatch.map(|m| m.to_string()),
            waveform: mismatch
                .and_then(|m| m.waveform.as_ref())
                .map(|p| p.display().to_string()),
        }
    }
}

/// Where mismatch waveforms go: `EXO_WAVE_DIR`, or the project's `build/rtl-waves`.
pub fn wave_dir() -> PathBuf {
    std::env::var_os("EXO_WAVE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../build/rtl-waves"),
        PathBuf::from,
    )
}

/// Runs `run` once; on a mismatch, runs it again from the start with tracing on for the
/// window before the mismatch, and names the VCD in the mismatch. The replay must stop at
/// the same cycle with the same difference (the run is deterministic), else that is reported.
pub fn with_waveform<T>(
    label: &str,
    opts: RtlOptions,
    run: impl Fn(RtlOptions) -> Result<(T, Option<Mismatch>), String>,
) -> Result<(T, Option<Mismatch>), String> {
    let (first, mismatch) = run(opts.clone())?;
    let Some(m) = mismatch else {
        return Ok((first, None));
    };
    let path = wave_dir().join(format!("{label}-seed-{}-host-{}.vcd", m.seed, m.diff.host));
    let traced = RtlOptions {
        trace: Some(TraceWindow {
            from: m.cycle.saturating_sub(WAVE_BEFORE),
            to: m.cycle + WAVE_AFTER,
            path: path.clone(),
        }),
        ..opts
    };
    let (_, again) = run(traced)?;
    let mut m = m;
    match again {
        Some(a) if a.cycle == m.cycle && a.diff == m.diff => m.waveform = Some(path),
        other => {
            m.diff.what = format!(
                "{} (and the replay did not reproduce it: {:?})",
                m.diff.what,
                other.map(|a| a.cycle)
            );
        }
    }
    Ok((first, Some(m)))
}

/// The settings of the co-simulation's fault sweeps: the rack model's defaults with a 2 µs
/// out-of-band network and recovery timers scaled to it, so that a seed's faults and their
/// recovery fit in about a millisecond of simulated time (every cycle of it simulated).
pub fn sweep_config(n: usize, seed: u64) -> RackConfig {
    let mut cfg = RackConfig::new(n, seed);
    cfg.net.oob_latency_ns = 2_000;
    cfg.recovery = RecoveryConfig {
        change_timeout: 60_000,
        collect_window: 5_000,
        repair_timeout: 40_000,
        join_interval: 30_000,
        ..RecoveryConfig::epochs()
    };
    cfg
}

/// A sweep seed's fault period and episodes.
pub const SWEEP_SHAPE: Shape = Shape {
    period: 300_000 * PS_PER_NS,
    episode_ns: (5_000, 100_000),
};

/// Messages per host in a sweep seed.
pub const SWEEP_MESSAGES_PER_HOST: u64 = 16;

/// One seed of the co-simulation's fault sweep.
pub struct SeedRun {
    pub seed: u64,
    pub plan: Plan,
    pub report: Report,
    pub rtl: RtlFigures,
    pub mismatch: Option<Mismatch>,
    /// The rack whole again after the faults (see [`RtlRack::converged`]).
    pub converged: bool,
}

/// Runs seed `seed` on the rack `spec`: the seed's fault plan in a 300 µs fault period, 16
/// messages per host of 0 to 64 random bytes, until, after the faults stop, every live host
/// is back in normal operation and every message is agreed (or lost with its host), or one
/// progress bound has passed (not converged). Odd seeds boot cold, even seeds post first and
/// load the boot epoch through the control port.
pub fn sweep_seed(seed: u64, spec: &RackSpec) -> Result<SeedRun, String> {
    let n = spec.hosts;
    let plan = swarm::plan_with(seed, n, SWEEP_SHAPE);
    let opts = RtlOptions {
        cold: seed % 2 == 1,
        trace: None,
    };
    let label = format!("sweep-{}", spec.tag);
    let ((report, rtl, converged), mismatch) = with_waveform(&label, opts, |opts| {
        let mut rack = RtlRack::on(sweep_config(n, seed), *spec, opts)?;
        let converged = drive_seed(&mut rack, &plan, seed);
        let report = Report::new(&rack, 64, RunEnd::TimeLimit);
        let m = rack.take_mismatch();
        let rtl = RtlFigures::of(&rack, &report, m.as_ref());
        Ok(((report, rtl, converged), m))
    })?;
    Ok(SeedRun {
        seed,
        plan,
        report,
        rtl,
        mismatch,
        converged,
    })
}

fn drive_seed(rack: &mut RtlRack, plan: &Plan, seed: u64) -> bool {
    let n = rack.n();
    rack.enforce_progress_from(SWEEP_SHAPE.period);
    for (at, action) in &plan.actions {
        rack.schedule(*at, action.clone());
    }
    let mut rng = Rng::new(seed ^ 0x10AD);
    for k in 0..SWEEP_MESSAGES_PER_HOST * n as u64 {
        let len = rng.range(0, 64) as usize;
        rack.submit(HostId((k % n as u64) as u8), payload_of(k, len));
    }
    let deadline: Picos = SWEEP_SHAPE.period + rack.progress().bound();
    let converged = loop {
        if rack.now() >= SWEEP_SHAPE.period && rack.converged() {
            break true;
        }
        if rack.now() >= deadline || !rack.step() {
            break false;
        }
    };
    rack.finish();
    converged
}

/// A workload run (`exo sim --rtl`): `messages` messages of `payload` bytes submitted at time
/// zero, round-robin, until they are agreed everywhere, the rack stalls, or time runs out.
/// `setup` may apply faults before the first cycle.
pub fn workload_run(
    cfg: RackConfig,
    messages: usize,
    payload: usize,
    limits: Limits,
    on_progress: &mut dyn FnMut(usize),
    setup: &mut dyn FnMut(&mut RtlRack),
) -> Result<(RtlRack, RunEnd, Option<Mismatch>), String> {
    let cell = std::cell::RefCell::new(on_progress);
    let setup = std::cell::RefCell::new(setup);
    let ((rack, end), m) = with_waveform("sim", RtlOptions::default(), |opts| {
        let mut rack = RtlRack::new(cfg.clone(), opts)?;
        (setup.borrow_mut())(&mut rack);
        workload::submit_all(&mut rack, messages, payload);
        let end = workload::run(&mut rack, limits, &mut |a| (cell.borrow_mut())(a));
        let m = rack.take_mismatch();
        Ok(((rack, end), m))
    })?;
    Ok((rack, end, m))
}

/// A scenario file on the RTL rack.
pub fn scenario_run(
    scenario: &Scenario,
    seed: u64,
) -> Result<(Outcome<RtlRack>, Option<Mismatch>), String> {
    let label = format!("scenario-{}", scenario.name.replace(['/', ' ', '.'], "_"));
    with_waveform(&label, RtlOptions::default(), |opts| {
        let rack = RtlRack::new(scenario.rack_config(seed), opts)?;
        let mut outcome = scenario.run_on(rack);
        let m = outcome.rack.take_mismatch();
        Ok((outcome, m))
    })
}
