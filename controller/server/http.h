/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP(S) with libmicrohttpd: a thread pool serves requests; a long poll
 * suspends its connection (MHD_suspend_connection) instead of holding a
 * thread, and is resumed when its host's state changes (http_wake, from
 * model_publish) or its deadline passes (a timer thread).
 */
#ifndef NIMBUS_HTTP_H
#define NIMBUS_HTTP_H

#include "controller/server/api.h"

struct http;

struct http_opts {
	int listen_fd;
	int threads;
	const char *tls_cert;		/* PEM text, or NULL for plain HTTP */
	const char *tls_key;
};

int http_start(struct http **hp, struct ctx *c, const struct http_opts *o, char *err,
	       size_t errlen);
/*
 * Stop: no new connections; held polls are answered at once; requests in
 * flight finish (for up to GRACE_S seconds); then every connection closes.
 */
void http_stop(struct http *h, double grace_s);
/* Bind and listen on "IPv4:PORT" or "[IPv6]:PORT"; the fd, or -errno. */
int http_listen(const char *addr, char *bound, size_t len);

#endif /* NIMBUS_HTTP_H */
