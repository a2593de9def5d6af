/*
** log.c: platform lifecycle logging (reference 1.7).
**
** Only labelled processes are logged. Exit lines go out at the level their
** reason maps to (crashed = error, killed/noproc = warn, normal = info),
** spawn lines (rusm_log_spawn) at debug. At info and above a census line
** gives the live count per label: the first lifecycle event arms a 2 s
** debounce, and when it expires the census is printed if it differs from
** the last one printed. The census runs on one sleeping thread per runtime,
** started on first need and woken only by events and its own deadline.
**
** Line shape: "HH:MM:SS rusm <verb padded to 6> <message>", e.g.
**   12:04:01 rusm spawn  worker#12 net,fs
**   12:04:03 rusm exit   worker#12 crashed
**   12:04:05 rusm census api=2 worker=11
** with ANSI colour (time 90, "rusm" 2;35, verb 36/31/33/32) only when the
** sink is a terminal.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "otp_int.h" /* rt->log_sink, rt->log_priv */

#define CENSUS_DEBOUNCE_NS (2ull * 1000 * 1000 * 1000)

/* ---------------------------------------------------------------- levels */

rusm_log_level rusm_log_level_parse(const char *s) {
  if (!s) return RUSM_LOG_OFF;
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) n--;
  static const struct {
    const char *word;
    rusm_log_level level;
  } words[] = {{"error", RUSM_LOG_ERROR}, {"warn", RUSM_LOG_WARN},   {"warning", RUSM_LOG_WARN},
               {"info", RUSM_LOG_INFO},   {"debug", RUSM_LOG_DEBUG}, {"trace", RUSM_LOG_DEBUG}};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strlen(words[i].word) == n && strncasecmp(s, words[i].word, n) == 0) return words[i].level;
  return RUSM_LOG_OFF;
}

rusm_log_level rusm_log_level_for_exit(rusm_exit_reason r) {
  switch (r) {
  case RUSM_EXIT_CRASHED: return RUSM_LOG_ERROR;
  case RUSM_EXIT_KILLED:
  case RUSM_EXIT_NOPROC: return RUSM_LOG_WARN;
  case RUSM_EXIT_NORMAL: break;
  }
  return RUSM_LOG_INFO;
}

/* ------------------------------------------------------------ one line */

typedef enum { TONE_INFO = 36, TONE_ERROR = 31, TONE_WARN = 33, TONE_OK = 32 } log_tone;

static log_tone tone_for_exit(rusm_exit_reason r) {
  switch (rusm_log_level_for_exit(r)) {
  case RUSM_LOG_ERROR: return TONE_ERROR;
  case RUSM_LOG_WARN: return TONE_WARN;
  default: return TONE_OK;
  }
}

/* The sink of lifecycle lines: the one set, or stderr. */
static FILE *sink_of(rusm_rt *rt) {
  FILE *f = atomic_load(&rt->log_sink);
  return f ? f : stderr;
}

/* Writes one whole line with a single stdio call, so lines from several
** threads never interleave. */
static void emit(FILE *sink, const char *verb, log_tone tone, const char *msg) {
  if (!sink) return;
  char stamp[16], line[1024];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  int pad = 6 - (int)strlen(verb);
  if (pad < 0) pad = 0;
  if (isatty(fileno(sink)))
    snprintf(line, sizeof line, "\x1b[90m%s\x1b[0m \x1b[2;35mrusm\x1b[0m \x1b[%dm%s\x1b[0m%*s %s\n",
             stamp, (int)tone, verb, pad, "", msg);
  else
    snprintf(line, sizeof line, "%s rusm %s%*s %s\n", stamp, verb, pad, "", msg);
  fputs(line, sink);
  fflush(sink);
}

/* ---------------------------------------------------------------- census */

/* Per-runtime census state, hung on rt->log_priv. */
typedef struct census {
  rusm_rt *rt;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  pthread_t thread;
  bool started, quit, armed;
  uint64_t due_ns;
  char *last; /* the last census printed (owned), NULL = none yet */
} census;

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct label_count {
  char *label;
  size_t n;
} label_count;

static int by_label(const void *a, const void *b) {
  return strcmp(((const label_count *)a)->label, ((const label_count *)b)->label);
}

/* "api=2 worker=11" for the live labelled processes (owned), or NULL when
** memory runs out. The scan is O(processes), paid at most every 2 s and
** only at info level or above. Processes spawned faster than the slack
** between the count and the list are left to the next census, which their
** own spawn lines arm. */
static char *census_text(rusm_rt *rt) {
  size_t cap = rusm_process_count(rt) + 64;
  rusm_pid *pids = malloc(cap * sizeof *pids);
  if (!pids) return NULL;
  size_t n = rusm_list(rt, pids, cap);
  if (n > cap) n = cap;
  label_count *counts = NULL;
  size_t n_counts = 0;
  for (size_t i = 0; i < n; i++) {
    rusm_info info;
    if (!rusm_get_info(rt, pids[i], &info)) continue;
    if (info.label) {
      size_t k = 0;
      while (k < n_counts && strcmp(counts[k].label, info.label) != 0) k++;
      if (k < n_counts) {
        counts[k].n++;
      } else {
        label_count *c = realloc(counts, (n_counts + 1) * sizeof *c);
        if (c) {
          counts = c;
          counts[n_counts++] = (label_count){info.label, 1};
          info.label = NULL; /* moved into counts */
        }
      }
    }
    rusm_info_clear(&info);
  }
  free(pids);
  qsort(counts, n_counts, sizeof *counts, by_label);
  size_t len = 1;
  for (size_t k = 0; k < n_counts; k++) len += strlen(counts[k].label) + 24;
  char *text = malloc(len + 32);
  if (text) {
    size_t at = 0;
    text[0] = 0;
    for (size_t k = 0; k < n_counts; k++)
      at += (size_t)snprintf(text + at, len + 32 - at, "%s%s=%zu", k ? " " : "", counts[k].label,
                             counts[k].n);
    if (!n_counts) snprintf(text, len + 32, "no labelled processes");
  }
  for (size_t k = 0; k < n_counts; k++) free(counts[k].label);
  free(counts);
  return text;
}

static void *census_main(void *arg) {
  census *c = arg;
  pthread_mutex_lock(&c->mu);
  while (!c->quit) {
    if (!c->armed) {
      pthread_cond_wait(&c->cv, &c->mu);
      continue;
    }
    uint64_t now = mono_ns();
    if (now < c->due_ns) {
      struct timespec ts = {(time_t)(c->due_ns / 1000000000ull), (long)(c->due_ns % 1000000000ull)};
      pthread_cond_timedwait(&c->cv, &c->mu, &ts);
      continue;
    }
    c->armed = false;
    pthread_mutex_unlock(&c->mu);
    char *text = census_text(c->rt);
    bool changed = text && (!c->last || strcmp(text, c->last) != 0);
    if (changed && rusm_wants_log(c->rt, RUSM_LOG_INFO)) {
      emit(sink_of(c->rt), "census", TONE_INFO, text);
      free(c->last);
      c->last = text;
    } else {
      free(text);
    }
    pthread_mutex_lock(&c->mu);
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

/* A labelled process came or went: arm the debounce if it is not armed. */
static void census_touch(rusm_rt *rt) {
  if (!rusm_wants_log(rt, RUSM_LOG_INFO)) return;
  census *c = rt->log_priv;
  if (!c) return;
  pthread_mutex_lock(&c->mu);
  if (!c->started && !c->quit) c->started = pthread_create(&c->thread, NULL, census_main, c) == 0;
  if (!c->armed) {
    c->armed = true;
    c->due_ns = mono_ns() + CENSUS_DEBOUNCE_NS;
    pthread_cond_signal(&c->cv);
  }
  pthread_mutex_unlock(&c->mu);
}

void otp_log_init(rusm_rt *rt) {
  census *c = calloc(1, sizeof *c);
  if (!c) return; /* no census for this runtime; lines still print */
  c->rt = rt;
  pthread_mutex_init(&c->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&c->cv, &ca);
  pthread_condattr_destroy(&ca);
  rt->log_priv = c;
}

void otp_log_fini(rusm_rt *rt) {
  census *c = rt->log_priv;
  rt->log_priv = NULL;
  if (!c) return;
  pthread_mutex_lock(&c->mu);
  c->quit = true;
  pthread_cond_signal(&c->cv);
  bool started = c->started;
  pthread_mutex_unlock(&c->mu);
  if (started) pthread_join(c->thread, NULL);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  free(c->last);
  free(c);
}

/* ---------------------------------------------------------------- events */

void otp_log_exit(rusm_rt *rt, rusm_pid pid, const char *label, rusm_exit_reason r) {
  if (!label) return;
  if (rusm_wants_log(rt, rusm_log_level_for_exit(r))) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s#%llu %s", label, (unsigned long long)pid,
             rusm_exit_reason_name(r));
    emit(sink_of(rt), "exit", tone_for_exit(r), msg);
  }
  census_touch(rt);
}

void rusm_log_spawn(rusm_rt *rt, rusm_pid pid, const char *label, const char *detail) {
  if (!rt || !label) return;
  if (rusm_wants_log(rt, RUSM_LOG_DEBUG)) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s#%llu%s%s", label, (unsigned long long)pid,
             detail && *detail ? " " : "", detail ? detail : "");
    emit(sink_of(rt), "spawn", TONE_INFO, msg);
  }
  census_touch(rt);
}

void rusm_log_event(rusm_rt *rt, rusm_log_level level, const char *verb, const char *message) {
  if (!rusm_wants_log(rt, level)) return;
  log_tone tone = level == RUSM_LOG_ERROR  ? TONE_ERROR
                  : level == RUSM_LOG_WARN ? TONE_WARN
                                           : TONE_OK;
  emit(sink_of(rt), verb, tone, message);
}
