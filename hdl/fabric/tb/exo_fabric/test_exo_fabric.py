"""cocotb tests of the emitted exo_fabric.v for N = 8 hosts: seeded random frames from all
eight inputs at once, random gaps, frames flagged bad, random backpressure on the outputs.

Checks that every output sees the same frame sequence, that no input's frames are
reordered, that every frame is delivered or counted (drops when a buffer is full, errors
for frames flagged bad), and that with the outputs stalled the drops happen exactly when a
buffer is full (2048 RAM bytes + 4 in the read queue per input).

Run with `.venv/bin/pytest hdl/fabric/tb` after emitting the Verilog
(see hdl/common/tb/exo_cocotb.py).
"""

import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "common" / "tb"))
import exo_cocotb  # noqa: E402

N = 8
CAPACITY = 2048 + 4


def frame(rng, host, seq, length, bad=False):
    """A frame whose first 5 bytes name its host and sequence number."""
    body = bytes([host]) + seq.to_bytes(4, "little")
    body += bytes(rng.getrandbits(8) for _ in range(length - 5))
    return {"bytes": body, "bad": bad}


class TB:
    def __init__(self, dut):
        self.dut = dut
        cocotb.start_soon(Clock(dut.clock, 8, unit="ns").start())
        self.inputs = [
            [getattr(dut, f"inputs_{i}_{f}") for f in ("data", "valid", "last", "error")]
            for i in range(N)
        ]
        self.outputs = [
            [getattr(dut, f"outputs_{o}_{f}") for f in ("data", "valid", "last", "error", "ready")]
            for o in range(N)
        ]
        for data, valid, last, error in self.inputs:
            data.value, valid.value, last.value, error.value = 0, 0, 0, 0
        for o in self.outputs:
            o[4].value = 0
        # The simulation is not reset between tests: counters are read as differences.
        self.base = [(self.drops(i), self.errors(i)) for i in range(N)]

    def drops(self, i):
        return int(getattr(self.dut, f"drops_{i}").value)

    def errors(self, i):
        return int(getattr(self.dut, f"errors_{i}").value)

    async def run(self, plans, ready, quiet=100):
        """Drives every input's plan (a list of (gap, frame)) and gathers every output's
        frames; `ready(cycle, output)` gives the backpressure. Ends after `quiet` cycles
        without input or output activity."""
        dut = self.dut
        cursors = [{"k": 0, "pos": 0, "idle": p[0][0] if p else 0} for p in plans]
        got = [[] for _ in range(N)]
        current = [bytearray() for _ in range(N)]
        t, still = 0, 0
        while still < quiet:
            busy = False
            for i, (plan, c) in enumerate(zip(plans, cursors)):
                data, valid, last, error = self.inputs[i]
                if c["k"] >= len(plan) or c["idle"] > 0:
                    c["idle"] -= 1
                    valid.value = 0
                    busy |= c["k"] < len(plan)
                    continue
                f = plan[c["k"]][1]
                end = c["pos"] == len(f["bytes"]) - 1
                data.value = f["bytes"][c["pos"]]
                valid.value = 1
                last.value = int(end)
                error.value = int(end and f["bad"])
                busy = True
                c["pos"] += 1
                if end:
                    c["k"], c["pos"] = c["k"] + 1, 0
                    c["idle"] = plan[c["k"]][0] if c["k"] < len(plan) else 0
            for o in range(N):
                self.outputs[o][4].value = int(ready(t, o))
            await ReadOnly()
            for o in range(N):
                data, valid, last, error, rdy = self.outputs[o]
                if int(valid.value) and int(rdy.value):
                    busy = True
                    assert not int(error.value), "no frame leaves flagged bad"
                    current[o].append(int(data.value))
                    if int(last.value):
                        got[o].append(bytes(current[o]))
                        current[o] = bytearray()
            await RisingEdge(dut.clock)
            t += 1
            still = 0 if busy else still + 1
        assert all(not c for c in current), "no frame left half-sent"
        return got

    def check(self, plans, got):
        """Same sequence everywhere, per-input order, and sent = delivered + counted."""
        for o in range(1, N):
            assert got[o] == got[0], f"output {o} differs from output 0"
        delivered = [[] for _ in range(N)]
        for k, f in enumerate(got[0]):
            delivered[f[0]].append(f)
        for i in range(N):
            sent = [f for _, f in plans[i]]
            # Delivered frames are, in order, a subsequence of the good frames sent.
            it = iter(f["bytes"] for f in sent if not f["bad"])
            assert all(any(d == s for s in it) for d in delivered[i]), f"host {i}: out of order"
            drops = self.drops(i) - self.base[i][0]
            errors = self.errors(i) - self.base[i][1]
            bad = sum(f["bad"] for f in sent)
            assert errors <= bad, (i, errors, bad)
            if drops == 0:
                assert errors == bad, f"host {i}: errors counted"
            assert len(delivered[i]) + drops + errors == len(sent), f"host {i}: conservation"
        return delivered


@cocotb.test()
@cocotb.parametrize(load=["light", "heavy"])
async def run_test_eight_hosts(dut, load):
    """All eight hosts at once with random backpressure: under a light load nothing is lost;
    under a heavy one some buffers overflow and every loss is counted."""
    rng = exo_cocotb.rng(f"run_test_eight_hosts/{load}")
    tb = TB(dut)
    plans = []
    for h in range(N):
        plan = []
        for s in range(10 if load == "light" else 14):
            if load == "light":
                gap, n = rng.randrange(1500, 3000), rng.randrange(16, 200)
            else:
                gap, n = rng.randrange(0, 400), rng.randrange(16, 1514)
            plan.append((gap, frame(rng, h, s, n, bad=rng.random() < 0.1)))
        plans.append(plan)
    bp = exo_cocotb.rng(f"run_test_eight_hosts/{load}/ready")
    got = await tb.run(plans, lambda t, o: bp.random() < 0.9)
    delivered = tb.check(plans, got)
    drops = [tb.drops(i) - tb.base[i][0] for i in range(N)]
    if load == "light":
        assert drops == [0] * N
        good = [sum(not f["bad"] for _, f in p) for p in plans]
        assert [len(d) for d in delivered] == good
    else:
        assert sum(drops) > 0, "the heavy load overflows some buffer"


@cocotb.test()
async def run_test_drops_when_full(dut):
    """Outputs stalled while every host sends: exactly the frames that fit in a buffer
    (2048 + 4 bytes) are kept, the rest are counted as drops; then all kept frames leave."""
    rng = exo_cocotb.rng("run_test_drops_when_full")
    tb = TB(dut)
    plans, kept = [], []
    for h in range(N):
        plan, used, keep = [], 0, []
        for s in range(10):
            f = frame(rng, h, s, rng.randrange(60, 900))
            plan.append((rng.randrange(1, 20), f))
            if used + len(f["bytes"]) <= CAPACITY:
                used += len(f["bytes"])
                keep.append(f["bytes"])
        plans.append(plan)
        kept.append(keep)
    stall = 15000
    got = await tb.run(plans, lambda t, o: t >= stall, quiet=stall)
    delivered = tb.check(plans, got)
    for h in range(N):
        assert delivered[h] == kept[h], f"host {h}: the frames that fit"
        assert tb.drops(h) - tb.base[h][0] == 10 - len(kept[h]), f"host {h}: drops"


TESTS = ["run_test_eight_hosts", "run_test_drops_when_full"]


@pytest.mark.parametrize("testcase", TESTS)
def test_exo_fabric(testcase):
    exo_cocotb.run("exo_fabric", "exo_fabric", "test_exo_fabric", Path(__file__).parent, testcase)
