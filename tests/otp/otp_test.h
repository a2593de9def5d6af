/*
** otp_test.h: small helpers shared by the actor-core tests (waiting with a
** deadline, message predicates). Included after tests/test.h.
*/
#ifndef OTP_TEST_H
#define OTP_TEST_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <unistd.h>

#include "rusm/otp.h"

/* Polls cond (an expression) for up to ms milliseconds; true if it held. */
#define WAIT_UNTIL(cond, ms)                                                                       \
  ({                                                                                               \
    double until_ = test_now_ms_() + (ms);                                                         \
    bool ok_ = false;                                                                              \
    while (!(ok_ = (cond)) && test_now_ms_() < until_) usleep(200);                                \
    ok_;                                                                                           \
  })

static inline rusm_rt *new_rt(unsigned workers) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = workers;
  return rusm_rt_new(&cfg);
}

/* Is item a message whose first byte is *(char *)arg? */
/* Everything written to f so far, as one string (owned; f stays at its end). */
static inline char *slurp(FILE *f) {
  fflush(f);
  long len = ftell(f);
  char *buf = calloc(1, (size_t)len + 1);
  rewind(f);
  size_t got = fread(buf, 1, (size_t)len, f);
  buf[got] = 0;
  fseek(f, 0, SEEK_END);
  return buf;
}

static inline bool match_first_byte(const rusm_item *item, void *arg) {
  return item->kind == RUSM_ITEM_MESSAGE && item->u.msg.len > 0 &&
         item->u.msg.data[0] == *(const char *)arg;
}

static inline bool is_kind(const rusm_item *item, rusm_item_kind k) {
  return item->kind == k;
}

#endif
