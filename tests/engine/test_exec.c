/*
** test_exec.c: the interpreter: numerics edge cases, control flow,
** calls, traps with function names, stack exhaustion, budget yields,
** epoch interrupts and host suspend/resume.
*/
#include "../test.h"
#include "exec_util.h"

static rusm_module *g_mod;
static rusm_prepared *g_prep;

static rusm_instance *fresh(void) {
  return rusm_instantiate(g_prep, NULL, NULL);
}

static rusm_val v32(int32_t x) {
  return (rusm_val){.i32 = x};
}
static rusm_val v64(int64_t x) {
  return (rusm_val){.i64 = x};
}

TEST(control_flow) {
  rusm_instance *in = fresh();
  REQUIRE(in);
  CHECK_EQ(eu_i32(in, "fib_iter", 10), 55);
  CHECK_EQ(eu_i32(in, "count", 100), 5050);
  for (int i = 0; i < 6; i++) CHECK_EQ(eu_i32(in, "br_table", i), i < 3 ? 10 + i : 13);
  CHECK_EQ(eu_i32(in, "br_table", -1), 13);
  CHECK_EQ(eu_i32(in, "br_value", 1), 7);
  CHECK_EQ(eu_i32(in, "br_value", 0), 8);
  CHECK_EQ(eu_i32(in, "preserve", 12), 7);
  /* The old local value must survive a set inside a block left early. */
  CHECK_EQ(eu_i32(in, "preserve_block", 0), 0);
  CHECK_EQ(eu_i32(in, "preserve_block", 3), 103);
  rusm_val args[2] = {v32(3), v32(4)}, res[3];
  CHECK_EQ(eu_call(in, "swap", args, NULL), RUSM_EXEC_DONE);
  rusm_results(in, res);
  CHECK_EQ(res[0].i32, 4);
  CHECK_EQ(res[1].i32, 3);
  args[0] = v32(5);
  CHECK_EQ(eu_call(in, "multi", args, NULL), RUSM_EXEC_DONE);
  rusm_results(in, res);
  CHECK_EQ(res[0].i32, 15);
  CHECK_EQ(res[1].i32, 20);
  CHECK_EQ(res[2].i32, 30);
  rusm_val r;
  args[0] = v32(0);
  CHECK_EQ(eu_call(in, "select", args, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i64, 2);
  rusm_instance_free(in);
}

TEST(calls) {
  rusm_instance *in = fresh();
  REQUIRE(in);
  rusm_val a = v64(20), r;
  CHECK_EQ(eu_call(in, "fib", &a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i64, 6765);
  rusm_val args[2] = {v32(0), v32(21)};
  CHECK_EQ(eu_call(in, "indirect", args, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i32, 42);
  args[0] = v32(1);
  CHECK_EQ(eu_call(in, "indirect", args, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i32, -21);
  args[0] = v32(2);
  CHECK_EQ(eu_call(in, "indirect", args, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_UNINITIALIZED_ELEMENT);
  args[0] = v32(3);
  CHECK_EQ(eu_call(in, "indirect", args, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_UNDEFINED_ELEMENT);
  args[0] = v32(0);
  CHECK_EQ(eu_call(in, "indirect_i64", args, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_INDIRECT_TYPE);
  rusm_instance_free(in);
}

TEST(numerics) {
  rusm_instance *in = fresh();
  REQUIRE(in);
  rusm_val a[2], r;
  a[0] = v32(INT32_MIN), a[1] = v32(-1);
  CHECK_EQ(eu_call(in, "div_s", a, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_INT_OVERFLOW);
  a[1] = v32(0);
  CHECK_EQ(eu_call(in, "div_s", a, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_DIV_ZERO);
  a[0] = v32(-7), a[1] = v32(2);
  CHECK_EQ(eu_call(in, "div_s", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i32, -3);
  a[0] = v64(INT64_MIN), a[1] = v64(-1);
  CHECK_EQ(eu_call(in, "rem_s", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i64, 0);
  double d = 2147483648.0;
  memcpy(&a[0].f64_bits, &d, 8);
  CHECK_EQ(eu_call(in, "trunc", a, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_INT_OVERFLOW);
  a[0].f64_bits = 0x7ff8000000000000ull;
  CHECK_EQ(eu_call(in, "trunc", a, &r), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_INVALID_CONVERSION);
  d = -5.5;
  memcpy(&a[0].f64_bits, &d, 8);
  CHECK_EQ(eu_call(in, "trunc_sat", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i32, 0);
  d = 1e20;
  memcpy(&a[0].f64_bits, &d, 8);
  CHECK_EQ(eu_call(in, "trunc_sat", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ((uint32_t)r.i32, UINT32_MAX);
  /* min(-0, +0) = -0; min(x, NaN) = NaN. */
  a[0].f32_bits = 0x80000000u, a[1].f32_bits = 0;
  CHECK_EQ(eu_call(in, "fmin", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.f32_bits, 0x80000000u);
  a[0].f32_bits = 0x7fc00000u, a[1].f32_bits = 0x3f800000u;
  CHECK_EQ(eu_call(in, "fmin", a, &r), RUSM_EXEC_DONE);
  CHECK((r.f32_bits & 0x7fc00000u) == 0x7fc00000u);
  d = 2.5;
  memcpy(&a[0].f64_bits, &d, 8);
  CHECK_EQ(eu_call(in, "nearest", a, &r), RUSM_EXEC_DONE);
  memcpy(&d, &r.f64_bits, 8);
  CHECK(d == 2.0);
  a[0] = v32((int32_t)0x80000001), a[1] = v32(33);
  CHECK_EQ(eu_call(in, "rotl", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ((uint32_t)r.i32, 3u);
  a[0] = v64(0);
  CHECK_EQ(eu_call(in, "clz64", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i64, 64);
  CHECK_EQ(eu_i32(in, "ext8", 0x80), -128);
  a[0] = v32(-1), a[1] = v32(1);
  CHECK_EQ(eu_call(in, "ltu", a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i32, 0);
  rusm_instance_free(in);
}

TEST(trap_names) {
  rusm_instance *in = fresh();
  REQUIRE(in);
  CHECK_EQ(eu_call(in, "trap_named", NULL, NULL), RUSM_EXEC_TRAP);
  const rusm_trap *t = rusm_last_trap(in);
  CHECK_EQ(t->kind, RUSM_TRAP_UNREACHABLE);
  CHECK_STR(t->func_name, "inner_trap");
  char buf[128];
  CHECK_STR(rusm_trap_format(t, buf, sizeof buf), "unreachable in function inner_trap");
  rusm_instance_free(in);
}

TEST(stack_exhaustion) {
  rusm_instance_config cfg = {0};
  rusm_instance *in = rusm_instantiate(g_prep, &cfg, NULL);
  REQUIRE(in);
  CHECK_EQ(eu_i32(in, "recurse", 1), INT32_MIN);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_STACK_EXHAUSTED);
  rusm_instance_free(in);
  cfg.max_call_depth = 50;
  in = rusm_instantiate(g_prep, &cfg, NULL);
  REQUIRE(in);
  rusm_val a = v64(10), r;
  CHECK_EQ(eu_call(in, "fib", &a, &r), RUSM_EXEC_DONE); /* depth 10 fits */
  CHECK_EQ(eu_i32(in, "recurse", 1), INT32_MIN);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_STACK_EXHAUSTED);
  /* The instance is usable after a trap. */
  CHECK_EQ(eu_call(in, "fib", &a, &r), RUSM_EXEC_DONE);
  CHECK_EQ(r.i64, 55);
  rusm_instance_free(in);
}

TEST(budget_yield_resume) {
  rusm_instance *in = fresh();
  REQUIRE(in);
  rusm_val a = v64(18), r = {0};
  rusm_func *fib = eu_func(in, "fib");
  REQUIRE(fib);
  rusm_exec_status s = rusm_invoke(in, fib, &a, 100);
  int yields = 0;
  while (s == RUSM_EXEC_YIELD) {
    yields++;
    s = rusm_continue(in, 100);
  }
  CHECK_EQ(s, RUSM_EXEC_DONE);
  CHECK(yields > 10);
  rusm_results(in, &r);
  CHECK_EQ(r.i64, 2584);
  /* Loop back-edges are charged too: a budget of 1 pays for one back-edge per slice. */
  rusm_val n = v32(50);
  s = rusm_invoke(in, eu_func(in, "count"), &n, 1);
  yields = 0;
  while (s == RUSM_EXEC_YIELD) {
    yields++;
    s = rusm_continue(in, 1);
  }
  CHECK_EQ(s, RUSM_EXEC_DONE);
  CHECK_EQ(yields, 49); /* 50 back-edges, the first paid by the initial budget */
  rusm_results(in, &r);
  CHECK_EQ(r.i32, 1275);
  rusm_instance_free(in);
}

TEST(epoch_interrupt) {
  rusm_instance *in = fresh();
  REQUIRE(in);
  volatile uint64_t epoch = 0;
  rusm_instance_set_epoch(in, &epoch, 1);
  rusm_func *spin = eu_func(in, "spin");
  REQUIRE(spin);
  rusm_exec_status s = rusm_invoke(in, spin, NULL, 1000);
  CHECK_EQ(s, RUSM_EXEC_YIELD); /* the budget ends it first */
  epoch = 1;                    /* the deadline passes: the next back-edge yields */
  s = rusm_continue(in, UINT32_MAX);
  CHECK_EQ(s, RUSM_EXEC_YIELD);
  s = rusm_continue(in, UINT32_MAX);
  CHECK_EQ(s, RUSM_EXEC_YIELD);
  rusm_instance_free(in);
}

/* ------------------------------------------------------------ host calls */

static int g_suspend;

static rusm_host_status host_twice(rusm_call *call, void *env, const rusm_val *args,
                                   rusm_val *o_results) {
  (void)env;
  CHECK(rusm_call_instance(call) != NULL);
  uint8_t *p = rusm_call_mem(call, 8, 4);
  CHECK(p && memcmp(p, "rusm", 4) == 0);
  CHECK(rusm_call_mem(call, 65535, 2) == NULL);
  if (g_suspend) return RUSM_HOST_SUSPEND;
  o_results[0].i32 = args[0].i32 * 2;
  return RUSM_HOST_OK;
}

static rusm_host_status host_fail(rusm_call *call, void *env, const rusm_val *args,
                                  rusm_val *o_results) {
  (void)env, (void)args, (void)o_results;
  rusm_call_trap(call, "no way");
  return RUSM_HOST_TRAP;
}

TEST(host_calls) {
  rusm_module *m = eu_load("host");
  REQUIRE(m);
  rusm_valtype i32 = RUSM_I32;
  rusm_functype t_ii = {1, 1, &i32, &i32}, t_v = {0, 0, NULL, NULL};
  rusm_func *twice = rusm_func_new_host(&t_ii, host_twice, NULL);
  rusm_func *failf = rusm_func_new_host(&t_v, host_fail, NULL);
  rusm_extern imps[2] = {{RUSM_EXTERN_FUNC, {.func = twice}}, {RUSM_EXTERN_FUNC, {.func = failf}}};
  rusm_error err;
  rusm_prepared *p = rusm_prepare(m, imps, 2, &err);
  REQUIRE(p);
  rusm_instance *in = rusm_instantiate(p, NULL, &err);
  REQUIRE(in);
  g_suspend = 0;
  CHECK_EQ(eu_i32(in, "run", 20), 41);
  CHECK_EQ(eu_i32(in, "sum_twice", 10), 110);
  /* Suspend at every host call; resume with the results. */
  g_suspend = 1;
  rusm_val a = {.i32 = 10}, r;
  rusm_exec_status s = rusm_invoke(in, eu_func(in, "sum_twice"), &a, UINT32_MAX);
  int suspends = 0;
  while (s == RUSM_EXEC_SUSPEND) {
    suspends++;
    const rusm_val *args = rusm_suspended_args(in);
    REQUIRE(args);
    rusm_val res = {.i32 = args[0].i32 * 2};
    s = rusm_resume_host(in, &res, UINT32_MAX);
  }
  CHECK_EQ(s, RUSM_EXEC_DONE);
  CHECK_EQ(suspends, 10);
  rusm_results(in, &r);
  CHECK_EQ(r.i32, 110);
  /* Invoking the host function directly suspends too. */
  s = rusm_invoke(in, twice, &a, UINT32_MAX);
  CHECK_EQ(s, RUSM_EXEC_SUSPEND);
  rusm_val res = {.i32 = 77};
  CHECK_EQ(rusm_resume_host(in, &res, 10), RUSM_EXEC_DONE);
  rusm_results(in, &r);
  CHECK_EQ(r.i32, 77);
  g_suspend = 0;
  CHECK_EQ(eu_call(in, "fail", NULL, NULL), RUSM_EXEC_TRAP);
  CHECK_EQ(rusm_last_trap(in)->kind, RUSM_TRAP_HOST);
  CHECK_STR(rusm_last_trap(in)->host_msg, "no way");
  rusm_instance_free(in);
  rusm_prepared_free(p);
  rusm_func_free(twice);
  rusm_func_free(failf);
  rusm_module_free(m);
}

static void setup(void) {
  g_mod = eu_load("exec");
  g_prep = g_mod ? rusm_prepare(g_mod, NULL, 0, NULL) : NULL;
  if (!g_prep) {
    fprintf(stderr, "setup failed\n");
    exit(1);
  }
}

int main(int argc, char **argv) {
  setup();
  static const test_case_ cases[] = {
      {"control_flow", control_flow},
      {"calls", calls},
      {"numerics", numerics},
      {"trap_names", trap_names},
      {"stack_exhaustion", stack_exhaustion},
      {"budget_yield_resume", budget_yield_resume},
      {"epoch_interrupt", epoch_interrupt},
      {"host_calls", host_calls},
  };
  int rc = test_run_(cases, sizeof cases / sizeof cases[0], argc, argv);
  rusm_prepared_free(g_prep);
  rusm_module_free(g_mod);
  return rc;
}
