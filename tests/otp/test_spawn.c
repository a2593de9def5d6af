/*
** test_spawn.c: spawning native and resumable bodies, stale pids, arg_free,
** counters, crash and RUSM_ASSERT, spawn_link.
*/
#include "test.h"
#include "otp_test.h"

static atomic_int ran;

static void body_count(rusm_ctx *ctx, void *arg) {
  (void)ctx;
  atomic_fetch_add(&ran, 1 + (arg ? *(int *)arg : 0));
}

TEST(spawn_runs_body_and_counts) {
  rusm_rt *rt = new_rt(2);
  atomic_store(&ran, 0);
  for (int i = 0; i < 1000; i++) CHECK(rusm_spawn(rt, body_count, NULL, NULL) != RUSM_PID_NONE);
  CHECK(WAIT_UNTIL(rusm_finished(rt) == 1000, 5000));
  CHECK_EQ(atomic_load(&ran), 1000);
  CHECK_EQ(rusm_spawned(rt), 1000);
  CHECK_EQ(rusm_process_count(rt), 0);
  rusm_rt_free(rt);
}

static atomic_int freed;
static void count_free(void *a) {
  free(a);
  atomic_fetch_add(&freed, 1);
}

static void wait_forever(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive(ctx);
  rusm_item_free(it);
}

TEST(arg_free_runs_after_body_and_on_kill_before_start) {
  rusm_rt *rt = new_rt(1);
  atomic_store(&freed, 0);
  int *a = malloc(sizeof *a);
  *a = 0;
  rusm_pid p = rusm_spawn(rt, body_count, a, count_free);
  rusm_rt_join(rt, p);
  CHECK(WAIT_UNTIL(atomic_load(&freed) == 1, 2000));
  /* killed before it ran: the body never runs, arg_free still does */
  atomic_store(&ran, 0);
  rusm_pid b = rusm_spawn(rt, wait_forever, malloc(4), count_free);
  CHECK(rusm_kill(rt, b));
  rusm_rt_join(rt, b);
  CHECK(WAIT_UNTIL(atomic_load(&freed) == 2, 2000));
  rusm_rt_free(rt);
}

typedef struct {
  rusm_pid old, fresh;
} reuse_result;

static void await_down(rusm_ctx *ctx, rusm_pid pid) {
  rusm_ref ref = rusm_monitor(rusm_ctx_rt(ctx), rusm_self(ctx), pid);
  for (;;) {
    rusm_item *it = rusm_receive(ctx);
    bool done = !it || (it->kind == RUSM_ITEM_DOWN && it->u.down.ref == ref);
    rusm_item_free(it);
    if (done) return;
  }
}

/* Spawns until a slot comes back with a newer generation (the worker's
** slot cache is LIFO, so this takes a few rounds at most). */
static void reuser(rusm_ctx *ctx, void *arg) {
  reuse_result *r = arg;
  rusm_rt *rt = rusm_ctx_rt(ctx);
  r->old = rusm_spawn(rt, body_count, NULL, NULL);
  await_down(ctx, r->old);
  for (int i = 0; i < 1000; i++) {
    r->fresh = rusm_spawn(rt, wait_forever, NULL, NULL);
    if ((uint32_t)r->fresh == (uint32_t)r->old) return;
    rusm_kill(rt, r->fresh);
    await_down(ctx, r->fresh);
  }
}

TEST(stale_pid_is_a_silent_no_op) {
  rusm_rt *rt = new_rt(1);
  reuse_result r = {RUSM_PID_NONE, RUSM_PID_NONE};
  rusm_rt_join(rt, rusm_spawn(rt, reuser, &r, NULL));
  rusm_pid p = r.old, q = r.fresh;
  REQUIRE((uint32_t)q == (uint32_t)p); /* same slot, newer generation */
  CHECK(q != p);
  CHECK(!rusm_is_alive(rt, p));
  CHECK(!rusm_send(rt, p, "x", 1));
  CHECK(!rusm_kill(rt, p));
  CHECK(!rusm_link(rt, p, q));
  CHECK(!rusm_set_trap_exit(rt, p, true));
  CHECK(!rusm_register(rt, "stale", p));
  CHECK(rusm_is_alive(rt, q));
  rusm_info info;
  CHECK(rusm_get_info(rt, q, &info));
  CHECK_EQ(info.links, 0);
  rusm_info_clear(&info);
  CHECK(!rusm_get_info(rt, p, &info));
  CHECK(!rusm_send(rt, RUSM_PID_NONE, "x", 1));
  CHECK(!rusm_is_alive(rt, (rusm_pid)0x7fffffff));
  rusm_rt_free(rt);
}

static void crasher(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx)); /* go */
  int deep[64];
  for (int i = 0; i < 64; i++) deep[i] = i;
  RUSM_ASSERT(ctx, deep[63] == 0); /* fails */
  atomic_fetch_add(&ran, 100);     /* never reached */
}

static void watcher_body(rusm_ctx *ctx, void *arg) {
  rusm_exit_reason *out = arg;
  rusm_item *it = rusm_receive(ctx);
  if (it && it->kind == RUSM_ITEM_DOWN) *out = it->u.down.reason;
  rusm_item_free(it);
}

TEST(crash_ends_the_process_as_crashed) {
  rusm_rt *rt = new_rt(2);
  atomic_store(&ran, 0);
  rusm_exit_reason r = RUSM_EXIT_NORMAL;
  rusm_pid w = rusm_spawn(rt, watcher_body, &r, NULL);
  rusm_pid c = rusm_spawn(rt, wait_forever, NULL, NULL);
  rusm_monitor(rt, w, c);
  rusm_kill(rt, c);
  rusm_rt_join(rt, w);
  CHECK_EQ(r, RUSM_EXIT_KILLED);
  w = rusm_spawn(rt, watcher_body, &r, NULL);
  rusm_pid s = rusm_spawn(rt, crasher, NULL, NULL);
  rusm_monitor(rt, w, s);
  rusm_send(rt, s, "go", 2);
  rusm_rt_join(rt, w);
  CHECK_EQ(r, RUSM_EXIT_CRASHED);
  CHECK_EQ(atomic_load(&ran), 0);
  rusm_rt_free(rt);
}

/* a resumable body: counts its resumes, exits after 3 */
typedef struct {
  int resumes;
  atomic_int *destroyed;
} step_state;

static rusm_step step_resume(void *s, rusm_ctx *ctx, uint32_t budget, rusm_exit_reason *o) {
  step_state *st = s;
  (void)ctx;
  CHECK(budget > 0);
  if (++st->resumes < 3) return RUSM_STEP_YIELD;
  *o = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}

static void step_destroy(void *s) {
  step_state *st = s;
  atomic_fetch_add(st->destroyed, 1);
  free(st);
}

static const rusm_body_ops step_ops = {step_resume, step_destroy};

TEST(resumable_body_runs_until_exit_and_is_destroyed_once) {
  rusm_rt *rt = new_rt(2);
  atomic_int destroyed = 0;
  for (int i = 0; i < 100; i++) {
    step_state *st = calloc(1, sizeof *st);
    st->destroyed = &destroyed;
    CHECK(rusm_spawn_body(rt, &step_ops, st) != RUSM_PID_NONE);
  }
  CHECK(WAIT_UNTIL(atomic_load(&destroyed) == 100, 5000));
  CHECK_EQ(rusm_finished(rt), 100);
  rusm_rt_free(rt);
}

/* Under TSan each started native body is a TSan fiber, which costs about a
** millisecond to create: fewer processes keep the run short. */
#if defined(RUSM_TSAN)
#define CHILDREN 1000
#else
#define CHILDREN 10000
#endif

static void spawner(rusm_ctx *ctx, void *arg) {
  rusm_rt *rt = rusm_ctx_rt(ctx);
  for (int i = 0; i < CHILDREN; i++) rusm_spawn(rt, body_count, NULL, NULL);
  (void)arg;
}

TEST(spawn_from_inside_a_process) {
  rusm_rt *rt = new_rt(2);
  atomic_store(&ran, 0);
  rusm_spawn(rt, spawner, NULL, NULL);
  CHECK(WAIT_UNTIL(rusm_finished(rt) == CHILDREN + 1, 30000));
  CHECK_EQ(atomic_load(&ran), CHILDREN);
  rusm_rt_free(rt);
}

TEST_MAIN(spawn_runs_body_and_counts, arg_free_runs_after_body_and_on_kill_before_start,
          stale_pid_is_a_silent_no_op, crash_ends_the_process_as_crashed,
          resumable_body_runs_until_exit_and_is_destroyed_once, spawn_from_inside_a_process)
