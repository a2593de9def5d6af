/*
** test_json_fault.c: the JSON reader when memory runs out. Every allocation
** a parse makes is failed in turn (tests/fault); each time the parse must
** give NULL and say "out of memory", and leak nothing (ASan build). The
** documents are shaped so the failing allocation lands on each kind of
** arena use: the first block, a new block for a value, for a container's
** items and for an object's keys, and the growth of the item vector.
*/
#include "../test.h"

#include "fault.h"
#include "json.h"

/* A JSON string literal of n 'x's, in a buffer owned by the caller. */
static char *x_string(size_t n) {
  char *s = malloc(n + 3);
  if (!s) return NULL;
  s[0] = '"';
  memset(s + 1, 'x', n);
  s[n + 1] = '"';
  s[n + 2] = '\0';
  return s;
}

/* Parses doc once to count its allocations, then fails each one in turn.
** Returns how many allocations the parse makes. */
static uint64_t sweep(const char *doc) {
  char err[128];
  size_t len = strlen(doc);
  fault_count_on();
  json_doc *d = json_parse(doc, len, err, sizeof err);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  CHECK(d != NULL);
  json_free(d);
  for (uint64_t n = 1; n <= k; n++) {
    err[0] = '\0';
    fault_arm(FAULT_ALLOC, n, 0);
    d = json_parse(doc, len, err, sizeof err);
    uint64_t failed = fault_failed(FAULT_ALLOC);
    fault_reset();
    CHECK(d == NULL);
    json_free(d);
    CHECK_EQ(failed, 1);
    /* The document itself comes first and has no line yet. */
    CHECK_STR(err, n == 1 ? "out of memory" : "line 1: out of memory");
  }
  return k;
}

TEST(a_scalar_needs_the_document_and_a_block) {
  CHECK_EQ(sweep("1"), 2);
  char err[64];
  json_doc *d = json_parse("1", 1, err, sizeof err);
  REQUIRE(d);
  CHECK(json_root(d)->kind == JSON_NUMBER && json_root(d)->number == 1);
  json_free(d);
}

TEST(growing_the_item_vector) {
  /* Nine items: the vector grows from 8 to 16, two reallocs each time. */
  const char *doc = "{\"a\": [1, 2, 3, 4, 5, 6, 7, 8, 9], \"b\": \"x\"}";
  CHECK_EQ(sweep(doc), 2 + 2 * 2 + 2);
  char err[64];
  json_doc *d = json_parse(doc, strlen(doc), err, sizeof err);
  REQUIRE(d);
  CHECK_EQ(json_count(json_get(json_root(d), "a")), 9);
  CHECK_STR(json_get_str(json_root(d), "b"), "x");
  json_free(d);
}

/* The arena's blocks hold 65536 bytes and every allocation is rounded up to
** 16; a value node takes 64. Each document below fills the first block
** exactly, so the next allocation (named) needs a block of its own. */
TEST(new_block_for_a_string_value) {
  char *doc = x_string(65535); /* 65536 bytes of text; its node is next */
  REQUIRE(doc);
  CHECK_EQ(sweep(doc), 3);
  free(doc);
}

TEST(new_block_for_array_items) {
  char *s = x_string(65407), *doc = malloc(65407 + 5); /* text + 2 nodes = 65536 */
  REQUIRE(s && doc);
  snprintf(doc, 65407 + 5, "[%s]", s);
  CHECK_EQ(sweep(doc), 5);
  char err[64];
  json_doc *d = json_parse(doc, strlen(doc), err, sizeof err);
  REQUIRE(d);
  CHECK_EQ(json_at(json_root(d), 0)->str_len, 65407);
  json_free(d);
  free(s);
  free(doc);
}

TEST(new_block_for_object_keys) {
  char *s = x_string(65391), *doc = malloc(65391 + 8); /* key + 2 nodes + items = 65536 */
  REQUIRE(s && doc);
  snprintf(doc, 65391 + 8, "{%s:1}", s);
  CHECK_EQ(sweep(doc), 5);
  free(s);
  free(doc);
}

TEST_MAIN(a_scalar_needs_the_document_and_a_block, growing_the_item_vector,
          new_block_for_a_string_value, new_block_for_array_items, new_block_for_object_keys)
