#!/usr/bin/env bash
# The test command: formatting, lints, and every test of the workspace (unit, property,
# scenario, seed-sweep and command-line tests). Ends with one line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --all-targets --locked 2>&1 | tee "$log" || status=$?

passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')

# cocotb tests of the emitted Verilog (hdl/*/tb, boards/tb): emit it into build/hdl, then pytest.
echo "== emit Verilog into build/hdl"
hdl_status=0
cargo run -q --locked -p exo-host -- emit --out build/hdl >/dev/null || hdl_status=$?
echo "== pytest hdl/mac/tb hdl/fabric/tb boards/tb"
pylog=$(mktemp)
trap 'rm -f "$log" "$pylog"' EXIT
if [ "$hdl_status" -eq 0 ]; then
  EXO_HDL_DIR=build/hdl .venv/bin/pytest -q hdl/mac/tb hdl/fabric/tb boards/tb 2>&1 | tee "$pylog" || hdl_status=$?
fi
# pytest's summary line: "N passed, M failed in …" (either part may be absent).
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$pylog" | tail -n1 || true)
py_passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || echo 0)
py_failed=$(echo "$summary" | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' || echo 0)
py_errors=$(echo "$summary" | grep -Eo '[0-9]+ errors?' | grep -Eo '[0-9]+' || echo 0)
passed=$((passed + py_passed))
failed=$((failed + py_failed + py_errors))
if [ "$hdl_status" -ne 0 ] && [ "$py_failed" -eq 0 ] && [ "$py_errors" -eq 0 ]; then
  failed=$((failed + 1)) # the emit or pytest itself failed before counting anything
fi

echo
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$hdl_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
