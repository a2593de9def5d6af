/* sleep.c: a 50 ms relative clock wait through poll_oneoff (nanosleep), then
** an absolute one with poll_oneoff directly; checks the time really passed. */
#include "guest.h"

#include <time.h>

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(void) {
  long long t0 = now();
  struct timespec d = {0, 50000000};
  EXPECT(nanosleep(&d, NULL) == 0);
  long long t1 = now();
  EXPECT(t1 - t0 >= 50000000);
  __wasi_subscription_t s = {.userdata = 7, .u.tag = __WASI_EVENTTYPE_CLOCK};
  s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  s.u.u.clock.timeout = (__wasi_timestamp_t)(t1 + 20000000);
  s.u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  __wasi_event_t ev;
  __wasi_size_t n = 0;
  EXPECT_EQ(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(ev.userdata, 7);
  EXPECT_EQ(ev.type, __WASI_EVENTTYPE_CLOCK);
  EXPECT(now() >= t1 + 20000000);
  printf("slept %lld ms\n", (now() - t0) / 1000000);
  return guest_failures;
}
