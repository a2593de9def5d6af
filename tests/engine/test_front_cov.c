/*
** test_front_cov.c: corners of the engine's front half that the other
** decode/validate tests leave alone: the size limit, a truncated block
** type, funcref block results, table.init of an unknown segment, and
** call/ref.func immediates that the validator's fast path hands back to
** the general path (non-minimal LEB indices, other IMM_FUNC opcodes).
*/
#include <stdint.h>

#include "../test.h"
#include "front_util.h"
#include "wbuild.h"

/* The context of test_validate.c: function 0 (type `sig`) is under test;
** type 1 = [i32] -> [i32]; function 1 (type 1); tables 0 funcref and 1
** externref; memory 0; globals 0 mut i32, 1 i64; a declarative element
** segment naming function 1; one passive data segment (data count 1). */
static void body_module(wbuf *w, const char *sig, size_t sig_n, const char *body, size_t n) {
  wb_init(w);
  wbuf t = {.n = 0};
  wb_put(&t, "\x02\x60", 2);
  wb_put(&t, sig, sig_n);
  wb_put(&t, "\x60\x01\x7f\x01\x7f", 5);
  wb_sec(w, 1, (const char *)t.b, t.n);
  WB_SEC(w, 3, "\x02\x00\x01");
  WB_SEC(w, 4, "\x02\x70\x00\x01\x6f\x00\x01");
  WB_SEC(w, 5, "\x01\x00\x01");
  WB_SEC(w, 6, "\x02\x7f\x01\x41\x00\x0b\x7e\x00\x42\x00\x0b");
  WB_SEC(w, 9, "\x01\x03\x00\x01\x01");
  WB_SEC(w, 12, "\x01");
  wbuf c = {.n = 0};
  wb_leb(&c, 2);
  wb_leb(&c, (uint32_t)n + 1);
  wb_put(&c, "\0", 1);
  wb_put(&c, body, n);
  wb_put(&c, "\x04\x00\x20\x00\x0b", 5);
  wb_sec(w, 10, (const char *)c.b, c.n);
  WB_SEC(w, 11,
         "\x01\x01\x01"
         "a");
}

static const char *body_reason(const char *sig, size_t sig_n, const char *body, size_t n) {
  static wbuf w;
  body_module(&w, sig, sig_n, body, n);
  return front_reason(w.b, w.n);
}
#define V(sig, body) body_reason(sig, sizeof(sig) - 1, body, sizeof(body) - 1)
#define NIL "\x00\x00"        /* [] -> [] */
#define TO_I32 "\x00\x01\x7f" /* [] -> [i32] */

TEST(modules_over_4_gib_are_refused_before_reading) {
  static const uint8_t tiny[8] = "\0asm\1\0\0";
  rusm_error err;
  memset(&err, 0, sizeof err);
  /* The length alone decides: the 8 bytes behind the pointer are not read. */
  CHECK(wasm_decode_module(tiny, (size_t)UINT32_MAX + 1, &err) == NULL);
  CHECK_STR(err.reason, "module too large");
  CHECK_EQ(err.offset, 0);
  /* The same bytes with their real length are an empty module. */
  wasm_module *m = front_load(tiny, 8, &err);
  CHECK(m != NULL);
  wasm_module_free(m);
}

TEST(truncated_block_type) {
  /* block, then a block type whose LEB runs off the end of the body: the
  ** body's size was wrong (the spec's wording for a short body) */
  CHECK_STR(V(NIL, "\x02\x80"), "section size mismatch");
  CHECK_STR(V(NIL, "\x02\xff\xff"), "section size mismatch");
  /* a block type LEB longer than an s33 may be, inside the body */
  CHECK_STR(V(NIL, "\x02\x80\x80\x80\x80\x80\x00\x0b\x0b"), "integer representation too long");
  /* a multi-byte type index that is in range works */
  CHECK_STR(V(TO_I32, "\x41\x01\x02\x81\x00\x0b\x0b"), "");
}

TEST(funcref_block_results) {
  CHECK_STR(V(NIL, "\x02\x70\xd0\x70\x0b\x1a\x0b"), "");
  CHECK_STR(V(NIL, "\x02\x70\xd0\x6f\x0b\x1a\x0b"), "type mismatch");
  CHECK_STR(V(NIL, "\x02\x70\xd2\x01\x0b\x1a\x0b"), "");
}

TEST(table_init_of_an_unknown_segment) {
  CHECK_STR(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0c\x05\x00\x0b"), "unknown elem segment 5");
  CHECK_STR(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x07\x0b"), "unknown table 7");
  /* segment 0 holds funcrefs: table 1 (externref) does not take them */
  CHECK_STR(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x01\x0b"), "type mismatch");
  CHECK_STR(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x00\x0b"), "");
}

TEST(function_immediates_off_the_fast_path) {
  /* call 1 spelled with a padded 3-byte LEB: valid, same as call 1 */
  CHECK_STR(V(TO_I32, "\x41\x05\x10\x81\x80\x00\x0b"), "");
  CHECK_STR(V(TO_I32, "\x42\x05\x10\x81\x80\x00\x0b"), "type mismatch");
  CHECK_STR(V(TO_I32, "\x41\x05\x10\x85\x80\x00\x0b"), "unknown function 5");
  /* a 2-byte index past the function count */
  CHECK_STR(V(TO_I32, "\x41\x05\x10\x80\x01\x0b"), "unknown function 128");
  /* ref.func is an IMM_FUNC opcode too, but not a call */
  CHECK_STR(V(NIL, "\xd2\x01\x1a\x0b"), "");
  CHECK_STR(V(NIL, "\xd2\x00\x1a\x0b"), "undeclared function reference");
  CHECK_STR(V(NIL, "\xd2\x09\x1a\x0b"), "unknown function 9");
}

TEST_MAIN(modules_over_4_gib_are_refused_before_reading, truncated_block_type,
          funcref_block_results, table_init_of_an_unknown_segment,
          function_immediates_off_the_fast_path)
