/*
** caps.c: the default-deny capability set (rusm/caps.h): profiles, the
** builder, getters and the one-line summary.
*/
#include "rusm/caps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct caps_kv {
  char *key, *value;
} caps_kv;

typedef struct caps_dir {
  char *host, *guest;
  bool read_only;
} caps_dir;

struct rusm_caps {
  bool grant[RUSM_CAP_COUNT_];
  uint64_t max_memory;
  caps_kv *env;
  size_t n_env;
  caps_dir *dirs;
  size_t n_dirs;
  bool failed; /* a builder call could not be honoured */
};

static const char *const caps_profile_ids[] = {
#define X(e, s) s,
    RUSM_CAP_PROFILES(X)
#undef X
};

static const char *const caps_words[] = {
#define X(e, n, s) s,
    RUSM_CAP_GRANTS(X)
#undef X
};

const char *rusm_profile_id(rusm_profile p) {
  return (unsigned)p < RUSM_PROFILE_COUNT_ ? caps_profile_ids[p] : NULL;
}

bool rusm_profile_from_id(const char *id, rusm_profile *o_p) {
  for (unsigned i = 0; id && i < RUSM_PROFILE_COUNT_; i++) {
    if (strcmp(id, caps_profile_ids[i]) == 0) {
      *o_p = (rusm_profile)i;
      return true;
    }
  }
  return false;
}

rusm_caps *rusm_caps_new(void) {
  rusm_caps *c = calloc(1, sizeof *c);
  if (c) c->max_memory = RUSM_CAPS_DEFAULT_MEMORY;
  return c;
}

rusm_caps *rusm_caps_from_profile(rusm_profile p) {
  rusm_caps *c = rusm_caps_new();
  if (!c) return NULL;
  switch (p) {
  case RUSM_PROFILE_TRUSTED:
    c->max_memory = RUSM_CAPS_TRUSTED_MEMORY;
    for (unsigned g = 0; g < RUSM_CAP_COUNT_; g++) c->grant[g] = true;
    break;
  case RUSM_PROFILE_NETWORK_CLIENT: c->grant[RUSM_CAP_NETWORK] = true; break;
  default: break;
  }
  return c;
}

static char *caps_strdup(rusm_caps *c, const char *s) {
  char *d = s ? strdup(s) : NULL;
  if (!d) c->failed = true;
  return d;
}

rusm_caps *rusm_caps_clone(const rusm_caps *src) {
  rusm_caps *c = rusm_caps_new();
  if (!c) return NULL;
  memcpy(c->grant, src->grant, sizeof c->grant);
  c->max_memory = src->max_memory;
  c->failed = src->failed;
  for (size_t i = 0; i < src->n_env; i++) rusm_caps_env(c, src->env[i].key, src->env[i].value);
  for (size_t i = 0; i < src->n_dirs; i++)
    rusm_caps_preopen(c, src->dirs[i].host, src->dirs[i].guest, src->dirs[i].read_only);
  if (c->failed && !src->failed) {
    rusm_caps_free(c);
    return NULL;
  }
  return c;
}

void rusm_caps_free(rusm_caps *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_env; i++) {
    free(c->env[i].key);
    free(c->env[i].value);
  }
  for (size_t i = 0; i < c->n_dirs; i++) {
    free(c->dirs[i].host);
    free(c->dirs[i].guest);
  }
  free(c->env);
  free(c->dirs);
  free(c);
}

rusm_caps *rusm_caps_set(rusm_caps *c, rusm_cap_grant g, bool on) {
  if ((unsigned)g < RUSM_CAP_COUNT_)
    c->grant[g] = on;
  else
    c->failed = true;
  return c;
}

rusm_caps *rusm_caps_env(rusm_caps *c, const char *key, const char *value) {
  if (!key || !*key || strchr(key, '=') || !value) {
    c->failed = true;
    return c;
  }
  for (size_t i = 0; i < c->n_env; i++) {
    if (strcmp(c->env[i].key, key) == 0) {
      char *v = caps_strdup(c, value);
      if (v) {
        free(c->env[i].value);
        c->env[i].value = v;
      }
      return c;
    }
  }
  caps_kv *n = realloc(c->env, (c->n_env + 1) * sizeof *n);
  if (!n) {
    c->failed = true;
    return c;
  }
  c->env = n;
  char *k = caps_strdup(c, key), *v = caps_strdup(c, value);
  if (!k || !v) {
    free(k);
    free(v);
    return c;
  }
  c->env[c->n_env++] = (caps_kv){k, v};
  return c;
}

rusm_caps *rusm_caps_preopen(rusm_caps *c, const char *host_dir, const char *guest_path,
                             bool read_only) {
  if (!host_dir || !*host_dir || !guest_path || !*guest_path) {
    c->failed = true;
    return c;
  }
  caps_dir *n = realloc(c->dirs, (c->n_dirs + 1) * sizeof *n);
  if (!n) {
    c->failed = true;
    return c;
  }
  c->dirs = n;
  char *h = caps_strdup(c, host_dir), *g = caps_strdup(c, guest_path);
  if (!h || !g) {
    free(h);
    free(g);
    return c;
  }
  c->dirs[c->n_dirs++] = (caps_dir){h, g, read_only};
  return c;
}

rusm_caps *rusm_caps_max_memory(rusm_caps *c, uint64_t bytes) {
  c->max_memory = bytes;
  return c;
}

bool rusm_caps_ok(const rusm_caps *c) {
  return c && !c->failed;
}

bool rusm_caps_has(const rusm_caps *c, rusm_cap_grant g) {
  return (unsigned)g < RUSM_CAP_COUNT_ && c->grant[g];
}

uint64_t rusm_caps_memory_limit(const rusm_caps *c) {
  return c->max_memory;
}
size_t rusm_caps_env_count(const rusm_caps *c) {
  return c->n_env;
}

void rusm_caps_env_at(const rusm_caps *c, size_t i, const char **o_key, const char **o_value) {
  *o_key = i < c->n_env ? c->env[i].key : NULL;
  *o_value = i < c->n_env ? c->env[i].value : NULL;
}

size_t rusm_caps_preopen_count(const rusm_caps *c) {
  return c->n_dirs;
}

void rusm_caps_preopen_at(const rusm_caps *c, size_t i, const char **o_host_dir,
                          const char **o_guest_path, bool *o_read_only) {
  bool in = i < c->n_dirs;
  *o_host_dir = in ? c->dirs[i].host : NULL;
  *o_guest_path = in ? c->dirs[i].guest : NULL;
  if (o_read_only) *o_read_only = in ? c->dirs[i].read_only : true;
}

/* Appends like snprintf into a bounded buffer while counting the full length. */
typedef struct caps_out {
  char *buf;
  size_t cap, len;
} caps_out;

static void caps_put(caps_out *o, const char *text) {
  for (; *text; text++, o->len++)
    if (o->len + 1 < o->cap) o->buf[o->len] = *text;
}

/* fmt holds exactly one PRIu64 conversion. */
static void caps_putn(caps_out *o, const char *fmt, uint64_t n) {
  char tmp[64];
  if (snprintf(tmp, sizeof tmp, fmt, n) > 0) caps_put(o, tmp);
}

size_t rusm_caps_summary(const rusm_caps *c, char *buf, size_t cap) {
  caps_out o = {buf, cap, 0};
  bool any = c->n_env || c->n_dirs;
  for (unsigned g = 0; g < RUSM_CAP_COUNT_; g++) any |= c->grant[g];
  if (!any) caps_put(&o, "sandboxed ");
  for (unsigned g = 0; g < RUSM_CAP_COUNT_; g++)
    if (c->grant[g]) {
      caps_put(&o, caps_words[g]);
      caps_put(&o, " ");
    }
  if (c->n_dirs) caps_putn(&o, "fs=%" PRIu64 " ", c->n_dirs);
  if (c->n_env) caps_putn(&o, "env=%" PRIu64 " ", c->n_env);
  uint64_t m = c->max_memory;
  if (m % (1ull << 20) == 0)
    caps_putn(&o, "mem=%" PRIu64 "M", m >> 20);
  else if (m % 1024 == 0)
    caps_putn(&o, "mem=%" PRIu64 "K", m >> 10);
  else
    caps_putn(&o, "mem=%" PRIu64 "B", m);
  if (cap) buf[o.len < cap ? o.len : cap - 1] = 0;
  return o.len;
}
