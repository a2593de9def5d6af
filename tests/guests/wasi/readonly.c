/* readonly.c: the read-only preopen /ro refuses every write, create,
** remove and rename; reading works. /ro/data holds "keep" (host-made). */
#include "guest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  char buf[16] = {0};
  FILE *f = fopen("/ro/data", "r");
  EXPECT(f && fgets(buf, sizeof buf, f));
  EXPECT(strcmp(buf, "keep") == 0);
  if (f) fclose(f);
  errno = 0;
  EXPECT(fopen("/ro/data", "w") == NULL && errno == ENOTCAPABLE);
  EXPECT(fopen("/ro/new", "w") == NULL && errno == ENOTCAPABLE);
  EXPECT(open("/ro/new", O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOTCAPABLE);
  EXPECT(mkdir("/ro/d", 0755) == -1 && errno == ENOTCAPABLE);
  EXPECT(unlink("/ro/data") == -1 && errno == ENOTCAPABLE);
  EXPECT(rename("/ro/data", "/ro/x") == -1 && errno == ENOTCAPABLE);
  EXPECT(symlink("data", "/ro/s") == -1 && errno == ENOTCAPABLE);
  EXPECT(link("/ro/data", "/ro/h") == -1 && errno == ENOTCAPABLE);
  int fd = open("/ro/data", O_RDWR);
  if (fd >= 0) {
    /* libc masked the write rights away; the host says NOTCAPABLE and
    ** wasi-libc reports that as EBADF for write(), as POSIX would. */
    EXPECT(write(fd, "x", 1) == -1 && errno == EBADF);
    EXPECT(ftruncate(fd, 0) == -1);
    close(fd);
  }
  printf("readonly ok %d\n", guest_failures);
  return guest_failures;
}
