/* exit.c: proc_exit with the code given as argv[1]. */
#include <stdlib.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
  __wasi_proc_exit(argc > 1 ? (__wasi_exitcode_t)atoi(argv[1]) : 7);
  return 99; /* never reached */
}
