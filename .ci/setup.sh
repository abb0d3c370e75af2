#!/usr/bin/env bash
# Installs what the checks need beyond a bare Rust toolchain.
set -euo pipefail
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    rustup component add "$component"
  fi
done
