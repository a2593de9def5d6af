/*
** report.c: the two renderings of a bench_result.
**
** JSON is the contract every scenario keeps: exactly one object on stdout
** with scenario, seconds, ops_per_sec, unit, latency ({p50_ns, p95_ns,
** p99_ns} or null) and detail (flat, scenario-specific). The human form is
** the same figures laid out to be read at a glance.
*/
#include "bench.h"

#include <math.h>
#include <stdio.h>

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_num(FILE *f, double v) {
  if (!isfinite(v))
    fputs("null", f);
  else if (v == floor(v) && fabs(v) < 9e15)
    fprintf(f, "%.0f", v);
  else
    fprintf(f, "%.6g", v);
}

static void json_kv(FILE *f, const bench_kv *kv) {
  switch (kv->kind) {
  case BENCH_V_INT: fprintf(f, "%lld", (long long)kv->v.i); break;
  case BENCH_V_NUM: json_num(f, kv->v.d); break;
  case BENCH_V_STR: json_str(f, kv->v.s); break;
  case BENCH_V_BOOL: fputs(kv->v.b ? "true" : "false", f); break;
  }
}

void bench_report_json(const char *scenario, const bench_opts *o, const bench_result *r) {
  FILE *f = stdout;
  fputs("{\"scenario\":", f);
  json_str(f, scenario);
  fputs(",\"seconds\":", f);
  json_num(f, o->seconds);
  fputs(",\"ops_per_sec\":", f);
  json_num(f, r->ops_per_sec);
  fputs(",\"unit\":", f);
  json_str(f, r->unit ? r->unit : "count");
  fputs(",\"latency\":", f);
  if (r->latency && r->latency->count) {
    fprintf(f, "{\"p50_ns\":%llu,\"p95_ns\":%llu,\"p99_ns\":%llu}",
            (unsigned long long)hist_percentile(r->latency, 50),
            (unsigned long long)hist_percentile(r->latency, 95),
            (unsigned long long)hist_percentile(r->latency, 99));
  } else {
    fputs("null", f);
  }
  fputs(",\"detail\":{", f);
  for (size_t i = 0; i < r->n_detail; i++) {
    if (i) fputc(',', f);
    json_str(f, r->detail[i].key);
    fputc(':', f);
    json_kv(f, &r->detail[i]);
  }
  fputs("}}\n", f);
  fflush(f);
}

/* 2431233.4 -> "2,431,233" */
static const char *grouped(double v, char *buf, size_t cap) {
  char raw[32];
  snprintf(raw, sizeof raw, "%.0f", v);
  size_t n = 0, len = 0;
  while (raw[len]) len++;
  for (size_t i = 0; i < len && n + 2 < cap; i++) {
    buf[n++] = raw[i];
    size_t left = len - i - 1;
    if (left && left % 3 == 0 && raw[i] != '-') buf[n++] = ',';
  }
  buf[n] = 0;
  return buf;
}

static const char *duration(uint64_t ns, char *buf, size_t cap) {
  if (ns < 1000)
    snprintf(buf, cap, "%llu ns", (unsigned long long)ns);
  else if (ns < 1000000)
    snprintf(buf, cap, "%.2f us", (double)ns / 1e3);
  else if (ns < 1000000000)
    snprintf(buf, cap, "%.2f ms", (double)ns / 1e6);
  else
    snprintf(buf, cap, "%.2f s", (double)ns / 1e9);
  return buf;
}

void bench_report_human(const char *scenario, const bench_opts *o, const bench_result *r) {
  char a[48], b[32], c[32], d[32];
  printf("%s  (%.1f s run)\n", scenario, o->seconds);
  printf("  %-20s %s %s\n", "throughput", grouped(r->ops_per_sec, a, sizeof a),
         r->ops_label ? r->ops_label : "ops/s");
  if (r->latency && r->latency->count) {
    printf("  %-20s p50 %s   p95 %s   p99 %s   (%s, %s samples)\n", "latency",
           duration(hist_percentile(r->latency, 50), b, sizeof b),
           duration(hist_percentile(r->latency, 95), c, sizeof c),
           duration(hist_percentile(r->latency, 99), d, sizeof d),
           r->latency_label ? r->latency_label : "latency",
           grouped((double)r->latency->count, a, sizeof a));
  }
  for (size_t i = 0; i < r->n_detail; i++) {
    const bench_kv *kv = &r->detail[i];
    printf("  %-20s ", kv->key);
    switch (kv->kind) {
    case BENCH_V_INT: printf("%s\n", grouped((double)kv->v.i, a, sizeof a)); break;
    case BENCH_V_NUM: printf("%.3f\n", kv->v.d); break;
    case BENCH_V_STR: printf("%s\n", kv->v.s); break;
    case BENCH_V_BOOL: printf("%s\n", kv->v.b ? "yes" : "no"); break;
    }
  }
  fflush(stdout);
}
