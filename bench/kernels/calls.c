/* calls.c: 50M direct and indirect calls of small functions; measures call
** overhead. noinline keeps the calls in both the native and wasm builds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static uint32_t step_a(uint32_t x, uint32_t i) {
  return x * 31 + i;
}
__attribute__((noinline)) static uint32_t step_b(uint32_t x, uint32_t i) {
  return (x ^ i) + 7;
}
__attribute__((noinline)) static uint32_t step_c(uint32_t x, uint32_t i) {
  return x + (i << 1);
}

typedef uint32_t (*step_fn)(uint32_t, uint32_t);
static step_fn volatile table[3] = {step_a, step_b, step_c};

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)atol(argv[1]) : 25000000u;
  uint32_t x = 1;
  for (uint32_t i = 0; i < n; i++) {
    x = step_a(x, i);       /* direct */
    x = table[i % 3](x, i); /* indirect */
  }
  printf("calls checksum: %u\n", x);
  return 0;
}
