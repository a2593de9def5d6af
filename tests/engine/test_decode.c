/*
** test_decode.c: the binary decoder (src/engine/decode*.c) on hand-built
** binaries: what a good module decodes into, and the spec's wording for
** each kind of malformed input. Also the opcode table's facts and a
** mutation run (hostile input must never crash or leak).
*/
#include "../test.h"
#include "front_util.h"
#include "wbuild.h"

/* Decodes only (no validation); returns the reason or "". */
static const char *dec_reason(const uint8_t *b, size_t n) {
  static rusm_error err;
  memset(&err, 0, sizeof err);
  wasm_module *m = wasm_decode_module(b, n, &err);
  if (m) {
    wasm_module_free(m);
    return "";
  }
  return err.reason;
}
#define RAW(lit) dec_reason((const uint8_t *)(lit), sizeof(lit) - 1)
#define MOD(lit) RAW("\0asm\1\0\0\0" lit)

static bool starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}
#define CHECK_REASON(got, want)                                                                    \
  do {                                                                                             \
    const char *g_ = (got);                                                                        \
    if (!starts(g_, want)) {                                                                       \
      test_failures_++;                                                                            \
      fprintf(stderr, "  %s:%d: want \"%s\", got \"%s\"\n", __FILE__, __LINE__, want, g_);         \
    }                                                                                              \
  } while (0)

TEST(opcode_table) {
  CHECK_EQ(WASM_OP_I32_ADD, 0x6a);
  CHECK_EQ(WASM_OP_MEMORY_FILL, 0x10b);
  CHECK_EQ(WASM_OP_I8X16_ADD, 0x26e);
  CHECK_STR(wasm_op_name(WASM_OP_I32_ADD), "i32.add");
  CHECK_STR(wasm_op_name(WASM_OP_F64X2_CONVERT_LOW_I32X4_U), "f64x2.convert_low_i32x4_u");
  CHECK_STR(wasm_op_name(0x06), "<illegal>");
  int n_main = 0, n_fc = 0, n_fd = 0;
  for (unsigned op = 0; op < WASM_OP_COUNT; op++) {
    if (!wasm_op_info(op)->name) continue;
    if (op < 0x100)
      n_main++;
    else if (op < 0x200)
      n_fc++;
    else
      n_fd++;
  }
  CHECK_EQ(n_main, 183);
  CHECK_EQ(n_fc, 18);
  CHECK_EQ(n_fd, 236); /* the whole final SIMD proposal */
  const wasm_opinfo *add = wasm_op_info(WASM_OP_I64_ADD);
  CHECK(!add->special);
  CHECK_EQ(add->n_pop, 2);
  CHECK_EQ(add->pop[0], RUSM_I64);
  CHECK_EQ(add->push, RUSM_I64);
  const wasm_opinfo *st = wasm_op_info(WASM_OP_F32_STORE);
  CHECK_EQ(st->n_pop, 2);
  CHECK_EQ(st->pop[0], RUSM_I32);
  CHECK_EQ(st->pop[1], RUSM_F32);
  CHECK_EQ(st->push, 0);
  CHECK_EQ(st->imm, WASM_IMM_MEMARG);
  CHECK(wasm_op_info(WASM_OP_BLOCK)->special);
  CHECK_EQ(wasm_op_info(WASM_OP_V128_BITSELECT)->n_pop, 3);
  CHECK_EQ(wasm_op_info(WASM_OP_I8X16_SHUFFLE)->imm, WASM_IMM_SHUFFLE);
}

TEST(header_errors) {
  CHECK_REASON(RAW(""), "unexpected end");
  CHECK_REASON(RAW("\0as"), "unexpected end");
  CHECK_REASON(RAW("\0asn\1\0\0\0"), "magic header not detected");
  CHECK_REASON(RAW("asm\0\1\0\0\0"), "magic header not detected");
  CHECK_REASON(RAW("\0asm\1\0\0"), "unexpected end");
  CHECK_REASON(RAW("\0asm\2\0\0\0"), "unknown binary version");
  CHECK_REASON(RAW("\0asm\0\0\0\1"), "unknown binary version");
  CHECK_STR(MOD(""), "");
}

TEST(section_framing) {
  CHECK_REASON(MOD("\x0d\x00"), "malformed section id");
  CHECK_REASON(MOD("\x7f\x00"), "malformed section id");
  CHECK_REASON(MOD("\x01"), "unexpected end");
  CHECK_REASON(MOD("\x01\x05\x01\x60\x00"), "length out of bounds");
  /* declared 4 bytes, content uses 3 */
  CHECK_REASON(MOD("\x01\x05\x01\x60\x00\x00\x00"), "section size mismatch");
  /* the payload runs past the declared size into the next section */
  CHECK_REASON(MOD("\x01\x03\x01\x60\x00\x00"), "section size mismatch");
  /* out of order and duplicate sections */
  CHECK_REASON(MOD("\x03\x01\x00\x01\x01\x00"), "unexpected content after last section");
  CHECK_REASON(MOD("\x01\x01\x00\x01\x01\x00"), "unexpected content after last section");
  /* data count goes before code; custom sections go anywhere */
  CHECK_STR(MOD("\x00\x02\x01x\x01\x01\x00\x00\x01\x00\x0c\x01\x00\x0a\x01\x00\x0b\x01\x00"), "");
  CHECK_REASON(MOD("\x0a\x01\x00\x0c\x01\x00"), "unexpected content after last section");
  /* custom section: name must fit in the section */
  CHECK_REASON(MOD("\x00\x00"), "unexpected end");
  CHECK_REASON(MOD("\x00\x01\x05"), "length out of bounds");
  CHECK_REASON(MOD("\x00\x00\x00\x05\x01\x00\x07\x00\x00"), "unexpected end");
  CHECK_REASON(MOD("\x00\x03\x02\xc0\x80"), "malformed UTF-8 encoding");
}

TEST(leb128_rules) {
  /* type count 0 as a 5-byte u32 is fine; 6 bytes is too long */
  CHECK_STR(MOD("\x01\x05\x80\x80\x80\x80\x00"), "");
  CHECK_REASON(MOD("\x01\x06\x80\x80\x80\x80\x80\x00"), "integer representation too long");
  /* 5th byte with unused bits set */
  CHECK_REASON(MOD("\x01\x05\x80\x80\x80\x80\x70"), "integer too large");
  /* memory limits: a 5-byte max is fine, a 6-byte one too long */
  CHECK_STR(MOD("\x05\x07\x01\x01\x00\x81\x80\x80\x00"), "");
  CHECK_REASON(MOD("\x05\x09\x01\x01\x00\x82\x80\x80\x80\x80\x00"),
               "integer representation too long");
  /* signed: i32.const in a global, 5th byte must sign-extend */
  CHECK_STR(MOD("\x06\x0a\x01\x7f\x00\x41\xff\xff\xff\xff\x7f\x0b"), "");
  CHECK_REASON(MOD("\x06\x0a\x01\x7f\x00\x41\xff\xff\xff\xff\x4f\x0b"), "integer too large");
  CHECK_REASON(MOD("\x06\x0a\x01\x7f\x00\x41\x80\x80\x80\x80\x70\x0b"), "integer too large");
  /* i64.const: 10 bytes max */
  CHECK_STR(MOD("\x06\x0f\x01\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f\x0b"), "");
  CHECK_REASON(MOD("\x06\x0f\x01\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x41\x0b"),
               "integer too large");
  /* limits flags are a 1-bit LEB128 */
  CHECK_REASON(MOD("\x05\x03\x01\x02\x00"), "integer too large");
  CHECK_REASON(MOD("\x05\x04\x01\x81\x00\x00"), "integer representation too long");
}

TEST(utf8_names) {
  /* export names: good 2-, 3- and 4-byte sequences, then bad ones */
  CHECK_STR(MOD("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
                "\x07\x0d\x01\x09\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x00\x00"
                "\x0a\x04\x01\x02\x00\x0b"),
            "");
  static const char *bad[] = {
      "\xc0\x80",         /* overlong NUL */
      "\xe0\x80\x80",     /* overlong */
      "\xed\xa0\x80",     /* surrogate D800 */
      "\xf4\x90\x80\x80", /* above U+10FFFF */
      "\x80",             /* stray continuation */
      "\xc3",             /* truncated */
      "\xf8\x88\x80\x80", /* 5-byte form */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    wbuf w;
    wb_init(&w);
    wbuf s = {.n = 0};
    size_t n = strlen(bad[i]);
    wb_leb(&s, 1);
    wb_leb(&s, (uint32_t)n);
    wb_put(&s, bad[i], n);
    wb_put(&s, "\x03\x00", 2); /* global export 0 */
    wb_sec(&w, 7, (const char *)s.b, s.n);
    CHECK_REASON(dec_reason(w.b, w.n), "malformed UTF-8 encoding");
  }
}

TEST(malformed_entries) {
  CHECK_REASON(MOD("\x02\x05\x01\x00\x00\x04\x00"), "malformed import kind");
  CHECK_REASON(MOD("\x02\x06\x01\x00\x00\x03\x7f\x02"), "malformed mutability");
  CHECK_REASON(MOD("\x04\x04\x01\x7f\x00\x00"), "malformed reference type");
  CHECK_REASON(MOD("\x01\x05\x01\x60\x01\x7a\x00"), "malformed value type");
  CHECK_REASON(MOD("\x01\x04\x01\x61\x00\x00"), "malformed function type");
  CHECK_REASON(MOD("\x07\x04\x01\x00\x05\x00"), "malformed export kind");
  /* a function section without code section, and vice versa */
  CHECK_REASON(MOD("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"),
               "function and code section have inconsistent lengths");
  CHECK_REASON(MOD("\x0a\x04\x01\x02\x00\x0b"),
               "function and code section have inconsistent lengths");
  /* data count 1 with no data section */
  CHECK_REASON(MOD("\x0c\x01\x01"), "data count and data section have inconsistent lengths");
  CHECK_REASON(MOD("\x05\x03\x01\x00\x01\x0c\x01\x02\x0b\x04\x01\x01\x01\x61"),
               "data count and data section have inconsistent lengths");
  /* locals: 2^32 in total, and beyond the engine's cap */
  CHECK_REASON(MOD("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
                   "\x0a\x0c\x01\x0a\x02\xff\xff\xff\xff\x0f\x7f\x01\x7e\x0b"),
               "too many locals");
  CHECK_REASON(MOD("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
                   "\x0a\x08\x01\x06\x01\x80\x80\x04\x7f\x0b"),
               "too many locals");
  /* an element segment with an unknown flag, a data segment likewise */
  CHECK_REASON(MOD("\x09\x02\x01\x08"), "malformed elements segment kind");
  CHECK_REASON(MOD("\x0b\x02\x01\x03"), "malformed data segment kind");
  /* an illegal opcode in a constant expression */
  CHECK_REASON(MOD("\x06\x04\x01\x7f\x00\x06"), "illegal opcode");
}

/* Hostile counts must fail on length, not try to allocate. */
TEST(huge_counts_fail_cheaply) {
  CHECK_REASON(MOD("\x01\x05\xff\xff\xff\xff\x0f"), "length out of bounds");
  CHECK_REASON(MOD("\x02\x05\xff\xff\xff\xff\x0f"), "length out of bounds");
  CHECK_REASON(MOD("\x0a\x05\xff\xff\xff\xff\x0f"), "length out of bounds");
  CHECK_REASON(MOD("\x0b\x08\x01\x01\xff\xff\xff\xff\x0f\x00"), "length out of bounds");
}

TEST(error_fields) {
  rusm_error err;
  memset(&err, 0, sizeof err);
  static const uint8_t b[] = {0,    'a',  's',  'm',  1,    0,    0,   0,
                              0x02, 0x05, 0x01, 0x00, 0x00, 0x04, 0x00};
  CHECK(wasm_decode_module(b, sizeof b, &err) == NULL);
  CHECK_STR(err.section, "import");
  CHECK_EQ(err.offset, 13); /* the kind byte */
  CHECK_STR(err.reason, "malformed import kind");
  CHECK(wasm_decode_module(b, 3, NULL) == NULL); /* o_err may be NULL */
}

/* One module touching every section; checks what it decodes into. */
static wbuf good;

static void build_good(void) {
  wbuf *w = &good;
  wb_init(w);
  /* types: 0 = [] -> [], 1 = [i32 i64] -> [f32], 2 = [] -> [] again */
  WB_SEC(w, 1, "\x03\x60\x00\x00\x60\x02\x7f\x7e\x01\x7d\x60\x00\x00");
  /* imports: func env.f (type 1), global env.g (i32 const), memory env.m {1} */
  WB_SEC(w, 2,
         "\x03"
         "\x03"
         "env\x01"
         "f\x00\x01"
         "\x03"
         "env\x01"
         "g\x03\x7f\x00"
         "\x03"
         "env\x01"
         "m\x02\x00\x01");
  /* functions 1 and 2, both type 0 */
  WB_SEC(w, 3, "\x02\x00\x00");
  /* table: funcref {2, max 10} */
  WB_SEC(w, 4, "\x01\x70\x01\x02\x0a");
  /* global 1: mutable i64 = 7 */
  WB_SEC(w, 6, "\x01\x7e\x01\x42\x07\x0b");
  /* exports: "b" func 2, "a" func 1, "mem" memory 0 */
  WB_SEC(w, 7,
         "\x03\x01"
         "b\x00\x02\x01"
         "a\x00\x01\x03"
         "mem\x02\x00");
  /* start: function 1 */
  WB_SEC(w, 8, "\x01");
  /* elems: active {offset global.get 0} [1, 2]; passive funcref exprs
  ** [ref.null func]; declarative [2] */
  WB_SEC(w, 9,
         "\x03"
         "\x00\x23\x00\x0b\x02\x01\x02"
         "\x05\x70\x01\xd0\x70\x0b"
         "\x03\x00\x01\x02");
  /* data count 2 */
  WB_SEC(w, 12, "\x02");
  /* code: two bodies; the second declares 3 locals: 2 x i32, 1 x f64 */
  WB_SEC(w, 10,
         "\x02"
         "\x02\x00\x0b"
         "\x06\x02\x02\x7f\x01\x7c\x0b");
  /* data: active at i32.const 8 "hi"; passive "xyz" */
  WB_SEC(w, 11,
         "\x02"
         "\x00\x41\x08\x0b\x02hi"
         "\x01\x03xyz");
  /* name section: function 1 is "start", 2 is "other" */
  WB_SEC(w, 0, "\x04name\x01\x0f\x02\x01\x05start\x02\x05other");
}

TEST(good_module_structure) {
  rusm_error err;
  memset(&err, 0, sizeof err);
  build_good();
  wasm_module *m = wasm_decode_module(good.b, good.n, &err);
  if (!m) fprintf(stderr, "  decode: %s @%zu (%s)\n", err.reason, err.offset, err.section);
  REQUIRE(m);
  CHECK_EQ(m->n_types, 3);
  CHECK_EQ(m->types[1].n_params, 2);
  CHECK_EQ(m->types[1].params[1], RUSM_I64);
  CHECK_EQ(m->types[1].results[0], RUSM_F32);
  CHECK_EQ(m->types[2].canon, 0); /* structurally equal to type 0 */
  CHECK_EQ(m->types[1].canon, 1);
  CHECK_EQ(m->n_imports, 3);
  CHECK_STR(m->imports[0].module.str, "env");
  CHECK_STR(m->imports[2].name.str, "m");
  CHECK_EQ(m->n_imported_funcs, 1);
  CHECK_EQ(m->n_imported_globals, 1);
  CHECK_EQ(m->n_imported_memories, 1);
  CHECK_EQ(m->n_funcs, 3);
  CHECK_EQ(m->funcs[0].import, 0);
  CHECK_EQ(m->funcs[0].type_index, 1);
  CHECK_EQ(m->funcs[1].import, WASM_NONE);
  CHECK_EQ(m->funcs[2].n_locals, 3);
  CHECK_EQ(m->funcs[2].n_local_runs, 2);
  REQUIRE(m->funcs[2].locals);
  CHECK_EQ(m->funcs[2].locals[1], RUSM_I32);
  CHECK_EQ(m->funcs[2].locals[2], RUSM_F64);
  CHECK_EQ(m->funcs[1].n_locals, 0);
  CHECK_EQ(m->bytes[m->funcs[2].code_end - 1], 0x0b);
  CHECK_EQ(m->n_tables, 1);
  CHECK_EQ(m->tables[0].limits.min, 2);
  CHECK_EQ(m->tables[0].limits.max, 10);
  CHECK_EQ(m->n_memories, 1);
  CHECK_EQ(m->memories[0].import, 2);
  CHECK_EQ(m->memories[0].limits.max, UINT64_MAX);
  CHECK_EQ(m->n_globals, 2);
  CHECK_EQ(m->globals[0].import, 1);
  CHECK(m->globals[1].mutable_);
  CHECK_EQ(m->globals[1].init.kind, WASM_CONST_I64);
  CHECK_EQ(m->globals[1].init.u.i64, 7);
  CHECK_EQ(m->n_exports, 3);
  CHECK_EQ(wasm_module_find_export(m, "a", 1), 1);
  CHECK_EQ(wasm_module_find_export(m, "b", 1), 0);
  CHECK_EQ(wasm_module_find_export(m, "mem", 3), 2);
  CHECK_EQ(wasm_module_find_export(m, "me", 2), -1);
  CHECK_EQ(wasm_module_find_export(m, "zzz", 3), -1);
  CHECK_EQ(m->start, 1);
  CHECK_EQ(m->n_elems, 3);
  CHECK_EQ(m->elems[0].mode, WASM_SEG_ACTIVE);
  CHECK_EQ(m->elems[0].offset.kind, WASM_CONST_GLOBAL_GET);
  CHECK_EQ(m->elems[0].n_items, 2);
  CHECK_EQ(m->elems[0].items[1].kind, WASM_CONST_REF_FUNC);
  CHECK_EQ(m->elems[0].items[1].index, 2);
  CHECK_EQ(m->elems[1].mode, WASM_SEG_PASSIVE);
  CHECK_EQ(m->elems[1].items[0].kind, WASM_CONST_REF_NULL);
  CHECK_EQ(m->elems[1].items[0].type, RUSM_FUNCREF);
  CHECK_EQ(m->elems[2].mode, WASM_SEG_DECLARATIVE);
  CHECK(m->has_data_count);
  CHECK_EQ(m->n_datas, 2);
  CHECK_EQ(m->datas[0].offset.u.i32, 8);
  CHECK_EQ(m->datas[0].len, 2);
  CHECK(memcmp(m->bytes + m->datas[0].bytes_offset, "hi", 2) == 0);
  CHECK_EQ(m->datas[1].mode, WASM_SEG_PASSIVE);
  CHECK(memcmp(m->bytes + m->datas[1].bytes_offset, "xyz", 3) == 0);
  CHECK_STR(wasm_module_func_name(m, 1), "start");
  CHECK_STR(wasm_module_func_name(m, 2), "other");
  CHECK(wasm_module_func_name(m, 0) == NULL);
  CHECK(wasm_module_func_name(m, 99) == NULL);
  /* and it validates; exported and element-listed functions are declared */
  CHECK(wasm_validate_module(m, &err));
  CHECK(m->funcs[1].declared);
  CHECK(m->funcs[2].declared);
  CHECK(!m->funcs[0].declared);
  CHECK_EQ(m->elems[0].offset.type, RUSM_I32);
  wasm_module_free(m);
}

/* The module keeps its own copy: the input may go away. */
TEST(module_owns_its_bytes) {
  build_good();
  size_t n = good.n;
  uint8_t *copy = malloc(n);
  memcpy(copy, good.b, n);
  wasm_module *m = wasm_decode_module(copy, n, NULL);
  memset(copy, 0xee, n);
  free(copy);
  REQUIRE(m);
  CHECK_STR(m->exports[2].name.str, "mem");
  CHECK(memcmp(m->bytes + m->datas[1].bytes_offset, "xyz", 3) == 0);
  wasm_module_free(m);
  wasm_module_free(NULL);
}

/* Every byte flipped, every truncation, and random multi-byte mutations of
** the good module: each either loads or fails with a reason; under ASan
** this is also the no-overread, no-leak check. */
TEST(mutations_never_crash) {
  build_good();
  size_t n = good.n;
  uint8_t *b = malloc(n);
  int loaded = 0, failed = 0;
  for (size_t cut = 0; cut < n; cut++) {
    rusm_error e;
    wasm_module *m = front_load(good.b, cut, &e);
    m ? loaded++ : failed++;
    if (!m) CHECK(e.reason[0] != 0);
    wasm_module_free(m);
  }
  uint64_t s = 0x9e3779b97f4a7c15ull;
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(b, good.b, n);
    int k = 1 + (int)(s % 4);
    for (int j = 0; j < k; j++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      b[(s >> 8) % n] = (uint8_t)(s >> 40);
    }
    rusm_error e;
    memset(&e, 0, sizeof e);
    wasm_module *m = front_load(b, n, &e);
    m ? loaded++ : failed++;
    if (!m) CHECK(e.reason[0] != 0);
    wasm_module_free(m);
  }
  free(b);
  CHECK(failed > 10000);
  CHECK(loaded > 0);
}

TEST_MAIN(opcode_table, header_errors, section_framing, leb128_rules, utf8_names, malformed_entries,
          huge_counts_fail_cheaply, error_fields, good_module_structure, module_owns_its_bytes,
          mutations_never_crash)
