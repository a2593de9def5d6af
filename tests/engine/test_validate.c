/*
** test_validate.c: the validator (src/engine/validate*.c): instruction
** typing with the spec's wording, module-level rules, the instruction
** stream a translator drives, and the malformed-before-invalid precedence.
*/
#include "../test.h"
#include "front_util.h"
#include "wbuild.h"

static bool starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}
#define CHECK_REASON(got, want)                                                                    \
  do {                                                                                             \
    const char *g_ = (got);                                                                        \
    if (!starts(g_, want) || (!*(want) && *g_)) {                                                  \
      test_failures_++;                                                                            \
      fprintf(stderr, "  %s:%d: want \"%s\", got \"%s\"\n", __FILE__, __LINE__, want, g_);         \
    }                                                                                              \
  } while (0)

/* A module around one function body under test (function 0, of type
** `sig`). The context: types 1 = [i32] -> [i32]; function 1 (type 1, body
** local.get 0); tables 0 funcref and 1 externref; memory 0 (1 page);
** globals 0 = mut i32, 1 = immutable i64; a declarative element segment
** naming function 1; one passive data segment (with a data count). */
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
/* V(sig, body): sig is a functype without its 0x60, body ends with 0x0b. */
#define V(sig, body) body_reason(sig, sizeof(sig) - 1, body, sizeof(body) - 1)
#define NIL "\x00\x00"        /* [] -> [] */
#define TO_I32 "\x00\x01\x7f" /* [] -> [i32] */

static const char *mod_reason(wbuf *w) {
  return front_reason(w->b, w->n);
}

TEST(typing_basics) {
  CHECK_REASON(V(TO_I32, "\x41\x01\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x0b"), "type mismatch");
  CHECK_REASON(V(NIL, "\x41\x01\x0b"), "type mismatch");
  CHECK_REASON(V(TO_I32, "\x41\x01\x42\x01\x6a\x0b"), "type mismatch");
  CHECK_REASON(V(TO_I32, "\x41\x01\x41\x02\x6a\x0b"), "");
  CHECK_REASON(V(NIL, "\x6a\x1a\x0b"), "type mismatch"); /* empty stack */
  /* params are locals 0.. */
  CHECK_REASON(V("\x02\x7f\x7e\x01\x7e", "\x20\x01\x0b"), "");
  CHECK_REASON(V("\x02\x7f\x7e\x01\x7e", "\x20\x00\x0b"), "type mismatch");
  /* calls */
  CHECK_REASON(V(TO_I32, "\x41\x05\x10\x01\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x42\x05\x10\x01\x0b"), "type mismatch");
  CHECK_REASON(V(TO_I32, "\x41\x05\x41\x00\x11\x01\x00\x0b"), "");
}

TEST(polymorphic_stack) {
  CHECK_REASON(V(TO_I32, "\x00\x6a\x0b"), "");                      /* unreachable; i32.add */
  CHECK_REASON(V(TO_I32, "\x00\x1a\x1a\x41\x00\x0b"), "");          /* drops of nothing */
  CHECK_REASON(V(TO_I32, "\x00\x42\x00\x6a\x0b"), "type mismatch"); /* known i64 still checked */
  CHECK_REASON(V(TO_I32, "\x0f\x0b"), "type mismatch");             /* return needs the i32 */
  CHECK_REASON(V(TO_I32, "\x00\x0f\x0b"), "");                      /* ...unless unreachable */
  CHECK_REASON(V(TO_I32, "\x41\x00\x0c\x00\x0b"), "");              /* br 0 to the function */
  /* select: unknown operands are fine, refs need the typed form */
  CHECK_REASON(V(TO_I32, "\x00\x1b\x0b"), "");
  CHECK_REASON(V(NIL, "\xd0\x70\xd0\x70\x41\x01\x1b\x1a\x0b"), "type mismatch");
  CHECK_REASON(V(NIL, "\xd0\x70\xd0\x70\x41\x01\x1c\x01\x70\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\x41\x01\x41\x01\x41\x01\x1c\x02\x7f\x7f\x1a\x0b"), "invalid result arity");
  CHECK_REASON(V(NIL, "\x41\x01\x42\x01\x41\x01\x1b\x1a\x0b"), "type mismatch");
}

TEST(control) {
  /* block results, if without else must be [t*] -> [t*] */
  CHECK_REASON(V(TO_I32, "\x02\x7f\x41\x01\x0b\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x41\x01\x04\x7f\x41\x01\x0b\x0b"), "type mismatch");
  CHECK_REASON(V(TO_I32, "\x41\x01\x04\x7f\x41\x01\x05\x41\x02\x0b\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x41\x01\x04\x7f\x41\x01\x05\x0b\x0b"), "type mismatch");
  /* multi-value block with params (type 1: [i32] -> [i32]) */
  CHECK_REASON(V(TO_I32, "\x41\x01\x02\x01\x0b\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x02\x01\x0b\x0b"), "type mismatch");
  CHECK_REASON(V(TO_I32, "\x41\x01\x02\x07\x0b\x0b"), "unknown type 7");
  /* a loop's label takes its params */
  CHECK_REASON(V(NIL, "\x41\x01\x03\x01\x0c\x00\x0b\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\x02\x40\x0c\x01\x0b\x0b"), "");
  CHECK_REASON(V(NIL, "\x02\x40\x0c\x02\x0b\x0b"), "unknown label 2");
  /* br_if passes its values through */
  CHECK_REASON(V(TO_I32, "\x02\x7f\x41\x01\x41\x00\x0d\x00\x0b\x0b"), "");
  /* br_table: every target must have the default's arity */
  CHECK_REASON(V(TO_I32, "\x02\x7f\x41\x00\x41\x00\x0e\x01\x00\x01\x0b\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x02\x40\x41\x00\x0e\x01\x00\x01\x0b\x41\x00\x0b"), "type mismatch");
  CHECK_REASON(V(TO_I32, "\x41\x00\x0e\x00\x05\x0b"), "unknown label 5");
}

TEST(index_spaces) {
  CHECK_REASON(V(NIL, "\x20\x05\x1a\x0b"), "unknown local 5");
  CHECK_REASON(V(NIL, "\x23\x09\x1a\x0b"), "unknown global 9");
  CHECK_REASON(V(NIL, "\x42\x00\x24\x01\x0b"), "global is immutable");
  CHECK_REASON(V(NIL, "\x41\x00\x24\x00\x0b"), "");
  CHECK_REASON(V(NIL, "\x10\x07\x0b"), "unknown function 7");
  CHECK_REASON(V(NIL, "\x41\x00\x25\x05\x1a\x0b"), "unknown table 5");
  CHECK_REASON(V(NIL, "\x41\x00\x25\x01\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\x41\x00\x11\x00\x01\x0b"), "type mismatch"); /* externref table */
  CHECK_REASON(V(NIL, "\x41\x00\x11\x09\x00\x0b"), "unknown type 9");
  CHECK_REASON(V(NIL, "\xfc\x09\x03\x0b"), "unknown data segment 3");
  CHECK_REASON(V(NIL, "\xfc\x09\x00\x0b"), "");
  CHECK_REASON(V(NIL, "\xfc\x0d\x04\x0b"), "unknown elem segment 4");
  CHECK_REASON(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x01\x0b"), "type mismatch");
  CHECK_REASON(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x00\x0b"), "");
  CHECK_REASON(V(NIL, "\x41\x00\x41\x00\x41\x00\xfc\x0e\x00\x01\x0b"), "type mismatch");
  CHECK_REASON(V(NIL, "\xd0\x6f\x41\x01\xfc\x0f\x01\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\xd0\x70\x41\x01\xfc\x0f\x01\x1a\x0b"), "type mismatch");
}

TEST(references) {
  CHECK_REASON(V(NIL, "\xd2\x00\x1a\x0b"), "undeclared function reference");
  CHECK_REASON(V(NIL, "\xd2\x01\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\xd2\x08\x1a\x0b"), "unknown function 8");
  CHECK_REASON(V(TO_I32, "\xd0\x6f\xd1\x0b"), "");
  CHECK_REASON(V(TO_I32, "\x41\x00\xd1\x0b"), "type mismatch");
}

TEST(memory_and_simd) {
  CHECK_REASON(V(NIL, "\x41\x00\x28\x02\x00\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\x41\x00\x28\x03\x00\x1a\x0b"), "alignment must not be larger than natural");
  CHECK_REASON(V(NIL, "\x41\x00\x31\x01\x00\x1a\x0b"), "alignment must not be larger than natural");
  CHECK_REASON(V(NIL, "\x41\x00\x28\x20\x00\x1a\x0b"), "malformed memop flags");
  CHECK_REASON(V(NIL, "\x3f\x01\x1a\x0b"), "zero byte expected");
  CHECK_REASON(V(NIL, "\x41\x00\xfd\x00\x04\x00\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\x41\x00\xfd\x00\x05\x00\x1a\x0b"),
               "alignment must not be larger than natural");
#define ZERO16 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
  CHECK_REASON(V(TO_I32, "\xfd\x0c" ZERO16 "\xfd\x15\x0f\x0b"), "");
  CHECK_REASON(V(TO_I32, "\xfd\x0c" ZERO16 "\xfd\x15\x10\x0b"), "invalid lane index");
  CHECK_REASON(V("\x00\x01\x7e", "\xfd\x0c" ZERO16 "\xfd\x1d\x02\x0b"), "invalid lane index");
  CHECK_REASON(V(NIL, "\x41\x00\xfd\x0c" ZERO16 "\xfd\x57\x03\x00\x01\x1a\x0b"), "");
  CHECK_REASON(V(NIL, "\x41\x00\xfd\x0c" ZERO16 "\xfd\x57\x03\x00\x02\x1a\x0b"),
               "invalid lane index");
  CHECK_REASON(
      V(NIL, "\xfd\x0c" ZERO16 "\xfd\x0c" ZERO16
             "\xfd\x0d\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x1f\x1a\x0b"),
      "");
  CHECK_REASON(
      V(NIL, "\xfd\x0c" ZERO16 "\xfd\x0c" ZERO16
             "\xfd\x0d\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x20\x1a\x0b"),
      "invalid lane index");
  CHECK_REASON(V(NIL, "\xfd\x0c" ZERO16 "\x41\x01\xfd\x6b\x1a\x0b"), ""); /* i8x16.shl v128 i32 */
  CHECK_REASON(V(NIL, "\xfd\x0c" ZERO16 "\x42\x01\xfd\x6b\x1a\x0b"), "type mismatch");
  CHECK_REASON(V(NIL, "\xfd\x9a\x01\x0b"), "illegal opcode"); /* a hole in the SIMD space */
  CHECK_REASON(V(NIL, "\xfc\x12\x0b"), "illegal opcode");
  CHECK_REASON(V(NIL, "\x06\x0b"), "illegal opcode");
}

TEST(malformed_bodies) {
  CHECK_REASON(V(NIL, "\x05\x0b"), "END opcode expected");
  CHECK_REASON(V(NIL, "\x02\x40\x05\x0b\x0b"), "END opcode expected");
  CHECK_REASON(V(NIL, "\x0b\x01"), "section size mismatch");     /* bytes after the final end */
  CHECK_REASON(V(NIL, "\x02\x40\x0b"), "section size mismatch"); /* ends early: reads on */
  CHECK_REASON(V(NIL, "\x02\x50\x0b\x0b"), "malformed block type");
  CHECK_REASON(V(NIL, "\x41\x80\x80\x80\x80\x80\x00\x1a\x0b"), "integer representation too long");
}

/* Each case is a whole module: a few sections spelled out. */
TEST(module_rules) {
  wbuf w;
  /* constant expressions */
  wb_init(&w);
  WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00\x68\x0b");
  CHECK_REASON(mod_reason(&w), "constant expression required");
  wb_init(&w);
  WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00\x01\x0b");
  CHECK_REASON(mod_reason(&w), "constant expression required");
  wb_init(&w);
  WB_SEC(&w, 6, "\x01\x7f\x00\x42\x00\x0b");
  CHECK_REASON(mod_reason(&w), "type mismatch");
  wb_init(&w);
  WB_SEC(&w, 6, "\x01\x7f\x00\x0b");
  CHECK_REASON(mod_reason(&w), "type mismatch");
  wb_init(&w);
  WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00\x41\x00\x0b");
  CHECK_REASON(mod_reason(&w), "type mismatch");
  /* global.get: imported immutable globals only */
  wb_init(&w);
  WB_SEC(&w, 6, "\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b");
  CHECK_REASON(mod_reason(&w), "unknown global 0");
  wb_init(&w);
  WB_SEC(&w, 2, "\x02\x01m\x01g\x03\x7f\x01\x01m\x01h\x03\x7f\x00");
  WB_SEC(&w, 6, "\x01\x7f\x00\x23\x00\x0b");
  CHECK_REASON(mod_reason(&w), "constant expression required");
  wb_init(&w);
  WB_SEC(&w, 2, "\x02\x01m\x01g\x03\x7f\x01\x01m\x01h\x03\x7f\x00");
  WB_SEC(&w, 6, "\x01\x7f\x00\x23\x01\x0b");
  CHECK_REASON(mod_reason(&w), "");
  /* exports */
  wb_init(&w);
  WB_SEC(&w, 5, "\x01\x00\x01");
  WB_SEC(&w, 7, "\x02\x01x\x02\x00\x01x\x02\x00");
  CHECK_REASON(mod_reason(&w), "duplicate export name");
  wb_init(&w);
  WB_SEC(&w, 7, "\x01\x01x\x00\x00");
  CHECK_REASON(mod_reason(&w), "unknown function 0");
  wb_init(&w);
  WB_SEC(&w, 7, "\x01\x01x\x02\x00");
  CHECK_REASON(mod_reason(&w), "unknown memory 0");
  /* start */
  wb_init(&w);
  WB_SEC(&w, 1, "\x01\x60\x01\x7f\x00");
  WB_SEC(&w, 3, "\x01\x00");
  WB_SEC(&w, 8, "\x00");
  wb_code1(&w, "\x0b", 1);
  CHECK_REASON(mod_reason(&w), "start function");
  /* memories and tables */
  wb_init(&w);
  WB_SEC(&w, 5, "\x02\x00\x01\x00\x01");
  CHECK_REASON(mod_reason(&w), "multiple memories");
  wb_init(&w);
  WB_SEC(&w, 5, "\x01\x00\x81\x80\x04");
  CHECK_REASON(mod_reason(&w), "memory size must be at most 65536 pages (4GiB)");
  wb_init(&w);
  WB_SEC(&w, 5, "\x01\x00\x80\x80\x04");
  CHECK_REASON(mod_reason(&w), "");
  wb_init(&w);
  WB_SEC(&w, 5, "\x01\x01\x02\x01");
  CHECK_REASON(mod_reason(&w), "size minimum must not be greater than maximum");
  wb_init(&w);
  WB_SEC(&w, 4, "\x01\x70\x01\x03\x02");
  CHECK_REASON(mod_reason(&w), "size minimum must not be greater than maximum");
  wb_init(&w);
  WB_SEC(&w, 4, "\x01\x70\x01\x00\xff\xff\xff\xff\x0f"); /* table max 2^32-1 is fine */
  CHECK_REASON(mod_reason(&w), "");
  /* functions and segments */
  wb_init(&w);
  WB_SEC(&w, 3, "\x01\x00");
  wb_code1(&w, "\x0b", 1);
  CHECK_REASON(mod_reason(&w), "unknown type 0");
  wb_init(&w);
  WB_SEC(&w, 4, "\x01\x70\x00\x01");
  WB_SEC(&w, 9, "\x01\x00\x42\x00\x0b\x00");
  CHECK_REASON(mod_reason(&w), "type mismatch");
  wb_init(&w);
  WB_SEC(&w, 9, "\x01\x00\x41\x00\x0b\x00");
  CHECK_REASON(mod_reason(&w), "unknown table 0");
  wb_init(&w);
  WB_SEC(&w, 4, "\x01\x6f\x00\x01");
  WB_SEC(&w, 9, "\x01\x00\x41\x00\x0b\x00");
  CHECK_REASON(mod_reason(&w), "type mismatch"); /* funcref segment, externref table */
  wb_init(&w);
  WB_SEC(&w, 9, "\x01\x01\x00\x01\x05");
  CHECK_REASON(mod_reason(&w), "unknown function 5");
  wb_init(&w);
  WB_SEC(&w, 11, "\x01\x00\x41\x00\x0b\x00");
  CHECK_REASON(mod_reason(&w), "unknown memory 0");
  /* memory.init / data.drop need a data count section */
  wb_init(&w);
  WB_SEC(&w, 1, "\x01\x60\x00\x00");
  WB_SEC(&w, 3, "\x01\x00");
  WB_SEC(&w, 5, "\x01\x00\x01");
  wb_code1(&w, "\xfc\x09\x00\x0b", 4);
  WB_SEC(&w, 11, "\x01\x01\x00");
  CHECK_REASON(mod_reason(&w), "data count section required");
}

/* Constant expressions of every kind, and C.refs from a global initialiser. */
TEST(constant_expressions) {
  wbuf w;
  wb_init(&w);
  WB_SEC(&w, 1, "\x01\x60\x00\x00");
  WB_SEC(&w, 3, "\x02\x00\x00");
  WB_SEC(&w, 6,
         "\x04"
         "\x7b\x00\xfd\x0c\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x0b"
         "\x70\x00\xd2\x01\x0b"
         "\x6f\x01\xd0\x6f\x0b"
         "\x7c\x00\x44\x00\x00\x00\x00\x00\x00\xf0\x3f\x0b");
  /* function 0 takes ref.func 1: declared by the global above */
  wbuf c = {.n = 0};
  wb_put(&c, "\x02\x05\x00\xd2\x01\x1a\x0b\x02\x00\x0b", 10);
  wb_sec(&w, 10, (const char *)c.b, c.n);
  rusm_error e;
  memset(&e, 0, sizeof e);
  wasm_module *m = front_load(w.b, w.n, &e);
  if (!m) fprintf(stderr, "  %s\n", e.reason);
  REQUIRE(m);
  CHECK_EQ(m->globals[0].init.kind, WASM_CONST_V128);
  CHECK_EQ(m->globals[0].init.u.v128[0], 0x0807060504030201ull);
  CHECK_EQ(m->globals[0].init.u.v128[1], 0x100f0e0d0c0b0a09ull);
  CHECK_EQ(m->globals[1].init.kind, WASM_CONST_REF_FUNC);
  CHECK_EQ(m->globals[1].init.index, 1);
  CHECK_EQ(m->globals[2].init.kind, WASM_CONST_REF_NULL);
  CHECK_EQ(m->globals[2].init.type, RUSM_EXTERNREF);
  CHECK_EQ(m->globals[3].init.u.f64_bits, 0x3ff0000000000000ull);
  CHECK(m->funcs[1].declared);
  CHECK(!m->funcs[0].declared);
  wasm_module_free(m);
  /* ref.func of an undeclared function from a body */
  wb_init(&w);
  WB_SEC(&w, 1, "\x01\x60\x00\x00");
  WB_SEC(&w, 3, "\x02\x00\x00");
  wb_sec(&w, 10, (const char *)c.b, c.n);
  CHECK_REASON(mod_reason(&w), "undeclared function reference");
}

/* Module-level errors name their section and point at it. */
TEST(module_error_location) {
  wbuf w;
  wb_init(&w);
  WB_SEC(&w, 5, "\x01\x00\x01");
  size_t export_at = w.n;
  WB_SEC(&w, 7, "\x02\x01x\x02\x00\x01x\x02\x00");
  rusm_error e;
  memset(&e, 0, sizeof e);
  wasm_module *m = front_load(w.b, w.n, &e);
  CHECK(m == NULL);
  CHECK_STR(e.reason, "duplicate export name");
  CHECK_STR(e.section, "export");
  CHECK_EQ(e.offset, export_at);
  wasm_module_free(m);
}

/* A malformed body outranks an earlier module-level validation error. */
TEST(malformed_outranks_invalid) {
  wbuf w;
  wb_init(&w);
  WB_SEC(&w, 1, "\x01\x60\x00\x00");
  WB_SEC(&w, 3, "\x01\x00");
  WB_SEC(&w, 7, "\x01\x01x\x00\x09");  /* invalid: unknown function 9 */
  wb_code1(&w, "\x41\x00\x06\x0b", 4); /* malformed: illegal opcode */
  CHECK_REASON(mod_reason(&w), "illegal opcode");
  wasm_module *m = wasm_decode_module(w.b, w.n, NULL);
  REQUIRE(m);
  rusm_error e;
  CHECK(!wasm_validate_module_level(m, &e));
  CHECK_REASON(e.reason, "unknown function 9");
  wasm_refine_error(m, &e);
  CHECK_REASON(e.reason, "illegal opcode");
  CHECK_STR(e.section, "code");
  wasm_module_free(m);
}

/* The instruction stream as a translator sees it. */
TEST(instruction_stream) {
  /* [i32] -> [i32]:
  **   block (result i32) local.get 0 local.get 0 br_if 0 end
  **   i32.const 1 i32.add
  **   i32.const 0 br_table 0 0 ; unreachable tail
  **   drop end */
  static const char body[] = "\x02\x7f\x20\x00\x20\x00\x0d\x00\x0b"
                             "\x41\x01\x6a"
                             "\x41\x00\x0e\x01\x00\x00"
                             "\x1a\x0b";
  wbuf w;
  body_module(&w, "\x01\x7f\x01\x7f", 4, body, sizeof body - 1);
  rusm_error err;
  wasm_module *m = wasm_decode_module(w.b, w.n, &err);
  REQUIRE(m);
  REQUIRE(wasm_validate_module_level(m, &err));
  wasm_fv *v = wasm_fv_new(m);
  REQUIRE(v);
  CHECK(!wasm_fv_begin(v, 7, &err)); /* not a function */
  REQUIRE(wasm_fv_begin(v, 0, &err));
  CHECK_EQ(wasm_fv_depth(v), 1);
  wasm_instr ins;
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* block */
  CHECK_EQ(ins.op, WASM_OP_BLOCK);
  CHECK_EQ(ins.height, 0);
  REQUIRE(ins.ctrl);
  CHECK_EQ(ins.ctrl->type.n_results, 1);
  CHECK_EQ(ins.ctrl->type.results[0], RUSM_I32);
  wasm_fv_ctrl(v, 0)->user = 42;
  CHECK_EQ(wasm_fv_depth(v), 2);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* local.get 0 */
  CHECK_EQ(ins.op, WASM_OP_LOCAL_GET);
  CHECK_EQ(ins.type, RUSM_I32);
  CHECK_EQ(ins.imm.index, 0);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* local.get 0 */
  CHECK_EQ(wasm_fv_height(v), 2);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* br_if 0 */
  CHECK_EQ(ins.op, WASM_OP_BR_IF);
  CHECK_EQ(ins.height, 2);
  REQUIRE(ins.ctrl);
  CHECK_EQ(ins.ctrl->user, 42);
  CHECK_EQ(ins.ctrl->height, 0);
  CHECK_EQ(wasm_fv_height(v), 1);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* end of block */
  CHECK_EQ(ins.op, WASM_OP_END);
  REQUIRE(ins.ctrl);
  CHECK_EQ(ins.ctrl->user, 42);
  CHECK_EQ(ins.ctrl->op, WASM_OP_BLOCK);
  CHECK_EQ(wasm_fv_depth(v), 1);
  CHECK_EQ(wasm_fv_height(v), 1);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* i32.const 1 */
  CHECK_EQ(ins.imm.i32, 1);
  CHECK_EQ(wasm_fv_stack(v)[1], RUSM_I32);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* i32.add */
  CHECK_EQ(ins.height, 2);
  CHECK_EQ(wasm_fv_height(v), 1);
  CHECK_EQ(wasm_fv_max_height(v), 2);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* i32.const 0 */
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* br_table 0 0 */
  CHECK_EQ(ins.height, 2);
  CHECK_EQ(ins.op, WASM_OP_BR_TABLE);
  CHECK_EQ(ins.imm.br_table.n, 1);
  CHECK_EQ(ins.imm.br_table.targets[0], 0);
  CHECK_EQ(ins.imm.br_table.targets[1], 0);
  CHECK(wasm_fv_ctrl(v, 0)->unreachable);
  CHECK_EQ(wasm_fv_height(v), 0);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* drop in dead code */
  CHECK(ins.unreachable);
  CHECK_EQ(ins.type, WASM_T_UNKNOWN);
  REQUIRE(wasm_fv_next(v, &ins, &err) == 1); /* final end */
  CHECK_EQ(ins.op, WASM_OP_END);
  REQUIRE(ins.ctrl);
  CHECK_EQ(ins.ctrl->op, 0);
  CHECK_EQ(wasm_fv_depth(v), 0);
  CHECK_EQ(wasm_fv_next(v, &ins, &err), 0);
  CHECK_EQ(wasm_fv_next(v, &ins, &err), 0);
  /* the same stream validates function 1, then function 0 again */
  CHECK(wasm_validate_func(v, 1, &err));
  CHECK(wasm_validate_func(v, 0, &err));
  wasm_fv_free(v);
  wasm_module_free(m);
}

/* A stream that fails reports an error and can be restarted. */
TEST(stream_errors) {
  wbuf w;
  body_module(&w, NIL, 2, "\x41\x00\x42\x00\x6a\x1a\x0b", 7);
  rusm_error err;
  memset(&err, 0, sizeof err);
  wasm_module *m = wasm_decode_module(w.b, w.n, &err);
  REQUIRE(m);
  REQUIRE(wasm_validate_module_level(m, &err));
  wasm_fv *v = wasm_fv_new(m);
  REQUIRE(v);
  REQUIRE(wasm_fv_begin(v, 0, &err));
  wasm_instr ins;
  int r, n = 0;
  while ((r = wasm_fv_next(v, &ins, &err)) > 0) n++;
  CHECK_EQ(r, -1);
  CHECK_EQ(n, 2);
  CHECK_STR(err.reason, "type mismatch");
  CHECK_STR(err.section, "code");
  CHECK_EQ(m->bytes[err.offset], 0x6a); /* points at the i32.add */
  CHECK(wasm_validate_func(v, 1, &err));
  wasm_fv_free(v);
  wasm_module_free(m);
}

TEST_MAIN(typing_basics, polymorphic_stack, control, index_spaces, references, memory_and_simd,
          malformed_bodies, module_rules, constant_expressions, module_error_location,
          malformed_outranks_invalid, instruction_stream, stream_errors)
