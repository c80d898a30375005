/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets for cbs-server and its clients: ADDR:PORT endpoints, as in
 * "10.0.0.1:7000" or "[::1]:7000", and whole-buffer send and receive.
 */
#ifndef NIMBUS_CBS_NET_H
#define NIMBUS_CBS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <netdb.h>

/* Resolve numerically; 0 or -EINVAL.  Free *res with freeaddrinfo(). */
int cbs_addr_resolve(const char *s, bool passive, struct addrinfo **res);

/* A connected TCP socket (TCP_NODELAY) to ADDR:PORT, or -errno. */
int cbs_addr_connect(const char *s);

/* "ADDR:PORT" of a socket address, into buf. */
void cbs_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* Send all of buf (MSG_NOSIGNAL added); 0 or -errno. */
int cbs_send_all(int fd, const void *buf, size_t len, int flags);

/* Receive exactly len bytes; 0, -ECONNRESET at end of stream, or -errno. */
int cbs_recv_all(int fd, void *buf, size_t len);

#endif /* NIMBUS_CBS_NET_H */
