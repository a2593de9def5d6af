#!/usr/bin/env bash
# Fails if the otp archive needs any symbol of the Wasm side (rusm engine API,
# engine_/host_/wasi_/cm_ internals).
set -u
lib=$1
und=$(nm -u "$lib" 2>/dev/null | awk '{print $2}' | sort -u)
bad=$(echo "$und" | grep -E '^(rusm_(module|prepare|instantiate|instance|invoke|continue|resume_host|func_|memory_|table_|global_|call_|run_start|results|last_trap|trap_)|engine_|host_|wasi_|cm_)' || true)
if [ -n "$bad" ]; then echo "rusm_otp references Wasm-side symbols:"; echo "$bad"; echo "0 passed, 1 failed"; exit 1; fi
echo "rusm_otp: $(echo "$und" | wc -l) undefined symbols, none Wasm-side"
echo "1 passed, 0 failed"
