/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP sockets of the servers and their clients: ADDR:PORT endpoints, as in
 * "10.0.0.1:7000" or "[::1]:7000", and whole-buffer send and receive.
 */
#ifndef NIMBUS_SOCK_H
#define NIMBUS_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <netdb.h>

/* Resolve numerically; 0 or -EINVAL.  Free *res with freeaddrinfo(). */
int nb_sock_resolve(const char *s, bool passive, struct addrinfo **res);

/*
 * A connected TCP socket (TCP_NODELAY) to ADDR:PORT, or -errno (-EINVAL:
 * not a numeric ADDR:PORT).  TIMEOUT_MS > 0 bounds the connect and then
 * each send and receive on the socket (SO_SNDTIMEO, SO_RCVTIMEO); 0 waits
 * as long as TCP does.
 */
int nb_sock_connect(const char *s, int timeout_ms);

/*
 * For event loops: a non-blocking TCP socket (TCP_NODELAY) whose connect to
 * ADDR:PORT has begun, or -errno.  Poll it for POLLOUT, then
 * nb_sock_connected() tells 0 (connected, and the socket's state says so,
 * as a socket handed to cbs.ko must) or the connect's -errno.
 */
int nb_sock_connect_start(const char *s);
int nb_sock_connected(int fd);

/* "ADDR:PORT" of a socket address, into buf. */
void nb_sock_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* Send all of buf (MSG_NOSIGNAL added); 0 or -errno. */
int nb_send_all(int fd, const void *buf, size_t len, int flags);

/*
 * Receive exactly len bytes; 0, -ECONNRESET at end of stream, -ETIMEDOUT
 * when a receive timeout (SO_RCVTIMEO) passed, or -errno.
 */
int nb_recv_all(int fd, void *buf, size_t len);

#endif /* NIMBUS_SOCK_H */
