/*
** test_report.c: a bench_result's two renderings (the JSON contract and the
** human layout), the detail table's rules, and latency recording when its
** per-thread histogram cannot be allocated (src/bench report.c, measure.c).
*/
#include "test.h"

#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "bench.h"
#include "fault/fault.h"

/* What fn printed on stdout; the caller frees it. */
static char *capture(void (*fn)(const void *), const void *arg) {
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  FILE *tmp = tmpfile();
  if (saved < 0 || !tmp) return NULL;
  dup2(fileno(tmp), STDOUT_FILENO);
  fn(arg);
  fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  long n = ftell(tmp);
  char *out = n >= 0 ? calloc(1, (size_t)n + 1) : NULL;
  rewind(tmp);
  if (out && fread(out, 1, (size_t)n, tmp) != (size_t)n) out[0] = '\0';
  fclose(tmp);
  return out;
}

typedef struct {
  const char *scenario;
  bench_opts o;
  bench_result r;
} report_case;

static void json_of(const void *arg) {
  const report_case *c = arg;
  bench_report_json(c->scenario, &c->o, &c->r);
}

static void human_of(const void *arg) {
  const report_case *c = arg;
  bench_report_human(c->scenario, &c->o, &c->r);
}

TEST(json_escapes_strings_and_renders_every_kind) {
  report_case c = {.scenario = "sc\"n\\", .o = {1.5, 0, false}};
  c.r.ops_per_sec = 2.5;
  c.r.unit = NULL; /* falls back to "count" */
  bench_detail_str(&c.r, "s", "a\"b\\c\n\x01");
  bench_detail_num(&c.r, "nan", NAN);
  bench_detail_num(&c.r, "inf", INFINITY);
  bench_detail_num(&c.r, "whole", 3.0);
  bench_detail_int(&c.r, "i", -42);
  bench_detail_bool(&c.r, "yes", true);
  bench_detail_bool(&c.r, "no", false);
  char *out = capture(json_of, &c);
  REQUIRE(out);
  CHECK_STR(out, "{\"scenario\":\"sc\\\"n\\\\\",\"seconds\":1.5,\"ops_per_sec\":2.5,"
                 "\"unit\":\"count\",\"latency\":null,\"detail\":{"
                 "\"s\":\"a\\\"b\\\\c\\u000a\\u0001\",\"nan\":null,\"inf\":null,\"whole\":3,"
                 "\"i\":-42,\"yes\":true,\"no\":false}}\n");
  free(out);
}

TEST(json_latency_gives_the_three_percentiles) {
  report_case c = {.scenario = "lat", .o = {2, 0, false}};
  c.r.unit = "bytes";
  c.r.ops_per_sec = 1e20; /* too big to print as an integer exactly */
  c.r.latency = hist_new();
  REQUIRE(c.r.latency);
  for (int i = 0; i < 100; i++) hist_record(c.r.latency, (uint64_t)i + 1);
  char *out = capture(json_of, &c);
  REQUIRE(out);
  CHECK_STR(out, "{\"scenario\":\"lat\",\"seconds\":2,\"ops_per_sec\":1e+20,\"unit\":\"bytes\","
                 "\"latency\":{\"p50_ns\":50,\"p95_ns\":95,\"p99_ns\":99},\"detail\":{}}\n");
  free(out);
  free(c.r.latency);
}

TEST(human_layout_groups_digits_and_scales_durations) {
  report_case c = {.scenario = "demo", .o = {1.5, 0, false}};
  c.r.ops_per_sec = 2431233.4;
  c.r.latency = hist_new();
  REQUIRE(c.r.latency);
  for (int i = 0; i < 50; i++) hist_record(c.r.latency, 500);
  for (int i = 0; i < 45; i++) hist_record(c.r.latency, 5000);
  for (int i = 0; i < 5; i++) hist_record(c.r.latency, 5000000);
  bench_detail_int(&c.r, "big", 1234567);
  bench_detail_int(&c.r, "negative", -1234);
  bench_detail_int(&c.r, "small", 12);
  bench_detail_num(&c.r, "ratio", 0.5);
  bench_detail_str(&c.r, "what", "text");
  bench_detail_bool(&c.r, "on", true);
  bench_detail_bool(&c.r, "off", false);
  char *out = capture(human_of, &c);
  REQUIRE(out);
  CHECK_STR(out, "demo  (1.5 s run)\n"
                 "  throughput           2,431,233 ops/s\n"
                 "  latency              p50 501 ns   p95 5.01 us   p99 5.00 ms   "
                 "(latency, 100 samples)\n"
                 "  big                  1,234,567\n"
                 "  negative             -1,234\n"
                 "  small                12\n"
                 "  ratio                0.500\n"
                 "  what                 text\n"
                 "  on                   yes\n"
                 "  off                  no\n");
  free(out);
  free(c.r.latency);
}

TEST(human_layout_uses_the_scenario_labels_and_seconds) {
  report_case c = {.scenario = "slow", .o = {10, 0, false}};
  c.r.ops_per_sec = 999;
  c.r.ops_label = "things/s";
  c.r.latency_label = "a round trip";
  c.r.latency = hist_new();
  REQUIRE(c.r.latency);
  hist_record(c.r.latency, 5000000000ull);
  char *out = capture(human_of, &c);
  REQUIRE(out);
  CHECK_STR(out, "slow  (10.0 s run)\n"
                 "  throughput           999 things/s\n"
                 "  latency              p50 5.00 s   p95 5.00 s   p99 5.00 s   "
                 "(a round trip, 1 samples)\n");
  free(out);
  /* an empty histogram is no latency line at all */
  memset(c.r.latency, 0, sizeof *c.r.latency);
  out = capture(human_of, &c);
  REQUIRE(out);
  CHECK_STR(out, "slow  (10.0 s run)\n  throughput           999 things/s\n");
  free(out);
  free(c.r.latency);
}

TEST(detail_keys_update_in_place_and_overflow_is_dropped) {
  bench_result r = {0};
  bench_detail_int(&r, "k", 1);
  bench_detail_str(&r, "k", "now a string");
  CHECK_EQ(r.n_detail, 1);
  CHECK_EQ(r.detail[0].kind, BENCH_V_STR);
  CHECK_STR(r.detail[0].v.s, "now a string");
  static const char *keys[BENCH_MAX_DETAIL + 1] = {
      "k",   "k1",  "k2",  "k3",  "k4",  "k5",  "k6",  "k7",  "k8",  "k9",  "k10", "k11", "k12",
      "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24"};
  for (int i = 1; i <= BENCH_MAX_DETAIL; i++) bench_detail_int(&r, keys[i], i);
  CHECK_EQ(r.n_detail, BENCH_MAX_DETAIL);
  CHECK_STR(r.detail[BENCH_MAX_DETAIL - 1].key, "k23");
  for (size_t i = 0; i < r.n_detail; i++) CHECK(strcmp(r.detail[i].key, "k24") != 0);
  /* a full table still updates the keys it has */
  bench_detail_num(&r, "k5", 0.25);
  CHECK_EQ(r.detail[5].kind, BENCH_V_NUM);
  CHECK(r.detail[5].v.d == 0.25);
}

TEST(bench_fail_formats_and_truncates) {
  bench_result r = {0};
  CHECK_EQ(bench_fail(&r, "step %d of %s", 3, "ten"), -1);
  CHECK_STR(r.error, "step 3 of ten");
  char longer[400];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  CHECK_EQ(bench_fail(&r, "%s", longer), -1);
  CHECK_EQ(strlen(r.error), sizeof r.error - 1);
}

static void *record_in_thread(void *arg) {
  bench_lat_record((uint64_t)(uintptr_t)arg);
  return NULL;
}

/* Records v from a new thread (so with no histogram yet); returns at once. */
static void record_fresh(uint64_t v) {
  pthread_t t;
  if (pthread_create(&t, NULL, record_in_thread, (void *)(uintptr_t)v) == 0) pthread_join(t, NULL);
}

TEST(latency_is_recorded_per_thread_and_merged) {
  bench_lat_record(7); /* off: dropped */
  bench_lat_start();
  CHECK(bench_lat_on());
  bench_lat_record(100);
  record_fresh(300);
  record_fresh(200);
  bench_lat_stop();
  bench_lat_record(999); /* off again */
  bench_hist *h = bench_lat_collect();
  REQUIRE(h);
  CHECK_EQ(h->count, 3);
  CHECK_EQ(h->min, 100);
  CHECK_EQ(h->max, 300);
  free(h);
  /* a new start forgets what the histograms held */
  bench_lat_start();
  bench_lat_record(5);
  bench_lat_stop();
  h = bench_lat_collect();
  REQUIRE(h);
  CHECK_EQ(h->count, 1);
  CHECK_EQ(h->min, 5);
  free(h);
  bench_lat_free();
}

TEST(latency_samples_are_dropped_when_a_histogram_cannot_be_had) {
  bench_lat_start();
  fault_arm(FAULT_malloc, 1, 0); /* the list node */
  record_fresh(10);
  CHECK_EQ(fault_failed(FAULT_malloc), 1);
  fault_arm(FAULT_calloc, 1, 0); /* the histogram */
  record_fresh(20);
  CHECK_EQ(fault_failed(FAULT_calloc), 1);
  fault_reset();
  record_fresh(30); /* recording still works */
  bench_lat_stop();
  bench_hist *h = bench_lat_collect();
  REQUIRE(h);
  CHECK_EQ(h->count, 1);
  CHECK_EQ(h->min, 30);
  free(h);
  fault_arm(FAULT_calloc, 1, 0);
  CHECK(bench_lat_collect() == NULL);
  fault_reset();
  bench_lat_free();
}

static uint64_t counter(void *arg) {
  return *(uint64_t *)arg += 1000;
}

TEST(measure_divides_the_count_by_the_measured_window) {
  CHECK(bench_warmup_for(1) == 0.0);
  CHECK(bench_warmup_for(4) == 2.0);
  bench_opts o = {0.05, 0, false};
  bench_result r = {0};
  uint64_t c = 0;
  double ops = bench_measure(&o, &r, counter, &c);
  REQUIRE(r.n_detail == 2);
  CHECK_STR(r.detail[0].key, "warmup_seconds");
  CHECK(r.detail[0].v.d == 0.0);
  CHECK_STR(r.detail[1].key, "measured_seconds");
  double dt = r.detail[1].v.d;
  CHECK(dt >= 0.05 && dt < 5);
  CHECK(fabs(ops - 1000 / dt) < 1e-6 * ops);
  CHECK(!bench_lat_on());
  CHECK(bench_cores() >= 1);
  CHECK(bench_rss_bytes() > 0);
}

TEST_MAIN(json_escapes_strings_and_renders_every_kind, json_latency_gives_the_three_percentiles,
          human_layout_groups_digits_and_scales_durations,
          human_layout_uses_the_scenario_labels_and_seconds,
          detail_keys_update_in_place_and_overflow_is_dropped, bench_fail_formats_and_truncates,
          latency_is_recorded_per_thread_and_merged,
          latency_samples_are_dropped_when_a_histogram_cannot_be_had,
          measure_divides_the_count_by_the_measured_window)
