/*
** test_monitors.c: Down on every kind of end, NOPROC for a dead target,
** demonitor, no de-duplication, and the monitor count in rusm_info.
*/
#include "test.h"
#include "otp_test.h"

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx));
}

typedef struct {
  int n;
  rusm_ref refs[8];
  rusm_pid pids[8];
  rusm_exit_reason reasons[8];
  int64_t timeout_us;
} downs;

static void collect_downs(rusm_ctx *ctx, void *arg) {
  downs *d = arg;
  rusm_item *it;
  while (d->n < 8 && (it = rusm_receive_match(ctx, NULL, NULL, d->timeout_us))) {
    if (it->kind == RUSM_ITEM_DOWN) {
      d->refs[d->n] = it->u.down.ref;
      d->pids[d->n] = it->u.down.pid;
      d->reasons[d->n] = it->u.down.reason;
      d->n++;
    }
    rusm_item_free(it);
  }
}

TEST(monitor_of_a_dead_pid_gives_noproc_at_once) {
  rusm_rt *rt = new_rt(2);
  rusm_pid dead = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_kill(rt, dead);
  rusm_rt_join(rt, dead);
  downs d = {.timeout_us = 200000};
  rusm_pid w = rusm_spawn(rt, idle_body, NULL, NULL); /* placeholder watcher */
  rusm_kill(rt, w);
  rusm_rt_join(rt, w);
  w = rusm_spawn(rt, collect_downs, &d, NULL);
  rusm_ref ref = rusm_monitor(rt, w, dead);
  rusm_rt_join(rt, w);
  REQUIRE(d.n == 1);
  CHECK_EQ(d.reasons[0], RUSM_EXIT_NOPROC);
  CHECK(d.refs[0] == ref);
  CHECK(d.pids[0] == dead);
  rusm_rt_free(rt);
}

static void quick(rusm_ctx *ctx, void *arg) {
  (void)ctx, (void)arg;
}

TEST(down_carries_ref_pid_and_reason_and_is_not_deduplicated) {
  rusm_rt *rt = new_rt(2);
  downs d = {.timeout_us = 300000};
  rusm_pid w = rusm_spawn(rt, collect_downs, &d, NULL);
  rusm_pid t = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_ref r1 = rusm_monitor(rt, w, t);
  rusm_ref r2 = rusm_monitor(rt, w, t);
  CHECK(r1 != r2);
  rusm_info info;
  CHECK(rusm_get_info(rt, t, &info));
  CHECK_EQ(info.monitors, 2);
  rusm_info_clear(&info);
  rusm_send(rt, t, "x", 1); /* t returns: Normal */
  rusm_rt_join(rt, w);
  REQUIRE(d.n == 2);
  CHECK(d.refs[0] == r1 || d.refs[0] == r2);
  CHECK(d.refs[1] == r1 || d.refs[1] == r2);
  CHECK(d.refs[0] != d.refs[1]);
  CHECK(d.pids[0] == t);
  CHECK_EQ(d.reasons[0], RUSM_EXIT_NORMAL);
  rusm_rt_free(rt);
  (void)quick;
}

TEST(demonitor_cancels_the_down) {
  rusm_rt *rt = new_rt(2);
  downs d = {.timeout_us = 100000};
  rusm_pid w = rusm_spawn(rt, collect_downs, &d, NULL);
  rusm_pid t = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_ref r1 = rusm_monitor(rt, w, t);
  rusm_ref r2 = rusm_monitor(rt, w, t);
  CHECK(rusm_demonitor(rt, w, r1));
  CHECK(!rusm_demonitor(rt, w, r1));
  rusm_info info;
  CHECK(rusm_get_info(rt, t, &info));
  CHECK_EQ(info.monitors, 1);
  rusm_info_clear(&info);
  rusm_kill(rt, t);
  rusm_rt_join(rt, w);
  REQUIRE(d.n == 1);
  CHECK(d.refs[0] == r2);
  CHECK_EQ(d.reasons[0], RUSM_EXIT_KILLED);
  rusm_rt_free(rt);
}

TEST(dead_watcher_is_forgotten_by_the_target) {
  rusm_rt *rt = new_rt(2);
  rusm_pid t = rusm_spawn(rt, idle_body, NULL, NULL);
  for (int i = 0; i < 100; i++) {
    rusm_pid w = rusm_spawn(rt, idle_body, NULL, NULL);
    rusm_monitor(rt, w, t);
    rusm_kill(rt, w);
    rusm_rt_join(rt, w);
  }
  rusm_info info;
  CHECK(WAIT_UNTIL(rusm_get_info(rt, t, &info) && (rusm_info_clear(&info), info.monitors == 0),
                   2000));
  rusm_info_clear(&info);
  rusm_rt_free(rt);
}

TEST_MAIN(monitor_of_a_dead_pid_gives_noproc_at_once,
          down_carries_ref_pid_and_reason_and_is_not_deduplicated, demonitor_cancels_the_down,
          dead_watcher_is_forgotten_by_the_target)
