// SPDX-License-Identifier: GPL-2.0
/*
 * Sending requests and receiving replies on one connection: see wire.h.
 * Every wait on the socket under a request's lock is bounded by the
 * device's io-timeout; the receiver's wait for the next reply is not
 * (an idle link is fine), and nothing is locked during it.
 */
#include <linux/cbs_proto.h>
#include <linux/net.h>
#include <linux/sched/mm.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "conn.h"
#include "dev.h"
#include "req.h"
#include "wire.h"

/* Move all of ITER through SOCK, or fail; a short transfer is an error. */
static int cbs_sock_xfer(struct socket *sock, bool send, struct iov_iter *iter,
			 int flags)
{
	struct msghdr msg = { .msg_flags = flags | MSG_NOSIGNAL };
	unsigned int noreclaim;
	int ret = 0;

	noreclaim = memalloc_noreclaim_save();
	msg.msg_iter = *iter;
	while (msg_data_left(&msg)) {
		if (send)
			ret = sock_sendmsg(sock, &msg);
		else
			ret = sock_recvmsg(sock, &msg, msg.msg_flags | MSG_WAITALL);
		if (ret <= 0) {
			/* -EAGAIN: no progress within the socket's timeout. */
			ret = ret == -EAGAIN ? -ETIMEDOUT : ret ?: -EPIPE;
			break;
		}
		ret = 0;
	}
	memalloc_noreclaim_restore(noreclaim);
	return ret;
}

static int cbs_xfer_buf(struct socket *sock, bool send, void *buf, size_t len,
			int flags)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, send ? ITER_SOURCE : ITER_DEST, &vec, 1, len);
	return cbs_sock_xfer(sock, send, &iter, flags);
}

/*
 * A request's data, one socket call per bio over the bio's own bvec array
 * (as loop does) rather than one per page: a 1 MiB request is a single
 * sendmsg or MSG_WAITALL recvmsg, not 256.
 */
static int cbs_xfer_bio_data(struct socket *sock, bool send,
			     struct request *rq)
{
	struct iov_iter iter;
	struct bvec_iter bi;
	struct bio_vec bvec;
	unsigned int nr_bvec;
	struct bio *bio;
	int ret;

	__rq_for_each_bio(bio, rq) {
		nr_bvec = 0;
		bio_for_each_bvec(bvec, bio, bi)
			nr_bvec++;
		iov_iter_bvec(&iter, send ? ITER_SOURCE : ITER_DEST,
			      __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter),
			      nr_bvec, bio->bi_iter.bi_size);
		iter.iov_offset = bio->bi_iter.bi_bvec_done;
		ret = cbs_sock_xfer(sock, send, &iter,
				    send && bio->bi_next ? MSG_MORE : 0);
		if (ret)
			return ret;
	}
	return 0;
}

int cbs_wire_op(struct request *rq)
{
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return CBS_OP_READ;
	case REQ_OP_WRITE:
		return CBS_OP_WRITE;
	case REQ_OP_FLUSH:
		return CBS_OP_FLUSH;
	case REQ_OP_DISCARD:
		return CBS_OP_DISCARD;
	case REQ_OP_WRITE_ZEROES:
		return CBS_OP_WRITE_ZEROES;
	default:
		return -EOPNOTSUPP;
	}
}

int cbs_wire_send(struct cbs_conn *conn, struct request *rq)
{
	struct cbs_req *cmd = blk_mq_rq_to_pdu(rq);
	struct cbs_device *dev = conn->dev;
	struct cbs_request req = {};
	int op = cbs_wire_op(rq);
	int ret;

	lockdep_assert_held(&cmd->lock);
	req.magic = cpu_to_le32(CBS_REQUEST_MAGIC);
	req.op = cpu_to_le16(op);
	if ((rq->cmd_flags & REQ_FUA) &&
	    (op == CBS_OP_WRITE || op == CBS_OP_WRITE_ZEROES))
		req.flags = cpu_to_le16(CBS_REQ_F_FUA);
	req.handle = cpu_to_le64(cbs_req_handle(rq));
	req.generation = cpu_to_le64(dev->generation);
	if (op != CBS_OP_FLUSH) {
		req.offset = cpu_to_le64(blk_rq_pos(rq) << SECTOR_SHIFT);
		req.length = cpu_to_le32(blk_rq_bytes(rq));
	}

	mutex_lock(&conn->tx_lock);
	ret = cbs_xfer_buf(conn->sock, true, &req, sizeof(req),
			   op == CBS_OP_WRITE ? MSG_MORE : 0);
	if (!ret && op == CBS_OP_WRITE)
		ret = cbs_xfer_bio_data(conn->sock, true, rq);
	mutex_unlock(&conn->tx_lock);
	return ret;
}

static blk_status_t cbs_errno_to_status(struct cbs_device *dev, u32 err)
{
	switch (err) {
	case 0:
		return BLK_STS_OK;
	case ENOSPC:
		return BLK_STS_NOSPC;
	case ESTALE:
		cbs_dev_fence(dev);
		return BLK_STS_IOERR;
	case EOPNOTSUPP:
		return BLK_STS_NOTSUPP;
	default:
		return BLK_STS_IOERR;
	}
}

/*
 * A READ's data, received into the request under its lock: bounded by
 * io-timeout, so a server that stalls in the middle of a payload kills the
 * link instead of holding the request.  Only this work receives on the
 * socket, so it may switch the socket's receive timeout.
 */
static int cbs_recv_read_data(struct cbs_conn *conn, struct request *rq)
{
	struct sock *sk = conn->sock->sk;
	int ret;

	WRITE_ONCE(sk->sk_rcvtimeo, conn->dev->tag_set.timeout);
	ret = cbs_xfer_bio_data(conn->sock, false, rq);
	WRITE_ONCE(sk->sk_rcvtimeo, MAX_SCHEDULE_TIMEOUT);
	return ret;
}

/*
 * Receive one reply and complete its request.  Any protocol violation, or
 * a server that is no longer the primary, kills the connection (returns an
 * error): its requests are then retried on another link, which is safe
 * because every operation is idempotent and the server refuses a late
 * attempt.
 */
static int cbs_wire_recv_one(struct cbs_conn *conn)
{
	struct cbs_device *dev = conn->dev;
	struct cbs_reply reply;
	struct request *rq;
	struct cbs_req *cmd;
	u32 tag, hwq, err, len;
	u64 handle;
	int ret;

	ret = cbs_xfer_buf(conn->sock, false, &reply, sizeof(reply), 0);
	if (ret)
		return ret;
	if (le32_to_cpu(reply.magic) != CBS_REPLY_MAGIC)
		return -EPROTO;
	handle = le64_to_cpu(reply.handle);
	tag = lower_32_bits(handle);
	hwq = blk_mq_unique_tag_to_hwq(tag);
	if (hwq >= dev->tag_set.nr_hw_queues)
		return -EPROTO;
	rq = blk_mq_tag_to_rq(dev->tag_set.tags[hwq],
			      blk_mq_unique_tag_to_tag(tag));
	if (!rq || !blk_mq_request_started(rq))
		return -EPROTO;

	cmd = blk_mq_rq_to_pdu(rq);
	mutex_lock(&cmd->lock);
	if (cmd->conn_id != conn->id || cmd->cookie != upper_32_bits(handle)) {
		ret = -EPROTO;
		goto out;
	}
	err = le32_to_cpu(reply.error);
	len = le32_to_cpu(reply.length);
	if (err == CBS_ERR_NOT_PRIMARY) {
		/*
		 * A newer epoch made another server the primary: this link
		 * is as good as dead, not fenced.  The request stays on the
		 * link (conn_id unchanged), so declaring the link dead
		 * requeues it with the others, and the reconnect logic finds
		 * the new primary.  The guest sees no error.
		 */
		ret = -EREMCHG;
		goto out;
	}
	if (!err && req_op(rq) == REQ_OP_READ) {
		if (len != blk_rq_bytes(rq)) {
			ret = -EPROTO;
			goto out;
		}
		ret = cbs_recv_read_data(conn, rq);
		if (ret)
			goto out;
	} else if (len) {
		ret = -EPROTO;
		goto out;
	}
	cmd->status = cbs_errno_to_status(dev, err);
	cmd->conn_id = 0;
out:
	mutex_unlock(&cmd->lock);
	if (!ret)
		blk_mq_complete_request(rq);
	return ret;
}

void cbs_wire_recv_work(struct work_struct *work)
{
	struct cbs_conn *conn = container_of(work, struct cbs_conn, recv_work);
	int ret;

	do {
		ret = cbs_wire_recv_one(conn);
	} while (!ret);
	if (ret == -EPROTO)
		pr_warn_ratelimited("cbs%d: protocol error on connection %u\n",
				    conn->dev->index, conn->slot);
	else if (ret == -EREMCHG)
		pr_info_ratelimited("cbs%d: server is not the primary on connection %u, reconnecting\n",
				    conn->dev->index, conn->slot);
	else if (ret == -ETIMEDOUT)
		pr_warn_ratelimited("cbs%d: server stalled in a reply on connection %u\n",
				    conn->dev->index, conn->slot);
	cbs_conn_dead(conn);
	/* The receiver's own reference: this may free the connection. */
	cbs_conn_put(conn);
}
