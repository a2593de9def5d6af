/* files.c: create, write, read back, stat, readdir, rename, unlink, mkdir
** and rmdir inside the preopen /box, through wasi-libc. */
#include "guest.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  FILE *f = fopen("/box/a.txt", "w");
  EXPECT(f != NULL);
  if (!f) return 1;
  EXPECT(fputs("first line\nsecond\n", f) >= 0);
  EXPECT(fclose(f) == 0);

  char buf[64] = {0};
  f = fopen("/box/a.txt", "r");
  EXPECT(f && fgets(buf, sizeof buf, f));
  EXPECT(strcmp(buf, "first line\n") == 0);
  if (f) fclose(f);

  struct stat st;
  EXPECT(stat("/box/a.txt", &st) == 0);
  EXPECT_EQ(st.st_size, 18);
  EXPECT(S_ISREG(st.st_mode));

  EXPECT(mkdir("/box/sub", 0755) == 0);
  EXPECT(mkdir("/box/sub", 0755) == -1 && errno == EEXIST);
  int fd = open("/box/sub/b.bin", O_CREAT | O_WRONLY | O_EXCL, 0644);
  EXPECT(fd >= 0);
  EXPECT(write(fd, "0123456789", 10) == 10);
  EXPECT(lseek(fd, 2, SEEK_SET) == 2);
  EXPECT(write(fd, "xy", 2) == 2);
  EXPECT(ftruncate(fd, 8) == 0);
  EXPECT(close(fd) == 0);
  fd = open("/box/sub/b.bin", O_RDONLY);
  EXPECT(fd >= 0);
  EXPECT(read(fd, buf, sizeof buf) == 8);
  EXPECT(memcmp(buf, "01xy4567", 8) == 0);
  EXPECT(pread(fd, buf, 3, 5) == 3);
  EXPECT(memcmp(buf, "567", 3) == 0);
  close(fd);

  EXPECT(rename("/box/a.txt", "/box/sub/c.txt") == 0);
  EXPECT(access("/box/a.txt", F_OK) == -1 && errno == ENOENT);

  DIR *d = opendir("/box/sub");
  EXPECT(d != NULL);
  char *names[8];
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) && n < 8)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) names[n++] = strdup(de->d_name);
  if (d) closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp);
  EXPECT_EQ(n, 2);
  if (n == 2) {
    EXPECT(strcmp(names[0], "b.bin") == 0);
    EXPECT(strcmp(names[1], "c.txt") == 0);
  }
  for (int i = 0; i < n; i++) printf("entry %s\n", names[i]);

  EXPECT(symlink("c.txt", "/box/sub/link") == 0);
  char lb[32] = {0};
  EXPECT(readlink("/box/sub/link", lb, sizeof lb) == 5);
  EXPECT(strcmp(lb, "c.txt") == 0);
  EXPECT(stat("/box/sub/link", &st) == 0 && S_ISREG(st.st_mode));
  EXPECT(lstat("/box/sub/link", &st) == 0 && S_ISLNK(st.st_mode));

  EXPECT(rmdir("/box/sub") == -1 && errno == ENOTEMPTY);
  EXPECT(unlink("/box/sub/link") == 0);
  EXPECT(unlink("/box/sub/b.bin") == 0);
  EXPECT(unlink("/box/sub/c.txt") == 0);
  EXPECT(unlink("/box/sub/c.txt") == -1 && errno == ENOENT);
  EXPECT(rmdir("/box/sub") == 0);
  /* keep one file for the host to check */
  f = fopen("/box/done", "w");
  EXPECT(f && fputs("done", f) >= 0);
  if (f) fclose(f);
  printf("files ok %d\n", guest_failures);
  return guest_failures;
}
