/*
** test_hist.c: the latency histogram keeps its error bound and ranks
** percentiles the nearest-rank way (a unit test of src/bench/hist.c).
*/
#include "test.h"

#include "hist.h"

TEST(small_values_are_exact) {
  bench_hist *h = hist_new();
  REQUIRE(h);
  for (uint64_t v = 1; v <= 100; v++) hist_record(h, v);
  CHECK_EQ(h->count, 100);
  CHECK_EQ(hist_percentile(h, 50), 50);
  CHECK_EQ(hist_percentile(h, 95), 95);
  CHECK_EQ(hist_percentile(h, 99), 99);
  CHECK_EQ(hist_percentile(h, 100), 100);
  free(h);
}

TEST(large_values_within_relative_error) {
  bench_hist *h = hist_new();
  REQUIRE(h);
  uint64_t vals[] = {1000, 123456, 9999999, 1ull << 35, 777777777777ull};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
    hist_record(h, vals[i] - 1); /* min and max clamp the answer: widen them */
    hist_record(h, vals[i]);
    hist_record(h, vals[i] + vals[i] / 50);
    uint64_t got = hist_percentile(h, 50);
    double err = (double)(got > vals[i] ? got - vals[i] : vals[i] - got) / (double)vals[i];
    CHECK(err <= 1.0 / HIST_SUB);
  }
  free(h);
}

TEST(percentiles_follow_the_distribution_and_merge) {
  bench_hist *a = hist_new(), *b = hist_new();
  REQUIRE(a && b);
  for (int i = 0; i < 900; i++) hist_record(a, 500);   /* 90%: 500 ns */
  for (int i = 0; i < 100; i++) hist_record(b, 50000); /* 10%: 50 us */
  hist_merge(a, b);
  CHECK_EQ(a->count, 1000);
  /* 500 lies in a bucket 2 wide: reported as its middle, 501 */
  CHECK_EQ(hist_percentile(a, 50), 501);
  CHECK_EQ(hist_percentile(a, 90), 501);
  uint64_t p95 = hist_percentile(a, 95);
  CHECK(p95 >= 49600 && p95 <= 50000); /* within its bucket, clamped to max */
  CHECK_EQ(a->min, 500);
  CHECK_EQ(a->max, 50000);
  bench_hist *empty = hist_new();
  CHECK_EQ(hist_percentile(empty, 50), 0);
  free(a);
  free(b);
  free(empty);
}

TEST(huge_values_clamp_into_the_last_bucket) {
  bench_hist *h = hist_new();
  REQUIRE(h);
  hist_record(h, UINT64_MAX);
  CHECK_EQ(h->count, 1);
  CHECK_EQ(hist_percentile(h, 50), UINT64_MAX); /* min = max = the value */
  free(h);
}

TEST_MAIN(small_values_are_exact, large_values_within_relative_error,
          percentiles_follow_the_distribution_and_merge, huge_values_clamp_into_the_last_bucket)
