/*
** test_json.c: the JSON reader behind `rusm wast` (src/cli/json.c).
*/
#include "../test.h"

#include "json.h"

static json_doc *parse(const char *s) {
  char err[128];
  return json_parse(s, strlen(s), err, sizeof err);
}

TEST(parses_wast2json_shape) {
  const char *s = "{\"source_filename\": \"i32.wast\",\n \"commands\": [\n"
                  "  {\"type\": \"module\", \"line\": 3, \"filename\": \"i32.0.wasm\"},\n"
                  "  {\"type\": \"assert_return\", \"line\": 37, \"action\": {\"type\": "
                  "\"invoke\", \"field\": \"add\", \"args\": [{\"type\": \"i32\", \"value\": "
                  "\"1\"}]}, \"expected\": []}]}";
  json_doc *d = parse(s);
  REQUIRE(d);
  const json_value *cmds = json_get(json_root(d), "commands");
  CHECK_EQ(json_count(cmds), 2);
  CHECK_STR(json_get_str(json_at(cmds, 0), "filename"), "i32.0.wasm");
  CHECK_EQ(json_get(json_at(cmds, 1), "line")->number, 37);
  const json_value *args = json_get(json_get(json_at(cmds, 1), "action"), "args");
  CHECK_STR(json_get_str(json_at(args, 0), "value"), "1");
  CHECK_EQ(json_count(json_get(json_at(cmds, 1), "expected")), 0);
  CHECK(json_at(cmds, 2) == NULL);
  CHECK(json_get(json_root(d), "missing") == NULL);
  json_free(d);
}

TEST(decodes_escapes_and_keeps_nul) {
  json_doc *d = parse("[\"a\\u0000b\", \"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\"]");
  REQUIRE(d);
  const json_value *a = json_at(json_root(d), 0), *b = json_at(json_root(d), 1);
  CHECK_EQ(a->str_len, 3);
  CHECK(memcmp(a->str, "a\0b", 3) == 0);
  CHECK_STR(b->str, "\xc3\xa9\xf0\x9f\x98\x80\n\"\\");
  json_free(d);
}

TEST(literals_and_numbers) {
  json_doc *d = parse(" [true, false, null, -12.5e1, 0] ");
  REQUIRE(d);
  const json_value *r = json_root(d);
  CHECK(json_at(r, 0)->kind == JSON_BOOL && json_at(r, 0)->boolean);
  CHECK(json_at(r, 1)->kind == JSON_BOOL && !json_at(r, 1)->boolean);
  CHECK(json_at(r, 2)->kind == JSON_NULL);
  CHECK(json_at(r, 3)->number == -125.0);
  CHECK(json_at(r, 4)->kind == JSON_NUMBER);
  json_free(d);
}

TEST(rejects_bad_documents) {
  static const char *const bad[] = {"",      "[1,]",    "{\"a\" 1}", "[\"abc",      "{\"a\":1}x",
                                    "[tru]", "\"\\q\"", "{1: 2}",    "[\"\\u12\"]", "[\"a\nb\"]"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char err[128] = "";
    json_doc *d = json_parse(bad[i], strlen(bad[i]), err, sizeof err);
    CHECK(d == NULL);
    CHECK(err[0] != '\0');
    json_free(d);
  }
}

TEST(error_names_the_line) {
  char err[128] = "";
  const char *s = "{\n\"a\": 1,\n\"b\": ]\n}";
  CHECK(json_parse(s, strlen(s), err, sizeof err) == NULL);
  CHECK(strstr(err, "line 3") != NULL);
}

TEST(deep_nesting_is_refused_not_crashing) {
  char buf[2001];
  memset(buf, '[', 2000);
  buf[2000] = '\0';
  char err[128];
  CHECK(json_parse(buf, 2000, err, sizeof err) == NULL);
}

TEST(large_documents_span_arena_blocks) {
  size_t n = 20000;
  char *s = malloc(n * 6 + 3);
  REQUIRE(s);
  size_t k = 0;
  s[k++] = '[';
  for (size_t i = 0; i < n; i++) k += (size_t)sprintf(s + k, "%s\"x\"", i ? "," : "");
  s[k++] = ']';
  char err[128];
  json_doc *d = json_parse(s, k, err, sizeof err);
  free(s);
  REQUIRE(d);
  CHECK_EQ(json_count(json_root(d)), n);
  CHECK_STR(json_at(json_root(d), n - 1)->str, "x");
  json_free(d);
}

TEST_MAIN(parses_wast2json_shape, decodes_escapes_and_keeps_nul, literals_and_numbers,
          rejects_bad_documents, error_names_the_line, deep_nesting_is_refused_not_crashing,
          large_documents_span_arena_blocks)
