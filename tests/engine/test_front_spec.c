/*
** test_front_spec.c: the engine's front half (decoder + validator) against
** every module of the official spec suite.
**
** At test time each .wast of the suite directory is converted by wabt's
** wast2json into the build tree; then every plain module (also those of
** assert_unlinkable / assert_uninstantiable) must decode and validate, and
** every binary assert_malformed / assert_invalid module must be rejected
** with a reason that starts with the suite's expected text. Text-format
** assert_malformed cases are the text parser's business and are not ours.
**
** Usage: test_front_spec WAST2JSON SPEC_DIR WORK_DIR [test names...]
*/
#include <dirent.h>
#include <sys/stat.h>

#include "../test.h"
#include "front_util.h"

static const char *g_wast2json, *g_spec_dir, *g_work_dir;

typedef struct tally {
  int files, unconverted, valid_ok, valid_bad, malformed_ok, malformed_bad, invalid_ok, invalid_bad;
  double ms;
  size_t bytes;
} tally;

static tally g_t;
static char path_buf[2048];

/* Cases where wabt's conversion loses what the suite tests, so no engine
** can reproduce the text from the binary. They must still be rejected. */
static const struct {
  const char *file;
  int line;
} wabt_artifacts[] = {
    {"select.wast", 324}, /* `select (result)` written as the untyped 0x1b: "type mismatch" */
};
static int g_artifacts_rejected, g_artifacts_accepted;

/* Paths of the modules that loaded, for the disassembly cross-check. */
static char **g_loaded;
static size_t g_n_loaded, g_cap_loaded;

static void remember(const char *path) {
  if (g_n_loaded == g_cap_loaded) {
    g_cap_loaded = g_cap_loaded ? g_cap_loaded * 2 : 1024;
    g_loaded = realloc(g_loaded, g_cap_loaded * sizeof *g_loaded);
  }
  g_loaded[g_n_loaded++] = strdup(path);
}

static bool is_artifact(const char *file, int line) {
  for (size_t i = 0; i < sizeof wabt_artifacts / sizeof wabt_artifacts[0]; i++)
    if (strcmp(wabt_artifacts[i].file, file) == 0 && wabt_artifacts[i].line == line) return true;
  return false;
}
static int g_ran;

static void report(const char *file, int line, const char *what, const char *want,
                   const char *got) {
  static int shown;
  if (shown++ < 60)
    fprintf(stderr, "  %s:%d: %s: want \"%s\", got \"%s\"\n", file, line, what, want, got);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* wabt 1.0.32 does not know that a table instruction may omit its table
** index (it means table 0). Writes a copy of src with the index spelled
** out; false if src cannot be read or dst written. */
static bool spell_out_table_index(const char *src, const char *dst) {
  size_t n;
  uint8_t *in = front_read_file(src, &n);
  if (!in) return false;
  FILE *f = fopen(dst, "w");
  if (!f) {
    free(in);
    return false;
  }
  static const char *const ops[] = {"table.size", "table.get", "table.set", "table.grow",
                                    "table.fill"};
  for (size_t i = 0; i < n;) {
    size_t k = 0, len = 0;
    for (; k < 5; k++) {
      len = strlen(ops[k]);
      if (n - i > len && memcmp(in + i, ops[k], len) == 0) break;
    }
    if (k == 5) {
      fputc(in[i++], f);
      continue;
    }
    fwrite(in + i, 1, len, f);
    i += len;
    size_t j = i;
    while (j < n && (in[j] == ' ' || in[j] == '\n')) j++;
    if (j < n && (in[j] == ')' || (in[j] == '(' && j > i))) fputs(" 0", f);
  }
  fclose(f);
  free(in);
  return true;
}

/* Checks every module command of one wast2json output. */
static void check_json(const char *wast, const char *dir, const char *json) {
  FILE *f = fopen(json, "r");
  if (!f) {
    g_t.unconverted++;
    return;
  }
  char line[8192], type[64], fname[512], text[256], mtype[32], path[2048];
  while (fgets(line, sizeof line, f)) {
    if (!front_json_str(line, "type", type, sizeof type)) continue;
    if (!front_json_str(line, "filename", fname, sizeof fname)) continue;
    int lno = 0;
    const char *lp = strstr(line, "\"line\": ");
    if (lp) lno = atoi(lp + 8);
    if (!front_json_str(line, "module_type", mtype, sizeof mtype)) strcpy(mtype, "binary");
    if (strcmp(mtype, "binary") != 0) continue;
    bool expect_ok = strcmp(type, "module") == 0 || strcmp(type, "assert_unlinkable") == 0 ||
                     strcmp(type, "assert_uninstantiable") == 0;
    bool malformed = strcmp(type, "assert_malformed") == 0;
    bool invalid = strcmp(type, "assert_invalid") == 0;
    if (!expect_ok && !malformed && !invalid) continue;
    if (!front_json_str(line, "text", text, sizeof text)) text[0] = 0;
    snprintf(path, sizeof path, "%s/%s", dir, fname);
    size_t n;
    uint8_t *b = front_read_file(path, &n);
    if (!b) {
      report(wast, lno, "unreadable", path, "");
      g_t.valid_bad++;
      continue;
    }
    double t0 = test_now_ms_();
    const char *got = front_reason(b, n);
    g_t.ms += test_now_ms_() - t0;
    g_t.bytes += n;
    free(b);
    if (expect_ok) {
      if (*got)
        g_t.valid_bad++, report(wast, lno, "valid module rejected", "", got);
      else
        g_t.valid_ok++, remember(path);
    } else if (is_artifact(wast, lno)) {
      *got ? g_artifacts_rejected++ : g_artifacts_accepted++;
    } else {
      bool ok = *got && strncmp(got, text, strlen(text)) == 0;
      if (malformed)
        ok ? g_t.malformed_ok++ : (g_t.malformed_bad++, report(wast, lno, type, text, got));
      else
        ok ? g_t.invalid_ok++ : (g_t.invalid_bad++, report(wast, lno, type, text, got));
    }
  }
  fclose(f);
}

/* Last resort for a file wabt cannot parse as a whole: split it into its
** top-level commands and convert each module / assert_invalid /
** assert_malformed on its own, so one unparsable module costs only itself.
** Returns the number of commands that wabt could not convert. */
static int run_split(const char *wast, const char *dir) {
  char src[1400];
  snprintf(src, sizeof src, "%s/%s", g_spec_dir, wast);
  size_t n;
  uint8_t *in = front_read_file(src, &n);
  if (!in) return 1;
  int failed = 0, count = 0;
  size_t i = 0;
  while (i < n) {
    /* skip blanks and comments between commands */
    if (in[i] == ';' && i + 1 < n && in[i + 1] == ';') {
      while (i < n && in[i] != '\n') i++;
      continue;
    }
    if (in[i] == '(' && i + 1 < n && in[i + 1] == ';') {
      int d = 0;
      do {
        if (in[i] == '(' && i + 1 < n && in[i + 1] == ';')
          d++, i += 2;
        else if (in[i] == ';' && i + 1 < n && in[i + 1] == ')')
          d--, i += 2;
        else
          i++;
      } while (i < n && d > 0);
      continue;
    }
    if (in[i] != '(') {
      i++;
      continue;
    }
    size_t start = i;
    int depth = 0;
    for (; i < n; i++) {
      if (in[i] == '"') {
        for (i++; i < n && in[i] != '"'; i++)
          if (in[i] == '\\') i++;
      } else if (in[i] == ';' && i + 1 < n && in[i + 1] == ';') {
        while (i < n && in[i] != '\n') i++;
      } else if (in[i] == '(' && i + 1 < n && in[i + 1] == ';') {
        int d = 0;
        do {
          if (in[i] == '(' && i + 1 < n && in[i + 1] == ';')
            d++, i += 2;
          else if (in[i] == ';' && i + 1 < n && in[i + 1] == ')')
            d--, i += 2;
          else
            i++;
        } while (i < n && d > 0);
        i--;
      } else if (in[i] == '(') {
        depth++;
      } else if (in[i] == ')' && --depth == 0) {
        i++;
        break;
      }
    }
    const char *kw = (const char *)in + start + 1;
    if (strncmp(kw, "module", 6) && strncmp(kw, "assert_invalid", 14) &&
        strncmp(kw, "assert_malformed", 16))
      continue;
    char part[1500], json[1600], cmd[4096];
    snprintf(part, sizeof part, "%s/part%d.wast", dir, count);
    snprintf(json, sizeof json, "%s/part%d.json", dir, count);
    count++;
    FILE *f = fopen(part, "w");
    if (!f) {
      failed++;
      continue;
    }
    fwrite(in + start, 1, i - start, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' '%s' -o '%s' 2>/dev/null", g_wast2json, part, json);
    if (system(cmd) != 0)
      failed++;
    else
      check_json(wast, dir, json);
  }
  free(in);
  return failed;
}

static void run_file(const char *wast) {
  char base[256], dir[1024], json[1400], cmd[4096];
  snprintf(base, sizeof base, "%s", wast);
  base[strlen(base) - 5] = 0; /* strip .wast */
  snprintf(dir, sizeof dir, "%s/%s", g_work_dir, base);
  mkdir(g_work_dir, 0777);
  mkdir(dir, 0777);
  snprintf(json, sizeof json, "%s/%s.json", dir, base);
  snprintf(cmd, sizeof cmd, "'%s' '%s/%s' -o '%s' 2>/dev/null", g_wast2json, g_spec_dir, wast,
           json);
  if (system(cmd) != 0) {
    char fixed[1400];
    snprintf(fixed, sizeof fixed, "%s/%s", dir, wast);
    snprintf(path_buf, sizeof path_buf, "%s/%s", g_spec_dir, wast);
    snprintf(cmd, sizeof cmd, "'%s' '%s' -o '%s' 2>/dev/null", g_wast2json, fixed, json);
    if (!spell_out_table_index(path_buf, fixed) || system(cmd) != 0) {
      /* if.wast and comments.wast: wabt 1.0.32 cannot parse them whole */
      g_t.files++;
      g_t.unconverted += run_split(wast, dir);
      return;
    }
  }
  g_t.files++;
  check_json(wast, dir, json);
}

static void run_all(void) {
  if (g_ran++) return;
  DIR *d = opendir(g_spec_dir);
  if (!d) return;
  char *names[512];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 512) {
    size_t l = strlen(e->d_name);
    if (l > 5 && strcmp(e->d_name + l - 5, ".wast") == 0) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    run_file(names[i]);
    free(names[i]);
  }
  printf("spec front: %d files (%d commands not convertible by wast2json), valid %d/%d, malformed "
         "%d/%d, "
         "invalid %d/%d; decode+validate %.1f ms for %zu bytes (%.1f MB/s)\n",
         g_t.files, g_t.unconverted, g_t.valid_ok, g_t.valid_ok + g_t.valid_bad, g_t.malformed_ok,
         g_t.malformed_ok + g_t.malformed_bad, g_t.invalid_ok, g_t.invalid_ok + g_t.invalid_bad,
         g_t.ms, g_t.bytes, g_t.ms > 0 ? (double)g_t.bytes / 1e3 / g_t.ms : 0.0);
}

TEST(spec_valid_modules_load) {
  run_all();
  CHECK(g_t.files >= 140);
  CHECK(g_t.unconverted < 10);
  CHECK(g_t.valid_ok > 1000);
  CHECK_EQ(g_t.valid_bad, 0);
}

TEST(spec_malformed_binaries_rejected) {
  run_all();
  CHECK(g_t.malformed_ok > 700);
  CHECK_EQ(g_t.malformed_bad, 0);
}

TEST(spec_invalid_modules_rejected) {
  run_all();
  CHECK(g_t.invalid_ok > 1900);
  CHECK_EQ(g_t.invalid_bad, 0);
  CHECK_EQ(g_artifacts_accepted, 0);
  CHECK_EQ(g_artifacts_rejected, (int)(sizeof wabt_artifacts / sizeof wabt_artifacts[0]));
}

/* Every instruction of every loaded module, as the instruction stream names
** it, must match wabt's disassembler (wasm-objdump -d), in order: a check
** of the opcode table's encodings, immediates and names, SIMD included. */
TEST(opcode_names_match_wabt) {
  run_all();
  char objdump[1200];
  snprintf(objdump, sizeof objdump, "%s", g_wast2json);
  char *slash = strrchr(objdump, '/');
  snprintf(slash ? slash + 1 : objdump, sizeof objdump - (size_t)(slash ? slash + 1 - objdump : 0),
           "wasm-objdump");
  static bool seen[WASM_OP_COUNT];
  long compared = 0, mismatched = 0;
  int n_seen = 0;
  for (size_t f = 0; f < g_n_loaded; f++) {
    size_t n;
    uint8_t *b = front_read_file(g_loaded[f], &n);
    rusm_error e;
    wasm_module *m = b ? front_load(b, n, &e) : NULL;
    free(b);
    if (!m) continue;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' -d '%s' 2>/dev/null", objdump, g_loaded[f]);
    FILE *p = popen(cmd, "r");
    wasm_fv *v = wasm_fv_new(m);
    uint32_t fi = m->n_imported_funcs;
    bool in_func = false;
    char line[4096];
    while (p && v && fgets(line, sizeof line, p)) {
      /* " 0000a1: 20 00 | local.get 0": the instruction lines */
      char *bar = strchr(line, '|');
      if (line[0] != ' ' || !bar || !strchr(line, ':')) continue;
      char name[64];
      if (sscanf(bar + 1, " %63s", name) != 1 || strncmp(name, "local[", 6) == 0) continue;
      wasm_instr ins;
      if (!in_func) {
        if (fi >= m->n_funcs || !wasm_fv_begin(v, fi++, &e)) break;
        in_func = true;
      }
      int r = wasm_fv_next(v, &ins, &e);
      if (r <= 0) {
        mismatched++;
        break;
      }
      compared++;
      if (!seen[ins.op]) seen[ins.op] = true, n_seen++;
      if (strcmp(wasm_op_name(ins.op), name) != 0) {
        if (mismatched++ < 20)
          fprintf(stderr, "  %s: ours %s, wabt %s\n", g_loaded[f], wasm_op_name(ins.op), name);
      }
      if (wasm_fv_depth(v) == 0) in_func = false;
    }
    if (p) pclose(p);
    wasm_fv_free(v);
    wasm_module_free(m);
  }
  for (size_t f = 0; f < g_n_loaded; f++) free(g_loaded[f]);
  free(g_loaded);
  g_loaded = NULL;
  g_n_loaded = g_cap_loaded = 0;
  printf("disassembly cross-check: %ld instructions, %d distinct opcodes, %ld mismatches\n",
         compared, n_seen, mismatched);
  CHECK(compared > 15000);
  CHECK(n_seen >= 420);
  CHECK_EQ(mismatched, 0);
}

/* A digest of everything the stream yields for module m (FNV-1a over the
** instruction fields a translator reads and the resulting stack). */
static uint64_t stream_digest(const wasm_module *m, bool *o_ok) {
  uint64_t h = 1469598103934665603ull;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)
  wasm_fv *v = wasm_fv_new(m);
  rusm_error e;
  *o_ok = v != NULL;
  for (uint32_t i = m->n_imported_funcs; v && i < m->n_funcs; i++) {
    wasm_instr ins;
    int r;
    if (!wasm_fv_begin(v, i, &e)) *o_ok = false;
    while ((r = wasm_fv_next(v, &ins, &e)) > 0) {
      MIX(ins.op), MIX(ins.offset), MIX(ins.height), MIX(ins.type), MIX(ins.unreachable);
      if (ins.ctrl)
        MIX(ins.ctrl->op), MIX(ins.ctrl->height), MIX(ins.ctrl->type.n_params),
            MIX(ins.ctrl->type.n_results), MIX(ins.ctrl->unreachable);
      switch ((wasm_imm_kind)wasm_op_info(ins.op)->imm) {
      case WASM_IMM_LABEL:
      case WASM_IMM_FUNC:
      case WASM_IMM_LOCAL:
      case WASM_IMM_GLOBAL:
      case WASM_IMM_TABLE:
      case WASM_IMM_DATA:
      case WASM_IMM_ELEM: MIX(ins.imm.index); break;
      case WASM_IMM_I32: MIX(ins.imm.i32); break;
      case WASM_IMM_MEMARG: MIX(ins.imm.mem.align), MIX(ins.imm.mem.offset); break;
      case WASM_IMM_BLOCKTYPE:
        MIX(ins.imm.block.n_params), MIX(ins.imm.block.n_results), MIX(ins.imm.block.type_index);
        for (uint32_t k = 0; k < ins.imm.block.n_results; k++) MIX(ins.imm.block.results[k]);
        break;
      default: break; /* never on a fast path */
      }
      MIX(wasm_fv_height(v)), MIX(wasm_fv_depth(v)), MIX(wasm_fv_max_height(v));
      for (uint32_t k = 0; k < wasm_fv_height(v); k++) MIX(wasm_fv_stack(v)[k]);
    }
    if (r < 0) *o_ok = false;
  }
#undef MIX
  wasm_fv_free(v);
  return h;
}

/* The stream's fast paths must be invisible: every loaded module yields the
** same stream with them and without. */
TEST(fast_paths_match_general_path) {
  run_all();
  size_t compared = 0, differ = 0;
  for (size_t f = 0; f < g_n_loaded; f++) {
    size_t n;
    uint8_t *b = front_read_file(g_loaded[f], &n);
    rusm_error e;
    wasm_module *m = b ? front_load(b, n, &e) : NULL;
    free(b);
    if (!m) continue;
    bool ok1, ok2;
    wasm_fv_general_only = false;
    uint64_t fast = stream_digest(m, &ok1);
    wasm_fv_general_only = true;
    uint64_t general = stream_digest(m, &ok2);
    wasm_fv_general_only = false;
    compared++;
    if (fast != general || !ok1 || !ok2) {
      if (differ++ < 10) fprintf(stderr, "  stream differs: %s\n", g_loaded[f]);
    }
    wasm_module_free(m);
  }
  CHECK(compared > 1000);
  CHECK_EQ(differ, 0);
}

static int spec_main(int argc, char **argv);
#define main spec_main
TEST_MAIN(spec_valid_modules_load, spec_malformed_binaries_rejected, spec_invalid_modules_rejected,
          fast_paths_match_general_path, opcode_names_match_wabt)
#undef main

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s WAST2JSON SPEC_DIR WORK_DIR [tests...]\n", argv[0]);
    return 2;
  }
  g_wast2json = argv[1];
  g_spec_dir = argv[2];
  g_work_dir = argv[3];
  argv[3] = argv[0];
  return spec_main(argc - 3, argv + 3);
}
