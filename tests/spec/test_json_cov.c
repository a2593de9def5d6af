/*
** test_json_cov.c: the JSON reader's remaining escapes: the short ones
** wast2json rarely writes, three-byte code points, and surrogates that do
** not pair up (kept as they are, as the reader documents).
*/
#include "../test.h"

#include "json.h"

static json_doc *parse(const char *s) {
  char err[128];
  return json_parse(s, strlen(s), err, sizeof err);
}

TEST(short_escapes) {
  json_doc *d = parse("[\"\\/\\b\\f\\r\\t\"]");
  REQUIRE(d);
  const json_value *s = json_at(json_root(d), 0);
  REQUIRE(s && s->kind == JSON_STRING);
  CHECK_EQ(s->str_len, 5);
  CHECK_STR(s->str, "/\b\f\r\t");
  json_free(d);
}

TEST(three_byte_code_points) {
  json_doc *d = parse("[\"\\u20ac\\u0800\\uffff\"]");
  REQUIRE(d);
  CHECK_STR(json_at(json_root(d), 0)->str, "\xe2\x82\xac\xe0\xa0\x80\xef\xbf\xbf");
  json_free(d);
}

TEST(unpaired_surrogates_are_kept) {
  /* A high surrogate followed by an escape that is not a low one. */
  json_doc *d = parse("[\"\\ud800\\u0041\", \"\\ud800x\", \"\\udc00\"]");
  REQUIRE(d);
  CHECK_STR(json_at(json_root(d), 0)->str, "\xed\xa0\x80"
                                           "A");
  CHECK_STR(json_at(json_root(d), 1)->str, "\xed\xa0\x80x");
  CHECK_STR(json_at(json_root(d), 2)->str, "\xed\xb0\x80");
  json_free(d);
}

TEST(bad_escapes_are_refused) {
  char err[128] = "";
  const char *s = "[\"\\u12g4\"]";
  CHECK(json_parse(s, strlen(s), err, sizeof err) == NULL);
  CHECK(strstr(err, "bad \\u escape") != NULL);
  s = "[\"\\q\"]";
  CHECK(json_parse(s, strlen(s), err, sizeof err) == NULL);
  CHECK(err[0] != 0);
}

TEST_MAIN(short_escapes, three_byte_code_points, unpaired_surrogates_are_kept,
          bad_escapes_are_refused)
