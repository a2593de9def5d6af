/* fib.c: recursive fib(35), the call-and-return kernel. Prints the result. */
#include <stdio.h>
#include <stdlib.h>

static int fib(int n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 35;
  printf("fib(%d) = %d\n", n, fib(n));
  return 0;
}
