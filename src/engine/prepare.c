/*
** prepare.c: rusm_prepare links a module against its imports once (type
** checks) and builds what every instance shares: the import array and the
** initial image of an own memory 0 (data segments applied once; an
** instance then copies it instead of replaying the segments).
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "instance.h"

static bool limits_match(uint64_t have_min, uint64_t have_max, rusm_limits want) {
  if (have_min < want.min) return false;
  if (want.max != UINT64_MAX && (have_max == UINT64_MAX || have_max > want.max)) return false;
  return true;
}

static bool check_import(const wasm_module *wm, const wasm_import *im, const rusm_extern *ex,
                         rusm_error *err, size_t i) {
  if (ex->kind != im->kind) goto bad;
  switch (im->kind) {
  case RUSM_EXTERN_FUNC: {
    const wasm_functype *t = wasm_module_func_type(wm, im->index);
    rusm_functype want = {t->n_params, t->n_results, t->params, t->results};
    if (!ex->u.func || !func_type_eq(&ex->u.func->type, &want)) goto bad;
    return true;
  }
  case RUSM_EXTERN_TABLE: {
    const wasm_table *t = &wm->tables[im->index];
    const rusm_table *h = ex->u.table;
    if (!h || h->elem != t->elem || !limits_match(h->size, h->max, t->limits)) goto bad;
    return true;
  }
  case RUSM_EXTERN_MEMORY: {
    const rusm_memory *h = ex->u.memory;
    uint64_t hmax = h ? (h->max_pages >= 65536 ? UINT64_MAX : h->max_pages) : 0;
    if (!h || !limits_match(h->size / INST_PAGE, hmax, wm->memories[im->index].limits)) goto bad;
    return true;
  }
  case RUSM_EXTERN_GLOBAL: {
    const wasm_global *g = &wm->globals[im->index];
    const rusm_global *h = ex->u.global;
    if (!h || h->type != g->type || h->mutable_ != g->mutable_) goto bad;
    return true;
  }
  }
bad:
  return wasm_error(err, "import", 0, "incompatible import type (import %zu: %s.%s)", i,
                    im->module.str, im->name.str);
}

/* Value of an i32 offset expression at prepare time (imported globals are known). */
static uint32_t prep_offset(const rusm_prepared *p, const wasm_constexpr *e) {
  if (e->kind == WASM_CONST_GLOBAL_GET) {
    const wasm_global *g = &p->mod->wm->globals[e->index];
    return (uint32_t)p->imports[g->import].u.global->v[0];
  }
  return (uint32_t)e->u.i32;
}

static bool build_image(rusm_prepared *p) {
  const wasm_module *wm = p->mod->wm;
  p->image_ok = false;
  if (wm->n_memories != 1 || wm->n_imported_memories != 0) return true;
  uint64_t size = wm->memories[0].limits.min * INST_PAGE, extent = 0;
  for (uint32_t i = 0; i < wm->n_datas; i++) {
    const wasm_data *d = &wm->datas[i];
    if (d->mode != WASM_SEG_ACTIVE) continue;
    uint64_t off = prep_offset(p, &d->offset);
    if (off + d->len > size) return true; /* instantiation fails: replay segments then */
    if (d->len && off + d->len > extent) extent = off + d->len;
  }
  if (extent) {
    p->image = calloc(1, extent);
    if (!p->image) return false;
    for (uint32_t i = 0; i < wm->n_datas; i++) {
      const wasm_data *d = &wm->datas[i];
      if (d->mode != WASM_SEG_ACTIVE || !d->len) continue;
      memcpy(p->image + prep_offset(p, &d->offset), wm->bytes + d->bytes_offset, d->len);
    }
  }
  p->image_len = extent;
  p->image_ok = true;
  if (extent >= INST_COW_MIN) {
    /* Big images are shared: each instance maps them copy-on-write. */
    int fd = memfd_create("rusm-image", MFD_CLOEXEC);
    if (fd >= 0 && ftruncate(fd, (off_t)size) == 0 &&
        pwrite(fd, p->image, extent, 0) == (ssize_t)extent)
      p->image_fd = fd;
    else if (fd >= 0)
      close(fd);
  }
  return true;
}

rusm_prepared *rusm_prepare(rusm_module *m, const rusm_extern *imports, size_t n_imports,
                            rusm_error *o_err) {
  const wasm_module *wm = m->wm;
  if (n_imports < wm->n_imports) {
    wasm_error(o_err, "import", 0, "unknown import (%u needed, %zu given)", wm->n_imports,
               n_imports);
    return NULL;
  }
  for (uint32_t i = 0; i < wm->n_imports; i++)
    if (!check_import(wm, &wm->imports[i], &imports[i], o_err, i)) return NULL;
  rusm_prepared *p = calloc(1, sizeof *p);
  if (!p) {
    wasm_error(o_err, NULL, 0, "out of memory");
    return NULL;
  }
  p->mod = m;
  p->n_imports = wm->n_imports;
  if (wm->n_imports) {
    p->imports = malloc(wm->n_imports * sizeof(rusm_extern));
    if (!p->imports) {
      free(p);
      wasm_error(o_err, NULL, 0, "out of memory");
      return NULL;
    }
    memcpy(p->imports, imports, wm->n_imports * sizeof(rusm_extern));
  }
  pthread_mutex_init(&p->lock, NULL);
  p->image_fd = -1;
  if (!build_image(p)) {
    wasm_error(o_err, NULL, 0, "out of memory");
    rusm_prepared_free(p);
    return NULL;
  }
  return p;
}
