// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <sys/socket.h>

#include "conn.h"
#include "log.h"
#include "net.h"
#include "token.h"
#include "volume.h"

#define HANDSHAKE_TIMEOUT_S 10

struct cbs_conn {
	int fd;
	char peer[64];
	struct cbs_volume *vol;		/* NULL in an admin session */
	uint64_t generation;
	void *buf;			/* payloads, grown up to CBS_PROTO_MAX_LEN */
	size_t buf_size;
	struct cbs_conn *next;		/* conns_lock */
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conns_idle = PTHREAD_COND_INITIALIZER;
static struct cbs_conn *conns;		/* conns_lock */
static unsigned int nconns;		/* conns_lock */
static unsigned int max_conns;
static char admin_token[CBS_PROTO_TOKEN_LEN];

void conn_init(const char *token, unsigned int max)
{
	memcpy(admin_token, token, sizeof(admin_token));
	max_conns = max;
}

static int buf_reserve(struct cbs_conn *c, size_t len)
{
	void *p;

	if (len <= c->buf_size)
		return 0;
	p = realloc(c->buf, len);
	if (!p)
		return -ENOMEM;
	c->buf = p;
	c->buf_size = len;
	return 0;
}

static int pread_full(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(buf, 0, len);
			return 0;
		}
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pwrite_full(int fd, const char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int zero_range(int fd, off_t off, off_t len)
{
	if (!fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	/* tmpfs and some others have no ZERO_RANGE; a hole reads as zeros too. */
	if (errno == EOPNOTSUPP &&
	    !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	return -errno;
}

/* Called with the volume's io_lock held for reading, after the checks. */
static int io_exec(struct cbs_conn *c, const struct cbs_req *req, uint32_t *out_len)
{
	int fd = c->vol->fd, ret;
	off_t off = (off_t)req->offset;

	switch (req->op) {
	case CBS_OP_READ:
		ret = buf_reserve(c, req->length);
		if (!ret)
			ret = pread_full(fd, c->buf, req->length, off);
		if (!ret)
			*out_len = req->length;
		return ret;
	case CBS_OP_WRITE:
		ret = pwrite_full(fd, c->buf, req->length, off);
		break;
	case CBS_OP_FLUSH:
		ret = 0;
		break;
	case CBS_OP_DISCARD:
		return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				 off, req->length) ? -errno : 0;
	case CBS_OP_WRITE_ZEROES:
		ret = zero_range(fd, off, req->length);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (!ret && (req->op == CBS_OP_FLUSH || (req->flags & CBS_REQ_F_FUA)) &&
	    fdatasync(fd))
		ret = -errno;
	return ret;
}

static int do_io(struct cbs_conn *c, const struct cbs_req *req, uint32_t *out_len)
{
	struct cbs_volume *v = c->vol;
	struct cbs_session s = {
		.generation = c->generation,
		.block_size = v->block_size,
	};
	int ret;

	pthread_rwlock_rdlock(&v->io_lock);
	s.volume_generation = v->generation;
	s.size = v->size;
	ret = cbs_proto_check_request(req, &s);
	if (!ret)
		ret = io_exec(c, req, out_len);
	pthread_rwlock_unlock(&v->io_lock);
	return ret;
}

/* *list: the malloc'd payload of a LIST reply. */
static int do_admin(struct cbs_conn *c, const struct cbs_req *req,
		    void **list, uint32_t *out_len)
{
	const struct cbs_session s = { .admin = true };
	struct cbs_admin_req a;
	int ret;

	ret = cbs_proto_check_request(req, &s);
	if (ret)
		return ret;
	if (req->op == CBS_OP_LIST)
		return vol_list(list, out_len);
	ret = cbs_proto_check_admin(req->op, c->buf, req->length, &a);
	if (ret)
		return ret;
	switch (req->op) {
	case CBS_OP_CREATE:
		ret = vol_create(&a);
		break;
	case CBS_OP_DELETE:
		ret = vol_delete(a.name);
		break;
	default:
		ret = vol_resize(a.name, a.size);
		break;
	}
	explicit_bzero(&a, sizeof(a));
	return ret;
}

static int send_reply(struct cbs_conn *c, uint64_t handle, int err,
		      const void *payload, uint32_t len)
{
	struct cbs_reply rep = {
		.magic = htole32(CBS_REPLY_MAGIC),
		.error = htole32((uint32_t)-err),
		.handle = htole64(handle),
		.length = htole32(len),
	};
	int ret;

	ret = cbs_send_all(c->fd, &rep, sizeof(rep), len ? MSG_MORE : 0);
	if (!ret && len)
		ret = cbs_send_all(c->fd, payload, len, 0);
	return ret;
}

static int serve(struct cbs_conn *c)
{
	struct cbs_request raw;
	struct cbs_req req;
	uint32_t plen, out_len;
	void *list;
	int err, ret;

	for (;;) {
		ret = cbs_recv_all(c->fd, &raw, sizeof(raw));
		if (ret)
			return ret;
		ret = cbs_proto_decode_request(&raw, sizeof(raw), &req);
		if (ret)
			return ret;
		plen = cbs_proto_payload_len(&req);
		ret = buf_reserve(c, plen);
		if (!ret)
			ret = cbs_recv_all(c->fd, c->buf, plen);
		if (ret)
			return ret;
		list = NULL;
		out_len = 0;
		if (c->vol)
			err = do_io(c, &req, &out_len);
		else
			err = do_admin(c, &req, &list, &out_len);
		/* A READ's data is in c->buf, which do_io() may have moved. */
		ret = send_reply(c, req.handle, err, list ? list : c->buf, out_len);
		free(list);
		if (ret)
			return ret;
	}
}

static int handshake(struct cbs_conn *c)
{
	struct cbs_hello_reply rep = {
		.magic = htole32(CBS_HELLO_REPLY_MAGIC),
		.version = htole16(CBS_PROTO_VERSION),
	};
	struct cbs_hello_req h = { 0 };
	struct cbs_hello raw;
	int ret, sret;

	ret = cbs_recv_all(c->fd, &raw, sizeof(raw));
	if (ret)
		return ret;
	ret = cbs_proto_check_hello(&raw, sizeof(raw), &h);
	explicit_bzero(&raw, sizeof(raw));
	if (ret == -EPROTO)
		return ret;
	if (!ret && h.admin)
		ret = cbs_token_equal(h.token, admin_token) ? 0 : -EACCES;
	else if (!ret)
		ret = vol_open(h.name, h.token, h.generation, &c->vol);
	explicit_bzero(h.token, sizeof(h.token));
	if (!ret && c->vol) {
		c->generation = h.generation;
		pthread_rwlock_rdlock(&c->vol->io_lock);
		rep.size = htole64(c->vol->size);
		rep.generation = htole64(c->vol->generation);
		pthread_rwlock_unlock(&c->vol->io_lock);
		rep.block_size = htole32(c->vol->block_size);
		rep.flags = htole16(CBS_VOL_F_FLUSH | CBS_VOL_F_FUA |
				    CBS_VOL_F_DISCARD | CBS_VOL_F_WRITE_ZEROES);
	}
	rep.error = htole32((uint32_t)-ret);
	sret = cbs_send_all(c->fd, &rep, sizeof(rep), 0);
	if (ret) {
		srv_log("%s: %s handshake refused%s%s: %s", c->peer,
			h.admin ? "admin" : "volume",
			cbs_proto_name_ok(h.name) ? " for " : "",
			cbs_proto_name_ok(h.name) ? h.name : "", strerror(-ret));
		return ret;
	}
	if (!sret)
		srv_log("%s: %s session%s%s", c->peer, c->vol ? "volume" : "admin",
			c->vol ? " for " : "", c->vol ? c->vol->name : "");
	return sret;
}

static void *conn_main(void *arg)
{
	struct cbs_conn *c = arg, **pc;
	struct timeval tv = { .tv_sec = HANDSHAKE_TIMEOUT_S };
	int one = 1, ret;

	/* A client that never completes its handshake must not keep a thread. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	ret = handshake(c);
	if (!ret) {
		tv.tv_sec = 0;
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ret = serve(c);
	}
	if (ret == -EPROTO)
		srv_log("%s: malformed frame, connection closed", c->peer);
	if (c->vol)
		vol_close(c->vol);
	free(c->buf);

	pthread_mutex_lock(&conns_lock);
	for (pc = &conns; *pc != c; pc = &(*pc)->next)
		;
	*pc = c->next;
	/* Closed under the lock so that conn_stop_all() never sees a reused fd. */
	close(c->fd);
	if (!--nconns)
		pthread_cond_broadcast(&conns_idle);
	pthread_mutex_unlock(&conns_lock);
	free(c);
	return NULL;
}

int conn_start(int fd, const char *peer)
{
	struct cbs_conn *c;
	pthread_attr_t attr;
	pthread_t tid;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	strncpy(c->peer, peer, sizeof(c->peer) - 1);
	pthread_mutex_lock(&conns_lock);
	if (nconns >= max_conns) {
		pthread_mutex_unlock(&conns_lock);
		free(c);
		return -EMFILE;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = -pthread_create(&tid, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (ret) {
		pthread_mutex_unlock(&conns_lock);
		free(c);
		return ret;
	}
	c->next = conns;
	conns = c;
	nconns++;
	pthread_mutex_unlock(&conns_lock);
	return 0;
}

void conn_stop_all(void)
{
	struct cbs_conn *c;

	pthread_mutex_lock(&conns_lock);
	for (c = conns; c; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	while (nconns)
		pthread_cond_wait(&conns_idle, &conns_lock);
	pthread_mutex_unlock(&conns_lock);
}
