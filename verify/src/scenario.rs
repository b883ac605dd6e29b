//! Scripted scenarios: a TOML file that names the hosts, schedules events and states the
//! expected state of each host at given moments. The slides' walkthroughs ship in this format
//! (`scenarios/`); the format is described in the README.
//!
//! Moments are either a simulated time (`at_ns = 1500`) or the moment the first frame sent by
//! a host with a given seq has been delivered everywhere it goes
//! (`after = { from = "D", seq = 2 }`): the walkthroughs' steps.
//!
//! Errors name the line of the file and say what is wrong.

use crate::faults::{LinkDir, NetFault};
use crate::net::{NetConfig, Picos, PS_PER_NS};
use crate::rack::{Action, Mode, Rack, RackConfig};
use crate::report::{Report, RunEnd};
use crate::view::{RackDriver, RackView};
use crate::workload;
use exo_proto::model::{ClusterConfig, Host, RejectReason, Rules};
use exo_proto::HostId;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

// ---- The file as written -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    name: Option<String>,
    description: Option<String>,
    /// Host names in ring order (ids 0, 1, …), or a number of hosts named "0", "1", ….
    hosts: HostsSpec,
    first: Option<Spanned<String>>,
    seed: Option<u64>,
    #[serde(default)]
    network: NetworkSpec,
    #[serde(default)]
    protocol: ProtocolSpec,
    #[serde(default)]
    workload: WorkloadSpec,
    run: Spanned<RunSpec>,
    #[serde(default)]
    event: Vec<Spanned<EventSpec>>,
    #[serde(default)]
    expect: Vec<Spanned<ExpectSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HostsSpec {
    Count(usize),
    Names(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkSpec {
    link_mbps: Option<u64>,
    wire_latency_ns: Option<u64>,
    fabric_latency_ns: Option<u64>,
    turnaround_ns: Option<u64>,
    oob_latency_ns: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolSpec {
    token_timeout_ns: Option<u64>,
    #[serde(default)]
    token_timeout_ns_per_host: BTreeMap<String, Spanned<u64>>,
    /// "epochs" (default), "naive" or "slides".
    mode: Option<Spanned<String>>,
    /// false: no token timeouts at all.
    token_timeouts: Option<bool>,
    /// Naive recovery: recover when nothing was accepted for this long.
    naive_timeout_ns: Option<u64>,
    /// Deliberately broken variants: "sender-not-in-history", "transmit-lock".
    #[serde(default)]
    disable: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadSpec {
    #[serde(default)]
    messages: usize,
    #[serde(default)]
    payload: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSpec {
    at_ns: Option<u64>,
    after: Option<AfterSpec>,
    /// Give up (and fail) if `until` has not happened by then.
    max_time_ns: Option<u64>,
    /// Safety violations the run must end with (0 unless the scenario demonstrates a broken
    /// variant of the protocol).
    #[serde(default)]
    safety_violations: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AfterSpec {
    from: String,
    seq: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventSpec {
    at_ns: Option<u64>,
    after: Option<AfterSpec>,
    note: Option<String>,
    submit: Option<SubmitSpec>,
    partition: Option<Vec<Vec<String>>>,
    cut: Option<CutSpec>,
    heal: Option<bool>,
    crash: Option<String>,
    restart: Option<String>,
    drop_next: Option<DropSpec>,
    loss: Option<LinkSpec>,
    corrupt: Option<LinkSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitSpec {
    host: String,
    /// Payload as text.
    payload: Option<String>,
    /// Payload as hex digits.
    payload_hex: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CutSpec {
    from: Vec<String>,
    to: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DropSpec {
    host: String,
    count: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkSpec {
    /// A host name; every host if omitted.
    host: Option<String>,
    /// "up", "down" or "both" (default).
    dir: Option<String>,
    p: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectSpec {
    at_ns: Option<u64>,
    after: Option<AfterSpec>,
    /// Which slides this state is drawn on.
    slides: Option<String>,
    note: Option<String>,
    hosts: Vec<HostExpectSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostExpectSpec {
    names: Vec<String>,
    seq: Option<u64>,
    history: Option<Vec<String>>,
    /// Entries as "<seq> <sender> <history or ->" with an optional fourth field, the payload
    /// in hex (or - when empty).
    log: Option<Vec<String>>,
    /// Number of agreed entries (the agreement pointer is at entry `agreed - 1`).
    agreed: Option<u64>,
    /// At least this many agreed entries.
    agreed_min: Option<u64>,
    /// The log starts with these entries (same form as `log`).
    log_prefix: Option<Vec<String>>,
    turn: Option<String>,
    /// The engine: "running", "stopped", "halted:<anomaly>" or "crashed".
    status: Option<String>,
    /// The recovery software: "normal", "repairing", "changing", "coordinating", "joining",
    /// "querying" or "halted".
    phase: Option<String>,
    /// The epoch the host is in.
    epoch: Option<u32>,
    /// Rejection counts by reason name.
    rejected: Option<BTreeMap<String, u64>>,
    /// Anomaly kinds reported at least once.
    anomalies: Option<Vec<String>>,
    note: Option<String>,
}

// ---- The scenario as run -------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    At(Picos),
    /// The first frame from `from` carrying `seq` has been delivered everywhere it goes.
    After {
        from: HostId,
        seq: u64,
    },
}

#[derive(Debug, Clone)]
struct Scheduled {
    trigger: Trigger,
    actions: Vec<Action>,
}

#[derive(Debug, Clone)]
struct HostExpect {
    hosts: Vec<HostId>,
    seq: Option<u64>,
    history: Option<Vec<HostId>>,
    log: Option<Vec<LogLine>>,
    log_prefix: Option<Vec<LogLine>>,
    agreed: Option<u64>,
    agreed_min: Option<u64>,
    turn: Option<HostId>,
    status: Option<String>,
    phase: Option<String>,
    epoch: Option<u32>,
    rejected: Vec<(String, u64)>,
    anomalies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LogLine {
    seq: u64,
    sender: HostId,
    history: Vec<HostId>,
    payload: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Expectation {
    trigger: Trigger,
    line: usize,
    label: String,
    hosts: Vec<HostExpect>,
}

/// A parsed, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub names: Vec<String>,
    pub seed: Option<u64>,
    rack: RackConfig,
    messages: usize,
    payload: usize,
    until: Trigger,
    max_time: Picos,
    expected_violations: usize,
    events: Vec<Scheduled>,
    expects: Vec<Expectation>,
}

/// The outcome of one checked expectation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExpectResult {
    pub line: usize,
    pub label: String,
    pub time_ns: u64,
    /// Empty when the expected state held.
    pub failures: Vec<String>,
}

pub struct Outcome<R = Rack> {
    pub expected_violations: usize,
    pub rack: R,
    pub report: Report,
    pub expectations: Vec<ExpectResult>,
    /// Problems that make the run itself fail (an `until` that never came, expectations whose
    /// moment never came).
    pub errors: Vec<String>,
}

impl<R> Outcome<R> {
    pub fn passed(&self) -> bool {
        self.errors.is_empty()
            && self.expectations.iter().all(|e| e.failures.is_empty())
            && self.report.safety_violations == self.expected_violations
    }
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    names: Vec<String>,
}

impl Ctx<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: self.line_of(offset),
            message: message.into(),
        }
    }

    /// An error about `token`, written somewhere in the table that starts at `offset`: names
    /// the line of its first occurrence there (or the table's line if it cannot be found).
    fn err_at(&self, offset: usize, token: &str, message: impl Into<String>) -> ScenarioError {
        let at = self
            .text
            .get(offset..)
            .and_then(|rest| rest.find(token))
            .map_or(offset, |i| offset + i);
        self.err(at, message)
    }

    fn host(&self, offset: usize, name: &str) -> Result<HostId, ScenarioError> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| HostId(i as u8))
            .ok_or_else(|| {
                self.err_at(
                    offset,
                    &format!("{name:?}"),
                    format!("unknown host {name:?} (hosts: {})", self.names.join(", ")),
                )
            })
    }

    fn hosts(&self, offset: usize, names: &[String]) -> Result<Vec<HostId>, ScenarioError> {
        names.iter().map(|n| self.host(offset, n)).collect()
    }

    fn trigger(
        &self,
        offset: usize,
        at_ns: Option<u64>,
        after: &Option<AfterSpec>,
    ) -> Result<Trigger, ScenarioError> {
        match (at_ns, after) {
            (Some(t), None) => Ok(Trigger::At(t * PS_PER_NS)),
            (None, Some(a)) => Ok(Trigger::After {
                from: self.host(offset, &a.from)?,
                seq: a.seq,
            }),
            _ => Err(self.err(offset, "give exactly one of `at_ns` and `after`")),
        }
    }
}

/// Parses and validates a scenario; `file` names it in error messages.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let spec: FileSpec = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        ScenarioError {
            file: file.to_string(),
            line,
            message: e.message().to_string(),
        }
    })?;
    let names = match &spec.hosts {
        HostsSpec::Count(n) => (0..*n).map(|i| i.to_string()).collect(),
        HostsSpec::Names(names) => names.clone(),
    };
    let ctx = Ctx { file, text, names };
    build(&ctx, spec)
}

fn build(ctx: &Ctx, spec: FileSpec) -> Result<Scenario, ScenarioError> {
    let n = ctx.names.len();
    if n == 0 || n > 256 {
        return Err(ctx.err(0, format!("`hosts`: a rack has 1 to 256 hosts, not {n}")));
    }
    for (i, name) in ctx.names.iter().enumerate() {
        if ctx.names[..i].contains(name) {
            return Err(ctx.err(0, format!("`hosts`: {name:?} appears twice")));
        }
    }
    let mut rack = RackConfig::new(n, spec.seed.unwrap_or(0));
    rack.cluster = ClusterConfig::new(n);
    if let Some(first) = &spec.first {
        rack.cluster.first_holder = ctx.host(first.span().start, first.get_ref())?;
    }
    apply_network(&mut rack.net, &spec.network);
    apply_protocol(ctx, &mut rack, &spec.protocol)?;
    rack.validate().map_err(|e| ctx.err(0, e))?;
    let max_payload = rack.cluster.max_payload();
    if spec.workload.payload > max_payload {
        return Err(ctx.err(
            0,
            format!(
                "`workload.payload` {} exceeds the maximum {max_payload}",
                spec.workload.payload
            ),
        ));
    }
    let run_at = spec.run.span().start;
    let run = spec.run.get_ref();
    let until = ctx.trigger(run_at, run.at_ns, &run.after)?;
    let mut events = Vec::new();
    for e in &spec.event {
        events.push(event(ctx, e.span().start, e.get_ref(), max_payload)?);
    }
    let mut expects = Vec::new();
    for e in &spec.expect {
        expects.push(expectation(ctx, e.span().start, e.get_ref())?);
    }
    Ok(Scenario {
        name: spec.name.unwrap_or_else(|| ctx.file.to_string()),
        description: spec.description.unwrap_or_default(),
        names: ctx.names.clone(),
        seed: spec.seed,
        rack,
        messages: spec.workload.messages,
        payload: spec.workload.payload,
        until,
        max_time: run.max_time_ns.unwrap_or(100_000_000) * PS_PER_NS,
        expected_violations: run.safety_violations,
        events,
        expects,
    })
}

fn apply_network(net: &mut NetConfig, spec: &NetworkSpec) {
    let d = NetConfig::default();
    net.link_mbps = spec.link_mbps.unwrap_or(d.link_mbps);
    net.wire_latency_ns = spec.wire_latency_ns.unwrap_or(d.wire_latency_ns);
    net.fabric_latency_ns = spec.fabric_latency_ns.unwrap_or(d.fabric_latency_ns);
    net.turnaround_ns = spec.turnaround_ns.unwrap_or(d.turnaround_ns);
    net.oob_latency_ns = spec.oob_latency_ns.unwrap_or(d.oob_latency_ns);
}

fn apply_protocol(
    ctx: &Ctx,
    rack: &mut RackConfig,
    spec: &ProtocolSpec,
) -> Result<(), ScenarioError> {
    rack.token_timeout = spec
        .token_timeout_ns
        .unwrap_or(exo_proto::model::DEFAULT_TOKEN_TIMEOUT_NS);
    rack.claims_off = spec.token_timeouts == Some(false);
    if let Some(t) = spec.naive_timeout_ns {
        rack.recovery.naive_timeout = t;
    }
    rack.mode = match spec
        .mode
        .as_ref()
        .map(|c| (c.span().start, c.get_ref().as_str()))
    {
        None | Some((_, "epochs")) => Mode::Epochs,
        Some((_, "naive")) => Mode::Naive,
        Some((_, "slides")) => Mode::Slides,
        Some((at, other)) => {
            return Err(ctx.err(
                at,
                format!("`mode = {other:?}`: use \"epochs\", \"naive\" or \"slides\""),
            ))
        }
    };
    for (name, t) in &spec.token_timeout_ns_per_host {
        let host = ctx.host(t.span().start, name)?;
        rack.timeout_overrides.push((host, *t.get_ref()));
    }
    for d in &spec.disable {
        match d.get_ref().as_str() {
            "sender-not-in-history" => rack.rules.sender_not_in_history = false,
            "transmit-lock" => rack.rules.transmit_lock = false,
            other => {
                return Err(ctx.err(
                    d.span().start,
                    format!(
                        "`disable`: unknown rule {other:?} (rules: \"sender-not-in-history\", \
                         \"transmit-lock\")"
                    ),
                ))
            }
        }
    }
    Ok(())
}

fn link_dir(ctx: &Ctx, at: usize, dir: &Option<String>) -> Result<LinkDir, ScenarioError> {
    match dir.as_deref() {
        None | Some("both") => Ok(LinkDir::Both),
        Some("up") => Ok(LinkDir::Up),
        Some("down") => Ok(LinkDir::Down),
        Some(other) => Err(ctx.err_at(
            at,
            &format!("{other:?}"),
            format!("`dir = {other:?}`: use up, down or both"),
        )),
    }
}

fn probability(ctx: &Ctx, at: usize, p: f64) -> Result<f64, ScenarioError> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(ctx.err_at(at, "p =", format!("probability {p} is not between 0 and 1")))
    }
}

fn event(
    ctx: &Ctx,
    at: usize,
    e: &EventSpec,
    max_payload: usize,
) -> Result<Scheduled, ScenarioError> {
    let trigger = ctx.trigger(at, e.at_ns, &e.after)?;
    let mut actions = Vec::new();
    if let Some(s) = &e.submit {
        let payload = match (&s.payload, &s.payload_hex) {
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(hex)) => parse_hex(hex).map_err(|m| ctx.err_at(at, "payload_hex", m))?,
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => {
                return Err(ctx.err(at, "give `payload` or `payload_hex`, not both"))
            }
        };
        if payload.len() > max_payload {
            return Err(ctx.err(
                at,
                format!(
                    "payload of {} bytes exceeds the maximum {max_payload}",
                    payload.len()
                ),
            ));
        }
        actions.push(Action::Submit {
            host: ctx.host(at, &s.host)?,
            payload,
        });
    }
    if let Some(groups) = &e.partition {
        let groups = groups
            .iter()
            .map(|g| ctx.hosts(at, g))
            .collect::<Result<_, _>>()?;
        actions.push(Action::Net(NetFault::Partition(groups)));
    }
    if let Some(c) = &e.cut {
        actions.push(Action::Net(NetFault::Cut {
            from: ctx.hosts(at, &c.from)?,
            to: ctx.hosts(at, &c.to)?,
        }));
    }
    match e.heal {
        Some(true) => actions.push(Action::Net(NetFault::Heal)),
        Some(false) => return Err(ctx.err(at, "`heal = false` does nothing; remove it")),
        None => {}
    }
    if let Some(h) = &e.crash {
        actions.push(Action::Crash(ctx.host(at, h)?));
    }
    if let Some(h) = &e.restart {
        actions.push(Action::Restart(ctx.host(at, h)?));
    }
    if let Some(d) = &e.drop_next {
        actions.push(Action::Net(NetFault::DropNext {
            host: ctx.host(at, &d.host)?,
            count: d.count,
        }));
    }
    for (spec, corrupt) in [(&e.loss, false), (&e.corrupt, true)] {
        if let Some(l) = spec {
            let host = l.host.as_ref().map(|h| ctx.host(at, h)).transpose()?;
            let dir = link_dir(ctx, at, &l.dir)?;
            let p = probability(ctx, at, l.p)?;
            actions.push(Action::Net(if corrupt {
                NetFault::Corrupt { host, dir, p }
            } else {
                NetFault::Loss { host, dir, p }
            }));
        }
    }
    if actions.is_empty() {
        return Err(ctx.err(
            at,
            "the event does nothing: give one of submit, partition, cut, heal, crash, restart, \
             drop_next, loss, corrupt",
        ));
    }
    let _ = &e.note;
    Ok(Scheduled { trigger, actions })
}

fn parse_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err(format!("hex {hex:?} has an odd number of digits"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("{hex:?} is not hex"))
        })
        .collect()
}

fn expectation(ctx: &Ctx, at: usize, e: &ExpectSpec) -> Result<Expectation, ScenarioError> {
    let trigger = ctx.trigger(at, e.at_ns, &e.after)?;
    let line = ctx.line_of(at);
    let label = match (&e.slides, &e.note) {
        (Some(s), Some(n)) => format!("slides {s}: {n}"),
        (Some(s), None) => format!("slides {s}"),
        (None, Some(n)) => n.clone(),
        (None, None) => format!("line {line}"),
    };
    let mut hosts = Vec::new();
    for h in &e.hosts {
        hosts.push(host_expect(ctx, at, h)?);
    }
    if hosts.is_empty() {
        return Err(ctx.err(
            at,
            "an expectation needs at least one [[expect.hosts]] table",
        ));
    }
    Ok(Expectation {
        trigger,
        line,
        label,
        hosts,
    })
}

fn host_expect(ctx: &Ctx, at: usize, h: &HostExpectSpec) -> Result<HostExpect, ScenarioError> {
    let lines = |v: &Option<Vec<String>>| -> Result<Option<Vec<LogLine>>, ScenarioError> {
        v.as_ref()
            .map(|lines| lines.iter().map(|l| log_line(ctx, at, l)).collect())
            .transpose()
    };
    let log = lines(&h.log)?;
    let log_prefix = lines(&h.log_prefix)?;
    if let Some(status) = &h.status {
        let known = status == "running"
            || status == "stopped"
            || status == "crashed"
            || status.strip_prefix("halted:").is_some_and(anomaly_known);
        if !known {
            return Err(ctx.err_at(
                at,
                &format!("{status:?}"),
                format!(
                    "status {status:?}: use running, stopped, crashed or halted:<gap|divergence|restarted>"
                ),
            ));
        }
    }
    let rejected: Vec<(String, u64)> = h
        .rejected
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    for (reason, _) in &rejected {
        if !RejectReason::NAMES.contains(&reason.as_str()) {
            return Err(ctx.err_at(
                at,
                reason,
                format!(
                    "unknown reject reason {reason:?} (reasons: {})",
                    RejectReason::NAMES.join(", ")
                ),
            ));
        }
    }
    let anomalies = h.anomalies.clone().unwrap_or_default();
    if let Some(bad) = anomalies.iter().find(|a| !anomaly_known(a)) {
        return Err(ctx.err_at(at, &format!("{bad:?}"), format!("unknown anomaly {bad:?}")));
    }
    let _ = &h.note;
    Ok(HostExpect {
        hosts: ctx.hosts(at, &h.names)?,
        seq: h.seq,
        history: h.history.as_ref().map(|v| ctx.hosts(at, v)).transpose()?,
        log,
        log_prefix,
        agreed: h.agreed,
        agreed_min: h.agreed_min,
        turn: h.turn.as_ref().map(|t| ctx.host(at, t)).transpose()?,
        status: h.status.clone(),
        phase: h.phase.clone(),
        epoch: h.epoch,
        rejected,
        anomalies,
    })
}

fn anomaly_known(name: &str) -> bool {
    exo_proto::model::AnomalyKind::ALL
        .iter()
        .any(|k| k.name() == name)
}

fn log_line(ctx: &Ctx, at: usize, line: &str) -> Result<LogLine, ScenarioError> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let bad = || {
        ctx.err_at(
            at,
            &format!("{line:?}"),
            format!(
                "log entry {line:?}: write \"<seq> <sender> <history or -> [<payload hex or ->]\""
            ),
        )
    };
    if !(3..=4).contains(&fields.len()) {
        return Err(bad());
    }
    let seq = fields[0].parse().map_err(|_| bad())?;
    let sender = ctx.host(at, fields[1])?;
    let history = if fields[2] == "-" {
        Vec::new()
    } else {
        let names: Vec<String> = fields[2].split(',').map(str::to_string).collect();
        ctx.hosts(at, &names)?
    };
    let payload = match fields.get(3) {
        None => None,
        Some(&"-") => Some(Vec::new()),
        Some(hex) => Some(parse_hex(hex).map_err(|m| ctx.err_at(at, hex, m))?),
    };
    Ok(LogLine {
        seq,
        sender,
        history,
        payload,
    })
}

// ---- Running -------------------------------------------------------------------------------

impl Scenario {
    /// The rack configuration with the given seed (the file's seed wins if it sets one).
    pub fn rack_config(&self, seed: u64) -> RackConfig {
        let mut cfg = self.rack.clone();
        cfg.seed = self.seed.unwrap_or(seed);
        cfg
    }

    /// Replaces the protocol mode (to run a scenario under the naive variant, say).
    pub fn set_mode(&mut self, mode: Mode) {
        self.rack.mode = mode;
    }

    /// Replaces the accept rules (to run a scenario against a deliberately broken variant).
    pub fn set_rules(&mut self, rules: Rules) {
        self.rack.rules = rules;
    }

    pub fn rules(&self) -> Rules {
        self.rack.rules
    }

    pub fn payload(&self) -> usize {
        self.payload
    }

    pub fn expectation_count(&self) -> usize {
        self.expects.len()
    }

    /// Runs the scenario on the golden-model rack to its `until` moment and checks every
    /// expectation.
    pub fn run(&self, seed: u64) -> Result<Outcome, String> {
        Ok(self.run_on(Rack::new(self.rack_config(seed))?))
    }

    /// Runs the scenario on `rack` (built from [`Scenario::rack_config`]): the golden-model
    /// rack, or the co-simulated RTL rack.
    pub fn run_on<R: RackDriver>(&self, mut rack: R) -> Outcome<R> {
        let mut pending_events: Vec<&Scheduled> = Vec::new();
        for e in &self.events {
            match e.trigger {
                Trigger::At(t) => {
                    for a in &e.actions {
                        rack.schedule(t, a.clone());
                    }
                }
                Trigger::After { .. } => pending_events.push(e),
            }
        }
        workload::submit_all(&mut rack, self.messages, self.payload);
        let mut runner = Runner {
            scenario: self,
            results: Vec::new(),
            done: vec![false; self.expects.len()],
            pending_events,
        };
        let end = runner.drive(&mut rack);
        rack.finish();
        let mut errors = Vec::new();
        if end != RunEnd::Until {
            errors.push(format!(
                "the run's `until` moment never came (gave up at {} ns)",
                rack.now() / PS_PER_NS
            ));
        }
        for (i, e) in self.expects.iter().enumerate() {
            if !runner.done[i] {
                errors.push(format!(
                    "line {}: {}: its moment ({:?}) never came",
                    e.line, e.label, e.trigger
                ));
            }
        }
        for e in &runner.pending_events {
            errors.push(format!("an event's moment ({:?}) never came", e.trigger));
        }
        let report = Report::new(&rack, self.payload, end);
        let mut expectations = runner.results;
        expectations.sort_by_key(|r| (r.time_ns, r.line));
        Outcome {
            expected_violations: self.expected_violations,
            rack,
            report,
            expectations,
            errors,
        }
    }
}

struct Runner<'a> {
    scenario: &'a Scenario,
    results: Vec<ExpectResult>,
    done: Vec<bool>,
    pending_events: Vec<&'a Scheduled>,
}

impl Runner<'_> {
    fn drive<R: RackDriver>(&mut self, rack: &mut R) -> RunEnd {
        let s = self.scenario;
        loop {
            // Expectations at a time hold once everything up to that time has happened.
            let next = rack.next_event_time().unwrap_or(Picos::MAX);
            self.check_timed(rack, next);
            if let Trigger::At(t) = s.until {
                if next > t {
                    rack.run_until(t);
                    self.check_timed(rack, t + 1);
                    return RunEnd::Until;
                }
            }
            if rack.now() > s.max_time || !rack.step() {
                return RunEnd::TimeLimit;
            }
            for (from, seq) in rack.take_completed() {
                if self.on_frame_done(rack, from, seq) {
                    return RunEnd::Until;
                }
            }
        }
    }

    fn check_timed<R: RackView>(&mut self, rack: &R, next: Picos) {
        for (i, e) in self.scenario.expects.iter().enumerate() {
            if let Trigger::At(t) = e.trigger {
                if !self.done[i] && t < next {
                    self.done[i] = true;
                    self.results.push(check(self.scenario, rack, e));
                }
            }
        }
    }

    /// Fires what waits for this frame; true if the run is over.
    fn on_frame_done<R: RackDriver>(&mut self, rack: &mut R, from: HostId, seq: u64) -> bool {
        let hit = Trigger::After { from, seq };
        for (i, e) in self.scenario.expects.iter().enumerate() {
            if !self.done[i] && e.trigger == hit {
                self.done[i] = true;
                self.results.push(check(self.scenario, rack, e));
            }
        }
        let (due, rest): (Vec<&Scheduled>, Vec<&Scheduled>) =
            self.pending_events.iter().partition(|e| e.trigger == hit);
        self.pending_events = rest;
        for e in due {
            for a in &e.actions {
                rack.apply(a.clone());
            }
        }
        self.scenario.until == hit
    }
}

fn check<R: RackView>(s: &Scenario, rack: &R, e: &Expectation) -> ExpectResult {
    let mut failures = Vec::new();
    for he in &e.hosts {
        for &id in &he.hosts {
            let name = &s.names[id.index()];
            match (rack.host(id), rack.phase(id)) {
                (Some(host), Some(phase)) => check_host(s, host, phase, he, name, &mut failures),
                _ => {
                    if he.status.as_deref() != Some("crashed") {
                        failures.push(format!("{name}: crashed"));
                    }
                }
            }
        }
    }
    ExpectResult {
        line: e.line,
        label: e.label.clone(),
        time_ns: rack.now() / PS_PER_NS,
        failures,
    }
}

fn names(s: &Scenario, ids: &[HostId]) -> String {
    let v: Vec<&str> = ids.iter().map(|i| s.names[i.index()].as_str()).collect();
    format!("[{}]", v.join(","))
}

fn check_host(
    s: &Scenario,
    host: &Host,
    phase: &str,
    he: &HostExpect,
    name: &str,
    out: &mut Vec<String>,
) {
    let mut differ = |what: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{name}: {what} expected {want}, got {got}"));
        }
    };
    if let Some(seq) = he.seq {
        differ("seq", seq.to_string(), host.seq().to_string());
    }
    if let Some(h) = &he.history {
        differ("history", names(s, h), names(s, &host.history().to_vec()));
    }
    if let Some(a) = he.agreed {
        differ("agreed", a.to_string(), host.log().agreed().to_string());
    }
    if let Some(a) = he.agreed_min {
        let got = host.log().agreed();
        if got < a {
            differ("agreed", format!("at least {a}"), got.to_string());
        }
    }
    if let Some(t) = he.turn {
        differ(
            "turn",
            s.names[t.index()].clone(),
            s.names[host.turn().index()].clone(),
        );
    }
    if let Some(st) = &he.status {
        let got = host.status().name();
        differ("status", st.clone(), got);
    }
    if let Some(p) = &he.phase {
        differ("phase", p.clone(), phase.to_string());
    }
    if let Some(e) = he.epoch {
        differ("epoch", e.to_string(), host.epoch().to_string());
    }
    for (reason, count) in &he.rejected {
        let got = host.counters().rejected_by(reason);
        differ(
            &format!("rejected[{reason}]"),
            count.to_string(),
            got.to_string(),
        );
    }
    for a in &he.anomalies {
        let seen = exo_proto::model::AnomalyKind::ALL
            .iter()
            .any(|k| k.name() == a && host.counters().anomalies[k.index()] > 0);
        differ(
            &format!("anomaly {a} reported"),
            "yes".into(),
            if seen { "yes" } else { "no" }.into(),
        );
    }
    if let Some(log) = &he.log {
        let (want, got) = compare_log(s, host, log, false);
        differ("log", want, got);
    }
    if let Some(prefix) = &he.log_prefix {
        let (want, got) = compare_log(s, host, prefix, true);
        differ("log prefix", want, got);
    }
}

/// The expected and the actual log, rendered alike (the actual one cut to the expected length
/// when only a prefix is expected). Payloads are compared only where the expectation has one.
fn compare_log(s: &Scenario, host: &Host, want: &[LogLine], prefix: bool) -> (String, String) {
    let entries = host.log().entries();
    let entries = if prefix {
        &entries[..want.len().min(entries.len())]
    } else {
        entries
    };
    let got: Vec<String> = entries
        .iter()
        .map(|e| {
            let line = LogLine {
                seq: e.seq,
                sender: e.sender,
                history: history_at(host, e.seq),
                payload: Some(e.payload.clone()),
            };
            render(s, &line)
        })
        .collect();
    let want: Vec<String> = want
        .iter()
        .zip(entries.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(l, e)| {
            let mut l = l.clone();
            if l.payload.is_none() {
                l.payload = e.map(|e| e.payload.clone());
            }
            render(s, &l)
        })
        .collect();
    (format!("{want:?}"), format!("{got:?}"))
}

/// The history entry `seq` carried: the senders of the entries before it, newest first, back
/// to the start of its epoch's history (the history restarts empty at each epoch start).
fn history_at(host: &Host, seq: u64) -> Vec<HostId> {
    host.log().history_before(seq, host.h())
}

fn render(s: &Scenario, l: &LogLine) -> String {
    let history = if l.history.is_empty() {
        "-".to_string()
    } else {
        l.history
            .iter()
            .map(|h| s.names[h.index()].as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let payload = match &l.payload {
        None => "?".to_string(),
        Some(p) if p.is_empty() => "-".to_string(),
        Some(p) => p.iter().map(|b| format!("{b:02x}")).collect(),
    };
    format!(
        "{} {} {} {}",
        l.seq,
        s.names[l.sender.index()],
        history,
        payload
    )
}
