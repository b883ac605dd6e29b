//! `exo`: Exo's golden model and its Verilated RTL rack as a Python module (pyo3, built with
//! maturin), for benches written like cocotb's: a test drives the rack and scores it against
//! the golden model.
//!
//! - `exo.RtlRack(nodes, seed)`: the Verilated rack (engines, MACs, fabric); every engine is
//!   held to its golden model cycle by cycle inside, and `mismatch` names the first difference.
//! - `exo.ModelRack(nodes, seed)`: the rack simulator of golden-model hosts, the same API.
//! - `exo.Host(n, id)`: one golden-model host (the accept rule, agreement, turns, timers).
//! - `exo.encode_frame(...)`, `exo.decode_frame(bytes)`: the wire format.
//!
//! Times are in nanoseconds, host ids are integers, payloads and frames are `bytes`.

mod host;
mod racks;

use pyo3::prelude::*;

#[pymodule]
fn exo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<racks::RtlRack>()?;
    m.add_class::<racks::ModelRack>()?;
    m.add_class::<host::Host>()?;
    m.add_function(wrap_pyfunction!(host::encode_frame, m)?)?;
    m.add_function(wrap_pyfunction!(host::decode_frame, m)?)?;
    m.add("RTL_RACK_SIZES", racks::rtl_sizes())?;
    Ok(())
}
