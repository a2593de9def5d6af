/*
** test_log.c: lifecycle logging: level parsing, which exits print at which
** level, the exact line shapes (plain and coloured), spawn lines, and the
** debounced per-label census.
**
** Lines are captured through rusm_set_log_sink into a tmpfile (not a
** terminal: plain) or a pseudo-terminal (coloured).
*/
#include "../test.h"

#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <unistd.h>

#include "otp_test.h"
#include "rusm/otp.h"

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* How many lines of text end with suffix after a "HH:MM:SS" prefix. */
static int count_lines(const char *text, const char *suffix) {
  int n = 0;
  size_t sl = strlen(suffix);
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    bool stamp = len >= 8 && isdigit((unsigned char)line[0]) && isdigit((unsigned char)line[1]) &&
                 line[2] == ':' && isdigit((unsigned char)line[3]) &&
                 isdigit((unsigned char)line[4]) && line[5] == ':' &&
                 isdigit((unsigned char)line[6]) && isdigit((unsigned char)line[7]);
    if (stamp && len - 8 == sl && memcmp(line + 8, suffix, sl) == 0) n++;
    line += len + (end ? 1 : 0);
  }
  return n;
}

static int count_lines_containing(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

/* A process that waits: "crash" crashes it, anything else ends it. */
static void waiter(rusm_ctx *ctx, void *arg) {
  rusm_item *it = rusm_receive(ctx);
  if (!it) return;
  bool crash = it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == 5 &&
               memcmp(it->u.msg.data, "crash", 5) == 0;
  rusm_item_free(it);
  if (crash) rusm_crash(ctx);
}

static rusm_pid labelled(rusm_rt *rt, const char *label) {
  rusm_pid p = rusm_spawn(rt, waiter, NULL, NULL);
  if (label) rusm_set_label(rt, p, label);
  return p;
}

/* Ends three labelled processes (crashed, killed, normal) and one
** unlabelled crash; returns their pids in o[0..3]. */
static void three_exits(rusm_rt *rt, rusm_pid *o) {
  o[0] = labelled(rt, "alpha");
  o[1] = labelled(rt, "beta");
  o[2] = labelled(rt, "gamma");
  o[3] = labelled(rt, NULL);
  rusm_send(rt, o[0], "crash", 5);
  rusm_kill(rt, o[1]);
  rusm_send(rt, o[2], "bye", 3);
  rusm_send(rt, o[3], "crash", 5);
  for (int i = 0; i < 4; i++) rusm_rt_join(rt, o[i]);
}

TEST(level_parse_follows_the_reference_words) {
  CHECK_EQ(rusm_log_level_parse("error"), RUSM_LOG_ERROR);
  CHECK_EQ(rusm_log_level_parse("warn"), RUSM_LOG_WARN);
  CHECK_EQ(rusm_log_level_parse("Warning"), RUSM_LOG_WARN);
  CHECK_EQ(rusm_log_level_parse("  INFO\n"), RUSM_LOG_INFO);
  CHECK_EQ(rusm_log_level_parse("debug"), RUSM_LOG_DEBUG);
  CHECK_EQ(rusm_log_level_parse("trace"), RUSM_LOG_DEBUG);
  CHECK_EQ(rusm_log_level_parse("off"), RUSM_LOG_OFF);
  CHECK_EQ(rusm_log_level_parse("verbose"), RUSM_LOG_OFF);
  CHECK_EQ(rusm_log_level_parse("info2"), RUSM_LOG_OFF);
  CHECK_EQ(rusm_log_level_parse(""), RUSM_LOG_OFF);
  CHECK_EQ(rusm_log_level_parse(NULL), RUSM_LOG_OFF);
}

TEST(exit_reasons_map_to_levels) {
  CHECK_EQ(rusm_log_level_for_exit(RUSM_EXIT_CRASHED), RUSM_LOG_ERROR);
  CHECK_EQ(rusm_log_level_for_exit(RUSM_EXIT_KILLED), RUSM_LOG_WARN);
  CHECK_EQ(rusm_log_level_for_exit(RUSM_EXIT_NOPROC), RUSM_LOG_WARN);
  CHECK_EQ(rusm_log_level_for_exit(RUSM_EXIT_NORMAL), RUSM_LOG_INFO);
}

/* Runs three_exits at level and returns the captured text (owned) once
** `lines` lines are there (exit lines are written during teardown, which
** may finish after join returns), plus a grace period for extra ones. */
static char *exits_at(rusm_log_level level, rusm_pid *o, int lines) {
  rusm_rt *rt = rusm_rt_new(NULL);
  FILE *f = tmpfile();
  rusm_set_log_sink(rt, f);
  rusm_set_log_level(rt, level);
  three_exits(rt, o);
  char *text = slurp(f);
  for (int tries = 0; tries < 2000 && count_lines_containing(text, "\n") < lines; tries++) {
    free(text);
    sleep_ms(1);
    text = slurp(f);
  }
  sleep_ms(20);
  free(text);
  text = slurp(f);
  rusm_rt_free(rt);
  fclose(f);
  return text;
}

TEST(exit_lines_print_at_their_level_with_the_exact_shape) {
  rusm_pid p[4];
  char want[4][96];
  char *off = exits_at(RUSM_LOG_OFF, p, 0);
  CHECK_STR(off, "");
  free(off);

  char *err = exits_at(RUSM_LOG_ERROR, p, 1);
  snprintf(want[0], sizeof want[0], " rusm exit   alpha#%llu crashed", (unsigned long long)p[0]);
  CHECK_EQ(count_lines(err, want[0]), 1);
  CHECK_EQ(count_lines_containing(err, "\n"), 1); /* nothing else */
  free(err);

  char *warn = exits_at(RUSM_LOG_WARN, p, 2);
  snprintf(want[0], sizeof want[0], " rusm exit   alpha#%llu crashed", (unsigned long long)p[0]);
  snprintf(want[1], sizeof want[1], " rusm exit   beta#%llu killed", (unsigned long long)p[1]);
  CHECK_EQ(count_lines(warn, want[0]), 1);
  CHECK_EQ(count_lines(warn, want[1]), 1);
  CHECK_EQ(count_lines_containing(warn, "\n"), 2);
  free(warn);

  char *info = exits_at(RUSM_LOG_INFO, p, 3);
  snprintf(want[0], sizeof want[0], " rusm exit   alpha#%llu crashed", (unsigned long long)p[0]);
  snprintf(want[1], sizeof want[1], " rusm exit   beta#%llu killed", (unsigned long long)p[1]);
  snprintf(want[2], sizeof want[2], " rusm exit   gamma#%llu normal", (unsigned long long)p[2]);
  for (int i = 0; i < 3; i++) CHECK_EQ(count_lines(info, want[i]), 1);
  CHECK_EQ(count_lines_containing(info, "\n"), 3); /* the unlabelled crash is silent */
  free(info);
}

TEST(spawn_lines_only_at_debug_and_only_for_labels) {
  rusm_rt *rt = rusm_rt_new(NULL);
  FILE *f = tmpfile();
  rusm_set_log_sink(rt, f);
  rusm_pid p = labelled(rt, "web");
  rusm_set_log_level(rt, RUSM_LOG_INFO);
  rusm_log_spawn(rt, p, "web", "net,fs");
  rusm_set_log_level(rt, RUSM_LOG_DEBUG);
  rusm_log_spawn(rt, p, "web", "net,fs");
  rusm_log_spawn(rt, p, "web", NULL);
  rusm_log_spawn(rt, p, NULL, "ignored");
  char *text = slurp(f);
  char want[96];
  snprintf(want, sizeof want, " rusm spawn  web#%llu net,fs", (unsigned long long)p);
  CHECK_EQ(count_lines(text, want), 1);
  snprintf(want, sizeof want, " rusm spawn  web#%llu", (unsigned long long)p);
  CHECK_EQ(count_lines(text, want), 1);
  CHECK_EQ(count_lines_containing(text, "\n"), 2);
  free(text);
  rusm_set_log_level(rt, RUSM_LOG_OFF);
  rusm_rt_free(rt);
  fclose(f);
}

TEST(terminal_sink_gets_ansi_colour) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0 && unlockpt(master) == 0);
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  REQUIRE(slave >= 0);
  FILE *tty = fdopen(slave, "w");
  REQUIRE(tty && isatty(fileno(tty)));
  rusm_rt *rt = rusm_rt_new(NULL);
  rusm_set_log_sink(rt, tty);
  rusm_set_log_level(rt, RUSM_LOG_ERROR);
  rusm_pid p = labelled(rt, "db");
  rusm_send(rt, p, "crash", 5);
  rusm_rt_join(rt, p);
  char buf[512] = {0};
  size_t got = 0;
  for (int tries = 0; tries < 200 && !strchr(buf, '\n'); tries++) {
    struct pollfd pfd = {master, POLLIN, 0};
    if (poll(&pfd, 1, 10) == 1) {
      ssize_t r = read(master, buf + got, sizeof buf - 1 - got);
      if (r > 0) got += (size_t)r;
    }
  }
  rusm_rt_free(rt);
  fclose(tty);
  close(master);
  /* "\e[90mHH:MM:SS\e[0m \e[2;35mrusm\e[0m \e[31mexit\e[0m   db#N crashed" (the
  ** terminal turns \n into \r\n) */
  CHECK(strncmp(buf, "\x1b[90m", 5) == 0);
  char want[128];
  snprintf(want, sizeof want, "\x1b[0m \x1b[2;35mrusm\x1b[0m \x1b[31mexit\x1b[0m   db#%llu crashed",
           (unsigned long long)p);
  CHECK(got > 13 && strncmp(buf + 13, want, strlen(want)) == 0);
}

TEST(census_counts_labels_debounced_and_only_on_change) {
  rusm_rt *rt = rusm_rt_new(NULL);
  FILE *f = tmpfile();
  rusm_set_log_sink(rt, f);
  rusm_set_log_level(rt, RUSM_LOG_INFO);
  rusm_pid api[3];
  for (int i = 0; i < 3; i++) {
    api[i] = labelled(rt, "api");
    rusm_log_spawn(rt, api[i], "api", NULL);
  }
  rusm_pid db = labelled(rt, "db");
  rusm_log_spawn(rt, db, "db", NULL);
  labelled(rt, NULL);
  sleep_ms(1000);
  char *early = slurp(f);
  CHECK_EQ(count_lines_containing(early, "census"), 0); /* still inside the 2 s */
  free(early);
  sleep_ms(2000);
  char *first = slurp(f);
  CHECK_EQ(count_lines(first, " rusm census api=3 db=1"), 1);
  free(first);

  rusm_kill(rt, api[0]);
  rusm_rt_join(rt, api[0]);
  rusm_log_spawn(rt, db, "db", NULL); /* a touch that changes nothing more */
  sleep_ms(3000);
  char *second = slurp(f);
  CHECK_EQ(count_lines(second, " rusm census api=2 db=1"), 1);
  CHECK_EQ(count_lines_containing(second, "census"), 2);
  free(second);

  rusm_log_spawn(rt, db, "db", NULL); /* no change at all: no line */
  sleep_ms(3000);
  char *third = slurp(f);
  CHECK_EQ(count_lines_containing(third, "census"), 2);
  free(third);
  rusm_set_log_level(rt, RUSM_LOG_OFF);
  rusm_rt_free(rt);
  fclose(f);
}

TEST_MAIN(level_parse_follows_the_reference_words, exit_reasons_map_to_levels,
          exit_lines_print_at_their_level_with_the_exact_shape,
          spawn_lines_only_at_debug_and_only_for_labels, terminal_sink_gets_ansi_colour,
          census_counts_labels_debounced_and_only_on_change)
