// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "lib/log.h"
#include "lib/sock.h"
#include "lib/token.h"
#include "storage/conn.h"
#include "storage/file.h"
#include "storage/replica.h"
#include "storage/store.h"
#include "storage/volume.h"

#define HANDSHAKE_TIMEOUT_S 10
/* Requests are read in batches: one recv() takes all the headers queued. */
#define INBUF_SIZE (64 * 1024)
/* Below this, copying a payload costs less than splicing it. */
#define SPLICE_MIN (64 * 1024)
#define PIPE_SIZE (1024 * 1024)

struct cbs_conn {
	int fd;
	char peer[64];
	struct cbs_volume *vol;		/* NULL in an admin session */
	uint64_t generation;
	struct attempt_table *attempts;	/* NULL without a session id */
	struct replica_vol *rv;		/* the volume's replica set; NULL for admin */
	bool replica;			/* a primary's replica session: this is a backup */
	uint64_t epoch;			/* replica session: its epoch */
	struct replica_pending pending;	/* replica session: its last write */
	struct replica_links links;	/* client session: to the backups */
	void *buf;			/* payloads, grown up to CBS_PROTO_MAX_LEN */
	size_t buf_size;
	char *in;			/* received, not yet parsed: in[in_head, in_tail) */
	size_t in_head, in_tail;
	/*
	 * Large payloads move through this pipe by splice(): page references,
	 * not copies, between the data file and the socket.  -1 if the pipe
	 * could not be made, then payloads are copied through buf.
	 */
	int pipe[2];
	size_t pipe_size;
	size_t pipe_len;		/* READ reply bytes waiting in the pipe */
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

/* len bytes of the stream into dst: buffered bytes first. */
static int stream_recv(struct cbs_conn *c, void *dst, size_t len)
{
	char *p = dst;
	size_t n;
	ssize_t r;

	while (len) {
		n = c->in_tail - c->in_head;
		if (n) {
			n = n < len ? n : len;
			memcpy(p, c->in + c->in_head, n);
			c->in_head += n;
			p += n;
			len -= n;
			continue;
		}
		/* A large payload goes straight to its buffer. */
		if (len >= INBUF_SIZE)
			return nb_recv_all(c->fd, p, len);
		r = recv(c->fd, c->in, INBUF_SIZE, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		c->in_head = 0;
		c->in_tail = (size_t)r;
	}
	return 0;
}

/* Another request is already here: its reply will follow this one soon. */
static bool stream_has_request(const struct cbs_conn *c)
{
	return c->in_tail - c->in_head >= sizeof(struct cbs_request);
}

static void pipe_close(struct cbs_conn *c)
{
	if (c->pipe[0] < 0)
		return;
	close(c->pipe[0]);
	close(c->pipe[1]);
	c->pipe[0] = c->pipe[1] = -1;
}

/* Without a pipe (no fds, pipe-user-pages limit) payloads are copied. */
static void pipe_open(struct cbs_conn *c)
{
	int size;

	if (pipe2(c->pipe, O_CLOEXEC)) {
		c->pipe[0] = c->pipe[1] = -1;
		return;
	}
	size = fcntl(c->pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
	if (size < SPLICE_MIN)
		pipe_close(c);
	else
		c->pipe_size = (size_t)size;
}

/* Discard what is left in the pipe after an error: a new, empty one. */
static void pipe_reset(struct cbs_conn *c)
{
	pipe_close(c);
	pipe_open(c);
}

/* Throw away len bytes of the stream. */
static int stream_discard(struct cbs_conn *c, size_t len)
{
	size_t n;
	int ret;

	ret = buf_reserve(c, SPLICE_MIN);
	while (!ret && len) {
		n = len < SPLICE_MIN ? len : SPLICE_MIN;
		ret = stream_recv(c, c->buf, n);
		len -= n;
	}
	return ret;
}

/*
 * A READ's data: a large one that one file holds is spliced from it into
 * the pipe (page references, no copy); whatever that leaves (a small read,
 * a short splice, a range spread over several files) is copied into buf.
 * The reply sends the pipe's part first.
 */
static int read_data(struct cbs_conn *c, uint32_t len, uint64_t off)
{
	struct cbs_volume *v = c->vol;
	loff_t pos = (loff_t)off;
	ssize_t n = 0;
	int fd = -1, ret;

	if (c->pipe[0] >= 0 && len >= SPLICE_MIN)
		fd = store_read_file(v, off, len);
	if (fd >= 0) {
		/* The pipe is empty, so this never waits for room in it. */
		n = splice(fd, &pos, c->pipe[1], NULL, len, 0);
		/* On failure the copy below meets the same error, or succeeds. */
		if (n < 0)
			n = 0;
		c->pipe_len = (size_t)n;
	}
	ret = buf_reserve(c, len - (size_t)n);
	if (!ret)
		ret = store_read(v, c->buf, len - (uint32_t)n, off + (uint64_t)n);
	if (ret && c->pipe_len) {
		c->pipe_len = 0;
		pipe_reset(c);
	}
	return ret;
}

/* Whether the session's write ordering applies to this request. */
static bool ordered(const struct cbs_conn *c, const struct cbs_req *req)
{
	return c->attempts && cbs_proto_op_mutates(req->op);
}

/*
 * Check a request against its session and its volume; io_lock held.  A
 * write in an ordered session also claims its slot for its attempt: on
 * success the slot stays locked, so no newer attempt can begin while this
 * one writes, until write_step_done().
 */
static int check_locked(const struct cbs_conn *c, const struct cbs_req *req)
{
	const struct cbs_volume *v = c->vol;
	const struct cbs_session s = {
		.replica = c->replica,
		.generation = c->generation,
		.volume_generation = v->generation,
		.size = v->size,
		.block_size = v->block_size,
	};
	int ret = cbs_proto_check_request(req, &s);

	if (!ret && ordered(c, req))
		ret = attempt_lock(c->attempts, req->handle);
	return ret;
}

/* After the write step that check_locked() guarded. */
static void write_step_done(const struct cbs_conn *c, const struct cbs_req *req)
{
	if (ordered(c, req))
		attempt_unlock(c->attempts, req->handle);
}

/* Called with the volume's io_lock held for reading, after the checks. */
static int io_exec(struct cbs_conn *c, const struct cbs_req *req, uint32_t *out_len)
{
	struct cbs_volume *v = c->vol;
	uint64_t off = req->offset;
	int ret;

	switch (req->op) {
	case CBS_OP_READ:
		ret = read_data(c, req->length, off);
		if (!ret)
			*out_len = req->length;
		return ret;
	case CBS_OP_WRITE:
		return store_write(v, c->buf, req->length, off);
	case CBS_OP_FLUSH:
		return 0;
	case CBS_OP_DISCARD:
		return store_discard(v, off, req->length);
	case CBS_OP_WRITE_ZEROES:
		return store_write_zeroes(v, off, req->length);
	default:
		return -EOPNOTSUPP;
	}
}

/* Whether a client's request goes to the backups too. */
static bool forwarded(const struct cbs_conn *c, const struct cbs_req *req)
{
	return !c->replica &&
	       (cbs_proto_op_mutates(req->op) || req->op == CBS_OP_FLUSH) &&
	       replica_has_backups(c->rv);
}

struct apply_arg {
	struct cbs_conn *c;
	const struct cbs_req *req;
	uint32_t *out_len;
};

/* The local step of a request, durable where FLUSH or FUA ask. */
static int apply_local(void *arg)
{
	struct apply_arg *a = arg;
	int ret = io_exec(a->c, a->req, a->out_len);

	if (!ret && (a->req->op == CBS_OP_FLUSH || (a->req->flags & CBS_REQ_F_FUA)))
		ret = store_sync(a->c->vol);
	return ret;
}

/*
 * A replica session's SNAPSHOT: the primary took it with no write in
 * flight, and sends it between the writes before and after it; here it is
 * taken with io_lock held for writing, as vol_snap_create() does.
 */
static int do_snapshot(struct cbs_conn *c, const struct cbs_req *req)
{
	struct cbs_volume *v = c->vol;
	struct cbs_snap_req sr;
	int ret;

	pthread_rwlock_wrlock(&v->io_lock);
	ret = check_locked(c, req);
	if (!ret)
		ret = cbs_proto_check_snapshot(CBS_OP_SNAPSHOT, c->buf, req->length, &sr);
	if (!ret)
		ret = replica_backup_begin(c->rv, c->epoch);
	if (!ret) {
		ret = vol_snap_create_locked(v, sr.snap, req->flags & CBS_REQ_F_PROTECTED ?
					     CBS_SNAP_F_PROTECTED : 0);
		replica_backup_end(c->rv);
	}
	pthread_rwlock_unlock(&v->io_lock);
	return ret;
}

/*
 * io_lock is taken before the replica set's lock (replica.h), here and on
 * every path; a backup's request holds its epoch check (the replica lock)
 * until its write is durable, so a CONFIG that records a newer epoch waits
 * for it and none of the old epoch's writes lands after.
 */
static int do_io(struct cbs_conn *c, const struct cbs_req *req, uint32_t *out_len)
{
	struct apply_arg a = { .c = c, .req = req, .out_len = out_len };
	struct cbs_volume *v = c->vol;
	bool synced = false;
	int ret;

	if (c->replica && req->op == CBS_OP_SNAPSHOT)
		return do_snapshot(c, req);
	if (!c->replica) {
		ret = replica_check_client(c->rv);
		if (ret)
			return ret;
	}
	pthread_rwlock_rdlock(&v->io_lock);
	ret = check_locked(c, req);
	if (!ret) {
		if (c->replica) {
			ret = replica_backup_begin(c->rv, c->epoch);
			if (!ret) {
				ret = replica_backup_track(c->rv, v->size, &c->pending, req);
				if (!ret)
					ret = apply_local(&a);
				replica_backup_end(c->rv);
			}
			synced = true;
		} else if (forwarded(c, req)) {
			/* The slot stays claimed until every replica has the write. */
			ret = replica_write(c->rv, &c->links, v->size, c->generation, req,
					    c->buf, apply_local, &a);
			synced = true;
		} else {
			ret = io_exec(c, req, out_len);
		}
		write_step_done(c, req);
	}
	/* Outside the slot's lock: the data is in place, only durability waits. */
	if (!ret && !synced && (req->op == CBS_OP_FLUSH || (req->flags & CBS_REQ_F_FUA)))
		ret = store_sync(v);
	pthread_rwlock_unlock(&v->io_lock);
	return ret;
}

/* Move len bytes from the pipe to fd: a file at *pos, or the socket. */
static int splice_out(struct cbs_conn *c, int fd, loff_t *pos, size_t len,
		      unsigned int flags)
{
	ssize_t n;

	while (len) {
		n = splice(c->pipe[0], NULL, fd, pos, len, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EIO;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A large WRITE: its payload goes socket -> pipe -> file a pipeful at a
 * time, copied once (into the file) instead of twice.  io_lock is taken
 * per pipeful and never held while waiting for the network; each pipeful
 * is checked again, so a fence between two stops the rest and no byte
 * lands after a higher generation was acknowledged, nor after a newer
 * attempt of the same slot began (the payload may stall mid-way in the
 * client's socket, and its retry overtake it).  After an error the
 * rest of the payload is read and dropped, keeping the stream in step.
 * Returns 0 or an error that ends the connection; *err is the reply's.
 */
static int write_spliced(struct cbs_conn *c, const struct cbs_req *req, int *err)
{
	struct cbs_volume *v = c->vol;
	loff_t pos = (loff_t)req->offset;
	size_t left = req->length, n;
	ssize_t r;

	pthread_rwlock_rdlock(&v->io_lock);
	*err = check_locked(c, req);
	/* The start of the payload may have come in with the header. */
	n = c->in_tail - c->in_head;
	n = n < left ? n : left;
	if (!*err) {
		if (n)
			*err = store_write(v, c->in + c->in_head, (uint32_t)n, (uint64_t)pos);
		write_step_done(c, req);
	}
	pthread_rwlock_unlock(&v->io_lock);
	c->in_head += n;
	left -= n;
	pos += (loff_t)n;

	while (left && !*err) {
		r = splice(c->fd, NULL, c->pipe[1], NULL,
			   left < c->pipe_size ? left : c->pipe_size, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -ECONNRESET;
		left -= (size_t)r;
		pthread_rwlock_rdlock(&v->io_lock);
		*err = check_locked(c, req);
		if (!*err) {
			/* The bytes count for what they reached, even on a short splice. */
			loff_t start = pos;

			*err = splice_out(c, store_write_file(v), &pos, (size_t)r, 0);
			if (pos > start) {
				int done = store_write_done(v, (uint64_t)start,
							    (uint64_t)(pos - start));

				*err = *err ? *err : done;
			}
			write_step_done(c, req);
		}
		pthread_rwlock_unlock(&v->io_lock);
		if (*err)
			pipe_reset(c);
	}
	if (*err)
		return stream_discard(c, left);
	if (req->flags & CBS_REQ_F_FUA) {
		pthread_rwlock_rdlock(&v->io_lock);
		*err = store_sync(v);
		pthread_rwlock_unlock(&v->io_lock);
	}
	return 0;
}

/* LIST: each entry's epoch and this server's role (replica.c). */
static void list_roles(void *list, uint32_t len)
{
	struct cbs_list_header *h = list;
	struct cbs_list_entry *e = (struct cbs_list_entry *)(h + 1);
	uint32_t i, n = le32toh(h->count), role;
	uint64_t epoch;

	if (len < sizeof(*h) || n > (len - sizeof(*h)) / sizeof(*e))
		return;
	for (i = 0; i < n; i++, e++) {
		e->name[sizeof(e->name) - 1] = '\0';
		replica_list_info(e->name, &epoch, &role);
		e->epoch = htole64(epoch);
		e->role = htole32(role);
	}
}

static const char *replica_op_name(uint16_t op)
{
	switch (op) {
	case CBS_OP_CONFIG:
		return "CONFIG";
	case CBS_OP_PROMOTE:
		return "PROMOTE";
	case CBS_OP_SET_REPLICAS:
		return "SET_REPLICAS";
	case CBS_OP_STATUS:
		return "STATUS";
	default:
		return "DIRTY";
	}
}

/* CONFIG, PROMOTE, SET_REPLICAS, STATUS, DIRTY; *reply: STATUS's or DIRTY's payload. */
static int do_replica_admin(struct cbs_conn *c, const struct cbs_req *req,
			    void **reply, uint32_t *out_len)
{
	struct cbs_replica_status *st;
	struct cbs_config_req r;
	int ret;

	ret = cbs_proto_check_config(req->op, c->buf, req->length, &r);
	if (ret)
		return ret;
	switch (req->op) {
	case CBS_OP_CONFIG:
		ret = replica_config(&r);
		break;
	case CBS_OP_PROMOTE:
		ret = replica_promote(&r);
		break;
	case CBS_OP_SET_REPLICAS:
		ret = replica_set_replicas(&r);
		break;
	case CBS_OP_DIRTY:
		ret = replica_take_dirty(r.name, reply, out_len);
		break;
	case CBS_OP_STATUS:
		st = malloc(sizeof(*st));
		if (!st) {
			ret = -ENOMEM;
			break;
		}
		ret = replica_status(r.name, st);
		if (ret) {
			free(st);
			break;
		}
		*reply = st;
		*out_len = sizeof(*st);
		break;
	}
	if (ret)
		nb_log("%s: %s of %s refused: %s", c->peer, replica_op_name(req->op),
			r.name, strerror(-ret));
	explicit_bzero(&r, sizeof(r));
	return ret;
}

/* *list: the malloc'd payload of a LIST or STATUS reply. */
static int do_admin(struct cbs_conn *c, const struct cbs_req *req,
		    void **list, uint32_t *out_len)
{
	const struct cbs_session s = { .admin = true };
	struct cbs_admin_req a;
	int ret;

	ret = cbs_proto_check_request(req, &s);
	if (ret)
		return ret;
	if (req->op == CBS_OP_LIST) {
		ret = vol_list(list, out_len);
		if (!ret)
			list_roles(*list, *out_len);
		return ret;
	}
	if ((req->op >= CBS_OP_CONFIG && req->op <= CBS_OP_STATUS) || req->op == CBS_OP_DIRTY)
		return do_replica_admin(c, req, list, out_len);
	if (req->op >= CBS_OP_SNAP_CREATE && req->op <= CBS_OP_ROLLBACK)
		return vol_snap_admin(req->op, c->buf, req->length, list, out_len);
	ret = cbs_proto_check_admin(req->op, c->buf, req->length, &a);
	if (ret)
		return ret;
	switch (req->op) {
	case CBS_OP_CREATE:
		/* A new volume is standalone, whatever a deleted namesake was. */
		ret = vol_create(&a);
		if (!ret)
			replica_forget(a.name);
		break;
	case CBS_OP_DELETE:
		ret = vol_delete(a.name);
		if (!ret)
			replica_forget(a.name);
		break;
	default:
		ret = vol_resize(a.name, a.size);
		break;
	}
	explicit_bzero(&a, sizeof(a));
	return ret;
}

/* Send all of iov[0..cnt) (which it consumes); 0 or -errno. */
static int send_iov(int fd, struct iovec *iov, int cnt, int flags)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
	ssize_t n;

	while (msg.msg_iovlen) {
		n = sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/*
 * The reply header and its payload: the part of a READ's data in the pipe,
 * then the rest from payload.  While another request is already waiting
 * its reply will follow at once, so this one is held back (MSG_MORE) to
 * share its segments: fewer, fuller packets for both ends to process.
 */
static int send_reply(struct cbs_conn *c, uint64_t handle, int err,
		      const void *payload, uint32_t len)
{
	struct cbs_reply rep = {
		.magic = htole32(CBS_REPLY_MAGIC),
		.error = htole32((uint32_t)-err),
		.handle = htole64(handle),
		.length = htole32(len),
	};
	size_t piped = c->pipe_len;
	struct iovec iov[2] = {
		{ .iov_base = &rep, .iov_len = sizeof(rep) },
		{ .iov_base = (void *)payload, .iov_len = len - piped },
	};
	int more = stream_has_request(c) ? MSG_MORE : 0;
	int ret;

	c->pipe_len = 0;
	if (!piped)
		return send_iov(c->fd, iov, 2, more);
	ret = send_iov(c->fd, iov, 1, MSG_MORE);
	if (!ret)
		ret = splice_out(c, c->fd, NULL, piped,
				 len > piped || more ? SPLICE_F_MORE : 0);
	if (!ret && len > piped)
		ret = send_iov(c->fd, iov + 1, 1, more);
	return ret;
}

static int serve(struct cbs_conn *c)
{
	struct cbs_request raw;
	struct cbs_req req;
	uint32_t plen, out_len;
	void *list;
	int err, ret;

	c->in = malloc(INBUF_SIZE);
	if (!c->in)
		return -ENOMEM;
	if (c->vol)
		pipe_open(c);
	for (;;) {
		ret = stream_recv(c, &raw, sizeof(raw));
		if (ret)
			return ret;
		ret = cbs_proto_decode_request(&raw, sizeof(raw), &req);
		if (ret)
			return ret;
		/* The primary sends the next request once all backups had the last. */
		if (c->replica)
			replica_backup_next(c->rv, &c->pending);
		plen = cbs_proto_payload_len(&req);
		list = NULL;
		out_len = 0;
		/* A replicated write is received into buf, to be sent on. */
		if (c->vol && req.op == CBS_OP_WRITE && plen >= SPLICE_MIN &&
		    c->pipe[0] >= 0 && !c->replica && !replica_has_backups(c->rv) &&
		    !replica_check_client(c->rv)) {
			ret = write_spliced(c, &req, &err);
			if (ret)
				return ret;
			/* A newer epoch recorded meanwhile: no acknowledgement. */
			if (!err)
				err = replica_check_client(c->rv);
		} else {
			ret = buf_reserve(c, plen);
			if (!ret)
				ret = stream_recv(c, c->buf, plen);
			if (ret)
				return ret;
			if (c->vol)
				err = do_io(c, &req, &out_len);
			else
				err = do_admin(c, &req, &list, &out_len);
		}
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
	uint64_t epoch = 0;
	int ret, sret;

	ret = nb_recv_all(c->fd, &raw, sizeof(raw));
	if (ret)
		return ret;
	ret = cbs_proto_check_hello(&raw, sizeof(raw), &h);
	explicit_bzero(&raw, sizeof(raw));
	if (ret == -EPROTO)
		return ret;
	/* A replica session authenticates with this server's admin token. */
	if (!ret && (h.admin || h.replica))
		ret = nb_token_equal(h.token, admin_token, sizeof(admin_token)) ? 0 : -EACCES;
	/* A client learns where the primary is only with the volume's token. */
	else if (!ret)
		ret = vol_check_token(h.name, h.token);
	/* The role first: a server that is not the primary raises no generation. */
	if (!ret && !h.admin)
		ret = replica_get(h.name, &c->rv);
	if (!ret && !h.admin) {
		ret = replica_hello(c->rv, h.replica, h.epoch, &epoch, rep.primary);
		rep.epoch = htole64(epoch);
	}
	if (!ret && !h.admin)
		ret = vol_open(&h, &c->vol, &c->attempts);
	explicit_bzero(h.token, sizeof(h.token));
	if (!ret && c->vol) {
		c->replica = h.replica;
		c->epoch = h.epoch;
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
	sret = nb_send_all(c->fd, &rep, sizeof(rep), 0);
	if (ret) {
		nb_log("%s: %s handshake refused%s%s: %s", c->peer,
			h.admin ? "admin" : h.replica ? "replica" : "volume",
			cbs_proto_name_ok(h.name) ? " for " : "",
			cbs_proto_name_ok(h.name) ? h.name : "", strerror(-ret));
		return ret;
	}
	/* The session id tells which connections are one device's. */
	if (!sret && c->replica)
		nb_log("%s: replica session for %s, epoch %llu", c->peer,
			c->vol->name, (unsigned long long)h.epoch);
	else if (!sret && c->vol)
		nb_log("%s: volume session for %s, session id %016llx", c->peer,
			c->vol->name, (unsigned long long)h.session);
	else if (!sret)
		nb_log("%s: admin session", c->peer);
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
	/* Replies go out when written; send_reply() batches them itself. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ret = handshake(c);
	if (!ret) {
		tv.tv_sec = 0;
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ret = serve(c);
	}
	if (ret == -EPROTO)
		nb_log("%s: malformed frame, connection closed", c->peer);
	if (c->vol)
		vol_close(c->vol, c->attempts);
	replica_links_close(&c->links);
	pipe_close(c);
	free(c->in);
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
	c->pipe[0] = c->pipe[1] = -1;
	replica_links_init(&c->links);
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
