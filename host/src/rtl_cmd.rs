//! `exo sim --rtl`: the same arguments and scenario files as the rack simulator, on the
//! Verilated RTL rack (engines behind GMII MACs on the RTL fabric, 125 MHz), every engine held
//! to its golden model. Adds the RTL's figures: simulation speed, engine turnaround, the
//! token's hop, and the first mismatch with its waveform, if any (exit 1).

use crate::sim_cmd::{self, fail, SimArgs};
use exo_rtl_rack::rack::RtlRack;
use exo_rtl_rack::racks::RACKS;
use exo_rtl_rack::run::{self, RtlFigures};
use exo_verify::faults::{LinkDir, NetFault};
use exo_verify::net::PS_PER_NS;
use exo_verify::rack::{Action, Mode};
use exo_verify::report::Report;
use exo_verify::view::RackDriver;
use exo_verify::workload::Limits;
use std::process::ExitCode;

pub fn run(args: &SimArgs, seed: u64) -> ExitCode {
    if let Err(e) = check(args) {
        return fail(e);
    }
    match (args.scenario(), args.swarm()) {
        (Some(path), false) => scenario(args, path, seed),
        (None, true) => swarm(args, seed),
        (None, false) => workload(args, seed),
        (Some(_), true) => fail("--faults swarm and --scenario exclude each other"),
    }
}

/// What the RTL rack cannot take, refused before any simulation.
fn check(args: &SimArgs) -> Result<(), String> {
    let overrides = args.network_overrides();
    if !overrides.is_empty() {
        return Err(format!(
            "--rtl: {} set(s) the rack simulator's network model; the RTL rack's links (1 GbE \
             GMII, one cycle of wire), fabric and engines have their own timing",
            overrides.join(", ")
        ));
    }
    if args.mode().is_some_and(|m| m != Mode::Epochs) {
        return Err("--rtl: the engine implements the epoch protocol only (--mode epochs)".into());
    }
    if args.disabled_rules() {
        return Err(
            "--rtl: the engine's accept rules are fixed when it is built (--disable applies to \
             the rack simulator)"
                .into(),
        );
    }
    if args.scenario().is_none() && !RACKS.iter().any(|r| r.hosts == args.nodes()) {
        let sizes: Vec<String> = RACKS
            .iter()
            .filter(|r| r.broken.is_none())
            .map(|r| r.hosts.to_string())
            .collect();
        return Err(format!(
            "--nodes {}: the Verilated rack is built for {} hosts",
            args.nodes(),
            sizes.join(", ")
        ));
    }
    Ok(())
}

/// Lines for a terminal: the RTL rack's own figures.
pub fn summary(r: &RtlFigures) -> String {
    let t = &r.turnaround_cycles;
    let h = &r.hop_cycles;
    let mut text = format!(
        "RTL rack {} at {} MHz: {} cycles simulated in {:.1} s ({:.0} cycles/s)\n\
         engine turnaround p50 {} cycles ({} ns), max {}; token hop p50 {} cycles ({} ns), \
         max {} cycles; {:.0} ns per agreed message\n\
         RTL/model mismatches: {}",
        r.rack,
        r.clock_mhz,
        r.cycles,
        r.wall_seconds,
        r.cycles_per_sec,
        t.p50,
        t.p50 * 8,
        t.max,
        h.p50,
        r.hop_ns.p50,
        h.max,
        r.ns_per_message,
        r.mismatches
    );
    if let Some(m) = &r.mismatch {
        text.push('\n');
        text.push_str(m);
    }
    text
}

fn workload(args: &SimArgs, seed: u64) -> ExitCode {
    if let Err(e) = sim_cmd::check_args(args) {
        return fail(e);
    }
    let cfg = sim_cmd::rack_config(args, args.nodes(), seed);
    eprintln!("seed: {seed}");
    let limits = Limits {
        max_time: args.max_time_ms().saturating_mul(1_000_000 * PS_PER_NS),
        stall: 10 * cfg.progress_bound(),
    };
    let bar = sim_cmd::progress_bar(args.messages() as u64);
    let loss = args.loss();
    let result = run::workload_run(
        cfg,
        args.messages(),
        args.payload(),
        limits,
        &mut |agreed| bar.set_position(agreed as u64),
        &mut |rack: &mut RtlRack| {
            if loss > 0.0 {
                rack.apply(Action::Net(NetFault::Loss {
                    host: None,
                    dir: LinkDir::Both,
                    p: loss,
                }));
            }
        },
    );
    bar.finish_and_clear();
    let (rack, end, mismatch) = match result {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let report = Report::new(&rack, args.payload(), end);
    let rtl = RtlFigures::of(&rack, &report, mismatch.as_ref());
    sim_cmd::finish_with(args, &rack, &report, Some(&rtl), mismatch.is_none())
}

fn swarm(args: &SimArgs, seed: u64) -> ExitCode {
    let Some(spec) = RACKS
        .iter()
        .find(|r| r.hosts == args.nodes() && r.broken.is_none())
    else {
        return fail(format!(
            "--nodes {}: no Verilated rack of that size",
            args.nodes()
        ));
    };
    eprintln!("seed: {seed}");
    match run::sweep_seed(seed, spec) {
        Ok(r) => {
            eprintln!("fault kinds: {:?}", r.plan.kinds);
            for (at, action) in &r.plan.actions {
                eprintln!("  at {:>9} ns: {action:?}", at / PS_PER_NS);
            }
            if !r.converged {
                eprintln!("the rack did not converge within a progress bound after the faults");
            }
            let ok = r.mismatch.is_none() && r.converged && r.report.progress_violations == 0;
            print_only(args, &r.report, &r.rtl, ok)
        }
        Err(e) => fail(e),
    }
}

/// Prints a finished run's figures (the rack itself is gone).
fn print_only(args: &SimArgs, report: &Report, rtl: &RtlFigures, ok: bool) -> ExitCode {
    if args.json() {
        #[derive(serde::Serialize)]
        struct Json<'a> {
            #[serde(flatten)]
            report: &'a Report,
            rtl: &'a RtlFigures,
        }
        match serde_json::to_string_pretty(&Json { report, rtl }) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e),
        }
    } else {
        println!("{}\n{}", report.summary(), summary(rtl));
    }
    if report.safety_violations > 0 || !ok {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn scenario(args: &SimArgs, path: &std::path::Path, seed: u64) -> ExitCode {
    let scenario = match sim_cmd::load_scenario(args, path, seed) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match run::scenario_run(&scenario, seed) {
        Ok((outcome, mismatch)) => {
            let rtl = RtlFigures::of(&outcome.rack, &outcome.report, mismatch.as_ref());
            sim_cmd::report_scenario(args, &scenario, &outcome, Some(&rtl))
        }
        Err(e) => fail(e),
    }
}
