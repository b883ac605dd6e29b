//! The racks `build.rs` verilates, and what their engines are built with.
//!
//! An engine's host id, cluster size and safety rules are elaboration constants, so each rack
//! size is one Verilator model with one engine module per host. This file is included by
//! `build.rs` and by the library, so it depends on nothing.

/// One Verilated rack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RackSpec {
    /// Names the model (`Vrack_<tag>`) and its shim's functions.
    pub tag: &'static str,
    pub hosts: usize,
    /// A host whose engine is built with the `sender ∉ history` check switched off (the
    /// engine's test-only rule parameter): the rack the co-simulation must catch.
    pub broken: Option<u8>,
}

/// The racks the co-simulation can run: the sizes of the tests and the shipped scenarios
/// (three-host traces, the five-host walkthroughs and `exo sim --rtl --nodes 5`, sixteen
/// hosts), and a three-host rack with one deliberately broken engine.
pub const RACKS: [RackSpec; 4] = [
    RackSpec {
        tag: "n3",
        hosts: 3,
        broken: None,
    },
    RackSpec {
        tag: "n5",
        hosts: 5,
        broken: None,
    },
    RackSpec {
        tag: "n16",
        hosts: 16,
        broken: None,
    },
    RackSpec {
        tag: "n3_nohist",
        hosts: 3,
        broken: Some(0),
    },
];

/// Messages an engine's transmit queue holds (the one in flight included).
pub const MAX_POSTED: usize = 16;

/// The engines' elaboration-time token timeout, in 8 ns cycles (the golden model's default of
/// 50 µs). Other timeouts are written through the control port before the first token pass.
pub const TOKEN_TIMEOUT_CYCLES: u32 = 6_250;
