/*
** test_tags.c: process groups: idempotent joins, live members, leave,
** kill_tag counts, release at exit, empty groups disappear.
*/
#include "test.h"
#include "otp_test.h"

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx));
}

TEST(join_is_idempotent_and_members_are_listed) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_register_tag(rt, "workers", a));
  CHECK(rusm_register_tag(rt, "workers", a));
  CHECK(rusm_register_tag(rt, "workers", b));
  CHECK(rusm_register_tag(rt, "other", a));
  rusm_pid out[4] = {0};
  CHECK_EQ(rusm_whereis_tag(rt, "workers", out, 4), 2);
  CHECK((out[0] == a && out[1] == b) || (out[0] == b && out[1] == a));
  CHECK_EQ(rusm_whereis_tag(rt, "workers", out, 1), 2); /* total even past cap */
  CHECK_EQ(rusm_whereis_tag(rt, "nope", out, 4), 0);
  CHECK(rusm_unregister_tag(rt, "workers", a));
  CHECK(!rusm_unregister_tag(rt, "workers", a));
  CHECK_EQ(rusm_whereis_tag(rt, "workers", out, 4), 1);
  CHECK(out[0] == b);
  rusm_rt_free(rt);
}

TEST(dead_pids_cannot_join_and_members_leave_at_exit) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_register_tag(rt, "g", a));
  rusm_kill(rt, a);
  rusm_rt_join(rt, a);
  CHECK(!rusm_register_tag(rt, "g", a));
  CHECK_EQ(rusm_whereis_tag(rt, "g", NULL, 0), 0);
  /* the empty group is gone: leaving it again finds nothing */
  CHECK(!rusm_unregister_tag(rt, "g", a));
  rusm_rt_free(rt);
}

TEST(kill_tag_kills_every_member_and_counts) {
  rusm_rt *rt = new_rt(2);
  rusm_pid keep = rusm_spawn(rt, idle_body, NULL, NULL);
  for (int i = 0; i < 50; i++)
    CHECK(rusm_register_tag(rt, "doomed", rusm_spawn(rt, idle_body, NULL, NULL)));
  CHECK_EQ(rusm_kill_tag(rt, "doomed"), 50);
  CHECK(WAIT_UNTIL(rusm_whereis_tag(rt, "doomed", NULL, 0) == 0, 2000));
  CHECK(WAIT_UNTIL(rusm_process_count(rt) == 1, 2000));
  CHECK(rusm_is_alive(rt, keep));
  CHECK_EQ(rusm_kill_tag(rt, "doomed"), 0);
  rusm_rt_free(rt);
}

TEST_MAIN(join_is_idempotent_and_members_are_listed,
          dead_pids_cannot_join_and_members_leave_at_exit, kill_tag_kills_every_member_and_counts)
