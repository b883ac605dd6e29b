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

# cocotb tests of the emitted Verilog (hdl/*/tb, boards/tb), and the cocotb-style Python
# benches of the Verilated rack (verify/python/tests, through the `exo` module that maturin
# builds), in one pytest run.
echo "== emit Verilog into build/hdl"
hdl_status=0
cargo run -q --locked -p exo-host -- emit --out build/hdl >/dev/null || hdl_status=$?
echo "== maturin build of the exo Python module into build/python"
py_status=0
rm -rf build/python
.venv/bin/maturin build --quiet --locked --manifest-path verify/python/Cargo.toml \
  --interpreter .venv/bin/python --out build/python/wheel || py_status=$?
if [ "$py_status" -eq 0 ]; then
  .venv/bin/python -m zipfile -e build/python/wheel/*.whl build/python/site || py_status=$?
fi
suites=()
if [ "$hdl_status" -eq 0 ]; then suites+=(hdl/mac/tb hdl/fabric/tb boards/tb); fi
if [ "$py_status" -eq 0 ]; then suites+=(verify/python/tests); fi
echo "== pytest ${suites[*]}"
pylog=$(mktemp)
trap 'rm -f "$log" "$pylog"' EXIT
pytest_status=0
if [ ${#suites[@]} -gt 0 ]; then
  EXO_HDL_DIR=build/hdl PYTHONPATH=build/python/site .venv/bin/pytest -q "${suites[@]}" 2>&1 \
    | tee "$pylog" || pytest_status=$?
fi
# pytest's summary line: "N passed, M failed in …" (either part may be absent).
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$pylog" | tail -n1 || true)
py_passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || echo 0)
py_failed=$(echo "$summary" | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' || echo 0)
py_errors=$(echo "$summary" | grep -Eo '[0-9]+ errors?' | grep -Eo '[0-9]+' || echo 0)
passed=$((passed + py_passed))
failed=$((failed + py_failed + py_errors))
# A build that failed before pytest could count anything counts as one failure each.
for s in "$hdl_status" "$py_status"; do
  if [ "$s" -ne 0 ]; then failed=$((failed + 1)); fi
done
if [ "$pytest_status" -ne 0 ] && [ "$py_failed" -eq 0 ] && [ "$py_errors" -eq 0 ]; then
  failed=$((failed + 1)) # pytest itself failed before counting anything
fi

echo
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
