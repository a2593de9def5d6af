/*
** otp_test.h: small helpers shared by the actor-core tests (waiting with a
** deadline, message predicates). Included after tests/test.h.
*/
#ifndef OTP_TEST_H
#define OTP_TEST_H

#include <sched.h>
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
static inline bool match_first_byte(const rusm_item *item, void *arg) {
  return item->kind == RUSM_ITEM_MESSAGE && item->u.msg.len > 0 &&
         item->u.msg.data[0] == *(const char *)arg;
}

static inline bool is_kind(const rusm_item *item, rusm_item_kind k) {
  return item->kind == k;
}

#endif
