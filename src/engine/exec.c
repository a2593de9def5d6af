/*
** exec.c: the execution API (invoke, continue, resume a suspended host
** call, results, traps) and the growable stacks behind it.
*/
#include <stdlib.h>
#include <string.h>

#include "instance.h"

void exec_release(inst_exec *x) {
  free(x->stack);
  free(x->frames);
  free(x->host_args);
  memset(x, 0, sizeof *x);
}

void exec_trap(inst_exec *x, rusm_trap_kind k, const cmp_func *fn, const rusm_instance *inst) {
  x->trap.kind = k;
  x->trap.func_index = fn ? fn->index : UINT32_MAX;
  x->trap.func_name = fn ? inst->mod->names[fn->index] : NULL;
  if (k != RUSM_TRAP_HOST) x->trap.host_msg[0] = 0;
  x->state = EXEC_IDLE;
  x->n_frames = 0;
}

bool exec_grow_stack(inst_exec *x, uint64_t need) {
  if (need > INST_MAX_STACK_SLOTS) return false;
  uint64_t nc = x->stack_cap ? (uint64_t)x->stack_cap * 2 : 256; /* idle instances stay small */
  while (nc < need) nc *= 2;
  if (nc > INST_MAX_STACK_SLOTS) nc = INST_MAX_STACK_SLOTS;
  uint64_t *ns = realloc(x->stack, nc * sizeof(uint64_t));
  if (!ns) return false;
  x->stack = ns;
  x->stack_cap = (uint32_t)nc;
  return true;
}

bool exec_grow_frames(inst_exec *x) {
  uint32_t nc = x->frames_cap ? x->frames_cap * 2 : 16;
  if (nc > x->max_depth + 1) nc = x->max_depth + 1;
  if (nc <= x->frames_cap) return false;
  inst_frame *nf = realloc(x->frames, nc * sizeof(inst_frame));
  if (!nf) return false;
  x->frames = nf;
  x->frames_cap = nc;
  return true;
}

static bool ensure_host_args(inst_exec *x, uint32_t need) {
  if (need <= x->host_args_cap) return true;
  rusm_val *na = realloc(x->host_args, need * sizeof(rusm_val));
  if (!na) return false;
  x->host_args = na;
  x->host_args_cap = need;
  return true;
}

static rusm_exec_status fail(inst_exec *x, rusm_trap_kind k) {
  exec_trap(x, k, NULL, NULL);
  return RUSM_EXEC_TRAP;
}

rusm_exec_status rusm_invoke(rusm_instance *inst, rusm_func *f, const rusm_val *args,
                             uint32_t budget) {
  inst_exec *x = &inst->x;
  x->n_frames = 0;
  x->entry = f;
  x->entry_type = &f->type;
  x->trap.kind = RUSM_TRAP_NONE;
  x->trap.host_msg[0] = 0;
  uint32_t need = f->n_param_slots > f->n_result_slots ? f->n_param_slots : f->n_result_slots;
  if (f->kind == FUNC_WASM && f->code->frame_slots > need) need = f->code->frame_slots;
  if (need + 16 > x->stack_cap && !exec_grow_stack(x, need + 16))
    return fail(x, need + 16 > INST_MAX_STACK_SLOTS ? RUSM_TRAP_STACK_EXHAUSTED
                                                    : RUSM_TRAP_OUT_OF_MEMORY);
  if (f->kind == FUNC_HOST) {
    uint32_t n = f->type.n_params + f->type.n_results;
    if (!ensure_host_args(x, n ? n : 1)) return fail(x, RUSM_TRAP_OUT_OF_MEMORY);
    if (f->type.n_params && args) memcpy(x->host_args, args, f->type.n_params * sizeof(rusm_val));
    x->host = f;
    x->host_base = 0;
    x->pc = NULL; /* nothing to run after the host's results */
    x->cur = inst;
    rusm_call call = {inst, x};
    rusm_val *res = x->host_args + f->type.n_params;
    rusm_host_status st = f->fn(&call, f->env, x->host_args, res);
    if (st == RUSM_HOST_SUSPEND) {
      x->state = EXEC_SUSPENDED;
      return RUSM_EXEC_SUSPEND;
    }
    if (st != RUSM_HOST_OK) {
      exec_trap(x, RUSM_TRAP_HOST, NULL, NULL);
      return RUSM_EXEC_TRAP;
    }
    interp_store_results(&f->type, res, x->stack);
    x->state = EXEC_IDLE;
    return RUSM_EXEC_DONE;
  }
  if (!x->frames_cap && !exec_grow_frames(x)) return fail(x, RUSM_TRAP_OUT_OF_MEMORY);
  const cmp_func *code = f->code;
  for (uint32_t i = 0, s = 0; i < f->type.n_params; i++) {
    glob_to_slots(f->type.params[i], &args[i], x->stack + s);
    s += f->type.params[i] == RUSM_V128 ? 2 : 1;
  }
  memset(x->stack + code->n_param_slots, 0, (size_t)code->n_local_slots * 8);
  if (code->n_consts) memcpy(x->stack + code->const_base, code->consts, (size_t)code->n_consts * 8);
  x->frames[0].ret_pc = NULL;
  x->frames[0].fp_off = 0;
  x->frames[0].fn = NULL;
  x->frames[0].inst = inst;
  x->n_frames = 1;
  x->pc = code->code;
  x->fp_off = 0;
  x->fn = code;
  x->cur = f->inst;
  x->budget = budget;
  return interp_run(inst);
}

rusm_exec_status rusm_run_start(rusm_instance *inst, uint32_t budget) {
  uint32_t s = inst->wm->start;
  if (s == WASM_NONE) {
    inst->x.state = EXEC_IDLE;
    inst->x.n_frames = 0;
    inst->x.entry_type = NULL;
    return RUSM_EXEC_DONE;
  }
  return rusm_invoke(inst, inst->funcs[s], NULL, budget);
}

rusm_exec_status rusm_continue(rusm_instance *inst, uint32_t budget) {
  inst_exec *x = &inst->x;
  if (x->state == EXEC_SUSPENDED) return RUSM_EXEC_SUSPEND;
  if (x->state != EXEC_YIELDED)
    return x->trap.kind != RUSM_TRAP_NONE ? RUSM_EXEC_TRAP : RUSM_EXEC_DONE;
  x->budget = budget;
  return interp_run(inst);
}

rusm_exec_status rusm_resume_host(rusm_instance *inst, const rusm_val *results, uint32_t budget) {
  inst_exec *x = &inst->x;
  if (x->state != EXEC_SUSPENDED) return rusm_continue(inst, budget);
  interp_store_results(&x->host->type, results, x->stack + x->host_base);
  if (!x->pc) {
    x->state = EXEC_IDLE;
    return RUSM_EXEC_DONE;
  }
  x->budget = budget;
  return interp_run(inst);
}

const rusm_val *rusm_suspended_args(rusm_instance *inst) {
  return inst->x.state == EXEC_SUSPENDED ? inst->x.host_args : NULL;
}

void rusm_results(const rusm_instance *inst, rusm_val *o_results) {
  const inst_exec *x = &inst->x;
  const rusm_functype *t = x->entry_type;
  if (!t) return;
  for (uint32_t i = 0, s = 0; i < t->n_results; i++) {
    glob_from_slots(t->results[i], x->stack + s, &o_results[i]);
    s += t->results[i] == RUSM_V128 ? 2 : 1;
  }
}

const rusm_trap *rusm_last_trap(const rusm_instance *inst) {
  return &inst->x.trap;
}

void rusm_instance_set_epoch(rusm_instance *inst, const volatile uint64_t *epoch,
                             uint64_t deadline) {
  inst->x.epoch = epoch;
  inst->x.deadline = deadline;
}

/* ------------------------------------------------ what a host call sees */

rusm_instance *rusm_call_instance(rusm_call *call) {
  return call->inst;
}

uint8_t *rusm_call_mem(rusm_call *call, uint64_t offset, uint64_t len) {
  return rusm_instance_mem(call->inst, offset, len);
}

uint8_t *rusm_instance_mem(rusm_instance *inst, uint64_t offset, uint64_t len) {
  rusm_memory *m = inst->mem0;
  if (!m->data || offset > m->size || len > m->size - offset) return NULL;
  if (offset + len > m->hw) m->hw = offset + len;
  return m->data + offset;
}

void rusm_call_trap(rusm_call *call, const char *msg) {
  inst_exec *x = call->x;
  size_t n = strlen(msg);
  if (n >= sizeof x->trap.host_msg) n = sizeof x->trap.host_msg - 1;
  memcpy(x->trap.host_msg, msg, n);
  x->trap.host_msg[n] = 0;
}
