/*
** test_host_cov.c: the Wasm process host's less travelled paths: name
** validation (UTF-8) in the raw ABI, self-kill, process listing with
** process control, items skipped by receive and stream_accept (at once and
** after a wake-up), link and instantiation failures, and the small API.
*/
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc_util.h"
#include "rusm/stream.h"

static rusm_rt *new_rt(unsigned workers) {
  rusm_rt_config c;
  rusm_rt_config_default(&c);
  c.workers = workers;
  return rusm_rt_new(&c);
}

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Spawns cov.wasm's `entry` with caps (may be NULL) and waits for its end. */
static void run_entry(rusm_wasm *w, const char *entry, const rusm_caps *caps, exit_rec *r) {
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", entry, &m);
  REQUIRE(p);
  rusm_rt_join(rusm_wasm_rt(w), spawn_rec(w, p, caps, r));
  CHECK(atomic_load(&r->seen));
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
}

TEST(names_must_be_valid_utf8) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  CHECK(rusm_wasm_rt(w) == rt);
  const char *good[] = {"u2", "u3", "u4"};
  for (int i = 0; i < 3; i++) {
    exit_rec r = {0};
    run_entry(w, good[i], NULL, &r);
    if (r.reason != RUSM_EXIT_NORMAL) fprintf(stderr, "  %s: %s\n", good[i], r.error);
    CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  }
  const char *bad[] = {"over2", "over3", "over4", "surr", "big", "trunc", "cont", "lead", "nul"};
  for (int i = 0; i < 9; i++) {
    exit_rec r = {0};
    run_entry(w, bad[i], NULL, &r);
    CHECK_EQ(r.reason, RUSM_EXIT_CRASHED);
    if (!strstr(r.error, "not valid UTF-8")) fprintf(stderr, "  %s: %s\n", bad[i], r.error);
    CHECK_STR(r.error, "rusm: name is not valid UTF-8 in function reg");
  }
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

static void idle_body(rusm_ctx *ctx, void *arg) {
  rusm_item *it = rusm_receive(ctx); /* until killed or told */
  if (it) rusm_item_free(it);
}

TEST(list_with_process_control_sees_everyone) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL), b = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_caps *caps = rusm_caps_new();
  rusm_caps_set(caps, RUSM_CAP_PROCESS_CONTROL, true);
  exit_rec r = {0};
  run_entry(w, "listall", caps, &r);
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  /* Without the grant a guest sees only itself, so the same probe traps. */
  exit_rec r2 = {0};
  run_entry(w, "listall", NULL, &r2);
  CHECK_EQ(r2.reason, RUSM_EXIT_CRASHED);
  CHECK(strstr(r2.error, "unreachable") != NULL);
  rusm_send(rt, a, "x", 1);
  rusm_send(rt, b, "x", 1);
  rusm_rt_join(rt, a);
  rusm_rt_join(rt, b);
  rusm_caps_free(caps);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(kill_self_ends_at_once) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  exit_rec r = {0};
  run_entry(w, "killself", NULL, &r);
  CHECK_EQ(r.reason, RUSM_EXIT_KILLED);
  CHECK_EQ(r.error[0], 0); /* no trap: the unreachable after kill never ran */
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(streams_and_skipped_items) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  const char *entries[] = {"openbad", "recvskip", "acceptskip"};
  for (int i = 0; i < 3; i++) {
    exit_rec r = {0};
    run_entry(w, entries[i], NULL, &r);
    if (r.reason != RUSM_EXIT_NORMAL) fprintf(stderr, "  %s: %s\n", entries[i], r.error);
    CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  }
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* Waits until name is registered (the guest is then about to block). */
static rusm_pid await_name(rusm_rt *rt, const char *name) {
  rusm_pid pid;
  for (int i = 0; i < 5000 && (pid = rusm_whereis(rt, name)) == RUSM_PID_NONE; i++) nap_ms(1);
  nap_ms(20); /* let it reach the blocking call */
  return pid;
}

TEST(woken_receive_skips_a_stream) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "recvwait", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_pid g = spawn_rec(w, p, NULL, &r);
  REQUIRE(await_name(rt, "rx") == g);
  rusm_stream_writer *wr;
  rusm_stream_reader *rd;
  REQUIRE(rusm_stream_new(NULL, 0, &wr, &rd));
  CHECK(rusm_send_stream(rt, g, rd));
  nap_ms(20);
  CHECK(rusm_is_alive(rt, g)); /* still waiting for a message */
  CHECK(rusm_send(rt, g, "ok", 2));
  rusm_rt_join(rt, g);
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  rusm_stream_writer_close(wr);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(woken_accept_skips_a_message) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "acceptwait", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_pid g = spawn_rec(w, p, NULL, &r);
  REQUIRE(await_name(rt, "acc") == g);
  CHECK(rusm_send(rt, g, "not a stream", 12));
  nap_ms(20);
  CHECK(rusm_is_alive(rt, g)); /* still waiting for a stream */
  rusm_stream_writer *wr;
  rusm_stream_reader *rd;
  REQUIRE(rusm_stream_new(NULL, 0, &wr, &rd));
  uint8_t *chunk = malloc(3);
  memcpy(chunk, "xyz", 3);
  CHECK_EQ(rusm_stream_try_write(wr, chunk, 3), RUSM_STREAM_OK); /* takes chunk */
  CHECK(rusm_send_stream(rt, g, rd));
  nap_ms(20);
  CHECK(rusm_is_alive(rt, g));        /* read "xyz", now waits for the end */
  CHECK(rusm_send(rt, g, "poke", 4)); /* a wake-up with the stream still empty */
  nap_ms(20);
  CHECK(rusm_is_alive(rt, g));
  rusm_stream_writer_close(wr);
  rusm_rt_join(rt, g);
  if (r.reason != RUSM_EXIT_NORMAL) fprintf(stderr, "  acceptwait: %s\n", r.error);
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* The native end of writefull's stream: takes the stream, waits for a
** message, then drains it and counts the bytes. */
static _Atomic long held_bytes = -1;
static void holder_body(rusm_ctx *ctx, void *arg) {
  rusm_register(rusm_ctx_rt(ctx), "holder", rusm_self(ctx));
  rusm_stream_reader *rd = NULL;
  while (!rd) {
    rusm_item *it = rusm_receive(ctx);
    if (!it) return;
    if (it->kind == RUSM_ITEM_STREAM) {
      rd = it->u.stream;
      it->u.stream = NULL;
    }
    rusm_item_free(it);
  }
  rusm_item *go = rusm_receive(ctx);
  if (go) rusm_item_free(go);
  long n = 0;
  rusm_chunk c;
  while (rusm_stream_read(ctx, rd, &c) == RUSM_STREAM_OK) {
    n += (long)c.len;
    free(c.data);
  }
  rusm_stream_reader_close(rd);
  atomic_store(&held_bytes, n);
}

TEST(full_stream_parks_the_writer) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_pid h = rusm_spawn(rt, holder_body, NULL, NULL);
  REQUIRE(await_name(rt, "holder") == h);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "writefull", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_pid g = spawn_rec(w, p, NULL, &r);
  nap_ms(30);
  CHECK(rusm_is_alive(rt, g));        /* parked: 16 chunks fit, 40 were written */
  CHECK(rusm_send(rt, g, "poke", 4)); /* a wake-up with the stream still full */
  nap_ms(20);
  CHECK(rusm_is_alive(rt, g));
  CHECK(rusm_send(rt, h, "go", 2));
  rusm_rt_join(rt, g);
  rusm_rt_join(rt, h);
  if (r.reason != RUSM_EXIT_NORMAL) fprintf(stderr, "  writefull: %s\n", r.error);
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  CHECK_EQ(atomic_load(&held_bytes), 40);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* Link and instantiation failures: the process crashes with the reason,
** the host lives on, and on_exit says it never started. */
static void start_failure(rusm_wasm *w, const char *name, const char *want) {
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, name, "run", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_rt_join(rusm_wasm_rt(w), spawn_rec(w, p, NULL, &r));
  CHECK_EQ(r.reason, RUSM_EXIT_CRASHED);
  if (!strstr(r.error, want)) fprintf(stderr, "  %s: error was \"%s\"\n", name, r.error);
  CHECK(strstr(r.error, want) != NULL);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
}

static _Atomic int started_seen = -1;
static void note_started(void *arg, const rusm_wasm_exit *e) {
  (void)arg;
  atomic_store(&started_seen, e->started);
}

TEST(start_failures_are_reported) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  start_failure(w, "linkbad", "incompatible import type for rusm::own_pid");
  start_failure(w, "linkwasi", "no_such_fn");
  start_failure(w, "linkenv", "unknown import env::x");
  start_failure(w, "datafail", "instantiation failed: ");
  /* started is false for a start failure, true once an instance ran. */
  const char *names[] = {"datafail", "trap"};
  for (int i = 0; i < 2; i++) {
    rusm_wasm_module *m = NULL;
    rusm_wasm_prepared *p = prep(w, names[i], "run", &m);
    REQUIRE(p);
    rusm_wasm_spawn_opts o = {0};
    o.on_exit = note_started;
    atomic_store(&started_seen, -1);
    rusm_rt_join(rt, rusm_wasm_spawn_ex(w, p, &o));
    CHECK_EQ(atomic_load(&started_seen), i);
    rusm_wasm_prepared_free(p);
    rusm_wasm_module_free(m);
  }
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(wasi_yield_gives_up_the_core) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "wasiyield", "run", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_rt_join(rt, spawn_rec(w, p, NULL, &r));
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  CHECK(!r.exited);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* A WASI read of an empty stdin parks the process on the core's poller
** (no thread sleeps); data on the pipe wakes it. stdin is swapped for a
** pipe for the length of the test. */
TEST(wasi_read_waits_on_the_fd) {
  int p[2];
  REQUIRE(pipe(p) == 0);
  int saved = dup(0);
  REQUIRE(saved >= 0 && dup2(p[0], 0) == 0);
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *pr = prep(w, "wasiread", "run", &m);
  REQUIRE(pr);
  rusm_caps *caps = rusm_caps_allow_stdio(rusm_caps_new(), true);
  exit_rec r = {0};
  rusm_pid g = spawn_rec(w, pr, caps, &r);
  nap_ms(30);
  CHECK(rusm_is_alive(rt, g)); /* parked on the empty pipe */
  CHECK_EQ(write(p[1], "ping", 4), 4);
  rusm_rt_join(rt, g);
  if (r.reason != RUSM_EXIT_NORMAL) fprintf(stderr, "  wasiread: %s\n", r.error);
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  dup2(saved, 0);
  close(saved);
  close(p[0]);
  close(p[1]);
  rusm_caps_free(caps);
  rusm_wasm_prepared_free(pr);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(spawn_with_caps_and_argv) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "listall", &m);
  REQUIRE(p);
  rusm_pid idle = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_caps *caps = rusm_caps_new();
  rusm_caps_set(caps, RUSM_CAP_PROCESS_CONTROL, true);
  uint64_t before = rusm_wasm_spawned(w);
  rusm_pid g = rusm_wasm_spawn_with(w, p, caps); /* caps are copied */
  rusm_caps_free(caps);
  CHECK(g != RUSM_PID_NONE);
  rusm_rt_join(rt, g);
  CHECK_EQ(rusm_wasm_spawned(w), before + 1);
  /* argv given through the options is copied too; the guest ignores it. */
  const char *argv[] = {"prog", "a"};
  rusm_wasm_spawn_opts o = {0};
  o.argc = 2;
  o.argv = argv;
  exit_rec r = {0};
  o.on_exit = record_exit;
  o.on_exit_arg = &r;
  rusm_rt_join(rt, rusm_wasm_spawn_ex(w, p, &o));
  CHECK_EQ(r.reason, RUSM_EXIT_CRASHED); /* no process control: sees only itself */
  rusm_send(rt, idle, "x", 1);
  rusm_rt_join(rt, idle);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST_MAIN(names_must_be_valid_utf8, list_with_process_control_sees_everyone, kill_self_ends_at_once,
          streams_and_skipped_items, woken_receive_skips_a_stream, woken_accept_skips_a_message,
          full_stream_parks_the_writer, start_failures_are_reported, wasi_yield_gives_up_the_core,
          wasi_read_waits_on_the_fd, spawn_with_caps_and_argv)
