/*
** decode_scan.c: a purely syntactic pass over one function body.
**
** Only used when loading has already failed: the reference interpreter
** decodes function bodies as part of the code section, so a malformed body
** outranks any error found later in the binary and any validation error.
** Re-reading the bodies on the failure path gives that precedence without
** decoding every body twice on the success path.
*/
#include <stdlib.h>

#include "decode.h"
#include "error.h"

bool wasm_scan_body(const uint8_t *bytes, size_t len, uint32_t code_start, uint32_t code_end,
                    rusm_error *o_err) {
  /* Like the reference, read up to the end of the binary, not the body. */
  wasm_reader r = {bytes + code_start, bytes + len, bytes, NULL, 0};
  uint8_t *open = NULL; /* per open block: 1 = an if still in its then-branch */
  size_t depth = 0, cap = 0;
  bool ok = false;
  for (;;) {
    wasm_instr ins;
    if (!wasm_read_instr(&r, &ins, NULL)) break;
    if (ins.op == WASM_OP_BLOCK || ins.op == WASM_OP_LOOP || ins.op == WASM_OP_IF) {
      if (depth == cap) {
        cap = cap ? cap * 2 : 64;
        uint8_t *p = realloc(open, cap);
        if (!p) {
          wasm_rd_fail(&r, r.p, "out of memory");
          break;
        }
        open = p;
      }
      open[depth++] = ins.op == WASM_OP_IF;
    } else if (ins.op == WASM_OP_ELSE) {
      if (depth == 0 || !open[depth - 1]) {
        wasm_rd_fail(&r, bytes + ins.offset, "END opcode expected");
        break;
      }
      open[depth - 1] = 0;
    } else if (ins.op == WASM_OP_END) {
      if (depth > 0) {
        depth--;
        continue;
      }
      if ((size_t)(r.p - bytes) != code_end)
        wasm_rd_fail(&r, r.p, "section size mismatch");
      else
        ok = true;
      break;
    }
  }
  free(open);
  if (!ok) wasm_error(o_err, "code", r.err_at, "%s", r.err);
  return ok;
}
