/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The request path: blk-mq's queue_rq, completion and timeout, and moving
 * requests off a dead link.
 */
#ifndef _CBS_REQ_H
#define _CBS_REQ_H

#include <linux/blk-mq.h>
#include <linux/mutex.h>

struct cbs_conn;

/* Per-request state, set up once in init_request. */
struct cbs_req {
	/*
	 * Serialises sending, completion, requeue and timeout.  Held across
	 * socket I/O (the send, a READ's payload), which io-timeout bounds,
	 * so the timeout handler only ever tries it.
	 */
	struct mutex lock;
	/*
	 * The attempt: bumped per send, never reset.  Per slot, as the
	 * server's late-write rule needs, because without an I/O scheduler
	 * a request keeps its driver tag (and this pdu) across requeues.
	 */
	u32 cookie;
	u32 conn_id;		/* the link it is in flight on; 0 if none */
	unsigned int slot;	/* that link's slot */
	blk_status_t status;
};

extern const struct blk_mq_ops cbs_mq_ops;

/* The wire handle of the request's current attempt. */
static inline u64 cbs_req_handle(struct request *rq)
{
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	return (u64)cmd->cookie << 32 | blk_mq_unique_tag(rq);
}

/* Requeue every request in flight on CONN, a dead link. */
void cbs_req_requeue_on(struct cbs_conn *conn);

#endif /* _CBS_REQ_H */
