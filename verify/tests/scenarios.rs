//! The shipped scenarios (the slides' walkthroughs among them) run with every expectation
//! met; a wrong expectation fails; the checkers can fail; a seed replays bit for bit.

use exo_proto::model::Rules;
use exo_proto::HostId;
use exo_verify::net::PS_PER_NS;
use exo_verify::rack::{Action, Mode, Rack, RackConfig};
use exo_verify::report::Report;
use exo_verify::scenario::{self, Scenario};
use exo_verify::workload::{self, Limits};

fn load(name: &str) -> (String, Scenario) {
    let path = format!("{}/../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let s = scenario::parse(name, &text).unwrap_or_else(|e| panic!("{e}"));
    (text, s)
}

fn run_passing(name: &str, expected_checks: usize) {
    let (_, s) = load(name);
    let out = s.run(1).expect("the rack builds");
    for e in &out.expectations {
        assert!(
            e.failures.is_empty(),
            "{name} line {} ({}): {:?}",
            e.line,
            e.label,
            e.failures
        );
    }
    assert!(out.errors.is_empty(), "{name}: {:?}", out.errors);
    assert_eq!(
        out.expectations.len(),
        expected_checks,
        "{name}: expectations checked"
    );
    assert_eq!(out.report.safety_violations, 0, "{name}");
    assert!(out.passed());
}

#[test]
fn normal_case_walkthrough_slides_28_to_47() {
    run_passing("normal-case.toml", 4);
}

#[test]
fn partition_walkthrough_slides_56_to_79() {
    run_passing("partition.toml", 7);
}

#[test]
fn brief_trace_is_safe_under_epochs_and_all_three_agree() {
    run_passing("brief-trace.toml", 3);
}

#[test]
fn brief_trace_violates_safety_under_naive_recovery() {
    let (_, mut s) = load("brief-trace.toml");
    s.set_mode(Mode::Naive);
    let out = s.run(1).expect("the rack builds");
    let v = out.rack.safety().violations();
    assert!(
        !v.is_empty(),
        "the checker missed the naive recovery's violation"
    );
    // B or C agreed c (from host 2) at position 0, where A had agreed a.
    assert_eq!(v[0].seq, 0, "{}", v[0]);
    assert!(v[0].host == HostId(1) || v[0].host == HostId(2), "{}", v[0]);
    assert!(v[0].what.contains("from 2"), "{}", v[0]);
    assert!(!out.passed());
}

#[test]
fn partition_walkthrough_heals_under_epochs() {
    run_passing("partition-heal.toml", 4);
}

#[test]
fn lost_own_message_is_safe_with_the_transmit_lock() {
    run_passing("lost-own-message.toml", 3);
}

#[test]
fn without_the_transmit_lock_two_hosts_agree_different_entries() {
    let (_, mut s) = load("lost-own-message.toml");
    s.set_rules(Rules {
        sender_not_in_history: true,
        transmit_lock: false,
    });
    let out = s.run(1).expect("the rack builds");
    let v = out.rack.safety().violations();
    assert!(!v.is_empty(), "the checker missed the violation");
    assert_eq!(v[0].seq, 0, "{}", v[0]);
    assert!(!out.passed());
}

#[test]
fn without_the_history_check_the_minority_agrees_its_own_entries() {
    let (_, mut s) = load("partition.toml");
    s.set_rules(Rules {
        sender_not_in_history: false,
        transmit_lock: true,
    });
    let out = s.run(1).expect("the rack builds");
    let failed: Vec<_> = out
        .expectations
        .iter()
        .filter(|e| !e.failures.is_empty())
        .collect();
    assert!(
        !failed.is_empty(),
        "A's claim at seq 5 must now be accepted"
    );
    assert!(
        failed[0].label.starts_with("slides 66-68"),
        "{:?}",
        failed[0]
    );
    assert!(
        out.report.safety_violations > 0,
        "A and B agreed entry 3 = A's message"
    );
}

#[test]
fn a_wrong_expectation_fails_and_names_its_line() {
    let (text, _) = load("normal-case.toml");
    let wrong = text.replacen("agreed = 1", "agreed = 2", 1);
    assert_ne!(wrong, text);
    let s = scenario::parse("wrong.toml", &wrong).expect("still valid");
    let out = s.run(1).expect("the rack builds");
    let failed: Vec<_> = out
        .expectations
        .iter()
        .filter(|e| !e.failures.is_empty())
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]
        .failures
        .iter()
        .all(|f| f.contains("agreed expected 2, got 1")));
    assert_eq!(failed[0].failures.len(), 5, "one failure per host");
    assert!(!out.passed());
}

#[test]
fn file_errors_name_the_line() {
    let cases = [
        ("hosts = [\"A\", \"B\", \"C\"]\n[run]\nat_ns = 5\n[[event]]\nat_ns = 1\ncrash = \"F\"\n", 6, "unknown host \"F\""),
        ("hosts = 3\n[run]\nat_ns = 5\n[[event]]\nat_ns = 1\nparition = [[\"0\"]]\n", 6, "unknown field"),
        ("hosts = 3\n[run]\nat_ns = = 5\n", 3, ""),
        ("hosts = 3\n[run]\nat_ns = 5\n[[event]]\nat_ns = 1\n", 4, "does nothing"),
        ("hosts = 3\n[protocol]\ndisable = [\"nonsense\"]\n[run]\nat_ns = 5\n", 3, "unknown rule"),
        ("hosts = 3\n[run]\nat_ns = 5\nafter = { from = \"0\", seq = 1 }\n", 2, "exactly one"),
    ];
    for (text, line, what) in cases {
        let err = scenario::parse("t.toml", text).expect_err(text);
        assert_eq!(err.line, line, "{text}: {err}");
        assert!(err.message.contains(what), "{text}: {err}");
        assert!(
            err.to_string().starts_with(&format!("t.toml:{line}: ")),
            "{err}"
        );
    }
}

fn workload_run(seed: u64, loss: f64) -> (String, Vec<String>) {
    let mut rack = Rack::new(RackConfig::new(5, seed)).expect("valid");
    rack.apply(Action::Net(exo_verify::faults::NetFault::Loss {
        host: None,
        dir: exo_verify::faults::LinkDir::Both,
        p: loss,
    }));
    workload::submit_all(&mut rack, 3_000, 16);
    let limits = Limits {
        max_time: 50_000_000 * PS_PER_NS,
        stall: 10 * rack.progress().bound(),
    };
    let end = workload::run(&mut rack, limits, &mut |_| {});
    let json = serde_json::to_string(&Report::new(&rack, 16, end)).expect("serializes");
    let logs = (0..5)
        .map(|i| {
            format!(
                "{:?}",
                rack.host(HostId(i)).map(|h| h.log().entries().to_vec())
            )
        })
        .collect();
    (json, logs)
}

#[test]
fn a_seed_replays_the_same_run_bit_for_bit() {
    for (seed, loss) in [(1, 0.0), (9, 0.0005), (10, 0.002)] {
        let a = workload_run(seed, loss);
        let b = workload_run(seed, loss);
        assert_eq!(a, b, "seed {seed} did not replay");
    }
}

/// With token claims switched off, crashing the token holder stops the ring while a majority
/// is connected: the progress checker must say so.
#[test]
fn the_progress_checker_catches_a_lost_token_nobody_claims() {
    let mut cfg = RackConfig::new(5, 3);
    cfg.claims_off = true;
    let mut rack = Rack::new(cfg).expect("valid");
    rack.run_until(50_000 * PS_PER_NS);
    let holder = (0..5)
        .map(|i| rack.host(HostId(i)).expect("live").turn())
        .next()
        .expect("hosts");
    // Crash the current token holder. Whether or not its last frame still gets out, the ring
    // stops at its next turn at the latest, and nobody claims.
    rack.apply(Action::Crash(holder));
    rack.run_until(rack.now() + 3 * rack.progress().bound());
    rack.finish();
    assert!(
        !rack.progress().violations().is_empty(),
        "no progress violation although the token is lost and a majority is connected"
    );
    assert_eq!(rack.safety().violations().len(), 0);
}
