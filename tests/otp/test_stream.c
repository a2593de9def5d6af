/*
** test_stream.c: byte streams between processes: back-pressure bounds what
** a fast writer buffers, EOF only after every writer closed, the death of
** either end is seen by the other, a stream sent to a dead pid is released,
** a kill ends a parked stream call, and resumable bodies can drive streams
** with try_ calls and armed wake-ups.
*/
#include "test.h"
#include "otp_test.h"

#include "rusm/stream.h"

#define CHUNK 1024

/* A chunk carrying its sequence number in every byte's place. */
static void *chunk_new(uint32_t seq) {
  uint8_t *b = malloc(CHUNK);
  memset(b, (int)(seq & 0xff), CHUNK);
  memcpy(b, &seq, sizeof seq);
  return b;
}

static bool is_stream(const rusm_item *it, void *arg) {
  (void)arg;
  return it->kind == RUSM_ITEM_STREAM;
}

/* Receives the Stream item and moves the reader out of it. */
static rusm_stream_reader *receive_reader(rusm_ctx *ctx) {
  rusm_item *it = rusm_receive_match(ctx, is_stream, NULL, RUSM_FOREVER);
  if (!it) return NULL;
  rusm_stream_reader *r = it->u.stream;
  it->u.stream = NULL;
  rusm_item_free(it);
  return r;
}

/* ------------------------------------------------------- back-pressure */

typedef struct bp {
  rusm_stream_writer *w;
  size_t cap;
  uint32_t total;
  atomic_uint written, read;
  atomic_uint max_ahead; /* written - read, as the writer saw it */
  atomic_bool order_ok, done;
} bp;

static void bp_writer(rusm_ctx *ctx, void *arg) {
  bp *s = arg;
  rusm_stream_writer_adopt(ctx, s->w);
  for (uint32_t i = 0; i < s->total; i++) {
    void *c = chunk_new(i);
    if (rusm_stream_write(ctx, s->w, c, CHUNK) != RUSM_STREAM_OK) {
      free(c);
      return;
    }
    unsigned ahead = atomic_fetch_add(&s->written, 1) + 1 - atomic_load(&s->read);
    if (ahead > atomic_load(&s->max_ahead)) atomic_store(&s->max_ahead, ahead);
  }
  rusm_stream_writer_close(s->w);
}

static void bp_reader(rusm_ctx *ctx, void *arg) {
  bp *s = arg;
  rusm_stream_reader *r = receive_reader(ctx);
  uint32_t expect = 0;
  bool ok = true;
  rusm_chunk c;
  while (rusm_stream_read(ctx, r, &c) == RUSM_STREAM_OK) {
    uint32_t seq;
    memcpy(&seq, c.data, sizeof seq);
    ok = ok && c.len == CHUNK && seq == expect && c.data[CHUNK - 1] == (uint8_t)(seq & 0xff);
    expect++;
    free(c.data);
    atomic_fetch_add(&s->read, 1);
    rusm_receive_match(ctx, NULL, NULL, 300); /* a slow consumer */
  }
  atomic_store(&s->order_ok, ok && expect == s->total);
  atomic_store(&s->done, true);
  rusm_stream_reader_close(r);
}

TEST(back_pressure_bounds_buffered_bytes) {
  rusm_rt *rt = new_rt(2);
  bp s = {.cap = 4, .total = 200};
  rusm_stream_reader *r;
  REQUIRE(rusm_stream_new(NULL, s.cap, &s.w, &r));
  rusm_pid rd = rusm_spawn(rt, bp_reader, &s, NULL);
  CHECK(rusm_send_stream(rt, rd, r));
  rusm_pid wr = rusm_spawn(rt, bp_writer, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.done), 20000));
  rusm_rt_join(rt, wr);
  CHECK(atomic_load(&s.order_ok));
  /* at most cap chunks buffered plus the one the reader holds */
  CHECK(atomic_load(&s.max_ahead) <= s.cap + 1);
  CHECK(atomic_load(&s.max_ahead) * CHUNK <= (s.cap + 1) * CHUNK);
  /* and the writer really ran ahead until it was held back */
  CHECK(atomic_load(&s.max_ahead) >= s.cap);
  rusm_rt_free(rt);
}

TEST(default_capacity_is_16) {
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  REQUIRE(rusm_stream_new(NULL, 0, &w, &r));
  int ok = 0;
  for (int i = 0; i < 40; i++) {
    void *c = malloc(8);
    if (rusm_stream_try_write(w, c, 8) == RUSM_STREAM_OK)
      ok++;
    else
      free(c);
  }
  CHECK_EQ(ok, RUSM_STREAM_DEFAULT_CAPACITY);
  CHECK_EQ(rusm_stream_buffered(r), RUSM_STREAM_DEFAULT_CAPACITY);
  rusm_chunk c;
  CHECK_EQ(rusm_stream_try_read(r, &c), RUSM_STREAM_OK);
  free(c.data);
  CHECK_EQ(rusm_stream_try_write(w, NULL, 0), RUSM_STREAM_OK); /* an empty chunk is a chunk */
  rusm_stream_writer_close(w);
  int n = 0;
  while (rusm_stream_try_read(r, &c) == RUSM_STREAM_OK) n++, free(c.data);
  CHECK_EQ(n, RUSM_STREAM_DEFAULT_CAPACITY);
  CHECK_EQ(rusm_stream_try_read(r, &c), RUSM_STREAM_CLOSED);
  rusm_stream_reader_close(r);
  CHECK_STR(rusm_stream_status_name(RUSM_STREAM_WOULD_BLOCK), "would-block");
}

/* ---------------------------------------------------- EOF, two writers */

typedef struct two {
  rusm_stream_writer *w[2];
  uint32_t n[2];
  atomic_uint got;
  atomic_bool eof;
} two;

static void two_writer(rusm_ctx *ctx, void *arg, int k) {
  two *s = arg;
  rusm_stream_writer_adopt(ctx, s->w[k]);
  for (uint32_t i = 0; i < s->n[k]; i++)
    if (rusm_stream_write_copy(ctx, s->w[k], "x", 1) != RUSM_STREAM_OK) return;
  if (k == 1) { /* the second writer holds its end until told */
    rusm_item *it = rusm_receive(ctx);
    rusm_item_free(it);
    rusm_stream_write_copy(ctx, s->w[k], "y", 1);
  }
  rusm_stream_writer_close(s->w[k]);
}
static void two_writer0(rusm_ctx *ctx, void *arg) {
  two_writer(ctx, arg, 0);
}
static void two_writer1(rusm_ctx *ctx, void *arg) {
  two_writer(ctx, arg, 1);
}

static void two_reader(rusm_ctx *ctx, void *arg) {
  two *s = arg;
  rusm_stream_reader *r = receive_reader(ctx);
  rusm_chunk c;
  rusm_stream_status st;
  while ((st = rusm_stream_read(ctx, r, &c)) == RUSM_STREAM_OK) {
    free(c.data);
    atomic_fetch_add(&s->got, 1);
  }
  if (st == RUSM_STREAM_CLOSED) atomic_store(&s->eof, true);
  rusm_stream_reader_close(r);
}

TEST(eof_only_after_every_writer_closed) {
  rusm_rt *rt = new_rt(2);
  two s = {.n = {3, 2}};
  rusm_stream_reader *r;
  REQUIRE(rusm_stream_new(NULL, 8, &s.w[0], &r));
  s.w[1] = rusm_stream_writer_clone(NULL, s.w[0]);
  REQUIRE(s.w[1]);
  rusm_pid rd = rusm_spawn(rt, two_reader, &s, NULL);
  CHECK(rusm_send_stream(rt, rd, r));
  rusm_pid a = rusm_spawn(rt, two_writer0, &s, NULL);
  rusm_pid b = rusm_spawn(rt, two_writer1, &s, NULL);
  rusm_rt_join(rt, a);
  CHECK(WAIT_UNTIL(atomic_load(&s.got) == 5, 5000));
  usleep(20000);
  CHECK(!atomic_load(&s.eof)); /* writer b still holds its end */
  CHECK(rusm_is_alive(rt, rd));
  rusm_send(rt, b, "go", 2);
  rusm_rt_join(rt, rd);
  CHECK(atomic_load(&s.eof));
  CHECK_EQ(atomic_load(&s.got), 6);
  rusm_rt_free(rt);
}

/* ------------------------------------------------ death of either end */

typedef struct death {
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  rusm_pid peer;
  atomic_int status;  /* the interesting call's result, -1 before */
  atomic_bool intact; /* the handed-back chunk was still ours and whole */
  atomic_bool parked; /* about to block */
  atomic_uint got;
} death;

/* Holds the reader without reading, until killed. */
static void idle_reader(rusm_ctx *ctx, void *arg) {
  death *s = arg;
  rusm_stream_reader *r = receive_reader(ctx);
  (void)r; /* owned by this process: released when it dies */
  atomic_store(&s->parked, true);
  rusm_item *it = rusm_receive(ctx);
  rusm_item_free(it);
}

static void filling_writer(rusm_ctx *ctx, void *arg) {
  death *s = arg;
  rusm_stream_writer_adopt(ctx, s->w);
  for (uint32_t i = 0;; i++) {
    uint8_t *c = chunk_new(i);
    rusm_stream_status st = rusm_stream_write(ctx, s->w, c, CHUNK);
    if (st != RUSM_STREAM_OK) {
      uint32_t seq;
      memcpy(&seq, c, sizeof seq);
      atomic_store(&s->intact, seq == i && c[CHUNK - 1] == (uint8_t)(i & 0xff));
      free(c); /* handed back: still ours */
      atomic_store(&s->status, (int)st);
      return;
    }
  }
}

TEST(reader_death_fails_the_writer_and_hands_the_chunk_back) {
  rusm_rt *rt = new_rt(2);
  death s = {.status = -1};
  REQUIRE(rusm_stream_new(NULL, 2, &s.w, &s.r));
  rusm_pid rd = rusm_spawn(rt, idle_reader, &s, NULL);
  CHECK(rusm_send_stream(rt, rd, s.r));
  CHECK(WAIT_UNTIL(atomic_load(&s.parked), 2000));
  rusm_pid wr = rusm_spawn(rt, filling_writer, &s, NULL);
  usleep(20000); /* the writer fills 2 chunks and parks */
  CHECK(rusm_is_alive(rt, wr));
  CHECK_EQ(atomic_load(&s.status), -1);
  rusm_kill(rt, rd);
  rusm_rt_join(rt, wr);
  CHECK_EQ(atomic_load(&s.status), RUSM_STREAM_CLOSED);
  CHECK(atomic_load(&s.intact));
  rusm_rt_free(rt);
}

/* Creates the stream itself, sends the reader, writes, then crashes
** without closing its writer. */
static void crashing_writer(rusm_ctx *ctx, void *arg) {
  death *s = arg;
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  RUSM_ASSERT(ctx, rusm_stream_new(ctx, 4, &w, &r));
  RUSM_ASSERT(ctx, rusm_send_stream(rusm_ctx_rt(ctx), s->peer, r));
  rusm_stream_write_copy(ctx, w, "ab", 2);
  rusm_stream_write_copy(ctx, w, "cd", 2);
  rusm_crash(ctx);
}

static void counting_reader(rusm_ctx *ctx, void *arg) {
  death *s = arg;
  rusm_stream_reader *r = receive_reader(ctx);
  rusm_chunk c;
  rusm_stream_status st;
  while ((st = rusm_stream_read(ctx, r, &c)) == RUSM_STREAM_OK) {
    atomic_fetch_add(&s->got, (unsigned)c.len);
    free(c.data);
  }
  atomic_store(&s->status, (int)st);
  rusm_stream_reader_close(r);
}

TEST(writer_death_is_eof_for_the_reader) {
  rusm_rt *rt = new_rt(2);
  death s = {.status = -1};
  s.peer = rusm_spawn(rt, counting_reader, &s, NULL);
  rusm_spawn(rt, crashing_writer, &s, NULL);
  rusm_rt_join(rt, s.peer);
  CHECK_EQ(atomic_load(&s.status), RUSM_STREAM_CLOSED);
  CHECK_EQ(atomic_load(&s.got), 4); /* buffered chunks still arrive before EOF */
  rusm_rt_free(rt);
}

static void just_return(rusm_ctx *ctx, void *arg) {
  (void)ctx, (void)arg;
}

static void sleeper(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive_match(ctx, match_first_byte, "z", RUSM_FOREVER);
  rusm_item_free(it);
}

TEST(stream_sent_to_a_dead_pid_is_released) {
  rusm_rt *rt = new_rt(1);
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  REQUIRE(rusm_stream_new(NULL, 4, &w, &r));
  rusm_pid dead = rusm_spawn(rt, just_return, NULL, NULL);
  rusm_rt_join(rt, dead);
  CHECK(!rusm_send_stream(rt, dead, r)); /* r is closed by the call */
  CHECK_EQ(rusm_stream_try_write(w, NULL, 0), RUSM_STREAM_CLOSED);

  /* delivered but never received: released with the mailbox of its dead owner */
  rusm_stream_writer *w2;
  REQUIRE(rusm_stream_new(NULL, 4, &w2, &r));
  rusm_pid p = rusm_spawn(rt, sleeper, NULL, NULL);
  CHECK(rusm_send_stream(rt, p, r));
  CHECK_EQ(rusm_stream_try_write(w2, NULL, 0), RUSM_STREAM_OK);
  rusm_kill(rt, p);
  rusm_rt_join(rt, p);
  CHECK(WAIT_UNTIL(rusm_stream_try_write(w2, NULL, 0) == RUSM_STREAM_CLOSED, 2000));
  rusm_stream_writer_close(w);
  rusm_stream_writer_close(w2);
  rusm_rt_free(rt);
}

/* ------------------------------------------------------ kill while parked */

typedef struct parked {
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  atomic_int status;
  atomic_bool killed_flag, started;
} parked;

static void parked_reader(rusm_ctx *ctx, void *arg) {
  parked *s = arg;
  rusm_stream_reader_adopt(ctx, s->r);
  atomic_store(&s->started, true);
  rusm_chunk c;
  atomic_store(&s->status, (int)rusm_stream_read(ctx, s->r, &c));
  atomic_store(&s->killed_flag, rusm_killed(ctx));
}

static void parked_writer(rusm_ctx *ctx, void *arg) {
  parked *s = arg;
  rusm_stream_writer_adopt(ctx, s->w);
  atomic_store(&s->started, true);
  rusm_stream_status st;
  while ((st = rusm_stream_write_copy(ctx, s->w, "abc", 3)) == RUSM_STREAM_OK) {
  }
  atomic_store(&s->status, (int)st);
  atomic_store(&s->killed_flag, rusm_killed(ctx));
}

TEST(kill_ends_a_parked_read_and_write) {
  rusm_rt *rt = new_rt(2);
  for (int k = 0; k < 2; k++) {
    parked s = {.status = -1};
    REQUIRE(rusm_stream_new(NULL, 3, &s.w, &s.r));
    rusm_pid p = rusm_spawn(rt, k == 0 ? parked_reader : parked_writer, &s, NULL);
    CHECK(WAIT_UNTIL(atomic_load(&s.started), 2000));
    usleep(10000);
    CHECK(rusm_is_alive(rt, p));
    rusm_kill(rt, p);
    rusm_rt_join(rt, p);
    CHECK_EQ(atomic_load(&s.status), RUSM_STREAM_KILLED);
    CHECK(atomic_load(&s.killed_flag));
    /* the dead process owned its end: the other end sees it gone */
    rusm_chunk c;
    if (k == 0) {
      CHECK_EQ(rusm_stream_try_write(s.w, NULL, 0), RUSM_STREAM_CLOSED);
      rusm_stream_writer_close(s.w);
    } else {
      int n = 0;
      while (rusm_stream_try_read(s.r, &c) == RUSM_STREAM_OK) n++, free(c.data);
      CHECK_EQ(n, 3);
      CHECK_EQ(rusm_stream_try_read(s.r, &c), RUSM_STREAM_CLOSED);
      rusm_stream_reader_close(s.r);
    }
  }
  rusm_rt_free(rt);
}

/* ----------------------------------------------------- resumable bodies */

typedef struct rsm {
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  uint32_t to_send, sent;
  uint64_t bytes;
  atomic_uint_fast64_t total; /* published at the end */
  atomic_uint waits;
  bool started;
} rsm;

static rusm_step rsm_producer(void *state, rusm_ctx *ctx, uint32_t budget,
                              rusm_exit_reason *o_reason) {
  rsm *s = state;
  if (!s->started) {
    rusm_stream_writer_adopt(ctx, s->w);
    s->started = true;
  }
  bool closed = false;
  for (uint32_t b = 0; b < budget && s->sent < s->to_send; b++) {
    void *c = malloc(100);
    memset(c, 7, 100);
    rusm_stream_status st = rusm_stream_try_write(s->w, c, 100);
    if (st == RUSM_STREAM_OK) {
      s->sent++;
      continue;
    }
    free(c);
    if ((closed = st == RUSM_STREAM_CLOSED)) break;
    atomic_fetch_add(&s->waits, 1);
    rusm_wait_stream_writable(ctx, s->w);
    return RUSM_STEP_WAIT;
  }
  if (s->sent < s->to_send && !closed) return RUSM_STEP_YIELD;
  rusm_stream_writer_close(s->w);
  *o_reason = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}

static rusm_step rsm_consumer(void *state, rusm_ctx *ctx, uint32_t budget,
                              rusm_exit_reason *o_reason) {
  rsm *s = state;
  if (!s->started) {
    rusm_stream_reader_adopt(ctx, s->r);
    s->started = true;
  }
  for (uint32_t b = 0; b < budget; b++) {
    rusm_chunk c;
    rusm_stream_status st = rusm_stream_try_read(s->r, &c);
    if (st == RUSM_STREAM_OK) {
      s->bytes += c.len;
      free(c.data);
      continue;
    }
    if (st == RUSM_STREAM_CLOSED) {
      atomic_store(&s->total, s->bytes);
      rusm_stream_reader_close(s->r);
      *o_reason = RUSM_EXIT_NORMAL;
      return RUSM_STEP_EXIT;
    }
    atomic_fetch_add(&s->waits, 1);
    rusm_wait_stream_readable(ctx, s->r);
    return RUSM_STEP_WAIT;
  }
  return RUSM_STEP_YIELD;
}

static const rusm_body_ops producer_ops = {rsm_producer, NULL};
static const rusm_body_ops consumer_ops = {rsm_consumer, NULL};

TEST(resumable_bodies_wait_on_streams) {
  rusm_rt *rt = new_rt(2);
  rsm prod = {.to_send = 5000}, cons = {0};
  REQUIRE(rusm_stream_new(NULL, 4, &prod.w, &cons.r));
  rusm_pid c = rusm_spawn_body(rt, &consumer_ops, &cons);
  rusm_pid p = rusm_spawn_body(rt, &producer_ops, &prod);
  rusm_rt_join(rt, p);
  rusm_rt_join(rt, c);
  CHECK_EQ(atomic_load(&cons.total), 5000u * 100u);
  /* with room for 4 chunks someone must have waited */
  CHECK(atomic_load(&prod.waits) + atomic_load(&cons.waits) > 0);
  rusm_rt_free(rt);
}

/* A resumable body killed while it waits on a stream releases its end. */
TEST(killed_resumable_body_releases_its_end) {
  rusm_rt *rt = new_rt(1);
  rsm cons = {0};
  rusm_stream_writer *w;
  REQUIRE(rusm_stream_new(NULL, 4, &w, &cons.r));
  rusm_pid c = rusm_spawn_body(rt, &consumer_ops, &cons);
  CHECK(WAIT_UNTIL(atomic_load(&cons.waits) > 0, 2000));
  CHECK_EQ(rusm_stream_try_write(w, NULL, 0), RUSM_STREAM_OK); /* wakes it: it reads */
  CHECK(WAIT_UNTIL(atomic_load(&cons.waits) > 1, 2000));
  rusm_kill(rt, c);
  rusm_rt_join(rt, c);
  CHECK(WAIT_UNTIL(rusm_stream_try_write(w, NULL, 0) == RUSM_STREAM_CLOSED, 2000));
  rusm_stream_writer_close(w);
  rusm_rt_free(rt);
}

TEST_MAIN(back_pressure_bounds_buffered_bytes, default_capacity_is_16,
          eof_only_after_every_writer_closed,
          reader_death_fails_the_writer_and_hands_the_chunk_back,
          writer_death_is_eof_for_the_reader, stream_sent_to_a_dead_pid_is_released,
          kill_ends_a_parked_read_and_write, resumable_bodies_wait_on_streams,
          killed_resumable_body_releases_its_end)
