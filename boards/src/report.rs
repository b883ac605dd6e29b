//! What a board build reports (`report.json`): Fmax per clock against its constraint,
//! the resources used, the PLL, the tools' versions and the time of each step — read from
//! nextpnr's `--report` file, or from its log when it stopped before writing one.

use serde::Serialize;

/// One clock as nextpnr timed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockFigure {
    /// What the clock is (see [`name_clocks`]).
    pub clock: String,
    /// nextpnr's name of the clock net.
    pub net: String,
    pub constraint_mhz: f64,
    pub fmax_mhz: f64,
    pub met: bool,
}

/// One kind of cell: used and available on the part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Use {
    pub used: u64,
    pub available: u64,
}

/// Resources placed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Utilization {
    /// Logic cells (nextpnr's TRELLIS_COMB: a LUT4 or a carry half).
    pub lut4: Use,
    pub ff: Use,
    pub dp16kd: Use,
    pub io: Use,
}

/// Reads nextpnr's `--report` JSON.
pub fn from_report_json(text: &str) -> Result<(Vec<ClockFigure>, Utilization), String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let clocks = v["fmax"]
        .as_object()
        .ok_or("no fmax in nextpnr's report")?
        .iter()
        .map(|(net, f)| {
            let fmax_mhz = f["achieved"].as_f64().unwrap_or(0.0);
            let constraint_mhz = f["constraint"].as_f64().unwrap_or(0.0);
            ClockFigure {
                clock: String::new(),
                net: net.clone(),
                constraint_mhz,
                fmax_mhz,
                met: fmax_mhz >= constraint_mhz,
            }
        })
        .collect();
    let cell = |name: &str| {
        let u = &v["utilization"][name];
        Use {
            used: u["used"].as_u64().unwrap_or(0),
            available: u["available"].as_u64().unwrap_or(0),
        }
    };
    Ok((
        clocks,
        Utilization {
            lut4: cell("TRELLIS_COMB"),
            ff: cell("TRELLIS_FF"),
            dp16kd: cell("DP16KD"),
            io: cell("TRELLIS_IO"),
        },
    ))
}

/// Reads the clocks from nextpnr's log: the last "Max frequency for clock" line of each.
pub fn clocks_from_log(log: &str) -> Vec<ClockFigure> {
    let mut clocks: Vec<ClockFigure> = Vec::new();
    for line in log.lines() {
        let Some(rest) = line.split("Max frequency for clock '").nth(1) else {
            continue;
        };
        let Some((net, figures)) = rest.split_once("': ") else {
            continue;
        };
        let words: Vec<&str> = figures
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        // "86.12 MHz (FAIL at 125.00 MHz)"
        if let [fmax, "MHz", verdict, "at", constraint, ..] = words.as_slice() {
            let (Ok(fmax_mhz), Ok(constraint_mhz)) = (fmax.parse(), constraint.parse()) else {
                continue;
            };
            let figure = ClockFigure {
                clock: String::new(),
                net: net.to_string(),
                constraint_mhz,
                fmax_mhz,
                met: *verdict == "PASS",
            };
            clocks.retain(|c| c.net != figure.net);
            clocks.push(figure);
        }
    }
    clocks
}

/// Names each clock by what it is: nextpnr names a clock net after whatever it found on it
/// (the PLL's output net carries the name of the first flip-flop it clocks).
pub fn name_clocks(clocks: &mut [ClockFigure], board_clock_port: &str) {
    for c in clocks {
        c.clock = if c.net.contains("eth0_rx_clk") {
            "eth0_rx_clk: port 0 (host link) PHY receive clock".into()
        } else if c.net.contains("eth1_rx_clk") {
            "eth1_rx_clk: port 1 (Exo network) PHY receive clock".into()
        } else if c.net.contains(board_clock_port) {
            format!("{board_clock_port}: the board's clock input")
        } else {
            "clock: the engine's clock, the PLL's output".into()
        };
    }
}

/// Reads the utilization from nextpnr's log ("TRELLIS_COMB:  1234/24288  5%").
pub fn utilization_from_log(log: &str) -> Utilization {
    let cell = |name: &str| -> Use {
        log.lines()
            .filter_map(|l| {
                let rest = l.split(&format!("{name}:")).nth(1)?;
                let (used, avail) = rest.trim().split_once('/')?;
                let avail = avail.split_whitespace().next()?;
                Some(Use {
                    used: used.trim().parse().ok()?,
                    available: avail.parse().ok()?,
                })
            })
            .next_back()
            .unwrap_or_default()
    };
    Utilization {
        lut4: cell("TRELLIS_COMB"),
        ff: cell("TRELLIS_FF"),
        dp16kd: cell("DP16KD"),
        io: cell("TRELLIS_IO"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_report_and_the_log() {
        let json = r#"{"utilization": {"TRELLIS_COMB": {"used": 10, "available": 24288},
            "TRELLIS_FF": {"used": 5, "available": 24288}, "DP16KD": {"used": 2, "available": 56},
            "TRELLIS_IO": {"used": 30, "available": 197}},
            "fmax": {"clock": {"achieved": 130.5, "constraint": 125.0},
                     "eth0_rx_clk$TRELLIS_IO_IN": {"achieved": 99.0, "constraint": 125.0}}}"#;
        let (clocks, u) = from_report_json(json).unwrap();
        assert_eq!((u.lut4.used, u.lut4.available), (10, 24288));
        assert_eq!((u.io.used, u.io.available), (30, 197));
        assert!(clocks.iter().any(|c| c.net == "clock" && c.met));
        assert!(clocks.iter().any(|c| c.net.starts_with("eth0") && !c.met));
        let log = "Info: Max frequency for clock '$glbnet$clock': 80.00 MHz (FAIL at 125.00 MHz)\n\
                   Info: Max frequency for clock '$glbnet$clock': 86.12 MHz (FAIL at 125.00 MHz)\n\
                   Info: Max frequency for clock 'eth1_rx_clk$TRELLIS_IO_IN': 250.00 MHz (PASS at 125.00 MHz)\n\
                   Info:          TRELLIS_COMB:  10139/24288    41%\n";
        let clocks = clocks_from_log(log);
        assert_eq!(clocks.len(), 2);
        assert_eq!(clocks[0].fmax_mhz, 86.12);
        assert!(!clocks[0].met && clocks[1].met);
        assert_eq!(utilization_from_log(log).lut4.used, 10139);
    }
}
