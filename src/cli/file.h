/* file.h: whole-file reading for the CLI's commands. */
#ifndef RUSM_CLI_FILE_H
#define RUSM_CLI_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The whole file, malloc'd and NUL-terminated past *o_len (caller frees),
** or NULL with errno set. */
uint8_t *cli_read_file(const char *path, size_t *o_len);

#endif
