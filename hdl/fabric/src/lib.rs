//! The Exo network in RTL: every frame from every host goes through one aggregation point
//! (N → 1, whole frames, never reordered) and is then broadcast to all hosts (1 → N), the
//! sender included.
//!
//! - [`frame_buffer`]: one input's store-and-forward buffer with its drop counter;
//! - [`aggregate`]: N buffers and a round-robin arbiter → one ordered stream;
//! - [`broadcast`]: one stream → N outputs in lockstep;
//! - [`fabric`]: both together — `exo_fabric.v`, built by [`design`].

pub mod aggregate;
pub mod broadcast;
pub mod fabric;
pub mod frame_buffer;

pub use aggregate::{Aggregate, AGGREGATE_LATENCY};
pub use broadcast::{Broadcast, BROADCAST_LATENCY};
pub use fabric::{Fabric, FABRIC_LATENCY};
pub use frame_buffer::FrameBuffer;

use exo_hdl_common::Design;

/// Address bits of each input's buffer in the emitted design: 2048 beats, the smallest power
/// of two that holds a 1518-byte frame, and one DP16KD (2048 × 9) per input.
pub const BUFFER_ADDRESS_BITS: usize = 11;
/// The fewest and the most hosts [`design`] builds.
pub const MIN_HOSTS: usize = 2;
pub const MAX_HOSTS: usize = 16;

/// A fabric size [`design`] cannot build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FabricParamError {
    #[error("the fabric needs {MIN_HOSTS}..={MAX_HOSTS} hosts (the arbiter's grant has 4 bits); {0} asked")]
    Hosts(usize),
}

/// The Verilator `-Wall` waivers of `exo_fabric.v`, each with its reason.
pub const WAIVERS: [(&str, &str); 4] = [
    ("UNOPTFLAT", "no real loop: rust-hdl writes each block's logic as one always block, so a handshake's valid (forward) and ready (backward) share blocks; no ready depends on a valid"),
    ("WIDTHEXPAND", "rust-hdl writes every literal and every + 1 as 32 bits; the widths are Rust's Bits<N> types, checked before emission"),
    ("WIDTHTRUNC", "the same 32-bit literals, assigned to narrower registers"),
    ("DECLFILENAME", "one file holds the design's wrapper and all its rust-hdl modules, named exo_fabric_core*"),
];

fn waiver_file() -> String {
    let mut text = String::from("`verilator_config\n");
    for (rule, reason) in WAIVERS {
        text.push_str(&format!(
            "lint_off -rule {rule} -file \"*exo_fabric.v\" // {reason}\n"
        ));
    }
    text
}

fn build<const N: usize>() -> Design {
    let mut fabric = Fabric::<N, BUFFER_ADDRESS_BITS, { BUFFER_ADDRESS_BITS + 1 }>::default();
    Design::from_block(
        &mut fabric,
        "exo_fabric",
        "The Exo network: N frame streams aggregated into one ordered stream (whole frames, round-robin, per-input store-and-forward buffers with drop counters), broadcast to N outputs.",
        serde_json::json!({
            "hosts": N,
            "buffer_bytes": 1 << BUFFER_ADDRESS_BITS,
            "latency_cycles": FABRIC_LATENCY,
        }),
        &waiver_file(),
    )
}

/// The fabric for `n` hosts: module `exo_fabric`.
pub fn design(n: usize) -> Result<Design, FabricParamError> {
    Ok(match n {
        2 => build::<2>(),
        3 => build::<3>(),
        4 => build::<4>(),
        5 => build::<5>(),
        6 => build::<6>(),
        7 => build::<7>(),
        8 => build::<8>(),
        9 => build::<9>(),
        10 => build::<10>(),
        11 => build::<11>(),
        12 => build::<12>(),
        13 => build::<13>(),
        14 => build::<14>(),
        15 => build::<15>(),
        16 => build::<16>(),
        _ => return Err(FabricParamError::Hosts(n)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_sizes_it_cannot_build() {
        for n in [0, 1, 17, 64] {
            assert_eq!(design(n).unwrap_err(), FabricParamError::Hosts(n));
        }
    }

    #[test]
    fn emitted_fabric_is_lint_clean_under_verilator_wall() {
        let dir = std::env::temp_dir().join(format!("exo-fabric-lint-{}", std::process::id()));
        for n in [2, 8] {
            let d = design(n).unwrap();
            assert_eq!(d.name, "exo_fabric");
            let result = d.lint(&dir);
            assert!(result.is_ok(), "N = {n}: {}", result.unwrap_err());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fabric_is_synthesizable() {
        let mut uut = Fabric::<3, 11, 12>::default();
        exo_hdl_common::check_synthesizable(&mut uut, "fabric").unwrap();
    }
}
