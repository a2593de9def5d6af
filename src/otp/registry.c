/*
** registry.c: names (name -> one pid) and process groups (tag -> pids).
**
** Two chained hash tables under one mutex; each process keeps the list of
** its names and tags (p->reg, also under the mutex) so that its exit can
** release them without a scan. The OTP_F_REG flag is set under the
** process's lock while it is seen alive, so an exit that finds the flag
** clear can skip the mutex: a racing register sees the process dead.
**
** whereis_or_spawn holds the mutex from lookup to registration and creates
** the candidate only when the name is free, so a losing caller never spawns
** anything.
*/
#include "otp_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

int otp_registry_init(otp_registry *r) {
  memset(r, 0, sizeof *r);
  if (pthread_mutex_init(&r->mu, NULL) != 0) return -1;
  r->ncap = r->tcap = 64;
  r->names = calloc(r->ncap, sizeof *r->names);
  r->tags = calloc(r->tcap, sizeof *r->tags);
  return r->names && r->tags ? 0 : -1;
}

void otp_registry_fini(otp_registry *r) {
  for (size_t i = 0; i < r->ncap && r->names; i++)
    for (otp_name *n = r->names[i], *nx; n; n = nx) nx = n->next, free(n);
  for (size_t i = 0; i < r->tcap && r->tags; i++)
    for (otp_tag *t = r->tags[i], *nx; t; t = nx) nx = t->next, free(t->v), free(t);
  free(r->names);
  free(r->tags);
  pthread_mutex_destroy(&r->mu);
}

/* Generic grow for both tables: next pointer first, hash second. */
typedef struct chain {
  struct chain *next;
  uint64_t hash;
} chain;

static void rehash(void ***tab, size_t *cap, size_t count) {
  if (count < *cap) return;
  size_t ncap = *cap * 2;
  chain **nt = calloc(ncap, sizeof *nt);
  if (!nt) return; /* keep the longer chains */
  chain **old = (chain **)*tab;
  for (size_t i = 0; i < *cap; i++) {
    for (chain *c = old[i], *nx; c; c = nx) {
      nx = c->next;
      c->next = nt[c->hash & (ncap - 1)];
      nt[c->hash & (ncap - 1)] = c;
    }
  }
  free(old);
  *tab = (void **)nt;
  *cap = ncap;
}

static otp_name **name_find(otp_registry *r, const char *key, uint64_t h) {
  otp_name **pp = &r->names[h & (r->ncap - 1)];
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0) return pp;
  return pp;
}

static otp_tag **tag_find(otp_registry *r, const char *key, uint64_t h) {
  otp_tag **pp = &r->tags[h & (r->tcap - 1)];
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0) return pp;
  return pp;
}

/* Marks p as holding registry entries if it is alive (process lock). */
static bool mark_reg(otp_proc *p) {
  otp_lock_take(&p->lock);
  bool alive = otp_proc_alive(p);
  if (alive) atomic_fetch_or(&p->flags, OTP_F_REG);
  otp_lock_give(&p->lock);
  return alive;
}

static bool reglist_add(otp_proc *p, const char *key, bool tag) {
  otp_reglist *l = p->reg;
  if (!l) {
    l = p->reg = calloc(1, sizeof *l);
    if (!l) return false;
  }
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 2;
    void *v = realloc(l->v, cap * sizeof *l->v);
    if (!v) return false;
    l->v = v;
    l->cap = cap;
  }
  char *k = strdup(key);
  if (!k) return false;
  l->v[l->n].key = k;
  l->v[l->n].tag = tag;
  l->n++;
  return true;
}

static void reglist_remove(otp_proc *p, const char *key, bool tag) {
  otp_reglist *l = p->reg;
  for (uint32_t i = 0; l && i < l->n; i++) {
    if (l->v[i].tag != tag || strcmp(l->v[i].key, key) != 0) continue;
    free(l->v[i].key);
    l->v[i] = l->v[--l->n];
    return;
  }
}

/* Registers under r->mu; p holds a reference. */
static bool name_add(otp_registry *r, const char *name, otp_proc *p) {
  uint64_t h = hash_str(name);
  otp_name **pp = name_find(r, name, h);
  otp_name *n = *pp;
  otp_proc *holder = n ? otp_proc_get(p->rt, n->pid) : NULL;
  if (holder) {
    otp_proc_put(holder);
    return false;
  }
  if (!n) {
    size_t len = strlen(name);
    n = malloc(sizeof *n + len + 1);
    if (!n) return false;
    memcpy(n->key, name, len + 1);
    n->hash = h;
    n->next = NULL;
    *pp = n;
    r->ncount++;
    rehash((void ***)&r->names, &r->ncap, r->ncount);
  }
  /* a new entry, or one whose holder is exiting and has not released it
  ** yet: its release then skips the entry, which names p now */
  n->pid = otp_pid(p);
  if (!reglist_add(p, name, false)) {
    otp_name **q = name_find(r, name, h);
    otp_name *dead = *q;
    *q = dead->next;
    free(dead);
    r->ncount--;
    return false;
  }
  return true;
}

bool rusm_register(rusm_rt *rt, const char *name, rusm_pid pid) {
  if (!name) return false;
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return false;
  otp_registry *r = &rt->reg;
  pthread_mutex_lock(&r->mu);
  bool ok = mark_reg(p) && name_add(r, name, p);
  pthread_mutex_unlock(&r->mu);
  otp_proc_put(p);
  return ok;
}

rusm_pid rusm_whereis(rusm_rt *rt, const char *name) {
  if (!name) return RUSM_PID_NONE;
  otp_registry *r = &rt->reg;
  pthread_mutex_lock(&r->mu);
  otp_name *n = *name_find(r, name, hash_str(name));
  rusm_pid pid = n ? n->pid : RUSM_PID_NONE;
  pthread_mutex_unlock(&r->mu);
  if (pid != RUSM_PID_NONE && !rusm_is_alive(rt, pid)) pid = RUSM_PID_NONE;
  return pid;
}

static bool name_remove(rusm_rt *rt, const char *name, rusm_pid only) {
  otp_registry *r = &rt->reg;
  uint64_t h = hash_str(name);
  otp_name **pp = name_find(r, name, h);
  otp_name *n = *pp;
  if (!n || (only != RUSM_PID_NONE && n->pid != only)) return false;
  *pp = n->next;
  r->ncount--;
  otp_proc *p = otp_slot(rt, (uint32_t)n->pid);
  /* the holder's list: only while that generation still owns the slot */
  if (p && otp_pid(p) == n->pid) reglist_remove(p, name, false);
  free(n);
  return true;
}

bool rusm_unregister(rusm_rt *rt, const char *name) {
  if (!name) return false;
  pthread_mutex_lock(&rt->reg.mu);
  bool ok = name_remove(rt, name, RUSM_PID_NONE);
  pthread_mutex_unlock(&rt->reg.mu);
  return ok;
}

bool rusm_send_named(rusm_rt *rt, const char *name, const void *data, size_t len) {
  rusm_pid pid = rusm_whereis(rt, name);
  return pid != RUSM_PID_NONE && rusm_send(rt, pid, data, len);
}

rusm_pid rusm_whereis_or_spawn(rusm_rt *rt, const char *name, rusm_body_fn body, void *arg,
                               void (*arg_free)(void *)) {
  if (!name || !body) {
    if (arg_free) arg_free(arg);
    return RUSM_PID_NONE;
  }
  otp_registry *r = &rt->reg;
  pthread_mutex_lock(&r->mu);
  otp_name *n = *name_find(r, name, hash_str(name));
  if (n) {
    otp_proc *holder = otp_proc_get(rt, n->pid);
    if (holder) {
      rusm_pid pid = n->pid;
      otp_proc_put(holder);
      pthread_mutex_unlock(&r->mu);
      if (arg_free) arg_free(arg);
      return pid;
    }
  }
  otp_proc *p = otp_proc_new(rt, &otp_native_vt);
  if (!p) {
    pthread_mutex_unlock(&r->mu);
    if (arg_free) arg_free(arg);
    return RUSM_PID_NONE;
  }
  p->body.n.fn = body;
  p->body.n.arg = arg;
  p->body.n.arg_free = arg_free;
  rusm_pid pid = otp_pid(p);
  if (!(mark_reg(p) && name_add(r, name, p))) otp_kill_proc(p, RUSM_EXIT_KILLED); /* no memory */
  pthread_mutex_unlock(&r->mu);
  otp_proc_start(p);
  return pid;
}

/* ------------------------------------------------------------------ tags */

bool rusm_register_tag(rusm_rt *rt, const char *tag, rusm_pid pid) {
  if (!tag) return false;
  otp_proc *p = otp_proc_get(rt, pid);
  if (!p) return false;
  otp_registry *r = &rt->reg;
  pthread_mutex_lock(&r->mu);
  bool ok = mark_reg(p);
  if (ok) {
    uint64_t h = hash_str(tag);
    otp_tag **pp = tag_find(r, tag, h);
    otp_tag *t = *pp;
    if (!t) {
      size_t len = strlen(tag);
      t = calloc(1, sizeof *t + len + 1);
      if (t) {
        memcpy(t->key, tag, len + 1);
        t->hash = h;
        *pp = t;
        r->tcount++;
      }
    }
    bool member = false;
    for (size_t i = 0; t && i < t->n; i++) member |= t->v[i] == pid;
    if (!t) {
      ok = false;
    } else if (!member) {
      if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        rusm_pid *v = realloc(t->v, cap * sizeof *v);
        if (v) t->v = v, t->cap = cap;
      }
      ok = t->n < t->cap && reglist_add(p, tag, true);
      if (ok) t->v[t->n++] = pid;
    }
    if (t && t->n == 0) { /* nothing joined: do not leave an empty group */
      *tag_find(r, tag, h) = t->next;
      free(t->v);
      free(t);
      r->tcount--;
    }
    rehash((void ***)&r->tags, &r->tcap, r->tcount);
  }
  pthread_mutex_unlock(&r->mu);
  otp_proc_put(p);
  return ok;
}

/* Under r->mu. */
static bool tag_remove(rusm_rt *rt, const char *tag, rusm_pid pid) {
  otp_registry *r = &rt->reg;
  uint64_t h = hash_str(tag);
  otp_tag **pp = tag_find(r, tag, h);
  otp_tag *t = *pp;
  if (!t) return false;
  bool found = false;
  for (size_t i = 0; i < t->n; i++) {
    if (t->v[i] != pid) continue;
    t->v[i] = t->v[--t->n];
    found = true;
    break;
  }
  if (t->n == 0) {
    *pp = t->next;
    free(t->v);
    free(t);
    r->tcount--;
  }
  return found;
}

bool rusm_unregister_tag(rusm_rt *rt, const char *tag, rusm_pid pid) {
  if (!tag) return false;
  pthread_mutex_lock(&rt->reg.mu);
  bool ok = tag_remove(rt, tag, pid);
  if (ok) {
    otp_proc *p = otp_slot(rt, (uint32_t)pid);
    if (p && otp_pid(p) == pid) reglist_remove(p, tag, true);
  }
  pthread_mutex_unlock(&rt->reg.mu);
  return ok;
}

/* Snapshot of a group's members (malloc'd) and its size. */
static rusm_pid *tag_members(rusm_rt *rt, const char *tag, size_t *o_n) {
  otp_registry *r = &rt->reg;
  rusm_pid *v = NULL;
  *o_n = 0;
  pthread_mutex_lock(&r->mu);
  otp_tag *t = *tag_find(r, tag, hash_str(tag));
  if (t && t->n && (v = malloc(t->n * sizeof *v))) {
    memcpy(v, t->v, t->n * sizeof *v);
    *o_n = t->n;
  }
  pthread_mutex_unlock(&r->mu);
  return v;
}

size_t rusm_whereis_tag(rusm_rt *rt, const char *tag, rusm_pid *o_pids, size_t cap) {
  if (!tag) return 0;
  size_t n, live = 0;
  rusm_pid *v = tag_members(rt, tag, &n);
  for (size_t i = 0; i < n; i++) {
    if (!rusm_is_alive(rt, v[i])) continue;
    if (live < cap && o_pids) o_pids[live] = v[i];
    live++;
  }
  free(v);
  return live;
}

size_t rusm_kill_tag(rusm_rt *rt, const char *tag) {
  if (!tag) return 0;
  size_t n, kills = 0;
  rusm_pid *v = tag_members(rt, tag, &n);
  for (size_t i = 0; i < n; i++) kills += rusm_kill(rt, v[i]);
  free(v);
  return kills;
}

/* ------------------------------------------------------------------ exit */

void otp_registry_release(rusm_rt *rt, otp_proc *p) {
  otp_registry *r = &rt->reg;
  rusm_pid pid = otp_pid(p);
  pthread_mutex_lock(&r->mu);
  otp_reglist *l = p->reg;
  p->reg = NULL;
  for (uint32_t i = 0; l && i < l->n; i++) {
    if (l->v[i].tag)
      tag_remove(rt, l->v[i].key, pid);
    else {
      otp_name **pp = name_find(r, l->v[i].key, hash_str(l->v[i].key));
      otp_name *n = *pp;
      if (n && n->pid == pid) {
        *pp = n->next;
        free(n);
        r->ncount--;
      }
    }
    free(l->v[i].key);
  }
  pthread_mutex_unlock(&r->mu);
  if (l) free(l->v);
  free(l);
}

char **otp_registry_names(rusm_rt *rt, otp_proc *p, size_t *o_n) {
  otp_registry *r = &rt->reg;
  char **out = NULL;
  size_t n = 0;
  pthread_mutex_lock(&r->mu);
  otp_reglist *l = p->reg;
  for (uint32_t i = 0; l && i < l->n; i++) n += !l->v[i].tag;
  if (n && (out = calloc(n + 1, sizeof *out))) {
    size_t k = 0;
    for (uint32_t i = 0; i < l->n; i++)
      if (!l->v[i].tag) out[k++] = strdup(l->v[i].key);
  } else {
    n = 0;
  }
  pthread_mutex_unlock(&r->mu);
  *o_n = n;
  return out;
}
