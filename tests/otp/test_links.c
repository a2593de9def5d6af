/*
** test_links.c: links and exit propagation (reference 1.6): trapping peers
** get Exit for every reason including Normal, non-trapping peers die of an
** abnormal reason with the same reason, a normal exit spares them, and a
** cascade runs through a chain of 10,000 processes.
*/
#include "test.h"
#include "otp_test.h"

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive(ctx);
  rusm_item_free(it);
}

static void crash_on_message(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx));
  rusm_crash(ctx);
}

typedef struct {
  rusm_exit_reason reason;
  rusm_pid from;
  int kind;
  atomic_int trapping;
} trap_state;

static void trapper(rusm_ctx *ctx, void *arg) {
  trap_state *s = arg;
  rusm_set_trap_exit(rusm_ctx_rt(ctx), rusm_self(ctx), true);
  atomic_store(&s->trapping, 1);
  rusm_item *it = rusm_receive(ctx);
  if (it) {
    s->kind = (int)it->kind;
    if (it->kind == RUSM_ITEM_EXIT) s->reason = it->u.exit.reason, s->from = it->u.exit.from;
  }
  rusm_item_free(it);
}

static void quick(rusm_ctx *ctx, void *arg) {
  (void)ctx, (void)arg;
}

TEST(trapping_peer_gets_exit_even_for_normal) {
  rusm_rt *rt = new_rt(2);
  trap_state s = {.reason = RUSM_EXIT_NOPROC, .kind = -1};
  rusm_pid t = rusm_spawn(rt, trapper, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.trapping), 2000));
  rusm_pid q = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_link(rt, t, q));
  rusm_send(rt, q, "bye", 3); /* q returns: Normal */
  rusm_rt_join(rt, t);
  CHECK_EQ(s.kind, RUSM_ITEM_EXIT);
  CHECK_EQ(s.reason, RUSM_EXIT_NORMAL);
  CHECK(s.from == q);
  rusm_rt_free(rt);
}

TEST(normal_exit_spares_a_non_trapping_peer) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_link(rt, a, b));
  rusm_info info;
  CHECK(rusm_get_info(rt, a, &info));
  CHECK_EQ(info.links, 1);
  rusm_info_clear(&info);
  rusm_send(rt, b, "x", 1);
  rusm_rt_join(rt, b);
  usleep(5000);
  CHECK(rusm_is_alive(rt, a));
  CHECK(rusm_get_info(rt, a, &info));
  CHECK_EQ(info.links, 0); /* the link went away with b */
  rusm_info_clear(&info);
  rusm_rt_free(rt);
}

TEST(abnormal_exit_kills_peer_with_the_same_reason) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, crash_on_message, NULL, NULL);
  CHECK(rusm_link(rt, a, b));
  trap_state s = {.kind = -1};
  rusm_pid w = rusm_spawn(rt, trapper, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.trapping), 2000));
  rusm_monitor(rt, w, a); /* w sees a's Down */
  rusm_send(rt, b, "boom", 4);
  rusm_rt_join(rt, w);
  CHECK_EQ(s.kind, RUSM_ITEM_DOWN);
  CHECK(!rusm_is_alive(rt, a));
  rusm_rt_free(rt);
}

static void down_reason(rusm_ctx *ctx, void *arg) {
  rusm_exit_reason *r = arg;
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, RUSM_FOREVER);
  if (it && it->kind == RUSM_ITEM_DOWN) *r = it->u.down.reason;
  rusm_item_free(it);
}

TEST(link_cascade_through_10000_processes_keeps_the_reason) {
  rusm_rt *rt = new_rt(2);
  enum { N = 10000 };
  rusm_pid *chain = malloc(N * sizeof *chain);
  chain[0] = rusm_spawn(rt, crash_on_message, NULL, NULL);
  for (int i = 1; i < N; i++) {
    chain[i] = rusm_spawn(rt, idle_body, NULL, NULL);
    CHECK(rusm_link(rt, chain[i - 1], chain[i]));
  }
  rusm_exit_reason last = RUSM_EXIT_NORMAL;
  rusm_pid w = rusm_spawn(rt, down_reason, &last, NULL);
  rusm_monitor(rt, w, chain[N - 1]);
  CHECK_EQ(rusm_process_count(rt), N + 1);
  rusm_send(rt, chain[0], "boom", 4);
  rusm_rt_join(rt, w);
  CHECK_EQ(last, RUSM_EXIT_CRASHED);
  CHECK(WAIT_UNTIL(rusm_process_count(rt) == 0, 5000));
  free(chain);
  rusm_rt_free(rt);
}

TEST(unlink_stops_propagation) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_link(rt, a, b));
  CHECK(rusm_unlink(rt, b, a));
  CHECK(!rusm_unlink(rt, b, a));
  rusm_kill(rt, b);
  rusm_rt_join(rt, b);
  usleep(5000);
  CHECK(rusm_is_alive(rt, a));
  CHECK(!rusm_link(rt, a, a));
  CHECK(!rusm_link(rt, a, b)); /* b is dead */
  rusm_rt_free(rt);
}

TEST(exit_stages_the_reason) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_exit_reason r = RUSM_EXIT_NORMAL;
  rusm_pid w = rusm_spawn(rt, down_reason, &r, NULL);
  rusm_monitor(rt, w, a);
  CHECK(rusm_exit(rt, a, RUSM_EXIT_CRASHED));
  rusm_rt_join(rt, w);
  CHECK_EQ(r, RUSM_EXIT_CRASHED);
  rusm_rt_free(rt);
}

typedef struct {
  rusm_pid parent;
  atomic_int linked_ok;
} child_state;

static void child_body(rusm_ctx *ctx, void *arg) {
  child_state *s = arg;
  rusm_info info;
  if (rusm_get_info(rusm_ctx_rt(ctx), rusm_self(ctx), &info)) {
    atomic_store(&s->linked_ok, info.links == 1 ? 1 : 2);
    rusm_info_clear(&info);
  }
  rusm_item_free(rusm_receive(ctx));
}

TEST(spawn_link_links_before_the_child_runs) {
  rusm_rt *rt = new_rt(2);
  child_state s = {0};
  rusm_pid parent = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid c = rusm_spawn_link(rt, parent, child_body, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.linked_ok) != 0, 2000));
  CHECK_EQ(atomic_load(&s.linked_ok), 1);
  rusm_kill(rt, parent);
  rusm_rt_join(rt, c); /* killed by the cascade */
  CHECK(!rusm_is_alive(rt, c));
  /* dead parent: the child gets what a link to a dead process gives */
  rusm_exit_reason r = RUSM_EXIT_NORMAL;
  rusm_pid w = rusm_spawn(rt, down_reason, &r, NULL);
  rusm_pid c2 = rusm_spawn_link(rt, parent, child_body, &s, NULL);
  rusm_monitor(rt, w, c2);
  rusm_rt_join(rt, w);
  CHECK_EQ(r, RUSM_EXIT_NOPROC);
  rusm_rt_free(rt);
  (void)quick;
}

TEST_MAIN(trapping_peer_gets_exit_even_for_normal, normal_exit_spares_a_non_trapping_peer,
          abnormal_exit_kills_peer_with_the_same_reason,
          link_cascade_through_10000_processes_keeps_the_reason, unlink_stops_propagation,
          exit_stages_the_reason, spawn_link_links_before_the_child_runs)
