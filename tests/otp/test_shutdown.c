/*
** test_shutdown.c: shutdown ends every live process with normal teardown
** and waits for them; the runtime stays usable; freeing leaks nothing.
*/
#include "test.h"
#include "otp_test.h"

static atomic_int started;

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  atomic_fetch_add(&started, 1);
  rusm_item_free(rusm_receive(ctx));
}

static void free_arg(void *a) {
  free(a);
}

/* Under TSan every started native body is a TSan fiber, and TSan caps the
** number of live threads+fibers near 8k. */
#if defined(RUSM_TSAN)
#define MANY 5000
#else
#define MANY 100000
#endif

TEST(shutdown_with_100000_live_processes) {
  rusm_rt *rt = new_rt(2);
  enum { N = MANY };
  atomic_store(&started, 0);
  for (int i = 0; i < N; i++) {
    rusm_pid p = rusm_spawn(rt, idle_body, malloc(16), free_arg);
    if (i % 1000 == 0) rusm_register_tag(rt, "all", p);
    if (i % 10000 == 0) {
      char name[16];
      snprintf(name, sizeof name, "p%d", i);
      rusm_register(rt, name, p);
    }
  }
  CHECK(WAIT_UNTIL(atomic_load(&started) == N, 30000));
  CHECK_EQ(rusm_process_count(rt), N);
  CHECK_EQ(rusm_rt_shutdown(rt), N);
  CHECK_EQ(rusm_process_count(rt), 0);
  CHECK_EQ(rusm_finished(rt), N);
  CHECK(rusm_whereis(rt, "p0") == RUSM_PID_NONE);
  CHECK_EQ(rusm_whereis_tag(rt, "all", NULL, 0), 0);
  /* still usable */
  rusm_pid p = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_register(rt, "p0", p));
  CHECK(rusm_is_alive(rt, p));
  rusm_rt_free(rt);
}

static atomic_int freed;
static void count_free(void *a) {
  (void)a;
  atomic_fetch_add(&freed, 1);
}

static void trapping_parent(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_rt *rt = rusm_ctx_rt(ctx);
  rusm_set_trap_exit(rt, rusm_self(ctx), true);
  for (int i = 0; i < 100; i++) rusm_spawn_link(rt, rusm_self(ctx), idle_body, NULL, count_free);
  rusm_item *it;
  while ((it = rusm_receive(ctx))) rusm_item_free(it);
}

TEST(shutdown_runs_teardown_and_returns_when_none_is_left) {
  rusm_rt *rt = new_rt(2);
  atomic_store(&freed, 0);
  for (int i = 0; i < 100; i++) rusm_spawn(rt, idle_body, NULL, count_free);
  CHECK(WAIT_UNTIL(rusm_process_count(rt) == 100, 5000));
  CHECK_EQ(rusm_rt_shutdown(rt), 100);
  CHECK_EQ(atomic_load(&freed), 100);
  CHECK_EQ(rusm_process_count(rt), 0);
  CHECK_EQ(rusm_rt_shutdown(rt), 0);
  /* linked processes: the cascade may reach some before shutdown does, so
  ** the count is between 1 and all of them, and none is left after */
  rusm_spawn(rt, trapping_parent, NULL, NULL);
  CHECK(WAIT_UNTIL(rusm_process_count(rt) == 101, 5000));
  size_t n = rusm_rt_shutdown(rt);
  CHECK(n >= 1 && n <= 101);
  CHECK_EQ(rusm_process_count(rt), 0);
  CHECK_EQ(atomic_load(&freed), 200);
  rusm_rt_free(rt);
}

TEST(free_with_queued_messages_and_runnable_processes) {
  rusm_rt *rt = new_rt(2);
  for (int i = 0; i < 1000; i++) {
    rusm_pid p = rusm_spawn(rt, idle_body, NULL, NULL);
    rusm_send(rt, p, "abcdef", 6);
    rusm_send(rt, p, "ghijkl", 6);
  }
  rusm_rt_free(rt); /* LSan/valgrind: nothing left behind */
  CHECK(1);
}

TEST_MAIN(shutdown_with_100000_live_processes, shutdown_runs_teardown_and_returns_when_none_is_left,
          free_with_queued_messages_and_runnable_processes)
