//! Co-simulation of Exo: the emitted Verilog — engines, MACs and the fabric — Verilated as one
//! rack and held, frame by frame, to the golden model.
//!
//! - [`top`], [`racks`]: the rack top and the racks `build.rs` verilates;
//! - [`model`]: one Verilated rack as a Rust value;
//! - [`rack::RtlRack`]: the rack driven cycle by cycle, each engine in lock step with its
//!   golden model, each host's recovery software the golden model's `Node`, faults on the
//!   links; it is a `RackDriver`, so workloads, scenarios and reports run on it unchanged;
//! - [`run`]: the co-simulation's runs (workloads, scenario files, seeded fault plans) with the
//!   waveform of a mismatch.

mod core;
mod ctl;
pub mod engine;
mod ffi;
mod hosts;
pub mod lane;
pub mod links;
pub mod model;
mod net;
mod pins;
pub mod rack;
pub mod racks;
pub mod run;
pub mod top;
mod tracker;

pub use crate::core::TraceWindow;
pub use rack::{Mismatch, RtlOptions, RtlRack};
