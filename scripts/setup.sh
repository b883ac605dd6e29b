#!/usr/bin/env bash
# Checks and installs what the project needs. Idempotent: run it as often as you like.
#
# Today the project needs the Rust toolchain (cargo, rustc >= 1.87, rustfmt, clippy) and the
# crates in Cargo.lock, which cargo fetches from crates.io. Later stages (Verilator, the FPGA
# flow, Python tools) add their installs here.
set -euo pipefail
cd "$(dirname "$0")/.."

# A rustup install that is not on PATH yet.
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found. Install Rust >= 1.87 with rustup (https://rustup.rs)." >&2
  exit 1
fi

need="1.87"
have=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
  echo "setup: rustc $have is older than the $need this project needs; run 'rustup update'." >&2
  exit 1
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      rustup component add "$component"
    else
      echo "setup: cargo $component is missing and rustup is not available to add it." >&2
      exit 1
    fi
  fi
done

cargo fetch --locked --quiet
echo "setup: rustc $have, crates fetched."
