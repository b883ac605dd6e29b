//! One golden-model host and the wire format, for Python: `exo.Host(n, id)`,
//! `exo.encode_frame(...)`, `exo.decode_frame(bytes)`.
//!
//! A host's outputs come back as tuples: `("accepted", seq, sender)`,
//! `("rejected", reason, sender, seq)`, `("agreed", seq)`, `("transmit", frame, seq)`,
//! `("anomaly", kind, local_seq)`.

use exo_proto::model::{ClusterConfig, HostConfig, Output, TokenClaim};
use exo_proto::wire::{host_mac, Frame};
use exo_proto::HostId;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

fn err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn output<'py>(py: Python<'py>, o: &Output) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let t = match o {
        Output::Accepted { seq, sender } => ("accepted", *seq, sender.0).into_pyobject(py)?,
        Output::Rejected {
            reason,
            sender,
            seq,
        } => ("rejected", reason.name(), sender.map(|s| s.0), *seq).into_pyobject(py)?,
        Output::Agreed { seq } => ("agreed", *seq).into_pyobject(py)?,
        Output::Transmit(t) => ("transmit", PyBytes::new(py, &t.frame), t.seq).into_pyobject(py)?,
        Output::Anomaly {
            kind, local_seq, ..
        } => ("anomaly", kind.name(), *local_seq).into_pyobject(py)?,
        _ => return Ok(None),
    };
    Ok(Some(t))
}

fn outputs<'py>(py: Python<'py>, out: &[Output]) -> PyResult<Vec<Bound<'py, PyTuple>>> {
    let mut v = Vec::new();
    for o in out {
        v.extend(output(py, o)?);
    }
    Ok(v)
}

/// One golden-model host in epoch mode: `Host(n, id, first=0, token_timeout_ns=50000, now=0)`.
#[pyclass]
pub struct Host {
    host: exo_proto::model::Host,
}

#[pymethods]
impl Host {
    #[new]
    #[pyo3(signature = (n, id, first = 0, token_timeout_ns = 50_000, now = 0))]
    fn new(n: usize, id: u8, first: u8, token_timeout_ns: u64, now: u64) -> PyResult<Host> {
        let mut cluster = ClusterConfig::new(n);
        cluster.first_holder = HostId(first);
        let mut cfg = HostConfig::new(HostId(id), cluster);
        cfg.claim = TokenClaim::Epochs {
            token_timeout: token_timeout_ns,
        };
        let host = exo_proto::model::Host::new(cfg, now).map_err(err)?;
        Ok(Host { host })
    }

    /// A frame from the network (FCS stripped); returns the host's outputs.
    fn handle_frame<'py>(
        &mut self,
        py: Python<'py>,
        now: u64,
        frame: &[u8],
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        outputs(py, &self.host.handle_frame(now, frame))
    }

    /// The token timer, when `next_deadline` has come.
    fn handle_timeout<'py>(
        &mut self,
        py: Python<'py>,
        now: u64,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        outputs(py, &self.host.handle_timeout(now))
    }

    fn post(&mut self, payload: &[u8]) -> PyResult<u64> {
        self.host.post(payload).map_err(err)
    }

    #[getter]
    fn next_deadline(&self) -> Option<u64> {
        self.host.next_deadline()
    }

    #[getter]
    fn seq(&self) -> u64 {
        self.host.seq()
    }

    #[getter]
    fn epoch(&self) -> u32 {
        self.host.epoch()
    }

    #[getter]
    fn agreed(&self) -> u64 {
        self.host.log().agreed()
    }

    #[getter]
    fn turn(&self) -> u8 {
        self.host.turn().0
    }

    #[getter]
    fn status(&self) -> String {
        self.host.status().name()
    }

    /// Newest first (a list of ints; a `Vec<u8>` would come out as `bytes`).
    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.host.history().to_vec().iter().map(|h| h.0))
    }

    /// (seq, sender, payload) per log entry.
    fn log<'py>(&self, py: Python<'py>) -> Vec<(u64, u8, Bound<'py, PyBytes>)> {
        self.host
            .log()
            .entries()
            .iter()
            .map(|e| (e.seq, e.sender.0, PyBytes::new(py, &e.payload)))
            .collect()
    }
}

/// An Exo frame (without FCS).
#[pyfunction]
#[pyo3(signature = (sender, seq, history, payload = b"".as_slice(), epoch = 0, cluster = 1))]
pub fn encode_frame<'py>(
    py: Python<'py>,
    sender: u8,
    seq: u64,
    history: Vec<u8>,
    payload: &[u8],
    epoch: u32,
    cluster: u16,
) -> PyResult<Bound<'py, PyBytes>> {
    let frame = Frame {
        src_mac: host_mac(cluster, HostId(sender)),
        cluster,
        epoch,
        sender: HostId(sender),
        seq,
        history: history.into_iter().map(HostId).collect(),
        payload: payload.to_vec(),
    };
    Ok(PyBytes::new(py, &frame.encode().map_err(err)?))
}

/// The fields of an Exo frame (without FCS); raises ValueError naming the failed check.
#[pyfunction]
pub fn decode_frame<'py>(py: Python<'py>, frame: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let f = Frame::decode(frame).map_err(err)?;
    let d = PyDict::new(py);
    d.set_item("sender", f.sender.0)?;
    d.set_item("seq", f.seq)?;
    d.set_item("epoch", f.epoch)?;
    d.set_item("cluster", f.cluster)?;
    d.set_item("history", PyList::new(py, f.history.iter().map(|h| h.0))?)?;
    d.set_item("payload", PyBytes::new(py, &f.payload))?;
    Ok(d)
}
