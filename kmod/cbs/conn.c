// SPDX-License-Identifier: GPL-2.0
/*
 * Connection lifecycle: see conn.h.  The wire format spoken on a connection
 * is wire.c's; what happens to the requests on a dead link is req.c's.
 */
#include <linux/net.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "netlink.h"
#include "req.h"
#include "wire.h"

/* Long-lived objects get their own cache: a leak shows at unload. */
static struct kmem_cache *cbs_conn_cache __read_mostly;

int cbs_conn_cache_init(void)
{
	cbs_conn_cache = KMEM_CACHE(cbs_conn, 0);
	return cbs_conn_cache ? 0 : -ENOMEM;
}

void cbs_conn_cache_exit(void)
{
	kmem_cache_destroy(cbs_conn_cache);
}

/* Ids order a device's links; create and replace both hold cbs_devs_lock. */
struct cbs_conn *cbs_conn_create(struct cbs_device *dev, struct socket *sock,
				 unsigned int slot, unsigned int io_timeout)
{
	struct sock *sk = sock->sk;
	struct cbs_conn *conn;

	lockdep_assert_held(&cbs_devs_lock);
	conn = kmem_cache_zalloc(cbs_conn_cache, GFP_KERNEL);
	if (!conn)
		return NULL;
	conn->dev = dev;
	conn->sock = sock;
	conn->slot = slot;
	conn->id = ++dev->last_conn_id;
	refcount_set(&conn->refs, 1);
	mutex_init(&conn->tx_lock);
	INIT_WORK(&conn->recv_work, cbs_wire_recv_work);
	/* Block I/O must not recurse into reclaim through its own socket. */
	sk->sk_allocation = GFP_NOIO | __GFP_MEMALLOC;
	sk_set_memalloc(sk);
	/*
	 * A server that stops reading must not hold a sender (and the
	 * request lock it holds) for ever: a send that makes no progress
	 * for io-timeout fails, and the link dies.
	 */
	WRITE_ONCE(sk->sk_sndtimeo, io_timeout * HZ);
	/* Whatever closes it last, a dead link ends with a reset. */
	sock_no_linger(sk);
	return conn;
}

void cbs_conn_discard(struct cbs_conn *conn)
{
	mutex_destroy(&conn->tx_lock);
	kmem_cache_free(cbs_conn_cache, conn);
}

void cbs_conn_start(struct cbs_conn *conn)
{
	cbs_conn_get(conn);
	queue_work(conn->dev->recv_wq, &conn->recv_work);
}

void cbs_conn_get(struct cbs_conn *conn)
{
	refcount_inc(&conn->refs);
}

void cbs_conn_put(struct cbs_conn *conn)
{
	if (!refcount_dec_and_test(&conn->refs))
		return;
	sockfd_put(conn->sock);
	cbs_conn_discard(conn);
}

static unsigned int cbs_conn_live_locked(struct cbs_device *dev)
{
	unsigned int i, live = 0;

	lockdep_assert_held(&dev->conn_lock);
	for (i = 0; i < dev->nconns; i++)
		live += !dev->conns[i]->dead;
	return live;
}

unsigned int cbs_conn_live(struct cbs_device *dev)
{
	unsigned int live;

	spin_lock(&dev->conn_lock);
	live = cbs_conn_live_locked(dev);
	spin_unlock(&dev->conn_lock);
	return live;
}

struct cbs_conn *cbs_conn_pick(struct cbs_device *dev, unsigned int queue)
{
	struct cbs_conn *conn = NULL;
	unsigned int i;

	spin_lock(&dev->conn_lock);
	for (i = 0; i < dev->nconns; i++) {
		struct cbs_conn *c = dev->conns[(queue + i) % dev->nconns];

		if (!c->dead) {
			conn = c;
			cbs_conn_get(conn);
			break;
		}
	}
	spin_unlock(&dev->conn_lock);
	return conn;
}

struct cbs_conn *cbs_conn_lookup(struct cbs_device *dev, unsigned int slot,
				 u32 id)
{
	struct cbs_conn *conn = NULL;

	spin_lock(&dev->conn_lock);
	if (slot < dev->nconns && dev->conns[slot]->id == id &&
	    !dev->conns[slot]->dead) {
		conn = dev->conns[slot];
		cbs_conn_get(conn);
	}
	spin_unlock(&dev->conn_lock);
	return conn;
}

void cbs_conn_dead(struct cbs_conn *conn)
{
	struct cbs_device *dev = conn->dev;
	unsigned int live;

	spin_lock(&dev->conn_lock);
	if (conn->dead) {
		spin_unlock(&dev->conn_lock);
		return;
	}
	conn->dead = true;
	live = cbs_conn_live_locked(dev);
	if (!live)
		dev->dead_since = jiffies ?: 1;
	spin_unlock(&dev->conn_lock);

	/*
	 * A reset, not a shutdown: a shutdown would still deliver the bytes
	 * queued on the socket, so a write that is about to be retried on
	 * another link could reach the server after its retry.  It also
	 * wakes whoever waits on the socket, so no sender or receiver keeps
	 * a request locked.  (The server refuses a late attempt as well:
	 * Documentation/cbs-protocol.md, sessions.)
	 */
	tcp_abort(conn->sock->sk, ECONNABORTED);
	cbs_req_requeue_on(conn);
	if (!test_bit(CBS_DEV_REMOVING, &dev->flags))
		cbs_nl_notify_link_dead(dev, conn->slot, live);
}

void cbs_conn_replace_dead(struct cbs_device *dev, struct cbs_conn **fresh,
			   unsigned int n)
{
	struct cbs_conn *old[CBS_MAX_CONNS];
	unsigned int slot, used = 0;

	lockdep_assert_held(&cbs_devs_lock);
	spin_lock(&dev->conn_lock);
	for (slot = 0; slot < dev->nconns && used < n; slot++) {
		if (!dev->conns[slot]->dead)
			continue;
		old[used] = dev->conns[slot];
		fresh[used]->slot = slot;
		dev->conns[slot] = fresh[used];
		used++;
	}
	dev->dead_since = 0;
	spin_unlock(&dev->conn_lock);
	WARN_ON_ONCE(used != n);

	while (used--) {
		cbs_conn_start(fresh[used]);
		/* A timeout handler may still hold it; the last one frees it. */
		cbs_conn_put(old[used]);
	}
}
