#!/usr/bin/env bash
# Installs the Debian packages RUSM needs to build, test and build test guests.
# Idempotent: skips apt entirely when everything is already there.
set -euo pipefail
pkgs=(cmake make gcc clang lld clang-format python3 wabt wasi-libc
      libclang-rt-14-dev libclang-rt-14-dev-wasm32 gcovr)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
