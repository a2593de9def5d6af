/*
** hist.h: a latency histogram with bounded relative error (HDR-style).
**
** Values below 2^HIST_SUB_BITS are counted exactly; above, each power of two
** is split into 2^HIST_SUB_BITS linear buckets, so any recorded value is
** known to within 1/128 (0.8%). Values past 2^HIST_MAX_BITS ns (~18 min)
** are clamped into the last bucket.
*/
#ifndef RUSM_BENCH_HIST_H
#define RUSM_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_MAX_BITS 40
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB * (HIST_MAX_BITS - HIST_SUB_BITS + 2))

typedef struct bench_hist {
  uint64_t count;
  uint64_t min, max;
  double sum;
  uint64_t b[HIST_BUCKETS];
} bench_hist;

bench_hist *hist_new(void); /* zeroed; caller frees with free() */
void hist_record(bench_hist *h, uint64_t v);
void hist_merge(bench_hist *into, const bench_hist *from);
/* Nearest-rank percentile (p in 0..100), as the middle of its bucket
** clamped to [min, max]; 0 for an empty histogram. */
uint64_t hist_percentile(const bench_hist *h, double p);

#endif
