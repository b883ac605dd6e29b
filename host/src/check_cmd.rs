//! `exo check`: explicit-state model checking of the real host model (engine + recovery
//! software) with stateright: breadth-first over every state within bounds, or seeded random
//! walks. See `exo_verify::model_check` for the model, its bounds and its properties.

use clap::Args;
use exo_verify::model_check::{self, Bounds, ExoModel, Order, MAX_NODES};
use exo_verify::rack::Mode;
use std::process::ExitCode;

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Number of hosts. Breadth-first search is practical for 3 (and tiny bounds at 4); use
    /// --random-walks for more.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// What the hosts run: `epochs` (Exo's recovery), `naive` (the talk's claims and
    /// adopt-the-longest-log: unsafe), `slides` (the talk's claims, no recovery).
    #[arg(long, value_enum, default_value_t = CheckMode::Epochs)]
    mode: CheckMode,
    /// Bound: frames transmitted (default depends on the hosts, the mode and the search).
    #[arg(long)]
    frames: Option<u32>,
    /// Bound: frames and out-of-band messages lost.
    #[arg(long)]
    losses: Option<u32>,
    /// Bound: epoch changes started.
    #[arg(long)]
    changes: Option<u32>,
    /// Bound: timer firings (each also moves the clock forward).
    #[arg(long)]
    timeouts: Option<u32>,
    /// Instead of the exhaustive search, run K seeded random walks over the same model.
    #[arg(long, value_name = "K")]
    random_walks: Option<u64>,
    /// Seed of the random walks; a random one is chosen (and printed) if omitted.
    #[arg(long, requires = "random_walks")]
    seed: Option<u64>,
    /// Longest random walk, in steps.
    #[arg(long, default_value_t = 400, requires = "random_walks")]
    depth: usize,
    /// Search the bounded space depth-first instead of breadth-first: far less memory, and a
    /// deep counterexample is found sooner (then shrunk); breadth-first finds a shortest one.
    #[arg(long, conflicts_with = "random_walks")]
    dfs: bool,
    /// Stop the exhaustive search after this many seconds (it then reports what it covered,
    /// as not exhaustive).
    #[arg(long, value_name = "S", conflicts_with = "random_walks")]
    max_seconds: Option<u64>,
    /// Threads of the exhaustive search (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also print the path to each `sometimes` property's example.
    #[arg(long)]
    examples: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckMode {
    Epochs,
    Naive,
    Slides,
}

impl From<CheckMode> for Mode {
    fn from(m: CheckMode) -> Mode {
        match m {
            CheckMode::Epochs => Mode::Epochs,
            CheckMode::Naive => Mode::Naive,
            CheckMode::Slides => Mode::Slides,
        }
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn random_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (u64::from(std::process::id()) << 32)
}

pub fn run(args: CheckArgs) -> ExitCode {
    if args.nodes == 0 || args.nodes > MAX_NODES {
        return fail(format!(
            "--nodes {}: the model checker takes 1 to {MAX_NODES} hosts",
            args.nodes
        ));
    }
    if args.random_walks == Some(0) {
        return fail("--random-walks 0: at least one walk");
    }
    if args.depth == 0 {
        return fail("--depth 0: a walk takes at least one step");
    }
    if args.max_seconds == Some(0) {
        return fail("--max-seconds 0: give the search some time");
    }
    if args.threads == Some(0) {
        return fail("--threads 0: at least one thread");
    }
    let mode: Mode = args.mode.into();
    let defaults = match args.random_walks {
        Some(_) => Bounds::random(args.nodes),
        None => Bounds::exhaustive(args.nodes, mode),
    };
    let bounds = Bounds {
        frames: args.frames.unwrap_or(defaults.frames),
        losses: args.losses.unwrap_or(defaults.losses),
        changes: args.changes.unwrap_or(defaults.changes),
        timeouts: args.timeouts.unwrap_or(defaults.timeouts),
    };
    let model = match ExoModel::new(args.nodes, mode, bounds) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let report = match args.random_walks {
        Some(walks) => {
            let seed = args.seed.unwrap_or_else(random_seed);
            eprintln!(
                "checking {} hosts ({:?}) by {walks} random walks, seed {seed}; bounds: {bounds}",
                args.nodes, mode
            );
            model_check::check_random(&model, walks, args.depth, seed)
        }
        None => {
            let threads = args.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let order = if args.dfs {
                Order::DepthFirst
            } else {
                Order::BreadthFirst
            };
            eprintln!(
                "checking {} hosts ({:?}) exhaustively, {order:?}; bounds: {bounds}",
                args.nodes, mode
            );
            let budget = args.max_seconds.map(std::time::Duration::from_secs);
            model_check::check_exhaustive_in(&model, threads, order, budget)
        }
    };
    print!("{report}");
    if args.examples {
        for p in &report.properties {
            if let (false, Some(path)) = (p.expectation.discovery_is_failure(), &p.discovery) {
                println!("example of \"{}\" ({} steps):", p.name, path.len());
                print!("{}", model.trace(path));
            }
        }
    }
    if report.safety_violated() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
