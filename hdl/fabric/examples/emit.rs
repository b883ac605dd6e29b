//! Writes `exo_fabric.v` (and its Verilator waiver file) for N hosts into a directory, and
//! lints it with Verilator `-Wall`: `cargo run -p exo-fabric --example emit -- build/hdl 8`.
//! The cocotb tests in hdl/fabric/tb read it from there (`EXO_HDL_DIR`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "build/hdl".into()));
    let n: usize = match args.next().map(|s| s.parse()) {
        None => 8,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("emit: the number of hosts: {e}");
            return ExitCode::FAILURE;
        }
    };
    let design = match exo_fabric::design(n) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("emit: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = design.lint(&dir) {
        eprintln!("emit: {}: {e}", design.name);
        return ExitCode::FAILURE;
    }
    println!("{}", dir.join(design.file_name()).display());
    ExitCode::SUCCESS
}
