//! Places and routes each engine block alone (in the port harness of `hdl/common`) on
//! LFE5U-25F-6BG256C at 125 MHz and prints its Fmax and critical path's ends: where to look
//! when the whole engine misses timing. `cargo run --release -p exo-engine --example
//! block_pnr -- [block…]`.

use exo_engine::{accept_rule, control_port, counters, deliver, entry_buffer, frame_rx, frame_tx};
use exo_engine::{
    history_window, post_queue, protocol_core, ring_table, token_timer, EngineParams,
};
use exo_hdl_common::harness::Harness;
use exo_hdl_common::tools::LFE5U_25F_6BG256C;
use exo_hdl_common::Design;
use rust_hdl::prelude::*;

fn design<B: Block>(mut b: B, name: &str) -> Design {
    Design::from_block(&mut b, name, name, serde_json::Value::Null, "")
}

/// Builds one block's design.
type MakeDesign = Box<dyn Fn() -> Design>;

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let blocks: Vec<(&str, MakeDesign)> = vec![
        (
            "frame_rx",
            Box::new(|| design(frame_rx::FrameRx::new(256, 1), "frame_rx")),
        ),
        (
            "accept_rule",
            Box::new(|| design(accept_rule::AcceptRule::new(true, true), "accept_rule")),
        ),
        (
            "history_window",
            Box::new(|| design(history_window::HistoryWindow::new(128, 3), "history_window")),
        ),
        (
            "ring_table",
            Box::new(|| design(ring_table::RingTable::new(256, 3), "ring_table")),
        ),
        (
            "protocol_core",
            Box::new(|| {
                design(
                    protocol_core::ProtocolCore::new(3, 128, 0, 0, true),
                    "protocol_core",
                )
            }),
        ),
        (
            "token_timer",
            Box::new(|| design(token_timer::TokenTimer::new(6250), "token_timer")),
        ),
        (
            "post_queue",
            Box::new(move || {
                design(
                    post_queue::PostQueue::new(&EngineParams::new(256, 3)),
                    "post_queue",
                )
            }),
        ),
        (
            "frame_tx",
            Box::new(move || {
                design(
                    frame_tx::FrameTx::new(&EngineParams::new(256, 3)),
                    "frame_tx",
                )
            }),
        ),
        (
            "entry_buffer",
            Box::new(|| design(entry_buffer::EntryBuffer::default(), "entry_buffer")),
        ),
        (
            "deliver",
            Box::new(|| design(deliver::Deliver::default(), "deliver")),
        ),
        (
            "counters",
            Box::new(|| design(counters::Counters::default(), "counters")),
        ),
        (
            "control_port",
            Box::new(|| {
                design(
                    control_port::ControlPort::new(256, 3, 128, 1),
                    "control_port",
                )
            }),
        ),
    ];
    for (name, make) in blocks {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        let d = make();
        let dir = std::path::PathBuf::from("build/pnr/blocks").join(name);
        let h = Harness::new(&d, &["clock"]);
        match h.place_and_route(&d, &dir, &LFE5U_25F_6BG256C, 125.0, 1) {
            Ok(r) => println!(
                "{name:16} Fmax {:7.2} MHz  LUT4 {:5} FF {:5} DP16KD {}",
                r.min_fmax(),
                r.lut4,
                r.ff,
                r.dp16kd
            ),
            Err(e) => {
                let text = e.to_string();
                let fmax = text
                    .lines()
                    .rfind(|l| l.contains("Max frequency"))
                    .unwrap_or("(no figure)");
                println!("{name:16} FAILS: {}", fmax.trim());
                // The critical path's cells, compactly: where to look.
                let mut in_path = false;
                for l in text.lines() {
                    if l.contains("Critical path report for clock") {
                        in_path = true;
                    } else if in_path && l.contains("ns logic") {
                        break;
                    } else if in_path && (l.contains("Source") || l.contains("Sink")) {
                        let w: Vec<&str> = l.split_whitespace().collect();
                        if let Some(cell) = w.iter().find(|x| x.contains('.')) {
                            if !cell.contains("CCU2_COMB") {
                                println!(
                                    "    {} {}",
                                    w.get(1).unwrap_or(&""),
                                    &cell[..cell.len().min(110)]
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
