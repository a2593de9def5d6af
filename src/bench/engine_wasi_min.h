/*
** engine_wasi_min.h: the least of WASI preview 1 the benchmark kernels
** need (args, environ, fd_write to a capture buffer, fdstat, clock,
** proc_exit), written on engine.h host functions only. Any other
** wasi_snapshot_preview1 import is linked to a stub returning ENOSYS. The
** real WASI layer lives in src/host; this one exists so engine benchmarks
** need nothing but the engine.
*/
#ifndef RUSM_BENCH_ENGINE_WASI_MIN_H
#define RUSM_BENCH_ENGINE_WASI_MIN_H

#include <stdbool.h>
#include <stddef.h>

#include "rusm/engine.h"

typedef struct bench_wasi bench_wasi;

/* argv (borrowed, must outlive w) is what the guest sees as its arguments. */
bench_wasi *bench_wasi_new(int argc, char **argv);
void bench_wasi_free(bench_wasi *w); /* takes w and the functions it made */

/* Builds imports for m into o_imports (rusm_module_import_count(m) slots);
** the functions stay owned by w. false with a reason if some import is not
** WASI preview 1. */
bool bench_wasi_link(bench_wasi *w, const rusm_module *m, rusm_extern *o_imports, char *err,
                     size_t cap);

/* After a run: whether proc_exit was called and with what code, and what
** the guest wrote to fds 1 and 2 (borrowed, NUL-terminated). */
bool bench_wasi_exited(const bench_wasi *w, int *o_code);
const char *bench_wasi_output(const bench_wasi *w);
void bench_wasi_reset(bench_wasi *w); /* forgets exit status and output */

#endif
