/*
** engine_scenarios.h: rusm-bench scenarios of the Wasm engine alone, in the
** X(id, name, default seconds, description) form of scenarios.h, which
** includes this file when the build defines RUSM_BENCH_ENGINE.
**
** The kernel scenarios run the C programs of bench/kernels (built to
** wasm32-wasi and natively by bench/kernels/build.sh into the folder named
** by RUSM_BENCH_KERNELS, default: the build's bench-kernels/) and report the
** engine's time next to native gcc -O2. A kernel's seconds are a minimum
** number of repetitions' worth: each runs at least once.
**
** X(kernel, smoke input): with --smoke both builds get the smoke input as
** their one argument (each kernel reads its size from argv[1]), so a test
** checks engine against native in milliseconds instead of seconds.
*/
#ifndef RUSM_BENCH_ENGINE_SCENARIOS_H
#define RUSM_BENCH_ENGINE_SCENARIOS_H

#define BENCH_ENGINE_KERNELS(X)                                                                    \
  X(fib, "20") X(sieve, "100000") X(matmul, "1") X(sha256, "100000") X(calls, "100000")

#define BENCH_SCENARIOS_ENGINE(X)                                                                  \
  X(engine_kernels, "kernels", 0.1,                                                                \
    "every bench/kernels program once in the engine and natively; per-kernel ratios")              \
  X(engine_kernel_fib, "kernel-fib", 1.0, "recursive fib(35), engine vs native")                   \
  X(engine_kernel_sieve, "kernel-sieve", 1.0, "sieve up to 8M x2, engine vs native")               \
  X(engine_kernel_matmul, "kernel-matmul", 1.0, "200x200 f64 matmul x10, engine vs native")        \
  X(engine_kernel_sha256, "kernel-sha256", 1.0, "sha256 of 50 MB, engine vs native")               \
  X(engine_kernel_calls, "kernel-calls", 1.0, "50M direct+indirect calls, engine vs native")       \
  X(engine_coremark, "coremark", 0.1,                                                              \
    "CoreMark (built by hand, see docs/engine-bench.md) in the engine vs native")                  \
  X(engine_instantiate, "instantiate", 4.0,                                                        \
    "instantiate+free on one core: 1-page module (headline) and 16 pages of data")

#endif
