//! Writes the MAC's Verilog (and each design's Verilator waiver file) into a directory, and
//! lints each with Verilator `-Wall`: `cargo run -p exo-mac --example emit -- build/hdl`.
//! The cocotb tests in hdl/mac/tb read the files from there (`EXO_HDL_DIR`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "build/hdl".into()),
    );
    for design in exo_mac::designs() {
        if let Err(e) = design.lint(&dir) {
            eprintln!("emit: {}: {e}", design.name);
            return ExitCode::FAILURE;
        }
        println!("{}", dir.join(design.file_name()).display());
    }
    ExitCode::SUCCESS
}
