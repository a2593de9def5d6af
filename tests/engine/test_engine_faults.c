/*
** test_engine_faults.c: the engine when allocations and mappings fail,
** through tests/fault. For each import-free module of tests/engine/wat,
** every allocation of each stage is made to fail in turn: loading
** (decode, validate, translate), prepare, instantiate (and its memory
** mapping), and running every export. A failing stage must return NULL with
** "out of memory" (load, instantiate), NULL (prepare), or end the call in a
** trap; the next attempt must work; under ASan nothing leaks. Also:
** memory.grow when no mapping can be had, an image memfd that cannot be
** sized (file-size limit), a pooled slot whose image mapping cannot be
** remade, and rejected binaries whose error paths allocate (the body
** re-scan after a decode error, import tables bigger than an arena chunk).
*/
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "../test.h"
#include "exec_util.h"
#include "fault.h"
#include "wbuild.h"

static const char *const k_modules[] = {"exec", "fuse", "lib", "pool", "bigimage", "ownmem0"};
#define N_MODULES (sizeof k_modules / sizeof k_modules[0])
/* Loading needs no imports: these are swept there too. */
static const char *const k_importers[] = {"backcov", "host", "hostobj", "user", "segfail"};
#define N_LOADED (N_MODULES + sizeof k_importers / sizeof k_importers[0])

static const char *loaded(size_t i) {
  return i < N_MODULES ? k_modules[i] : k_importers[i - N_MODULES];
}

static uint8_t *read_bytes(const char *name, size_t *o_len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.wasm", WASM_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *o_len = (size_t)n;
  return b;
}

TEST(load_out_of_memory_sweep) {
  for (size_t i = 0; i < N_LOADED; i++) {
    size_t len;
    uint8_t *b = read_bytes(loaded(i), &len);
    REQUIRE(b);
    rusm_error err;
    fault_count_on();
    rusm_module *m = rusm_module_load(b, len, &err);
    uint64_t k = fault_seen(FAULT_ALLOC);
    fault_reset();
    REQUIRE(m);
    rusm_module_free(m);
    for (uint64_t n = 1; n <= k; n++) {
      fault_arm(FAULT_ALLOC, n, 0);
      memset(&err, 0, sizeof err);
      m = rusm_module_load(b, len, &err);
      fault_reset();
      CHECK(m == NULL);
      if (!strstr(err.reason, "out of memory"))
        fprintf(stderr, "  %s, allocation %llu: '%s'\n", loaded(i), (unsigned long long)n,
                err.reason);
      CHECK(strstr(err.reason, "out of memory") != NULL);
      rusm_module_free(m);
    }
    free(b);
  }
}

TEST(prepare_out_of_resources_sweep) {
  for (size_t i = 0; i < N_MODULES; i++) {
    rusm_module *m = eu_load(k_modules[i]);
    REQUIRE(m);
    rusm_error err;
    fault_count_on();
    rusm_prepared *p = rusm_prepare(m, NULL, 0, &err);
    uint64_t k = fault_seen(FAULT_ALLOC);
    fault_reset();
    REQUIRE(p);
    rusm_prepared_free(p);
    for (uint64_t n = 1; n <= k; n++) {
      fault_arm(FAULT_ALLOC, n, 0);
      p = rusm_prepare(m, NULL, 0, &err);
      fault_reset();
      CHECK(p == NULL);
      if (p) rusm_prepared_free(p);
    }
    /* Without a memfd a big image is simply not shared: instances still
    ** get its bytes. */
    fault_arm(FAULT_memfd_create, 1, 1);
    p = rusm_prepare(m, NULL, 0, &err);
    fault_reset();
    REQUIRE(p);
    rusm_instance_config cfg = {0};
    rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
    CHECK(inst != NULL);
    if (inst) rusm_instance_free(inst);
    rusm_prepared_free(p);
    rusm_module_free(m);
  }
}

/* Instantiates a fresh prepared module with allocation (or mapping) nth of
** `which` failing; returns the instance or NULL, *o_err set. */
static rusm_instance *inst_failing(rusm_prepared *p, fault_call which, uint64_t nth, bool sticky,
                                   rusm_error *o_err) {
  rusm_instance_config cfg = {0};
  fault_arm(which, nth, sticky);
  rusm_instance *inst = rusm_instantiate(p, &cfg, o_err);
  fault_reset();
  return inst;
}

TEST(instantiate_out_of_resources_sweep) {
  static const fault_call kinds[] = {FAULT_ALLOC, FAULT_mmap};
  for (size_t i = 0; i < N_MODULES; i++) {
    rusm_module *m = eu_load(k_modules[i]);
    REQUIRE(m);
    rusm_error err;
    for (size_t kd = 0; kd < 2; kd++) {
      rusm_prepared *p = rusm_prepare(m, NULL, 0, &err);
      REQUIRE(p);
      rusm_instance_config cfg = {0};
      fault_count_on();
      rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
      uint64_t k = fault_seen(kinds[kd]);
      fault_reset();
      REQUIRE(inst);
      rusm_instance_free(inst);
      rusm_prepared_free(p);
      for (uint64_t n = 1; n <= k; n++) {
        for (int sticky = 0; sticky < 2; sticky++) {
          p = rusm_prepare(m, NULL, 0, &err); /* a fresh pool each time */
          REQUIRE(p);
          memset(&err, 0, sizeof err);
          inst = inst_failing(p, kinds[kd], n, sticky, &err);
          /* A failed mapping may be retried smaller: then it still works. */
          if (!inst) {
            if (!err.reason[0])
              fprintf(stderr, "  %s, %s %llu: no reason\n", k_modules[i], kd ? "mmap" : "alloc",
                      (unsigned long long)n);
            CHECK(err.reason[0] != 0);
          } else {
            CHECK(kd == 1 || !sticky);
            rusm_instance_free(inst);
          }
          inst = rusm_instantiate(p, &cfg, &err);
          CHECK(inst != NULL);
          if (inst) rusm_instance_free(inst);
          rusm_prepared_free(p);
        }
      }
    }
    rusm_module_free(m);
  }
}

/* Calls every exported function of inst with zero arguments under a budget;
** returns how many ended in a trap. */
static int call_all(rusm_instance *inst, const rusm_module *m) {
  static const rusm_val zeros[32];
  int traps = 0;
  for (size_t e = 0; e < rusm_module_export_count(m); e++) {
    rusm_extern x;
    if (!rusm_instance_export_at(inst, e, &x) || x.kind != RUSM_EXTERN_FUNC) continue;
    rusm_functype t;
    rusm_func_type(x.u.func, &t);
    if (t.n_params > 32) continue;
    rusm_exec_status s = rusm_invoke(inst, x.u.func, zeros, 1u << 20);
    traps += s == RUSM_EXEC_TRAP;
  }
  return traps;
}

TEST(execution_out_of_memory_sweep) {
  for (size_t i = 0; i < N_MODULES; i++) {
    rusm_module *m = eu_load(k_modules[i]);
    REQUIRE(m);
    rusm_error err;
    rusm_prepared *p = rusm_prepare(m, NULL, 0, &err);
    REQUIRE(p);
    rusm_instance_config cfg = {0};
    rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
    REQUIRE(inst);
    rusm_run_start(inst, 1u << 20);
    int base = call_all(inst, m);
    rusm_instance_free(inst);
    /* A fresh instance (pools are per prepared module) per failing call. */
    rusm_prepared_free(p);
    p = rusm_prepare(m, NULL, 0, &err);
    inst = rusm_instantiate(p, &cfg, &err);
    REQUIRE(inst);
    rusm_run_start(inst, 1u << 20);
    fault_count_on();
    CHECK_EQ(call_all(inst, m), base);
    uint64_t k = fault_seen(FAULT_ALLOC);
    fault_reset();
    rusm_instance_free(inst);
    rusm_prepared_free(p);
    for (uint64_t n = 1; n <= k; n++) {
      p = rusm_prepare(m, NULL, 0, &err);
      inst = rusm_instantiate(p, &cfg, &err);
      REQUIRE(inst);
      rusm_run_start(inst, 1u << 20);
      fault_arm(FAULT_ALLOC, n, 0);
      int traps = call_all(inst, m);
      fault_reset();
      /* A call that could not get what it needed traps; the others ran. */
      CHECK(traps >= base);
      rusm_instance_free(inst);
      rusm_prepared_free(p);
    }
    rusm_module_free(m);
  }
}

/* The named module prepared with no imports (both owned by the caller, and
** released with release()); NULL if either step fails. */
static rusm_prepared *prepared(const char *name, rusm_module **o_m) {
  rusm_error err;
  *o_m = eu_load(name);
  return *o_m ? rusm_prepare(*o_m, NULL, 0, &err) : NULL;
}

static void release(rusm_module *m, rusm_prepared *p, rusm_instance *inst) {
  rusm_instance_free(inst);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

/* memory.grow maps a bigger region (or the exact size when the doubled
** one is refused); with no mapping at all it answers -1 and the memory
** keeps its size. */
TEST(grow_without_mappings) {
  rusm_module *m;
  rusm_prepared *p = prepared("ownmem0", &m);
  REQUIRE(p);
  rusm_error err;
  rusm_instance_config cfg = {0};
  rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
  REQUIRE(inst);
  fault_arm(FAULT_mmap, 1, 1);
  CHECK_EQ(eu_i32(inst, "grow", 1), -1);
  fault_reset();
  CHECK_EQ(eu_i32(inst, "grow", 0), 0);
  fault_arm(FAULT_mmap, 1, 0); /* the first try only: the exact size is mapped */
  CHECK_EQ(eu_i32(inst, "grow", 2), 0);
  CHECK_EQ(fault_failed(FAULT_mmap), 1);
  fault_reset();
  CHECK_EQ(eu_i32(inst, "grow", 0), 2);
  CHECK_EQ(eu_i32(inst, "grow", 1), 2);
  release(m, p, inst);
}

/* Under a file-size limit below the image the memfd cannot be sized: the
** image is then simply not shared, and instances still get its bytes. */
TEST(image_not_shared_under_a_file_size_limit) {
  rusm_module *m = eu_load("bigimage");
  REQUIRE(m);
  struct rlimit old, low;
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  low = (struct rlimit){4096, old.rlim_max};
  void (*was)(int) = signal(SIGXFSZ, SIG_IGN); /* else the limit kills us */
  REQUIRE(setrlimit(RLIMIT_FSIZE, &low) == 0);
  rusm_error err;
  rusm_prepared *p = rusm_prepare(m, NULL, 0, &err);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, was);
  REQUIRE(p);
  rusm_instance_config cfg = {0};
  rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
  REQUIRE(inst);
  CHECK_EQ(eu_i32(inst, "peek", 262144), 'Q');
  release(m, p, inst);
}

/* A slot whose memory grew out of its image mapping is refilled from the
** image bytes when the image cannot be mapped again. */
TEST(pool_reuse_when_the_image_cannot_be_mapped) {
  rusm_module *m;
  rusm_prepared *p = prepared("growimage", &m);
  REQUIRE(p);
  rusm_error err;
  rusm_instance_config cfg = {0};
  rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
  REQUIRE(inst);
  CHECK_EQ(eu_i32(inst, "peek", 262144), 'Q');
  CHECK_EQ(eu_i32(inst, "grow", 1), 5);
  rusm_instance_free(inst);
  fault_arm(FAULT_mmap, 1, 0);
  inst = rusm_instantiate(p, &cfg, &err);
  CHECK_EQ(fault_failed(FAULT_mmap), 1);
  fault_reset();
  REQUIRE(inst);
  CHECK_EQ(eu_i32(inst, "peek", 262144), 'Q');
  CHECK_EQ(eu_i32(inst, "grow", 0), 5); /* back to its initial size */
  release(m, p, inst);
}

/* When neither the image nor fresh memory can be mapped for such a slot,
** instantiation fails with "out of memory" (it used to start with no memory
** at all), and the slot works again once mapping does. */
TEST(pool_reuse_fails_cleanly_without_memory) {
  rusm_module *m;
  rusm_prepared *p = prepared("growimage", &m);
  REQUIRE(p);
  rusm_error err;
  rusm_instance_config cfg = {0};
  rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
  REQUIRE(inst);
  CHECK_EQ(eu_i32(inst, "grow", 1), 5);
  rusm_instance_free(inst);
  fault_arm(FAULT_mmap, 1, 1);
  memset(&err, 0, sizeof err);
  inst = rusm_instantiate(p, &cfg, &err);
  CHECK(inst == NULL);
  CHECK(strstr(err.reason, "out of memory") != NULL);
  fault_reset();
  rusm_instance_free(inst);
  inst = rusm_instantiate(p, &cfg, &err);
  REQUIRE(inst);
  CHECK_EQ(eu_i32(inst, "peek", 262144), 'Q');
  CHECK_EQ(eu_i32(inst, "grow", 0), 5);
  release(m, p, inst);
}

/* Loads bytes that are rejected anyway with each allocation failing in
** turn: every attempt fails with a reason, and the last (unfailed) one with
** the same reason as the first. Returns how many said "out of memory". */
static int rejected_load_sweep(const wbuf *b) {
  rusm_error err;
  CHECK(rusm_module_load(b->b, b->n, &err) == NULL);
  char reason[sizeof err.reason];
  snprintf(reason, sizeof reason, "%s", err.reason);
  CHECK(reason[0] != 0);
  fault_count_on();
  CHECK(rusm_module_load(b->b, b->n, &err) == NULL);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  int oom = 0;
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    memset(&err, 0, sizeof err);
    CHECK(rusm_module_load(b->b, b->n, &err) == NULL);
    fault_reset();
    CHECK(err.reason[0] != 0);
    oom += strstr(err.reason, "out of memory") != NULL;
  }
  CHECK(rusm_module_load(b->b, b->n, &err) == NULL);
  CHECK_STR(err.reason, reason);
  return oom;
}

/* When decoding fails after the code section, the bodies read so far are
** re-read syntactically (decode_scan.c) so that a malformed body would
** outrank the error; that pass needs memory too. */
TEST(rescan_after_a_decode_error_out_of_memory) {
  wbuf b;
  wb_init(&b);
  WB_SEC(&b, 1, "\x01\x60\x00\x00");
  WB_SEC(&b, 3, "\x01\x00");
  wb_code1(&b, "\x02\x40\x0b\x0b", 4); /* block end */
  WB_SEC(&b, 11, "\x01\x09");          /* a data segment of unknown kind */
  CHECK(rejected_load_sweep(&b) > 0);
}

/* An import section that claims 4000 entries gets its tables (bigger than
** an arena chunk) before the entries are read: they may not be had. */
TEST(big_import_tables_out_of_memory) {
  static char sec[2 + 4100];
  memcpy(sec, "\xa0\x1f", 2); /* 4000; then all-zero entries until the end */
  wbuf b;
  wb_init(&b);
  wb_sec(&b, 2, sec, sizeof sec);
  CHECK(rejected_load_sweep(&b) > 0);
}

TEST_MAIN(load_out_of_memory_sweep, prepare_out_of_resources_sweep,
          instantiate_out_of_resources_sweep, execution_out_of_memory_sweep, grow_without_mappings,
          image_not_shared_under_a_file_size_limit, pool_reuse_when_the_image_cannot_be_mapped,
          pool_reuse_fails_cleanly_without_memory, rescan_after_a_decode_error_out_of_memory,
          big_import_tables_out_of_memory)
