//! `exo sim`: runs the rack simulator with a workload or a scenario file and reports figures.

use clap::Args;
use exo_proto::model::{ClusterConfig, Rules};
use exo_proto::HostId;
use exo_verify::faults::{LinkDir, NetFault};
use exo_verify::net::PS_PER_NS;
use exo_verify::rack::{Action, Mode, Rack, RackConfig};
use exo_verify::report::Report;
use exo_verify::workload::{self, Limits};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options that shape a plain workload run; a scenario file sets its own, and so does the
/// swarm plan except for the first.
const WORKLOAD_OPTIONS: [&str; 10] = [
    "nodes",
    "messages",
    "payload",
    "loss",
    "link_mbps",
    "wire_ns",
    "fabric_ns",
    "turnaround_ns",
    "token_timeout_ns",
    "max_time_ms",
];

#[derive(Args, Debug, Clone)]
#[command(allow_negative_numbers = true)]
pub struct SimArgs {
    /// Number of hosts (1..=256).
    #[arg(long, default_value_t = 5)]
    nodes: usize,
    /// Messages to submit (round-robin over the hosts, all at time zero).
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Seed of the run; a random one is chosen (and printed) if omitted.
    #[arg(long)]
    seed: Option<u64>,
    /// Payload bytes per message.
    #[arg(long, default_value_t = 0)]
    payload: usize,
    /// Probability that a frame is lost on each link (uplink and downlink of every host).
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Run a scripted scenario (TOML); the file sets the hosts, network, timers and workload.
    #[arg(long, conflicts_with_all = WORKLOAD_OPTIONS)]
    scenario: Option<PathBuf>,
    /// Write each host's agreed log to DIR/node-<id>.log.
    #[arg(long, value_name = "DIR")]
    dump_logs: Option<PathBuf>,
    /// Print one JSON object with the figures instead of a summary.
    #[arg(long)]
    json: bool,
    /// Link rate in Mb/s.
    #[arg(long, default_value_t = 1_000)]
    link_mbps: u64,
    /// One-way wire latency between a host and the fabric, ns (at most 1 s).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=MAX_LATENCY_NS))]
    wire_ns: u64,
    /// Fabric latency (aggregation + broadcast), ns (at most 1 s).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=MAX_LATENCY_NS))]
    fabric_ns: u64,
    /// Engine turnaround, ns (at most 1 s).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=MAX_LATENCY_NS))]
    turnaround_ns: u64,
    /// Token-loss timeout, ns (at most 10 s).
    #[arg(long, default_value_t = exo_proto::model::DEFAULT_TOKEN_TIMEOUT_NS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_NS))]
    token_timeout_ns: u64,
    /// Stop after this much simulated time, ms (at most one day).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=86_400_000))]
    max_time_ms: u64,
    /// What the hosts do when the token is lost or something goes wrong: `epochs` (Exo's
    /// recovery), `naive` (the talk's claims and adopt-the-longest-log: unsafe), `slides` (the
    /// talk's claims, no recovery: hosts that detect trouble stop). Default: epochs, or the
    /// scenario file's mode.
    #[arg(long, value_enum)]
    mode: Option<ModeName>,
    /// Switch off a safety rule of the accept rule: a deliberately broken variant, to watch
    /// the checkers catch it. Repeatable.
    #[arg(long, value_enum, value_name = "RULE")]
    disable: Vec<RuleName>,
    /// `swarm`: run the seed's random fault plan exactly as the test suite does, with its own
    /// workload and timing (only --nodes applies). Replays a failing seed of the test suite.
    #[arg(long, value_enum, conflicts_with_all = &WORKLOAD_OPTIONS[1..])]
    faults: Option<FaultMode>,
}

const MAX_LATENCY_NS: u64 = exo_verify::net::MAX_LATENCY_NS;
const MAX_TIMEOUT_NS: u64 = exo_verify::rack::MAX_TOKEN_TIMEOUT_NS;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleName {
    SenderNotInHistory,
    TransmitLock,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeName {
    Epochs,
    Naive,
    Slides,
}

impl From<ModeName> for Mode {
    fn from(m: ModeName) -> Mode {
        match m {
            ModeName::Epochs => Mode::Epochs,
            ModeName::Naive => Mode::Naive,
            ModeName::Slides => Mode::Slides,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMode {
    Swarm,
}

fn rules(disabled: &[RuleName]) -> Rules {
    Rules {
        sender_not_in_history: !disabled.contains(&RuleName::SenderNotInHistory),
        transmit_lock: !disabled.contains(&RuleName::TransmitLock),
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub fn run(args: SimArgs) -> ExitCode {
    let seed = args.seed.unwrap_or_else(random_seed);
    match (&args.scenario, args.faults) {
        (Some(path), None) => run_scenario(&args, path, seed),
        (Some(_), Some(_)) => fail("--faults swarm and --scenario exclude each other"),
        (None, Some(FaultMode::Swarm)) => run_swarm(&args, seed),
        (None, None) => run_workload(&args, seed),
    }
}

fn random_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (u64::from(std::process::id()) << 32)
}

fn rack_config(args: &SimArgs, n: usize, seed: u64) -> RackConfig {
    let mut cfg = RackConfig::new(n, seed);
    cfg.cluster = ClusterConfig::new(n);
    cfg.net.link_mbps = args.link_mbps;
    cfg.net.wire_latency_ns = args.wire_ns;
    cfg.net.fabric_latency_ns = args.fabric_ns;
    cfg.net.turnaround_ns = args.turnaround_ns;
    cfg.token_timeout = args.token_timeout_ns;
    cfg.mode = args.mode.unwrap_or(ModeName::Epochs).into();
    cfg.rules = rules(&args.disable);
    cfg
}

fn run_swarm(args: &SimArgs, seed: u64) -> ExitCode {
    if args.nodes < 3 {
        return fail("--faults swarm needs at least 3 hosts");
    }
    if let Err(e) = check_args(args) {
        return fail(e);
    }
    eprintln!("seed: {seed}");
    let mode = args.mode.unwrap_or(ModeName::Epochs).into();
    match exo_verify::swarm::run_seed(seed, args.nodes, mode, rules(&args.disable)) {
        Ok(run) => {
            eprintln!("fault kinds: {:?}", run.plan.kinds);
            for (at, action) in &run.plan.actions {
                eprintln!("  at {:>9} ns: {action:?}", at / PS_PER_NS);
            }
            let ok = run.report.progress_violations == 0;
            finish(args, &run.rack, &run.report, ok)
        }
        Err(e) => fail(e),
    }
}

fn check_args(args: &SimArgs) -> Result<(), String> {
    if args.nodes == 0 || args.nodes > 256 {
        return Err(format!("--nodes {}: a rack has 1 to 256 hosts", args.nodes));
    }
    if !(0.0..=1.0).contains(&args.loss) {
        return Err(format!(
            "--loss {}: a probability is between 0 and 1",
            args.loss
        ));
    }
    let max = ClusterConfig::new(args.nodes).max_payload();
    if args.payload > max {
        return Err(format!(
            "--payload {}: the largest payload with {} hosts is {max} bytes",
            args.payload, args.nodes
        ));
    }
    Ok(())
}

fn run_workload(args: &SimArgs, seed: u64) -> ExitCode {
    if let Err(e) = check_args(args) {
        return fail(e);
    }
    let cfg = rack_config(args, args.nodes, seed);
    let mut rack = match Rack::new(cfg) {
        Ok(rack) => rack,
        Err(e) => return fail(e),
    };
    eprintln!("seed: {seed}");
    if args.loss > 0.0 {
        rack.apply(Action::Net(NetFault::Loss {
            host: None,
            dir: LinkDir::Both,
            p: args.loss,
        }));
    }
    workload::submit_all(&mut rack, args.messages, args.payload);
    let limits = Limits {
        max_time: args.max_time_ms.saturating_mul(1_000_000 * PS_PER_NS),
        stall: 10 * rack.progress().bound(),
    };
    let bar = progress_bar(args.messages as u64);
    let end = workload::run(&mut rack, limits, &mut |agreed| {
        bar.set_position(agreed as u64)
    });
    bar.finish_and_clear();
    let report = Report::new(&rack, args.payload, end);
    finish(args, &rack, &report, true)
}

pub(crate) fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} agreed, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Prints the report, writes the logs, and turns the outcome into an exit code.
pub(crate) fn finish(args: &SimArgs, rack: &Rack, report: &Report, ok: bool) -> ExitCode {
    if let Some(dir) = &args.dump_logs {
        if let Err(e) = dump_logs(rack, dir) {
            return fail(format!("writing logs to {}: {e}", dir.display()));
        }
    }
    if args.json {
        match serde_json::to_string_pretty(report) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e),
        }
    } else {
        println!("{}", report.summary());
        for v in &report.first_safety_violations {
            println!("SAFETY VIOLATION {v}");
        }
    }
    if report.safety_violations > 0 || !ok {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One file per host: `<seq> <sender-id> <payload hex, or - when empty>` per agreed entry.
fn dump_logs(rack: &Rack, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for i in 0..rack.n() {
        let mut text = String::new();
        if let Some(host) = rack.host(HostId(i as u8)) {
            for e in host.log().agreed_entries() {
                let payload = if e.payload.is_empty() {
                    "-".to_string()
                } else {
                    e.payload.iter().map(|b| format!("{b:02x}")).collect()
                };
                text.push_str(&format!("{} {} {}\n", e.seq, e.sender, payload));
            }
        }
        std::fs::write(dir.join(format!("node-{i}.log")), text)?;
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct ScenarioJson<'a> {
    scenario: &'a str,
    #[serde(flatten)]
    report: &'a Report,
    expectations_checked: usize,
    expectations_failed: usize,
    expectations: &'a [exo_verify::scenario::ExpectResult],
    errors: &'a [String],
}

pub(crate) fn run_scenario(args: &SimArgs, path: &Path, seed: u64) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return fail(format!("{}: {e}", path.display())),
    };
    let scenario = match exo_verify::scenario::parse(&path.display().to_string(), &text) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match scenario.seed {
        Some(file_seed) => eprintln!("seed: {file_seed} (set by the scenario file)"),
        None => eprintln!("seed: {seed}"),
    }
    let mut scenario = scenario;
    if let Some(mode) = args.mode {
        scenario.set_mode(mode.into());
    }
    if !args.disable.is_empty() {
        scenario.set_rules(rules(&args.disable));
    }
    let outcome = match scenario.run(seed) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let failed = outcome
        .expectations
        .iter()
        .filter(|e| !e.failures.is_empty())
        .count();
    if args.json {
        let json = ScenarioJson {
            scenario: &scenario.name,
            report: &outcome.report,
            expectations_checked: outcome.expectations.len(),
            expectations_failed: failed,
            expectations: &outcome.expectations,
            errors: &outcome.errors,
        };
        match serde_json::to_string_pretty(&json) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e),
        }
    } else {
        println!("scenario: {}", scenario.name);
        for e in &outcome.expectations {
            let verdict = if e.failures.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            println!(
                "{verdict} line {:>3} at {:>8} ns  {}",
                e.line, e.time_ns, e.label
            );
            for f in &e.failures {
                println!("       {f}");
            }
        }
        for e in &outcome.errors {
            println!("ERROR {e}");
        }
    }
    let quiet = SimArgs {
        json: true,
        ..args.clone()
    };
    let print_args = if args.json { &quiet } else { args };
    finish_quiet(
        print_args,
        &outcome.rack,
        &outcome.report,
        outcome.passed(),
        args.json,
    )
}

fn finish_quiet(args: &SimArgs, rack: &Rack, report: &Report, ok: bool, printed: bool) -> ExitCode {
    if printed {
        if let Some(dir) = &args.dump_logs {
            if let Err(e) = dump_logs(rack, dir) {
                return fail(format!("writing logs to {}: {e}", dir.display()));
            }
        }
        return if report.safety_violations > 0 || !ok {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    finish(args, rack, report, ok)
}
