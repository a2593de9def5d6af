/*
** test_memory.c: linear memories whose data image is large enough to be
** mapped copy-on-write (INST_COW_MIN): contents, writes private to one
** instance, reset on reuse, growth out of the mapping; and standalone
** memories.
*/
#include "../test.h"
#include "rusm/engine.h"

#define IMAGE (300u << 10) /* above the copy-on-write threshold */

typedef struct buf {
  uint8_t *p;
  size_t n;
} buf;

static void put(buf *b, const void *s, size_t n) {
  b->p = realloc(b->p, b->n + n);
  memcpy(b->p + b->n, s, n);
  b->n += n;
}
static void put_u8(buf *b, uint8_t v) {
  put(b, &v, 1);
}
static void put_leb(buf *b, uint32_t v) {
  do {
    uint8_t c = v & 0x7f;
    v >>= 7;
    put_u8(b, c | (v ? 0x80 : 0));
  } while (v);
}
static void section(buf *m, uint8_t id, buf *s) {
  put_u8(m, id);
  put_leb(m, (uint32_t)s->n);
  put(m, s->p, s->n);
  free(s->p);
  s->p = NULL;
  s->n = 0;
}

/* (memory 8) with IMAGE bytes of data at 0 (byte i = i*7 mod 256), exports
** peek(addr)->u8, poke(addr, v), grow(n)->old. */
static buf big_module(void) {
  buf m = {0}, s = {0};
  put(&m, "\0asm\1\0\0\0", 8);
  static const uint8_t types[] = {2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 0};
  put(&s, types, sizeof types);
  section(&m, 1, &s);
  static const uint8_t funcs[] = {3, 0, 1, 0};
  put(&s, funcs, sizeof funcs);
  section(&m, 3, &s);
  static const uint8_t mem[] = {1, 0, 8};
  put(&s, mem, sizeof mem);
  section(&m, 5, &s);
  put_u8(&s, 3);
  const char *names[] = {"peek", "poke", "grow"};
  for (uint8_t i = 0; i < 3; i++) {
    put_leb(&s, 4);
    put(&s, names[i], 4);
    put_u8(&s, 0);
    put_u8(&s, i);
  }
  section(&m, 7, &s);
  static const uint8_t code[] = {3,    7, 0,    0x20, 0, 0x2d, 0, 0, 0x0b, 9, 0,    0x20, 0,
                                 0x20, 1, 0x3a, 0,    0, 0x0b, 6, 0, 0x20, 0, 0x40, 0,    0x0b};
  put(&s, code, sizeof code);
  section(&m, 10, &s);
  static const uint8_t dhead[] = {1, 0, 0x41, 0, 0x0b};
  put(&s, dhead, sizeof dhead);
  put_leb(&s, IMAGE);
  uint8_t *img = malloc(IMAGE);
  for (uint32_t i = 0; i < IMAGE; i++) img[i] = (uint8_t)(i * 7);
  put(&s, img, IMAGE);
  free(img);
  section(&m, 11, &s);
  return m;
}

static rusm_func *fn(rusm_instance *in, const char *name) {
  rusm_extern e;
  return rusm_instance_export(in, name, &e) ? e.u.func : NULL;
}

static int32_t call2(rusm_instance *in, const char *name, int32_t a, int32_t b) {
  rusm_val args[2] = {{.i32 = a}, {.i32 = b}}, r = {0};
  if (rusm_invoke(in, fn(in, name), args, UINT32_MAX) != RUSM_EXEC_DONE) return INT32_MIN;
  rusm_results(in, &r);
  return r.i32;
}

TEST(cow_image) {
  buf b = big_module();
  rusm_error err;
  rusm_module *m = rusm_module_load(b.p, b.n, &err);
  free(b.p);
  REQUIRE(m);
  rusm_prepared *p = rusm_prepare(m, NULL, 0, &err);
  REQUIRE(p);
  rusm_instance *x = rusm_instantiate(p, NULL, NULL), *y = rusm_instantiate(p, NULL, NULL);
  REQUIRE(x && y);
  CHECK_EQ(call2(x, "peek", 1000, 0), (uint8_t)(1000 * 7));
  CHECK_EQ(call2(x, "peek", IMAGE - 1, 0), (uint8_t)((IMAGE - 1) * 7));
  CHECK_EQ(call2(x, "peek", IMAGE + 5, 0), 0);
  call2(x, "poke", 1000, 0xee);
  call2(x, "poke", 200000, 0xdd);
  CHECK_EQ(call2(x, "peek", 1000, 0), 0xee);
  CHECK_EQ(call2(y, "peek", 1000, 0), (uint8_t)(1000 * 7)); /* private to x */
  rusm_instance_free(x);
  rusm_instance *z = rusm_instantiate(p, NULL, NULL); /* x's slot, reset */
  REQUIRE(z);
  CHECK_EQ(call2(z, "peek", 1000, 0), (uint8_t)(1000 * 7));
  CHECK_EQ(call2(z, "peek", 200000, 0), (uint8_t)(200000 * 7));
  /* Growing leaves the mapping; contents and the new zero pages are right. */
  call2(z, "poke", 5, 0x11);
  CHECK_EQ(call2(z, "grow", 2, 0), 8);
  CHECK_EQ(call2(z, "peek", 5, 0), 0x11);
  CHECK_EQ(call2(z, "peek", 2000, 0), (uint8_t)(2000 * 7));
  CHECK_EQ(call2(z, "peek", 9 * 65536, 0), 0);
  rusm_instance_free(z);
  z = rusm_instantiate(p, NULL, NULL);
  REQUIRE(z);
  CHECK_EQ(call2(z, "peek", 5, 0), (uint8_t)(5 * 7));
  CHECK_EQ(call2(z, "grow", 0, 0), 8);
  rusm_instance_free(z);
  rusm_instance_free(y);
  rusm_prepared_free(p);
  rusm_module_free(m);
}

TEST(standalone_memory) {
  rusm_memory *mem = rusm_memory_new((rusm_limits){2, 3});
  REQUIRE(mem);
  uint64_t size = 0;
  uint8_t *d = rusm_memory_data(mem, &size);
  CHECK_EQ(size, 2 * 65536);
  CHECK(d && d[0] == 0 && d[size - 1] == 0);
  rusm_memory_free(mem);
  CHECK(rusm_memory_new((rusm_limits){4, 3}) == NULL); /* min above max */
}

TEST_MAIN(cow_image, standalone_memory)
