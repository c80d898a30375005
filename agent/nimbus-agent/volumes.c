// SPDX-License-Identifier: GPL-2.0
/*
 * cbs.ko's devices: the volumes attached to this host are mapped, kept
 * connected and unmapped when detached.
 *
 * The handshakes (Documentation/cbs-protocol.md) run inside the event
 * loop, without blocking: non-blocking connects, the hello sent, the
 * answer read as it comes, each volume's operation bounded by
 * AG_HANDSHAKE_MS, so a stopped or unreachable server delays nothing but
 * its own volume.  When every connection of an operation has its answer,
 * the sockets go to the kernel: CBS_CMD_MAP with a new session id, or
 * CBS_CMD_RECONFIGURE for a device's dead connections, with the device's
 * own session and generation (read back from STATUS, so a restarted agent
 * reconnects a device it did not map).
 *
 * Several agents share one kernel in the tests, so each knows its devices
 * by the host tag in their session id (diff.h) and never touches another's.
 * A detached volume's device is unmapped without force: while it is open
 * or mounted, the unmap fails (EBUSY), the error is reported in the
 * status and the agent tries again; I/O on it never fails because of a
 * detach.  An operator who wants it gone unmounts it, or unmaps it with
 * `cbs unmap DEV force`.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <linux/cbs.h>
#include <linux/genetlink.h>

#include "lib/cbs_client.h"
#include "lib/cbs_nl.h"
#include "lib/log.h"
#include "lib/sock.h"
#include "lib/util.h"
#include "agent/nimbus-agent/agent.h"

enum conn_step { CONNECTING, READING, DONE };

/* One volume's map or reconnect in progress. */
struct vol_op {
	char name[AG_ID_LEN];
	char server[AG_ID_LEN + 16];
	bool reconnect;
	uint32_t index;			/* reconnect: the device */
	uint64_t session, generation, size;
	uint32_t block_size;
	struct cbs_hello hello;		/* encoded, the same for every connection */
	unsigned int n;
	int fd[CBS_MAX_SOCKETS];
	enum conn_step step[CBS_MAX_SOCKETS];
	size_t got[CBS_MAX_SOCKETS];
	struct cbs_hello_reply rep[CBS_MAX_SOCKETS];
	uint64_t deadline;
};

/* Backoff of a volume whose last operation failed. */
struct vol_retry {
	uint64_t at, delay;
};

int volumes_open(struct agent *a)
{
	int ret = genl_open_pair(&a->cbs, &a->cbs_mon, CBS_GENL_NAME, CBS_MCGRP_NOTIFY);

	a->cbs_ok = !ret;
	return ret;
}

static void op_free(struct vol_op *op)
{
	for (unsigned int i = 0; i < op->n; i++)
		if (op->fd[i] >= 0)
			close(op->fd[i]);
	explicit_bzero(&op->hello, sizeof(op->hello));
	free(op);
}

void volumes_close(struct agent *a)
{
	hmap_foreach(&a->vol_ops, i)
		op_free(a->vol_ops.e[i].val);
	hmap_free(&a->vol_ops);
	hmap_foreach(&a->vol_retry, i)
		free(a->vol_retry.e[i].val);
	hmap_free(&a->vol_retry);
	free(a->devs);
	a->devs = NULL;
	a->n_devs = a->cap_devs = 0;
	genl_close(&a->cbs);
	genl_close(&a->cbs_mon);
	a->cbs_ok = false;
}

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CBS_A_MAX + 1] = { 0 };
	struct agent *a = data;
	const struct nlattr *s;
	struct ag_dev *d;

	genl_parse(nlh, tb, CBS_A_MAX);
	if (!tb[CBS_A_INDEX] || !tb[CBS_A_NAME])
		return MNL_CB_OK;
	nb_grow(&a->devs, a->n_devs, &a->cap_devs, sizeof(*a->devs));
	d = &a->devs[a->n_devs++];
	memset(d, 0, sizeof(*d));
	d->index = mnl_attr_get_u32(tb[CBS_A_INDEX]);
	snprintf(d->name, sizeof(d->name), "%s", mnl_attr_get_str(tb[CBS_A_NAME]));
	d->session = tb[CBS_A_SESSION] ? mnl_attr_get_u64(tb[CBS_A_SESSION]) : 0;
	d->generation = tb[CBS_A_GENERATION] ? mnl_attr_get_u64(tb[CBS_A_GENERATION]) : 0;
	d->conns = tb[CBS_A_CONNS] ? mnl_attr_get_u32(tb[CBS_A_CONNS]) : 0;
	d->live = tb[CBS_A_LIVE_CONNS] ? mnl_attr_get_u32(tb[CBS_A_LIVE_CONNS]) : 0;
	d->fenced = tb[CBS_A_FENCED];
	s = tb[CBS_A_STATS];
	if (s) {
		d->reads = cbs_nl_stat(s, CBS_A_STATS_READS);
		d->writes = cbs_nl_stat(s, CBS_A_STATS_WRITES);
		d->read_bytes = cbs_nl_stat(s, CBS_A_STATS_READ_BYTES);
		d->write_bytes = cbs_nl_stat(s, CBS_A_STATS_WRITE_BYTES);
		d->errors = cbs_nl_stat(s, CBS_A_STATS_ERRORS);
		d->read_ns = cbs_nl_stat(s, CBS_A_STATS_READ_NS);
		d->write_ns = cbs_nl_stat(s, CBS_A_STATS_WRITE_NS);
	}
	return MNL_CB_OK;
}

int volumes_status(struct agent *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret = -EINTR;

	for (int tries = 0; tries < 5 && ret == -EINTR; tries++) {
		a->n_devs = 0;
		nlh = genl_msg(&a->cbs, buf, CBS_CMD_STATUS, NLM_F_REQUEST | NLM_F_DUMP);
		ret = genl_talk(&a->cbs, nlh, status_cb, a);
	}
	return ret;
}

static void vol_key(const char *name, char *key, size_t len)
{
	snprintf(key, len, "volume %s", name);
}

/* The volume's operation failed: say why, and try again later, less often. */
static void vol_failed(struct agent *a, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void vol_failed(struct agent *a, const char *name, const char *fmt, ...)
{
	struct vol_retry *r = hmap_get(&a->vol_retry, name);
	char key[AG_ID_LEN + 8], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vol_key(name, key, sizeof(key));
	ag_error_set(a, key, "%s: %s", key, msg);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			abort();
		hmap_put(&a->vol_retry, name, r);
	}
	r->delay = r->delay ? r->delay * 2 : AG_BACKOFF_MIN_MS * 2;
	if (r->delay > AG_BACKOFF_MAX_MS)
		r->delay = AG_BACKOFF_MAX_MS;
	r->at = ag_now_ms() + r->delay;
}

static void vol_ok(struct agent *a, const char *name)
{
	char key[AG_ID_LEN + 8];

	vol_key(name, key, sizeof(key));
	ag_error_clear(a, key);
	free(hmap_del(&a->vol_retry, name));
}

static bool vol_waiting(struct agent *a, const char *name)
{
	const struct vol_retry *r = hmap_get(&a->vol_retry, name);

	return r && ag_now_ms() < r->at;
}

/* Begin connecting N sockets for VOL (and device DEV when reconnecting). */
static void op_start(struct agent *a, const struct ag_volume *vol, const struct ag_dev *dev,
		     unsigned int n)
{
	struct cbs_hello_req h = { 0 };
	struct vol_op *op;
	uint32_t rnd = 0;

	if (hmap_has(&a->vol_ops, vol->name) || vol_waiting(a, vol->name))
		return;
	op = calloc(1, sizeof(*op));
	if (!op)
		abort();
	snprintf(op->name, sizeof(op->name), "%s", vol->name);
	snprintf(op->server, sizeof(op->server), "%s", vol->server);
	if (dev) {
		op->reconnect = true;
		op->index = dev->index;
		op->session = dev->session;
		op->generation = dev->generation;
	} else {
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint32_t)ag_now_ms();
		op->session = ag_session(a->tag, rnd);
		op->generation = vol->generation;
	}
	h.generation = op->generation;
	h.session = op->session;
	snprintf(h.name, sizeof(h.name), "%s", vol->name);
	snprintf(h.token, sizeof(h.token), "%s", vol->token);
	cbs_proto_encode_hello(&h, &op->hello);
	explicit_bzero(&h, sizeof(h));
	op->n = n > CBS_MAX_SOCKETS ? CBS_MAX_SOCKETS : n;
	op->deadline = ag_now_ms() + AG_HANDSHAKE_MS;
	for (unsigned int i = 0; i < op->n; i++) {
		op->fd[i] = nb_sock_connect_start(vol->server);
		op->step[i] = CONNECTING;
		if (op->fd[i] < 0) {
			int err = op->fd[i];

			vol_failed(a, vol->name, "cannot connect to %s: %s", vol->server,
				   strerror(-err));
			op->n = i;
			op_free(op);
			return;
		}
	}
	hmap_put(&a->vol_ops, op->name, op);
}

/* Every connection answered: hand the sockets to cbs.ko. */
static void op_finish(struct agent *a, struct vol_op *op)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	for (unsigned int i = 0; i < op->n; i++)
		fcntl(op->fd[i], F_SETFL, fcntl(op->fd[i], F_GETFL) & ~O_NONBLOCK);
	if (op->reconnect) {
		nlh = genl_msg(&a->cbs, buf, CBS_CMD_RECONFIGURE, NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_u32(nlh, CBS_A_INDEX, op->index);
	} else {
		nlh = genl_msg(&a->cbs, buf, CBS_CMD_MAP, NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_strz(nlh, CBS_A_NAME, op->name);
		mnl_attr_put_u64(nlh, CBS_A_SIZE, le64toh(op->rep[0].size));
		mnl_attr_put_u32(nlh, CBS_A_BLOCK_SIZE, le32toh(op->rep[0].block_size));
		mnl_attr_put_u64(nlh, CBS_A_GENERATION, op->generation);
		mnl_attr_put_u64(nlh, CBS_A_SESSION, op->session);
	}
	cbs_nl_put_sockets(nlh, op->fd, op->n);
	ret = genl_talk(&a->cbs, nlh, NULL, NULL);
	if (ret) {
		vol_failed(a, op->name, "cannot %s: %s%s%s",
			   op->reconnect ? "hand in new connections" : "map", strerror(-ret),
			   a->cbs.extack[0] ? ": " : "", a->cbs.extack);
		return;
	}
	vol_ok(a, op->name);
	if (op->reconnect)
		nb_log("volume %s: cbs%u: %u connection(s) restored", op->name, op->index, op->n);
	else
		nb_log("volume %s: mapped, generation %llu, session %016llx", op->name,
		       (unsigned long long)op->generation, (unsigned long long)op->session);
}

/* One connection's socket is ready; false when the operation failed. */
static bool conn_step(struct agent *a, struct vol_op *op, unsigned int i, short revents)
{
	ssize_t len;
	int ret;

	if (op->step[i] == CONNECTING) {
		ret = nb_sock_connected(op->fd[i]);
		if (!ret && !(revents & (POLLERR | POLLHUP))) {
			/* 152 bytes always fit a new connection's send buffer. */
			len = send(op->fd[i], &op->hello, sizeof(op->hello),
				   MSG_NOSIGNAL | MSG_DONTWAIT);
			if (len == (ssize_t)sizeof(op->hello)) {
				op->step[i] = READING;
				return true;
			}
			ret = len < 0 ? -errno : -EAGAIN;
		}
		vol_failed(a, op->name, "cannot connect to %s: %s", op->server,
			   strerror(-(ret ? ret : -ECONNREFUSED)));
		return false;
	}
	len = recv(op->fd[i], (char *)&op->rep[i] + op->got[i], sizeof(op->rep[i]) - op->got[i],
		   MSG_DONTWAIT);
	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (len <= 0) {
		vol_failed(a, op->name, "%s closed the handshake: %s", op->server,
			   len ? strerror(errno) : "end of stream");
		return false;
	}
	op->got[i] += (size_t)len;
	if (op->got[i] < sizeof(op->rep[i]))
		return true;
	ret = cbs_client_hello_reply(&op->rep[i]);
	if (ret) {
		vol_failed(a, op->name, "%s refused the handshake: %s", op->server,
			   strerror(ret < 0 ? -ret : ret));
		return false;
	}
	op->step[i] = DONE;
	return true;
}

unsigned int volumes_pollfds(struct agent *a, struct curl_waitfd *fds, unsigned int max)
{
	unsigned int n = 0;

	hmap_foreach(&a->vol_ops, i) {
		const struct vol_op *op = a->vol_ops.e[i].val;

		for (unsigned int c = 0; c < op->n && n < max; c++) {
			if (op->step[c] == DONE)
				continue;
			fds[n].fd = op->fd[c];
			fds[n].events = op->step[c] == CONNECTING ? CURL_WAIT_POLLOUT :
				CURL_WAIT_POLLIN;
			fds[n++].revents = 0;
		}
	}
	return n;
}

/* The operation of the connection FD, and its index in it. */
static struct vol_op *op_of(struct agent *a, int fd, unsigned int *conn)
{
	hmap_foreach(&a->vol_ops, i) {
		struct vol_op *op = a->vol_ops.e[i].val;

		for (unsigned int c = 0; c < op->n; c++) {
			if (op->fd[c] == fd) {
				*conn = c;
				return op;
			}
		}
	}
	return NULL;
}

static void op_end(struct agent *a, struct vol_op *op)
{
	hmap_del(&a->vol_ops, op->name);
	op_free(op);
}

void volumes_poll_done(struct agent *a, const struct curl_waitfd *fds, unsigned int n)
{
	uint64_t now = ag_now_ms();
	char name[AG_ID_LEN];

	for (unsigned int i = 0; i < n; i++) {
		unsigned int c;
		struct vol_op *op;

		if (!fds[i].revents)
			continue;
		op = op_of(a, fds[i].fd, &c);
		if (op && !conn_step(a, op, c, fds[i].revents))
			op_end(a, op);
	}
	/* Finished ones go to the kernel; late ones fail. */
	hmap_foreach(&a->vol_ops, i) {
		struct vol_op *op = a->vol_ops.e[i].val;
		unsigned int done = 0;

		for (unsigned int c = 0; c < op->n; c++)
			done += op->step[c] == DONE;
		if (done == op->n) {
			op_finish(a, op);
		} else if (now >= op->deadline) {
			snprintf(name, sizeof(name), "%s", op->name);
			vol_failed(a, name, "no answer from %s within %d ms", op->server,
				   AG_HANDSHAKE_MS);
		} else {
			continue;
		}
		op_end(a, op);
	}
}

uint64_t volumes_deadline(struct agent *a)
{
	uint64_t t = 0;

	hmap_foreach(&a->vol_ops, i) {
		const struct vol_op *op = a->vol_ops.e[i].val;

		if (!t || op->deadline < t)
			t = op->deadline;
	}
	return t;
}

static int unmap(struct agent *a, const struct ag_dev *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(&a->cbs, buf, CBS_CMD_UNMAP, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, CBS_A_INDEX, d->index);
	return genl_talk(&a->cbs, nlh, NULL, NULL);
}

/* Unmap D (no force); false, with the error reported, when it is in use. */
static bool vol_unmap(struct agent *a, const struct ag_dev *d, const char *why)
{
	int ret = unmap(a, d);

	if (ret == -ENOENT || !ret) {
		nb_log("volume %s: cbs%u unmapped (%s)", d->name, d->index, why);
		vol_ok(a, d->name);
		return true;
	}
	vol_failed(a, d->name, "cannot unmap /dev/cbs%u (%s): %s%s", d->index, why,
		   ret == -EBUSY ? "it is open or mounted; unmount it, or unmap it with force" :
		   strerror(-ret), ret == -EBUSY ? "" : "");
	return false;
}

void volumes_reconcile(struct agent *a)
{
	struct ag_vol_action *acts;
	size_t n;
	int ret;

	a->t_vol = ag_now_ms() + AG_VOL_CHECK_MS;
	if (!a->cbs_ok) {
		if (a->want.volumes.n)
			ag_error_set(a, "cbs", "cbs: the cbs module is not loaded: volumes are not mapped");
		return;
	}
	ag_error_clear(a, "cbs");
	ret = volumes_status(a);
	if (ret) {
		ag_error_set(a, "cbs", "cbs: cannot read the devices: %s", strerror(-ret));
		return;
	}
	acts = calloc(a->n_devs + a->want.volumes.n + 1, sizeof(*acts));
	if (!acts)
		abort();
	n = ag_diff_volumes(&a->want, a->devs, a->n_devs, a->tag, acts);
	for (size_t i = 0; i < n; i++) {
		const struct ag_vol_action *x = &acts[i];

		switch (x->op) {
		case AG_VOL_MAP:
			op_start(a, x->vol, NULL, AG_VOL_CONNS);
			break;
		case AG_VOL_RECONNECT:
			op_start(a, x->vol, x->dev, x->dev->conns - x->dev->live);
			break;
		case AG_VOL_REMAP:
			if (!vol_waiting(a, x->vol->name) &&
			    vol_unmap(a, x->dev, "attached again with a newer generation"))
				op_start(a, x->vol, NULL, AG_VOL_CONNS);
			break;
		case AG_VOL_UNMAP:
			if (!vol_waiting(a, x->dev->name))
				vol_unmap(a, x->dev, "detached");
			break;
		}
	}
	/* Errors of volumes neither desired nor mapped any more go. */
	hmap_foreach(&a->vol_retry, i) {
		const char *name = a->vol_retry.e[i].key;
		bool known = false;

		for (size_t j = 0; j < n && !known; j++)
			known = !strcmp(acts[j].vol ? acts[j].vol->name : acts[j].dev->name, name);
		if (!known && !hmap_has(&a->vol_ops, name)) {
			char key[AG_ID_LEN + 8];

			vol_key(name, key, sizeof(key));
			ag_error_clear(a, key);
			free(hmap_del(&a->vol_retry, key + 7));
		}
	}
	free(acts);
}

static int link_dead_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	bool *dead = data;

	if (g->cmd == CBS_CMD_LINK_DEAD)
		*dead = true;
	return MNL_CB_OK;
}

void volumes_notified(struct agent *a)
{
	bool dead = false;
	ssize_t len;

	for (;;) {
		len = recv(mnl_socket_get_fd(a->cbs_mon.nl), a->cbs_mon.buf, MNL_SOCKET_BUFFER_SIZE,
			   MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS) {
			dead = true;
			continue;
		}
		if (len <= 0)
			break;
		mnl_cb_run(a->cbs_mon.buf, (size_t)len, 0, 0, link_dead_cb, &dead);
	}
	/* Any device's link died (ours or another agent's): look at ours now. */
	if (dead)
		a->dirty.volumes = true;
}
