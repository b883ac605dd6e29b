//! The two racks for Python: `RtlRack` (Verilated) and `ModelRack` (golden model), with one
//! API generated for both from their shared `RackDriver`.

use exo_proto::HostId;
use exo_rtl_rack::racks::RACKS;
use exo_rtl_rack::RtlOptions;
use exo_verify::faults::{LinkDir, NetFault};
use exo_verify::net::PS_PER_NS;
use exo_verify::rack::{Action, Rack, RackConfig};
use exo_verify::report::{Report, RunEnd};
use exo_verify::view::{RackDriver, RackView};
use exo_verify::workload::{self, Limits};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

fn err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The host counts the Verilated racks are built for.
pub fn rtl_sizes() -> Vec<usize> {
    RACKS
        .iter()
        .filter(|r| r.broken.is_none())
        .map(|r| r.hosts)
        .collect()
}

fn host_id(rack: &dyn RackView, id: u8) -> PyResult<HostId> {
    if usize::from(id) < rack.n() {
        Ok(HostId(id))
    } else {
        Err(err(format!("host {id}: the rack has {} hosts", rack.n())))
    }
}

fn dir(name: &str) -> PyResult<LinkDir> {
    match name {
        "up" => Ok(LinkDir::Up),
        "down" => Ok(LinkDir::Down),
        "both" => Ok(LinkDir::Both),
        other => Err(err(format!(
            "dir {other:?}: use \"up\", \"down\" or \"both\""
        ))),
    }
}

fn probability(p: f64) -> PyResult<f64> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(err(format!("probability {p} is not between 0 and 1")))
    }
}

fn hosts(rack: &dyn RackView, ids: &[u8]) -> PyResult<Vec<HostId>> {
    ids.iter().map(|&i| host_id(rack, i)).collect()
}

/// Runs until every message is agreed everywhere, the rack stalls, or `max_time_ns`.
fn run_rack(rack: &mut dyn RackDriver, max_time_ns: u64) -> &'static str {
    let limits = Limits {
        max_time: rack.now() + max_time_ns * PS_PER_NS,
        stall: 10 * rack.progress().bound(),
    };
    match workload::run(rack, limits, &mut |_| {}) {
        RunEnd::Settled => "settled",
        RunEnd::Stalled => "stalled",
        RunEnd::TimeLimit => "time-limit",
        RunEnd::Until => "until",
    }
}

/// An agreed log for Python: (seq, sender, payload) per entry.
type PyLog<'py> = Vec<(u64, u8, Bound<'py, PyBytes>)>;

fn agreed_log<'py>(py: Python<'py>, rack: &dyn RackView, id: u8) -> PyResult<Option<PyLog<'py>>> {
    let id = host_id(rack, id)?;
    Ok(rack.host(id).map(|h| {
        h.log()
            .agreed_entries()
            .iter()
            .map(|e| (e.seq, e.sender.0, PyBytes::new(py, &e.payload)))
            .collect()
    }))
}

fn state<'py>(
    py: Python<'py>,
    rack: &dyn RackView,
    id: u8,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let hid = host_id(rack, id)?;
    let Some(h) = rack.host(hid) else {
        return Ok(None);
    };
    let d = PyDict::new(py);
    d.set_item("status", h.status().name())?;
    d.set_item("phase", rack.phase(hid).unwrap_or("crashed"))?;
    d.set_item("epoch", h.epoch())?;
    d.set_item("seq", h.seq())?;
    d.set_item("agreed", h.log().agreed())?;
    d.set_item("turn", h.turn().0)?;
    d.set_item(
        "history",
        PyList::new(py, h.history().to_vec().iter().map(|x| x.0))?,
    )?;
    Ok(Some(d))
}

fn report_json(rack: &dyn RackView) -> PyResult<String> {
    serde_json::to_string(&Report::new(rack, 0, RunEnd::TimeLimit)).map_err(err)
}

/// One Python API for both racks: submitting, running, faults, and reading hosts back.
macro_rules! rack_api {
    ($cls:ident, { $($own:tt)* }) => {
        #[pymethods]
        impl $cls {
            $($own)*

            /// Hands `payload` to host `host`'s application; returns the message's number.
            fn submit(&mut self, host: u8, payload: &[u8]) -> PyResult<usize> {
                let id = host_id(&self.rack, host)?;
                Ok(self.rack.submit(id, payload.to_vec()))
            }

            /// Runs until every message is agreed, the rack stalls, or `max_time_ns` passes;
            /// returns how it ended: "settled", "stalled" or "time-limit".
            #[pyo3(signature = (max_time_ns = 100_000_000))]
            fn run(&mut self, max_time_ns: u64) -> &'static str {
                run_rack(&mut self.rack, max_time_ns)
            }

            /// Runs to simulated time `t_ns`.
            fn run_until(&mut self, t_ns: u64) {
                self.rack.run_until(t_ns * PS_PER_NS);
            }

            /// Hosts in different groups cannot reach each other.
            fn partition(&mut self, groups: Vec<Vec<u8>>) -> PyResult<()> {
                let g = groups
                    .iter()
                    .map(|g| hosts(&self.rack, g))
                    .collect::<PyResult<_>>()?;
                self.rack.apply(Action::Net(NetFault::Partition(g)));
                Ok(())
            }

            fn heal(&mut self) {
                self.rack.apply(Action::Net(NetFault::Heal));
            }

            /// Loss probability on a host's links (every host's if `host` is None).
            #[pyo3(signature = (p, host = None, dir = "both"))]
            fn loss(&mut self, p: f64, host: Option<u8>, dir: &str) -> PyResult<()> {
                let host = host.map(|h| host_id(&self.rack, h)).transpose()?;
                let (p, dir) = (probability(p)?, self::dir(dir)?);
                self.rack.apply(Action::Net(NetFault::Loss { host, dir, p }));
                Ok(())
            }

            /// Corruption probability on a host's links (the receiving MAC's FCS catches it).
            #[pyo3(signature = (p, host = None, dir = "both"))]
            fn corrupt(&mut self, p: f64, host: Option<u8>, dir: &str) -> PyResult<()> {
                let host = host.map(|h| host_id(&self.rack, h)).transpose()?;
                let (p, dir) = (probability(p)?, self::dir(dir)?);
                self.rack.apply(Action::Net(NetFault::Corrupt { host, dir, p }));
                Ok(())
            }

            fn clean_links(&mut self) {
                self.rack.apply(Action::Net(NetFault::CleanLinks));
            }

            fn crash(&mut self, host: u8) -> PyResult<()> {
                let id = host_id(&self.rack, host)?;
                self.rack.apply(Action::Crash(id));
                Ok(())
            }

            fn restart(&mut self, host: u8) -> PyResult<()> {
                let id = host_id(&self.rack, host)?;
                self.rack.apply(Action::Restart(id));
                Ok(())
            }

            /// The agreed log of `host`: (seq, sender, payload) per entry; None if crashed.
            fn agreed_log<'py>(&self, py: Python<'py>, host: u8) -> PyResult<Option<PyLog<'py>>> {
                agreed_log(py, &self.rack, host)
            }

            /// status, phase, epoch, seq, agreed, turn, history of `host`; None if crashed.
            fn state<'py>(&self, py: Python<'py>, host: u8) -> PyResult<Option<Bound<'py, PyDict>>> {
                state(py, &self.rack, host)
            }

            /// Final audits (and on the RTL rack, every engine's state read back).
            fn finish(&mut self) {
                self.rack.finish();
            }

            /// The run's figures as `exo sim --json` prints them.
            fn report(&self) -> PyResult<String> {
                report_json(&self.rack)
            }

            #[getter]
            fn now_ns(&self) -> u64 {
                self.rack.now() / PS_PER_NS
            }

            #[getter]
            fn nodes(&self) -> usize {
                self.rack.n()
            }

            #[getter]
            fn safety_violations(&self) -> usize {
                self.rack.safety().violations().len()
            }

            #[getter]
            fn messages_agreed(&self) -> usize {
                self.rack.messages_agreed()
            }
        }
    };
}

/// The Verilated RTL rack: `RtlRack(nodes=5, seed=1, cold=False)`.
#[pyclass(unsendable)]
pub struct RtlRack {
    rack: exo_rtl_rack::RtlRack,
}

rack_api!(RtlRack, {
    #[new]
    #[pyo3(signature = (nodes = 5, seed = 1, cold = false))]
    fn new(nodes: usize, seed: u64, cold: bool) -> PyResult<RtlRack> {
        let opts = RtlOptions { cold, trace: None };
        let rack = exo_rtl_rack::RtlRack::new(RackConfig::new(nodes, seed), opts).map_err(err)?;
        Ok(RtlRack { rack })
    }

    /// The first difference between an engine and its golden model, or None.
    #[getter]
    fn mismatch(&self) -> Option<String> {
        self.rack.mismatch().map(|m| m.to_string())
    }

    /// Global rack cycles simulated.
    #[getter]
    fn cycles(&self) -> u64 {
        self.rack.cycles()
    }

    /// After `host`'s next frame, a forged one claims the next position with `host` in its
    /// history: every correct engine must reject it.
    fn forge_after(&mut self, host: u8) -> PyResult<()> {
        let id = host_id(&self.rack, host)?;
        self.rack.forge_after(id);
        Ok(())
    }
});

/// The rack simulator of golden-model hosts: `ModelRack(nodes=5, seed=1)`.
#[pyclass(unsendable)]
pub struct ModelRack {
    rack: Rack,
}

rack_api!(ModelRack, {
    #[new]
    #[pyo3(signature = (nodes = 5, seed = 1))]
    fn new(nodes: usize, seed: u64) -> PyResult<ModelRack> {
        let rack = Rack::new(RackConfig::new(nodes, seed)).map_err(err)?;
        Ok(ModelRack { rack })
    }
});
