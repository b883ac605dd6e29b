//! A place-and-route harness for designs with more ports than the package has pins.
//!
//! nextpnr needs every top-level port on a pin; a design such as the fabric for 8 hosts has
//! hundreds of port bits (the CABGA256 has 197 I/Os). The harness keeps every port bit on a
//! register, so the design's own paths are timed register to register as on a board, and
//! brings them to four pins:
//!
//! - every input bit of the design is a stage of a shift chain fed from pin `harness_si`;
//! - every output bit is captured into a second chain, loaded in parallel when pin
//!   `harness_load` is high and shifted out to pin `harness_so` otherwise;
//! - every clock input of the design is pin `harness_clk`.
//!
//! Cost, on top of the design: one flip-flop per input bit, one flip-flop and one LUT (the
//! load multiplexer) per output bit. [`Harness::cost`] states it for a given design.

use crate::design::Design;
use crate::tools::{self, Ecp5Part, PnrReport, ToolError};
use crate::verilog::Direction;
use std::fmt::Write;
use std::path::Path;

/// A harness around one design.
pub struct Harness {
    /// Module (and file) name: `<design>_pnr`.
    pub name: String,
    /// The harness's Verilog (the design's file is read beside it).
    pub verilog: String,
    pub input_bits: usize,
    pub output_bits: usize,
}

impl Harness {
    /// Wraps `design`; the ports named in `clocks` are driven by the harness clock.
    pub fn new(design: &Design, clocks: &[&str]) -> Harness {
        let name = format!("{}_pnr", design.name);
        let inputs: Vec<_> = design
            .ports
            .iter()
            .filter(|p| p.direction == Direction::Input && !clocks.contains(&p.name.as_str()))
            .collect();
        let outputs: Vec<_> = design
            .ports
            .iter()
            .filter(|p| p.direction == Direction::Output)
            .collect();
        let input_bits: usize = inputs.iter().map(|p| p.width).sum();
        let output_bits: usize = outputs.iter().map(|p| p.width).sum();
        let mut v = String::new();
        let _ = writeln!(
            v,
            "// Place-and-route harness of {}: every port on a register, four pins.",
            design.name
        );
        let _ = writeln!(
            v,
            "module {name} (\n    input  wire harness_clk,\n    input  wire harness_si,\n    input  wire harness_load,\n    output wire harness_so\n);"
        );
        let _ = writeln!(v, "    reg [{}:0] in_chain = 0;", input_bits.max(1) - 1);
        let _ = writeln!(v, "    reg [{}:0] out_chain = 0;", output_bits.max(1) - 1);
        let _ = writeln!(v, "    wire [{}:0] outs;", output_bits.max(1) - 1);
        let _ = writeln!(
            v,
            "    always @(posedge harness_clk) in_chain <= {{in_chain, harness_si}};"
        );
        let _ = writeln!(
            v,
            "    always @(posedge harness_clk) out_chain <= harness_load ? outs : {{out_chain, 1'b0}};"
        );
        let _ = writeln!(
            v,
            "    assign harness_so = out_chain[{}];",
            output_bits.max(1) - 1
        );
        let mut conns = Vec::new();
        for c in clocks {
            conns.push(format!("        .{c}(harness_clk)"));
        }
        let mut at = 0;
        for p in &inputs {
            conns.push(format!(
                "        .{}(in_chain[{}:{}])",
                p.name,
                at + p.width - 1,
                at
            ));
            at += p.width;
        }
        let mut at = 0;
        for p in &outputs {
            conns.push(format!(
                "        .{}(outs[{}:{}])",
                p.name,
                at + p.width - 1,
                at
            ));
            at += p.width;
        }
        let _ = writeln!(
            v,
            "    {} dut (\n{}\n    );",
            design.name,
            conns.join(",\n")
        );
        let _ = writeln!(v, "endmodule");
        Harness {
            name,
            verilog: v,
            input_bits,
            output_bits,
        }
    }

    /// Synthesis of the design inside the harness, then nextpnr on `part` at `mhz`; fails if
    /// timing is not met. The figures include the harness (see [`Harness::cost`]).
    pub fn place_and_route(
        &self,
        design: &Design,
        dir: &Path,
        part: &Ecp5Part,
        mhz: f64,
        seed: u32,
    ) -> Result<PnrReport, ToolError> {
        design.write(dir)?;
        let file = format!("{}.v", self.name);
        tools::write(dir, &file, &self.verilog)?;
        tools::synth_ecp5(dir, &[&design.file_name(), &file], &self.name)?;
        tools::pnr_ecp5(dir, &format!("{}.json", self.name), part, mhz, None, seed)
    }

    /// What the harness adds: (LUT4, FF).
    pub fn cost(&self) -> (usize, usize) {
        (self.output_bits, self.input_bits + self.output_bits)
    }
}
