/*
** test_wasm_abi.c: the raw `rusm` import ABI: receive (parking, truncation),
** send, registry calls, and the process-control gate.
*/
#include <string.h>
#include <unistd.h>

#include "proc_util.h"
#include "rusm/stream.h"

/* The raw ABI opens streams with the default capacity. */
#define RUSM_STREAM_CAPACITY_FOR_TEST RUSM_STREAM_DEFAULT_CAPACITY

static rusm_rt *rt;
static rusm_wasm *w;

typedef struct {
  rusm_wasm_prepared *p;
  const rusm_caps *caps;
  const void *msg;
  size_t msg_len;
  uint8_t got[2][64];
  size_t got_len[2];
  int want; /* replies to wait for (0 = 2) */
  _Atomic int n;
} collect_case;

/* Registers as "collector", spawns the guest, sends it msg, gathers two replies. */
static void collector(rusm_ctx *ctx, void *arg) {
  collect_case *c = arg;
  rusm_register(rt, "collector", rusm_self(ctx));
  rusm_wasm_spawn_opts o = {0};
  o.caps = c->caps;
  rusm_pid g = rusm_wasm_spawn_ex(w, c->p, &o);
  rusm_send(rt, g, c->msg, c->msg_len);
  for (int i = 0; i < (c->want ? c->want : 2); i++) {
    rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 3 * 1000 * 1000);
    if (!it) break;
    if (it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len <= 64) {
      memcpy(c->got[i], it->u.msg.data, it->u.msg.len);
      c->got_len[i] = it->u.msg.len;
      atomic_fetch_add(&c->n, 1);
    }
    rusm_item_free(it);
  }
  rusm_unregister(rt, "collector");
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

TEST(receive_copies_and_truncates) {
  rusm_wasm_module *m;
  collect_case c = {.p = prep(w, "echo", "run", &m)};
  REQUIRE(c.p);
  const char *long_msg = "0123456789abcdefghijklmnopqrstuvwxyz-LOST-PART";
  c.msg = long_msg;
  c.msg_len = strlen(long_msg);
  rusm_rt_join(rt, rusm_spawn(rt, collector, &c, NULL));
  REQUIRE(atomic_load(&c.n) == 2);
  CHECK_EQ(le32(c.got[0]), strlen(long_msg)); /* the full length is returned */
  CHECK_EQ(c.got_len[1], 32);                 /* only cap bytes were copied */
  CHECK(memcmp(c.got[1], long_msg, 32) == 0);
  rusm_wasm_prepared_free(c.p);
  rusm_wasm_module_free(m);
}

TEST(receive_parks_until_message) {
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "echo", "run", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_pid g = spawn_rec(w, p, NULL, &r);
  usleep(50000);
  CHECK(rusm_is_alive(rt, g)); /* parked in receive, not spinning, not gone */
  CHECK(!atomic_load(&r.seen));
  rusm_kill(rt, g);
  rusm_rt_join(rt, g);
  CHECK_EQ(r.reason, RUSM_EXIT_KILLED);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
}

static void idle_body(rusm_ctx *ctx, void *arg) {
  rusm_item *it = rusm_receive(ctx);
  if (it) rusm_item_free(it);
}

/* Without process control a guest sees only itself and cannot touch others. */
static void run_ctl(const rusm_caps *caps, uint32_t out[4], bool *o_target_alive) {
  rusm_wasm_module *m;
  rusm_pid target = rusm_spawn(rt, idle_body, NULL, NULL);
  uint8_t msg[8];
  for (int i = 0; i < 8; i++) msg[i] = (uint8_t)(target >> (8 * i));
  collect_case c = {
      .p = prep(w, "ctl", "run", &m), .caps = caps, .msg = msg, .msg_len = 8, .want = 1};
  if (!c.p) return;
  rusm_rt_join(rt, rusm_spawn(rt, collector, &c, NULL));
  for (int i = 0; i < 4; i++) out[i] = c.got_len[0] >= 16 ? le32(c.got[0] + 4 * i) : 99;

  if (caps) rusm_rt_join(rt, target); /* a permitted kill has been asked for: wait for it */
  *o_target_alive = rusm_is_alive(rt, target);
  rusm_kill(rt, target);
  rusm_rt_join(rt, target);
  rusm_wasm_prepared_free(c.p);
  rusm_wasm_module_free(m);
}

TEST(process_control_gate) {
  uint32_t o[4];
  bool alive;
  run_ctl(NULL, o, &alive);
  CHECK_EQ(o[0], 0); /* is_alive(foreign) denied */
  CHECK_EQ(o[1], 0); /* kill(foreign) denied */
  CHECK_EQ(o[2], 1); /* list_processes: only self */
  CHECK_EQ(o[3], 1); /* register + whereis(self) */
  CHECK(alive);
  /* The guest kills the target before it lists, so the target may or may
  ** not be counted; a bystander that outlives the guest makes the lower
  ** bound exact: collector, guest and bystander. */
  rusm_pid bystander = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_caps *t = rusm_caps_from_profile(RUSM_PROFILE_TRUSTED);
  run_ctl(t, o, &alive);
  CHECK_EQ(o[0], 1);
  CHECK_EQ(o[1], 1);
  CHECK(o[2] >= 3);
  CHECK_EQ(o[3], 1);
  if (o[2] < 3 || o[3] != 1) fprintf(stderr, "  o = %u %u %u %u\n", o[0], o[1], o[2], o[3]);
  CHECK(!alive);
  rusm_kill(rt, bystander);
  rusm_rt_join(rt, bystander);
  rusm_caps_free(t);
}

/* ------------------------------------------------------------- streams */

typedef struct {
  rusm_wasm_prepared *prod, *cons;
  int32_t mode, chunks;
  uint32_t reports[2][2]; /* [producer|consumer][field] */
  _Atomic int n_reports;
  _Atomic uint64_t notified_before_go;
  exit_rec cons_exit;
} pipe_case;

static void pipe_collector(rusm_ctx *ctx, void *arg) {
  pipe_case *c = arg;
  rusm_register(rt, "collector", rusm_self(ctx));
  uint64_t before = rusm_wasm_notifications(w); /* before the producer can notify */
  rusm_pid prod = rusm_wasm_spawn(w, c->prod);
  rusm_pid cons = spawn_rec(w, c->cons, NULL, &c->cons_exit);
  rusm_send(rt, cons, &c->mode, 4);
  uint8_t init[12];
  memcpy(init, &cons, 8);
  memcpy(init + 8, &c->chunks, 4);
  rusm_send(rt, prod, init, 12);
  if (c->mode == 1) {
    /* The consumer reads nothing until "go": the producer must stall at
    ** the stream's capacity (16 chunks), not run ahead. */
    for (int i = 0; i < 200 && rusm_wasm_notifications(w) - before < 16; i++) usleep(1000);
    usleep(50000);
    atomic_store(&c->notified_before_go, rusm_wasm_notifications(w) - before);
    rusm_send(rt, cons, "go", 2);
  }
  int want = c->mode == 2 ? 1 : 2;
  for (int i = 0; i < want; i++) {
    rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 5 * 1000 * 1000);
    if (!it) break;
    if (it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == 8) {
      /* producer reports chunks written == its count; tell them apart by
      ** arrival: both carry (i32, i32); the producer's second field is a
      ** write result (0 / -1), the consumer's a byte count. */
      int k = atomic_fetch_add(&c->n_reports, 1);
      memcpy(c->reports[k], it->u.msg.data, 8);
    }
    rusm_item_free(it);
  }
  rusm_unregister(rt, "collector");
}

static void sort_reports(pipe_case *c) {
  /* The consumer's second field is a multiple of 4096 or 0; the producer's is 0 or -1. */
  if (atomic_load(&c->n_reports) == 2 && c->reports[0][1] % 4096 == 0 && c->reports[0][1] != 0) {
    uint32_t t[2];
    memcpy(t, c->reports[0], 8);
    memcpy(c->reports[0], c->reports[1], 8);
    memcpy(c->reports[1], t, 8);
  }
}

static bool pipe_setup(pipe_case *c, rusm_wasm_module **mp, rusm_wasm_module **mc) {
  c->prod = prep(w, "producer", "run", mp);
  c->cons = prep(w, "consumer", "run", mc);
  return c->prod && c->cons;
}

static void pipe_teardown(pipe_case *c, rusm_wasm_module *mp, rusm_wasm_module *mc) {
  /* The guests may still be ending, and must be gone before this test's
  ** frame is: the consumer's on_exit writes into c->cons_exit (on this
  ** stack; a late write landed in the next test's pipe_case at the same
  ** address and made it see a Normal exit), and a producer publishes its
  ** last notifications after its report (the next back-pressure count
  ** read 17). */
  for (int i = 0; i < 5000 && rusm_wasm_live(w) != 0; i++) usleep(1000);
  rusm_wasm_prepared_free(c->prod);
  rusm_wasm_prepared_free(c->cons);
  rusm_wasm_module_free(mp);
  rusm_wasm_module_free(mc);
}

TEST(stream_pipe_delivers_everything_in_order) {
  rusm_wasm_module *mp = NULL, *mc = NULL;
  pipe_case c = {.mode = 0, .chunks = 100};
  REQUIRE(pipe_setup(&c, &mp, &mc));
  rusm_rt_join(rt, rusm_spawn(rt, pipe_collector, &c, NULL));
  sort_reports(&c);
  CHECK_EQ(atomic_load(&c.n_reports), 2);
  CHECK_EQ(c.reports[0][0], 100); /* producer: all written */
  CHECK_EQ(c.reports[0][1], 0);   /* ... the last one ok */
  CHECK_EQ(c.reports[1][0], 100); /* consumer: all read, bytes checked in order */
  CHECK_EQ(c.reports[1][1], 100 * 4096);
  pipe_teardown(&c, mp, mc);
}

TEST(stream_back_pressure_stalls_the_producer) {
  rusm_wasm_module *mp = NULL, *mc = NULL;
  pipe_case c = {.mode = 1, .chunks = 64};
  REQUIRE(pipe_setup(&c, &mp, &mc));
  rusm_rt_join(rt, rusm_spawn(rt, pipe_collector, &c, NULL));
  sort_reports(&c);
  CHECK_EQ(atomic_load(&c.notified_before_go), RUSM_STREAM_CAPACITY_FOR_TEST);
  CHECK_EQ(c.reports[0][0], 64);
  CHECK_EQ(c.reports[1][1], 64 * 4096);
  pipe_teardown(&c, mp, mc);
}

TEST(stream_reader_dying_mid_stream) {
  rusm_wasm_module *mp = NULL, *mc = NULL;
  pipe_case c = {.mode = 2, .chunks = 64};
  REQUIRE(pipe_setup(&c, &mp, &mc));
  rusm_rt_join(rt, rusm_spawn(rt, pipe_collector, &c, NULL));
  CHECK_EQ(atomic_load(&c.n_reports), 1); /* only the producer reports */
  CHECK(c.reports[0][0] < 64);            /* it stopped early ... */
  CHECK_EQ((int32_t)c.reports[0][1], -1); /* ... because the reader was gone */
  /* The reader's stream closes in its teardown, before its exit is recorded. */
  CHECK(wait_exit_rec(&c.cons_exit, 5000));
  CHECK_EQ(c.cons_exit.reason, RUSM_EXIT_CRASHED);
  pipe_teardown(&c, mp, mc);
}

TEST(set_label_names_the_caller) {
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "label", "run", &m);
  REQUIRE(p);
  rusm_pid g = rusm_wasm_spawn(w, p);
  rusm_info info = {0};
  bool labelled = false;
  for (int i = 0; i < 2000 && !labelled; i++) {
    if (rusm_get_info(rt, g, &info)) {
      labelled = info.label && strcmp(info.label, "my-label") == 0;
      rusm_info_clear(&info);
    }
    if (!labelled) usleep(1000);
  }
  CHECK(labelled);
  rusm_kill(rt, g);
  rusm_rt_join(rt, g);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
}

/* Every pointer-taking call given an out-of-bounds range crashes only its
** own process, with a reason that says so. */
TEST(bad_pointers_crash_the_guest_only) {
  static const char *const entries[] = {"receive",    "list",      "register",     "whereis",
                                        "unregister", "set_label", "stream_write", "stream_read"};
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
    rusm_wasm_module *m;
    rusm_wasm_prepared *p = prep(w, "badptrs", entries[i], &m);
    REQUIRE(p);
    exit_rec r = {0};
    rusm_rt_join(rt, spawn_rec(w, p, NULL, &r));
    if (r.reason != RUSM_EXIT_CRASHED || !strstr(r.error, "out of bounds"))
      fprintf(stderr, "  %s: reason %d, error \"%s\"\n", entries[i], (int)r.reason, r.error);
    CHECK_EQ(r.reason, RUSM_EXIT_CRASHED);
    CHECK(strstr(r.error, "out of bounds") != NULL);
    rusm_wasm_prepared_free(p);
    rusm_wasm_module_free(m);
  }
}

int main(int argc, char **argv) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = 2;
  rt = rusm_rt_new(&cfg);
  w = rusm_wasm_new(rt, NULL);
  static const test_case_ cases[] = {
      {"receive_copies_and_truncates", receive_copies_and_truncates},
      {"receive_parks_until_message", receive_parks_until_message},
      {"process_control_gate", process_control_gate},
      {"stream_pipe_delivers_everything_in_order", stream_pipe_delivers_everything_in_order},
      {"stream_back_pressure_stalls_the_producer", stream_back_pressure_stalls_the_producer},
      {"stream_reader_dying_mid_stream", stream_reader_dying_mid_stream},
      {"set_label_names_the_caller", set_label_names_the_caller},
      {"bad_pointers_crash_the_guest_only", bad_pointers_crash_the_guest_only}};
  int rc = test_run_(cases, sizeof cases / sizeof cases[0], argc, argv);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
  return rc;
}
