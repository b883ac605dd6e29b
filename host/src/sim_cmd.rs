//! `exo sim`: runs the rack simulator with a workload or a scenario file and reports figures.

use clap::Args;
use exo_proto::model::{ClusterConfig, Rules};
use exo_proto::HostId;
use exo_rtl_rack::run::RtlFigures;
use exo_verify::faults::{LinkDir, NetFault};
use exo_verify::net::PS_PER_NS;
use exo_verify::rack::{Action, Mode, Rack, RackConfig};
use exo_verify::report::Report;
use exo_verify::scenario::{Outcome, Scenario};
use exo_verify::view::RackView;
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
    /// Run the Verilated RTL rack (engines, MACs, fabric at 125 MHz) instead of the model's
    /// hosts, each engine held to its golden model; the first mismatch stops the run with a
    /// waveform. Racks are built for 3, 5 and 16 hosts; epoch mode only.
    #[arg(long)]
    pub(crate) rtl: bool,
}

impl SimArgs {
    pub(crate) fn nodes(&self) -> usize {
        self.nodes
    }
    pub(crate) fn messages(&self) -> usize {
        self.messages
    }
    pub(crate) fn payload(&self) -> usize {
        self.payload
    }
    pub(crate) fn loss(&self) -> f64 {
        self.loss
    }
    pub(crate) fn json(&self) -> bool {
        self.json
    }
    pub(crate) fn max_time_ms(&self) -> u64 {
        self.max_time_ms
    }
    pub(crate) fn scenario(&self) -> Option<&Path> {
        self.scenario.as_deref()
    }
    pub(crate) fn swarm(&self) -> bool {
        self.faults == Some(FaultMode::Swarm)
    }
    pub(crate) fn mode(&self) -> Option<Mode> {
        self.mode.map(Mode::from)
    }
    pub(crate) fn disabled_rules(&self) -> bool {
        !self.disable.is_empty()
    }
    /// The network options the RTL rack does not take (its timing is the RTL's own).
    pub(crate) fn network_overrides(&self) -> Vec<&'static str> {
        let d = exo_verify::net::NetConfig::default();
        [
            ("--link-mbps", self.link_mbps != d.link_mbps),
            ("--wire-ns", self.wire_ns != d.wire_latency_ns),
            ("--fabric-ns", self.fabric_ns != d.fabric_latency_ns),
            ("--turnaround-ns", self.turnaround_ns != d.turnaround_ns),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
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

pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub fn run(args: SimArgs) -> ExitCode {
    let seed = args.seed.unwrap_or_else(random_seed);
    if args.rtl {
        return crate::rtl_cmd::run(&args, seed);
    }
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

pub(crate) fn rack_config(args: &SimArgs, n: usize, seed: u64) -> RackConfig {
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

pub(crate) fn check_args(args: &SimArgs) -> Result<(), String> {
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
pub(crate) fn finish<R: RackView>(args: &SimArgs, rack: &R, report: &Report, ok: bool) -> ExitCode {
    finish_with(args, rack, report, None, ok)
}

/// The JSON of a run: the report, and with `--rtl` the RTL rack's own figures.
#[derive(serde::Serialize)]
struct SimJson<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    rtl: Option<&'a RtlFigures>,
}

/// [`finish`] with the RTL rack's figures.
pub(crate) fn finish_with<R: RackView>(
    args: &SimArgs,
    rack: &R,
    report: &Report,
    rtl: Option<&RtlFigures>,
    ok: bool,
) -> ExitCode {
    if let Some(dir) = &args.dump_logs {
        if let Err(e) = dump_logs(rack, dir) {
            return fail(format!("writing logs to {}: {e}", dir.display()));
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&SimJson { report, rtl }) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e),
        }
    } else {
        println!("{}", report.summary());
        if let Some(rtl) = rtl {
            println!("{}", crate::rtl_cmd::summary(rtl));
        }
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
fn dump_logs<R: RackView>(rack: &R, dir: &Path) -> std::io::Result<()> {
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
    #[serde(skip_serializing_if = "Option::is_none")]
    rtl: Option<&'a RtlFigures>,
}

/// Reads and parses a scenario file, with the mode and rules of the command line applied.
pub(crate) fn load_scenario(args: &SimArgs, path: &Path, seed: u64) -> Result<Scenario, ExitCode> {
    let text =
        std::fs::read_to_string(path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let mut scenario =
        exo_verify::scenario::parse(&path.display().to_string(), &text).map_err(fail)?;
    match scenario.seed {
        Some(file_seed) => eprintln!("seed: {file_seed} (set by the scenario file)"),
        None => eprintln!("seed: {seed}"),
    }
    if let Some(mode) = args.mode {
        scenario.set_mode(mode.into());
    }
    if !args.disable.is_empty() {
        scenario.set_rules(rules(&args.disable));
    }
    Ok(scenario)
}

pub(crate) fn run_scenario(args: &SimArgs, path: &Path, seed: u64) -> ExitCode {
    let scenario = match load_scenario(args, path, seed) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match scenario.run(seed) {
        Ok(outcome) => report_scenario(args, &scenario, &outcome, None),
        Err(e) => fail(e),
    }
}

/// Prints a scenario's expectations and figures; the exit code says whether it passed.
pub(crate) fn report_scenario<R: RackView>(
    args: &SimArgs,
    scenario: &Scenario,
    outcome: &Outcome<R>,
    rtl: Option<&RtlFigures>,
) -> ExitCode {
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
            rtl,
        };
        match serde_json::to_string_pretty(&json) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e),
        }
    } else {
        print_expectations(scenario, outcome);
    }
    let ok = outcome.passed() && rtl.is_none_or(|r| r.mismatches == 0);
    if args.json {
        if let Some(dir) = &args.dump_logs {
            if let Err(e) = dump_logs(&outcome.rack, dir) {
                return fail(format!("writing logs to {}: {e}", dir.display()));
            }
        }
        return if outcome.report.safety_violations > 0 || !ok {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    finish_with(args, &outcome.rack, &outcome.report, rtl, ok)
}

fn print_expectations<R>(scenario: &Scenario, outcome: &Outcome<R>) {
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
