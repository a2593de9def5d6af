/*
** test_log_event.c: rusm_log_event, the platform line the layers above the
** core print through (the Wasm host's traps): gated by the runtime's level,
** one plain line "<HH:MM:SS> rusm <verb padded to 6> <message>" per event.
*/
#include "test.h"

#include "otp_test.h"
#include "rusm/otp.h"

TEST(events_print_at_their_level_only) {
  rusm_rt *rt = rusm_rt_new(NULL);
  REQUIRE(rt);
  FILE *f = tmpfile();
  REQUIRE(f);
  rusm_set_log_sink(rt, f);
  rusm_set_log_level(rt, RUSM_LOG_WARN);
  rusm_log_event(rt, RUSM_LOG_ERROR, "trap", "worker#7 unreachable");
  rusm_log_event(rt, RUSM_LOG_WARN, "limit", "fuel spent");
  rusm_log_event(rt, RUSM_LOG_INFO, "note", "not at warn"); /* below the level */
  rusm_log_event(rt, RUSM_LOG_OFF, "never", "off is no level");
  rusm_set_log_level(rt, RUSM_LOG_DEBUG);
  rusm_log_event(rt, RUSM_LOG_DEBUG, "detail", "now shown");
  char *text = slurp(f);
  const char *want[] = {" rusm trap   worker#7 unreachable\n", " rusm limit  fuel spent\n",
                        " rusm detail now shown\n"};
  const char *line = text;
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    REQUIRE(strlen(line) > 8);
    CHECK(line[2] == ':' && line[5] == ':');
    CHECK(strncmp(line + 8, want[i], strlen(want[i])) == 0);
    line = strchr(line, '\n');
    REQUIRE(line);
    line++;
  }
  CHECK_EQ(*line, 0); /* nothing else */
  free(text);
  rusm_set_log_level(rt, RUSM_LOG_OFF);
  rusm_rt_free(rt);
  fclose(f);
}

TEST_MAIN(events_print_at_their_level_only)
