/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The life of one TCP connection of a device: created around a socket that
 * userspace handed in, put in a slot, picked by senders, declared dead,
 * replaced.  Refcounted: the slot holds one reference, the receive work one,
 * and each sender, timeout handler or dead-link handler its own while it
 * uses the connection.
 */
#ifndef _CBS_CONN_H
#define _CBS_CONN_H

#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>

#include "dev.h"

struct cbs_conn {
	struct cbs_device *dev;
	struct socket *sock;
	refcount_t refs;
	struct mutex tx_lock;		/* one request on the wire at a time */
	struct work_struct recv_work;
	unsigned int slot;		/* its place in dev->conns[] */
	u32 id;				/* unique in its device: never reused */
	bool dead;			/* dev->conn_lock */
};

int cbs_conn_cache_init(void);
void cbs_conn_cache_exit(void);

/* A connection around SOCK with one reference, for its slot. */
struct cbs_conn *cbs_conn_create(struct cbs_device *dev, struct socket *sock,
				 unsigned int slot, unsigned int io_timeout);
/* Undo cbs_conn_create of a link never started, leaving SOCK to the caller. */
void cbs_conn_discard(struct cbs_conn *conn);
/* Start its receive work, which holds a reference until it ends. */
void cbs_conn_start(struct cbs_conn *conn);

void cbs_conn_get(struct cbs_conn *conn);
/* The last reference releases the socket and the connection. */
void cbs_conn_put(struct cbs_conn *conn);

/* The queue's own link if alive, else any live one; referenced, or NULL. */
struct cbs_conn *cbs_conn_pick(struct cbs_device *dev, unsigned int queue);
/* The live link with this id in this slot, referenced; NULL if it is gone. */
struct cbs_conn *cbs_conn_lookup(struct cbs_device *dev, unsigned int slot,
				 u32 id);
unsigned int cbs_conn_live(struct cbs_device *dev);

/*
 * The link failed: reset it (no queued byte may reach the server late),
 * move its requests to the requeue list and tell userspace.  Idempotent.
 */
void cbs_conn_dead(struct cbs_conn *conn);

/*
 * Put FRESH[0..n) into dead slots, oldest slot first; drops the slots'
 * references to the dead links.  Caller holds cbs_devs_lock and checked
 * that there are at least N dead slots.
 */
void cbs_conn_replace_dead(struct cbs_device *dev, struct cbs_conn **fresh,
			   unsigned int n);

#endif /* _CBS_CONN_H */
