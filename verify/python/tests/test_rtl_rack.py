"""Cocotb-style benches of the Verilated Exo rack, driven from Python through the `exo` module
(pyo3; `scripts/test.sh` builds it with maturin).

A `TB` drives the RTL rack — every engine in it is held to its golden model cycle by cycle,
and `rack.mismatch` names the first difference — and scores what the rack agrees against the
golden model: without faults, every host's agreed log must equal the one the rack simulator
of golden-model hosts (`exo.ModelRack`) agrees on the same workload; with faults, every host's
agreed log must be a prefix of one canonical log that holds each sender's messages in the
order it submitted them, once each, and nothing else. `run_test` runs one point of the option
matrix: hosts, payload size, fault, seed (`EXO_SEED` moves the seeds; each test prints its own).
"""

import os
import random

import pytest

import exo

SEED = int(os.environ.get("EXO_SEED", "1"))

# Simulated times of the fault episode, ns.
FAULT_AT = 40_000
HEAL_AT = 240_000
RECOVER_NS = 1_500_000


class TB:
    """One rack under test and its scoreboard."""

    def __init__(self, nodes, payload, seed):
        self.nodes = nodes
        self.payload = payload
        self.seed = seed
        self.rng = random.Random(seed)
        self.rtl = exo.RtlRack(nodes=nodes, seed=seed)
        self.model = exo.ModelRack(nodes=nodes, seed=seed)
        self.sent = {h: [] for h in range(nodes)}
        self.crashed = set()

    def message(self, k):
        """Message k: its number, then bytes from the seed, `payload` bytes in all."""
        if self.payload == 0:
            return b""
        head = k.to_bytes(4, "big")
        return (head + self.rng.randbytes(self.payload))[: self.payload]

    def submit(self, count):
        for k in range(count):
            host = k % self.nodes
            data = self.message(k)
            self.rtl.submit(host, data)
            self.model.submit(host, data)
            self.sent[host].append(data)

    def inject(self, fault):
        """Starts the fault episode on the RTL rack."""
        if fault == "loss":
            self.rtl.loss(0.05)
        elif fault == "corruption":
            self.rtl.corrupt(0.05)
        elif fault == "partition":
            minority = list(range(self.nodes // 2))
            majority = list(range(self.nodes // 2, self.nodes))
            self.rtl.partition([minority, majority])
        elif fault == "crash":
            self.rtl.crash(self.nodes - 1)
            self.crashed.add(self.nodes - 1)

    def heal(self, fault):
        self.rtl.clean_links()
        self.rtl.heal()
        if fault == "crash":
            self.rtl.restart(self.nodes - 1)

    def run(self, fault):
        if fault is None:
            assert self.rtl.run() == "settled"
            assert self.model.run() == "settled"
        else:
            self.rtl.run_until(FAULT_AT)
            self.inject(fault)
            self.rtl.run_until(HEAL_AT)
            self.heal(fault)
            self.rtl.run_until(HEAL_AT + RECOVER_NS)
        self.rtl.finish()

    def logs(self, rack):
        return [rack.agreed_log(h) for h in range(self.nodes)]

    def check(self, fault, messages):
        assert self.rtl.mismatch is None, self.rtl.mismatch
        assert self.rtl.safety_violations == 0
        logs = [log for log in self.logs(self.rtl) if log is not None]
        canon = max(logs, key=len)
        for log in logs:
            assert log == canon[: len(log)], "agreed logs must be prefixes of one another"
        if fault is None:
            assert self.logs(self.rtl) == self.logs(self.model)
            assert self.rtl.messages_agreed == messages
            return
        for host in range(self.nodes):
            agreed = [p for (_, sender, p) in canon if sender == host and p]
            assert_in_order(agreed, [p for p in self.sent[host] if p])
        live = [h for h in range(self.nodes) if h not in self.crashed]
        assert all(self.rtl.state(h)["phase"] == "normal" for h in live)
        assert self.rtl.messages_agreed >= messages // 2


def assert_in_order(agreed, sent):
    """`agreed` is `sent` with some messages left out: nothing invented, none twice, in order."""
    it = iter(sent)
    for p in agreed:
        assert any(p == s for s in it), f"agreed {p!r} out of order or never sent"


def run_test(nodes, payload, fault, seed):
    print(f"rtl rack: nodes={nodes} payload={payload} fault={fault} seed={seed}")
    tb = TB(nodes, payload, seed)
    messages = 6 * nodes
    tb.submit(messages)
    tb.run(fault)
    tb.check(fault, messages)


@pytest.mark.parametrize("seed", [SEED, SEED + 1])
@pytest.mark.parametrize("payload", [0, 46, 200])
@pytest.mark.parametrize("nodes", [3, 5])
def test_rtl_rack_agrees_what_the_model_agrees(nodes, payload, seed):
    run_test(nodes, payload, None, seed)


@pytest.mark.parametrize("fault", ["loss", "corruption", "partition", "crash"])
@pytest.mark.parametrize("payload", [0, 46])
@pytest.mark.parametrize("nodes", [3, 5])
def test_rtl_rack_under_faults(nodes, payload, fault):
    run_test(nodes, payload, fault, SEED + 2)


def test_a_forged_frame_is_rejected_like_the_model_does():
    tb = TB(3, 8, SEED)
    tb.submit(12)
    tb.rtl.run_until(4_000)
    tb.rtl.forge_after(1)
    assert tb.rtl.run() == "settled"
    tb.rtl.finish()
    # Scored as under faults: the model rack never saw the forged frame.
    tb.check("forge", 12)
    report = tb.rtl.report()
    assert '"sender-in-history"' in report, report


def test_the_golden_model_host_judges_frames():
    host = exo.Host(3, 1)
    frame = exo.encode_frame(0, 0, [])
    assert ("accepted", 0, 0) in host.handle_frame(0, frame)
    assert host.seq == 1 and host.history == [0] and host.turn == 1
    again = host.handle_frame(10, exo.encode_frame(0, 1, [0]))
    assert again[0] == ("rejected", "sender-in-history", 0, 1)
    with pytest.raises(ValueError, match="runt"):
        exo.decode_frame(b"\x00" * 10)
    with pytest.raises(ValueError, match="host 9"):
        exo.RtlRack(nodes=3).submit(9, b"")
    with pytest.raises(ValueError, match="built for"):
        exo.RtlRack(nodes=4)
