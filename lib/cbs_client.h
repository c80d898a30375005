/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client side of cbs-server's sessions (Documentation/cbs-protocol.md),
 * for the cbs command, the controller's admin client and the nimbus-agent:
 * one handshake for volume and admin sessions, and admin requests.  The
 * kernel speaks only the request/reply part on the sockets handed to it.
 */
#ifndef NIMBUS_CBS_CLIENT_H
#define NIMBUS_CBS_CLIENT_H

#include <stdint.h>
#include <linux/cbs_proto.h>

#include "lib/cbs_proto.h"

/*
 * The handshake HELLO on the connected socket FD: a volume session, or an
 * admin one with hello->admin.  *REP gets the server's answer (size, block
 * size and generation of the volume, little-endian as on the wire).
 * Returns 0 when the server took it; its refusal as a positive errno
 * (EACCES: wrong token, ENOENT: no such volume, ESTALE: a stale
 * generation); or a negative errno when no answer came: -errno of the
 * socket, -ECONNRESET when the server closed it, -EPROTO when the peer is
 * no cbs-server of this protocol version.
 */
int cbs_client_hello(int fd, const struct cbs_hello_req *hello, struct cbs_hello_reply *rep);

/*
 * The check cbs_client_hello() makes of the server's answer *REP, for a
 * client that sends the hello (cbs_proto_encode_hello()) and reads the
 * answer itself, without blocking: the same return values.
 */
int cbs_client_hello_reply(const struct cbs_hello_reply *rep);

/*
 * Connect to SERVER (ADDR:PORT; TIMEOUT_MS as for nb_sock_connect()) and
 * do the handshake: the socket, or a negative errno (the server's refusal
 * too, negated; -EINVAL also for an ADDR:PORT that is not numeric).
 */
int cbs_client_connect(const char *server, int timeout_ms,
		       const struct cbs_hello_req *hello, struct cbs_hello_reply *rep);

/*
 * One admin request OP with payload ARG of ARG_LEN bytes (NULL for none:
 * struct cbs_admin_volume, cbs_admin_config or cbs_admin_snapshot) on an
 * admin session.  Returns 0; the server's error as a positive errno; or a
 * negative errno when no good reply came (-EPROTO: a malformed one).
 * With REPLY, *REPLY gets the malloc'd reply payload and *REPLY_LEN its
 * size; without, a reply with a payload is malformed.
 */
int cbs_client_admin(int fd, uint16_t op, const void *arg, uint32_t arg_len,
		     void **reply, uint32_t *reply_len);

#endif /* NIMBUS_CBS_CLIENT_H */
