/*
** json.h: a small JSON reader, enough for wabt's wast2json output.
**
** The whole document is parsed into a tree of json_value nodes that live in
** one arena; json_free releases all of it. Strings are decoded to UTF-8 and
** keep their length, because Wasm names may contain NUL bytes.
*/
#ifndef RUSM_CLI_JSON_H
#define RUSM_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_value json_value;
typedef struct json_doc json_doc;

struct json_value {
  json_kind kind;
  bool boolean;
  double number;
  const char *str; /* STRING: NUL-terminated; str_len excludes the terminator */
  size_t str_len;
  size_t n;                 /* ARRAY / OBJECT: number of items */
  const json_value **items; /* ARRAY items, OBJECT values */
  const char **keys;        /* OBJECT keys (NUL-terminated) */
};

/* Parses text[0..len). Returns a document owned by the caller (json_free),
** or NULL with a message in err (line and reason). */
json_doc *json_parse(const char *text, size_t len, char *err, size_t err_cap);
void json_free(json_doc *doc); /* takes doc and every value in it */
const json_value *json_root(const json_doc *doc);

/* Lookups; all return borrowed values valid until json_free. */
const json_value *json_get(const json_value *obj, const char *key); /* NULL if absent */
const char *json_get_str(const json_value *obj, const char *key);   /* NULL unless a string */
size_t json_count(const json_value *v);                             /* 0 unless array/object */
const json_value *json_at(const json_value *arr, size_t i);         /* NULL if out of range */

#endif
