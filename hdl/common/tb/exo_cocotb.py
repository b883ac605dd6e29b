"""What the cocotb tests of Exo's RTL (hdl/*/tb/<block>/test_<block>.py) share: where the emitted Verilog is, building each
design once per session, the seed, and software framing (FCS by Python's zlib.crc32,
independent of the RTL's CRC).

The Verilog comes from EXO_HDL_DIR (default build/hdl under the project root), written by
`exo emit` (for now: `cargo run -p exo-mac --example emit -- build/hdl` and
`cargo run -p exo-fabric --example emit -- build/hdl 8`).
"""

import os
import random
import shutil
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def hdl_dir():
    """EXO_HDL_DIR, a relative one taken from the project root (the simulator runs in its own
    directory), else build/hdl."""
    d = Path(os.environ.get("EXO_HDL_DIR", ROOT / "build" / "hdl"))
    return (d if d.is_absolute() else ROOT / d).resolve()


def design_files(name, extra=()):
    """The design's .v and .vlt, checked to exist."""
    d = hdl_dir()
    files = [d / f"{name}.v", d / f"{name}.vlt", *extra]
    missing = [str(f) for f in files if not Path(f).exists()]
    if missing:
        raise FileNotFoundError(
            f"emitted Verilog missing: {', '.join(missing)}. Emit it first "
            f"(scripts/test.sh does: cargo run -p exo-mac --example emit -- build/hdl; "
            f"cargo run -p exo-fabric --example emit -- build/hdl 8) or set EXO_HDL_DIR."
        )
    return files


def run(name, toplevel, test_module, test_dir, testcase, extra_sources=(), extra_env=None):
    """Builds `toplevel` from the design `name` with Verilator (once: the build directory is
    kept and reused while the sources are unchanged) and runs the cocotb test `testcase`
    (with all its parametrizations) of `test_module`. Under pytest a failing test fails."""
    from cocotb_tools.runner import get_results, get_runner

    # The project's Verilator (scripts/setup.sh) is .venv/bin/verilator, a wrapper that sets
    # VERILATOR_ROOT; pytest may run without the venv activated.
    venv_bin = str(ROOT / ".venv" / "bin")
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    # The PyPI wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so builds big enough
    # for precompiled headers (the fabric's) pass the header as a file to link; a make
    # command-line variable (MAKEFLAGS) restores gcc's -include.
    os.environ["MAKEFLAGS"] = "CFG_CXXFLAGS_PCH_I=-include"
    sources = design_files(name, extra_sources)
    build_dir = ROOT / "build" / "cocotb" / toplevel
    runner = get_runner("verilator")
    try:
        runner.build(
            sources=[str(s) for s in sources if not str(s).endswith(".vlt")],
            build_args=[str(s) for s in sources if str(s).endswith(".vlt")],
            hdl_toplevel=toplevel,
            build_dir=build_dir,
            always=False,
            timescale=("1ns", "1ps"),
        )
    except BaseException:
        # A failed Verilator build leaves a directory the next build cannot reuse.
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    results_xml = build_dir / f"{test_module}.{testcase}.result.xml"
    env = {"EXO_SEED": str(seed())}
    env.update(extra_env or {})
    results = runner.test(
        hdl_toplevel=toplevel,
        test_module=test_module,
        test_dir=test_dir,
        test_filter=rf"\b{testcase}(/|$)",
        build_dir=build_dir,
        results_xml=str(results_xml),
        extra_env=env,
        timescale=("1ns", "1ps"),
    )
    ran, failed = get_results(results)
    assert ran > 0, f"no cocotb test matched {testcase!r} in {test_module}"
    assert failed == 0, f"{failed} of {ran} cocotb tests failed"


def seed():
    """EXO_SEED if set, else a fixed default: runs are reproducible, and a seed replays."""
    return int(os.environ.get("EXO_SEED", "20261121"))


def rng(test_name):
    s = seed()
    print(f"{test_name}: seed {s} (replay with EXO_SEED={s})")
    return random.Random(f"{s}:{test_name}")


def fcs(payload):
    return struct.pack("<L", zlib.crc32(payload))


def padded(payload, min_len=60):
    return bytes(payload) + bytes(max(0, min_len - len(payload)))
