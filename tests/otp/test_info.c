/*
** test_info.c: counters, is_alive, list, get_info fields, labels, exit
** reason names.
*/
#include "test.h"
#include "otp_test.h"

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx));
}

TEST(counters_list_and_is_alive) {
  rusm_rt *rt = new_rt(2);
  rusm_pid p[10];
  for (int i = 0; i < 10; i++) p[i] = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK_EQ(rusm_process_count(rt), 10);
  CHECK_EQ(rusm_spawned(rt), 10);
  rusm_pid out[16];
  CHECK_EQ(rusm_list(rt, out, 16), 10);
  int found = 0;
  for (int i = 0; i < 10; i++)
    for (int k = 0; k < 10; k++) found += out[k] == p[i];
  CHECK_EQ(found, 10);
  CHECK_EQ(rusm_list(rt, out, 3), 10);
  for (int i = 0; i < 4; i++) rusm_send(rt, p[i], "x", 1);
  CHECK(WAIT_UNTIL(rusm_finished(rt) == 4, 2000));
  CHECK_EQ(rusm_process_count(rt), 6);
  CHECK(!rusm_is_alive(rt, p[0]));
  CHECK(rusm_is_alive(rt, p[9]));
  CHECK_EQ(rusm_list(rt, NULL, 0), 6);
  rusm_rt_free(rt);
}

TEST(get_info_reports_every_field) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid c = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_link(rt, a, b);
  rusm_link(rt, a, c);
  rusm_monitor(rt, b, a);
  rusm_register(rt, "alpha", a);
  rusm_set_trap_exit(rt, a, true);
  CHECK(rusm_set_label(rt, a, "web"));
  rusm_info info;
  REQUIRE(rusm_get_info(rt, a, &info));
  CHECK(info.pid == a);
  CHECK_EQ(info.links, 2);
  CHECK_EQ(info.monitors, 1);
  CHECK_EQ(info.n_names, 1);
  CHECK_STR(info.names[0], "alpha");
  CHECK_STR(info.label, "web");
  CHECK(info.trap_exit);
  CHECK_EQ(info.mailbox_depth, 0);
  rusm_info_clear(&info);
  CHECK(info.names == NULL && info.label == NULL);
  CHECK(rusm_set_label(rt, a, "api"));
  REQUIRE(rusm_get_info(rt, a, &info));
  CHECK_STR(info.label, "api");
  rusm_info_clear(&info);
  REQUIRE(rusm_get_info(rt, c, &info));
  CHECK_EQ(info.links, 1);
  CHECK(info.label == NULL);
  CHECK(!info.trap_exit);
  CHECK_EQ(info.n_names, 0);
  rusm_info_clear(&info);
  rusm_kill(rt, c);
  rusm_rt_join(rt, c);
  CHECK(!rusm_get_info(rt, c, &info));
  CHECK(!rusm_set_label(rt, c, "x"));
  rusm_rt_free(rt);
}

TEST(exit_reason_names) {
  CHECK_STR(rusm_exit_reason_name(RUSM_EXIT_NORMAL), "normal");
  CHECK_STR(rusm_exit_reason_name(RUSM_EXIT_KILLED), "killed");
  CHECK_STR(rusm_exit_reason_name(RUSM_EXIT_CRASHED), "crashed");
  CHECK_STR(rusm_exit_reason_name(RUSM_EXIT_NOPROC), "noproc");
}

TEST(log_switches) {
  rusm_rt *rt = new_rt(1);
  CHECK(!rusm_wants_log(rt, RUSM_LOG_ERROR)); /* default off */
  rusm_set_log_level(rt, RUSM_LOG_WARN);
  CHECK(rusm_wants_log(rt, RUSM_LOG_ERROR));
  CHECK(rusm_wants_log(rt, RUSM_LOG_WARN));
  CHECK(!rusm_wants_log(rt, RUSM_LOG_INFO));
  CHECK(!rusm_wants_log(rt, RUSM_LOG_OFF));
  rusm_set_log_sink(rt, stderr);
  rusm_set_log_level(rt, RUSM_LOG_OFF);
  rusm_rt_free(rt);
}

TEST_MAIN(counters_list_and_is_alive, get_info_reports_every_field, exit_reason_names, log_switches)
