#!/usr/bin/env bash
# Fails if any file under src/otp includes a Wasm-side header (engine, host,
# component, wasi, or anything from src/engine etc.).
set -u
dir=$1
[ -d "$dir" ] || { echo "no $dir"; exit 1; }
n=$(find "$dir" -type f | wc -l)
bad=$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"]([.][.]/)*(rusm/)?(wasm|engine|host|component|wasi)[^>"]*[>"]' "$dir")
if [ -n "$bad" ]; then
  echo "src/otp includes Wasm-side headers:"; echo "$bad"; echo "0 passed, 1 failed"; exit 1
fi
echo "checked $n files under src/otp: no Wasm-side include"
echo "1 passed, 0 failed"
