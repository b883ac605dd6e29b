//! The Verilated rack held to the golden model (see `exo_rtl_rack`).
//!
//! - 200 seeds at n = 5 and 20 at n = 16 of the co-simulation's fault sweep (loss,
//!   corruption, partitions, cuts, crashes with and without restart, scripted drops on the RTL
//!   links): every verdict, record, transmitted frame and state equal to the model's, zero
//!   safety and progress violations, every message agreed after the faults;
//! - the slides' walkthroughs and the brief's trace as scenario files on the RTL;
//! - agreed logs equal to the rack simulator's for a fault-free run;
//! - an engine built without the history check is caught, with a waveform.
//!
//! Seeds start at `EXO_SEED_BASE` (default 1); each seed is printed, and a failure names the
//! command that replays it: `exo sim --rtl --faults swarm --nodes N --seed S`.

use exo_proto::model::Host;
use exo_proto::HostId;
use exo_rtl_rack::racks::{RackSpec, RACKS};
use exo_rtl_rack::run::{self, sweep_seed, with_waveform};
use exo_rtl_rack::{RtlOptions, RtlRack};
use exo_verify::rack::{Rack, RackConfig};
use exo_verify::view::{RackDriver, RackView};
use exo_verify::workload::{self, Limits};
use std::path::Path;

fn seed_base() -> u64 {
    std::env::var("EXO_SEED_BASE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

fn rack(tag: &str) -> RackSpec {
    *RACKS.iter().find(|r| r.tag == tag).expect("a built rack")
}

/// What a sweep exercised, to show the faults really happened.
#[derive(Debug, Default)]
struct Coverage {
    agreed: u64,
    epoch_changes: u64,
    gap_repairs: u64,
    fcs_errors: u64,
    lost: u64,
    partitioned: u64,
    scripted_drops: u64,
    crashed: usize,
    cycles: u64,
}

/// `EXO_RTL_SEEDS` overrides a sweep's seed count (to replay a stretch of seeds quickly).
fn seeds(default: u64) -> u64 {
    std::env::var("EXO_RTL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn sweep(tag: &str, seeds: u64) {
    let spec = rack(tag);
    let base = seed_base();
    let mut failures = Vec::new();
    let mut cov = Coverage::default();
    let t0 = std::time::Instant::now();
    for seed in base..base + seeds {
        let r = sweep_seed(seed, &spec).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let rep = &r.report;
        eprintln!(
            "rtl sweep {tag} seed {seed}: {} cycles, {} of {} messages agreed ({} lost in \
             crashes), {} epoch changes, {} repairs, kinds {:?}",
            r.rtl.cycles,
            rep.messages_agreed,
            rep.messages_submitted,
            rep.messages_lost,
            rep.recovery.epoch_changes,
            rep.recovery.gap_repairs,
            r.plan.kinds
        );
        let bad = r.mismatch.is_some()
            || rep.safety_violations > 0
            || rep.progress_violations > 0
            || !r.converged
            || rep.frames.undetected_corruption > 0;
        if bad {
            failures.push(format!(
                "seed {seed}: mismatch {}, {} safety violations {:?}, {} progress violations, \
                 converged {}, undetected corruption {}; replay: exo sim --rtl --faults swarm \
                 --nodes {} --seed {seed}",
                r.mismatch.as_ref().map_or("none".into(), |m| m.to_string()),
                rep.safety_violations,
                rep.first_safety_violations.first(),
                rep.progress_violations,
                r.converged,
                rep.frames.undetected_corruption,
                spec.hosts
            ));
        }
        cov.agreed += rep.entries_agreed;
        cov.epoch_changes += rep.recovery.epoch_changes;
        cov.gap_repairs += rep.recovery.gap_repairs;
        cov.fcs_errors += rep.frames.fcs_errors;
        cov.lost += rep.frames.lost_uplink + rep.frames.lost_downlink;
        cov.partitioned += rep.frames.blocked_by_partition;
        cov.scripted_drops += rep.frames.dropped_scripted;
        cov.crashed += r
            .plan
            .actions
            .iter()
            .filter(|(_, a)| matches!(a, exo_verify::rack::Action::Crash(_)))
            .count();
        cov.cycles += r.rtl.cycles;
    }
    let wall = t0.elapsed().as_secs_f64();
    eprintln!(
        "rtl sweep {tag}: {seeds} seeds in {wall:.1} s ({:.0} rack cycles/s): {cov:?}",
        cov.cycles as f64 / wall
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (what, v) in [
        ("agreed entries", cov.agreed),
        ("epoch changes", cov.epoch_changes),
        ("gap repairs", cov.gap_repairs),
        ("FCS errors", cov.fcs_errors),
        ("losses", cov.lost),
        ("partitioned frames", cov.partitioned),
        ("scripted drops", cov.scripted_drops),
        ("crashes", cov.crashed as u64),
    ] {
        assert!(v > 0, "no {what} in the whole sweep: {cov:?}");
    }
}

#[test]
fn five_hosts_two_hundred_seeds_of_mixed_faults() {
    sweep("n5", seeds(200));
}

#[test]
fn sixteen_hosts_twenty_seeds_of_mixed_faults() {
    sweep("n16", seeds(20));
}

fn scenario(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("scenario file");
    let s = exo_verify::scenario::parse(file, &text).expect("valid scenario");
    let (outcome, mismatch) = run::scenario_run(&s, 1).expect("the RTL rack runs it");
    if let Some(m) = &mismatch {
        panic!("{file}: {m}");
    }
    let failed: Vec<_> = outcome
        .expectations
        .iter()
        .filter(|e| !e.failures.is_empty())
        .collect();
    assert!(
        failed.is_empty(),
        "{file}: {failed:#?} {:?}",
        outcome.errors
    );
    assert!(outcome.passed(), "{file}: {:?}", outcome.errors);
    eprintln!(
        "{file} on the RTL: {} expectations hold, {} rack cycles",
        outcome.expectations.len(),
        outcome.rack.cycles()
    );
}

#[test]
fn the_slides_normal_case_walkthrough_on_the_rtl() {
    scenario("normal-case.toml");
}

#[test]
fn the_partition_heals_on_the_rtl() {
    scenario("partition-heal.toml");
}

#[test]
fn the_briefs_trace_converges_on_the_rtl() {
    scenario("brief-trace.toml");
}

fn agreed_log(host: &Host) -> Vec<(u64, u8, Vec<u8>)> {
    host.log()
        .agreed_entries()
        .iter()
        .map(|e| (e.seq, e.sender.0, e.payload.clone()))
        .collect()
}

/// With every payload posted before the start and no faults, the RTL rack agrees exactly the
/// log the rack simulator agrees.
#[test]
fn agreed_logs_equal_the_rack_simulators() {
    let limits = Limits {
        max_time: 1_000_000_000_000,
        stall: 100_000_000_000,
    };
    let (rtl, _, m) = run::workload_run(
        RackConfig::new(5, 3),
        300,
        12,
        limits,
        &mut |_| {},
        &mut |_| {},
    )
    .expect("RTL run");
    assert!(
        m.is_none(),
        "{}",
        m.map(|m| m.to_string()).unwrap_or_default()
    );
    let mut model = Rack::new(RackConfig::new(5, 3)).expect("model rack");
    workload::submit_all(&mut model, 300, 12);
    workload::run(&mut model, limits, &mut |_| {});
    for i in 0..5 {
        let id = HostId(i);
        let (a, b) = (rtl.host(id).expect("live"), model.host(id).expect("live"));
        assert_eq!(agreed_log(a), agreed_log(b), "host {i}'s agreed log");
    }
    assert_eq!(rtl.messages_agreed(), 300);
}

/// Runs 30 messages on `spec` with host 1 forging a frame claiming the next position with
/// itself in the history.
fn forged(
    spec: RackSpec,
    opts: RtlOptions,
) -> Result<((), Option<exo_rtl_rack::Mismatch>), String> {
    let mut rack = RtlRack::on(RackConfig::new(3, 7), spec, opts)?;
    workload::submit_all(&mut rack, 30, 4);
    rack.run_until(20_000_000);
    rack.forge_after(HostId(1));
    let limits = Limits {
        max_time: 1_000_000_000,
        stall: 100_000_000,
    };
    workload::run(&mut rack, limits, &mut |_| {});
    let rejected = rack.total_counters().rejected_by("sender-in-history");
    let m = rack.take_mismatch();
    if m.is_none() && rejected < 3 {
        return Err(format!(
            "the forged frame was not judged by every host: {rejected}"
        ));
    }
    Ok(((), m))
}

/// The same forged frame: every correct engine rejects it as the model does; the engine
/// built without the `sender ∉ history` check accepts it, and the co-simulation stops there
/// with the seed, the cycle, both states and a waveform.
#[test]
fn an_engine_without_the_history_check_is_caught() {
    let (_, clean) = forged(rack("n3"), RtlOptions::default()).expect("correct rack");
    assert!(
        clean.is_none(),
        "{}",
        clean.map(|m| m.to_string()).unwrap_or_default()
    );
    let (_, caught) = with_waveform("broken", RtlOptions::default(), |o| {
        forged(rack("n3_nohist"), o)
    })
    .expect("broken rack");
    let m = caught.expect("the broken engine's verdict must differ from the model's");
    eprintln!("{m}");
    assert_eq!(m.diff.host, 0, "the broken engine is host 0's");
    assert!(m.diff.what.starts_with("verdict"), "{m}");
    assert!(
        m.diff.expected.contains("10"),
        "the model rejects: sender-in-history is 10: {m}"
    );
    let wave = m.waveform.as_ref().expect("a waveform of the window");
    let vcd = std::fs::read_to_string(wave).expect("the VCD file");
    assert!(
        vcd.contains("$enddefinitions") && vcd.lines().count() > 1_000,
        "{}",
        wave.display()
    );
}
