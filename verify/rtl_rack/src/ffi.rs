//! The entry points of the Verilated racks `build.rs` compiled (one C shim per rack).

use std::ffi::{c_char, c_void};

/// One rack's C ABI (see the shim in `build.rs`).
pub(crate) struct Built {
    pub new: unsafe extern "C" fn(i32) -> *mut c_void,
    pub free: unsafe extern "C" fn(*mut c_void),
    pub eval: unsafe extern "C" fn(*mut c_void),
    pub port: unsafe extern "C" fn(*mut c_void, u32) -> *mut c_void,
    pub trace_open: unsafe extern "C" fn(*mut c_void, *const c_char) -> i32,
    pub trace_dump: unsafe extern "C" fn(*mut c_void, u64),
    pub trace_close: unsafe extern "C" fn(*mut c_void),
}

include!(concat!(env!("OUT_DIR"), "/racks_ffi.rs"));
