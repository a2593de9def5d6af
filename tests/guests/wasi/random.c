/* random.c: random_get fills the whole buffer and differs between calls. */
#include "guest.h"

#include <unistd.h>

int main(void) {
  static unsigned char a[1000], b[1000];
  EXPECT_EQ(__wasi_random_get(a, sizeof a), 0);
  EXPECT_EQ(getentropy(b, 256), 0);
  EXPECT_EQ(__wasi_random_get(b + 256, sizeof b - 256), 0);
  EXPECT(memcmp(a, b, sizeof a) != 0);
  int zero_a = 0, zero_tail = 0;
  for (size_t i = 0; i < sizeof a; i++) zero_a += a[i] == 0;
  for (size_t i = 900; i < sizeof a; i++) zero_tail += a[i] == 0;
  EXPECT(zero_a < 30);    /* ~4 expected */
  EXPECT(zero_tail < 10); /* the end of the buffer is filled too */
  printf("random ok %d\n", guest_failures);
  return guest_failures;
}
