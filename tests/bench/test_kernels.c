/*
** test_kernels.c: the kernel and coremark scenarios (src/bench
** engine_kernels.c) and the bench's minimal WASI (engine_wasi_min.c), on
** stand-in kernels: tiny WAT programs built next to this test (standins/,
** not benchmarks, not CoreMark) and native twins that are shell scripts
** printing what a correct run prints. Each failure a kernel run can meet is
** checked for its message, and every allocation of a run is made to fail
** once: a clean error or a good run, nothing leaked.
*/
#include "test.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault/fault.h"
#include "scenarios.h"

#ifndef STANDIN_DIR
#error "STANDIN_DIR: where the stand-in kernels were built"
#endif

static char dir[64]; /* the kernels folder the scenarios read (RUSM_BENCH_KERNELS) */

static void path_of(char *buf, size_t cap, const char *name, const char *ext) {
  snprintf(buf, cap, "%s/%s.%s", dir, name, ext);
}

static bool copy_standin(const char *standin, const char *kernel) {
  char from[512], to[512];
  snprintf(from, sizeof from, "%s/%s.wasm", STANDIN_DIR, standin);
  path_of(to, sizeof to, kernel, "wasm");
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  bool ok = in && out;
  char buf[4096];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
  if (in) fclose(in);
  if (out) fclose(out);
  return ok;
}

static bool write_file(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fputs(text, f) >= 0;
  ok = fclose(f) == 0 && ok;
  return ok && chmod(path, mode) == 0;
}

/* The native twin: a script that prints `line` (and checks its argument). */
static bool native_prints(const char *kernel, const char *line, const char *want_arg) {
  char path[512], script[1024];
  path_of(path, sizeof path, kernel, "native");
  if (want_arg)
    snprintf(script, sizeof script, "#!/bin/sh\n[ \"$1\" = \"%s\" ] || exit 3\nprintf '%s'\n",
             want_arg, line);
  else
    snprintf(script, sizeof script, "#!/bin/sh\n[ $# = 0 ] || exit 3\nprintf '%s'\n", line);
  return write_file(path, script, 0755);
}

/* What probe.wat prints when run as `kernel` with arg (NULL = none): two
** 'E's (fd 2, then fd 1) and one character per WASI answer, in its order. */
static void probe_line(char *buf, size_t cap, const char *kernel, const char *arg) {
  size_t argv_bytes = strlen(kernel) + 1 + (arg ? strlen(arg) + 1 : 0);
  snprintf(buf, cap, "EE0%c%cL0%cL00L0028Lv0001Ld8LLL01\\n", arg ? '2' : '1',
           (char)('0' + argv_bytes), kernel[0]);
}

static bool probe_kernel(const char *kernel, const char *arg) {
  char line[64];
  probe_line(line, sizeof line, kernel, arg);
  return copy_standin("probe", kernel) && native_prints(kernel, line, arg);
}

static bench_result run_scenario(bench_fn fn, double seconds, bool smoke, int *o_rc) {
  bench_opts o = {seconds, 1, smoke};
  bench_result r = {0};
  r.unit = "count";
  *o_rc = fn(&o, &r);
  return r;
}

static const bench_kv *detail(const bench_result *r, const char *key) {
  for (size_t i = 0; i < r->n_detail; i++)
    if (strcmp(r->detail[i].key, key) == 0) return &r->detail[i];
  return NULL;
}

static double num(const bench_result *r, const char *key) {
  const bench_kv *kv = detail(r, key);
  return kv && kv->kind == BENCH_V_NUM ? kv->v.d : -1;
}

/* The scenario's error, which must start with `want`. */
static void check_fails(bench_fn fn, const char *want) {
  int rc;
  bench_result r = run_scenario(fn, 0, false, &rc);
  CHECK_EQ(rc, -1);
  if (strncmp(r.error, want, strlen(want)) != 0) {
    fprintf(stderr, "  error \"%s\", expected \"%s...\"\n", r.error, want);
    CHECK(!"the error starts as expected");
  }
}

static void remove_kernel(const char *kernel) {
  char path[512];
  path_of(path, sizeof path, kernel, "wasm");
  unlink(path);
  path_of(path, sizeof path, kernel, "native");
  unlink(path);
}

TEST(a_kernel_matching_native_is_timed) {
  REQUIRE(probe_kernel("fib", NULL));
  int rc;
  bench_result r = run_scenario(bench_engine_kernel_fib, 0.05, false, &rc);
  CHECK_EQ(rc, 0);
  CHECK_STR(r.error, "");
  CHECK(r.ops_per_sec > 0);
  CHECK_STR(r.ops_label, "runs/s");
  const bench_kv *k = detail(&r, "kernel"), *reps = detail(&r, "repetitions");
  REQUIRE(k && reps);
  CHECK_STR(k->v.s, "fib");
  CHECK(reps->v.i >= 1);
  CHECK(num(&r, "seconds") > 0 && num(&r, "native_seconds") >= 0);
  CHECK(num(&r, "ratio_to_native") > 0);
  CHECK(num(&r, "load_s") >= 0);
}

TEST(smoke_gives_both_builds_the_small_input) {
  REQUIRE(probe_kernel("fib", "20")); /* the native twin fails without "20" */
  int rc;
  bench_result r = run_scenario(bench_engine_kernel_fib, 0, true, &rc);
  CHECK_EQ(rc, 0);
  CHECK_STR(r.error, "");
  /* and without --smoke neither gets it: the twin then fails */
  r = run_scenario(bench_engine_kernel_fib, 0, false, &rc);
  CHECK_EQ(rc, -1);
  CHECK(strncmp(r.error, "cannot run ", 11) == 0);
}

TEST(kernels_runs_all_five_and_sums_them) {
  static const char *const all[] = {"fib", "sieve", "matmul", "sha256", "calls"};
  for (size_t i = 0; i < 5; i++) REQUIRE(probe_kernel(all[i], NULL));
  int rc;
  bench_result r = run_scenario(bench_engine_kernels, 0, false, &rc);
  CHECK_EQ(rc, 0);
  CHECK_STR(r.error, "");
  double total = 0;
  for (size_t i = 0; i < 5; i++) {
    char key[32];
    snprintf(key, sizeof key, "%s_s", all[i]);
    CHECK(num(&r, key) > 0);
    total += num(&r, key);
    snprintf(key, sizeof key, "%s_ratio", all[i]);
    CHECK(num(&r, key) > 0);
  }
  CHECK(fabs(num(&r, "total_s") - total) < 1e-12);
  CHECK(fabs(r.ops_per_sec - 5 / total) < 1e-6 * r.ops_per_sec);
  CHECK(num(&r, "geomean_ratio") > 0);
  /* one wrong kernel fails the whole scenario */
  REQUIRE(native_prints("sha256", "different\\n", NULL));
  check_fails(bench_engine_kernels, "sha256 printed \"EE01");
}

TEST(a_wrong_answer_is_never_a_result) {
  REQUIRE(probe_kernel("fib", NULL));
  REQUIRE(native_prints("fib", "fib(35) = 9227465\\n", NULL));
  int rc;
  bench_result r = run_scenario(bench_engine_kernel_fib, 0, false, &rc);
  CHECK_EQ(rc, -1);
  char want[160], line[64];
  probe_line(line, sizeof line, "fib", NULL);
  line[strlen(line) - 2] = '\0'; /* the printed newline, written as \n here */
  snprintf(want, sizeof want, "fib printed \"%s\n\", native printed \"fib(35) = 9227465\n\"", line);
  CHECK_STR(r.error, want);
}

TEST(missing_or_failing_builds_are_named) {
  remove_kernel("fib");
  char want[256];
  snprintf(want, sizeof want, "cannot run %s/fib.native (build with bench/kernels/build.sh %s)",
           dir, dir);
  check_fails(bench_engine_kernel_fib, want);
  char path[512];
  path_of(path, sizeof path, "fib", "native");
  REQUIRE(write_file(path, "#!/bin/sh\nexit 1\n", 0755));
  check_fails(bench_engine_kernel_fib, want);
  REQUIRE(native_prints("fib", "x\\n", NULL));
  snprintf(want, sizeof want, "cannot read %s/fib.wasm", dir);
  check_fails(bench_engine_kernel_fib, want);
  path_of(path, sizeof path, "fib", "wasm");
  REQUIRE(write_file(path, "not a wasm module", 0644));
  check_fails(bench_engine_kernel_fib, "fib: load failed: ");
}

TEST(imports_outside_the_minimal_wasi_are_refused) {
  REQUIRE(native_prints("fib", "", NULL));
  REQUIRE(copy_standin("badimport", "fib"));
  check_fails(bench_engine_kernel_fib, "fib: import env.f is not a WASI preview 1 function");
  REQUIRE(copy_standin("badtype", "fib"));
  check_fails(bench_engine_kernel_fib, "fib: import fd_write has an unexpected type");
  REQUIRE(copy_standin("unsupported", "fib"));
  check_fails(bench_engine_kernel_fib, "fib: import sched_yield is not supported");
}

TEST(runs_that_do_not_finish_well_fail) {
  REQUIRE(native_prints("fib", "", NULL));
  REQUIRE(copy_standin("nostart", "fib"));
  check_fails(bench_engine_kernel_fib, "no _start export");
  REQUIRE(copy_standin("trap", "fib"));
  check_fails(bench_engine_kernel_fib, "trap: ");
  REQUIRE(copy_standin("exit3", "fib"));
  check_fails(bench_engine_kernel_fib, "exit code 3");
  REQUIRE(copy_standin("oobdata", "fib"));
  check_fails(bench_engine_kernel_fib, "instantiate: ");
}

TEST(coremark_reports_its_own_score) {
  /* stand-ins only: a wasm printing the self-check and 1000 iterations/s,
  ** a native twin claiming 2000 */
  REQUIRE(copy_standin("coremark_ok", "coremark"));
  REQUIRE(native_prints("coremark", "Iterations/Sec   : 2000\\n", NULL));
  int rc;
  bench_result r = run_scenario(bench_engine_coremark, 0, false, &rc);
  CHECK_EQ(rc, 0);
  CHECK_STR(r.error, "");
  CHECK(r.ops_per_sec == 1000);
  CHECK(num(&r, "native_iterations_per_s") == 2000);
  CHECK(num(&r, "ratio_to_native") == 2);
  CHECK(num(&r, "seconds") > 0);
  REQUIRE(copy_standin("coremark_noscore", "coremark"));
  check_fails(bench_engine_coremark, "no \"Iterations/Sec\" in CoreMark output");
  REQUIRE(copy_standin("probe", "coremark")); /* no self-check line */
  check_fails(bench_engine_coremark, "coremark printed \"EE");
  remove_kernel("coremark");
  check_fails(bench_engine_coremark, "cannot run ");
}

/* Known failures of a kernel run when something cannot be allocated. */
static bool clean_error(const char *e) {
  static const char *const known[] = {"cannot run ",
                                      "cannot read ",
                                      "fib: load failed: ",
                                      "fib: out of memory",
                                      "fib: cannot create host function ",
                                      "fib: prepare failed: ",
                                      "instantiate: ",
                                      "trap: "};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strncmp(e, known[i], strlen(known[i])) == 0) return true;
  return false;
}

static void sweep(fault_call which) {
  fault_count_on();
  int rc;
  bench_result r = run_scenario(bench_engine_kernel_fib, 0, false, &rc);
  uint64_t k = fault_seen(which);
  fault_reset();
  REQUIRE(rc == 0 && k > 0);
  int failed_runs = 0;
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(which, n, 0);
    r = run_scenario(bench_engine_kernel_fib, 0, false, &rc);
    fault_reset();
    if (rc != 0) {
      failed_runs++;
      if (!clean_error(r.error)) {
        fprintf(stderr, "  call %llu failing: \"%s\"\n", (unsigned long long)n, r.error);
        CHECK(!"a known error");
      }
    }
    r = run_scenario(bench_engine_kernel_fib, 0, false, &rc); /* still usable */
    CHECK_EQ(rc, 0);
  }
  CHECK(failed_runs > 0);
}

TEST(every_allocation_of_a_run_may_fail) {
  REQUIRE(probe_kernel("fib", NULL));
  sweep(FAULT_ALLOC);
  sweep(FAULT_mmap);
  sweep(FAULT_pipe);
}

static void set_up(void) {
  snprintf(dir, sizeof dir, "/tmp/rusm-bench-kernels-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
  setenv("RUSM_BENCH_KERNELS", dir, 1);
}

static void tear_down(void) {
  static const char *const all[] = {"fib", "sieve", "matmul", "sha256", "calls", "coremark"};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) remove_kernel(all[i]);
  rmdir(dir);
}

int run_all(int argc, char **argv); /* TEST_MAIN's main, renamed below */

int main(int argc, char **argv) {
  set_up();
  int rc = run_all(argc, argv);
  tear_down();
  return rc;
}

#define main run_all
TEST_MAIN(a_kernel_matching_native_is_timed, smoke_gives_both_builds_the_small_input,
          kernels_runs_all_five_and_sums_them, a_wrong_answer_is_never_a_result,
          missing_or_failing_builds_are_named, imports_outside_the_minimal_wasi_are_refused,
          runs_that_do_not_finish_well_fail, coremark_reports_its_own_score,
          every_allocation_of_a_run_may_fail)
#undef main
