/*
** test_instantiate.c: the instantiate scenario (src/bench
** engine_instantiate.c): a short run's figures hang together, and when any
** of its first allocations (building the two modules, loading, preparing,
** the first pool slots) or memory maps fails, the run ends with a clean
** error, leaks nothing, and the next run works.
*/
#include "test.h"

#include "fault/fault.h"
#include "scenarios.h"

#define SWEEP_ALLOCS 40 /* past the modules (~12), the load (~15), the prepare, a few slots */
#define SWEEP_MAPS 8

static const bench_kv *detail(const bench_result *r, const char *key) {
  for (size_t i = 0; i < r->n_detail; i++)
    if (strcmp(r->detail[i].key, key) == 0) return &r->detail[i];
  return NULL;
}

static int run(bench_result *r) {
  bench_opts o = {0.002, 1, false};
  memset(r, 0, sizeof *r);
  int rc = bench_engine_instantiate(&o, r);
  free(r->latency);
  r->latency = NULL;
  return rc;
}

TEST(a_short_run_reports_both_modules) {
  bench_opts o = {0.02, 1, false};
  bench_result r = {0};
  CHECK_EQ(bench_engine_instantiate(&o, &r), 0);
  CHECK_STR(r.error, "");
  CHECK(r.ops_per_sec > 0);
  REQUIRE(r.latency);
  CHECK(r.latency->count > 0); /* one sample per 64 instances */
  const bench_kv *one = detail(&r, "one_page_count"), *data = detail(&r, "data16_count");
  REQUIRE(one && data);
  CHECK(one->v.i > 0 && one->v.i % 64 == 0);
  CHECK(data->v.i > 0 && data->v.i % 64 == 0);
  CHECK_EQ(r.latency->count, (uint64_t)one->v.i / 64);
  const bench_kv *live = detail(&r, "one_page_1024_live_per_s");
  const bench_kv *first = detail(&r, "data16_first_1024_per_s");
  REQUIRE(live && first);
  CHECK(live->v.d > 0 && first->v.d > 0);
  const bench_kv *bytes = detail(&r, "data16_module_bytes");
  REQUIRE(bytes);
  CHECK(bytes->v.i > 16 * 65536);
  free(r.latency);
}

static bool clean_error(const char *e) {
  static const char *const known[] = {"out of memory", "load: ", "prepare: ", "instantiate: "};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strncmp(e, known[i], strlen(known[i])) == 0) return true;
  return false;
}

static void sweep(fault_call which, uint64_t calls, const char *must_see) {
  bool seen = false;
  bench_result r;
  for (uint64_t n = 1; n <= calls; n++) {
    fault_arm(which, n, 0);
    int rc = run(&r);
    bool hit = fault_failed(which) > 0;
    fault_reset();
    if (rc != 0) {
      if (!clean_error(r.error)) {
        fprintf(stderr, "  call %llu failing: \"%s\"\n", (unsigned long long)n, r.error);
        CHECK(!"a known error");
      }
      seen |= strncmp(r.error, must_see, strlen(must_see)) == 0;
    } else {
      CHECK_STR(r.error, "");
    }
    CHECK(hit || rc == 0); /* a run that failed had a failed call */
    CHECK_EQ(run(&r), 0);  /* and the next one works */
  }
  CHECK(seen);
}

TEST(each_early_allocation_may_fail) {
  sweep(FAULT_ALLOC, SWEEP_ALLOCS, "instantiate: ");
  bench_result r;
  fault_arm(FAULT_realloc, 1, 0); /* the first piece of the first module */
  CHECK_EQ(run(&r), -1);
  CHECK_STR(r.error, "out of memory");
  fault_reset();
}

TEST(each_early_map_may_fail) {
  fault_count_on();
  bench_result r;
  CHECK_EQ(run(&r), 0);
  uint64_t maps = fault_seen(FAULT_mmap);
  fault_reset();
  sweep(FAULT_mmap, maps < SWEEP_MAPS ? maps : SWEEP_MAPS, "instantiate: ");
}

TEST_MAIN(a_short_run_reports_both_modules, each_early_allocation_may_fail, each_early_map_may_fail)
