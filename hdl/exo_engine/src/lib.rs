//! The Exo offload engine: the normal-case protocol in hardware.
//!
//! See `docs/engine.md` for the block diagram, the host interface and the figures.

pub mod params;

pub use params::{EngineParams, ParamError};
