"""cocotb test of the emitted exo_board.v — the board's logic from its RGMII pins in (both
RGMII adapters through their cells' simulation models, both MACs, the clock-domain crossings,
the host link, the engine) — with frames built by an independent encoder (exo_frames.py).

The PLL is not simulated (it is the board top's, around exo_board): the bench drives `clock`
at 125 MHz and holds `reset_request` high for a while, as an unlocked PLL does. The three
clocks run at slightly different rates (the PHYs' receive clocks ±250 ppm off the engine's),
so every frame crosses between unrelated clocks.

The bench plays the rest of the cluster: the Exo network port is a one-switch fabric
(every frame, the engine's own included, broadcast back to the engine) and the n − 1 other
hosts, each sending its empty message when the token reaches it. On the host port it plays the
host: it posts a message, reads and writes registers, and collects the records. It checks that
the engine accepts the posted message, sends it on the Exo port when its turn comes, delivers
every entry (the echoed message among them) back on the host port with the right agreement
pointer, reports a lost token when the bench stops the ring, and answers state reads.

Run with `.venv/bin/pytest boards/tb` after `exo emit --out build/hdl` (see
hdl/common/tb/exo_cocotb.py).
"""

import json
import sys
from pathlib import Path

import cocotb
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, with_timeout

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "hdl" / "common" / "tb"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import exo_cocotb  # noqa: E402
import exo_frames as ef  # noqa: E402
from cocotbext.eth import GmiiFrame, RgmiiSink, RgmiiSource  # noqa: E402

HOST_MAC = bytes.fromhex("0a0000000001")
POSTED = b"posted through the host link, sent on the Exo port"
# Short token timeout for the end of the test (cycles): the bench stops the ring and waits.
SHORT_TIMEOUT = 400


def engine_params():
    """The engine parameters exo_board was emitted with (manifest.json of `exo emit`)."""
    manifest = json.loads((exo_cocotb.hdl_dir() / "manifest.json").read_text())
    board = next(d for d in manifest["designs"] if d["name"] == "exo_board")
    return board["parameters"]["engine"]


class Bench:
    def __init__(self, dut):
        self.dut = dut
        p = engine_params()
        self.n, self.me, self.cluster = p["hosts"], p["host_id"], p["cluster"]
        self.h = self.n // 2
        cocotb.start_soon(Clock(dut.clock, 8000, unit="ps").start())
        cocotb.start_soon(Clock(dut.host_rgmii_rx_clk, 8002, unit="ps").start())
        cocotb.start_soon(Clock(dut.exo_rgmii_rx_clk, 7998, unit="ps").start())
        self.host_tx = RgmiiSource(dut.host_rgmii_rxd, dut.host_rgmii_rx_ctl, dut.host_rgmii_rx_clk)
        self.host_rx = RgmiiSink(dut.host_rgmii_txd, dut.host_rgmii_tx_ctl, dut.host_rgmii_tx_clk)
        self.exo_tx = RgmiiSource(dut.exo_rgmii_rxd, dut.exo_rgmii_rx_ctl, dut.exo_rgmii_rx_clk)
        self.exo_rx = RgmiiSink(dut.exo_rgmii_txd, dut.exo_rgmii_tx_ctl, dut.exo_rgmii_tx_clk)
        # Ring state as every host sees it (all frames are accepted in this bench).
        self.seq, self.history, self.holder = 0, [], 0
        self.engine_frames = []  # (seq, payload) the engine sent
        self.bench_frames = 0
        self.ring_running = True
        # Host side.
        self.records, self.replies = [], {}
        self.requests = 0

    # ---- Exo network: one switch and the other hosts
    async def ring(self):
        while self.ring_running:
            if self.holder == self.me:
                frame = await with_timeout(self.exo_rx.recv(), 200, "us")
                assert frame.check_fcs(), "the engine's frame has a good FCS"
                data = bytes(frame.get_payload())
                cluster, epoch, sender, seq, history, payload = ef.parse_exo_frame(data)
                assert (cluster, epoch, sender) == (self.cluster, 0, self.me)
                assert seq == self.seq, f"engine sent seq {seq}, the ring is at {self.seq}"
                assert history == self.history, (history, self.history)
                self.engine_frames.append((seq, payload))
            else:
                data = ef.exo_frame(self.cluster, 0, self.holder, self.seq, self.history)
                self.bench_frames += 1
                await ClockCycles(self.dut.clock, 30)
            await self.exo_tx.send(GmiiFrame.from_payload(data))
            sender = self.holder
            self.seq += 1
            self.history = ([sender] + self.history)[: self.h]
            self.holder = (sender + 1) % self.n

    # ---- Host port
    async def host_receiver(self):
        while True:
            frame = await self.host_rx.recv()
            assert frame.check_fcs(), "frames from the board have a good FCS"
            dst, src, op, tag, body = ef.parse_reply(bytes(frame.get_payload()))
            assert src == ef.host_mac(self.cluster, self.me), src.hex()
            if op == ef.RECORD:
                assert tag == 0
                self.records.append(ef.parse_record(body))
            else:
                assert dst == HOST_MAC, f"replies go to the host's MAC, not {dst.hex()}"
                self.replies[tag] = (op, body)

    async def send(self, frame):
        self.requests += 1
        await self.host_tx.send(GmiiFrame.from_payload(frame))

    async def reply(self, tag):
        for _ in range(4000):
            if tag in self.replies:
                return self.replies.pop(tag)
            await ClockCycles(self.dut.clock, 10)
        raise AssertionError(f"no reply to tag {tag}")

    async def read(self, tag, addrs):
        await self.send(ef.read(HOST_MAC, tag, addrs))
        op, body = await self.reply(tag)
        assert op == ef.READ_REPLY, (hex(op), body[:2].hex())
        values = ef.parse_read_reply(body)
        assert [a for a, _ in values] == addrs
        return dict(values)

    async def wait_for(self, what, cycles):
        for _ in range(cycles // 10):
            if what():
                return
            await ClockCycles(self.dut.clock, 10)
        raise AssertionError("timed out")


@cocotb.test()
async def run_test_board(dut):
    """Post, send at our turn, deliver the echoed entry, report a lost token, answer reads."""
    tb = Bench(dut)
    dut.reset_request.value = 1
    await ClockCycles(dut.clock, 40)
    dut.reset_request.value = 0
    cocotb.start_soon(tb.host_receiver())

    # A state read before anything else: the board answers with the engine's parameters.
    regs = await tb.read(1, [ef.IDENT_ADDR, ef.PARAMS, ef.CLUSTER, ef.EPOCH])
    assert regs[ef.IDENT_ADDR] == ef.IDENT
    assert regs[ef.PARAMS] & 0x1FF == tb.n and (regs[ef.PARAMS] >> 8) & 0xFF == tb.me
    assert regs[ef.CLUSTER] == tb.cluster and regs[ef.EPOCH] == 0

    # Refused requests are answered with ERROR and change nothing; another EtherType is ignored.
    await tb.send(ef.request(HOST_MAC, ef.READ, 2, bytes([0])))
    assert await tb.reply(2) == (ef.ERROR, bytes([ef.BAD_COUNT, ef.READ]) + bytes(40))
    await tb.send(ef.request(HOST_MAC, 0x44, 3, b""))
    assert (await tb.reply(3))[1][:2] == bytes([ef.UNKNOWN_OP, 0x44])
    await tb.send(ef.request(HOST_MAC, ef.READ, 4, b"", ethertype=0x0800))

    # The post, then the ring: the engine booted holding the token (its first message is
    # empty); the posted message goes out at its next turn.
    await tb.send(ef.post(HOST_MAC, 5, POSTED))
    ring = cocotb.start_soon(tb.ring())
    await tb.wait_for(lambda: any(p for _, p in tb.engine_frames), 40_000)
    sent = [(s, p) for s, p in tb.engine_frames if p]
    assert len(sent) == 1 and sent[0][1] == POSTED, sent
    posted_seq = sent[0][0]
    assert all(p == b"" for s, p in tb.engine_frames if s != posted_seq)

    # A short token timeout, then h + 1 more messages (the posted one is agreed), then stop.
    await tb.send(ef.write(HOST_MAC, 6, [(ef.SET_TOKEN_TIMEOUT, SHORT_TIMEOUT)]))
    assert await tb.reply(6) == (ef.WRITE_REPLY, bytes([ef.OK, 1]) + bytes(40))
    await tb.wait_for(lambda: tb.seq > posted_seq + tb.h + tb.n, 40_000)
    tb.ring_running = False
    await with_timeout(ring, 200, "us")
    total = tb.seq

    # Every accepted frame came back as an entry, in order, with its agreement pointer.
    await tb.wait_for(lambda: any(r["kind"] == "anomaly" for r in tb.records), 20_000)
    entries = [r for r in tb.records if r["kind"] == "entry"]
    assert [e["seq"] for e in entries] == list(range(total))
    for e in entries:
        assert e["sender"] == e["seq"] % tb.n and e["epoch"] == 0
        assert e["agreed"] == max(0, e["seq"] + 1 - tb.h), e
        assert e["payload"] == (POSTED if e["seq"] == posted_seq else b"")
    anomaly = next(r for r in tb.records if r["kind"] == "anomaly")
    assert anomaly["anomaly"] == ef.ANOMALY_TOKEN_LOST and anomaly["local_seq"] == total

    # The state read back: the engine's and the board's. (The engine repeats its token-lost
    # report while nothing happens, so records may still come while the read runs.)
    records_before = len(tb.records)
    regs = await tb.read(
        7,
        [ef.SEQ_LO, ef.SEQ_HI, ef.AGREED_LO, ef.STATUS, ef.COUNTER_ACCEPTED, ef.POSTS_ACCEPTED,
         ef.TOKEN_TIMEOUT, ef.TURN] + list(ef.BOARD.values()),
    )
    assert regs[ef.SEQ_LO] == total and regs[ef.SEQ_HI] == 0
    assert regs[ef.AGREED_LO] == total - tb.h
    # token-lost is a report for the host software (docs/protocol.md §14): the engine runs on.
    assert regs[ef.STATUS] & 0x3 == 0, f"running: {regs[ef.STATUS]:#x}"
    assert regs[ef.COUNTER_ACCEPTED] == total
    assert regs[ef.POSTS_ACCEPTED] == 1
    assert regs[ef.TOKEN_TIMEOUT] == SHORT_TIMEOUT
    board = {name: regs[addr] for name, addr in ef.BOARD.items()}
    assert board["host-rx-frames"] == tb.requests - 1, board  # the 0x0800 frame is foreign
    assert board["host-rx-foreign"] == 1, board
    assert board["posts-forwarded"] == 1, board
    assert board["error-replies"] == 2, board
    assert records_before <= board["records-sent"] <= len(tb.records), board
    assert board["exo-rx-frames"] == total and board["exo-rx-bad"] == 0, board
    assert board["exo-tx-frames"] == len(tb.engine_frames), board

    # Refusals: a board register is read-only (the writes before it are done); a frame that
    # ends before its count (longer than the 60-byte minimum, so no padding reads as items).
    pad = bytes(40)
    await tb.send(ef.write(HOST_MAC, 8, [(ef.SET_TOKEN_TIMEOUT, 6250), (ef.BOARD["host-rx-frames"], 1)]))
    assert await tb.reply(8) == (ef.WRITE_REPLY, bytes([ef.BAD_ADDRESS, 1]) + pad)
    items = b"".join(bytes([ef.SET_TOKEN_TIMEOUT]) + (7000).to_bytes(4, "big") for _ in range(11))
    await tb.send(ef.request(HOST_MAC, ef.WRITE, 9, bytes([12]) + items))
    assert await tb.reply(9) == (ef.WRITE_REPLY, bytes([ef.TRUNCATED, 11]) + pad)
    await tb.send(ef.request(HOST_MAC, ef.READ, 10, bytes([60]) + bytes([ef.STATUS] * 50)))
    assert await tb.reply(10) == (ef.ERROR, bytes([ef.TRUNCATED, ef.READ]) + pad)
    # The ring is stopped: nothing leaves the posted queue. It takes 16 messages (the one in
    # flight included); the 17th is refused with its tag.
    for i in range(17):
        await tb.send(ef.post(HOST_MAC, 100 + i, b"queued %d" % i))
    assert await tb.reply(116) == (ef.ERROR, bytes([ef.QUEUE_FULL, ef.POST]) + pad)
    regs = await tb.read(11, [ef.POSTS_ACCEPTED, ef.QUEUE_DEPTH, ef.TOKEN_TIMEOUT,
                              ef.BOARD["posts-forwarded"], ef.BOARD["posts-refused"]])
    assert regs[ef.POSTS_ACCEPTED] == 17 and regs[ef.QUEUE_DEPTH] == 16, regs
    assert regs[ef.TOKEN_TIMEOUT] == 7000, regs
    assert regs[ef.BOARD["posts-forwarded"]] == 17 and regs[ef.BOARD["posts-refused"]] == 1, regs
    assert not [t for t in tb.replies if 100 <= t < 116], "successful posts have no reply"

    dut._log.info(
        "%d messages on the ring (%d from the engine, %d from the bench), %d records",
        total, len(tb.engine_frames), tb.bench_frames, len(tb.records),
    )


@pytest.mark.parametrize("testcase", ["run_test_board"])
def test_exo_board(testcase):
    here = Path(__file__).parent
    exo_cocotb.run("exo_board", "exo_board", "test_exo_board", here, testcase)
