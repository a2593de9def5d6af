/* clocks.c: monotonic advances, realtime is plausible, every clock reads. */
#include "guest.h"

#include <time.h>

int main(void) {
  struct timespec a, b, r;
  EXPECT(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
  volatile unsigned x = 0;
  for (unsigned i = 0; i < 2000000; i++) x += i;
  EXPECT(x != 1);
  EXPECT(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
  long long da = a.tv_sec * 1000000000ll + a.tv_nsec, db = b.tv_sec * 1000000000ll + b.tv_nsec;
  EXPECT(db > da);
  EXPECT(clock_gettime(CLOCK_REALTIME, &r) == 0);
  EXPECT(r.tv_sec > 1577836800); /* 2020-01-01 */
  EXPECT(r.tv_sec < 4102444800); /* 2100-01-01 */
  EXPECT(time(NULL) >= r.tv_sec);
  EXPECT(clock_getres(CLOCK_MONOTONIC, &r) == 0);
  EXPECT(r.tv_sec > 0 || r.tv_nsec > 0);
  __wasi_timestamp_t t;
  EXPECT_EQ(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t), 0);
  EXPECT(t > 0);
  EXPECT_EQ(__wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t), 0);
  EXPECT_EQ(__wasi_clock_time_get(17, 1, &t), __WASI_ERRNO_INVAL);
  printf("clocks ok %d\n", guest_failures);
  return guest_failures;
}
