//! The rack top: N engines, each behind its GMII MAC, and the fabric with one MAC per port,
//! as one Verilog module that Verilator turns into one model.
//!
//! ```text
//!  host i:  engine ─tx─► mac_gmii (host) ─GMII up_tx_i──► [harness: wire, faults] ─► up_rx_i
//!             ▲ rx                                                                    │
//!             └───── mac_gmii (host) ◄─ dn_rx_i ◄─ [harness: wire, faults] ◄─ dn_tx_i  │
//!  fabric:  mac_gmii (port i) rx ◄────────────────────────────────────────────────────┘
//!           exo_fabric: inputs_i ◄─ port MACs' rx, outputs_i ─► port MACs' tx ─► dn_tx_i
//! ```
//!
//! The GMII links leave the module so that the harness can carry them with a wire delay and
//! inject loss, corruption and partitions there. Each engine has its own clock (`eclk_i`) so
//! that the harness can run one engine's control-port operations while the network stands
//! still (`freeze_i` then also holds the engine's transmit stream and feeds its receive
//! stream from the replay port `rp_*_i`, through which the host software replays frames it
//! held). The `p_*_i` outputs probe the engine's protocol state: the `ProtocolCore`'s state
//! ports, read by hierarchical reference, so the co-simulation can compare the state after
//! every verdict without touching the engine's port interface.
//!
//! This file is included by `build.rs` (which writes the Verilog) and by the library (which
//! needs the port list), so it depends on nothing.

use std::fmt::Write;

/// Direction of a rack-top port, seen from outside the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
}

/// One port of the rack top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopPort {
    pub name: String,
    pub dir: Dir,
    pub width: usize,
}

/// The engine signals the `p_*` probes read: (probe, signal in the engine core, width), where
/// a width of 0 means n (the history bitmap, cut to the cluster's ids).
pub const PROBES: [(&str, &str, usize); 10] = [
    ("p_status", "core$status", 2),
    ("p_kind", "core$halt_kind", 3),
    ("p_epoch", "core$epoch", 32),
    ("p_seq", "core$seq", 64),
    ("p_start", "core$epoch_start", 64),
    ("p_agreed", "core$agreed", 64),
    ("p_holder", "core$holder", 8),
    ("p_if_valid", "core$inflight_valid", 1),
    ("p_if_seq", "core$inflight_seq", 64),
    ("p_hist", "history$bitmap", 0),
];

/// Per-host ports: (name, direction, width); the port of host i is `<name>_<i>`.
const HOST_PORTS: [(&str, Dir, usize); 53] = [
    ("eclk", Dir::In, 1),
    ("rst", Dir::In, 1),
    ("cold", Dir::In, 1),
    ("freeze", Dir::In, 1),
    ("rp_data", Dir::In, 8),
    ("rp_valid", Dir::In, 1),
    ("rp_last", Dir::In, 1),
    ("post_data", Dir::In, 8),
    ("post_valid", Dir::In, 1),
    ("post_last", Dir::In, 1),
    ("post_ready", Dir::Out, 1),
    ("rec_data", Dir::Out, 8),
    ("rec_valid", Dir::Out, 1),
    ("rec_last", Dir::Out, 1),
    ("rec_ready", Dir::In, 1),
    ("ctl_addr", Dir::In, 8),
    ("ctl_wdata", Dir::In, 32),
    ("ctl_write", Dir::In, 1),
    ("ctl_read", Dir::In, 1),
    ("ctl_ready", Dir::Out, 1),
    ("ctl_rdata", Dir::Out, 32),
    ("ctl_rvalid", Dir::Out, 1),
    ("ev_verdict", Dir::Out, 1),
    ("ev_accept", Dir::Out, 1),
    ("ev_reason", Dir::Out, 4),
    ("ev_detail", Dir::Out, 4),
    ("ev_dropped", Dir::Out, 1),
    ("ev_sent", Dir::Out, 1),
    ("ev_transmit", Dir::Out, 1),
    ("running", Dir::Out, 1),
    ("token", Dir::Out, 1),
    ("anomaly", Dir::Out, 1),
    ("rx_data", Dir::Out, 8),
    ("rx_valid", Dir::Out, 1),
    ("rx_last", Dir::Out, 1),
    ("rx_error", Dir::Out, 1),
    ("tx_data", Dir::Out, 8),
    ("tx_valid", Dir::Out, 1),
    ("tx_fire", Dir::Out, 1),
    ("tx_last", Dir::Out, 1),
    ("up_txd", Dir::Out, 8),
    ("up_tx_en", Dir::Out, 1),
    ("up_tx_er", Dir::Out, 1),
    ("up_rxd", Dir::In, 8),
    ("up_rx_dv", Dir::In, 1),
    ("up_rx_er", Dir::In, 1),
    ("dn_txd", Dir::Out, 8),
    ("dn_tx_en", Dir::Out, 1),
    ("dn_tx_er", Dir::Out, 1),
    ("dn_rxd", Dir::In, 8),
    ("dn_rx_dv", Dir::In, 1),
    ("dn_rx_er", Dir::In, 1),
    ("h_bad_frames", Dir::Out, 32),
];

/// Every port of the rack top for `n` hosts, in declaration order.
pub fn ports(n: usize) -> Vec<TopPort> {
    let mut all = vec![TopPort {
        name: "clk".into(),
        dir: Dir::In,
        width: 1,
    }];
    for i in 0..n {
        for (name, dir, width) in HOST_PORTS {
            all.push(TopPort {
                name: format!("{name}_{i}"),
                dir,
                width,
            });
        }
        for (name, _, width) in PROBES {
            all.push(TopPort {
                name: format!("{name}_{i}"),
                dir: Dir::Out,
                width: if width == 0 { n } else { width },
            });
        }
    }
    all
}

/// The Verilog of the rack top `module` for the engine modules `engines` (one per host, in
/// id order), with the MAC module `mac_gmii` and the fabric module `exo_fabric`.
pub fn verilog(module: &str, engines: &[String]) -> String {
    let n = engines.len();
    let mut v = String::new();
    let _ = writeln!(
        v,
        "// Co-simulation rack of {n} hosts: engines behind GMII MACs on the fabric \
         (verify/rtl_rack/src/top.rs). Generated: do not edit."
    );
    let decls: Vec<String> = ports(n)
        .iter()
        .map(|p| {
            let dir = if p.dir == Dir::In { "input " } else { "output" };
            let range = if p.width > 1 {
                format!("[{}:0] ", p.width - 1)
            } else {
                String::new()
            };
            format!("    {dir} wire {range}{}", p.name)
        })
        .collect();
    let _ = writeln!(v, "module {module} (\n{}\n);", decls.join(",\n"));
    for (i, engine) in engines.iter().enumerate() {
        v.push_str(&host(i, engine, n));
    }
    v.push_str(&fabric(n));
    v.push_str("endmodule\n");
    v
}

/// One host: its engine, the freeze gates, the probes, its MAC and its fabric port's MAC.
fn host(i: usize, engine: &str, n: usize) -> String {
    let mut v = format!(
        "
    // ---- host {i}
    wire [7:0] hrx_data_{i}; wire hrx_valid_{i}, hrx_last_{i}, hrx_error_{i};
    wire tx_error_{i}, tx_ready_{i}, mac_ready_{i}, rec_error_{i};
    // Frozen: the engine hears only the replay port and its transmit stream waits.
    assign rx_data_{i} = freeze_{i} ? rp_data_{i} : hrx_data_{i};
    assign rx_valid_{i} = freeze_{i} ? rp_valid_{i} : hrx_valid_{i};
    assign rx_last_{i} = freeze_{i} ? rp_last_{i} : hrx_last_{i};
    assign rx_error_{i} = freeze_{i} ? 1'b0 : hrx_error_{i};
    assign tx_ready_{i} = mac_ready_{i} & ~freeze_{i};
    assign tx_fire_{i} = tx_valid_{i} & tx_ready_{i};
    {engine} eng_{i} (
        .clock(eclk_{i}), .reset(rst_{i}), .cold_start(cold_{i}),
        .rx_data(rx_data_{i}), .rx_valid(rx_valid_{i}), .rx_last(rx_last_{i}), .rx_error(rx_error_{i}),
        .tx_data(tx_data_{i}), .tx_valid(tx_valid_{i}), .tx_last(tx_last_{i}), .tx_error(tx_error_{i}), .tx_ready(tx_ready_{i}),
        .post_data(post_data_{i}), .post_valid(post_valid_{i}), .post_last(post_last_{i}), .post_error(1'b0), .post_ready(post_ready_{i}),
        .records_data(rec_data_{i}), .records_valid(rec_valid_{i}), .records_last(rec_last_{i}), .records_error(rec_error_{i}), .records_ready(rec_ready_{i}),
        .ctl_addr(ctl_addr_{i}), .ctl_wdata(ctl_wdata_{i}), .ctl_write(ctl_write_{i}), .ctl_read(ctl_read_{i}),
        .ctl_ready(ctl_ready_{i}), .ctl_rdata(ctl_rdata_{i}), .ctl_rvalid(ctl_rvalid_{i}),
        .running(running_{i}), .token(token_{i}), .anomaly(anomaly_{i}),
        .event_verdict(ev_verdict_{i}), .event_accept(ev_accept_{i}), .event_reason(ev_reason_{i}), .event_detail(ev_detail_{i}),
        .event_sent(ev_sent_{i}), .event_dropped(ev_dropped_{i}), .event_transmit(ev_transmit_{i}));
"
    );
    for (probe, signal, width) in PROBES {
        let slice = if width == 0 {
            format!("[{}:0]", n - 1)
        } else {
            String::new()
        };
        let _ = writeln!(v, "    assign {probe}_{i} = eng_{i}.core.{signal}{slice};");
    }
    let _ = write!(
        v,
        "    mac_gmii hmac_{i} (
        .rx_clock(clk), .gmii_rxd(dn_rxd_{i}), .gmii_rx_dv(dn_rx_dv_{i}), .gmii_rx_er(dn_rx_er_{i}),
        .rx_data(hrx_data_{i}), .rx_valid(hrx_valid_{i}), .rx_last(hrx_last_{i}), .rx_error(hrx_error_{i}),
        .rx_frames_ok(), .rx_bad_fcs(h_bad_frames_{i}), .rx_runts(), .rx_oversize(), .rx_phy_errors(),
        .tx_clock(clk), .tx_data(tx_data_{i}), .tx_valid(tx_valid_{i}), .tx_last(tx_last_{i}), .tx_error(1'b0), .tx_ready(mac_ready_{i}),
        .gmii_txd(up_txd_{i}), .gmii_tx_en(up_tx_en_{i}), .gmii_tx_er(up_tx_er_{i}),
        .tx_frames(), .tx_underflows(), .tx_aborts());
    wire [7:0] fin_data_{i}, fout_data_{i};
    wire fin_valid_{i}, fin_last_{i}, fin_error_{i}, fout_valid_{i}, fout_last_{i}, fout_error_{i}, fout_ready_{i};
    mac_gmii fmac_{i} (
        .rx_clock(clk), .gmii_rxd(up_rxd_{i}), .gmii_rx_dv(up_rx_dv_{i}), .gmii_rx_er(up_rx_er_{i}),
        .rx_data(fin_data_{i}), .rx_valid(fin_valid_{i}), .rx_last(fin_last_{i}), .rx_error(fin_error_{i}),
        .rx_frames_ok(), .rx_bad_fcs(), .rx_runts(), .rx_oversize(), .rx_phy_errors(),
        .tx_clock(clk), .tx_data(fout_data_{i}), .tx_valid(fout_valid_{i}), .tx_last(fout_last_{i}), .tx_error(fout_error_{i}), .tx_ready(fout_ready_{i}),
        .gmii_txd(dn_txd_{i}), .gmii_tx_en(dn_tx_en_{i}), .gmii_tx_er(dn_tx_er_{i}),
        .tx_frames(), .tx_underflows(), .tx_aborts());
"
    );
    v
}

/// The fabric, every port wired to its MAC.
fn fabric(n: usize) -> String {
    let mut conns = vec![".clock(clk)".to_string()];
    for i in 0..n {
        conns.extend([
            format!(".inputs_{i}_data(fin_data_{i}), .inputs_{i}_valid(fin_valid_{i}), .inputs_{i}_last(fin_last_{i}), .inputs_{i}_error(fin_error_{i})"),
            format!(".outputs_{i}_data(fout_data_{i}), .outputs_{i}_valid(fout_valid_{i}), .outputs_{i}_last(fout_last_{i}), .outputs_{i}_error(fout_error_{i}), .outputs_{i}_ready(fout_ready_{i})"),
            format!(".drops_{i}(), .errors_{i}()"),
        ]);
    }
    format!(
        "\n    // ---- the Exo network\n    exo_fabric fabric (\n        {}\n    );\n",
        conns.join(",\n        ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_has_its_ports_and_probes() {
        let p = ports(3);
        assert_eq!(p.len(), 1 + 3 * (HOST_PORTS.len() + PROBES.len()));
        let hist = p.iter().find(|p| p.name == "p_hist_2").expect("probe");
        assert_eq!(hist.width, 3);
        let v = verilog("rack", &["e0".into(), "e1".into(), "e2".into()]);
        assert!(v.contains("e2 eng_2 ("));
        assert!(v.contains("assign p_seq_1 = eng_1.core.core$seq;"));
        assert!(v.contains("assign p_hist_0 = eng_0.core.history$bitmap[2:0];"));
    }
}
