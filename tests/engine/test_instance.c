/*
** test_instance.c: instances from a pool (reuse sees pristine state),
** the memory.grow cap, cross-instance calls with shared memories, tables
** and globals, and the spec's segment-failure semantics.
*/
#include <pthread.h>

#include "../test.h"
#include "exec_util.h"

TEST(pool_reuse_is_pristine) {
  rusm_module *m = eu_load("pool");
  REQUIRE(m);
  rusm_prepared *p = rusm_prepare(m, NULL, 0, NULL);
  REQUIRE(p);
  rusm_instance *a = rusm_instantiate(p, NULL, NULL);
  REQUIRE(a);
  CHECK_EQ(eu_i32(a, "peek", 16), 0x6c6c6568); /* "hell" */
  CHECK_EQ(eu_i32(a, "get_g", 0), 7);
  CHECK_EQ(eu_i32(a, "is_null", 1), 0);
  CHECK_EQ(eu_i32(a, "is_null", 2), 1);
  CHECK_EQ(eu_call(a, "dirty", NULL, NULL), RUSM_EXEC_DONE);
  CHECK_EQ(eu_i32(a, "peek", 16), 0x41414141);
  CHECK_EQ(eu_i32(a, "peek", 60000), 9);
  CHECK_EQ(eu_i32(a, "get_g", 0), 99);
  CHECK_EQ(eu_i32(a, "is_null", 2), 0);
  CHECK_EQ(eu_i32(a, "size", 0), 3);
  rusm_instance_free(a);
  rusm_instance *b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b);
  CHECK(a == b); /* the slot was reused */
  CHECK_EQ(eu_i32(b, "peek", 16), 0x6c6c6568);
  CHECK_EQ(eu_i32(b, "peek", 60000), 0);
  CHECK_EQ(eu_i32(b, "get_g", 0), 7);
  CHECK_EQ(eu_i32(b, "is_null", 2), 1);
  CHECK_EQ(eu_i32(b, "is_null", 1), 0);
  CHECK_EQ(eu_i32(b, "size", 0), 1);
  /* Grown pages read as zero in the new life too. */
  CHECK_EQ(eu_i32(b, "grow", 2), 1);
  CHECK_EQ(eu_i32(b, "peek", 65536 + 100), 0);
  rusm_instance_free(b);
  /* Writes by the embedder through rusm_memory_data are reset too. */
  rusm_instance *c = rusm_instantiate(p, NULL, NULL);
  REQUIRE(c);
  uint64_t size;
  uint8_t *d = rusm_memory_data(rusm_instance_memory(c, 0), &size);
  REQUIRE(d && size == 65536);
  d[30000] = 7;
  d[16] = 'j';
  rusm_instance_free(c);
  c = rusm_instantiate(p, NULL, NULL);
  REQUIRE(c);
  CHECK_EQ(eu_i32(c, "peek", 30000), 0);
  CHECK_EQ(eu_i32(c, "peek", 16), 0x6c6c6568);
  /* ... and so are writes through the bounded view. */
  uint8_t *v = rusm_instance_mem(c, 40000, 4);
  REQUIRE(v);
  memcpy(v, "zzzz", 4);
  CHECK(rusm_instance_mem(c, 65534, 4) == NULL);
  CHECK_EQ(eu_i32(c, "peek", 40000), 0x7a7a7a7a);
  rusm_instance_free(c);
  c = rusm_instantiate(p, NULL, NULL);
  REQUIRE(c);
  CHECK_EQ(eu_i32(c, "peek", 40000), 0);
  rusm_instance_free(c);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

TEST(memory_grow_cap) {
  rusm_module *m = eu_load("pool");
  REQUIRE(m);
  rusm_prepared *p = rusm_prepare(m, NULL, 0, NULL);
  REQUIRE(p);
  rusm_instance_config cfg = {.max_memory_bytes = 3 * 65536};
  rusm_instance *in = rusm_instantiate(p, &cfg, NULL);
  REQUIRE(in);
  CHECK_EQ(eu_i32(in, "grow", 1), 1);
  CHECK_EQ(eu_i32(in, "grow", 2), -1); /* over the instance cap */
  CHECK_EQ(eu_i32(in, "grow", 1), 2);
  CHECK_EQ(eu_i32(in, "grow", 1), -1);
  CHECK_EQ(eu_i32(in, "size", 0), 3);
  CHECK_EQ(eu_i32(in, "peek", 3 * 65536 - 4), 0);
  CHECK_EQ(eu_i32(in, "peek", 3 * 65536 - 3), INT32_MIN); /* trapped */
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_MEMORY_OOB);
  rusm_instance_free(in);
  in = rusm_instantiate(p, NULL, NULL); /* module max is 8 pages */
  REQUIRE(in);
  CHECK_EQ(eu_i32(in, "grow", 7), 1);
  CHECK_EQ(eu_i32(in, "grow", 1), -1);
  rusm_instance_free(in);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

TEST(cross_instance) {
  rusm_module *lib = eu_load("lib"), *user = eu_load("user");
  REQUIRE(lib && user);
  rusm_prepared *plib = rusm_prepare(lib, NULL, 0, NULL);
  REQUIRE(plib);
  rusm_instance *li = rusm_instantiate(plib, NULL, NULL);
  REQUIRE(li);
  rusm_extern ex[4];
  CHECK(rusm_instance_export(li, "mem", &ex[0]));
  CHECK(rusm_instance_export(li, "counter", &ex[1]));
  CHECK(rusm_instance_export(li, "tab", &ex[2]));
  CHECK(rusm_instance_export(li, "bump", &ex[3]));
  rusm_error err;
  rusm_prepared *pu = rusm_prepare(user, ex, 4, &err);
  REQUIRE(pu);
  rusm_instance *ui = rusm_instantiate(pu, NULL, &err);
  REQUIRE(ui);
  CHECK_EQ(eu_i32(ui, "direct", 0), 1);   /* imported Wasm function: runs in lib */
  CHECK_EQ(eu_i32(ui, "mem0", 0), 1);     /* lib wrote its memory, user reads it */
  CHECK_EQ(eu_i32(ui, "indirect", 0), 2); /* lib's function through the shared table */
  CHECK_EQ(eu_i32(ui, "indirect", 1), 500);
  CHECK_EQ(eu_i32(ui, "counter", 0), 2); /* the shared global cell */
  CHECK_EQ(rusm_global_get(ex[1].u.global).i32, 2);
  CHECK_EQ(eu_i32(li, "bump", 0), 3);
  /* A trap inside lib, reached from user, names lib's function. */
  CHECK_EQ(eu_i32(ui, "indirect", 2), INT32_MIN);
  CHECK_EQ(rusm_last_trap(ui)->kind, RUSM_TRAP_UNINITIALIZED_ELEMENT);
  /* A wrong import type is refused at prepare. */
  rusm_extern bad[4] = {ex[0], ex[1], ex[2], ex[0]};
  CHECK(rusm_prepare(user, bad, 4, &err) == NULL);
  CHECK(strstr(err.reason, "incompatible import type") != NULL);
  rusm_instance_free(ui);
  rusm_prepared_free(pu);
  rusm_instance_free(li);
  rusm_prepared_free(plib);
  rusm_module_free(user);
  rusm_module_free(lib);
}

TEST(segment_failure) {
  rusm_module *lib = eu_load("lib"), *sf = eu_load("segfail");
  REQUIRE(lib && sf);
  rusm_prepared *plib = rusm_prepare(lib, NULL, 0, NULL);
  rusm_instance *li = plib ? rusm_instantiate(plib, NULL, NULL) : NULL;
  REQUIRE(li);
  rusm_extern ex[2];
  CHECK(rusm_instance_export(li, "mem", &ex[0]));
  CHECK(rusm_instance_export(li, "tab", &ex[1]));
  rusm_error err;
  rusm_prepared *p = rusm_prepare(sf, ex, 2, &err);
  REQUIRE(p);
  CHECK(rusm_instantiate(p, NULL, &err) == NULL);
  CHECK_STR(err.reason, "out of bounds memory access");
  uint64_t size;
  uint8_t *mem = rusm_memory_data(ex[0].u.memory, &size);
  CHECK_EQ(size, 65536);
  CHECK(memcmp(mem + 100, "ab", 2) == 0); /* earlier segment stays written */
  CHECK(ex[1].u.table != NULL);
  /* ... and so does the element segment: lib's table slot 2 calls $seven. */
  rusm_module *user = eu_load("user");
  REQUIRE(user);
  rusm_extern ux[4];
  CHECK(rusm_instance_export(li, "mem", &ux[0]));
  CHECK(rusm_instance_export(li, "counter", &ux[1]));
  CHECK(rusm_instance_export(li, "tab", &ux[2]));
  CHECK(rusm_instance_export(li, "bump", &ux[3]));
  rusm_prepared *pu = rusm_prepare(user, ux, 4, &err);
  rusm_instance *ui = pu ? rusm_instantiate(pu, NULL, &err) : NULL;
  REQUIRE(ui);
  CHECK_EQ(eu_i32(ui, "indirect", 2), 7);
  rusm_instance_free(ui);
  rusm_prepared_free(pu);
  rusm_module_free(user);
  rusm_prepared_free(p);
  rusm_instance_free(li);
  rusm_prepared_free(plib);
  rusm_module_free(sf);
  rusm_module_free(lib);
}

/* Several threads take and return slots of one pool at once. */
static rusm_prepared *g_tp;
static void *pool_worker(void *arg) {
  long *bad = arg;
  for (int i = 0; i < 2000; i++) {
    rusm_instance *in = rusm_instantiate(g_tp, NULL, NULL);
    if (!in) {
      (*bad)++;
      continue;
    }
    if (eu_i32(in, "get_g", 0) != 7 || eu_i32(in, "peek", 60000) != 0) (*bad)++;
    if (eu_call(in, "dirty", NULL, NULL) != RUSM_EXEC_DONE) (*bad)++;
    rusm_instance_free(in);
  }
  return NULL;
}

TEST(pool_threads) {
  rusm_module *m = eu_load("pool");
  REQUIRE(m);
  g_tp = rusm_prepare(m, NULL, 0, NULL);
  REQUIRE(g_tp);
  pthread_t th[4];
  long bad[4] = {0};
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, pool_worker, &bad[i]);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 4; i++) CHECK_EQ(bad[i], 0);
  rusm_prepared_free(g_tp);
  rusm_module_free(m);
}

TEST(host_objects) {
  rusm_module *m = eu_load("hostobj");
  REQUIRE(m);
  CHECK_EQ(rusm_module_import_count(m), 4);
  const char *mod, *name;
  rusm_externtype ty;
  rusm_module_import(m, 0, &mod, &name, &ty);
  CHECK_STR(mod, "env");
  CHECK_STR(name, "tab");
  CHECK_EQ(ty.kind, RUSM_EXTERN_TABLE);
  CHECK_EQ(ty.table.elem, RUSM_EXTERNREF);
  rusm_module_import(m, 1, &mod, &name, &ty);
  CHECK_EQ(ty.kind, RUSM_EXTERN_MEMORY);
  CHECK_EQ(ty.memory.max, 2);
  CHECK(rusm_module_find_export(m, "own") >= 0);
  CHECK_EQ(rusm_module_find_export(m, "nope"), -1);
  long e = rusm_module_find_export(m, "store");
  rusm_module_export(m, (size_t)e, &name, &ty);
  CHECK_STR(name, "store");
  CHECK_EQ(ty.func.n_params, 2);

  rusm_table *tab = rusm_table_new(RUSM_EXTERNREF, (rusm_limits){2, 4});
  rusm_memory *mem = rusm_memory_new((rusm_limits){1, 2});
  rusm_global *g = rusm_global_new(RUSM_I64, false, (rusm_val){.i64 = -5});
  rusm_global *gm = rusm_global_new(RUSM_F32, true, (rusm_val){.f32_bits = 0});
  rusm_extern ex[4] = {{RUSM_EXTERN_TABLE, {.table = tab}},
                       {RUSM_EXTERN_MEMORY, {.memory = mem}},
                       {RUSM_EXTERN_GLOBAL, {.global = g}},
                       {RUSM_EXTERN_GLOBAL, {.global = gm}}};
  rusm_error err;
  rusm_prepared *p = rusm_prepare(m, ex, 4, &err);
  REQUIRE(p);
  rusm_instance *in = rusm_instantiate(p, NULL, &err);
  REQUIRE(in);
  int token;
  rusm_val args[2] = {{.i32 = 1}, {.ref = &token}}, r;
  CHECK_EQ(eu_call(in, "set_ref", args, NULL), RUSM_EXEC_DONE);
  CHECK_EQ(eu_call(in, "get_ref", args, &r), RUSM_EXEC_DONE);
  CHECK(r.ref == &token);
  args[0].i32 = 2;
  CHECK_EQ(eu_call(in, "get_ref", args, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_TABLE_OOB);
  CHECK_EQ(eu_i32(in, "grow_tab", 2), 2);
  CHECK_EQ(eu_i32(in, "grow_tab", 1), -1); /* the table's max is 4 */
  CHECK_EQ(eu_call(in, "own", NULL, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i64, -5);
  args[0].f32_bits = 0x40490fdbu;
  CHECK_EQ(eu_call(in, "set_gm", args, NULL), RUSM_EXEC_DONE);
  CHECK_EQ(rusm_global_get(gm).f32_bits, 0x40490fdbu);
  args[0].i32 = 8, args[1].i32 = 0x01020304;
  CHECK_EQ(eu_call(in, "store", args, NULL), RUSM_EXEC_DONE);
  uint64_t size;
  uint8_t *d = rusm_memory_data(mem, &size);
  CHECK(d[8] == 4 && d[11] == 1);
  /* A mismatched import is refused: a mutable global where an immutable one is wanted. */
  rusm_extern bad[4] = {ex[0], ex[1], ex[3], ex[3]};
  CHECK(rusm_prepare(m, bad, 4, &err) == NULL);
  CHECK(rusm_prepare(m, ex, 3, &err) == NULL); /* too few */
  rusm_instance_free(in);
  rusm_prepared_free(p);
  rusm_table_free(tab);
  rusm_memory_free(mem);
  rusm_global_free(g);
  rusm_global_free(gm);
  rusm_module_free(m);
}

TEST_MAIN(pool_reuse_is_pristine, host_objects, memory_grow_cap, cross_instance, segment_failure,
          pool_threads)
