/*
** main.c: the `rusm` command: dispatches to the subcommands of commands.h.
*/
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
  const char *name, *usage, *summary;
  int (*main)(int argc, char **argv);
} cli_command;

static const cli_command commands[] = {
#define X(name, usage, summary) {#name, usage, summary, cli_##name##_main},
    CLI_ALL_COMMANDS(X)
#undef X
};

static int usage(FILE *out) {
  fprintf(out, "usage: rusm <command> [args]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-6s %-28s %s\n", commands[i].name, commands[i].usage, commands[i].summary);
  return out == stdout ? 0 : 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
    return usage(stdout);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].main(argc - 1, argv + 1);
  fprintf(stderr, "rusm: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
