/*
** instance.c: instantiation from a prepared module's pool of slots.
**
** A slot keeps everything that depends only on the prepared module across
** lives: the function objects (their instance pointer is the slot itself),
** the import wiring, the arrays, the memory buffer and the execution
** stacks. Instantiating takes a free slot, restores memory from the image
** only if the previous life may have dirtied it, re-evaluates globals,
** resets own tables, and applies segments in the spec's order.
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "instance.h"

static rusm_memory k_no_memory; /* size 0: every access is out of bounds */

static uint64_t eval_const(rusm_instance *inst, const wasm_constexpr *e, uint64_t *hi) {
  *hi = 0;
  switch (e->kind) {
  case WASM_CONST_I32: return (uint32_t)e->u.i32;
  case WASM_CONST_I64: return (uint64_t)e->u.i64;
  case WASM_CONST_F32: return e->u.f32_bits;
  case WASM_CONST_F64: return e->u.f64_bits;
  case WASM_CONST_V128: *hi = e->u.v128[1]; return e->u.v128[0];
  case WASM_CONST_REF_NULL: return 0;
  case WASM_CONST_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[e->index];
  case WASM_CONST_GLOBAL_GET:
    *hi = inst->globals[e->index]->v[1];
    return inst->globals[e->index]->v[0];
  }
  return 0;
}

void *inst_elem_item(rusm_instance *inst, const wasm_constexpr *e) {
  uint64_t hi;
  return (void *)(uintptr_t)eval_const(inst, e, &hi);
}

bool inst_table_init(rusm_instance *inst, rusm_table *t, uint32_t seg, uint64_t d, uint64_t s,
                     uint64_t n) {
  const wasm_elem *el = &inst->wm->elems[seg];
  uint64_t len = inst->elem_dropped[seg] ? 0 : el->n_items;
  if (s + n > len || d + n > t->size) return false;
  for (uint64_t k = 0; k < n; k++) t->elems[d + k] = inst_elem_item(inst, &el->items[s + k]);
  return true;
}

/* A new slot: arrays, function objects, import wiring. */
static rusm_instance *slot_new(rusm_prepared *p) {
  const wasm_module *wm = p->mod->wm;
  rusm_instance *inst = calloc(1, sizeof *inst);
  if (!inst) return NULL;
  inst->prep = p;
  inst->mod = p->mod;
  inst->wm = wm;
  uint32_t nd = wm->n_funcs - wm->n_imported_funcs;
  uint32_t nt = wm->n_tables - wm->n_imported_tables;
  uint32_t ng = wm->n_globals - wm->n_imported_globals;
  inst->funcs = calloc(wm->n_funcs + 1, sizeof(rusm_func *));
  inst->own_funcs = calloc(nd + 1, sizeof(rusm_func));
  inst->mems = calloc(wm->n_memories + 1, sizeof(rusm_memory *));
  inst->tables = calloc(wm->n_tables + 1, sizeof(rusm_table *));
  inst->own_tables = calloc(nt + 1, sizeof(rusm_table));
  inst->globals = calloc(wm->n_globals + 1, sizeof(rusm_global *));
  inst->own_globals = calloc(ng + 1, sizeof(rusm_global));
  inst->data_dropped = calloc(wm->n_datas + 1, 1);
  inst->elem_dropped = calloc(wm->n_elems + 1, 1);
  if (!inst->funcs || !inst->own_funcs || !inst->mems || !inst->tables || !inst->own_tables ||
      !inst->globals || !inst->own_globals || !inst->data_dropped || !inst->elem_dropped)
    goto fail;
  for (uint32_t i = 0; i < wm->n_imports; i++) {
    const wasm_import *im = &wm->imports[i];
    const rusm_extern *ex = &p->imports[i];
    switch (im->kind) {
    case RUSM_EXTERN_FUNC: inst->funcs[im->index] = ex->u.func; break;
    case RUSM_EXTERN_TABLE: inst->tables[im->index] = ex->u.table; break;
    case RUSM_EXTERN_MEMORY: inst->mems[im->index] = ex->u.memory; break;
    case RUSM_EXTERN_GLOBAL: inst->globals[im->index] = ex->u.global; break;
    }
  }
  for (uint32_t i = 0; i < nd; i++) {
    func_init_wasm(&inst->own_funcs[i], inst, &p->mod->funcs[i]);
    inst->funcs[wm->n_imported_funcs + i] = &inst->own_funcs[i];
  }
  for (uint32_t i = 0; i < nt; i++) {
    const wasm_table *t = &wm->tables[wm->n_imported_tables + i];
    if (!tab_init(&inst->own_tables[i], t->elem, t->limits.min, t->limits.max)) goto fail;
    inst->tables[wm->n_imported_tables + i] = &inst->own_tables[i];
  }
  for (uint32_t i = 0; i < ng; i++) {
    const wasm_global *g = &wm->globals[wm->n_imported_globals + i];
    inst->own_globals[i].type = g->type;
    inst->own_globals[i].mutable_ = g->mutable_;
    inst->globals[wm->n_imported_globals + i] = &inst->own_globals[i];
  }
  if (wm->n_memories && !wm->n_imported_memories) {
    const wasm_memory *m = &wm->memories[0];
    if (p->image_fd >= 0) {
      if (!mem_map_image(&inst->own_mem, p->image_fd, m->limits.min * INST_PAGE, m->limits.max))
        goto fail;
    } else {
      if (!mem_init(&inst->own_mem, m->limits.min, m->limits.max)) goto fail;
      if (p->image_len) memcpy(inst->own_mem.data, p->image, p->image_len);
    }
    inst->mems[0] = &inst->own_mem;
  }
  inst->mem0 = inst->mems[0] ? inst->mems[0] : &k_no_memory;
  return inst;
fail:
  for (uint32_t i = 0; inst->own_tables && i < nt; i++) tab_release(&inst->own_tables[i]);
  free(inst->funcs);
  free(inst->own_funcs);
  free(inst->mems);
  free(inst->tables);
  free(inst->own_tables);
  free(inst->globals);
  free(inst->own_globals);
  free(inst->data_dropped);
  free(inst->elem_dropped);
  free(inst);
  return NULL;
}

static void slot_free(rusm_instance *inst) {
  const wasm_module *wm = inst->wm;
  uint32_t nt = wm->n_tables - wm->n_imported_tables;
  for (uint32_t i = 0; i < nt; i++) tab_release(&inst->own_tables[i]);
  mem_release(&inst->own_mem);
  exec_release(&inst->x);
  free(inst->funcs);
  free(inst->own_funcs);
  free(inst->mems);
  free(inst->tables);
  free(inst->own_tables);
  free(inst->globals);
  free(inst->own_globals);
  free(inst->data_dropped);
  free(inst->elem_dropped);
  free(inst);
}

/* Puts an own memory back to its initial size and contents. */
/* False when a slot that grew out of its image mapping can get neither the
** image nor fresh memory back (the instance must not start without it). */
static bool reset_memory(rusm_instance *inst) {
  const wasm_module *wm = inst->wm;
  rusm_memory *m = &inst->own_mem;
  uint64_t init = wm->memories[0].limits.min * INST_PAGE;
  if (inst->prep->image_fd >= 0) {
    if (m->map_len) {
      mem_unmap_dirty(m);
    } else { /* grown out of its mapping: map the image afresh */
      uint64_t maxp = m->max_pages;
      mem_release(m);
      if (!mem_map_image(m, inst->prep->image_fd, init, maxp)) {
        if (!mem_init(m, init / INST_PAGE, maxp)) return false;
        memcpy(m->data, inst->prep->image, inst->prep->image_len);
      }
    }
    return true;
  }
  /* A big grown buffer goes back rather than stay with the slot. */
  if (m->cap > 2 * init + 16 * INST_PAGE) mem_shrink(m, init);
  m->size = init;
  /* Only [0, hw) may differ from the image; pages grown later are zeroed by mem_grow. */
  const rusm_prepared *p = inst->prep;
  uint64_t img = p->image_ok ? p->image_len : 0;
  uint64_t hw = m->hw < init ? m->hw : init;
  if (img) memcpy(m->data, p->image, hw < img ? hw : img);
  if (hw > img) mem_zero(m, img, hw);
  m->hw = 0;
  return true;
}

static bool apply_segments(rusm_instance *inst, bool use_image, rusm_error *err) {
  const wasm_module *wm = inst->wm;
  for (uint32_t i = 0; i < wm->n_elems; i++) {
    const wasm_elem *e = &wm->elems[i];
    if (e->mode == WASM_SEG_ACTIVE) {
      uint64_t hi;
      uint32_t off = (uint32_t)eval_const(inst, &e->offset, &hi);
      if (!inst_table_init(inst, inst->tables[e->table], i, off, 0, e->n_items))
        return wasm_error(err, "elem", e->offset_in_binary, "out of bounds table access");
    }
    if (e->mode != WASM_SEG_PASSIVE) inst->elem_dropped[i] = 1;
  }
  for (uint32_t i = 0; i < wm->n_datas; i++) {
    const wasm_data *d = &wm->datas[i];
    if (d->mode != WASM_SEG_ACTIVE) continue;
    if (!use_image) {
      uint64_t hi;
      uint64_t off = (uint32_t)eval_const(inst, &d->offset, &hi);
      rusm_memory *m = inst->mems[d->memory];
      if (off + d->len > m->size)
        return wasm_error(err, "data", d->bytes_offset, "out of bounds memory access");
      if (d->len) memcpy(m->data + off, wm->bytes + d->bytes_offset, d->len);
    }
    inst->data_dropped[i] = 1;
  }
  return true;
}

static rusm_instance *pool_take(rusm_prepared *p) {
  pthread_mutex_lock(&p->lock);
  rusm_instance *inst = p->free_list;
  if (inst) p->free_list = inst->next_free;
  pthread_mutex_unlock(&p->lock);
  return inst;
}

static void pool_put(rusm_prepared *p, rusm_instance *inst) {
  pthread_mutex_lock(&p->lock);
  inst->next_free = p->free_list;
  p->free_list = inst;
  pthread_mutex_unlock(&p->lock);
}

rusm_instance *rusm_instantiate(rusm_prepared *p, const rusm_instance_config *cfg,
                                rusm_error *o_err) {
  const wasm_module *wm = p->mod->wm;
  /* The cap bounds the initial size too, not only memory.grow: an instance
  ** never starts with more memory than its embedder allows. */
  if (cfg && cfg->max_memory_bytes && wm->n_memories && !wm->n_imported_memories &&
      wm->memories[0].limits.min > cfg->max_memory_bytes / INST_PAGE) {
    wasm_error(o_err, NULL, 0, "memory of %llu pages exceeds the cap of %llu bytes",
               (unsigned long long)wm->memories[0].limits.min,
               (unsigned long long)cfg->max_memory_bytes);
    return NULL;
  }
  rusm_instance *inst = pool_take(p);
  bool fresh = false;
  if (!inst) {
    inst = slot_new(p);
    if (!inst) {
      wasm_error(o_err, NULL, 0, "out of memory");
      return NULL;
    }
    fresh = true;
  }
  atomic_fetch_add(&p->live, 1);
  inst->user = cfg ? cfg->user : NULL;
  inst->mem_cap_bytes = cfg ? cfg->max_memory_bytes : 0;
  inst->x.max_depth = cfg && cfg->max_call_depth ? cfg->max_call_depth : INST_DEFAULT_DEPTH;
  inst->x.state = EXEC_IDLE;
  inst->x.n_frames = 0;
  inst->x.epoch = NULL;
  inst->x.deadline = 0;
  inst->x.trap.kind = RUSM_TRAP_NONE;
  bool own_mem = wm->n_memories && !wm->n_imported_memories;
  if (own_mem && !fresh &&
      (inst->own_mem.hw || inst->own_mem.size != wm->memories[0].limits.min * INST_PAGE) &&
      !reset_memory(inst)) {
    rusm_instance_free(inst);
    wasm_error(o_err, "memory", 0, "out of memory");
    return NULL;
  }
  inst->mem0 = inst->mems[0] ? inst->mems[0] : &k_no_memory;
  /* Globals in order (2.0: initialisers read only imported globals). */
  for (uint32_t i = wm->n_imported_globals; i < wm->n_globals; i++) {
    rusm_global *g = inst->globals[i];
    g->v[0] = eval_const(inst, &wm->globals[i].init, &g->v[1]);
  }
  for (uint32_t i = wm->n_imported_tables; i < wm->n_tables; i++) {
    rusm_table *t = inst->tables[i];
    uint32_t min = (uint32_t)wm->tables[i].limits.min;
    if (!fresh) {
      if (t->size > min) t->size = min;
      if (min) memset(t->elems, 0, min * sizeof(void *));
    }
  }
  if (wm->n_datas) memset(inst->data_dropped, 0, wm->n_datas);
  if (wm->n_elems) memset(inst->elem_dropped, 0, wm->n_elems);
  bool use_image = own_mem && p->image_ok;
  if (!apply_segments(inst, use_image, o_err)) {
    if (own_mem) inst->own_mem.hw = inst->own_mem.size;
    rusm_instance_free(inst);
    return NULL;
  }
  if (!use_image && own_mem) inst->own_mem.hw = inst->own_mem.size;
  return inst;
}

void rusm_instance_free(rusm_instance *inst) {
  if (!inst) return;
  rusm_prepared *p = inst->prep;
  inst->x.state = EXEC_IDLE;
  inst->x.n_frames = 0;
  atomic_fetch_sub(&p->live, 1);
  pool_put(p, inst);
}

void rusm_prepared_free(rusm_prepared *p) {
  if (!p) return;
  rusm_instance *s = p->free_list;
  while (s) {
    rusm_instance *n = s->next_free;
    slot_free(s);
    s = n;
  }
  pthread_mutex_destroy(&p->lock);
  if (p->image_fd >= 0) close(p->image_fd);
  free(p->image);
  free(p->imports);
  free(p);
}

void *rusm_instance_user(const rusm_instance *inst) {
  return inst->user;
}
const rusm_module *rusm_instance_module(const rusm_instance *inst) {
  return inst->mod;
}

bool rusm_instance_export(rusm_instance *inst, const char *name, rusm_extern *o_ext) {
  long i = wasm_module_find_export(inst->wm, name, strlen(name));
  return i >= 0 && rusm_instance_export_at(inst, (size_t)i, o_ext);
}

bool rusm_instance_export_at(rusm_instance *inst, size_t i, rusm_extern *o_ext) {
  if (i >= inst->wm->n_exports) return false;
  const wasm_export *e = &inst->wm->exports[i];
  o_ext->kind = e->kind;
  switch (e->kind) {
  case RUSM_EXTERN_FUNC: o_ext->u.func = inst->funcs[e->index]; break;
  case RUSM_EXTERN_TABLE: o_ext->u.table = inst->tables[e->index]; break;
  case RUSM_EXTERN_MEMORY:
    o_ext->u.memory = inst->mems[e->index]; /* writes need rusm_memory_data, which marks */
    break;
  case RUSM_EXTERN_GLOBAL: o_ext->u.global = inst->globals[e->index]; break;
  }
  return true;
}

rusm_memory *rusm_instance_memory(rusm_instance *inst, uint32_t index) {
  if (index >= inst->wm->n_memories) return NULL;
  return inst->mems[index];
}
