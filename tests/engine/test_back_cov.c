/*
** test_back_cov.c: the engine's public API at its edges: rusm_prepare's
** import checks and their texts, module and instance queries, standalone
** objects, the execution state after every status, host-call misuse,
** budget and epoch yields at every kind of back-edge and call, a small
** configured call depth, the memory cap, own memories across pool reuse,
** and instantiation/prepare falling back when a resource is refused.
*/
#include <string.h>
#include <sys/resource.h>

#include "../test.h"
#include "exec_util.h"

static const rusm_valtype k_i32[] = {RUSM_I32};

typedef struct {
  int calls;
  int mode; /* 0: add 100, 1: trap with a long message, 2: suspend */
  int32_t seen_mem;
  rusm_instance *seen_inst;
} host_env;

static rusm_host_status host_fn(rusm_call *call, void *env, const rusm_val *args,
                                rusm_val *o_results) {
  host_env *h = env;
  h->calls++;
  h->seen_inst = rusm_call_instance(call);
  uint8_t *m = rusm_call_mem(call, 8, 4);
  h->seen_mem = m ? m[0] : -1;
  if (rusm_call_mem(call, 65535, 2) != NULL) h->seen_mem = -2; /* must be out of bounds */
  if (h->mode == 1) {
    char msg[300];
    memset(msg, 'x', sizeof msg - 1);
    msg[sizeof msg - 1] = 0;
    memcpy(msg, "too long", 8);
    rusm_call_trap(call, msg);
    return RUSM_HOST_TRAP;
  }
  if (h->mode == 2) return RUSM_HOST_SUSPEND;
  o_results[0].i32 = args[0].i32 + 100;
  return RUSM_HOST_OK;
}

/* The four imports of backcov.wat, all well typed. */
typedef struct {
  host_env env;
  rusm_func *host;
  rusm_table *tab;
  rusm_memory *mem;
  rusm_global *g;
  rusm_extern ex[4];
} imports;

static void imports_init(imports *im) {
  memset(im, 0, sizeof *im);
  rusm_functype ft = {1, 1, k_i32, k_i32};
  im->host = rusm_func_new_host(&ft, host_fn, &im->env);
  im->tab = rusm_table_new(RUSM_FUNCREF, (rusm_limits){2, 10});
  im->mem = rusm_memory_new((rusm_limits){1, 4});
  im->g = rusm_global_new(RUSM_I32, false, (rusm_val){.i32 = 42});
  im->ex[0] = (rusm_extern){RUSM_EXTERN_FUNC, {.func = im->host}};
  im->ex[1] = (rusm_extern){RUSM_EXTERN_TABLE, {.table = im->tab}};
  im->ex[2] = (rusm_extern){RUSM_EXTERN_MEMORY, {.memory = im->mem}};
  im->ex[3] = (rusm_extern){RUSM_EXTERN_GLOBAL, {.global = im->g}};
}

static void imports_free(imports *im) {
  rusm_func_free(im->host);
  rusm_table_free(im->tab);
  rusm_memory_free(im->mem);
  rusm_global_free(im->g);
}

/* rusm_prepare with ex[i] replaced by bad; returns whether it failed with
** the incompatible-import text naming import i. */
static bool prepare_rejects(rusm_module *m, const imports *im, size_t i, rusm_extern bad) {
  rusm_extern ex[4];
  memcpy(ex, im->ex, sizeof ex);
  ex[i] = bad;
  rusm_error err;
  memset(&err, 0, sizeof err);
  rusm_prepared *p = rusm_prepare(m, ex, 4, &err);
  if (p) {
    rusm_prepared_free(p);
    return false;
  }
  static const char *const names[] = {"env.host", "env.tab", "env.mem", "env.g"};
  char want[100];
  snprintf(want, sizeof want, "incompatible import type (import %zu: %s)", i, names[i]);
  if (strcmp(err.reason, want) != 0 || strcmp(err.section, "import") != 0) {
    fprintf(stderr, "  got '%s' in '%s', want '%s'\n", err.reason, err.section, want);
    return false;
  }
  return true;
}

TEST(prepare_import_errors) {
  rusm_module *m = eu_load("backcov");
  REQUIRE(m);
  imports im;
  imports_init(&im);
  rusm_error err;
  memset(&err, 0, sizeof err);
  CHECK(rusm_prepare(m, im.ex, 3, &err) == NULL);
  CHECK_STR(err.reason, "unknown import (4 needed, 3 given)");
  CHECK_STR(err.section, "import");
  CHECK(rusm_prepare(m, NULL, 0, NULL) == NULL); /* o_err may be NULL */

  /* Wrong kinds. */
  CHECK(prepare_rejects(m, &im, 0, im.ex[3]));
  CHECK(prepare_rejects(m, &im, 1, im.ex[2]));
  CHECK(prepare_rejects(m, &im, 2, im.ex[1]));
  CHECK(prepare_rejects(m, &im, 3, im.ex[0]));
  /* NULL objects of the right kind. */
  for (size_t i = 0; i < 4; i++) {
    rusm_extern e = {im.ex[i].kind, {.func = NULL}};
    CHECK(prepare_rejects(m, &im, i, e));
  }
  /* Functions: wrong result count, wrong param type. */
  rusm_functype f0 = {1, 0, k_i32, NULL};
  rusm_func *h0 = rusm_func_new_host(&f0, host_fn, NULL);
  static const rusm_valtype k_i64[] = {RUSM_I64};
  rusm_functype f1 = {1, 1, k_i64, k_i32};
  rusm_func *h1 = rusm_func_new_host(&f1, host_fn, NULL);
  rusm_functype f2 = {1, 1, k_i32, k_i64};
  rusm_func *h2 = rusm_func_new_host(&f2, host_fn, NULL);
  CHECK(prepare_rejects(m, &im, 0, (rusm_extern){RUSM_EXTERN_FUNC, {.func = h0}}));
  CHECK(prepare_rejects(m, &im, 0, (rusm_extern){RUSM_EXTERN_FUNC, {.func = h1}}));
  CHECK(prepare_rejects(m, &im, 0, (rusm_extern){RUSM_EXTERN_FUNC, {.func = h2}}));
  /* Tables: element type, too small, no max, max too big. */
  rusm_table *t_ext = rusm_table_new(RUSM_EXTERNREF, (rusm_limits){2, 10});
  rusm_table *t_small = rusm_table_new(RUSM_FUNCREF, (rusm_limits){1, 10});
  rusm_table *t_nomax = rusm_table_new(RUSM_FUNCREF, (rusm_limits){2, UINT64_MAX});
  rusm_table *t_big = rusm_table_new(RUSM_FUNCREF, (rusm_limits){3, 11});
  rusm_table *t_ok = rusm_table_new(RUSM_FUNCREF, (rusm_limits){5, 5});
  CHECK(prepare_rejects(m, &im, 1, (rusm_extern){RUSM_EXTERN_TABLE, {.table = t_ext}}));
  CHECK(prepare_rejects(m, &im, 1, (rusm_extern){RUSM_EXTERN_TABLE, {.table = t_small}}));
  CHECK(prepare_rejects(m, &im, 1, (rusm_extern){RUSM_EXTERN_TABLE, {.table = t_nomax}}));
  CHECK(prepare_rejects(m, &im, 1, (rusm_extern){RUSM_EXTERN_TABLE, {.table = t_big}}));
  CHECK(!prepare_rejects(m, &im, 1, (rusm_extern){RUSM_EXTERN_TABLE, {.table = t_ok}}));
  /* Memories: too small, no max, max too big; a bigger min within max is fine. */
  rusm_memory *m_small = rusm_memory_new((rusm_limits){0, 4});
  rusm_memory *m_nomax = rusm_memory_new((rusm_limits){1, UINT64_MAX});
  rusm_memory *m_big = rusm_memory_new((rusm_limits){1, 5});
  rusm_memory *m_ok = rusm_memory_new((rusm_limits){2, 3});
  REQUIRE(m_small && m_nomax && m_big && m_ok);
  CHECK(prepare_rejects(m, &im, 2, (rusm_extern){RUSM_EXTERN_MEMORY, {.memory = m_small}}));
  CHECK(prepare_rejects(m, &im, 2, (rusm_extern){RUSM_EXTERN_MEMORY, {.memory = m_nomax}}));
  CHECK(prepare_rejects(m, &im, 2, (rusm_extern){RUSM_EXTERN_MEMORY, {.memory = m_big}}));
  CHECK(!prepare_rejects(m, &im, 2, (rusm_extern){RUSM_EXTERN_MEMORY, {.memory = m_ok}}));
  /* Globals: type, mutability. */
  rusm_global *g_i64 = rusm_global_new(RUSM_I64, false, (rusm_val){.i64 = 1});
  rusm_global *g_mut = rusm_global_new(RUSM_I32, true, (rusm_val){.i32 = 1});
  CHECK(prepare_rejects(m, &im, 3, (rusm_extern){RUSM_EXTERN_GLOBAL, {.global = g_i64}}));
  CHECK(prepare_rejects(m, &im, 3, (rusm_extern){RUSM_EXTERN_GLOBAL, {.global = g_mut}}));

  /* The good set links, and extra imports beyond the module's are ignored. */
  rusm_extern five[5];
  memcpy(five, im.ex, sizeof im.ex);
  five[4] = im.ex[0];
  rusm_prepared *p = rusm_prepare(m, five, 5, &err);
  REQUIRE(p);
  rusm_prepared_free(p);

  rusm_func_free(h0);
  rusm_func_free(h1);
  rusm_func_free(h2);
  rusm_table_free(t_ext);
  rusm_table_free(t_small);
  rusm_table_free(t_nomax);
  rusm_table_free(t_big);
  rusm_table_free(t_ok);
  rusm_memory_free(m_small);
  rusm_memory_free(m_nomax);
  rusm_memory_free(m_big);
  rusm_memory_free(m_ok);
  rusm_global_free(g_i64);
  rusm_global_free(g_mut);
  imports_free(&im);
  rusm_module_free(m);
}

TEST(module_queries) {
  rusm_module *m = eu_load("backcov");
  REQUIRE(m);
  REQUIRE(rusm_module_import_count(m) == 4);
  const char *mod, *name;
  rusm_externtype t;
  rusm_module_import(m, 0, &mod, &name, &t);
  CHECK_STR(mod, "env");
  CHECK_STR(name, "host");
  CHECK_EQ(t.kind, RUSM_EXTERN_FUNC);
  CHECK_EQ(t.func.n_params, 1);
  CHECK_EQ(t.func.n_results, 1);
  CHECK_EQ(t.func.params[0], RUSM_I32);
  rusm_module_import(m, 1, NULL, NULL, &t);
  CHECK_EQ(t.kind, RUSM_EXTERN_TABLE);
  CHECK_EQ(t.table.elem, RUSM_FUNCREF);
  CHECK_EQ(t.table.limits.min, 2);
  CHECK_EQ(t.table.limits.max, 10);
  rusm_module_import(m, 2, NULL, &name, &t);
  CHECK_STR(name, "mem");
  CHECK_EQ(t.kind, RUSM_EXTERN_MEMORY);
  CHECK_EQ(t.memory.min, 1);
  CHECK_EQ(t.memory.max, 4);
  rusm_module_import(m, 3, NULL, NULL, &t);
  CHECK_EQ(t.kind, RUSM_EXTERN_GLOBAL);
  CHECK_EQ(t.global.type, RUSM_I32);
  CHECK(!t.global.mutable_);
  rusm_module_import(m, 3, NULL, NULL, NULL);

  long i = rusm_module_find_export(m, "mg");
  REQUIRE(i >= 0);
  rusm_module_export(m, (size_t)i, &name, &t);
  CHECK_STR(name, "mg");
  CHECK_EQ(t.kind, RUSM_EXTERN_GLOBAL);
  CHECK_EQ(t.global.type, RUSM_I64);
  CHECK(t.global.mutable_);
  i = rusm_module_find_export(m, "tab");
  REQUIRE(i >= 0);
  rusm_module_export(m, (size_t)i, NULL, &t);
  CHECK_EQ(t.kind, RUSM_EXTERN_TABLE);
  i = rusm_module_find_export(m, "mem");
  REQUIRE(i >= 0);
  rusm_module_export(m, (size_t)i, NULL, &t);
  CHECK_EQ(t.kind, RUSM_EXTERN_MEMORY);
  CHECK_EQ(t.memory.max, 4);
  i = rusm_module_find_export(m, "rec");
  REQUIRE(i >= 0);
  rusm_module_export(m, (size_t)i, &name, NULL);
  CHECK_STR(name, "rec");
  CHECK_EQ(rusm_module_find_export(m, "nope"), -1);
  CHECK_EQ(rusm_module_find_export(m, ""), -1);
  CHECK(rusm_module_export_count(m) > 10);
  rusm_module_free(m);
  rusm_module_free(NULL);
}

TEST(trap_names_and_format) {
  CHECK_STR(rusm_trap_name(RUSM_TRAP_HOST), "host trap");
  CHECK_STR(rusm_trap_name((rusm_trap_kind)99), "unknown trap");
  rusm_trap t = {RUSM_TRAP_HOST, 3, NULL, "bad fd"};
  char buf[64];
  CHECK_STR(rusm_trap_format(&t, buf, sizeof buf), "bad fd in function #3");
  t.host_msg[0] = 0;
  CHECK_STR(rusm_trap_format(&t, buf, sizeof buf), "host trap in function #3");
  t = (rusm_trap){RUSM_TRAP_DIV_ZERO, UINT32_MAX, NULL, ""};
  CHECK_STR(rusm_trap_format(&t, buf, sizeof buf), "integer divide by zero");
  t.func_name = "f";
  CHECK_STR(rusm_trap_format(&t, buf, 12), "integer div"); /* truncated to cap */
}

TEST(standalone_objects) {
  CHECK(rusm_memory_new((rusm_limits){5, 4}) == NULL);         /* min over max */
  CHECK(rusm_memory_new((rusm_limits){70000, 70000}) == NULL); /* over 4 GiB */
  rusm_memory *m0 = rusm_memory_new((rusm_limits){0, 0});
  REQUIRE(m0);
  uint64_t size = 1;
  CHECK(rusm_memory_data(m0, &size) == NULL);
  CHECK_EQ(size, 0);
  rusm_memory_free(m0);
  rusm_memory_free(NULL);
  rusm_memory *m1 = rusm_memory_new((rusm_limits){1, UINT64_MAX});
  REQUIRE(m1);
  CHECK(rusm_memory_data(m1, NULL) != NULL);
  rusm_memory_free(m1);

  CHECK(rusm_table_new(RUSM_FUNCREF, (rusm_limits){20000000, UINT64_MAX}) == NULL);
  rusm_table *t0 = rusm_table_new(RUSM_EXTERNREF, (rusm_limits){0, 0});
  REQUIRE(t0);
  rusm_table_free(t0);
  rusm_table_free(NULL);

  rusm_val v;
  rusm_global *g = rusm_global_new(RUSM_I32, true, (rusm_val){.i32 = -7});
  v = rusm_global_get(g);
  CHECK_EQ(v.i32, -7);
  rusm_global_free(g);
  g = rusm_global_new(RUSM_I64, false, (rusm_val){.i64 = INT64_MIN});
  v = rusm_global_get(g);
  CHECK(v.i64 == INT64_MIN);
  rusm_global_free(g);
  g = rusm_global_new(RUSM_F32, false, (rusm_val){.f32_bits = 0x7fc00001u});
  v = rusm_global_get(g);
  CHECK_EQ(v.f32_bits, 0x7fc00001u); /* NaN payload kept */
  rusm_global_free(g);
  g = rusm_global_new(RUSM_F64, false, (rusm_val){.f64_bits = 0xfff0000000000001ull});
  v = rusm_global_get(g);
  CHECK(v.f64_bits == 0xfff0000000000001ull);
  rusm_global_free(g);
  rusm_val vv = {.v128 = {0x0123456789abcdefull, 0xfedcba9876543210ull}};
  g = rusm_global_new(RUSM_V128, false, vv);
  v = rusm_global_get(g);
  CHECK(v.v128[0] == vv.v128[0] && v.v128[1] == vv.v128[1]);
  rusm_global_free(g);
  int cookie;
  g = rusm_global_new(RUSM_EXTERNREF, false, (rusm_val){.ref = &cookie});
  v = rusm_global_get(g);
  CHECK(v.ref == &cookie);
  rusm_global_free(g);
  g = rusm_global_new(RUSM_FUNCREF, true, (rusm_val){.ref = NULL});
  v = rusm_global_get(g);
  CHECK(v.ref == NULL);
  rusm_global_free(g);

  /* Host functions copy their type; a type with no params or results. */
  rusm_functype empty = {0, 0, NULL, NULL};
  rusm_func *f = rusm_func_new_host(&empty, host_fn, NULL);
  REQUIRE(f);
  rusm_functype got;
  rusm_func_type(f, &got);
  CHECK_EQ(got.n_params, 0);
  CHECK_EQ(got.n_results, 0);
  rusm_func_free(f);
  rusm_func_free(NULL);
}

/* A prepared backcov instance with the good imports. */
typedef struct {
  rusm_module *m;
  imports im;
  rusm_prepared *p;
  rusm_instance *in;
} rig;

static bool rig_up(rig *r, const rusm_instance_config *cfg) {
  memset(r, 0, sizeof *r);
  r->m = eu_load("backcov");
  if (!r->m) return false;
  imports_init(&r->im);
  r->p = rusm_prepare(r->m, r->im.ex, 4, NULL);
  r->in = r->p ? rusm_instantiate(r->p, cfg, NULL) : NULL;
  return r->in != NULL;
}

static void rig_down(rig *r) {
  rusm_instance_free(r->in);
  rusm_prepared_free(r->p);
  imports_free(&r->im);
  rusm_module_free(r->m);
}

TEST(instance_queries) {
  int user;
  rusm_instance_config cfg = {.user = &user};
  rig r;
  REQUIRE(rig_up(&r, &cfg));
  CHECK(rusm_instance_user(r.in) == &user);
  CHECK(rusm_instance_module(r.in) == r.m);
  rusm_extern e;
  size_t n = rusm_module_export_count(r.m);
  CHECK(!rusm_instance_export_at(r.in, n, &e));
  CHECK(!rusm_instance_export(r.in, "nope", &e));
  int kinds[4] = {0};
  for (size_t i = 0; i < n; i++) {
    REQUIRE(rusm_instance_export_at(r.in, i, &e));
    kinds[e.kind]++;
  }
  CHECK_EQ(kinds[RUSM_EXTERN_TABLE], 1);
  CHECK_EQ(kinds[RUSM_EXTERN_MEMORY], 1);
  CHECK_EQ(kinds[RUSM_EXTERN_GLOBAL], 2);
  REQUIRE(rusm_instance_export(r.in, "tab", &e));
  CHECK(e.kind == RUSM_EXTERN_TABLE && e.u.table == r.im.tab);
  REQUIRE(rusm_instance_export(r.in, "mem", &e));
  CHECK(e.kind == RUSM_EXTERN_MEMORY && e.u.memory == r.im.mem);
  REQUIRE(rusm_instance_export(r.in, "g", &e));
  CHECK(e.kind == RUSM_EXTERN_GLOBAL && e.u.global == r.im.g);
  CHECK(rusm_instance_memory(r.in, 0) == r.im.mem);
  CHECK(rusm_instance_memory(r.in, 1) == NULL);
  /* A global export's value is live. */
  REQUIRE(rusm_instance_export(r.in, "mg", &e));
  CHECK(rusm_global_get(e.u.global).i64 == -5);
  rusm_val a = {.i64 = 1234567890123ll};
  CHECK_EQ(eu_call(r.in, "set_mg", &a, NULL), RUSM_EXEC_DONE);
  CHECK(rusm_global_get(e.u.global).i64 == 1234567890123ll);
  CHECK_EQ(eu_i32(r.in, "get_g", 0), 42);
  /* The instance writes the imported memory; the embedder sees it. */
  uint8_t *d = rusm_instance_mem(r.in, 65532, 4);
  CHECK(d != NULL);
  CHECK(rusm_instance_mem(r.in, 65533, 4) == NULL);
  CHECK(rusm_instance_mem(r.in, 70000, 0) == NULL);
  rig_down(&r);
}

TEST(status_after_each_outcome) {
  rig r;
  REQUIRE(rig_up(&r, NULL));
  /* No start function: DONE, no results written. */
  rusm_val res = {.i32 = 77};
  CHECK_EQ(rusm_run_start(r.in, 10), RUSM_EXEC_DONE);
  rusm_results(r.in, &res);
  CHECK_EQ(res.i32, 77);
  CHECK_EQ(rusm_last_trap(r.in)->kind, RUSM_TRAP_NONE);
  CHECK_EQ(rusm_continue(r.in, 10), RUSM_EXEC_DONE); /* idle: nothing to run */
  CHECK(rusm_suspended_args(r.in) == NULL);

  /* DONE: results, no trap. */
  CHECK_EQ(eu_i32(r.in, "inc", 4), 5);
  CHECK_EQ(rusm_last_trap(r.in)->kind, RUSM_TRAP_NONE);
  CHECK_EQ(rusm_continue(r.in, 10), RUSM_EXEC_DONE);
  rusm_results(r.in, &res);
  CHECK_EQ(res.i32, 5); /* still the last call's */

  /* TRAP: kind and function name; continue and resume_host keep saying TRAP. */
  CHECK_EQ(eu_call(r.in, "trap", NULL, NULL), RUSM_EXEC_TRAP);
  const rusm_trap *t = rusm_last_trap(r.in);
  CHECK_EQ(t->kind, RUSM_TRAP_UNREACHABLE);
  CHECK_STR(t->func_name, "trap");
  CHECK_EQ(rusm_continue(r.in, 10), RUSM_EXEC_TRAP);
  rusm_val dummy = {0};
  CHECK_EQ(rusm_resume_host(r.in, &dummy, 10), RUSM_EXEC_TRAP);
  CHECK(rusm_suspended_args(r.in) == NULL);

  /* An undefined element in an imported table. */
  rusm_val arg = {.i32 = 1};
  CHECK_EQ(eu_call(r.in, "call_tab0", &arg, NULL), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(r.in)->kind, RUSM_TRAP_UNINITIALIZED_ELEMENT);
  arg.i32 = 2;
  CHECK_EQ(eu_call(r.in, "call_tab0", &arg, NULL), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(r.in)->kind, RUSM_TRAP_UNDEFINED_ELEMENT);
  /* The active segment wrote the imported table. */
  CHECK_EQ(eu_call(r.in, "call_tab0", &(rusm_val){.i32 = 0}, &res), RUSM_EXEC_DONE);
  CHECK_EQ(res.i32, 1);
  /* A host function through call_indirect. */
  CHECK_EQ(eu_call(r.in, "set_host", NULL, NULL), RUSM_EXEC_DONE);
  CHECK_EQ(eu_call(r.in, "call_tab0", &(rusm_val){.i32 = 1}, &res), RUSM_EXEC_DONE);
  CHECK_EQ(res.i32, 100);
  rig_down(&r);
}

TEST(host_calls_direct_and_nested) {
  rig r;
  REQUIRE(rig_up(&r, NULL));
  rusm_val res = {0}, arg = {.i32 = 5};
  rusm_memory_data(r.im.mem, NULL)[8] = 9;
  /* A host function invoked directly (no Wasm frame). */
  CHECK_EQ(rusm_invoke(r.in, r.im.host, &arg, 0), RUSM_EXEC_DONE);
  rusm_results(r.in, &res);
  CHECK_EQ(res.i32, 105);
  CHECK(r.im.env.seen_inst == r.in);
  CHECK_EQ(r.im.env.seen_mem, 9);
  /* ... trapping: the host's message, cut to fit. */
  r.im.env.mode = 1;
  CHECK_EQ(rusm_invoke(r.in, r.im.host, &arg, 0), RUSM_EXEC_TRAP);
  const rusm_trap *t = rusm_last_trap(r.in);
  CHECK_EQ(t->kind, RUSM_TRAP_HOST);
  CHECK_EQ(strlen(t->host_msg), sizeof t->host_msg - 1);
  CHECK(strncmp(t->host_msg, "too long", 8) == 0);
  CHECK(t->func_name == NULL);
  CHECK_EQ(t->func_index, UINT32_MAX);
  /* ... suspending: the args are visible, resume finishes with the results. */
  r.im.env.mode = 2;
  arg.i32 = 6;
  CHECK_EQ(rusm_invoke(r.in, r.im.host, &arg, 0), RUSM_EXEC_SUSPEND);
  const rusm_val *sa = rusm_suspended_args(r.in);
  REQUIRE(sa);
  CHECK_EQ(sa[0].i32, 6);
  CHECK_EQ(rusm_continue(r.in, 10), RUSM_EXEC_SUSPEND); /* continue cannot skip the host */
  rusm_val back = {.i32 = -1};
  CHECK_EQ(rusm_resume_host(r.in, &back, 0), RUSM_EXEC_DONE);
  rusm_results(r.in, &res);
  CHECK_EQ(res.i32, -1);
  CHECK(rusm_suspended_args(r.in) == NULL);
  /* resume_host when nothing is suspended: like continue (DONE here). */
  CHECK_EQ(rusm_resume_host(r.in, &back, 10), RUSM_EXEC_DONE);

  /* From Wasm: three nested host calls, suspended at each. */
  arg.i32 = 1;
  int before = r.im.env.calls;
  CHECK_EQ(eu_call(r.in, "calls_host", &arg, NULL), RUSM_EXEC_SUSPEND);
  for (int k = 0; k < 2; k++) {
    sa = rusm_suspended_args(r.in);
    REQUIRE(sa);
    back.i32 = sa[0].i32 * 10;
    CHECK_EQ(rusm_resume_host(r.in, &back, UINT32_MAX), RUSM_EXEC_SUSPEND);
  }
  sa = rusm_suspended_args(r.in);
  REQUIRE(sa);
  CHECK_EQ(sa[0].i32, 100);
  back.i32 = sa[0].i32 + 1;
  CHECK_EQ(rusm_resume_host(r.in, &back, UINT32_MAX), RUSM_EXEC_DONE);
  rusm_results(r.in, &res);
  CHECK_EQ(res.i32, 101);
  CHECK_EQ(r.im.env.calls - before, 3);
  /* A trap from a nested host call names no Wasm function of the host. */
  r.im.env.mode = 1;
  CHECK_EQ(eu_call(r.in, "calls_host", &arg, NULL), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(r.in)->kind, RUSM_TRAP_HOST);
  CHECK_STR(rusm_last_trap(r.in)->func_name, "calls_host");
  r.im.env.mode = 0;
  CHECK_EQ(eu_i32(r.in, "calls_host", 1), 301);
  rig_down(&r);
}

/* Runs export name(arg) with budget 1 per slice; returns how many YIELDs it
** took to finish, or -1 if it did not finish with want. */
static int slices_to_finish(rusm_instance *in, const char *name, const rusm_val *arg,
                            int32_t want) {
  rusm_func *f = eu_func(in, name);
  if (!f) return -1;
  int yields = 0;
  rusm_exec_status s = rusm_invoke(in, f, arg, 1);
  while (s == RUSM_EXEC_YIELD && yields < 100000) {
    yields++;
    s = rusm_continue(in, 1);
  }
  rusm_val res = {0};
  if (s != RUSM_EXEC_DONE) return -1;
  rusm_results(in, &res);
  return res.i32 == want ? yields : -1;
}

TEST(budget_yields_everywhere) {
  rig r;
  REQUIRE(rig_up(&r, NULL));
  static const char *const loops[] = {"loop_br", "loop_brcmp", "loop_brif", "loop_brtable",
                                      "loop_load"};
  for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
    rusm_val arg = {.i32 = 50};
    int y = slices_to_finish(r.in, loops[i], &arg, 50);
    if (y < 40) fprintf(stderr, "  %s: %d yields\n", loops[i], y);
    CHECK(y >= 40); /* about one per back-edge */
    /* A budget of 0 yields at once, before any back-edge. */
    CHECK_EQ(rusm_invoke(r.in, eu_func(r.in, loops[i]), &arg, 0), RUSM_EXEC_YIELD);
    CHECK_EQ(rusm_continue(r.in, UINT32_MAX), RUSM_EXEC_DONE);
    rusm_val res;
    rusm_results(r.in, &res);
    CHECK_EQ(res.i32, 50);
  }
  /* resume_host on a yielded (not suspended) call just continues it. */
  rusm_val arg = {.i32 = 9}, res = {0};
  CHECK_EQ(rusm_invoke(r.in, eu_func(r.in, "loop_br"), &arg, 0), RUSM_EXEC_YIELD);
  CHECK(rusm_suspended_args(r.in) == NULL);
  CHECK_EQ(rusm_resume_host(r.in, NULL, UINT32_MAX), RUSM_EXEC_DONE);
  rusm_results(r.in, &res);
  CHECK_EQ(res.i32, 9);
  CHECK(slices_to_finish(r.in, "calls_direct", NULL, 4) >= 3);
  CHECK(slices_to_finish(r.in, "calls_indirect", NULL, 3) >= 2);
  rusm_val one = {.i32 = 1};
  CHECK(slices_to_finish(r.in, "calls_host", &one, 301) >= 2);
  CHECK(slices_to_finish(r.in, "rec", &(rusm_val){.i32 = 30}, 30) >= 29);
  rig_down(&r);
}

TEST(epoch_yields_everywhere) {
  rig r;
  REQUIRE(rig_up(&r, NULL));
  volatile uint64_t epoch = 5;
  static const char *const names[] = {"loop_br",   "loop_brcmp",   "loop_brif",      "loop_brtable",
                                      "loop_load", "calls_direct", "calls_indirect", "calls_host"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    rusm_val arg = {.i32 = 3};
    rusm_instance_set_epoch(r.in, &epoch, 5); /* already due */
    CHECK_EQ(rusm_invoke(r.in, eu_func(r.in, names[i]), &arg, UINT32_MAX), RUSM_EXEC_YIELD);
    CHECK_EQ(rusm_continue(r.in, UINT32_MAX), RUSM_EXEC_YIELD); /* still due */
    rusm_instance_set_epoch(r.in, &epoch, 6);
    CHECK_EQ(rusm_continue(r.in, UINT32_MAX), RUSM_EXEC_DONE);
    rusm_val res;
    rusm_results(r.in, &res);
    CHECK(res.i32 > 0);
  }
  rusm_instance_set_epoch(r.in, NULL, 0);
  CHECK_EQ(eu_i32(r.in, "loop_br", 7), 7);
  rig_down(&r);
}

TEST(small_call_depth) {
  rusm_instance_config cfg = {.max_call_depth = 8};
  rig r;
  REQUIRE(rig_up(&r, &cfg));
  CHECK_EQ(eu_i32(r.in, "rec", 7), 7);
  CHECK_EQ(eu_i32(r.in, "rec", 8), INT32_MIN);
  const rusm_trap *t = rusm_last_trap(r.in);
  CHECK_EQ(t->kind, RUSM_TRAP_STACK_EXHAUSTED);
  CHECK_STR(t->func_name, "rec");
  char buf[80];
  CHECK_STR(rusm_trap_format(t, buf, sizeof buf), "call stack exhausted in function rec");
  /* The instance works again after the trap. */
  CHECK_EQ(eu_i32(r.in, "rec", 3), 3);
  rusm_instance_free(r.in);
  /* A reused slot takes the new configuration: the default depth. */
  r.in = rusm_instantiate(r.p, NULL, NULL);
  REQUIRE(r.in);
  CHECK_EQ(eu_i32(r.in, "rec", 500), 500);
  rig_down(&r);
}

TEST(memory_cap_on_imported_memory) {
  rusm_instance_config cfg = {.max_memory_bytes = 2 * 65536};
  rig r;
  REQUIRE(rig_up(&r, &cfg));
  CHECK_EQ(eu_i32(r.in, "grow", 0), 1);
  CHECK_EQ(eu_i32(r.in, "grow", 2), -1); /* over the cap */
  CHECK_EQ(eu_i32(r.in, "grow", 1), 1);
  CHECK_EQ(eu_i32(r.in, "grow", 1), -1);
  uint64_t size;
  rusm_memory_data(r.im.mem, &size);
  CHECK_EQ(size, 2 * 65536);
  rusm_instance_free(r.in);
  /* Without a cap, the import's own max (4) is the limit. */
  r.in = rusm_instantiate(r.p, NULL, NULL);
  REQUIRE(r.in);
  CHECK_EQ(eu_i32(r.in, "grow", 2), 2);
  CHECK_EQ(eu_i32(r.in, "grow", 1), -1);
  rig_down(&r);
}

/* poke(addr, v) on an instance. */
static rusm_exec_status poke(rusm_instance *in, int32_t addr, int32_t v) {
  rusm_val a[2] = {{.i32 = addr}, {.i32 = v}};
  return eu_call(in, "poke", a, NULL);
}

TEST(own_memory_reuse) {
  /* A 0-page memory grown to 20 pages: the reused slot starts empty again. */
  rusm_module *m = eu_load("ownmem0");
  REQUIRE(m);
  rusm_prepared *p = rusm_prepare(m, NULL, 0, NULL);
  REQUIRE(p);
  rusm_instance *a = rusm_instantiate(p, NULL, NULL);
  REQUIRE(a);
  CHECK_EQ(eu_i32(a, "grow", 0), 0);
  CHECK(rusm_instance_mem(a, 0, 1) == NULL);
  CHECK_EQ(eu_i32(a, "grow", 20), 0);
  CHECK_EQ(poke(a, 20 * 65536 - 1, 5), RUSM_EXEC_DONE);
  CHECK_EQ(eu_i32(a, "peek", 20 * 65536 - 1), 5);
  rusm_instance_free(a);
  rusm_instance *b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b == a);
  CHECK_EQ(eu_i32(b, "size", 0), 0);
  CHECK_EQ(eu_call(b, "peek", &(rusm_val){.i32 = 0}, NULL), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(b)->kind, RUSM_TRAP_MEMORY_OOB);
  CHECK_EQ(eu_i32(b, "grow", 20), 0);
  CHECK_EQ(eu_i32(b, "peek", 20 * 65536 - 1), 0); /* fresh pages read as zero */
  rusm_instance_free(b);
  rusm_prepared_free(p);
  rusm_module_free(m);

  /* 2 pages with an image: grown to 40 pages (the buffer is given back on
  ** reuse), or dirtied far past the image (zeroed on reuse). */
  m = eu_load("ownmem1");
  REQUIRE(m);
  p = rusm_prepare(m, NULL, 0, NULL);
  REQUIRE(p);
  a = rusm_instantiate(p, NULL, NULL);
  REQUIRE(a);
  CHECK_EQ(eu_i32(a, "peek", 1), 'm');
  CHECK_EQ(poke(a, 1, 'X'), RUSM_EXEC_DONE);
  CHECK_EQ(poke(a, 2 * 65536 - 1, 7), RUSM_EXEC_DONE); /* hw past 16 OS pages */
  CHECK_EQ(eu_i32(a, "grow", 38), 2);
  CHECK_EQ(poke(a, 40 * 65536 - 1, 8), RUSM_EXEC_DONE);
  rusm_instance_free(a);
  b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b == a);
  CHECK_EQ(eu_i32(b, "size", 0), 2);
  CHECK_EQ(eu_i32(b, "peek", 1), 'm');
  CHECK_EQ(eu_i32(b, "peek", 2 * 65536 - 1), 0);
  CHECK_EQ(eu_i32(b, "grow", 38), 2);
  CHECK_EQ(eu_i32(b, "peek", 40 * 65536 - 1), 0);
  rusm_instance_free(b);
  b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b);
  /* Dirty a wide range without growing: zeroed (not copied) on reuse. */
  for (int32_t at = 4096; at < 2 * 65536; at += 4096) CHECK_EQ(poke(b, at, 1), RUSM_EXEC_DONE);
  CHECK_EQ(poke(b, 2, 'Z'), RUSM_EXEC_DONE);
  rusm_instance_free(b);
  b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b);
  int nonzero = 0;
  for (int32_t at = 4096; at < 2 * 65536; at += 4096) nonzero += eu_i32(b, "peek", at) != 0;
  CHECK_EQ(nonzero, 0);
  CHECK_EQ(eu_i32(b, "peek", 2), 'g');
  /* Small growth steps within the kept capacity read as zero too. */
  CHECK_EQ(eu_i32(b, "grow", 1), 2);
  CHECK_EQ(poke(b, 3 * 65536 - 1, 3), RUSM_EXEC_DONE);
  rusm_instance_free(b);
  b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b);
  CHECK_EQ(eu_i32(b, "grow", 1), 2);
  CHECK_EQ(eu_i32(b, "peek", 3 * 65536 - 1), 0);
  rusm_instance_free(b);

  /* A cap that is not a power-of-two multiple: growth stops exactly there. */
  rusm_instance_config cfg = {.max_memory_bytes = 5 * 65536};
  b = rusm_instantiate(p, &cfg, NULL);
  REQUIRE(b);
  CHECK_EQ(eu_i32(b, "grow", 1), 2);
  CHECK_EQ(eu_i32(b, "grow", 2), 3);
  CHECK_EQ(eu_i32(b, "grow", 1), -1);
  CHECK_EQ(eu_i32(b, "size", 0), 5);
  CHECK_EQ(poke(b, 5 * 65536 - 1, 1), RUSM_EXEC_DONE);
  CHECK_EQ(poke(b, 5 * 65536, 1), RUSM_EXEC_TRAP);
  rusm_instance_free(b);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

TEST(instantiate_fails_on_a_huge_table) {
  rusm_module *m = eu_load("bigtable");
  REQUIRE(m);
  rusm_externtype t;
  rusm_module_export(m, 0, NULL, &t);
  CHECK_EQ(t.kind, RUSM_EXTERN_FUNC);
  rusm_prepared *p = rusm_prepare(m, NULL, 0, NULL);
  REQUIRE(p);
  rusm_error err;
  memset(&err, 0, sizeof err);
  CHECK(rusm_instantiate(p, NULL, &err) == NULL);
  CHECK_STR(err.reason, "out of memory");
  /* Nothing was left half-made: the next try fails the same way. */
  CHECK(rusm_instantiate(p, NULL, NULL) == NULL);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

/* With no file descriptor to spare, prepare cannot share a big image
** copy-on-write; instances then copy it, and reuse still restores it. */
TEST(big_image_without_memfd) {
  rusm_module *m = eu_load("bigimage");
  REQUIRE(m);
  struct rlimit old;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  struct rlimit low = {3, old.rlim_max};
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  rusm_prepared *p = rusm_prepare(m, NULL, 0, NULL);
  setrlimit(RLIMIT_NOFILE, &old);
  REQUIRE(p);
  rusm_instance *a = rusm_instantiate(p, NULL, NULL);
  REQUIRE(a);
  CHECK_EQ(eu_i32(a, "peek", 262144), 'Q');
  rusm_val args[2] = {{.i32 = 262144}, {.i32 = 'R'}};
  CHECK_EQ(eu_call(a, "poke", args, NULL), RUSM_EXEC_DONE);
  args[0].i32 = 100;
  CHECK_EQ(eu_call(a, "poke", args, NULL), RUSM_EXEC_DONE);
  rusm_instance_free(a);
  rusm_instance *b = rusm_instantiate(p, NULL, NULL);
  REQUIRE(b == a);
  CHECK_EQ(eu_i32(b, "peek", 262144), 'Q');
  CHECK_EQ(eu_i32(b, "peek", 100), 0);
  rusm_instance_free(b);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

TEST_MAIN(prepare_import_errors, module_queries, trap_names_and_format, standalone_objects,
          instance_queries, status_after_each_outcome, host_calls_direct_and_nested,
          budget_yields_everywhere, epoch_yields_everywhere, small_call_depth,
          memory_cap_on_imported_memory, own_memory_reuse, instantiate_fails_on_a_huge_table,
          big_image_without_memfd)
