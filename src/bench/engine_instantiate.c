/*
** engine_instantiate.c: the `instantiate` scenario, the spawn path of a
** Wasm process without the runtime around it.
**
** One core, a loop of rusm_instantiate + rusm_instance_free on one prepared
** module, for half the run each on two modules built here: a 1-page memory
** with a function and a global (the headline), and 16 pages filled by data
** segments (what a real guest's image costs). Every 64th pair is timed for
** the latency figure, so the clock reads cost little. A quarter of each
** half instead keeps 1024 instances alive at a time (a spawn burst, where
** one slot cannot just be handed back and forth); the first batch, made of
** fresh pool slots, is also reported alone and checks that the memory
** really holds the module's image.
*/
#include "scenarios.h"

#include <stdlib.h>
#include <string.h>

#include "engine_scenarios.h"
#include "rusm/engine.h"

#define INST_DATA_PAGES 16
#define INST_SAMPLE_EVERY 64
#define INST_BATCH 1024

/* The engine's reason, or what an allocation that failed silently means. */
static const char *reason(const rusm_error *e) {
  return e->reason[0] ? e->reason : "out of memory";
}

/* A growable byte buffer for writing a module. */
typedef struct {
  uint8_t *p;
  size_t n, cap;
  bool oom;
} wbuf;

static void put(wbuf *b, const void *src, size_t n) {
  if (b->oom) return;
  if (b->cap - b->n < n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < n) cap *= 2;
    uint8_t *np = realloc(b->p, cap);
    if (!np) {
      b->oom = true;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
}

static void put_byte(wbuf *b, uint8_t v) {
  put(b, &v, 1);
}

static void put_uleb(wbuf *b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    put_byte(b, byte | (v ? 0x80 : 0));
  } while (v);
}

/* A body that ran out of memory (its bytes may be NULL) spoils b too. */
static void put_section(wbuf *b, uint8_t id, const wbuf *body) {
  b->oom |= body->oom;
  put_byte(b, id);
  put_uleb(b, body->n);
  put(b, body->p, body->n);
}

/* (memory pages) (global (mut i32) 7) (func (export "f") (result i32) 42),
** plus, when fill, one data segment per page filling the whole memory. */
static uint8_t *build_module(uint32_t pages, bool fill, size_t *o_len) {
  wbuf m = {0}, s = {0};
  static const uint8_t header[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  put(&m, header, sizeof header);
  static const uint8_t types[] = {1, 0x60, 0, 1, 0x7f};
  s.n = 0, put(&s, types, sizeof types), put_section(&m, 1, &s);
  static const uint8_t funcs[] = {1, 0};
  s.n = 0, put(&s, funcs, sizeof funcs), put_section(&m, 3, &s);
  s.n = 0, put_byte(&s, 1), put_byte(&s, 0), put_uleb(&s, pages), put_section(&m, 5, &s);
  static const uint8_t globals[] = {1, 0x7f, 1, 0x41, 7, 0x0b};
  s.n = 0, put(&s, globals, sizeof globals), put_section(&m, 6, &s);
  static const uint8_t exports[] = {1, 1, 'f', 0, 0};
  s.n = 0, put(&s, exports, sizeof exports), put_section(&m, 7, &s);
  static const uint8_t code[] = {1, 4, 0, 0x41, 42, 0x0b};
  s.n = 0, put(&s, code, sizeof code), put_section(&m, 10, &s);
  if (fill) {
    uint8_t *page = malloc(65536);
    if (!page) m.oom = true;
    s.n = 0;
    put_uleb(&s, pages);
    for (uint32_t i = 0; page && i < pages; i++) {
      for (size_t k = 0; k < 65536; k++) page[k] = (uint8_t)(k * 7 + i + 1);
      put_byte(&s, 0); /* active, memory 0 */
      put_byte(&s, 0x41), put_uleb(&s, (uint64_t)i * 65536), put_byte(&s, 0x0b);
      put_uleb(&s, 65536);
      put(&s, page, 65536);
    }
    free(page);
    put_section(&m, 11, &s);
  }
  free(s.p);
  if (m.oom || s.oom) {
    free(m.p);
    return NULL;
  }
  *o_len = m.n;
  return m.p;
}

typedef struct {
  double per_sec, batch_per_sec; /* free at once / 1024 live at a time */
  double first_batch_per_sec;    /* the first 1024: fresh pool slots */
  uint64_t count;
} inst_rate;

/* The image must really be there: a pool that skipped the data copy would
** make the figure meaningless. Checks one byte per page. */
static bool image_ok(rusm_instance *inst, uint32_t pages, bool fill) {
  rusm_memory *mem = rusm_instance_memory(inst, 0);
  uint64_t size = 0;
  uint8_t *data = mem ? rusm_memory_data(mem, &size) : NULL;
  if (!data || size != (uint64_t)pages * 65536) return false;
  for (uint32_t i = 0; i < pages; i++) {
    size_t k = 4099u * (i + 1) % 65536;
    if (data[(size_t)i * 65536 + k] != (fill ? (uint8_t)(k * 7 + i + 1) : 0)) return false;
  }
  return true;
}

/* Rounds of `batch` instantiations followed by as many frees, until
** `seconds` have passed (at least one round). The clock is read once per
** INST_SAMPLE_EVERY instances, and such a round is timed into lat (if any);
** the first round's rate is kept apart (fresh slots when the pool is new),
** and its last instance must hold the module's image. Both shapes of the
** run share this loop, so they share its one failure exit. 0 = ok. */
static int rounds(rusm_prepared *p, int batch, double seconds, uint32_t pages, bool fill,
                  bench_hist *lat, double *o_per_sec, double *o_first_per_sec, uint64_t *o_count,
                  bench_result *r) {
  static rusm_instance *live[INST_BATCH]; /* many live at once: no slot handed back and forth */
  rusm_instance_config cfg = {0};
  rusm_error err = {0};
  uint64_t count = 0, t0 = bench_now_ns(), end = t0 + (uint64_t)(seconds * 1e9), now = t0;
  do {
    bool timed = lat && count % INST_SAMPLE_EVERY == 0;
    uint64_t a = timed ? bench_now_ns() : 0;
    int n = 0;
    while (n < batch && (live[n] = rusm_instantiate(p, &cfg, &err))) n++;
    bool ok = n == batch && (count || image_ok(live[n - 1], pages, fill));
    for (int k = 0; k < n; k++) rusm_instance_free(live[k]);
    if (!ok)
      return n < batch ? bench_fail(r, "instantiate: %s", reason(&err))
                       : bench_fail(r, "instance memory does not hold the module's image");
    if (timed) hist_record(lat, bench_now_ns() - a);
    if (!count) *o_first_per_sec = batch / ((double)(bench_now_ns() - t0) / 1e9);
    count += (uint64_t)batch;
    if (count % INST_SAMPLE_EVERY == 0) now = bench_now_ns();
  } while (now < end);
  *o_count = count;
  *o_per_sec = (double)count / ((double)(now - t0) / 1e9);
  return 0;
}

/* Loads and prepares one module, then a quarter of `seconds` with INST_BATCH
** live at a time and the rest freeing each at once; 0 = ok. */
static int measure(const uint8_t *bytes, size_t len, uint32_t pages, bool fill, double seconds,
                   bench_hist *lat, inst_rate *o, bench_result *r) {
  rusm_error err = {0}; /* a failed allocation may leave no reason */
  rusm_module *m = rusm_module_load(bytes, len, &err);
  if (!m) return bench_fail(r, "load: %s", reason(&err));
  rusm_prepared *p = rusm_prepare(m, NULL, 0, &err);
  if (!p) {
    rusm_module_free(m);
    return bench_fail(r, "prepare: %s", reason(&err));
  }
  uint64_t batched;
  int rc = rounds(p, INST_BATCH, seconds * 0.25, pages, fill, NULL, &o->batch_per_sec,
                  &o->first_batch_per_sec, &batched, r);
  double first_single;
  if (rc == 0)
    rc = rounds(p, 1, seconds * 0.75, pages, fill, lat, &o->per_sec, &first_single, &o->count, r);
  rusm_prepared_free(p);
  rusm_module_free(m);
  return rc;
}

int bench_engine_instantiate(const bench_opts *o, bench_result *r) {
  size_t len1, len16;
  uint8_t *one = build_module(1, false, &len1);
  uint8_t *data = build_module(INST_DATA_PAGES, true, &len16);
  r->latency = hist_new();
  if (!one || !data || !r->latency) {
    free(one);
    free(data);
    return bench_fail(r, "out of memory");
  }
  inst_rate a = {0}, b = {0};
  int rc = measure(one, len1, 1, false, o->seconds / 2, r->latency, &a, r);
  if (rc == 0) rc = measure(data, len16, INST_DATA_PAGES, true, o->seconds / 2, NULL, &b, r);
  free(one);
  free(data);
  if (rc != 0) return rc;
  r->unit = "count";
  r->ops_label = "instances/s";
  r->latency_label = "instantiate+free, 1-page module";
  r->ops_per_sec = a.per_sec;
  bench_detail_num(r, "one_page_per_s", a.per_sec);
  bench_detail_int(r, "one_page_count", (int64_t)a.count);
  bench_detail_num(r, "one_page_1024_live_per_s", a.batch_per_sec);
  bench_detail_num(r, "one_page_first_1024_per_s", a.first_batch_per_sec);
  bench_detail_num(r, "data16_per_s", b.per_sec);
  bench_detail_num(r, "data16_1024_live_per_s", b.batch_per_sec);
  bench_detail_num(r, "data16_first_1024_per_s", b.first_batch_per_sec);
  bench_detail_int(r, "data16_count", (int64_t)b.count);
  bench_detail_int(r, "data16_module_bytes", (int64_t)len16);
  bench_detail_int(r, "cores_used", 1);
  return 0;
}
