//! The Exo offload engine: the normal-case protocol in hardware.
//!
//! See `docs/engine.md` for the block diagram, the host interface and the figures.

pub mod accept_rule;
pub mod control_port;
pub mod counters;
pub mod deliver;
pub mod entry_buffer;
pub mod exo_engine;
pub mod frame_rx;
pub mod frame_tx;
pub mod history_window;
pub mod host_if;
pub mod params;
pub mod payload_reader;
pub mod post_queue;
pub mod protocol_core;
pub mod ring_table;
pub mod token_timer;

pub use exo_engine::{design, ExoEngine};
pub use params::{EngineParams, ParamError, Rules};
