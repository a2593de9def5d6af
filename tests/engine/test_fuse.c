/*
** test_fuse.c: the translator's fused and immediate forms (wat/fuse.wat)
** compute what the plain instructions would, including at the edges
** (wrapping adds, shift counts above 31, NaN in float branches, 64-bit
** immediates, and the multiply-add whose product is the add's right operand).
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../test.h"
#include "exec_util.h"

static rusm_module *mod;
static rusm_prepared *prep;
static rusm_instance *inst;

static bool setup(void) {
  if (inst) return true;
  mod = eu_load("fuse");
  if (!mod) return false;
  prep = rusm_prepare(mod, NULL, 0, NULL);
  if (!prep) return false;
  inst = rusm_instantiate(prep, NULL, NULL);
  return inst != NULL;
}

static rusm_val vf64(double d) {
  rusm_val v = {0};
  memcpy(&v.f64_bits, &d, 8);
  return v;
}

static rusm_val vf32(float f) {
  rusm_val v = {0};
  memcpy(&v.f32_bits, &f, 4);
  return v;
}

/* Calls export `name` with the given args; the i32/i64 result or a sentinel. */
static rusm_val call(const char *name, const rusm_val *args, rusm_exec_status *o_st) {
  rusm_val r = {.i64 = INT64_MIN};
  rusm_exec_status st = eu_call(inst, name, args, &r);
  if (o_st) *o_st = st;
  return r;
}

static int32_t c1(const char *name, int32_t a) {
  rusm_val v[1] = {{.i32 = a}};
  return call(name, v, NULL).i32;
}

static int32_t c3(const char *name, int32_t a, int32_t b, int32_t c) {
  rusm_val v[3] = {{.i32 = a}, {.i32 = b}, {.i32 = c}};
  return call(name, v, NULL).i32;
}

static int32_t c64(const char *name, int64_t a) {
  rusm_val v[1] = {{.i64 = a}};
  return call(name, v, NULL).i32;
}

TEST(immediates_and_folds) {
  REQUIRE(setup());
  static const uint32_t xs[] = {0, 1, 7, 0x7ffffff0u, 0xfffffff0u, 0xffffffffu, 123456789u};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    uint32_t x = xs[i];
    CHECK_EQ((uint32_t)c1("add_fold", (int32_t)x), x + 12u);
    CHECK_EQ((uint32_t)c1("sub_fold", (int32_t)x), x - 4u);
    CHECK_EQ((uint32_t)c1("const_left", (int32_t)x), (10u + x) * (10u - x));
    CHECK_EQ((uint32_t)c1("shr_and", (int32_t)x), (x >> 4) & 0xffu);
    rusm_val a = {.i64 = (int64_t)x * 977};
    CHECK_EQ((uint64_t)call("i64_imm", &a, NULL).i64,
             ((uint64_t)a.i64 + 0x123456789ull) ^ 0xffffffff00000000ull);
  }
}

TEST(multiply_add) {
  REQUIRE(setup());
  static const int32_t v[][3] = {{3, 4, 5}, {-7, 9, 100}, {0x10000, 0x10000, 1}, {-1, -1, -1}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint32_t a = (uint32_t)v[i][0], b = (uint32_t)v[i][1], c = (uint32_t)v[i][2];
    CHECK_EQ((uint32_t)c3("mul_add_l", v[i][0], v[i][1], v[i][2]), a * b + c);
    CHECK_EQ((uint32_t)c3("mul_add_r", v[i][0], v[i][1], v[i][2]), c + a * b);
    CHECK_EQ((uint32_t)c3("mul_add_deep", v[i][0], v[i][1], v[i][2]), 1000u - ((c + 1u) + a * b));
  }
}

TEST(loads_at_sum) {
  REQUIRE(setup());
  /* Bytes are 1..16 at 0..15: load8_u at (p + 8) + 1. */
  CHECK_EQ(c1("load_a", 0), 10);
  CHECK_EQ(c1("load_a", 3), 13);
  /* p + 8 wraps to 4 before the offset: byte 5 holds 6. */
  CHECK_EQ(c1("load_a", (int32_t)0xfffffffcu), 6);
  /* Out of bounds after the add: a trap, not a read. */
  rusm_exec_status st;
  rusm_val a = {.i32 = 65535 - 8};
  call("load_a", &a, &st);
  CHECK_EQ(st, RUSM_EXEC_TRAP);
  CHECK_EQ(c1("load_a_sub", 4), 0x0403); /* bytes 2, 3 */
  a.i32 = 1;                             /* 1 - 2 wraps to 0xffffffff: out of bounds */
  call("load_a_sub", &a, &st);
  CHECK_EQ(st, RUSM_EXEC_TRAP);
}

TEST(compare_and_branch) {
  REQUIRE(setup());
  CHECK_EQ(c1("br_lt_imm", -6), 2);
  CHECK_EQ(c1("br_lt_imm", -5), 1);
  CHECK_EQ(c1("br_lt_imm", 7), 1);
  CHECK_EQ(c1("if_ge_u_imm", 100), 3);
  CHECK_EQ(c1("if_ge_u_imm", 99), 4);
  CHECK_EQ(c1("if_ge_u_imm", -1), 3);
  CHECK_EQ(c64("br_i64_imm", 0x100000001ll), 6);
  CHECK_EQ(c64("br_i64_imm", 0x100000000ll), 5);
  CHECK_EQ(c64("br_i64_imm", INT64_MIN), 5);
  rusm_val f = vf64(1.0);
  CHECK_EQ(call("if_f64_lt", &f, NULL).i32, 7);
  f = vf64(1.5);
  CHECK_EQ(call("if_f64_lt", &f, NULL).i32, 8);
  f = vf64(NAN);
  CHECK_EQ(call("if_f64_lt", &f, NULL).i32, 8);
  rusm_val g = vf32(2.0f);
  CHECK_EQ(call("br_f32_ge", &g, NULL).i32, 10);
  g = vf32(1.0f);
  CHECK_EQ(call("br_f32_ge", &g, NULL).i32, 9);
  g = vf32(NAN);
  CHECK_EQ(call("br_f32_ge", &g, NULL).i32, 9);
  CHECK_EQ(c64("br_i64_eqz", 0), 12);
  CHECK_EQ(c64("br_i64_eqz", 1ll << 40), 11);
  CHECK_EQ(c64("if_i64_eqz", 0), 13);
  CHECK_EQ(c64("if_i64_eqz", 1ll << 40), 14);
  CHECK_EQ(c3("not_lt_u", 1, 2, 0), 0);
  CHECK_EQ(c3("not_lt_u", 2, 2, 0), 1);
  CHECK_EQ(c3("not_lt_u", -1, 2, 0), 1);
  CHECK_EQ(c1("if_not_eq_imm", 252), 16);
  CHECK_EQ(c1("if_not_eq_imm", 251), 15);
}

TEST(copies_and_constants) {
  REQUIRE(setup());
  /* Three locals rotate; the one leaving the front comes back incremented. */
  for (int n = 0; n < 8; n++) {
    uint32_t l1 = 1, l2 = 20, l3 = 300;
    for (int k = 0; k < n; k++) {
      uint32_t l4 = l1;
      l1 = l2;
      l2 = l3;
      l3 = l4 + 1;
    }
    CHECK_EQ((uint32_t)c1("rotate", n), l1 * 1000000u + l2 * 1000u + l3);
  }
  CHECK_EQ(c1("const_args", 0), 100 - 7 - 0 + 50);
  CHECK_EQ(c1("const_args", 3), 100 - 7 - 3 + 40);
}

TEST(load_and_branch) {
  REQUIRE(setup());
  CHECK_EQ(c1("walk", 16), 5 + 7 + 11);
  CHECK_EQ(c1("walk", 48), 11);
  /* With a budget of 1 every back-edge yields; the resumed branch must not
  ** load again from the already advanced pointer. */
  rusm_val a = {.i32 = 16}, r = {0};
  rusm_exec_status st = rusm_invoke(inst, eu_func(inst, "walk"), &a, 1);
  int yields = 0;
  while (st == RUSM_EXEC_YIELD && yields < 100) {
    yields++;
    st = rusm_continue(inst, 1);
  }
  CHECK_EQ(st, RUSM_EXEC_DONE);
  CHECK(yields >= 1);
  rusm_results(inst, &r);
  CHECK_EQ(r.i32, 5 + 7 + 11);
  CHECK_EQ(c1("flag", 0), 17);  /* byte 1 */
  CHECK_EQ(c1("flag", 17), 18); /* a zero byte of the first node's next */
}

TEST_MAIN(load_and_branch, immediates_and_folds, multiply_add, loads_at_sum, compare_and_branch,
          copies_and_constants)
