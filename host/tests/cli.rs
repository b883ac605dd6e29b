//! Integration tests of the `exo` command-line tool: they run the built binary and check its
//! exit codes, its JSON, the logs it dumps and its error messages.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXO: &str = env!("CARGO_BIN_EXE_exo");
const NORMAL_CASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/normal-case.toml");
const PARTITION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/partition.toml");
const LOST_OWN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../scenarios/lost-own-message.toml"
);

/// One token hop at the default timings with a minimum-size frame: turnaround 64 + 2 × wire 10
/// + fabric 100 + 72 bytes × 8 ns.
const HOP_NS: f64 = 760.0;

fn exo<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(EXO)
        .args(args)
        .output()
        .expect("the exo binary runs")
}

fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).expect("stderr is UTF-8")
}

fn describe(args: &[&str], out: &Output) -> String {
    format!(
        "exo {}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// Runs `exo args`, expects the exit code `code`, and parses stdout as exactly one JSON object.
fn run_json(args: &[&str], code: i32) -> (Value, Output) {
    let out = exo(args);
    assert_eq!(out.status.code(), Some(code), "{}", describe(args, &out));
    // `from_str` rejects anything but whitespace after the value: exactly one JSON value.
    let json: Value = serde_json::from_str(stdout(&out)).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value: {e}\n{}",
            describe(args, &out)
        )
    });
    assert!(json.is_object(), "{}", describe(args, &out));
    (json, out)
}

fn u64_at(json: &Value, key: &str) -> u64 {
    json.pointer(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{key} is not an unsigned integer in {json:#}"))
}

fn f64_at(json: &Value, key: &str) -> f64 {
    json.pointer(key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{key} is not a number in {json:#}"))
}

/// Runs `exo args` and expects a usage error: exit code 2, nothing on stdout, and stderr
/// starting with an `error:` line (the seed is printed only for a run that starts). Returns
/// the error line.
fn usage_error(args: &[&str]) -> String {
    let out = exo(args);
    let what = describe(args, &out);
    assert_eq!(out.status.code(), Some(2), "{what}");
    assert!(out.stdout.is_empty(), "{what}");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("error: ")),
        "stderr must start with the error\n{what}"
    );
    lines[0].to_string()
}

/// The 1-based number of the first line of `text` that is exactly `line`.
fn line_number(text: &str, line: &str) -> usize {
    text.lines()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no line {line:?} in\n{text}"))
        + 1
}

// ---- 1. A plain workload ---------------------------------------------------------------------

const BASIC: &[&str] = &[
    "sim",
    "--nodes",
    "5",
    "--messages",
    "3000",
    "--seed",
    "1",
    "--json",
];

#[test]
fn workload_json_figures() {
    let (json, out) = run_json(BASIC, 0);
    assert_eq!(stderr(&out).lines().next(), Some("seed: 1"));
    assert_eq!(u64_at(&json, "/seed"), 1);
    assert_eq!(u64_at(&json, "/nodes"), 5);
    assert_eq!(u64_at(&json, "/messages_agreed"), 3000);
    assert_eq!(u64_at(&json, "/messages_submitted"), 3000);
    assert_eq!(json["end"], "settled");
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    assert_eq!(u64_at(&json, "/progress_violations"), 0);
    assert!(u64_at(&json, "/sim_time_ns") > 0);

    // No faults, 0-byte payloads: every hop takes exactly 760 ns, one message per hop.
    let rate = f64_at(&json, "/msgs_per_sec");
    let ideal = 1e9 / HOP_NS;
    assert!(rate > 0.0);
    assert!(
        (rate - ideal).abs() <= 0.01 * ideal,
        "msgs_per_sec {rate} is not within 1% of {ideal}"
    );

    let p50 = u64_at(&json, "/agreement_latency_ns/p50");
    let p99 = u64_at(&json, "/agreement_latency_ns/p99");
    let max = u64_at(&json, "/agreement_latency_ns/max");
    assert!(0 < p50 && p50 <= p99 && p99 <= max, "{p50} {p99} {max}");
    // From the first byte to agreement at h = 2: the frame's own 696 ns, then two more hops.
    assert_eq!(p50, 696 + 2 * 760);
    assert_eq!(u64_at(&json, "/agreement_latency_ns/samples"), 3000);
}

#[test]
fn workload_summary_without_json() {
    let args = ["sim", "--nodes", "5", "--messages", "100", "--seed", "1"];
    let out = exo(&args);
    let what = describe(&args, &out);
    assert_eq!(out.status.code(), Some(0), "{what}");
    let text = stdout(&out);
    assert!(
        text.starts_with("seed 1 · 5 hosts · Epochs mode · 0-byte payloads · ended: Settled\n"),
        "{what}"
    );
    assert!(text.contains("agreed 100 of 100 messages"), "{what}");
    assert!(
        text.contains("agreement latency p50 2216 ns, p99 2216 ns, max 2216 ns"),
        "{what}"
    );
    assert!(!text.contains("SAFETY VIOLATION"), "{what}");
}

// ---- 2. Determinism --------------------------------------------------------------------------

#[test]
fn same_seed_same_output() {
    let a = exo(BASIC);
    let b = exo(BASIC);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);

    let lossy = |seed: &str| {
        let args = [
            "sim",
            "--loss",
            "0.001",
            "--messages",
            "2000",
            "--seed",
            seed,
            "--json",
        ];
        let (json, out) = run_json(&args, 0);
        (json, out.stdout)
    };
    let (json7, a) = lossy("7");
    let (_, b) = lossy("7");
    assert_eq!(
        String::from_utf8_lossy(&a),
        String::from_utf8_lossy(&b),
        "two runs of seed 7 differ"
    );
    assert_eq!(u64_at(&json7, "/seed"), 7);
    assert_eq!(u64_at(&json7, "/safety_violations"), 0);
    // Another seed may legitimately give the same figures; its seed field must differ.
    let (json8, _) = lossy("8");
    assert_eq!(u64_at(&json8, "/seed"), 8);
}

#[test]
fn printed_random_seed_replays_the_run() {
    let base = ["sim", "--messages", "300", "--loss", "0.01", "--json"];
    let (json, out) = run_json(&base, 0);
    let first = stderr(&out).lines().next().unwrap_or_default().to_string();
    let seed = first
        .strip_prefix("seed: ")
        .unwrap_or_else(|| panic!("stderr does not start with the seed: {first:?}"));
    assert_eq!(json["seed"].to_string(), seed);
    let mut replay = base.to_vec();
    replay.extend(["--seed", seed]);
    let again = exo(&replay);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(stdout(&again), stdout(&out), "seed {seed} does not replay");
}

// ---- 3. --dump-logs --------------------------------------------------------------------------

/// One line of a dumped log: `<seq> <sender> <payload hex or ->`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LogLine {
    seq: u64,
    sender: u64,
    /// None for `-`: an empty payload.
    payload: Option<Vec<u8>>,
}

fn parse_log_line(line: &str) -> Option<LogLine> {
    let mut fields = line.split(' ');
    let (seq, sender, payload) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    let decimal = |s: &str| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u64>().ok()
        } else {
            None
        }
    };
    let payload = if payload == "-" {
        None
    } else {
        let hex_ok = !payload.is_empty()
            && payload.len() % 2 == 0
            && payload
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex_ok {
            return None;
        }
        Some(
            (0..payload.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&payload[i..i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()?,
        )
    };
    Some(LogLine {
        seq: decimal(seq)?,
        sender: decimal(sender)?,
        payload,
    })
}

/// Reads `dir/node-0.log` … `node-<n-1>.log`, checking each line's shape and that the seqs
/// are 0, 1, 2, … in every file.
fn read_logs(dir: &Path, n: usize) -> Vec<(String, Vec<LogLine>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the log directory exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = (0..n).map(|i| format!("node-{i}.log")).collect();
    want.sort();
    assert_eq!(names, want);
    (0..n)
        .map(|i| {
            let text = std::fs::read_to_string(dir.join(format!("node-{i}.log"))).unwrap();
            assert!(text.is_empty() || text.ends_with('\n'));
            let lines: Vec<LogLine> = text
                .lines()
                .enumerate()
                .map(|(k, l)| {
                    let line = parse_log_line(l)
                        .unwrap_or_else(|| panic!("node-{i}.log:{}: bad line {l:?}", k + 1));
                    assert_eq!(line.seq, k as u64, "node-{i}.log:{}: seq", k + 1);
                    assert!(line.sender < n as u64, "node-{i}.log:{}: sender", k + 1);
                    line
                })
                .collect();
            (text, lines)
        })
        .collect()
}

#[test]
fn dump_logs_without_faults() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs"); // created by the tool
    let logs_arg = logs.to_str().unwrap();

    // 0-byte payloads: every line is `-`.
    let args = [
        "sim",
        "--nodes",
        "5",
        "--messages",
        "300",
        "--seed",
        "1",
        "--dump-logs",
        logs_arg,
    ];
    let out = exo(&args);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&args, &out));
    let files = read_logs(&logs, 5);
    for (text, lines) in &files {
        assert_eq!(text, &files[0].0, "with no faults all logs are identical");
        assert_eq!(lines.len(), 300);
        for (k, l) in lines.iter().enumerate() {
            assert_eq!((l.sender, &l.payload), (k as u64 % 5, &None));
        }
    }

    // 8-byte payloads: message k carries k big-endian; it is entry k, sent by host k mod 5.
    let args = [
        "sim",
        "--nodes",
        "5",
        "--messages",
        "3000",
        "--seed",
        "1",
        "--payload",
        "8",
        "--dump-logs",
        logs_arg,
    ];
    let out = exo(&args);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&args, &out));
    let files = read_logs(&logs, 5);
    for (text, _) in &files {
        assert_eq!(text, &files[0].0, "with no faults all logs are identical");
    }
    let lines = &files[0].1;
    let mut seen = BTreeSet::new();
    for (k, l) in lines.iter().enumerate() {
        let payload = l
            .payload
            .as_ref()
            .expect("no token-only entries without faults");
        let m = u64::from_be_bytes(payload.as_slice().try_into().expect("8 bytes"));
        assert!(m < 3000, "payload {m} is no message");
        assert!(seen.insert(m), "message {m} appears twice");
        assert_eq!(
            l.sender,
            m % 5,
            "message {m} was submitted at host {}",
            m % 5
        );
        assert_eq!(m, k as u64, "entry {k}");
    }
    assert_eq!(seen.len(), 3000, "every message appears exactly once");
    let non_empty = lines.iter().filter(|l| l.payload.is_some()).count();
    assert_eq!(non_empty, 3000);
}

#[test]
fn dump_logs_with_loss() {
    // At 0.1% loss on every link, hosts miss frames and recover (gap repairs, epoch changes):
    // the run still settles with every message agreed once, at every host.
    let dir = tempfile::tempdir().unwrap();
    let logs_arg = dir.path().to_str().unwrap();
    let args = [
        "sim",
        "--nodes",
        "5",
        "--messages",
        "2000",
        "--seed",
        "5",
        "--payload",
        "8",
        "--loss",
        "0.001",
        "--dump-logs",
        logs_arg,
        "--json",
    ];
    let (json, _) = run_json(&args, 0);
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    let files = read_logs(dir.path(), 5);
    let longest = &files.iter().max_by_key(|(_, l)| l.len()).unwrap().1;
    let mut most_messages = 0;
    for (i, (_, lines)) in files.iter().enumerate() {
        // Safety: every host's agreed log is a prefix of the longest one.
        assert_eq!(
            lines.as_slice(),
            &longest[..lines.len()],
            "node-{i}.log is no prefix"
        );
        let mut seen = BTreeSet::new();
        for l in lines {
            // Every message has 8 bytes: an empty payload (`-`) is a token-only entry. A
            // message's payload is k big-endian; it was sent by host k mod 5, and only once.
            if let Some(p) = &l.payload {
                let m = u64::from_be_bytes(p.as_slice().try_into().expect("8 bytes"));
                assert!(m < 2000, "node-{i}.log: payload {m} is no message");
                assert_eq!(l.sender, m % 5, "node-{i}.log: sender of message {m}");
                assert!(seen.insert(m), "node-{i}.log: message {m} appears twice");
            }
        }
        most_messages = most_messages.max(seen.len() as u64);
    }
    assert_eq!(
        json.pointer("/end").and_then(Value::as_str),
        Some("settled")
    );
    assert_eq!(most_messages, 2000, "every message agreed");
    assert!(
        u64_at(&json, "/frames/lost_downlink") + u64_at(&json, "/frames/lost_uplink") > 0,
        "the run lost frames"
    );
    assert!(u64_at(&json, "/entries_agreed") >= longest.len() as u64);
    assert_eq!(u64_at(&json, "/messages_agreed"), most_messages);
}

// ---- 4., 5. Scenarios ------------------------------------------------------------------------

fn expect_tables(path: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().filter(|l| *l == "[[expect]]").count() as u64
}

#[test]
fn shipped_scenarios_pass() {
    for path in [NORMAL_CASE, PARTITION, LOST_OWN] {
        let args = ["sim", "--scenario", path, "--seed", "1", "--json"];
        let (json, _) = run_json(&args, 0);
        let expects = expect_tables(path);
        assert!(expects > 0, "{path}");
        assert_eq!(u64_at(&json, "/expectations_checked"), expects, "{path}");
        assert_eq!(u64_at(&json, "/expectations_failed"), 0, "{path}");
        assert_eq!(json["errors"], Value::Array(vec![]), "{path}");
        assert_eq!(u64_at(&json, "/safety_violations"), 0, "{path}");
        assert_eq!(json["end"], "until", "{path}");
        let results = json["expectations"].as_array().expect("expectations");
        assert_eq!(results.len() as u64, expects, "{path}");
        for r in results {
            assert_eq!(r["failures"], Value::Array(vec![]), "{path}: {r}");
        }
    }
}

#[test]
fn shipped_scenarios_without_json() {
    let args = ["sim", "--scenario", NORMAL_CASE, "--seed", "1"];
    let out = exo(&args);
    let what = describe(&args, &out);
    assert_eq!(out.status.code(), Some(0), "{what}");
    let text = stdout(&out);
    assert!(
        text.starts_with("scenario: normal case (slides 28-47)\n"),
        "{what}"
    );
    let ok = text.lines().filter(|l| l.starts_with("ok   line ")).count() as u64;
    assert_eq!(ok, expect_tables(NORMAL_CASE), "{what}");
    assert!(!text.contains("FAIL"), "{what}");
}

#[test]
fn broken_rules_are_caught() {
    for (scenario, rule) in [
        (LOST_OWN, "transmit-lock"),
        (PARTITION, "sender-not-in-history"),
    ] {
        let args = [
            "sim",
            "--scenario",
            scenario,
            "--disable",
            rule,
            "--seed",
            "1",
        ];
        let out = exo(&args);
        let what = describe(&args, &out);
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert!(stdout(&out).contains("SAFETY VIOLATION"), "{what}");
    }

    // The same with --json: the count is in the JSON and the exit code is still 1.
    let args = [
        "sim",
        "--scenario",
        LOST_OWN,
        "--disable",
        "transmit-lock",
        "--seed",
        "1",
        "--json",
    ];
    let (json, _) = run_json(&args, 1);
    assert!(u64_at(&json, "/safety_violations") > 0, "{json:#}");
    assert!(u64_at(&json, "/expectations_failed") > 0, "{json:#}");
}

#[test]
fn naive_recovery_is_caught_on_the_brief_trace() {
    let brief = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/brief-trace.toml");
    let args = [
        "sim",
        "--scenario",
        brief,
        "--mode",
        "naive",
        "--seed",
        "1",
        "--json",
    ];
    let (json, _) = run_json(&args, 1);
    assert_eq!(json.pointer("/mode").and_then(Value::as_str), Some("naive"));
    assert!(u64_at(&json, "/safety_violations") > 0, "{json:#}");
    let args = ["sim", "--scenario", brief, "--seed", "1", "--json"];
    let (json, _) = run_json(&args, 0);
    assert_eq!(
        json.pointer("/mode").and_then(Value::as_str),
        Some("epochs")
    );
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    assert!(u64_at(&json, "/recovery/epoch_changes") > 0, "{json:#}");
}

#[test]
fn lossy_run_reports_its_recovery() {
    let args = [
        "sim",
        "--nodes",
        "5",
        "--messages",
        "5000",
        "--seed",
        "1",
        "--loss",
        "0.001",
        "--json",
    ];
    let (json, _) = run_json(&args, 0);
    assert_eq!(u64_at(&json, "/messages_agreed"), 5000);
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    let repairs = u64_at(&json, "/recovery/gap_repairs");
    let changes = u64_at(&json, "/recovery/epoch_changes");
    assert!(repairs + changes > 0, "{json:#}");
    let p50 = u64_at(&json, "/recovery/recovery_ns/p50");
    let max = u64_at(&json, "/recovery/recovery_ns/max");
    assert!(p50 > 0 && p50 <= max, "{json:#}");
}

// ---- 6. Swarm --------------------------------------------------------------------------------

#[test]
fn swarm_seed_replays() {
    let args = [
        "sim", "--faults", "swarm", "--nodes", "5", "--seed", "42", "--json",
    ];
    let (json, a) = run_json(&args, 0);
    let (_, b) = run_json(&args, 0);
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(
        stderr(&a),
        stderr(&b),
        "the fault plan is printed the same way"
    );
    assert_eq!(stderr(&a).lines().next(), Some("seed: 42"));
    assert_eq!(u64_at(&json, "/seed"), 42);
    assert_eq!(u64_at(&json, "/nodes"), 5);
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    assert_eq!(u64_at(&json, "/progress_violations"), 0);
}

// ---- 7. Bad command lines --------------------------------------------------------------------

#[test]
fn bad_arguments_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--nodes", "0"],
            "error: --nodes 0: a rack has 1 to 256 hosts",
        ),
        (
            &["--nodes", "300"],
            "error: --nodes 300: a rack has 1 to 256 hosts",
        ),
        (
            &["--loss", "1.5"],
            "error: --loss 1.5: a probability is between 0 and 1",
        ),
        (
            &["--loss=-0.1"],
            "error: --loss -0.1: a probability is between 0 and 1",
        ),
        (
            &["--payload", "5000", "--nodes", "5"],
            "error: --payload 5000: the largest payload with 5 hosts is 1478 bytes",
        ),
        (&["--link-mbps", "3"], "error: link rate 3 Mb/s: "),
        (
            &["--token-timeout-ns", "100"],
            "error: the token timeout (100 ns) must exceed the longest hop plus a gap repair's round trip (32392 ns)",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["sim", "--seed", "1", "--messages", "10"];
        args.extend_from_slice(extra);
        let line = usage_error(&args);
        assert!(line.starts_with(want), "exo {args:?}: got {line:?}");
    }

    // The swarm plan and scenario files set their own workload: options that would be ignored
    // are refused instead.
    let alone: &[(&[&str], &str)] = &[
        (
            &["sim", "--seed", "1", "--faults", "swarm", "--nodes", "2"],
            "error: --faults swarm needs at least 3 hosts",
        ),
        (
            &["sim", "--faults", "swarm", "--scenario", NORMAL_CASE],
            "error: --faults swarm and --scenario exclude each other",
        ),
        (
            &["sim", "--faults", "swarm", "--payload", "5000"],
            "error: the argument '--faults <FAULTS>' cannot be used with '--payload <PAYLOAD>'",
        ),
        (
            &["sim", "--scenario", NORMAL_CASE, "--link-mbps", "3"],
            "error: the argument '--scenario <SCENARIO>' cannot be used with '--link-mbps <LINK_MBPS>'",
        ),
        (
            &["sim", "--wire-ns", "18446744073709551615"],
            "error: invalid value '18446744073709551615' for '--wire-ns <WIRE_NS>'",
        ),
        (
            &["sim", "--token-timeout-ns", "18446744073709551615"],
            "error: invalid value '18446744073709551615' for '--token-timeout-ns",
        ),
        (
            &["sim", "--max-time-ms", "18446744073709551615"],
            "error: invalid value '18446744073709551615' for '--max-time-ms",
        ),
        (
            &["sim", "--loss", "-0.1"],
            "error: --loss -0.1: a probability is between 0 and 1",
        ),
    ];
    for (args, want) in alone {
        let line = usage_error(args);
        assert!(line.starts_with(want), "exo {args:?}: got {line:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().unwrap();
    let line = usage_error(&["sim", "--scenario", missing]);
    assert!(
        line.starts_with(&format!("error: {missing}: ")),
        "got {line:?}"
    );
}

#[test]
fn clap_errors_exit_2() {
    let cases: &[&[&str]] = &[
        &["sim", "--no-such-flag"],
        &["sim", "--nodes", "abc"],
        &["sim", "--nodes", "5", "--scenario", "x"],
        &["sim", "--disable", "nonsense"],
        &["sim", "--faults", "hurricane"],
        &["frobnicate"],
    ];
    for args in cases {
        let line = usage_error(args);
        assert!(!line.is_empty());
    }
    let line = usage_error(&["sim", "--nodes", "abc"]);
    assert!(line.contains("'abc'") && line.contains("--nodes"), "{line}");
    let line = usage_error(&["sim", "--nodes", "5", "--scenario", "x"]);
    assert!(
        line.contains("--nodes") && line.contains("--scenario"),
        "{line}"
    );
}

// ---- 8., 9. Scenario file errors -------------------------------------------------------------

const HEAD: &str =
    "name = \"t\"\nhosts = [\"A\", \"B\", \"C\"]\nfirst = \"A\"\n\n[run]\nat_ns = 10000\n\n";

fn write_scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs a scenario file that must be rejected; returns the error line.
fn scenario_error(path: &Path) -> String {
    usage_error(&["sim", "--seed", "1", "--scenario", path.to_str().unwrap()])
}

#[test]
fn scenario_file_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    // (file, body after HEAD, line the error must name, words the message must contain).
    // Every error names the line of the offending text, whether the TOML parser or the
    // scenario's own checks find it (those that concern a whole table name its first line).
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "unknown-host.toml",
            "[[event]]\nat_ns = 0\ncrash = \"F\"\n",
            "crash = \"F\"",
            &["unknown host \"F\"", "hosts: A, B, C"],
        ),
        (
            "unknown-field.toml",
            "[[event]]\nat_ns = 0\nparition = [[\"A\"], [\"B\", \"C\"]]\n",
            "parition = [[\"A\"], [\"B\", \"C\"]]",
            &["unknown field `parition`", "`partition`"],
        ),
        (
            "syntax.toml",
            "[[event]]\nat_ns = 0\ncrash = \"A\n",
            "crash = \"A",
            &["string"],
        ),
        (
            "two-moments.toml",
            "[[event]]\nat_ns = 0\nafter = { from = \"A\", seq = 0 }\ncrash = \"A\"\n",
            "[[event]]",
            &["exactly one of `at_ns` and `after`"],
        ),
        (
            "no-action.toml",
            "[[event]]\nat_ns = 0\nnote = \"idle\"\n",
            "[[event]]",
            &["the event does nothing"],
        ),
        (
            "bad-rule.toml",
            "[protocol]\ndisable = [\"nonsense\"]\n",
            "disable = [\"nonsense\"]",
            &["unknown rule \"nonsense\"", "transmit-lock"],
        ),
        (
            "bad-reason.toml",
            "[[expect]]\nat_ns = 0\n[[expect.hosts]]\nnames = [\"A\"]\nrejected = { bogus = 1 }\n",
            "rejected = { bogus = 1 }",
            &["unknown reject reason \"bogus\"", "conflicts-with-own"],
        ),
        (
            "bad-log.toml",
            "[[expect]]\nat_ns = 0\n[[expect.hosts]]\nnames = [\"A\"]\nlog = [\"0 A\"]\n",
            "log = [\"0 A\"]",
            &["log entry \"0 A\"", "<seq> <sender>"],
        ),
    ];
    for (name, body, at, words) in cases {
        let text = format!("{HEAD}{body}");
        let path = write_scenario(dir.path(), name, &text);
        let line = scenario_error(&path);
        let want = format!("error: {}:{}: ", path.display(), line_number(&text, at));
        assert!(
            line.starts_with(&want),
            "{name}: want {want:?}, got {line:?}"
        );
        for w in *words {
            assert!(line.contains(w), "{name}: {w:?} missing from {line:?}");
        }
    }
}

#[test]
fn failed_expectation_exits_1() {
    let text = std::fs::read_to_string(NORMAL_CASE).unwrap();
    assert_eq!(text.lines().filter(|l| *l == "agreed = 1").count(), 1);
    let wrong = text.replace("\nagreed = 1\n", "\nagreed = 2\n");
    // The expectation is the `[[expect]]` table the changed line is in.
    let changed = line_number(&wrong, "agreed = 2");
    let table = wrong
        .lines()
        .take(changed)
        .enumerate()
        .filter(|(_, l)| *l == "[[expect]]")
        .map(|(i, _)| i + 1)
        .last()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "wrong.toml", &wrong);
    let path = path.to_str().unwrap();

    let args = ["sim", "--scenario", path, "--seed", "1"];
    let out = exo(&args);
    let what = describe(&args, &out);
    assert_eq!(out.status.code(), Some(1), "{what}");
    let text = stdout(&out);
    let fails: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 1, "{what}");
    assert!(
        fails[0].starts_with(&format!("FAIL line {table:>3} ")),
        "{what}"
    );
    for host in ["A", "B", "C", "D", "E"] {
        let want = format!("{host}: agreed expected 2, got 1");
        assert!(text.lines().any(|l| l.trim() == want), "{want}\n{what}");
    }

    let args = ["sim", "--scenario", path, "--seed", "1", "--json"];
    let (json, _) = run_json(&args, 1);
    assert_eq!(u64_at(&json, "/expectations_failed"), 1);
    assert_eq!(
        u64_at(&json, "/expectations_checked"),
        expect_tables(NORMAL_CASE)
    );
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    let failed: Vec<&Value> = json["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["failures"] != Value::Array(vec![]))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(u64_at(failed[0], "/line"), table as u64);
    assert_eq!(failed[0]["failures"][0], "A: agreed expected 2, got 1");
}

// ---- 10. exo wire ----------------------------------------------------------------------------

#[test]
fn wire_prints_the_frame_table() {
    let out = exo(&["wire"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("| offset | bytes | field |"), "{text}");
    assert!(lines[1].starts_with("|---"), "{text}");
    assert!(
        lines.iter().any(|l| l.starts_with("| 24 | 8 | `seq` |")),
        "{text}"
    );
    assert!(lines.iter().all(|l| l.starts_with('|') && l.ends_with('|')));
}

// ---- exo sim --rtl -------------------------------------------------------------------------

/// The Verilated rack: the run's figures plus the RTL's own, no mismatch, every message agreed.
#[test]
fn rtl_workload_json_figures() {
    let args = [
        "sim",
        "--rtl",
        "--nodes",
        "3",
        "--messages",
        "60",
        "--payload",
        "20",
        "--seed",
        "2",
        "--json",
    ];
    let (json, out) = run_json(&args, 0);
    let rtl = &json["rtl"];
    assert_eq!(
        u64_at(&json, "/messages_agreed"),
        60,
        "{}",
        describe(&args, &out)
    );
    assert_eq!(u64_at(&json, "/safety_violations"), 0);
    assert_eq!(
        rtl["mismatches"].as_u64(),
        Some(0),
        "{}",
        describe(&args, &out)
    );
    assert_eq!(rtl["rack"].as_str(), Some("n3"));
    assert!(rtl["cycles"].as_u64().unwrap_or(0) > 1_000);
    assert!(rtl["cycles_per_sec"].as_f64().unwrap_or(0.0) > 0.0);
    assert_eq!(rtl["turnaround_cycles"]["p50"].as_u64(), Some(6), "{rtl}");
    assert!(
        rtl["hop_cycles"]["p50"].as_u64().unwrap_or(0) > 100,
        "{rtl}"
    );
}

/// With every payload posted before the start and no faults, the logs the RTL rack agrees
/// are the rack simulator's, line for line.
#[test]
fn rtl_logs_equal_the_model_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rtl) = (dir.path().join("model"), dir.path().join("rtl"));
    for (logs, rtl_flag) in [(&model, None), (&rtl, Some("--rtl"))] {
        let mut args = vec!["sim", "--nodes", "5", "--messages", "200", "--payload", "8"];
        args.extend(["--seed", "4", "--dump-logs", logs.to_str().unwrap()]);
        args.extend(rtl_flag);
        let out = exo(&args);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&args, &out));
    }
    let (a, b) = (read_logs(&model, 5), read_logs(&rtl, 5));
    for i in 0..5 {
        assert!(a[i].1.len() >= 200, "host {i} agreed every message");
        assert_eq!(a[i].0, b[i].0, "host {i}'s agreed log, model vs RTL");
    }
}

#[test]
fn rtl_runs_the_slides_walkthrough() {
    let args = ["sim", "--rtl", "--scenario", NORMAL_CASE, "--json"];
    let (json, out) = run_json(&args, 0);
    assert_eq!(
        u64_at(&json, "/expectations_failed"),
        0,
        "{}",
        describe(&args, &out)
    );
    assert_eq!(json["rtl"]["mismatches"].as_u64(), Some(0));
}

#[test]
fn rtl_refuses_what_the_engine_cannot_run() {
    let cases: &[(&[&str], &str)] = &[
        (&["--nodes", "4"], "built for 3, 5, 16 hosts"),
        (&["--mode", "slides"], "epoch protocol only"),
        (&["--disable", "transmit-lock"], "fixed when it is built"),
        (&["--wire-ns", "20"], "--wire-ns"),
        (
            &["--token-timeout-ns", "50001"],
            "whole number of 8 ns cycles",
        ),
        (&["--scenario", PARTITION], "epoch protocol only"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["sim", "--rtl", "--messages", "10"];
        if extra[0] == "--scenario" {
            args = vec!["sim", "--rtl"];
        }
        args.extend_from_slice(extra);
        let out = exo(&args);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&args, &out));
        assert!(stderr(&out).contains(want), "{}", describe(&args, &out));
    }
}

// ---- Boards -------------------------------------------------------------------------------------

#[test]
fn build_lists_the_boards_and_refuses_unknown_ones() {
    let out = exo(&["build", "--list"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        describe(&["build", "--list"], &out)
    );
    for board in ["colorlight-5a-75b-v8", "colorlight-5a-75b-v7", "ecp5-versa"] {
        assert!(stdout(&out).contains(board), "{board} listed");
    }
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let args = ["build", "--board", "ulx3s", "--out", out_dir];
    let out = exo(&args);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&args, &out));
    let err = stderr(&out);
    assert!(
        err.contains("unknown board \"ulx3s\"") && err.contains("ecp5-versa"),
        "names the board and lists the known ones: {err}"
    );
    let args = [
        "build",
        "--board",
        "ecp5-versa",
        "--out",
        out_dir,
        "--nodes",
        "300",
    ];
    let out = exo(&args);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&args, &out));
    assert!(
        stderr(&out).contains("hosts = 300"),
        "{}",
        describe(&args, &out)
    );
    usage_error(&["build", "--board", "ecp5-versa"]);
    let out = exo(&["build", "--board", "ecp5-versa"]);
    assert!(stderr(&out).contains("--out"), "names the missing option");
}
