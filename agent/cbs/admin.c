// SPDX-License-Identifier: GPL-2.0
/*
 * What the cbs commands that talk to cbs-servers share: the server list of
 * a replica set, admin sessions, the errors they print, and finding the
 * primary of a volume (STATUS on every listed server).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cbs_client.h"
#include "lib/cbs_proto.h"
#include "lib/cli.h"
#include "agent/cbs/cbs.h"

int parse_server_list(const char *s, struct server_list *l)
{
	const char *p = s, *end;
	size_t len;

	memset(l, 0, sizeof(*l));
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (l->n == CBS_PROTO_MAX_REPLICAS)
			return invarg("at most 3 servers, ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]", s);
		if (!len || len >= CBS_PROTO_ADDR_LEN)
			return invarg("want ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]", s);
		memcpy(l->addr[l->n], p, len);
		if (!cbs_proto_addr_ok(l->addr[l->n]) || !strchr(l->addr[l->n], ':'))
			return invarg("want ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]", s);
		for (unsigned int i = 0; i < l->n; i++)
			if (!strcmp(l->addr[i], l->addr[l->n]))
				return invarg("a server is listed twice", s);
		l->n++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

int admin_call(const char *server, const char *admin_token, uint16_t op,
	       const void *arg, uint32_t arg_len, void **reply, uint32_t *reply_len)
{
	struct cbs_hello_req h = { .admin = true };
	struct cbs_hello_reply rep;
	int fd, ret;

	memcpy(h.token, admin_token, sizeof(h.token));
	fd = cbs_client_connect(server, ADMIN_TIMEOUT_MS, &h, &rep);
	explicit_bzero(h.token, sizeof(h.token));
	if (fd < 0)
		return fd == -EINVAL ? -EDESTADDRREQ : fd == -EACCES ? -EKEYREJECTED : fd;
	ret = cbs_client_admin(fd, op, arg, arg_len, reply, reply_len);
	close(fd);
	return ret;
}

static const char *op_verb(uint16_t op)
{
	switch (op) {
	case CBS_OP_CREATE: return "create";
	case CBS_OP_DELETE: return "delete";
	case CBS_OP_RESIZE: return "resize";
	case CBS_OP_LIST: return "list";
	case CBS_OP_CONFIG: return "configure";
	case CBS_OP_PROMOTE: return "promote";
	case CBS_OP_SET_REPLICAS: return "set the replicas of";
	case CBS_OP_STATUS: return "get the status of";
	case CBS_OP_SNAP_CREATE: return "create snapshot";
	case CBS_OP_SNAP_DELETE: return "delete snapshot";
	case CBS_OP_SNAP_LIST: return "list the snapshots of";
	case CBS_OP_CLONE: return "clone";
	case CBS_OP_ROLLBACK: return "roll back";
	default: return "?";
	}
}

int admin_report(const char *server, uint16_t op, const char *obj, int ret)
{
	if (!ret)
		return 0;
	if (ret == -EDESTADDRREQ)
		return invarg("want ADDR:PORT with a numeric address", server);
	if (ret < 0) {
		fprintf(stderr, "Error: cannot open an admin session with %s: %s\n", server,
			ret == -EKEYREJECTED ? "wrong admin token" : strerror(-ret));
		return 2;
	}
	if (ret == CBS_ERR_NOT_PRIMARY)
		fprintf(stderr, "Error: %s %s\"%s\" on %s: %s (not the primary of the newest epoch)\n",
			op_verb(op), op == CBS_OP_LIST ? "" : "volume ", obj ? obj : "", server,
			strerror(ret));
	else if (ret == ESTALE && op == CBS_OP_PROMOTE)
		fprintf(stderr, "Error: promote volume \"%s\" on %s: the epoch is not above every "
			"member's, or another member knows a newer configuration than this server "
			"(it may lack writes acknowledged since): promote that member, or use force\n",
			obj, server);
	else if (ret == EHOSTDOWN && (op == CBS_OP_PROMOTE || op == CBS_OP_SET_REPLICAS))
		fprintf(stderr, "Error: %s volume \"%s\" on %s: the new epoch is not recorded on a "
			"majority of the old configuration's members (use force for a set that "
			"has lost its majority)\n", op_verb(op), obj, server);
	else if (ret == EBUSY && op == CBS_OP_ROLLBACK)
		fprintf(stderr, "Error: roll back \"%s\" on %s: %s: the volume is mapped (open volume sessions); unmap it first\n",
			obj, server, strerror(ret));
	else if (obj)
		fprintf(stderr, "Error: %s%s \"%s\" on %s: %s\n", op_verb(op),
			op >= CBS_OP_SNAP_CREATE || op == CBS_OP_STATUS ? "" : " volume",
			obj, server, strerror(ret));
	else
		fprintf(stderr, "Error: %s on %s: %s\n", op_verb(op), server, strerror(ret));
	return 2;
}

int admin_status(const char *server, const char *admin_token, const char *name,
		 struct replica_status *st)
{
	struct cbs_config_req c = { 0 };
	struct cbs_admin_config arg;
	const struct cbs_replica_status *s;
	uint32_t len = 0;
	void *buf = NULL;
	int ret;

	snprintf(c.name, sizeof(c.name), "%s", name);
	cbs_proto_encode_config(&c, &arg);
	ret = admin_call(server, admin_token, CBS_OP_STATUS, &arg, sizeof(arg), &buf, &len);
	if (ret)
		return ret;
	s = buf;
	if (len != sizeof(*s) || le32toh(s->count) > CBS_PROTO_MAX_REPLICAS ||
	    le32toh(s->self) > le32toh(s->count) ||
	    (le32toh(s->count) && le32toh(s->primary) >= le32toh(s->count))) {
		free(buf);
		return -EPROTO;
	}
	memset(st, 0, sizeof(*st));
	st->epoch = le64toh(s->epoch);
	st->count = le32toh(s->count);
	st->self = le32toh(s->self);
	st->primary = le32toh(s->primary);
	for (unsigned int i = 0; i < st->count; i++) {
		const struct cbs_replica_entry *e = &s->members[i];

		snprintf(st->m[i].addr, sizeof(st->m[i].addr), "%.*s",
			 (int)sizeof(e->addr) - 1, e->addr);
		st->m[i].epoch = le64toh(e->epoch);
		st->m[i].lag = le64toh(e->lag);
		st->m[i].role = le32toh(e->role);
		st->m[i].state = le32toh(e->state);
	}
	free(buf);
	return 0;
}

int find_primary(const struct server_list *l, const char *admin_token, const char *name,
		 char *primary)
{
	struct replica_status st, best = { 0 };
	const char *best_server = NULL, *err_server = NULL;
	bool best_self = false;
	int ret, err = 0;

	if (l->n == 1) {
		/* One server: a standalone volume, or the admin knows best. */
		snprintf(primary, CBS_PROTO_ADDR_LEN, "%s", l->addr[0]);
		return 0;
	}
	for (unsigned int i = 0; i < l->n; i++) {
		bool self;

		ret = admin_status(l->addr[i], admin_token, name, &st);
		if (ret) {
			if (!err_server) {
				err = ret;
				err_server = l->addr[i];
			}
			continue;
		}
		self = st.count && st.self == st.primary;
		/* The newest epoch wins; in it, the primary's own word. */
		if (best_server && (st.epoch < best.epoch ||
				    (st.epoch == best.epoch && (best_self || !self))))
			continue;
		best = st;
		best_server = l->addr[i];
		best_self = self;
	}
	if (!best_server)
		return admin_report(err_server, CBS_OP_STATUS, name, err);
	if (best_self || !best.count)
		snprintf(primary, CBS_PROTO_ADDR_LEN, "%s", best_server);
	else
		snprintf(primary, CBS_PROTO_ADDR_LEN, "%s", best.m[best.primary].addr);
	return 0;
}

const char *role_name(uint32_t role)
{
	switch (role) {
	case CBS_ROLE_PRIMARY: return "primary";
	case CBS_ROLE_BACKUP: return "backup";
	case CBS_ROLE_STALE: return "stale";
	default: return "unknown";
	}
}

const char *state_name(uint32_t state)
{
	switch (state) {
	case CBS_REPLICA_IN_SYNC: return "in-sync";
	case CBS_REPLICA_CATCHING_UP: return "catching-up";
	case CBS_REPLICA_DOWN: return "down";
	default: return "unknown";
	}
}
