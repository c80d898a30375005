/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests and replies on a connection, in the wire format of
 * Documentation/cbs-protocol.md.  The handshake was done in userspace
 * before the socket was handed in.
 */
#ifndef _CBS_WIRE_H
#define _CBS_WIRE_H

#include <linux/blk-mq.h>

struct cbs_conn;

/* The protocol op of a request, or -EOPNOTSUPP. */
int cbs_wire_op(struct request *rq);
/* Send the request's current attempt; caller holds its cmd->lock. */
int cbs_wire_send(struct cbs_conn *conn, struct request *rq);
/* A connection's receive loop; ends by declaring the link dead. */
void cbs_wire_recv_work(struct work_struct *work);

#endif /* _CBS_WIRE_H */
