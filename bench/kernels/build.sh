#!/bin/sh
# build.sh: builds the benchmark kernels twice, to wasm32-wasi with clang +
# wasi-libc (OUT/<name>.wasm) and natively with gcc -O2 (OUT/<name>.native).
#
#   bench/kernels/build.sh [OUT]        (OUT defaults to build/bench-kernels)
#
# CLANG, GCC and WASM_OPT_FLAGS override the tools and the wasm opt level.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/bench-kernels}
clang=${CLANG:-clang}
gcc=${GCC:-gcc}
mkdir -p "$out"
for src in "$here"/*.c; do
  name=$(basename "$src" .c)
  # 8 MB of wasm stack would not fit the spawn path; 1 MB is ample here.
  "$clang" --target=wasm32-wasi ${WASM_OPT_FLAGS:--O2} -s -Wl,-z,stack-size=1048576 \
    -o "$out/$name.wasm" "$src"
  "$gcc" -O2 -o "$out/$name.native" "$src"
done
echo "kernels built in $out"
