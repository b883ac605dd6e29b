//! One Verilated rack as a Rust value: its ports by index, evaluation and VCD tracing.
//!
//! Ports are read and written through the addresses Verilator gives them (the shim returns
//! each port's storage once), so a cycle costs two `eval` calls and no other foreign call.

use crate::ffi::{Built, BUILT};
use crate::racks::{RackSpec, RACKS};
use crate::top::{self, Dir, TopPort};
use std::ffi::{c_void, CString};
use std::path::Path;

/// A port of the rack top, by its index in [`top::ports`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin(usize);

struct Storage {
    ptr: *mut c_void,
    width: usize,
}

pub struct Model {
    built: &'static Built,
    handle: *mut c_void,
    ports: Vec<TopPort>,
    storage: Vec<Storage>,
    pub spec: RackSpec,
}

impl Model {
    /// A fresh model of the rack `spec` (every register at its initial value). `trace`
    /// allows VCD tracing later ([`Model::trace_open`]); it slows evaluation down.
    pub fn new(spec: &RackSpec, trace: bool) -> Result<Model, String> {
        let index = RACKS
            .iter()
            .position(|r| r == spec)
            .ok_or_else(|| format!("no Verilated rack {}", spec.tag))?;
        let built = &BUILT[index];
        // SAFETY: the shim allocates a model and returns its handle, never null.
        let handle = unsafe { (built.new)(i32::from(trace)) };
        let ports = top::ports(spec.hosts);
        let mut storage = Vec::with_capacity(ports.len());
        for (i, p) in ports.iter().enumerate() {
            // SAFETY: `i` indexes the same port list the shim was generated from.
            let ptr = unsafe { (built.port)(handle, i as u32) };
            if ptr.is_null() {
                return Err(format!("rack {}: port {} has no storage", spec.tag, p.name));
            }
            storage.push(Storage {
                ptr,
                width: p.width,
            });
        }
        Ok(Model {
            built,
            handle,
            ports,
            storage,
            spec: *spec,
        })
    }

    /// The port called `name`; a missing name is a harness bug.
    pub fn pin(&self, name: &str) -> Pin {
        let i = self
            .ports
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("rack {} has no port {name}", self.spec.tag));
        Pin(i)
    }

    pub fn get(&self, pin: Pin) -> u64 {
        let s = &self.storage[pin.0];
        // SAFETY: Verilator stores a port of w bits in 1, 2, 4 or 8 bytes (w <= 64, checked
        // by the port list), at the address the shim returned; the model lives as long as self.
        unsafe {
            match s.width {
                0..=8 => u64::from(*(s.ptr as *const u8)),
                9..=16 => u64::from(*(s.ptr as *const u16)),
                17..=32 => u64::from(*(s.ptr as *const u32)),
                _ => *(s.ptr as *const u64),
            }
        }
    }

    pub fn bit(&self, pin: Pin) -> bool {
        self.get(pin) != 0
    }

    pub fn set(&mut self, pin: Pin, value: u64) {
        debug_assert_eq!(self.ports[pin.0].dir, Dir::In, "{}", self.ports[pin.0].name);
        let s = &self.storage[pin.0];
        // SAFETY: as in `get`; inputs are plain storage the model reads at `eval`.
        unsafe {
            match s.width {
                0..=8 => *(s.ptr as *mut u8) = value as u8,
                9..=16 => *(s.ptr as *mut u16) = value as u16,
                17..=32 => *(s.ptr as *mut u32) = value as u32,
                _ => *(s.ptr as *mut u64) = value,
            }
        }
    }

    pub fn eval(&mut self) {
        // SAFETY: a live handle.
        unsafe { (self.built.eval)(self.handle) }
    }

    /// Starts a VCD file (the model must have been created with tracing allowed).
    pub fn trace_open(&mut self, path: &Path) -> Result<(), String> {
        let c = CString::new(path.to_string_lossy().as_bytes()).map_err(|e| e.to_string())?;
        // SAFETY: a live handle and a NUL-terminated path.
        let ok = unsafe { (self.built.trace_open)(self.handle, c.as_ptr()) };
        if ok == 1 {
            Ok(())
        } else {
            Err(format!("could not open {}", path.display()))
        }
    }

    /// Records the current values at `time` (in the trace's time unit, 1 ps).
    pub fn trace_dump(&mut self, time: u64) {
        // SAFETY: a live handle; without an open trace the shim does nothing.
        unsafe { (self.built.trace_dump)(self.handle, time) }
    }

    pub fn trace_close(&mut self) {
        // SAFETY: a live handle.
        unsafe { (self.built.trace_close)(self.handle) }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle came from `new` and is freed once.
        unsafe { (self.built.free)(self.handle) }
    }
}
