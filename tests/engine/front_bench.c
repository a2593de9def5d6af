/*
** front_bench.c: figures, not a test. Decode + validate speed of the
** engine's front half on the .wasm files given on the command line: CPU
** time per load (the machine may be shared, so wall time would mislead),
** MB/s of the whole binary, and ns per instruction of code.
**
** Usage: front_bench FILE.wasm...
*/
#include "../test.h"
#include "front_util.h"

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  for (int a = 1; a < argc; a++) {
    size_t n;
    uint8_t *b = front_read_file(argv[a], &n);
    if (!b) {
      printf("%s: unreadable\n", argv[a]);
      continue;
    }
    rusm_error e;
    memset(&e, 0, sizeof e);
    wasm_module *m = front_load(b, n, &e);
    if (!m) {
      printf("%s: %s (section %s, offset %zu)\n", argv[a], e.reason, e.section, e.offset);
      free(b);
      continue;
    }
    size_t instrs = 0;
    wasm_fv *v = wasm_fv_new(m);
    for (uint32_t i = m->n_imported_funcs; v && i < m->n_funcs; i++) {
      wasm_instr ins;
      if (!wasm_fv_begin(v, i, &e)) break;
      while (wasm_fv_next(v, &ins, &e) > 0) instrs++;
    }
    wasm_fv_free(v);
    uint32_t n_funcs = m->n_funcs;
    wasm_module_free(m);
    int iters = 0;
    double t0 = cpu_ms(), t_dec = 0;
    while (cpu_ms() - t0 < 300) {
      double d0 = cpu_ms();
      wasm_module *x = wasm_decode_module(b, n, &e);
      t_dec += cpu_ms() - d0;
      if (x) wasm_validate_module(x, &e);
      wasm_module_free(x);
      iters++;
    }
    double ms = (cpu_ms() - t0) / iters;
    printf("%s: %zu bytes, %u funcs, %zu instrs: %.3f ms/load (decode %.3f, validate %.3f), "
           "%.1f MB/s, %.1f ns/instr\n",
           argv[a], n, n_funcs, instrs, ms, t_dec / iters, ms - t_dec / iters, (double)n / 1e3 / ms,
           instrs ? (ms - t_dec / iters) * 1e6 / (double)instrs : 0.0);
    free(b);
  }
  return 0;
}
