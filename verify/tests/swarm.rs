//! The rack under randomized faults (see `exo_verify::swarm`).
//!
//! - Exo's protocol (epochs): 10,000 seeds over n = 3, 4, 5, 7, 16 with loss, corruption,
//!   partitions, cuts, crashes, restarts and drops must end with zero safety violations, and
//!   every seed must meet the liveness bound once its fault period is over.
//! - The talk's protocol without recovery (slides mode): 1,000 seeds for each n, zero safety
//!   violations (no liveness is owed: stopped hosts stay stopped); and with the history check
//!   switched off, the same sweep must be caught.
//!
//! Seeds start at `EXO_SEED_BASE` (default 1). A failure names the seed and the command that
//! replays it: `exo sim --faults swarm --mode M --nodes N --seed S`.

use exo_proto::model::Rules;
use exo_verify::rack::Mode;
use exo_verify::swarm::run_seed;

const SLIDES_SEEDS: u64 = 1_000;

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
    epoch_changes: u64,
    gap_repairs: u64,
    claims: u64,
    fcs_errors: u64,
    lost: u64,
    partitioned: u64,
    scripted_drops: u64,
    halted: usize,
    crashed: usize,
}

fn sweep(n: usize, mode: Mode, seeds: u64) -> Coverage {
    let base = seed_base();
    eprintln!(
        "swarm: {mode:?}, n = {n}, seeds {base}..={}",
        base + seeds - 1
    );
    let mut failures = Vec::new();
    let mut cov = Coverage::default();
    let name = format!("{mode:?}").to_lowercase();
    for seed in base..base + seeds {
        let r = run_seed(seed, n, mode, Rules::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"))
            .report;
        if r.safety_violations > 0 || r.progress_violations > 0 {
            failures.push(format!(
                "seed {seed}: {} safety violations {:?}, {} progress violations {:?}; replay: \
                 exo sim --faults swarm --mode {name} --nodes {n} --seed {seed}",
                r.safety_violations,
                r.first_safety_violations.first(),
                r.progress_violations,
                r.first_progress_violations.first()
            ));
        }
        cov.agreed += r.entries_agreed;
        cov.epoch_changes += r.recovery.epoch_changes;
        cov.gap_repairs += r.recovery.gap_repairs;
        cov.claims += r.claims;
        cov.fcs_errors += r.frames.fcs_errors;
        cov.lost += r.frames.lost_uplink + r.frames.lost_downlink;
        cov.partitioned += r.frames.blocked_by_partition;
        cov.scripted_drops += r.frames.dropped_scripted;
        cov.halted += r.halted_hosts.len();
        cov.crashed += r.crashed_hosts.len();
    }
    eprintln!("swarm: {mode:?}, n = {n}: {cov:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The sweep is only worth something if every kind of fault actually happened, and the
    // mode's own reaction to them (claims and stops; or epoch changes and repairs) ran.
    assert!(cov.agreed > 10 * seeds, "too little agreed: {cov:?}");
    let reaction = match mode {
        Mode::Epochs => [
            ("epoch changes", cov.epoch_changes),
            ("gap repairs", cov.gap_repairs),
        ],
        Mode::Slides | Mode::Naive => [("claims", cov.claims), ("halted hosts", cov.halted as u64)],
    };
    for (what, v) in [
        ("FCS errors", cov.fcs_errors),
        ("losses", cov.lost),
        ("partitioned frames", cov.partitioned),
        ("scripted drops", cov.scripted_drops),
        ("crashed hosts", cov.crashed as u64),
    ]
    .into_iter()
    .chain(reaction)
    {
        assert!(v > 0, "no {what} in the whole sweep: {cov:?}");
    }
    cov
}

/// Epochs: 10,000 seeds in all, more for the small clusters where faults hit a majority more
/// often. Each asserts safety, the liveness bound after the faults, and that recovery ran.
fn epochs_sweep(n: usize, seeds: u64) {
    sweep(n, Mode::Epochs, seeds);
}

#[test]
fn epochs_three_hosts_safe_and_live() {
    epochs_sweep(3, 2_500);
}

#[test]
fn epochs_four_hosts_safe_and_live() {
    epochs_sweep(4, 2_500);
}

#[test]
fn epochs_five_hosts_safe_and_live() {
    epochs_sweep(5, 2_500);
}

#[test]
fn epochs_seven_hosts_safe_and_live() {
    epochs_sweep(7, 1_500);
}

#[test]
fn epochs_sixteen_hosts_safe_and_live() {
    epochs_sweep(16, 1_000);
}

#[test]
fn slides_protocol_stays_safe_under_mixed_faults() {
    for n in [3, 4, 5, 7, 16] {
        sweep(n, Mode::Slides, SLIDES_SEEDS);
    }
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
