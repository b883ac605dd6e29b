//! Every board through synthesis (what CI checks for each board: `exo build` runs the same
//! steps, then place and route), and the board's logic through Verilator's lint.

use exo_boards::flow::{self, BuildOptions};
use exo_boards::{colorlight_5a_75b, ecp5_versa, Board, DEFAULT_HOSTS};
use exo_engine::EngineParams;

fn synthesizes(board: &Board) {
    let out = std::env::temp_dir().join(format!("exo-board-{}-{}", board.name, std::process::id()));
    let opts = BuildOptions {
        board,
        params: EngineParams::new(DEFAULT_HOSTS, 0),
        out: out.clone(),
        seeds: vec![1],
    };
    let mut lines = Vec::new();
    let stats = flow::synthesize(&opts, &mut |l: &str| lines.push(l.to_string()))
        .unwrap_or_else(|e| panic!("{}: {e}", board.name));
    eprintln!("{}: {}", board.name, lines.join("; "));
    assert!(
        stats.dp16kd >= 7,
        "engine, host port buffer and reply buffer in block RAM: {stats}"
    );
    assert!(stats.lut4 > 1000 && stats.ff > 1000, "{stats}");
    let top = std::fs::read_to_string(out.join("exo_top.v")).unwrap();
    assert!(top.contains("exo_pll pll"), "the PLL is instantiated");
    let pll = std::fs::read_to_string(out.join("exo_pll.v")).unwrap();
    assert!(
        pll.contains("FREQUENCY_PIN_CLKOP=\"125\""),
        "ecppll made 125 MHz"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn colorlight_5a_75b_v8_synthesizes() {
    synthesizes(&colorlight_5a_75b::V8_0);
}

#[test]
fn colorlight_5a_75b_v7_synthesizes() {
    synthesizes(&colorlight_5a_75b::V7_0);
}

#[test]
fn ecp5_versa_synthesizes() {
    synthesizes(&ecp5_versa::VERSA);
}

#[test]
fn exo_board_is_lint_clean_under_verilator_wall() {
    let design = exo_boards::design::design(&EngineParams::new(DEFAULT_HOSTS, 0), 80, 0)
        .expect("valid parameters");
    let dir = std::env::temp_dir().join(format!("exo-board-lint-{}", std::process::id()));
    let result = design.lint(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(result.is_ok(), "{}", result.unwrap_err());
}

#[test]
fn refuses_what_the_hardware_cannot_do() {
    let err = exo_boards::design::design(&EngineParams::new(300, 0), 80, 0).unwrap_err();
    assert!(err.to_string().contains("hosts = 300"), "{err}");
    let err = exo_boards::design::design(&EngineParams::new(8, 0), 200, 0).unwrap_err();
    assert!(err.to_string().contains("RGMII adapter"), "{err}");
}
