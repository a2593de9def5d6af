/*
** test_wast_value.c: parsing of script values and the result-matching rules
** of `rusm wast` (NaN patterns, v128 lanes, references).
*/
#include "../test.h"

#include "wast_value.h"

/* Parses one value written as JSON; the document stays alive in *o_doc. */
static const json_value *value(const char *s, json_doc **o_doc) {
  char err[128];
  *o_doc = json_parse(s, strlen(s), err, sizeof err);
  return *o_doc ? json_root(*o_doc) : NULL;
}

static bool expect(const char *s, wast_expected *e) {
  json_doc *d;
  char err[128];
  bool ok = wast_parse_expected(value(s, &d), e, err, sizeof err);
  json_free(d);
  return ok;
}

static bool arg(const char *s, rusm_valtype *t, rusm_val *v) {
  json_doc *d;
  char err[128];
  bool ok = wast_parse_arg(value(s, &d), t, v, err, sizeof err);
  json_free(d);
  return ok;
}

static rusm_val bits32(uint32_t b) {
  rusm_val v;
  memset(&v, 0, sizeof v);
  v.f32_bits = b;
  return v;
}

static rusm_val bits64(uint64_t b) {
  rusm_val v;
  memset(&v, 0, sizeof v);
  v.f64_bits = b;
  return v;
}

TEST(integers_are_unsigned_decimal) {
  rusm_valtype t;
  rusm_val v;
  CHECK(arg("{\"type\": \"i32\", \"value\": \"4294967295\"}", &t, &v));
  CHECK_EQ(t, RUSM_I32);
  CHECK_EQ(v.i32, -1);
  CHECK(arg("{\"type\": \"i64\", \"value\": \"9223372036854775808\"}", &t, &v));
  CHECK_EQ(t, RUSM_I64);
  CHECK(v.i64 == INT64_MIN);
  CHECK(!arg("{\"type\": \"i32\", \"value\": \"4294967296\"}", &t, &v));
  CHECK(!arg("{\"type\": \"i32\", \"value\": \"12x\"}", &t, &v));
  CHECK(!arg("{\"type\": \"i31\", \"value\": \"1\"}", &t, &v));
}

TEST(floats_compare_bits_exactly) {
  wast_expected e;
  REQUIRE(expect("{\"type\": \"f32\", \"value\": \"2147483648\"}", &e)); /* -0.0 */
  CHECK(wast_match(&e, bits32(0x80000000u)));
  CHECK(!wast_match(&e, bits32(0)));
  REQUIRE(expect("{\"type\": \"f64\", \"value\": \"9221120237041090561\"}", &e)); /* nan:0x...1 */
  CHECK(wast_match(&e, bits64(0x7ff8000000000001ull)));
  CHECK(!wast_match(&e, bits64(0x7ff8000000000000ull)));
}

TEST(nan_canonical_and_arithmetic) {
  wast_expected e;
  REQUIRE(expect("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", &e));
  CHECK(wast_match(&e, bits32(0x7fc00000u)));
  CHECK(wast_match(&e, bits32(0xffc00000u)));
  CHECK(!wast_match(&e, bits32(0x7fc00001u)));
  CHECK(!wast_match(&e, bits32(0x7f800000u))); /* infinity */
  REQUIRE(expect("{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}", &e));
  CHECK(wast_match(&e, bits32(0x7fc00001u)));
  CHECK(wast_match(&e, bits32(0xffffffffu)));
  CHECK(!wast_match(&e, bits32(0x7f800001u))); /* signalling */
  REQUIRE(expect("{\"type\": \"f64\", \"value\": \"nan:canonical\"}", &e));
  CHECK(wast_match(&e, bits64(0xfff8000000000000ull)));
  CHECK(!wast_match(&e, bits64(0x7ff8000000000001ull)));
  REQUIRE(expect("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}", &e));
  CHECK(wast_match(&e, bits64(0x7ff8000000000001ull)));
  CHECK(!wast_match(&e, bits64(0x7ff0000000000001ull)));
  rusm_valtype t;
  rusm_val v;
  CHECK(!arg("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", &t, &v));
  CHECK(!expect("{\"type\": \"i32\", \"value\": \"nan:canonical\"}", &e));
}

TEST(v128_lanes) {
  wast_expected e;
  REQUIRE(expect("{\"type\": \"v128\", \"lane_type\": \"i32\", \"value\": [\"1\", \"2\", "
                 "\"3\", \"4294967295\"]}",
                 &e));
  rusm_val v;
  v.v128[0] = 0x0000000200000001ull;
  v.v128[1] = 0xffffffff00000003ull;
  CHECK(wast_match(&e, v));
  v.v128[1] ^= 1ull << 63;
  CHECK(!wast_match(&e, v));
  REQUIRE(expect("{\"type\": \"v128\", \"lane_type\": \"i8\", \"value\": [\"0\", \"1\", \"2\", "
                 "\"3\", \"4\", \"5\", \"6\", \"7\", \"8\", \"9\", \"10\", \"11\", \"12\", "
                 "\"13\", \"14\", \"255\"]}",
                 &e));
  v.v128[0] = 0x0706050403020100ull;
  v.v128[1] = 0xff0e0d0c0b0a0908ull;
  CHECK(wast_match(&e, v));
  REQUIRE(expect("{\"type\": \"v128\", \"lane_type\": \"f32\", \"value\": [\"nan:canonical\", "
                 "\"nan:arithmetic\", \"0\", \"1065353216\"]}",
                 &e));
  v.v128[0] = 0x7fc00001ffc00000ull; /* lane0 -nan, lane1 nan:0x400001 */
  v.v128[1] = 0x3f80000000000000ull;
  CHECK(wast_match(&e, v));
  v.v128[0] = 0x7fc000017fc00001ull; /* lane0 not canonical */
  CHECK(!wast_match(&e, v));
  CHECK(!expect("{\"type\": \"v128\", \"lane_type\": \"i32\", \"value\": [\"1\"]}", &e));
  CHECK(!expect("{\"type\": \"v128\", \"lane_type\": \"i16\", \"value\": [\"nan:canonical\", "
                "\"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\"]}",
                &e));
}

TEST(references) {
  rusm_valtype t;
  rusm_val v;
  CHECK(arg("{\"type\": \"externref\", \"value\": \"1\"}", &t, &v));
  CHECK_EQ(t, RUSM_EXTERNREF);
  CHECK(v.ref == (void *)(uintptr_t)2);
  CHECK(arg("{\"type\": \"externref\", \"value\": \"0\"}", &t, &v));
  CHECK(v.ref == (void *)(uintptr_t)1); /* ref.extern 0 is not null */
  CHECK(arg("{\"type\": \"funcref\", \"value\": \"null\"}", &t, &v));
  CHECK_EQ(t, RUSM_FUNCREF);
  CHECK(v.ref == NULL);
  wast_expected e;
  REQUIRE(expect("{\"type\": \"externref\", \"value\": \"null\"}", &e));
  rusm_val got;
  got.ref = NULL;
  CHECK(wast_match(&e, got));
  got.ref = wast_extern_ref(0);
  CHECK(!wast_match(&e, got));
  REQUIRE(expect("{\"type\": \"funcref\"}", &e)); /* ref.func: any non-null */
  CHECK(wast_match(&e, got));
  got.ref = NULL;
  CHECK(!wast_match(&e, got));
  CHECK(!arg("{\"type\": \"funcref\"}", &t, &v));
}

TEST(formatting_names_the_value) {
  char buf[200];
  rusm_val v;
  memset(&v, 0, sizeof v);
  v.i32 = -2;
  CHECK(strstr(wast_format_val(RUSM_I32, v, buf, sizeof buf), "-2") != NULL);
  v.ref = wast_extern_ref(42);
  CHECK_STR(wast_format_val(RUSM_EXTERNREF, v, buf, sizeof buf), "ref.extern 42");
  wast_expected e;
  REQUIRE(expect("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}", &e));
  CHECK_STR(wast_format_expected(&e, buf, sizeof buf), "f64:nan:arithmetic");
}

TEST_MAIN(integers_are_unsigned_decimal, floats_compare_bits_exactly, nan_canonical_and_arithmetic,
          v128_lanes, references, formatting_names_the_value)
