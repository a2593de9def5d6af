/*
** net_addr.c: socket addresses as text ("127.0.0.1:80", "[::1]:80",
** "localhost:80", ":80" or "*:80" for every interface) and back.
**
** Numeric hosts never touch the resolver; "localhost" is the loopback
** address without a lookup. Other names go through getaddrinfo, which may
** read files or ask DNS and so blocks the worker for that moment: fine for
** a listen or a connect at start-up, a cost to know about in a hot loop.
*/
#include "io_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rusm/net.h"

int otp_net_parse(const char *addr, struct sockaddr_storage *o_ss, unsigned *o_len) {
  if (!addr) return -EINVAL;
  const char *colon = strrchr(addr, ':');
  if (!colon || !colon[1]) return -EINVAL;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535) return -EINVAL;
  char host[256];
  size_t hl = (size_t)(colon - addr);
  if (hl >= sizeof host) return -EINVAL;
  memcpy(host, addr, hl);
  host[hl] = 0;
  if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* [v6] */
    memmove(host, host + 1, hl - 2);
    host[hl - 2] = 0;
  }
  memset(o_ss, 0, sizeof *o_ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)o_ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)o_ss;
  if (!host[0] || strcmp(host, "*") == 0) {
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (strcmp(host, "localhost") == 0) {
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  } else {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return -EINVAL;
    memcpy(o_ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
  }
  if (o_ss->ss_family == AF_INET) {
    v4->sin_port = htons((uint16_t)port);
    *o_len = sizeof *v4;
  } else {
    v6->sin6_port = htons((uint16_t)port);
    *o_len = sizeof *v6;
  }
  return 0;
}

/* ss is an address of one of our TCP sockets, so IPv4 or IPv6: otp_net_parse
** yields no other family, and sockets are made only from its results. */
void otp_net_format(const struct sockaddr_storage *ss, char *buf) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof ip);
    snprintf(buf, RUSM_TCP_ADDR_MAX, "%s:%u", ip, ntohs(v4->sin_port));
  } else {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof ip);
    snprintf(buf, RUSM_TCP_ADDR_MAX, "[%s]:%u", ip, ntohs(v6->sin6_port));
  }
}
