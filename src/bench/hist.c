/*
** hist.c: the bounded-relative-error latency histogram (see hist.h).
*/
#include "hist.h"

#include <stdlib.h>

bench_hist *hist_new(void) {
  bench_hist *h = calloc(1, sizeof *h);
  if (h) h->min = UINT64_MAX;
  return h;
}

static unsigned bucket_of(uint64_t v) {
  if (v < HIST_SUB) return (unsigned)v;
  if (v >> HIST_MAX_BITS) v = (1ull << HIST_MAX_BITS) - 1;
  unsigned k = 63u - (unsigned)__builtin_clzll(v); /* k >= HIST_SUB_BITS */
  unsigned shift = k - HIST_SUB_BITS;
  return HIST_SUB * (shift + 1) + (unsigned)((v >> shift) - HIST_SUB);
}

static uint64_t bucket_mid(unsigned idx) {
  if (idx < HIST_SUB) return idx;
  unsigned shift = idx / HIST_SUB - 1, sub = idx % HIST_SUB;
  uint64_t low = (uint64_t)(HIST_SUB + sub) << shift;
  return low + ((1ull << shift) >> 1);
}

void hist_record(bench_hist *h, uint64_t v) {
  h->b[bucket_of(v)]++;
  h->count++;
  h->sum += (double)v;
  if (v < h->min) h->min = v;
  if (v > h->max) h->max = v;
}

void hist_merge(bench_hist *into, const bench_hist *from) {
  if (!from->count) return;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) into->b[i] += from->b[i];
  into->count += from->count;
  into->sum += from->sum;
  if (from->min < into->min) into->min = from->min;
  if (from->max > into->max) into->max = from->max;
}

uint64_t hist_percentile(const bench_hist *h, double p) {
  if (!h->count) return 0;
  uint64_t rank = (uint64_t)(p / 100.0 * (double)h->count + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > h->count) rank = h->count;
  /* count is the sum of the buckets, so the walk stops at rank at the latest */
  unsigned i = 0;
  for (uint64_t seen = h->b[0]; seen < rank && i + 1 < HIST_BUCKETS;) seen += h->b[++i];
  uint64_t v = bucket_mid(i);
  if (v < h->min) v = h->min;
  if (v > h->max) v = h->max;
  return v;
}
