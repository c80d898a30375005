// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to the other members of a replica set: admin sessions (CONFIG,
 * STATUS, DIRTY) with the peer token, and replica sessions (links) that
 * carry a primary's writes to a backup, one request at a time.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "lib/cbs_client.h"
#include "lib/log.h"
#include "lib/sock.h"
#include "storage/replica_int.h"

void replica_set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = replica_timeout_s };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* An admin session to a peer: its fd, or -errno. */
static int peer_admin(const char *addr, const char *token)
{
	struct cbs_hello_req h = { .admin = true };
	struct cbs_hello_reply rep;
	int fd;

	memcpy(h.token, token, sizeof(h.token));
	fd = cbs_client_connect(addr, (int)replica_timeout_s * 1000, &h, &rep);
	explicit_bzero(&h, sizeof(h));
	if (fd >= 0)
		replica_set_timeouts(fd);
	return fd;
}

int peer_config(const char *addr, const struct cbs_config_req *c)
{
	struct cbs_admin_config raw;
	int fd, ret;

	fd = peer_admin(addr, c->peer_token);
	if (fd < 0)
		return fd;
	cbs_proto_encode_config(c, &raw);
	ret = cbs_client_admin(fd, CBS_OP_CONFIG, &raw, sizeof(raw), NULL, NULL);
	explicit_bzero(&raw, sizeof(raw));
	close(fd);
	return ret > 0 ? -ret : ret;
}

/* An op whose payload names the volume only (STATUS, DIRTY), and its reply. */
static int peer_query(const char *addr, const char *token, const char *name, uint16_t op,
		      void **reply, uint32_t *len)
{
	struct cbs_config_req q = { 0 };
	struct cbs_admin_config raw;
	int fd, ret;

	fd = peer_admin(addr, token);
	if (fd < 0)
		return fd;
	memcpy(q.name, name, sizeof(q.name));
	cbs_proto_encode_config(&q, &raw);
	ret = cbs_client_admin(fd, op, &raw, sizeof(raw), reply, len);
	close(fd);
	return ret > 0 ? -ret : ret;
}

int peer_epoch(const char *addr, const char *token, const char *name, uint64_t *epoch)
{
	struct cbs_replica_status *st;
	void *reply = NULL;
	uint32_t len = 0;
	int ret;

	ret = peer_query(addr, token, name, CBS_OP_STATUS, &reply, &len);
	if (ret)
		return ret;
	st = reply;
	if (len == sizeof(*st))
		*epoch = le64toh(st->epoch);
	else
		ret = -EPROTO;
	free(reply);
	return ret;
}

int peer_dirty(const char *addr, const char *token, const char *name,
	       void **bits, uint32_t *len)
{
	return peer_query(addr, token, name, CBS_OP_DIRTY, bits, len);
}

/*
 * c with this server's index: members in c's order, self the index of
 * addr.  The config each member records differs only in self.
 */
static void config_for(struct cbs_config_req *out, const struct cbs_config_req *c,
		       uint32_t self)
{
	*out = *c;
	out->flags = 0;
	out->self = self;
}

unsigned int record_on_peers(const struct cbs_config_req *nc,
				    bool ok[CBS_PROTO_MAX_REPLICAS])
{
	struct cbs_config_req pc;
	unsigned int n = 0;
	uint32_t i;
	int ret;

	for (i = 0; i < nc->count; i++) {
		ok[i] = false;
		if (i == nc->self)
			continue;
		config_for(&pc, nc, i);
		ret = peer_config(nc->members[i], &pc);
		explicit_bzero(&pc, sizeof(pc));
		if (ret) {
			nb_log("volume %s: %s did not record epoch %llu: %s", nc->name,
				nc->members[i], (unsigned long long)nc->epoch, strerror(-ret));
			continue;
		}
		ok[i] = true;
		n++;
	}
	return n;
}

void replica_links_init(struct replica_links *links)
{
	uint32_t i;

	memset(links, 0, sizeof(*links));
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		links->l[i].fd = -1;
}

void link_close(struct replica_link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/*
 * A FLUSH ends the session cleanly: on a backup, the last write is known
 * to be on every member once another request follows it (dirty.h); a
 * session that just closes could be a primary that died.
 */
void replica_links_close(struct replica_links *links)
{
	struct cbs_req flush = { .op = CBS_OP_FLUSH };
	struct replica_link *l;
	uint32_t i;
	int err;

	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++) {
		l = &links->l[i];
		if (l->fd >= 0 && link_send(l, &flush, NULL) == LINK_OK)
			link_reply(l, &err);
		link_close(l);
	}
}

enum link_result link_open(struct replica_link *l, const struct cbs_config_req *c,
				  uint64_t generation, const char *addr, uint64_t *newer,
				  char newer_primary[CBS_PROTO_ADDR_LEN])
{
	struct cbs_hello_req h = { .replica = true };
	struct cbs_hello_reply rep = { 0 };
	int fd;

	if (l->fd >= 0 && l->epoch == c->epoch && l->generation == generation &&
	    !strcmp(l->addr, addr))
		return LINK_OK;
	link_close(l);
	h.generation = generation;
	h.epoch = c->epoch;
	memcpy(h.name, c->name, sizeof(h.name));
	memcpy(h.token, c->peer_token, sizeof(h.token));
	fd = cbs_client_connect(addr, (int)replica_timeout_s * 1000, &h, &rep);
	explicit_bzero(&h, sizeof(h));
	if (fd == -CBS_ERR_NOT_PRIMARY && le64toh(rep.epoch) > c->epoch) {
		*newer = le64toh(rep.epoch);
		memcpy(newer_primary, rep.primary, CBS_PROTO_ADDR_LEN);
		newer_primary[CBS_PROTO_ADDR_LEN - 1] = '\0';
		return LINK_NEWER;
	}
	if (fd < 0)
		return LINK_DOWN;
	replica_set_timeouts(fd);
	l->fd = fd;
	l->epoch = c->epoch;
	l->generation = generation;
	snprintf(l->addr, sizeof(l->addr), "%s", addr);
	return LINK_OK;
}

enum link_result link_send(struct replica_link *l, const struct cbs_req *req,
				  const void *payload)
{
	uint32_t plen = cbs_proto_payload_len(req);
	struct cbs_request raw = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(req->op),
		.flags = htole16(req->flags),
		.handle = htole64(++l->handle),
		.offset = htole64(req->offset),
		.generation = htole64(l->generation),
		.length = htole32(req->length),
	};

	if (nb_send_all(l->fd, &raw, sizeof(raw), plen ? MSG_MORE : 0) ||
	    (plen && nb_send_all(l->fd, payload, plen, 0))) {
		link_close(l);
		return LINK_DOWN;
	}
	return LINK_OK;
}

enum link_result link_reply(struct replica_link *l, int *err)
{
	struct cbs_reply rep;

	if (nb_recv_all(l->fd, &rep, sizeof(rep)) ||
	    le32toh(rep.magic) != CBS_REPLY_MAGIC ||
	    le64toh(rep.handle) != l->handle || rep.length) {
		link_close(l);
		return LINK_DOWN;
	}
	*err = (int)le32toh(rep.error);
	if (*err == CBS_ERR_NOT_PRIMARY) {
		link_close(l);
		return LINK_NEWER;
	}
	return *err ? LINK_FAILED : LINK_OK;
}

