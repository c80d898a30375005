/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CBS_DEV_H
#define _CBS_DEV_H

#include <linux/blk-mq.h>
#include <linux/cbs.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#define CBS_MAX_CONNS		16
#define CBS_DEFAULT_DEAD_TIMEOUT 120	/* seconds I/O waits with no live link */
#define CBS_DEFAULT_IO_TIMEOUT	30	/* seconds before a request is retried */

struct cbs_device;

/* One TCP connection to the volume's server; it serves one hardware queue. */
struct cbs_conn {
	struct cbs_device *dev;
	struct socket *sock;
	struct mutex tx_lock;		/* one request on the wire at a time */
	struct work_struct recv_work;
	unsigned int index;
	bool dead;			/* under dev->conn_lock */
};

/* Device flags (bit numbers in cbs_device.flags). */
enum {
	CBS_DEV_FENCED,		/* a newer generation owns the volume */
	CBS_DEV_REMOVING,	/* unmap under way: fail all I/O */
};

struct cbs_device {
	int index;
	char name[CBS_NAME_MAXLEN];
	u64 size;
	u32 block_size;
	u64 generation;
	unsigned long flags;
	unsigned int dead_timeout;	/* seconds */

	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct workqueue_struct *recv_wq;

	spinlock_t conn_lock;		/* conns[], their dead flags, dead_since */
	struct cbs_conn *conns[CBS_MAX_CONNS];
	unsigned int nconns;
	unsigned long dead_since;	/* jiffies when the last live link died; 0 if one lives */

	atomic64_t reads, writes, read_bytes, write_bytes, errors;
	atomic64_t read_ns, write_ns;	/* summed request latencies */
};

/* Per-request state, set up once in init_request. */
struct cbs_req {
	struct mutex lock;	/* serialises completion, requeue and timeout */
	u32 cookie;		/* bumped per send, so stale replies are ignored */
	int conn;		/* connection it is in flight on, or -1 */
	blk_status_t status;
};

struct cbs_map_config {
	const char *name;
	u64 size;
	u32 block_size;
	u64 generation;
	unsigned int dead_timeout;
	unsigned int io_timeout;
	struct socket *socks[CBS_MAX_CONNS];
	unsigned int nsocks;
};

int cbs_dev_init(void);
void cbs_dev_exit(void);

struct cbs_device *cbs_dev_create(struct cbs_map_config *cfg,
				  struct netlink_ext_ack *extack);
int cbs_dev_remove(int index, bool force, struct netlink_ext_ack *extack);
int cbs_dev_reconfigure(int index, struct socket **socks, unsigned int nsocks,
			u64 size, unsigned int dead_timeout,
			struct netlink_ext_ack *extack);

/* Iterate devices from *index on under the device lock; for dumps. */
int cbs_dev_for_each(int *index,
		     int (*fn)(struct cbs_device *dev, void *data), void *data);

/* Called by the connection code when a link dies. */
void cbs_dev_conn_dead(struct cbs_conn *conn);
void cbs_dev_fence(struct cbs_device *dev);
unsigned int cbs_dev_live_conns(struct cbs_device *dev);

#endif /* _CBS_DEV_H */
