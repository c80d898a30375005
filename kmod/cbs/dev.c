// SPDX-License-Identifier: GPL-2.0
/*
 * The block devices: /dev/cbsN, a blk-mq disk with one hardware queue per
 * connection.  A dead link's requests move to a live one; with none left
 * I/O waits (requeued, not failed) until RECONFIGURE brings a link or the
 * dead timeout passes.  A fenced device fails at once.
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sizes.h>

#include "conn.h"
#include "dev.h"
#include "netlink.h"

#define CBS_MINORS		16	/* partitions per device */
#define CBS_QUEUE_DEPTH		128
#define CBS_MAX_IO_BYTES	SZ_1M
#define CBS_REQUEUE_DELAY_MS	100

static int cbs_major;
static struct kmem_cache *cbs_dev_cache __read_mostly;
static DEFINE_IDR(cbs_index_idr);
static DEFINE_MUTEX(cbs_devs_lock);	/* the idr and every config change */

static const struct block_device_operations cbs_fops = {
	.owner = THIS_MODULE,
};

unsigned int cbs_dev_live_conns(struct cbs_device *dev)
{
	unsigned int i, live = 0;

	spin_lock(&dev->conn_lock);
	for (i = 0; i < dev->nconns; i++)
		live += !dev->conns[i]->dead;
	spin_unlock(&dev->conn_lock);
	return live;
}

/* The queue's own link if alive, else any live one. */
static struct cbs_conn *cbs_dev_pick_conn(struct cbs_device *dev,
					  unsigned int queue)
{
	struct cbs_conn *conn = NULL;
	unsigned int i;

	spin_lock(&dev->conn_lock);
	for (i = 0; i < dev->nconns; i++) {
		struct cbs_conn *c = dev->conns[(queue + i) % dev->nconns];

		if (!c->dead) {
			conn = c;
			break;
		}
	}
	spin_unlock(&dev->conn_lock);
	return conn;
}

static bool cbs_dev_wait_expired(struct cbs_device *dev)
{
	unsigned long since = READ_ONCE(dev->dead_since);

	return since && time_after(jiffies, since + dev->dead_timeout * HZ);
}

static bool cbs_dev_failing(struct cbs_device *dev)
{
	return test_bit(CBS_DEV_FENCED, &dev->flags) ||
	       test_bit(CBS_DEV_REMOVING, &dev->flags);
}

void cbs_dev_fence(struct cbs_device *dev)
{
	if (!test_and_set_bit(CBS_DEV_FENCED, &dev->flags))
		pr_warn("cbs%d: fenced: a newer generation owns volume %s\n",
			dev->index, dev->name);
}

static void cbs_requeue(struct cbs_device *dev, struct request *rq)
{
	blk_mq_requeue_request(rq, false);
	blk_mq_delay_kick_requeue_list(dev->disk->queue,
				       msecs_to_jiffies(CBS_REQUEUE_DELAY_MS));
}

static bool cbs_requeue_if_on(struct request *rq, void *data)
{
	struct cbs_conn *conn = data;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	mutex_lock(&cmd->lock);
	if (cmd->conn == conn->index) {
		cmd->conn = -1;
		cbs_requeue(conn->dev, rq);
	}
	mutex_unlock(&cmd->lock);
	return true;
}

void cbs_dev_conn_dead(struct cbs_conn *conn)
{
	struct cbs_device *dev = conn->dev;
	unsigned int i, live = 0;

	spin_lock(&dev->conn_lock);
	if (conn->dead) {
		spin_unlock(&dev->conn_lock);
		return;
	}
	conn->dead = true;
	for (i = 0; i < dev->nconns; i++)
		live += !dev->conns[i]->dead;
	if (!live)
		dev->dead_since = jiffies ?: 1;
	spin_unlock(&dev->conn_lock);

	/* Fail the sender and receiver first, so no request sits on it. */
	cbs_conn_shutdown(conn);
	blk_mq_tagset_busy_iter(&dev->tag_set, cbs_requeue_if_on, conn);
	if (!test_bit(CBS_DEV_REMOVING, &dev->flags))
		cbs_nl_notify_link_dead(dev, conn->index, live);
}

static blk_status_t cbs_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	struct cbs_device *dev = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);
	struct cbs_conn *conn;
	int ret;

	blk_mq_start_request(rq);
	if (cbs_dev_failing(dev))
		return BLK_STS_IOERR;
	conn = cbs_dev_pick_conn(dev, hctx->queue_num);
	if (!conn) {
		if (cbs_dev_wait_expired(dev))
			return BLK_STS_IOERR;
		cbs_requeue(dev, rq);
		return BLK_STS_OK;
	}

	mutex_lock(&cmd->lock);
	cmd->cookie++;
	cmd->conn = conn->index;
	cmd->status = BLK_STS_OK;
	ret = cbs_conn_send(conn, rq, (u64)cmd->cookie << 32 |
			    blk_mq_unique_tag(rq));
	if (ret && ret != -EOPNOTSUPP) {
		cmd->conn = -1;
		cbs_requeue(dev, rq);
	}
	mutex_unlock(&cmd->lock);
	if (ret == -EOPNOTSUPP)
		return BLK_STS_NOTSUPP;
	if (ret)
		cbs_dev_conn_dead(conn);
	return BLK_STS_OK;
}

static void cbs_complete_rq(struct request *rq)
{
	struct cbs_device *dev = rq->q->queuedata;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);
	/* Set at allocation while iostats are on (the default): queueing counts. */
	u64 ns = rq->start_time_ns ? ktime_get_ns() - rq->start_time_ns : 0;

	if (cmd->status) {
		atomic64_inc(&dev->errors);
	} else if (req_op(rq) == REQ_OP_READ) {
		atomic64_inc(&dev->reads);
		atomic64_add(blk_rq_bytes(rq), &dev->read_bytes);
		atomic64_add(ns, &dev->read_ns);
	} else if (req_op(rq) == REQ_OP_WRITE) {
		atomic64_inc(&dev->writes);
		atomic64_add(blk_rq_bytes(rq), &dev->write_bytes);
		atomic64_add(ns, &dev->write_ns);
	}
	blk_mq_end_request(rq, cmd->status);
}

/*
 * A request the server has not answered in time: while the device may
 * wait, the link is presumed dead and the request retried elsewhere; once
 * fenced, removed or past the dead timeout it fails.
 */
static enum blk_eh_timer_return cbs_timeout(struct request *rq)
{
	struct cbs_device *dev = rq->q->queuedata;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);
	struct cbs_conn *conn = NULL;

	mutex_lock(&cmd->lock);
	if (cmd->conn < 0) {
		mutex_unlock(&cmd->lock);
		return BLK_EH_DONE;
	}
	if (cbs_dev_failing(dev) || cbs_dev_wait_expired(dev)) {
		cmd->conn = -1;
		cmd->status = BLK_STS_IOERR;
		mutex_unlock(&cmd->lock);
		blk_mq_complete_request(rq);
		return BLK_EH_DONE;
	}
	spin_lock(&dev->conn_lock);
	conn = dev->conns[cmd->conn];
	spin_unlock(&dev->conn_lock);
	mutex_unlock(&cmd->lock);
	pr_info_ratelimited("cbs%d: request timed out on connection %u, retrying\n",
			    dev->index, conn->index);
	cbs_dev_conn_dead(conn);
	return BLK_EH_DONE;
}

static int cbs_init_request(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	mutex_init(&cmd->lock);
	cmd->conn = -1;
	return 0;
}

static const struct blk_mq_ops cbs_mq_ops = {
	.queue_rq = cbs_queue_rq,
	.complete = cbs_complete_rq,
	.timeout = cbs_timeout,
	.init_request = cbs_init_request,
};

static void cbs_dev_set_limits(struct cbs_device *dev)
{
	struct request_queue *q = dev->disk->queue;

	blk_queue_logical_block_size(q, dev->block_size);
	blk_queue_physical_block_size(q, dev->block_size);
	blk_queue_max_hw_sectors(q, CBS_MAX_IO_BYTES >> SECTOR_SHIFT);
	/*
	 * Data goes through a socket, not DMA: any page layout is one
	 * request, so a 1 MiB write is one round trip, not several.
	 */
	blk_queue_max_segments(q, USHRT_MAX);
	blk_queue_max_segment_size(q, UINT_MAX);
	blk_queue_max_discard_sectors(q, CBS_MAX_IO_BYTES >> SECTOR_SHIFT);
	blk_queue_max_write_zeroes_sectors(q, CBS_MAX_IO_BYTES >> SECTOR_SHIFT);
	q->limits.discard_granularity = dev->block_size;
	blk_queue_write_cache(q, true, true);
}

/* Start receiving on every link; caller holds cbs_devs_lock. */
static void cbs_dev_start_conns(struct cbs_device *dev, unsigned int from,
				unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++)
		queue_work(dev->recv_wq, &dev->conns[i]->recv_work);
}

static void cbs_dev_free_conns(struct cbs_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nconns; i++)
		cbs_conn_free(dev->conns[i]);
	dev->nconns = 0;
}

struct cbs_device *cbs_dev_create(struct cbs_map_config *cfg,
				  struct netlink_ext_ack *extack)
{
	struct cbs_device *dev;
	struct gendisk *disk;
	unsigned int i;
	int ret;

	dev = kmem_cache_zalloc(cbs_dev_cache, GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	strscpy(dev->name, cfg->name, sizeof(dev->name));
	dev->size = cfg->size;
	dev->block_size = cfg->block_size;
	dev->generation = cfg->generation;
	dev->dead_timeout = cfg->dead_timeout;
	spin_lock_init(&dev->conn_lock);

	mutex_lock(&cbs_devs_lock);
	ret = idr_alloc(&cbs_index_idr, dev, 0, (1 << MINORBITS) / CBS_MINORS,
			GFP_KERNEL);
	if (ret < 0) {
		NL_SET_ERR_MSG_MOD(extack, "no free device index");
		goto err_free;
	}
	dev->index = ret;

	dev->recv_wq = alloc_workqueue("cbs%d-recv", WQ_MEM_RECLAIM | WQ_UNBOUND,
				       0, dev->index);
	ret = -ENOMEM;
	if (!dev->recv_wq)
		goto err_idr;

	dev->tag_set.ops = &cbs_mq_ops;
	dev->tag_set.nr_hw_queues = cfg->nsocks;
	dev->tag_set.queue_depth = CBS_QUEUE_DEPTH;
	dev->tag_set.numa_node = NUMA_NO_NODE;
	dev->tag_set.cmd_size = sizeof(struct cbs_req);
	/*
	 * queue_rq sleeps: it sends on a socket under a mutex.  No I/O
	 * scheduler by default: the server orders its own I/O, and behind a
	 * scheduler a blocking queue dispatches from kblockd, not the caller.
	 */
	dev->tag_set.flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING |
			     BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	dev->tag_set.timeout = cfg->io_timeout * HZ;
	dev->tag_set.driver_data = dev;
	ret = blk_mq_alloc_tag_set(&dev->tag_set);
	if (ret)
		goto err_wq;

	for (i = 0; i < cfg->nsocks; i++) {
		dev->conns[i] = cbs_conn_create(dev, cfg->socks[i], i);
		if (!dev->conns[i]) {
			ret = -ENOMEM;
			goto err_conns;
		}
		dev->nconns++;
	}

	disk = blk_mq_alloc_disk(&dev->tag_set, dev);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto err_conns;
	}
	dev->disk = disk;
	disk->major = cbs_major;
	disk->first_minor = dev->index * CBS_MINORS;
	disk->minors = CBS_MINORS;
	disk->fops = &cbs_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, sizeof(disk->disk_name), "cbs%d", dev->index);
	cbs_dev_set_limits(dev);
	set_capacity(disk, dev->size >> SECTOR_SHIFT);

	cbs_dev_start_conns(dev, 0, dev->nconns);
	ret = add_disk(disk);
	if (ret)
		goto err_disk;
	mutex_unlock(&cbs_devs_lock);
	return dev;

err_disk:
	set_bit(CBS_DEV_REMOVING, &dev->flags);
	for (i = 0; i < dev->nconns; i++)
		cbs_conn_shutdown(dev->conns[i]);
	flush_workqueue(dev->recv_wq);
	put_disk(disk);
err_conns:
	/* The sockets stay the caller's until the device owns them all. */
	for (i = 0; i < dev->nconns; i++)
		cbs_conn_destroy(dev->conns[i]);
	blk_mq_free_tag_set(&dev->tag_set);
err_wq:
	destroy_workqueue(dev->recv_wq);
err_idr:
	idr_remove(&cbs_index_idr, dev->index);
err_free:
	mutex_unlock(&cbs_devs_lock);
	kmem_cache_free(cbs_dev_cache, dev);
	return ERR_PTR(ret);
}

static void cbs_dev_destroy(struct cbs_device *dev)
{
	unsigned int i;

	lockdep_assert_held(&cbs_devs_lock);
	/* Fail new I/O, then kill every link so queued I/O fails too. */
	set_bit(CBS_DEV_REMOVING, &dev->flags);
	for (i = 0; i < dev->nconns; i++)
		cbs_dev_conn_dead(dev->conns[i]);
	blk_mq_kick_requeue_list(dev->disk->queue);
	del_gendisk(dev->disk);
	/* The receivers have seen the shutdown; wait for them to leave. */
	destroy_workqueue(dev->recv_wq);
	cbs_dev_free_conns(dev);
	blk_mq_free_tag_set(&dev->tag_set);
	idr_remove(&cbs_index_idr, dev->index);
	put_disk(dev->disk);
	kmem_cache_free(cbs_dev_cache, dev);
}

static struct cbs_device *cbs_dev_find(int index, struct netlink_ext_ack *extack)
{
	struct cbs_device *dev;

	lockdep_assert_held(&cbs_devs_lock);
	dev = idr_find(&cbs_index_idr, index);
	if (!dev)
		NL_SET_ERR_MSG_MOD(extack, "no such device");
	return dev;
}

int cbs_dev_remove(int index, bool force, struct netlink_ext_ack *extack)
{
	struct cbs_device *dev;
	int ret = 0;

	mutex_lock(&cbs_devs_lock);
	dev = cbs_dev_find(index, extack);
	if (!dev) {
		ret = -ENOENT;
		goto out;
	}
	if (disk_openers(dev->disk) && !force) {
		NL_SET_ERR_MSG_MOD(extack,
				   "device is open or mounted; unmap with force to fail its I/O");
		ret = -EBUSY;
		goto out;
	}
	cbs_dev_destroy(dev);
out:
	mutex_unlock(&cbs_devs_lock);
	return ret;
}

int cbs_dev_reconfigure(int index, struct socket **socks, unsigned int nsocks,
			u64 size, unsigned int dead_timeout,
			struct netlink_ext_ack *extack)
{
	struct cbs_conn *fresh[CBS_MAX_CONNS] = {};
	struct cbs_conn *old[CBS_MAX_CONNS] = {};
	struct cbs_device *dev;
	unsigned int i, slot, used = 0;
	int ret = 0;

	mutex_lock(&cbs_devs_lock);
	dev = cbs_dev_find(index, extack);
	if (!dev) {
		ret = -ENOENT;
		goto out;
	}
	if (size && size % dev->block_size) {
		NL_SET_ERR_MSG_MOD(extack, "size is not a multiple of the block size");
		ret = -EINVAL;
		goto out;
	}
	if (nsocks > dev->nconns - cbs_dev_live_conns(dev)) {
		NL_SET_ERR_MSG_MOD(extack, "more sockets than dead connections");
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < nsocks; i++) {
		fresh[i] = cbs_conn_create(dev, socks[i], 0);
		if (!fresh[i]) {
			ret = -ENOMEM;
			goto out_free;
		}
	}

	/* Dispatch must not pick a link while it is being swapped. */
	blk_mq_quiesce_queue(dev->disk->queue);
	for (slot = 0; slot < dev->nconns && used < nsocks; slot++) {
		if (!dev->conns[slot]->dead)
			continue;
		old[slot] = dev->conns[slot];
		fresh[used]->index = slot;
		spin_lock(&dev->conn_lock);
		dev->conns[slot] = fresh[used];
		dev->dead_since = 0;
		spin_unlock(&dev->conn_lock);
		queue_work(dev->recv_wq, &fresh[used]->recv_work);
		used++;
	}
	blk_mq_unquiesce_queue(dev->disk->queue);
	for (slot = 0; slot < dev->nconns; slot++) {
		if (old[slot]) {
			flush_work(&old[slot]->recv_work);
			cbs_conn_free(old[slot]);
		}
	}
	if (nsocks)
		blk_mq_kick_requeue_list(dev->disk->queue);

	if (dead_timeout)
		dev->dead_timeout = dead_timeout;
	if (size && size != dev->size) {
		dev->size = size;
		set_capacity_and_notify(dev->disk, size >> SECTOR_SHIFT);
	}
	goto out;

out_free:
	for (i = 0; i < nsocks; i++)
		if (fresh[i])
			cbs_conn_destroy(fresh[i]);
out:
	mutex_unlock(&cbs_devs_lock);
	return ret;
}

int cbs_dev_for_each(int *index,
		     int (*fn)(struct cbs_device *dev, void *data), void *data)
{
	struct cbs_device *dev;
	int ret = 0;

	mutex_lock(&cbs_devs_lock);
	while ((dev = idr_get_next(&cbs_index_idr, index))) {
		ret = fn(dev, data);
		if (ret)
			break;
		(*index)++;
	}
	mutex_unlock(&cbs_devs_lock);
	return ret;
}

int cbs_dev_init(void)
{
	int ret;

	cbs_dev_cache = KMEM_CACHE(cbs_device, 0);
	if (!cbs_dev_cache)
		return -ENOMEM;
	ret = cbs_conn_cache_init();
	if (ret)
		goto err_dev_cache;
	cbs_major = register_blkdev(0, "cbs");
	if (cbs_major < 0) {
		ret = cbs_major;
		goto err_conn_cache;
	}
	return 0;

err_conn_cache:
	cbs_conn_cache_exit();
err_dev_cache:
	kmem_cache_destroy(cbs_dev_cache);
	return ret;
}

void cbs_dev_exit(void)
{
	struct cbs_device *dev;
	int index;

	mutex_lock(&cbs_devs_lock);
	idr_for_each_entry(&cbs_index_idr, dev, index)
		cbs_dev_destroy(dev);
	mutex_unlock(&cbs_devs_lock);
	idr_destroy(&cbs_index_idr);
	unregister_blkdev(cbs_major, "cbs");
	cbs_conn_cache_exit();
	kmem_cache_destroy(cbs_dev_cache);
}
