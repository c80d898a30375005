/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cbs device: its gendisk and blk-mq tag set, its configuration, and the
 * table of devices.  Lock order: cbs_devs_lock (dev.c) -> a request's
 * cmd->lock -> conn->tx_lock -> dev->conn_lock.
 */
#ifndef _CBS_DEV_H
#define _CBS_DEV_H

#include <linux/blk-mq.h>
#include <linux/cbs.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#define CBS_MAX_CONNS		CBS_MAX_SOCKETS
#define CBS_DEFAULT_DEAD_TIMEOUT 120	/* seconds I/O waits with no live link */
#define CBS_DEFAULT_IO_TIMEOUT	30	/* seconds before a request is retried */

struct cbs_conn;

/* Device flags (bit numbers in cbs_device.flags). */
enum {
	CBS_DEV_FENCED,		/* a newer generation owns the volume */
	CBS_DEV_REMOVING,	/* unmap under way: fail all I/O */
};

struct cbs_device {
	int index;
	char name[CBS_NAME_MAXLEN];
	u64 size;			/* cbs_devs_lock */
	u32 block_size;
	u64 generation;
	u64 session;			/* the handshake's session id, 0 if none */
	u64 epoch;			/* cbs_devs_lock: the replica set's, 0 if unknown */
	unsigned long flags;
	unsigned int dead_timeout;	/* seconds; written under cbs_devs_lock */

	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct workqueue_struct *recv_wq;

	/*
	 * The links.  A slot holds a reference to its connection; whoever
	 * takes one out of a slot takes a reference of its own (conn.c), so
	 * replacing a dead link can never free it under a timeout handler or
	 * a sender.  Slots change only under cbs_devs_lock as well.
	 */
	spinlock_t conn_lock;		/* conns[], their dead flags, dead_since */
	struct cbs_conn *conns[CBS_MAX_CONNS];
	unsigned int nconns;
	u32 last_conn_id;		/* cbs_devs_lock */
	unsigned long dead_since;	/* jiffies when the last live link died; 0 if one lives */

	atomic64_t reads, writes, read_bytes, write_bytes, errors;
	atomic64_t read_ns, write_ns;	/* summed request latencies */
};

struct cbs_map_config {
	const char *name;
	u64 size;
	u32 block_size;
	u64 generation;
	u64 session;
	u64 epoch;
	unsigned int dead_timeout;
	unsigned int io_timeout;
	struct socket *socks[CBS_MAX_CONNS];
	unsigned int nsocks;
};

/* The device table and every configuration change. */
extern struct mutex cbs_devs_lock;

int cbs_dev_init(void);
void cbs_dev_exit(void);

/* Create /dev/cbsN; it owns cfg->socks on success.  Returns its index. */
int cbs_dev_create(struct cbs_map_config *cfg, struct netlink_ext_ack *extack);
int cbs_dev_remove(int index, bool force, struct netlink_ext_ack *extack);
/* EPOCH: 0 keeps the device's; lower than it is refused. */
int cbs_dev_reconfigure(int index, struct socket **socks, unsigned int nsocks,
			u64 size, unsigned int dead_timeout, u64 epoch,
			struct netlink_ext_ack *extack);

/*
 * Call fn on each device from *index on, or on one device, under the device
 * table's lock; *gen is the table's change count then, for dump consistency.
 */
int cbs_dev_for_each(int *index, unsigned int *gen,
		     int (*fn)(struct cbs_device *dev, void *data), void *data);
int cbs_dev_call(int index, int (*fn)(struct cbs_device *dev, void *data),
		 void *data, struct netlink_ext_ack *extack);

void cbs_dev_fence(struct cbs_device *dev);
bool cbs_dev_failing(struct cbs_device *dev);
bool cbs_dev_wait_expired(struct cbs_device *dev);

#endif /* _CBS_DEV_H */
