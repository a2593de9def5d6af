/*
** bench.h: what every rusm-bench scenario shares (internal to src/bench).
**
** A scenario is one function that builds its own runtime, drives a load,
** lets bench_measure time the steady part, tears everything down and fills
** a bench_result. Output (human or the one-object JSON contract) is done by
** report.c from that result, so a scenario never prints.
*/
#ifndef RUSM_BENCH_H
#define RUSM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

typedef struct bench_opts {
  double seconds;   /* requested run length */
  unsigned workers; /* scheduler workers; 0 = one per online core */
  bool smoke;       /* a quick correctness run: fixed populations and kernel
                       inputs cut down, so the figures are not comparable */
} bench_opts;

/* Detail entries, kept flat and typed so both outputs can render them. */
typedef enum { BENCH_V_INT, BENCH_V_NUM, BENCH_V_STR, BENCH_V_BOOL } bench_vkind;

typedef struct bench_kv {
  const char *key; /* static string */
  bench_vkind kind;
  union {
    int64_t i;
    double d;
    const char *s; /* static string */
    bool b;
  } v;
} bench_kv;

#define BENCH_MAX_DETAIL 24

typedef struct bench_result {
  double ops_per_sec;        /* the headline */
  const char *unit;          /* "count" | "bytes" */
  const char *ops_label;     /* human unit of the headline, e.g. "spawns/s" */
  const char *latency_label; /* what the latency measures; NULL = no latency */
  bench_hist *latency;       /* owned; NULL = no latency */
  bench_kv detail[BENCH_MAX_DETAIL];
  size_t n_detail;
  char error[160]; /* set when the scenario fails */
} bench_result;

typedef int (*bench_fn)(const bench_opts *o, bench_result *r); /* 0 = ok */

void bench_detail_int(bench_result *r, const char *key, int64_t v);
void bench_detail_num(bench_result *r, const char *key, double v);
void bench_detail_str(bench_result *r, const char *key, const char *v);
void bench_detail_bool(bench_result *r, const char *key, bool v);
/* Records a failure message (printf-style); returns -1 for `return bench_fail(...)`. */
int bench_fail(bench_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------- measuring */

/* Seconds of warm-up dropped from a run of `seconds` (2 s once the run
** is long enough to still leave 2 s of measurement, else none). */
double bench_warmup_for(double seconds);

/* Reads the scenario's monotonically growing operation count. */
typedef uint64_t (*bench_count_fn)(void *arg);

/* The measured phase of a load that is already running: sleeps through the
** warm-up, samples count, turns latency recording on, sleeps the rest of
** the run, samples again and turns recording off. Returns ops per second
** over the measured window and adds warmup/measured seconds to r->detail. */
double bench_measure(const bench_opts *o, bench_result *r, bench_count_fn count, void *arg);

/* Latency samples: bench_lat_record files into the calling thread's own
** histogram (no sharing on the hot path) while recording is on; collect
** merges every thread's histogram into a new one the caller owns. */
void bench_lat_start(void); /* clears and turns recording on */
void bench_lat_stop(void);
bool bench_lat_on(void);
void bench_lat_record(uint64_t ns);
bench_hist *bench_lat_collect(void);
void bench_lat_free(void); /* at exit, once no runtime is left */

uint64_t bench_now_ns(void);
void bench_sleep_ns(uint64_t ns);
unsigned bench_cores(void);
size_t bench_rss_bytes(void); /* /proc/self/statm resident pages * page size */

/* ---------------------------------------------------------- reporting */

void bench_report_json(const char *scenario, const bench_opts *o, const bench_result *r);
void bench_report_human(const char *scenario, const bench_opts *o, const bench_result *r);

#endif
