/*
** echo_once.c: a wasip1 program serving one TCP client on the listening
** socket it was given as preopened fd 3 (`rusm run --tcplisten`): it
** accepts (sock_accept parks the process, not a thread), echoes one read
** back and reports the byte count.
*/
#include <stdio.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void) {
  __wasi_fd_t c;
  __wasi_errno_t e = __wasi_sock_accept(3, 0, &c);
  if (e) {
    printf("accept failed: errno %d\n", e);
    return 1;
  }
  char buf[64];
  ssize_t n = read((int)c, buf, sizeof buf);
  if (n <= 0) return 2;
  if (write((int)c, buf, (size_t)n) != n) return 3;
  close((int)c);
  printf("echoed %zd bytes\n", n);
  return 0;
}
