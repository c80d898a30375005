// SPDX-License-Identifier: GPL-2.0
/*
 * The request path.  A request is sent on a live link; a dead link's
 * requests move to the requeue list and go to another one; with none left
 * they wait (requeued every 100 ms, not failed) until RECONFIGURE brings a
 * link or the dead timeout passes.  A fenced or removed device fails at
 * once.  The life of a request's attempt is nbd's: the timeout handler
 * never waits for the request lock, and every wait on a socket under it is
 * bounded by io-timeout.
 */
#include <linux/blkdev.h>

#include "conn.h"
#include "dev.h"
#include "req.h"
#include "wire.h"

#define CBS_REQUEUE_DELAY_MS	100

static void cbs_requeue(struct cbs_device *dev, struct request *rq)
{
	blk_mq_requeue_request(rq, false);
	blk_mq_delay_kick_requeue_list(dev->disk->queue,
				       msecs_to_jiffies(CBS_REQUEUE_DELAY_MS));
}

/* Take the request off its link and requeue it; caller holds cmd->lock. */
static void cbs_req_requeue_locked(struct cbs_device *dev, struct request *rq)
{
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	lockdep_assert_held(&cmd->lock);
	cmd->conn_id = 0;
	cbs_requeue(dev, rq);
}

static bool cbs_req_requeue_if_on(struct request *rq, void *data)
{
	struct cbs_conn *conn = data;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	mutex_lock(&cmd->lock);
	if (cmd->conn_id == conn->id)
		cbs_req_requeue_locked(conn->dev, rq);
	mutex_unlock(&cmd->lock);
	return true;
}

void cbs_req_requeue_on(struct cbs_conn *conn)
{
	blk_mq_tagset_busy_iter(&conn->dev->tag_set, cbs_req_requeue_if_on,
				conn);
}

static blk_status_t cbs_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	struct cbs_device *dev = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);
	struct cbs_conn *conn;
	int ret;

	if (cbs_wire_op(rq) < 0)
		return BLK_STS_NOTSUPP;
	blk_mq_start_request(rq);
	if (cbs_dev_failing(dev))
		return BLK_STS_IOERR;
	conn = cbs_conn_pick(dev, hctx->queue_num);
	if (!conn) {
		if (cbs_dev_wait_expired(dev))
			return BLK_STS_IOERR;
		cbs_requeue(dev, rq);
		return BLK_STS_OK;
	}

	mutex_lock(&cmd->lock);
	cmd->cookie++;
	cmd->conn_id = conn->id;
	cmd->slot = conn->slot;
	cmd->status = BLK_STS_OK;
	ret = cbs_wire_send(conn, rq);
	if (ret)
		cbs_req_requeue_locked(dev, rq);
	mutex_unlock(&cmd->lock);
	if (ret)
		cbs_conn_dead(conn);
	cbs_conn_put(conn);
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
 * A request the server has not answered in time.  While the device may
 * wait, its link is presumed dead and the request retried elsewhere; once
 * fenced, removed or past the dead timeout it fails.
 */
static enum blk_eh_timer_return cbs_timeout(struct request *rq)
{
	struct cbs_device *dev = rq->q->queuedata;
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);
	struct cbs_conn *conn;

	/*
	 * Held by a sender or a receiver on a socket: that wait ends within
	 * io-timeout (send timeout, payload receive timeout) and kills the
	 * link if the server is stuck.  Waiting here instead would stall
	 * every timeout of the queue behind it.
	 */
	if (!mutex_trylock(&cmd->lock))
		return BLK_EH_RESET_TIMER;
	if (!cmd->conn_id) {
		/* Being completed, or already on the requeue list. */
		mutex_unlock(&cmd->lock);
		return BLK_EH_DONE;
	}
	if (cbs_dev_failing(dev) || cbs_dev_wait_expired(dev)) {
		cmd->conn_id = 0;
		cmd->status = BLK_STS_IOERR;
		mutex_unlock(&cmd->lock);
		blk_mq_complete_request(rq);
		return BLK_EH_DONE;
	}
	/* The very link it went out on, not whatever took over its slot. */
	conn = cbs_conn_lookup(dev, cmd->slot, cmd->conn_id);
	if (!conn) {
		/* That link is already dead: retry the request elsewhere. */
		cbs_req_requeue_locked(dev, rq);
		mutex_unlock(&cmd->lock);
		return BLK_EH_DONE;
	}
	mutex_unlock(&cmd->lock);
	pr_info_ratelimited("cbs%d: request timed out on connection %u, retrying\n",
			    dev->index, conn->slot);
	/* Requeues this request with the link's others. */
	cbs_conn_dead(conn);
	cbs_conn_put(conn);
	return BLK_EH_DONE;
}

static int cbs_init_request(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	mutex_init(&cmd->lock);
	cmd->conn_id = 0;
	return 0;
}

static void cbs_exit_request(struct blk_mq_tag_set *set, struct request *rq,
			     unsigned int hctx_idx)
{
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);

	mutex_destroy(&cmd->lock);
}

const struct blk_mq_ops cbs_mq_ops = {
	.queue_rq = cbs_queue_rq,
	.complete = cbs_complete_rq,
	.timeout = cbs_timeout,
	.init_request = cbs_init_request,
	.exit_request = cbs_exit_request,
};
