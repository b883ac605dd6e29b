"""cocotb tests of the emitted mac_gmii.v: GMII in and out through cocotbext-eth's models,
the frame streams driven and watched here, every FCS computed by Python's zlib.crc32.

Run with `.venv/bin/pytest hdl/mac/tb` after emitting the Verilog (see hdl/common/tb/exo_cocotb.py).
"""

import itertools
import os
import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "common" / "tb"))
import exo_cocotb  # noqa: E402
from cocotbext.eth import GmiiFrame, GmiiSink, GmiiSource  # noqa: E402

CLOCK_NS = 8
COUNTERS = [
    "rx_frames_ok",
    "rx_bad_fcs",
    "rx_runts",
    "rx_oversize",
    "rx_phy_errors",
    "tx_frames",
    "tx_underflows",
    "tx_aborts",
]


class TB:
    """Clocks, GMII models, and the frame streams' driver and monitor."""

    def __init__(self, dut):
        self.dut = dut
        cocotb.start_soon(Clock(dut.rx_clock, CLOCK_NS, unit="ns").start())
        cocotb.start_soon(Clock(dut.tx_clock, CLOCK_NS, unit="ns").start())
        self.source = GmiiSource(dut.gmii_rxd, dut.gmii_rx_er, dut.gmii_rx_dv, dut.rx_clock)
        self.sink = GmiiSink(dut.gmii_txd, dut.gmii_tx_er, dut.gmii_tx_en, dut.tx_clock)
        dut.tx_valid.value = 0
        dut.tx_data.value = 0
        dut.tx_last.value = 0
        dut.tx_error.value = 0
        self.rx_frames = []
        self.min_tx_gap = None
        self.tx_preambles = []
        # The simulation is not reset between tests: counters are read as differences.
        self.base = {c: int(getattr(dut, c).value) for c in COUNTERS}
        cocotb.start_soon(self._watch_rx())
        cocotb.start_soon(self._watch_tx_gap())

    async def _watch_rx(self):
        """Gathers the receive stream into (bytes, error) frames."""
        data = bytearray()
        while True:
            await RisingEdge(self.dut.rx_clock)
            await ReadOnly()
            if int(self.dut.rx_valid.value):
                data.append(int(self.dut.rx_data.value))
                if int(self.dut.rx_last.value):
                    self.rx_frames.append((bytes(data), int(self.dut.rx_error.value)))
                    data = bytearray()

    async def _watch_tx_gap(self):
        """The shortest run of idle cycles between two transmitted frames, and the first 8
        bytes of each (GmiiSink drops the byte on which tx_en rises, so the preamble is
        checked here)."""
        idle, seen, head = 0, False, None
        while True:
            await RisingEdge(self.dut.tx_clock)
            await ReadOnly()
            if int(self.dut.gmii_tx_en.value):
                if idle or not seen:
                    if seen and (self.min_tx_gap is None or idle < self.min_tx_gap):
                        self.min_tx_gap = idle
                    head = bytearray()
                    self.tx_preambles.append(head)
                if len(head) < 8:
                    head.append(int(self.dut.gmii_txd.value))
                seen, idle = True, 0
            else:
                idle += 1

    def counter(self, name):
        return (int(getattr(self.dut, name).value) - self.base[name]) & 0xFFFFFFFF

    def check_preambles(self, count):
        assert len(self.tx_preambles) == count, len(self.tx_preambles)
        for p in self.tx_preambles:
            assert bytes(p) == b"\x55" * 7 + b"\xd5", bytes(p)

    async def send_stream(self, payload, gap=0, error=False, underflow_at=None, stall=0):
        """Offers one frame on the transmit stream after `gap` idle cycles, keeping `valid`
        high to the end unless `underflow_at` says where to drop it for `stall` cycles."""
        dut = self.dut
        for _ in range(gap):
            await RisingEdge(dut.tx_clock)
        i = 0
        stalled = False
        while i < len(payload):
            if underflow_at == i and not stalled:
                stalled = True
                dut.tx_valid.value = 0
                for _ in range(stall):
                    await RisingEdge(dut.tx_clock)
            dut.tx_valid.value = 1
            dut.tx_data.value = payload[i]
            dut.tx_last.value = int(i == len(payload) - 1)
            dut.tx_error.value = int(error and i == len(payload) - 1)
            # The beat moves at the next edge if ready is high now (ready depends only on
            # the MAC's state, so it is settled once this cycle's writes are).
            await ReadOnly()
            took = int(dut.tx_ready.value)
            await RisingEdge(dut.tx_clock)
            if took:
                i += 1
        dut.tx_valid.value = 0
        dut.tx_last.value = 0
        dut.tx_error.value = 0

    async def settle(self, cycles=200):
        await self.source.wait()
        await ClockCycles(self.dut.rx_clock, cycles)


def check_tx_frame(frame, payload, bad=False):
    """A frame from the GMII sink: preamble, the payload padded to 60, and its FCS (correct,
    or for an aborted frame the complement, with tx_er on the FCS bytes)."""
    pre = bytes(frame.get_preamble())
    assert pre[-1] == 0xD5 and set(pre[:-1]) == {0x55}, pre
    body = frame.get_payload()
    assert body == exo_cocotb.padded(payload), f"payload of {len(payload)} bytes differs"
    if bad:
        assert not frame.check_fcs(), "an aborted frame must not have a good FCS"
        want = bytes(b ^ 0xFF for b in exo_cocotb.fcs(body))
        assert bytes(frame.get_fcs()) == want
        assert frame.error is not None and all(frame.error[-4:]), "tx_er on the FCS"
    else:
        assert frame.check_fcs(), "FCS (zlib.crc32)"
        assert frame.error is None or not any(frame.error), "no tx_er"


@cocotb.test()
async def run_test_every_size(dut):
    """Frames of every size from 64 to 1518 bytes (FCS included), in a seeded random order,
    through the receiver and at the same time the transmitter. Each frame is either
    back-to-back with the one before (the minimum gap) or after a random gap: one pass over
    every size covers both (a pass per gap kind would double the slowest test)."""
    rng = exo_cocotb.rng("run_test_every_size")
    tb = TB(dut)
    sizes = list(range(60, 1515))
    rng.shuffle(sizes)
    payloads = [bytes(rng.getrandbits(8) for _ in range(n)) for n in sizes]
    rx_gaps = [0 if rng.random() < 0.5 else rng.randrange(1, 40) for _ in payloads]
    tx_gaps = [0 if rng.random() < 0.5 else rng.randrange(1, 40) for _ in payloads]

    async def transmit():
        for p, gap in zip(payloads, tx_gaps):
            await tb.send_stream(p, gap=gap)

    tx = cocotb.start_soon(transmit())
    for p, gap in zip(payloads, rx_gaps):
        if gap:
            await tb.source.wait()
            await ClockCycles(dut.rx_clock, gap)
        await tb.source.send(GmiiFrame.from_payload(p))
    await tb.settle()
    await tx
    for p in payloads:
        check_tx_frame(await tb.sink.recv(), p)
    assert tb.sink.empty()
    assert [f for f, _ in tb.rx_frames] == payloads, "received frames differ"
    assert not any(e for _, e in tb.rx_frames), "no frame flagged"
    assert tb.min_tx_gap == 12, f"back-to-back frames leave 12 idle cycles: {tb.min_tx_gap}"
    tb.check_preambles(len(payloads))
    assert tb.counter("rx_frames_ok") == len(payloads)
    assert tb.counter("tx_frames") == len(payloads)
    for c in ("rx_bad_fcs", "rx_runts", "rx_oversize", "rx_phy_errors", "tx_underflows", "tx_aborts"):
        assert tb.counter(c) == 0, c


@cocotb.test()
@cocotb.parametrize(fault=["bad_fcs", "gmii_error", "runt", "oversize"])
async def run_test_rx_faults(dut, fault):
    """Bad frames among good ones: each is delivered with error on its last beat (or not at
    all if no byte is left once the FCS is removed) and counted; good ones are untouched."""
    rng = exo_cocotb.rng(f"run_test_rx_faults/{fault}")
    tb = TB(dut)
    expected = []
    counts = {"ok": 0, "bad_fcs": 0, "runt": 0, "oversize": 0, "phy": 0}
    for k in range(40):
        bad = k % 2 == 1
        n = rng.randrange(60, 600)
        if bad and fault == "runt":
            n = rng.randrange(0, 60)
        if bad and fault == "oversize":
            n = rng.randrange(1515, 1600)
        p = bytes(rng.getrandbits(8) for _ in range(n))
        wire = bytearray(p + exo_cocotb.fcs(p))
        error = None
        if bad and fault == "bad_fcs":
            bit = rng.randrange(len(wire) * 8)
            wire[bit // 8] ^= 1 << (bit % 8)
        frame = GmiiFrame(b"\x55" * 7 + b"\xd5" + bytes(wire))
        if bad and fault == "gmii_error":
            error = [0] * len(frame.data)
            error[rng.randrange(8, len(frame.data))] = 1
            frame.error = error
        await tb.source.send(frame)
        if len(wire) > 4:
            expected.append((bytes(wire[:-4]), int(bad)))
        fcs_ok = len(wire) >= 4 and exo_cocotb.fcs(bytes(wire[:-4])) == bytes(wire[-4:])
        counts["bad_fcs"] += not fcs_ok
        counts["runt"] += len(wire) < 64
        counts["oversize"] += len(wire) > 1518
        counts["phy"] += error is not None
        counts["ok"] += not bad
    await tb.settle()
    assert tb.rx_frames == expected
    got = {
        "ok": tb.counter("rx_frames_ok"),
        "bad_fcs": tb.counter("rx_bad_fcs"),
        "runt": tb.counter("rx_runts"),
        "oversize": tb.counter("rx_oversize"),
        "phy": tb.counter("rx_phy_errors"),
    }
    assert got == counts, (got, counts)


@cocotb.test()
@cocotb.parametrize(fault=["underflow", "abort"])
async def run_test_tx_faults(dut, fault):
    """A transmit stream that drops valid mid-frame, or flags its last beat: the frame goes
    out padded with a bad FCS and tx_er on it, is counted, and the next frames are intact."""
    rng = exo_cocotb.rng(f"run_test_tx_faults/{fault}")
    tb = TB(dut)
    plan = []
    for k in range(20):
        p = bytes(rng.getrandbits(8) for _ in range(rng.randrange(2, 300)))
        bad = k % 2 == 0
        at = rng.randrange(1, len(p)) if bad and fault == "underflow" else None
        plan.append((p, bad, at))
        await tb.send_stream(
            p,
            gap=rng.randrange(0, 20),
            error=bad and fault == "abort",
            underflow_at=at,
            stall=rng.randrange(1, 20),
        )
    await ClockCycles(dut.tx_clock, 200)
    for p, bad, at in plan:
        sent = p if at is None else p[:at] + b"\x00"
        check_tx_frame(await tb.sink.recv(), sent, bad=bad)
    assert tb.sink.empty()
    tb.check_preambles(len(plan))
    n_bad = sum(1 for _, bad, _ in plan if bad)
    assert tb.counter("tx_frames") == len(plan) - n_bad
    assert tb.counter("tx_underflows") == (n_bad if fault == "underflow" else 0)
    assert tb.counter("tx_aborts") == (n_bad if fault == "abort" else 0)


TESTS = ["run_test_every_size", "run_test_rx_faults", "run_test_tx_faults"]


@pytest.mark.parametrize("testcase", TESTS)
def test_mac_gmii(testcase):
    exo_cocotb.run(
        "mac_gmii",
        "mac_gmii",
        "test_mac_gmii",
        Path(__file__).parent,
        testcase,
    )
