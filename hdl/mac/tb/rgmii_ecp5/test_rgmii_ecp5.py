"""cocotb tests of the emitted rgmii_ecp5.v: RGMII loopback through the adapter's simulation
model. cocotbext-eth's RGMII source drives the receive pins, the adapter turns them into GMII,
a register stage (tb_rgmii_loopback.v) hands GMII back to the adapter's transmit side, and
cocotbext-eth's RGMII sink reads the transmit pins. FCS by Python's zlib.crc32.

Run with `.venv/bin/pytest hdl/mac/tb` after emitting the Verilog (see hdl/common/tb/exo_cocotb.py).
"""

import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "common" / "tb"))
import exo_cocotb  # noqa: E402
from cocotbext.eth import GmiiFrame, RgmiiSink, RgmiiSource  # noqa: E402

CLOCK_NS = 8


class TB:
    def __init__(self, dut):
        self.dut = dut
        cocotb.start_soon(Clock(dut.rgmii_rx_clk, CLOCK_NS, unit="ns").start())
        self.source = RgmiiSource(dut.rgmii_rxd, dut.rgmii_rx_ctl, dut.rgmii_rx_clk)
        self.sink = RgmiiSink(dut.rgmii_txd, dut.rgmii_tx_ctl, dut.rgmii_tx_clk)


@cocotb.test()
@cocotb.parametrize(gaps=["back_to_back", "random"])
async def run_test_loopback(dut, gaps):
    """Seeded random frames (64 to 1518 bytes) come back byte for byte with a good FCS."""
    rng = exo_cocotb.rng(f"run_test_loopback/{gaps}")
    tb = TB(dut)
    await ClockCycles(dut.rgmii_rx_clk, 10)
    payloads = []
    for _ in range(60):
        n = rng.choice([60, 1514, rng.randrange(60, 1515)])
        payloads.append(bytes(rng.getrandbits(8) for _ in range(n)))
    for p in payloads:
        if gaps == "random":
            await tb.source.wait()
            await ClockCycles(dut.rgmii_rx_clk, rng.randrange(1, 30))
        await tb.source.send(GmiiFrame.from_payload(p))
    for p in payloads:
        frame = await tb.sink.recv()
        pre = bytes(frame.get_preamble())
        assert pre[-1] == 0xD5 and set(pre[:-1]) == {0x55}, pre
        assert frame.get_payload() == p, f"payload of {len(p)} bytes differs"
        assert frame.check_fcs(), "FCS (zlib.crc32)"
        assert frame.error is None, "no error"
    assert tb.sink.empty()


@cocotb.test()
async def run_test_gmii_error(dut):
    """rx_er on the receive pins (RGMII's ctl on the falling edge) comes back as tx_er on the
    same byte."""
    rng = exo_cocotb.rng("run_test_gmii_error")
    tb = TB(dut)
    await ClockCycles(dut.rgmii_rx_clk, 10)
    sent = []
    for _ in range(10):
        p = bytes(rng.getrandbits(8) for _ in range(rng.randrange(60, 300)))
        frame = GmiiFrame.from_payload(p)
        at = rng.randrange(8, len(frame.data))
        frame.error = [0] * len(frame.data)
        frame.error[at] = 1
        sent.append((bytes(frame.data), at))
        await tb.source.send(frame)
    for data, at in sent:
        frame = await tb.sink.recv()
        # The sink may not see every preamble byte; align on the end of the frame.
        got = bytes(frame.data)
        assert got == data[len(data) - len(got):], "bytes differ"
        errors = [i for i, e in enumerate(frame.error or []) if e]
        assert errors == [at - (len(data) - len(got))], (errors, at)


TESTS = ["run_test_loopback", "run_test_gmii_error"]


@pytest.mark.parametrize("testcase", TESTS)
def test_rgmii_ecp5(testcase):
    here = Path(__file__).parent
    exo_cocotb.run(
        "rgmii_ecp5",
        "tb_rgmii_loopback",
        "test_rgmii_ecp5",
        here,
        testcase,
        extra_sources=[here / "tb_rgmii_loopback.v"],
    )
