//! Stepping a rust-hdl design directly, in one thread.
//!
//! rust-hdl's threaded `Simulation` runs about 10 k cycles/s; settling the design by hand
//! after each clock edge runs millions. The convention every block test follows: set inputs,
//! call [`settle`] and read combinational outputs, then [`cycle`] to the next rising edge
//! (registers take their `d`), and the design settles again with the clock low.

use rust_hdl::prelude::*;

/// Propagates until nothing changes. Panics if the design oscillates: that is a design bug
/// (a combinational loop), never an input the test chose.
pub fn settle<B: Block>(uut: &mut B) {
    assert!(
        simulate(uut, 1024),
        "the design did not settle: combinational loop"
    );
}

/// One clock cycle: a rising edge, then the clock low again, settling after each.
pub fn cycle<B: Block>(uut: &mut B, clock: fn(&mut B) -> &mut Signal<In, Clock>) {
    clock(uut).next = Clock { clk: true };
    settle(uut);
    clock(uut).next = Clock { clk: false };
    settle(uut);
}

/// The seed of a randomised test: `EXO_SEED` if set, else `default`. Printed, so that a
/// failure names the command that replays it.
pub fn test_seed(test: &str, default: u64) -> u64 {
    let seed = std::env::var("EXO_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("{test}: seed {seed} (replay with EXO_SEED={seed})");
    seed
}
