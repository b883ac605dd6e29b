//! ECP5 I/O primitives, quarantined: the only board-specific cells of the MAC, each a thin
//! rust-hdl wrapper with a stated simulation model. Nothing outside [`crate::rgmii_ecp5`]
//! uses them.
//!
//! | wrapper        | cell      | what the simulation model does                               |
//! |----------------|-----------|---------------------------------------------------------------|
//! | [`InputDdr`]   | IDDRX1F   | samples `d` at the rising edge (`q0`) and at the falling edge (`q1`) of `clock`; both appear together after the next rising edge |
//! | [`OutputDdr`]  | ODDRX1F   | takes `d0` and `d1` at a rising edge; `q` is `d0` while `clock` is high, `d1` while it is low |
//! | [`Delay`]      | DELAYG    | none: `z = a` (the cell's fixed delay, `taps` × about 25 ps, matters only on the board) |
//!
//! In the emitted Verilog the cells are declared as black boxes under `` `ifdef SYNTHESIS ``
//! (yosys maps them to the real cells) and as the models above otherwise (Verilator, cocotb):
//! [`SIM_MODELS`]. The Rust `update` of each wrapper is the same model.
//!
//! Each wrapper handles `W` lanes with one cell per lane.

use rust_hdl::prelude::*;

/// The cells' Verilog: black boxes for synthesis, the stated models for simulation.
pub const SIM_MODELS: &str = r#"
`ifdef SYNTHESIS
(* blackbox *)
module IDDRX1F(input D, input SCLK, input RST, output Q0, output Q1);
endmodule
(* blackbox *)
module ODDRX1F(input D0, input D1, input SCLK, input RST, output Q);
endmodule
(* blackbox *)
module DELAYG(input A, output Z);
    parameter DEL_MODE = "USER_DEFINED";
    parameter DEL_VALUE = 0;
endmodule
`else
// Simulation model of IDDRX1F (see exo-mac's ecp5.rs): rising- and falling-edge samples,
// presented together after the next rising edge. RST is not modelled (tied low here).
module IDDRX1F(input D, input SCLK, input RST, output reg Q0, output reg Q1);
    reg rise;
    reg fall;
    initial begin
        rise = 1'b0;
        fall = 1'b0;
        Q0 = 1'b0;
        Q1 = 1'b0;
    end
    always @(negedge SCLK) fall <= D;
    always @(posedge SCLK) begin
        Q0 <= rise;
        Q1 <= fall;
        rise <= D;
    end
    wire unused = RST;
endmodule
// Simulation model of ODDRX1F: D0 and D1 taken at the rising edge, Q = D0 in the high half
// of the clock, D1 in the low half. RST is not modelled (tied low here).
module ODDRX1F(input D0, input D1, input SCLK, input RST, output Q);
    reg d0;
    reg d1;
    initial begin
        d0 = 1'b0;
        d1 = 1'b0;
    end
    always @(posedge SCLK) begin
        d0 <= D0;
        d1 <= D1;
    end
    assign Q = SCLK ? d0 : d1;
    wire unused = RST;
endmodule
// Simulation model of DELAYG: no delay.
module DELAYG(input A, output Z);
    parameter DEL_MODE = "USER_DEFINED";
    parameter DEL_VALUE = 0;
    assign Z = A;
endmodule
`endif
"#;

/// Lane `i` of a `W`-bit port: a 1-bit port has no index in rust-hdl's Verilog.
fn lane(port: &str, i: usize, w: usize) -> String {
    if w == 1 {
        port.to_string()
    } else {
        format!("{port}[{i}]")
    }
}

/// IDDRX1F per lane (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct InputDdr<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub d: Signal<In, Bits<W>>,
    /// Sampled at the rising edge.
    pub q0: Signal<Out, Bits<W>>,
    /// Sampled at the falling edge after it.
    pub q1: Signal<Out, Bits<W>>,
    _rise: Bits<W>,
    _fall: Bits<W>,
}

impl<const W: usize> Logic for InputDdr<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.q0.next = self._rise;
            self.q1.next = self._fall;
            self._rise = self.d.val();
        }
        if self.clock.neg_edge() {
            self._fall = self.d.val();
        }
    }
    fn connect(&mut self) {
        self.q0.connect();
        self.q1.connect();
    }
    fn hdl(&self) -> Verilog {
        let code = (0..W)
            .map(|i| {
                format!(
                    "IDDRX1F iddr_{i} (.D({}), .SCLK(clock), .RST(1'b0), .Q0({}), .Q1({}));",
                    lane("d", i, W),
                    lane("q0", i, W),
                    lane("q1", i, W)
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        Verilog::Wrapper(Wrapper {
            code,
            cores: String::new(),
        })
    }
}

/// ODDRX1F per lane (see the module documentation).
#[derive(LogicBlock, Default)]
pub struct OutputDdr<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// Out in the high half of the clock.
    pub d0: Signal<In, Bits<W>>,
    /// Out in the low half.
    pub d1: Signal<In, Bits<W>>,
    pub q: Signal<Out, Bits<W>>,
    _d0: Bits<W>,
    _d1: Bits<W>,
}

impl<const W: usize> Logic for OutputDdr<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self._d0 = self.d0.val();
            self._d1 = self.d1.val();
        }
        self.q.next = if self.clock.val().clk {
            self._d0
        } else {
            self._d1
        };
    }
    fn connect(&mut self) {
        self.q.connect();
    }
    fn hdl(&self) -> Verilog {
        let code = (0..W)
            .map(|i| {
                format!(
                    "ODDRX1F oddr_{i} (.D0({}), .D1({}), .SCLK(clock), .RST(1'b0), .Q({}));",
                    lane("d0", i, W),
                    lane("d1", i, W),
                    lane("q", i, W)
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        Verilog::Wrapper(Wrapper {
            code,
            cores: String::new(),
        })
    }
}

/// DELAYG per lane, with a fixed delay of `taps` steps (see the module documentation).
#[derive(LogicBlock)]
pub struct Delay<const W: usize> {
    pub a: Signal<In, Bits<W>>,
    pub z: Signal<Out, Bits<W>>,
    _taps: u8,
}

/// The most taps DELAYG takes.
pub const MAX_DELAY_TAPS: u8 = 127;

impl<const W: usize> Delay<W> {
    /// A delay of `taps` (0..=127) steps of about 25 ps.
    pub fn new(taps: u8) -> Delay<W> {
        assert!(
            taps <= MAX_DELAY_TAPS,
            "DELAYG takes 0..=127 taps, not {taps}"
        );
        Delay {
            a: Default::default(),
            z: Default::default(),
            _taps: taps,
        }
    }
}

impl<const W: usize> Logic for Delay<W> {
    fn update(&mut self) {
        self.z.next = self.a.val();
    }
    fn connect(&mut self) {
        self.z.connect();
    }
    fn hdl(&self) -> Verilog {
        let taps = self._taps;
        let code = (0..W)
            .map(|i| format!(
                    "DELAYG #(.DEL_MODE(\"USER_DEFINED\"), .DEL_VALUE({taps})) delay_{i} (.A({}), .Z({}));",
                    lane("a", i, W),
                    lane("z", i, W)
                ))
            .collect::<Vec<_>>()
            .join("\n");
        Verilog::Wrapper(Wrapper {
            code,
            cores: String::new(),
        })
    }
}
