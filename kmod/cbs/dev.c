// SPDX-License-Identifier: GPL-2.0
/*
 * The block devices: /dev/cbsN, a blk-mq disk with one hardware queue per
 * connection, and the table of devices.  The request path is req.c's, the
 * links' lifecycle conn.c's.
 *
 * Teardown fences every user of a device before freeing it, in order: the
 * REMOVING flag fails new I/O; each link is reset, which wakes its sender
 * and receiver; del_gendisk() drains the queue and syncs the timeout work
 * (blk-mq's timeout work holds a queue reference, so the freeze waits for
 * a handler in progress); destroy_workqueue() waits for the receivers.
 * After that the slots hold the last references to the links.
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "conn.h"
#include "dev.h"
#include "netlink.h"
#include "req.h"

#define CBS_MINORS		16	/* partitions per device */
#define CBS_QUEUE_DEPTH		128
#define CBS_MAX_IO_BYTES	SZ_1M

static int cbs_major;
static struct kmem_cache *cbs_dev_cache __read_mostly;
static DEFINE_IDR(cbs_index_idr);	/* cbs_devs_lock */
static unsigned int cbs_devs_gen;	/* cbs_devs_lock: bumped per change */
DEFINE_MUTEX(cbs_devs_lock);

static const struct block_device_operations cbs_fops = {
	.owner = THIS_MODULE,
};

bool cbs_dev_wait_expired(struct cbs_device *dev)
{
	unsigned long since = READ_ONCE(dev->dead_since);

	return since && time_after(jiffies,
				   since + READ_ONCE(dev->dead_timeout) * HZ);
}

bool cbs_dev_failing(struct cbs_device *dev)
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

static int cbs_dev_alloc_tag_set(struct cbs_device *dev,
				 const struct cbs_map_config *cfg)
{
	struct blk_mq_tag_set *set = &dev->tag_set;

	set->ops = &cbs_mq_ops;
	set->nr_hw_queues = cfg->nsocks;
	set->queue_depth = CBS_QUEUE_DEPTH;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct cbs_req);
	/*
	 * queue_rq sleeps: it sends on a socket under a mutex.  No I/O
	 * scheduler, ever: the server orders its own I/O; behind a scheduler
	 * a blocking queue dispatches from kblockd, not the caller; and the
	 * server's late-write rule is per slot (the driver tag), which only
	 * a queue without a scheduler keeps across a request's requeues.
	 */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING |
		     BLK_MQ_F_NO_SCHED;
	set->timeout = cfg->io_timeout * HZ;
	set->driver_data = dev;
	return blk_mq_alloc_tag_set(set);
}

static int cbs_dev_alloc_disk(struct cbs_device *dev)
{
	struct gendisk *disk;

	disk = blk_mq_alloc_disk(&dev->tag_set, dev);
	if (IS_ERR(disk))
		return PTR_ERR(disk);
	dev->disk = disk;
	disk->major = cbs_major;
	disk->first_minor = dev->index * CBS_MINORS;
	disk->minors = CBS_MINORS;
	disk->fops = &cbs_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, sizeof(disk->disk_name), "cbs%d", dev->index);
	cbs_dev_set_limits(dev);
	set_capacity(disk, dev->size >> SECTOR_SHIFT);
	return 0;
}

int cbs_dev_create(struct cbs_map_config *cfg, struct netlink_ext_ack *extack)
{
	struct cbs_device *dev;
	unsigned int i;
	int ret;

	dev = kmem_cache_zalloc(cbs_dev_cache, GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	strscpy(dev->name, cfg->name, sizeof(dev->name));
	dev->size = cfg->size;
	dev->block_size = cfg->block_size;
	dev->generation = cfg->generation;
	dev->session = cfg->session;
	dev->epoch = cfg->epoch;
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

	ret = -ENOMEM;
	dev->recv_wq = alloc_workqueue("cbs%d-recv", WQ_MEM_RECLAIM | WQ_UNBOUND,
				       0, dev->index);
	if (!dev->recv_wq)
		goto err_idr;
	ret = cbs_dev_alloc_tag_set(dev, cfg);
	if (ret)
		goto err_wq;
	for (i = 0; i < cfg->nsocks; i++) {
		dev->conns[i] = cbs_conn_create(dev, cfg->socks[i], i,
						cfg->io_timeout);
		if (!dev->conns[i]) {
			ret = -ENOMEM;
			goto err_conns;
		}
		dev->nconns++;
	}
	ret = cbs_dev_alloc_disk(dev);
	if (ret)
		goto err_conns;

	for (i = 0; i < dev->nconns; i++)
		cbs_conn_start(dev->conns[i]);
	ret = add_disk(dev->disk);
	if (ret)
		goto err_disk;
	cbs_devs_gen++;
	mutex_unlock(&cbs_devs_lock);
	return dev->index;

err_disk:
	/* The receivers own a reference to their sockets' links: stop them. */
	set_bit(CBS_DEV_REMOVING, &dev->flags);
	for (i = 0; i < dev->nconns; i++)
		cbs_conn_dead(dev->conns[i]);
	flush_workqueue(dev->recv_wq);
	put_disk(dev->disk);
err_conns:
	/* The sockets stay the caller's until the device owns them all. */
	for (i = 0; i < dev->nconns; i++)
		cbs_conn_discard(dev->conns[i]);
	blk_mq_free_tag_set(&dev->tag_set);
err_wq:
	destroy_workqueue(dev->recv_wq);
err_idr:
	idr_remove(&cbs_index_idr, dev->index);
err_free:
	mutex_unlock(&cbs_devs_lock);
	kmem_cache_free(cbs_dev_cache, dev);
	return ret;
}

static void cbs_dev_destroy(struct cbs_device *dev)
{
	unsigned int i;

	lockdep_assert_held(&cbs_devs_lock);
	set_bit(CBS_DEV_REMOVING, &dev->flags);
	for (i = 0; i < dev->nconns; i++)
		cbs_conn_dead(dev->conns[i]);
	blk_mq_kick_requeue_list(dev->disk->queue);
	del_gendisk(dev->disk);
	destroy_workqueue(dev->recv_wq);
	for (i = 0; i < dev->nconns; i++)
		cbs_conn_put(dev->conns[i]);
	blk_mq_free_tag_set(&dev->tag_set);
	idr_remove(&cbs_index_idr, dev->index);
	cbs_devs_gen++;
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

/* Hand new sockets to the dead slots; they start at once. */
static int cbs_dev_add_socks(struct cbs_device *dev, struct socket **socks,
			     unsigned int nsocks, struct netlink_ext_ack *extack)
{
	struct cbs_conn *fresh[CBS_MAX_CONNS];
	unsigned int i;

	lockdep_assert_held(&cbs_devs_lock);
	if (nsocks > dev->nconns - cbs_conn_live(dev)) {
		NL_SET_ERR_MSG_MOD(extack, "more sockets than dead connections");
		return -EINVAL;
	}
	for (i = 0; i < nsocks; i++) {
		fresh[i] = cbs_conn_create(dev, socks[i], 0,
					   dev->tag_set.timeout / HZ);
		if (!fresh[i]) {
			while (i--)
				cbs_conn_discard(fresh[i]);
			return -ENOMEM;
		}
	}
	cbs_conn_replace_dead(dev, fresh, nsocks);
	blk_mq_kick_requeue_list(dev->disk->queue);
	return 0;
}

int cbs_dev_reconfigure(int index, struct socket **socks, unsigned int nsocks,
			u64 size, unsigned int dead_timeout, u64 epoch,
			struct netlink_ext_ack *extack)
{
	struct cbs_device *dev;
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
	/* Epochs only grow: a lower one is a confused caller, change nothing. */
	if (epoch && epoch < dev->epoch) {
		NL_SET_ERR_MSG_MOD(extack, "epoch is older than the device's");
		ret = -EINVAL;
		goto out;
	}
	if (nsocks) {
		ret = cbs_dev_add_socks(dev, socks, nsocks, extack);
		if (ret)
			goto out;
	}
	if (dead_timeout)
		WRITE_ONCE(dev->dead_timeout, dead_timeout);
	if (size && size != dev->size) {
		dev->size = size;
		set_capacity_and_notify(dev->disk, size >> SECTOR_SHIFT);
	}
	if (epoch > dev->epoch) {
		dev->epoch = epoch;
		cbs_nl_notify_epoch(dev);
	}
	cbs_devs_gen++;
out:
	mutex_unlock(&cbs_devs_lock);
	return ret;
}

int cbs_dev_for_each(int *index, unsigned int *gen,
		     int (*fn)(struct cbs_device *dev, void *data), void *data)
{
	struct cbs_device *dev;
	int ret = 0;

	mutex_lock(&cbs_devs_lock);
	*gen = cbs_devs_gen;
	while ((dev = idr_get_next(&cbs_index_idr, index))) {
		ret = fn(dev, data);
		if (ret)
			break;
		(*index)++;
	}
	mutex_unlock(&cbs_devs_lock);
	return ret;
}

int cbs_dev_call(int index, int (*fn)(struct cbs_device *dev, void *data),
		 void *data, struct netlink_ext_ack *extack)
{
	struct cbs_device *dev;
	int ret;

	mutex_lock(&cbs_devs_lock);
	dev = cbs_dev_find(index, extack);
	ret = dev ? fn(dev, data) : -ENOENT;
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
