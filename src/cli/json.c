/*
** json.c: recursive-descent JSON parser into an arena (see json.h).
**
** wast2json output is machine-written, so the reader favours clear errors
** over speed; still, a 10 MB script parses in a few tens of milliseconds
** because every node comes from one bump allocator.
*/
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

typedef struct json_block {
  struct json_block *next;
  size_t used, cap;
  _Alignas(max_align_t) unsigned char data[];
} json_block;

struct json_doc {
  json_block *blocks;
  const json_value *root;
};

typedef struct {
  json_doc *doc;
  const char *p, *end;
  int line;
  int depth;
  char *err;
  size_t err_cap;
  bool failed;
} json_parser;

static void *arena_alloc(json_doc *doc, size_t size) {
  size = (size + 15) & ~(size_t)15;
  json_block *b = doc->blocks;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > 65536 ? size : 65536;
    b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = doc->blocks;
    b->used = 0;
    b->cap = cap;
    doc->blocks = b;
  }
  void *r = b->data + b->used;
  b->used += size;
  return r;
}

static void fail(json_parser *ps, const char *why) {
  if (ps->failed) return;
  ps->failed = true;
  if (ps->err && ps->err_cap) snprintf(ps->err, ps->err_cap, "line %d: %s", ps->line, why);
}

static void skip_ws(json_parser *ps) {
  while (ps->p < ps->end) {
    char c = *ps->p;
    if (c == '\n')
      ps->line++;
    else if (c != ' ' && c != '\t' && c != '\r')
      return;
    ps->p++;
  }
}

static json_value *new_value(json_parser *ps, json_kind kind) {
  json_value *v = arena_alloc(ps->doc, sizeof *v);
  if (!v) {
    fail(ps, "out of memory");
    return NULL;
  }
  memset(v, 0, sizeof *v);
  v->kind = kind;
  return v;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_hex4(json_parser *ps, uint32_t *o) {
  if (ps->end - ps->p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hex_digit(ps->p[i]);
    if (d < 0) return false;
    v = v << 4 | (uint32_t)d;
  }
  ps->p += 4;
  *o = v;
  return true;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* Called with p just past the opening quote. Decoded text is never longer
** than the source text, so the span to the closing quote bounds the output. */
static const char *parse_string_raw(json_parser *ps, size_t *o_len) {
  const char *q = ps->p;
  while (q < ps->end && *q != '"') q += (*q == '\\') ? 2 : 1;
  if (q >= ps->end) {
    fail(ps, "unterminated string");
    return NULL;
  }
  char *out = arena_alloc(ps->doc, (size_t)(q - ps->p) + 1);
  if (!out) {
    fail(ps, "out of memory");
    return NULL;
  }
  size_t n = 0;
  while (*ps->p != '"') {
    char c = *ps->p++;
    if ((unsigned char)c < 0x20) {
      fail(ps, "control character in string");
      return NULL;
    }
    if (c != '\\') {
      out[n++] = c;
      continue;
    }
    char e = *ps->p++;
    switch (e) {
    case '"': out[n++] = '"'; break;
    case '\\': out[n++] = '\\'; break;
    case '/': out[n++] = '/'; break;
    case 'b': out[n++] = '\b'; break;
    case 'f': out[n++] = '\f'; break;
    case 'n': out[n++] = '\n'; break;
    case 'r': out[n++] = '\r'; break;
    case 't': out[n++] = '\t'; break;
    case 'u': {
      uint32_t cp, lo;
      if (!read_hex4(ps, &cp)) {
        fail(ps, "bad \\u escape");
        return NULL;
      }
      /* A surrogate pair is two escapes; a lone surrogate is kept as is. */
      if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
          ps->p[1] == 'u') {
        const char *save = ps->p;
        ps->p += 2;
        if (read_hex4(ps, &lo) && lo >= 0xdc00 && lo < 0xe000)
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        else
          ps->p = save;
      }
      n += put_utf8(out + n, cp);
      break;
    }
    default: fail(ps, "bad escape"); return NULL;
    }
  }
  ps->p++; /* closing quote */
  out[n] = '\0';
  *o_len = n;
  return out;
}

static const json_value *parse_value(json_parser *ps);

static bool expect(json_parser *ps, char c) {
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == c) {
    ps->p++;
    return true;
  }
  char msg[32];
  snprintf(msg, sizeof msg, "expected '%c'", c);
  fail(ps, msg);
  return false;
}

/* Items are gathered on a temporary heap vector, then copied to the arena. */
typedef struct {
  const json_value **vals;
  const char **keys;
  size_t n, cap;
} json_vec;

static bool vec_push(json_vec *v, const char *key, const json_value *val) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    const json_value **nv = realloc(v->vals, cap * sizeof *nv);
    if (!nv) return false;
    v->vals = nv;
    const char **nk = realloc(v->keys, cap * sizeof *nk);
    if (!nk) return false;
    v->keys = nk;
    v->cap = cap;
  }
  v->keys[v->n] = key;
  v->vals[v->n++] = val;
  return true;
}

static const json_value *finish_container(json_parser *ps, json_kind kind, json_vec *vec) {
  json_value *v = new_value(ps, kind);
  if (v && vec->n) {
    v->items = arena_alloc(ps->doc, vec->n * sizeof *v->items);
    if (kind == JSON_OBJECT) v->keys = arena_alloc(ps->doc, vec->n * sizeof *v->keys);
    if (!v->items || (kind == JSON_OBJECT && !v->keys)) {
      fail(ps, "out of memory");
      v = NULL;
    } else {
      memcpy(v->items, vec->vals, vec->n * sizeof *v->items);
      if (kind == JSON_OBJECT) memcpy(v->keys, vec->keys, vec->n * sizeof *v->keys);
      v->n = vec->n;
    }
  }
  free(vec->vals);
  free(vec->keys);
  return ps->failed ? NULL : v;
}

static const json_value *parse_container(json_parser *ps, bool object) {
  char close = object ? '}' : ']';
  json_vec vec = {0};
  ps->p++; /* opening bracket */
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return finish_container(ps, object ? JSON_OBJECT : JSON_ARRAY, &vec);
  }
  for (;;) {
    const char *key = NULL;
    if (object) {
      size_t klen;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != '"') {
        fail(ps, "expected a key");
        break;
      }
      ps->p++;
      key = parse_string_raw(ps, &klen);
      if (!key || !expect(ps, ':')) break;
    }
    const json_value *item = parse_value(ps);
    if (!item) break;
    if (!vec_push(&vec, key, item)) {
      fail(ps, "out of memory");
      break;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    expect(ps, close);
    break;
  }
  return finish_container(ps, object ? JSON_OBJECT : JSON_ARRAY, &vec);
}

static const json_value *parse_number(json_parser *ps) {
  char buf[64];
  size_t n = 0;
  while (ps->p < ps->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", *ps->p))
    buf[n++] = *ps->p++;
  buf[n] = '\0';
  char *endp;
  double d = strtod(buf, &endp);
  if (n == 0 || *endp) {
    fail(ps, "bad number");
    return NULL;
  }
  json_value *v = new_value(ps, JSON_NUMBER);
  if (v) v->number = d;
  return v;
}

static const json_value *parse_literal(json_parser *ps, const char *word, json_kind kind, bool b) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
    fail(ps, "unexpected character");
    return NULL;
  }
  ps->p += n;
  json_value *v = new_value(ps, kind);
  if (v) v->boolean = b;
  return v;
}

static const json_value *parse_value(json_parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) {
    fail(ps, "unexpected end of input");
    return NULL;
  }
  if (++ps->depth > JSON_MAX_DEPTH) {
    fail(ps, "nesting too deep");
    return NULL;
  }
  const json_value *r;
  switch (*ps->p) {
  case '{': r = parse_container(ps, true); break;
  case '[': r = parse_container(ps, false); break;
  case '"': {
    size_t len;
    ps->p++;
    const char *s = parse_string_raw(ps, &len);
    json_value *v = s ? new_value(ps, JSON_STRING) : NULL;
    if (v) {
      v->str = s;
      v->str_len = len;
    }
    r = v;
    break;
  }
  case 't': r = parse_literal(ps, "true", JSON_BOOL, true); break;
  case 'f': r = parse_literal(ps, "false", JSON_BOOL, false); break;
  case 'n': r = parse_literal(ps, "null", JSON_NULL, false); break;
  default: r = parse_number(ps); break;
  }
  ps->depth--;
  return r;
}

json_doc *json_parse(const char *text, size_t len, char *err, size_t err_cap) {
  json_doc *doc = calloc(1, sizeof *doc);
  if (!doc) {
    if (err && err_cap) snprintf(err, err_cap, "out of memory");
    return NULL;
  }
  json_parser ps = {
      .doc = doc, .p = text, .end = text + len, .line = 1, .err = err, .err_cap = err_cap};
  doc->root = parse_value(&ps);
  skip_ws(&ps);
  if (!ps.failed && ps.p != ps.end) fail(&ps, "trailing characters after the document");
  if (ps.failed) {
    json_free(doc);
    return NULL;
  }
  return doc;
}

void json_free(json_doc *doc) {
  if (!doc) return;
  for (json_block *b = doc->blocks, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(doc);
}

const json_value *json_root(const json_doc *doc) {
  return doc->root;
}

const json_value *json_get(const json_value *obj, const char *key) {
  if (!obj || obj->kind != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

const char *json_get_str(const json_value *obj, const char *key) {
  const json_value *v = json_get(obj, key);
  return v && v->kind == JSON_STRING ? v->str : NULL;
}

size_t json_count(const json_value *v) {
  return v && (v->kind == JSON_ARRAY || v->kind == JSON_OBJECT) ? v->n : 0;
}

const json_value *json_at(const json_value *arr, size_t i) {
  return arr && arr->kind == JSON_ARRAY && i < arr->n ? arr->items[i] : NULL;
}
