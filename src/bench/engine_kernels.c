/*
** engine_kernels.c: the kernel scenarios (see engine_scenarios.h).
**
** A kernel is loaded once, then each repetition instantiates it, runs
** _start to completion with a large budget and checks that what it printed
** equals the native build's output, so a wrong answer can never pass as a
** fast one. Reported: the fastest repetition (execution only; load time is
** a detail), the fastest of three native runs, and their ratio.
*/
#include "scenarios.h"

#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_scenarios.h"
#include "engine_wasi_min.h"
#include "rusm/engine.h"

#ifndef RUSM_BENCH_KERNELS_DIR
#define RUSM_BENCH_KERNELS_DIR "build/bench-kernels"
#endif

#define KERNEL_BUDGET (1u << 30)
#define KERNEL_NATIVE_RUNS 3
#define KERNEL_OUT_CAP 4096

extern char **environ;

/* Times are CPU seconds (the engine thread's, the native child's user +
** system), which a busy machine distorts far less than wall time; wall
** times are kept as details. */
typedef struct {
  double wasm_s, native_s, load_s, wasm_wall_s, native_wall_s;
  int reps;
  char wasm_out[KERNEL_OUT_CAP], native_out[KERNEL_OUT_CAP]; /* of the last runs */
} kernel_times;

/* How a kernel's wasm output is checked against the native one. */
typedef enum {
  KERNEL_SAME_OUTPUT, /* byte for byte */
  KERNEL_COREMARK     /* times differ; the self-check line must be there */
} kernel_check;

static const char *kernels_dir(void) {
  const char *d = getenv("RUSM_BENCH_KERNELS");
  return d && *d ? d : RUSM_BENCH_KERNELS_DIR;
}

/* The engine's reason, or what an allocation that failed silently means. */
static const char *reason(const rusm_error *e) {
  return e->reason[0] ? e->reason : "out of memory";
}

/* The whole file (caller frees), or NULL; one exit for every failure. */
static uint8_t *slurp(const char *path, size_t *o_len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  uint8_t *buf = n >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
  size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  if (!buf || got != (size_t)n) {
    free(buf);
    return NULL;
  }
  *o_len = got;
  return buf;
}

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the native build with stdout into out and arg (NULL = none) as its
** argument; CPU seconds, <0 on failure; *o_wall gets the wall time. */
static double run_native(const char *path, const char *arg, char *out, size_t cap, double *o_wall) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  char *argv[] = {(char *)path, (char *)arg, NULL};
  pid_t pid;
  uint64_t t0 = bench_now_ns();
  int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  size_t n = 0;
  ssize_t got;
  while ((got = read(fds[0], out + n, cap - 1 - n)) > 0) n += (size_t)got;
  out[n] = '\0';
  close(fds[0]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) return -1;
  *o_wall = (double)(bench_now_ns() - t0) / 1e9;
  double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? cpu : -1;
}

/* One instantiate + _start; CPU seconds of execution (wall in *o_wall), <0
** with r->error set. */
static double run_wasm_once(rusm_prepared *p, bench_wasi *w, double *o_wall, bench_result *r) {
  rusm_error err = {0};
  rusm_instance_config cfg = {0};
  bench_wasi_reset(w);
  rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
  if (!inst) return bench_fail(r, "instantiate: %s", reason(&err));
  rusm_extern start;
  if (!rusm_instance_export(inst, "_start", &start) || start.kind != RUSM_EXTERN_FUNC) {
    rusm_instance_free(inst);
    return bench_fail(r, "no _start export");
  }
  uint64_t t0 = bench_now_ns();
  double c0 = thread_cpu_s();
  rusm_exec_status st = rusm_run_start(inst, KERNEL_BUDGET);
  while (st == RUSM_EXEC_YIELD) st = rusm_continue(inst, KERNEL_BUDGET);
  if (st == RUSM_EXEC_DONE) {
    st = rusm_invoke(inst, start.u.func, NULL, KERNEL_BUDGET);
    while (st == RUSM_EXEC_YIELD) st = rusm_continue(inst, KERNEL_BUDGET);
  }
  double s = thread_cpu_s() - c0;
  *o_wall = (double)(bench_now_ns() - t0) / 1e9;
  int code = 0;
  bool exited = bench_wasi_exited(w, &code);
  if (st == RUSM_EXEC_TRAP && !exited) {
    char buf[256];
    rusm_trap_format(rusm_last_trap(inst), buf, sizeof buf);
    rusm_instance_free(inst);
    return bench_fail(r, "trap: %s", buf);
  }
  rusm_instance_free(inst);
  if (st != RUSM_EXEC_DONE && st != RUSM_EXEC_TRAP) return bench_fail(r, "status %d", (int)st);
  if (exited && code != 0) return bench_fail(r, "exit code %d", code);
  return s;
}

/* Measures one kernel: native first (its output is the reference), then the
** engine until `seconds` have passed (at least once); both get arg (NULL =
** none, the kernel's own size). 0 = ok. */
static int measure_kernel(const char *name, const char *arg, double seconds, kernel_check check,
                          kernel_times *kt, bench_result *r) {
  char path[4096], *native_out = kt->native_out, *out = kt->wasm_out;
  snprintf(path, sizeof path, "%s/%s.native", kernels_dir(), name);
  kt->native_s = kt->native_wall_s = INFINITY;
  for (int i = 0; i < KERNEL_NATIVE_RUNS; i++) {
    double wall = INFINITY;
    double s = run_native(path, arg, i ? out : native_out, KERNEL_OUT_CAP, &wall);
    if (wall < kt->native_wall_s) kt->native_wall_s = wall;
    if (s < 0)
      return bench_fail(r, "cannot run %s (build with bench/kernels/build.sh %s)", path,
                        kernels_dir());
    if (s < kt->native_s) kt->native_s = s;
  }
  snprintf(path, sizeof path, "%s/%s.wasm", kernels_dir(), name);
  size_t len;
  uint8_t *bytes = slurp(path, &len);
  if (!bytes) return bench_fail(r, "cannot read %s", path);
  char *argv[] = {(char *)name, (char *)arg, NULL};
  bench_wasi *w = bench_wasi_new(arg ? 2 : 1, argv);
  rusm_error err = {0}; /* a failed allocation may leave no reason */
  uint64_t t0 = bench_now_ns();
  rusm_module *m = w ? rusm_module_load(bytes, len, &err) : NULL;
  kt->load_s = (double)(bench_now_ns() - t0) / 1e9;
  free(bytes);
  int rc = 0;
  rusm_extern *imports = NULL;
  rusm_prepared *p = NULL;
  char why[160];
  if (!m) {
    rc = bench_fail(r, "%s: load failed: %s", name, reason(&err)); /* no w: no load */
  } else if (!(imports = calloc(rusm_module_import_count(m) + 1, sizeof *imports)) ||
             !bench_wasi_link(w, m, imports, why, sizeof why)) {
    rc = bench_fail(r, "%s: %s", name, imports ? why : "out of memory");
  } else if (!(p = rusm_prepare(m, imports, rusm_module_import_count(m), &err))) {
    rc = bench_fail(r, "%s: prepare failed: %s", name, reason(&err));
  } else {
    kt->wasm_s = kt->wasm_wall_s = INFINITY;
    kt->reps = 0;
    uint64_t end = bench_now_ns() + (uint64_t)(seconds * 1e9);
    do {
      double wall = INFINITY;
      double s = run_wasm_once(p, w, &wall, r);
      if (s < 0) {
        rc = -1;
        break;
      }
      snprintf(out, KERNEL_OUT_CAP, "%s", bench_wasi_output(w));
      bool same = check == KERNEL_SAME_OUTPUT ? strcmp(out, native_out) == 0
                                              : strstr(out, "Correct operation validated") != NULL;
      if (!same) {
        rc = bench_fail(r, "%s printed \"%.60s\", native printed \"%.60s\"", name, out, native_out);
        break;
      }
      if (s < kt->wasm_s) kt->wasm_s = s;
      if (wall < kt->wasm_wall_s) kt->wasm_wall_s = wall;
      kt->reps++;
    } while (bench_now_ns() < end);
  }
  if (p) rusm_prepared_free(p);
  if (m) rusm_module_free(m);
  free(imports);
  bench_wasi_free(w);
  return rc;
}

static int one_kernel(const char *name, const char *smoke_arg, const char *k_s,
                      const char *k_native, const char *k_ratio, const bench_opts *o,
                      bench_result *r) {
  static kernel_times kt;
  const char *arg = o->smoke ? smoke_arg : NULL;
  if (measure_kernel(name, arg, o->seconds, KERNEL_SAME_OUTPUT, &kt, r) != 0) return -1;
  r->unit = "count";
  r->ops_label = "runs/s";
  r->ops_per_sec = 1.0 / kt.wasm_s;
  bench_detail_str(r, "kernel", name);
  bench_detail_num(r, k_s, kt.wasm_s);
  bench_detail_num(r, k_native, kt.native_s);
  bench_detail_num(r, k_ratio, kt.wasm_s / kt.native_s);
  bench_detail_num(r, "wall_seconds", kt.wasm_wall_s);
  bench_detail_num(r, "native_wall_seconds", kt.native_wall_s);
  bench_detail_num(r, "load_s", kt.load_s);
  bench_detail_int(r, "repetitions", kt.reps);
  return 0;
}

#define X(k, smoke_arg)                                                                            \
  int bench_engine_kernel_##k(const bench_opts *o, bench_result *r) {                              \
    return one_kernel(#k, smoke_arg, "seconds", "native_seconds", "ratio_to_native", o, r);        \
  }
BENCH_ENGINE_KERNELS(X)
#undef X

int bench_engine_kernels(const bench_opts *o, bench_result *r) {
  double total = 0, log_sum = 0;
  int n = 0;
  r->unit = "count";
  r->ops_label = "kernels/s";
#define X(k, smoke_arg)                                                                            \
  {                                                                                                \
    static kernel_times kt;                                                                        \
    const char *arg = o->smoke ? smoke_arg : NULL;                                                 \
    if (measure_kernel(#k, arg, 0, KERNEL_SAME_OUTPUT, &kt, r) != 0) return -1;                    \
    bench_detail_num(r, #k "_s", kt.wasm_s);                                                       \
    bench_detail_num(r, #k "_native_s", kt.native_s);                                              \
    bench_detail_num(r, #k "_ratio", kt.wasm_s / kt.native_s);                                     \
    total += kt.wasm_s;                                                                            \
    log_sum += log(kt.wasm_s / kt.native_s);                                                       \
    n++;                                                                                           \
  }
  BENCH_ENGINE_KERNELS(X)
#undef X
  r->ops_per_sec = n / total;
  bench_detail_num(r, "total_s", total);
  bench_detail_num(r, "geomean_ratio", exp(log_sum / n));
  return 0;
}

/* CoreMark's own score line, "Iterations/Sec   : 1234.56"; 0 if absent. */
static double coremark_score(const char *out) {
  const char *p = strstr(out, "Iterations/Sec");
  p = p ? strchr(p, ':') : NULL;
  return p ? strtod(p + 1, NULL) : 0;
}

int bench_engine_coremark(const bench_opts *o, bench_result *r) {
  static kernel_times kt;
  if (measure_kernel("coremark", NULL, 0, KERNEL_COREMARK, &kt, r) != 0) return -1;
  double wasm = coremark_score(kt.wasm_out), native = coremark_score(kt.native_out);
  if (wasm <= 0 || native <= 0) return bench_fail(r, "no \"Iterations/Sec\" in CoreMark output");
  r->unit = "count";
  r->ops_label = "CoreMark iterations/s";
  r->ops_per_sec = wasm;
  bench_detail_num(r, "native_iterations_per_s", native);
  bench_detail_num(r, "ratio_to_native", native / wasm);
  bench_detail_num(r, "seconds", kt.wasm_s);
  bench_detail_num(r, "load_s", kt.load_s);
  return 0;
}
