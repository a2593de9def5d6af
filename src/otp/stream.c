/*
** stream.c: bounded byte streams between processes (rusm/stream.h).
**
** A stream is a ring of `cap` chunk slots under one mutex, shared by its
** ends: one reader handle and any number of writer handles, each a small
** separate object so that each can have its own owner process (io_res.c)
** and be closed on its own. The stream is freed when the last end closes.
**
** Waiting never polls. A writer that finds the ring full records its pid
** (and runtime) in the stream's writer-waiter list and parks; the reader
** that takes a chunk (or closes) empties that list and wakes them all, and
** each retries (a woken writer that lost the race parks again). The reader
** waits the same way in a single slot. A record is made under the mutex
** before the process parks, and the scheduler turns a wake-up that lands
** before the park into an immediate re-run (NOTIFIED), so none is lost.
** Wake-ups go through pids, so a waiter that died in the meantime is just
** skipped.
*/
#include "io_int.h"

#include <stdlib.h>
#include <string.h>

#include "rusm/stream.h"

typedef struct stream_waiter {
  rusm_rt *rt;
  rusm_pid pid;
} stream_waiter;

typedef struct otp_stream {
  pthread_mutex_t mu;
  rusm_chunk *ring;
  size_t cap, head, count;
  uint32_t writers;    /* open write ends */
  bool reader;         /* the read end is open */
  stream_waiter rwait; /* pid RUSM_PID_NONE = nobody */
  stream_waiter *wwait;
  size_t n_wwait, cap_wwait;
} otp_stream;

struct rusm_stream_writer {
  otp_res res; /* first: the release hook gets back to the handle */
  otp_stream *s;
};

struct rusm_stream_reader {
  otp_res res;
  otp_stream *s;
};

static const char *const status_names[] = {
#define X(n, s) s,
    RUSM_STREAM_STATUSES(X)
#undef X
};

const char *rusm_stream_status_name(rusm_stream_status s) {
  return (unsigned)s < sizeof status_names / sizeof *status_names ? status_names[s] : "?";
}

/* ------------------------------------------------------------- lifecycle */

static void stream_free(otp_stream *s) {
  for (size_t i = 0; i < s->count; i++) free(s->ring[(s->head + i) % s->cap].data);
  free(s->ring);
  free(s->wwait);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static void wake_all(stream_waiter *v, size_t n) {
  for (size_t i = 0; i < n; i++) otp_io_wake_pid(v[i].rt, v[i].pid);
}

/* Takes the writer waiters out of s (under mu) into *o_v / *o_n. */
static void take_wwait(otp_stream *s, stream_waiter **o_v, size_t *o_n) {
  *o_v = s->wwait;
  *o_n = s->n_wwait;
  s->wwait = NULL;
  s->n_wwait = s->cap_wwait = 0;
}

static stream_waiter take_rwait(otp_stream *s) {
  stream_waiter w = s->rwait;
  s->rwait.pid = RUSM_PID_NONE;
  return w;
}

static void wake_one(stream_waiter w) {
  if (w.pid != RUSM_PID_NONE) otp_io_wake_pid(w.rt, w.pid);
}

static void writer_release(otp_res *r) {
  rusm_stream_writer_close((rusm_stream_writer *)r);
}
static void reader_release(otp_res *r) {
  rusm_stream_reader_close((rusm_stream_reader *)r);
}

static void item_release(rusm_stream_reader *r) {
  rusm_stream_reader_close(r);
}

bool rusm_stream_new(rusm_ctx *ctx, size_t capacity, rusm_stream_writer **o_writer,
                     rusm_stream_reader **o_reader) {
  if (capacity == 0) capacity = RUSM_STREAM_DEFAULT_CAPACITY;
  otp_stream *s = calloc(1, sizeof *s);
  rusm_stream_writer *w = calloc(1, sizeof *w);
  rusm_stream_reader *r = calloc(1, sizeof *r);
  rusm_chunk *ring = calloc(capacity, sizeof *ring);
  if (!s || !w || !r || !ring) {
    free(s);
    free(w);
    free(r);
    free(ring);
    return false;
  }
  pthread_mutex_init(&s->mu, NULL);
  s->ring = ring;
  s->cap = capacity;
  s->writers = 1;
  s->reader = true;
  s->rwait.pid = RUSM_PID_NONE;
  w->s = s;
  r->s = s;
  otp_res_init(&w->res, writer_release);
  otp_res_init(&r->res, reader_release);
  otp_res_own(ctx, &w->res);
  otp_res_own(ctx, &r->res);
  /* items carrying readers must be able to release them from now on */
  atomic_store(&otp_stream_release, item_release);
  *o_writer = w;
  *o_reader = r;
  return true;
}

rusm_stream_writer *rusm_stream_writer_clone(rusm_ctx *ctx, rusm_stream_writer *w) {
  rusm_stream_writer *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  otp_stream *s = w->s;
  pthread_mutex_lock(&s->mu);
  s->writers++;
  pthread_mutex_unlock(&s->mu);
  c->s = s;
  otp_res_init(&c->res, writer_release);
  otp_res_own(ctx, &c->res);
  return c;
}

void rusm_stream_writer_close(rusm_stream_writer *w) {
  if (!w) return;
  otp_res_disown(&w->res);
  otp_stream *s = w->s;
  free(w);
  pthread_mutex_lock(&s->mu);
  bool last = --s->writers == 0;
  stream_waiter rw = {NULL, RUSM_PID_NONE};
  if (last) rw = take_rwait(s); /* the reader may now see EOF */
  bool dead = last && !s->reader;
  pthread_mutex_unlock(&s->mu);
  wake_one(rw);
  if (dead) stream_free(s);
}

void rusm_stream_reader_close(rusm_stream_reader *r) {
  if (!r) return;
  otp_res_disown(&r->res);
  otp_stream *s = r->s;
  free(r);
  pthread_mutex_lock(&s->mu);
  s->reader = false;
  s->rwait.pid = RUSM_PID_NONE;
  /* buffered chunks have nobody to go to */
  for (; s->count; s->count--, s->head = (s->head + 1) % s->cap) {
    free(s->ring[s->head].data);
    s->ring[s->head].data = NULL;
  }
  stream_waiter *v;
  size_t n;
  take_wwait(s, &v, &n);
  bool dead = s->writers == 0;
  pthread_mutex_unlock(&s->mu);
  wake_all(v, n);
  free(v);
  if (dead) stream_free(s);
}

void otp_stream_received(otp_proc *p, rusm_stream_reader *r) {
  otp_res_own((rusm_ctx *)p, &r->res);
}

void rusm_stream_writer_disown(rusm_stream_writer *w) {
  otp_res_disown(&w->res);
}
void rusm_stream_writer_adopt(rusm_ctx *ctx, rusm_stream_writer *w) {
  otp_res_own(ctx, &w->res);
}
void rusm_stream_reader_disown(rusm_stream_reader *r) {
  otp_res_disown(&r->res);
}
void rusm_stream_reader_adopt(rusm_ctx *ctx, rusm_stream_reader *r) {
  otp_res_own(ctx, &r->res);
}

bool rusm_send_stream(rusm_rt *rt, rusm_pid to, rusm_stream_reader *r) {
  if (!r) return false;
  otp_res_disown(&r->res); /* in flight: the item owns it until received */
  pthread_mutex_lock(&r->s->mu);
  r->s->rwait.pid = RUSM_PID_NONE; /* a wait armed by the sender means nothing now */
  pthread_mutex_unlock(&r->s->mu);
  if (otp_send_stream(rt, to, r)) return true;
  rusm_stream_reader_close(r);
  return false;
}

size_t rusm_stream_buffered(rusm_stream_reader *r) {
  pthread_mutex_lock(&r->s->mu);
  size_t n = r->s->count;
  pthread_mutex_unlock(&r->s->mu);
  return n;
}

/* ------------------------------------------------------------- transfer */

/* Under mu. Records (rt, pid) as a writer waiting for room (once). */
static bool add_wwait(otp_stream *s, rusm_rt *rt, rusm_pid pid) {
  for (size_t i = 0; i < s->n_wwait; i++)
    if (s->wwait[i].pid == pid && s->wwait[i].rt == rt) return true;
  if (s->n_wwait == s->cap_wwait) {
    size_t cap = s->cap_wwait ? s->cap_wwait * 2 : 4;
    stream_waiter *v = realloc(s->wwait, cap * sizeof *v);
    if (!v) return false;
    s->wwait = v;
    s->cap_wwait = cap;
  }
  s->wwait[s->n_wwait++] = (stream_waiter){rt, pid};
  return true;
}

/*
** One attempt to append. If the ring is full and waiter is given, the
** waiter is recorded before the mutex is dropped, so the reader's next
** take will wake it.
*/
static rusm_stream_status put(otp_stream *s, void *data, size_t len, const stream_waiter *waiter,
                              bool *o_recorded) {
  pthread_mutex_lock(&s->mu);
  if (!s->reader) {
    pthread_mutex_unlock(&s->mu);
    return RUSM_STREAM_CLOSED;
  }
  if (s->count == s->cap) {
    bool rec = waiter && add_wwait(s, waiter->rt, waiter->pid);
    pthread_mutex_unlock(&s->mu);
    if (o_recorded) *o_recorded = rec;
    return RUSM_STREAM_WOULD_BLOCK;
  }
  s->ring[(s->head + s->count) % s->cap] = (rusm_chunk){data, len};
  s->count++;
  stream_waiter rw = take_rwait(s);
  pthread_mutex_unlock(&s->mu);
  wake_one(rw);
  return RUSM_STREAM_OK;
}

/* One attempt to take; records waiter as the reader when empty. */
static rusm_stream_status take(otp_stream *s, rusm_chunk *o_chunk, const stream_waiter *waiter) {
  pthread_mutex_lock(&s->mu);
  if (s->count == 0) {
    rusm_stream_status st = s->writers == 0 ? RUSM_STREAM_CLOSED : RUSM_STREAM_WOULD_BLOCK;
    if (st == RUSM_STREAM_WOULD_BLOCK && waiter) s->rwait = *waiter;
    pthread_mutex_unlock(&s->mu);
    return st;
  }
  *o_chunk = s->ring[s->head];
  s->ring[s->head].data = NULL;
  s->head = (s->head + 1) % s->cap;
  s->count--;
  stream_waiter *v;
  size_t n;
  take_wwait(s, &v, &n);
  pthread_mutex_unlock(&s->mu);
  wake_all(v, n);
  free(v);
  return RUSM_STREAM_OK;
}

static bool killed(otp_proc *p) {
  return atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED;
}

rusm_stream_status rusm_stream_try_write(rusm_stream_writer *w, void *data, size_t len) {
  return put(w->s, data, len, NULL, NULL);
}

rusm_stream_status rusm_stream_try_read(rusm_stream_reader *r, rusm_chunk *o_chunk) {
  return take(r->s, o_chunk, NULL);
}

rusm_stream_status rusm_stream_write(rusm_ctx *ctx, rusm_stream_writer *w, void *data, size_t len) {
  otp_proc *p = (otp_proc *)ctx;
  if (!p || !otp_io_can_park(p)) return put(w->s, data, len, NULL, NULL);
  stream_waiter me = {p->rt, otp_pid(p)};
  for (;;) {
    if (killed(p)) return RUSM_STREAM_KILLED;
    bool recorded = false;
    rusm_stream_status st = put(w->s, data, len, &me, &recorded);
    if (st != RUSM_STREAM_WOULD_BLOCK) return st;
    if (!recorded) { /* out of memory for the waiter list: let others run, retry */
      otp_fiber_park(p, OTP_PARK_YIELD);
      continue;
    }
    otp_fiber_park(p, OTP_PARK_WAIT);
  }
}

rusm_stream_status rusm_stream_write_copy(rusm_ctx *ctx, rusm_stream_writer *w, const void *data,
                                          size_t len) {
  void *copy = NULL;
  if (len) {
    copy = malloc(len);
    if (!copy) return RUSM_STREAM_NOMEM;
    memcpy(copy, data, len);
  }
  rusm_stream_status st = rusm_stream_write(ctx, w, copy, len);
  if (st != RUSM_STREAM_OK) free(copy);
  return st;
}

rusm_stream_status rusm_stream_read(rusm_ctx *ctx, rusm_stream_reader *r, rusm_chunk *o_chunk) {
  otp_proc *p = (otp_proc *)ctx;
  if (!p || !otp_io_can_park(p)) return take(r->s, o_chunk, NULL);
  stream_waiter me = {p->rt, otp_pid(p)};
  for (;;) {
    if (killed(p)) return RUSM_STREAM_KILLED;
    rusm_stream_status st = take(r->s, o_chunk, &me);
    if (st != RUSM_STREAM_WOULD_BLOCK) return st;
    otp_fiber_park(p, OTP_PARK_WAIT);
  }
}

void rusm_wait_stream_writable(rusm_ctx *ctx, rusm_stream_writer *w) {
  otp_proc *p = (otp_proc *)ctx;
  otp_stream *s = w->s;
  pthread_mutex_lock(&s->mu);
  bool ready = !s->reader || s->count < s->cap || !add_wwait(s, p->rt, otp_pid(p));
  pthread_mutex_unlock(&s->mu);
  if (ready) otp_wake(p); /* the next WAIT returns at once */
}

void rusm_wait_stream_readable(rusm_ctx *ctx, rusm_stream_reader *r) {
  otp_proc *p = (otp_proc *)ctx;
  otp_stream *s = r->s;
  pthread_mutex_lock(&s->mu);
  bool ready = s->count > 0 || s->writers == 0;
  if (!ready) s->rwait = (stream_waiter){p->rt, otp_pid(p)};
  pthread_mutex_unlock(&s->mu);
  if (ready) otp_wake(p);
}
