//! The rack under randomized faults (see `exo_verify::swarm`): for every cluster size of the
//! foundation issue, 1,000 seeds with mixed faults must end with zero safety and zero progress
//! violations; and the same sweep must catch a deliberately broken accept rule.
//!
//! Seeds: `EXO_SEED_BASE` (default 1) to base + 999. A failure names the seed and the command
//! that replays it: `exo sim --faults swarm --nodes N --seed S`.

use exo_proto::model::Rules;
use exo_verify::rack::Mode;
use exo_verify::swarm::run_seed;

const SEEDS: u64 = 1_000;

fn seed_base() -> u64 {
    std::env::var("EXO_SEED_BASE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Totals over a sweep, to show the faults really happened.
#[derive(Default, Debug)]
struct Coverage {
    agreed: u64,
    claims: u64,
    fcs_errors: u64,
    lost: u64,
    partitioned: u64,
    scripted_drops: u64,
    halted: usize,
    crashed: usize,
}

fn sweep(n: usize) {
    let base = seed_base();
    eprintln!("swarm: n = {n}, seeds {base}..={}", base + SEEDS - 1);
    let mut failures = Vec::new();
    let mut cov = Coverage::default();
    for seed in base..base + SEEDS {
        let r = run_seed(seed, n, Mode::Slides, Rules::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"))
            .report;
        if r.safety_violations > 0 || r.progress_violations > 0 {
            failures.push(format!(
                "seed {seed}: {} safety violations {:?}, {} progress violations {:?}; replay: \
                 exo sim --faults swarm --mode slides --nodes {n} --seed {seed}",
                r.safety_violations,
                r.first_safety_violations.first(),
                r.progress_violations,
                r.first_progress_violations.first()
            ));
        }
        cov.agreed += r.entries_agreed;
        cov.claims += r.claims;
        cov.fcs_errors += r.frames.fcs_errors;
        cov.lost += r.frames.lost_uplink + r.frames.lost_downlink;
        cov.partitioned += r.frames.blocked_by_partition;
        cov.scripted_drops += r.frames.dropped_scripted;
        cov.halted += r.halted_hosts.len();
        cov.crashed += r.crashed_hosts.len();
    }
    eprintln!("swarm: n = {n}: {cov:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The sweep is only worth something if every kind of fault actually happened.
    assert!(
        cov.agreed > 10_000 * SEEDS / 1_000,
        "too little agreed: {cov:?}"
    );
    for (what, v) in [
        ("claims", cov.claims),
        ("FCS errors", cov.fcs_errors),
        ("losses", cov.lost),
        ("partitioned frames", cov.partitioned),
        ("scripted drops", cov.scripted_drops),
        ("halted hosts", cov.halted as u64),
        ("crashed hosts", cov.crashed as u64),
    ] {
        assert!(v > 0, "no {what} in the whole sweep: {cov:?}");
    }
}

#[test]
fn three_hosts_stay_safe_and_live_under_mixed_faults() {
    sweep(3);
}

#[test]
fn four_hosts_stay_safe_and_live_under_mixed_faults() {
    sweep(4);
}

#[test]
fn five_hosts_stay_safe_and_live_under_mixed_faults() {
    sweep(5);
}

#[test]
fn seven_hosts_stay_safe_and_live_under_mixed_faults() {
    sweep(7);
}

#[test]
fn sixteen_hosts_stay_safe_and_live_under_mixed_faults() {
    sweep(16);
}

/// With the `sender ∉ history` check switched off, a minority partition goes on agreeing: the
/// safety checker must see it in the same kind of sweep.
#[test]
fn the_safety_checker_catches_a_disabled_history_check() {
    let broken = Rules {
        sender_not_in_history: false,
        transmit_lock: true,
    };
    let base = seed_base();
    let caught: Vec<u64> = (base..base + 200)
        .filter(|&seed| {
            run_seed(seed, 5, Mode::Slides, broken)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"))
                .report
                .safety_violations
                > 0
        })
        .collect();
    eprintln!(
        "history check off: {} of 200 seeds violate safety, e.g. {:?}",
        caught.len(),
        &caught[..caught.len().min(5)]
    );
    assert!(
        caught.len() >= 5,
        "the safety checker missed a broken accept rule: only {caught:?} violate"
    );
}
