// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "lib/cbs_proto.h"

/* The sizes Documentation/cbs-protocol.md gives. */
_Static_assert(sizeof(struct cbs_hello) == 160, "cbs_hello");
_Static_assert(sizeof(struct cbs_hello_reply) == 104, "cbs_hello_reply");
_Static_assert(sizeof(struct cbs_request) == 40, "cbs_request");
_Static_assert(sizeof(struct cbs_reply) == 24, "cbs_reply");
_Static_assert(sizeof(struct cbs_admin_volume) == 144, "cbs_admin_volume");
_Static_assert(sizeof(struct cbs_list_header) == 24, "cbs_list_header");
_Static_assert(sizeof(struct cbs_list_entry) == 240, "cbs_list_entry");
_Static_assert(sizeof(struct cbs_admin_config) == 344, "cbs_admin_config");
_Static_assert(sizeof(struct cbs_replica_entry) == 88, "cbs_replica_entry");
_Static_assert(sizeof(struct cbs_replica_status) == 288, "cbs_replica_status");
_Static_assert(sizeof(struct cbs_admin_snapshot) == 264, "cbs_admin_snapshot");
_Static_assert(sizeof(struct cbs_snap_list_header) == 8, "cbs_snap_list_header");
_Static_assert(sizeof(struct cbs_snap_list_entry) == 88, "cbs_snap_list_entry");

bool cbs_proto_name_ok(const char *name)
{
	size_t len = strnlen(name, CBS_PROTO_NAME_LEN);

	if (!len || len >= CBS_PROTO_NAME_LEN || name[0] == '.')
		return false;
	for (; *name; name++)
		if (!isgraph((unsigned char)*name) || *name == '/')
			return false;
	return true;
}

bool cbs_proto_block_size_ok(uint32_t block_size)
{
	return block_size == 512 || block_size == 4096;
}

/* Copy a NUL-padded wire string; -EINVAL if it has no NUL. */
static int copy_field(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (len == size)
		return -EINVAL;
	memset(dst, 0, size);
	memcpy(dst, src, len);
	return 0;
}

int cbs_proto_check_hello(const void *buf, size_t len, struct cbs_hello_req *out)
{
	struct cbs_hello h;
	uint16_t flags;

	if (len != sizeof(h))
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	if (le32toh(h.magic) != CBS_HELLO_MAGIC)
		return -EPROTO;
	if (le16toh(h.version) != CBS_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	flags = le16toh(h.flags);
	if ((flags & ~(CBS_HELLO_F_ADMIN | CBS_HELLO_F_REPLICA)) ||
	    flags == (CBS_HELLO_F_ADMIN | CBS_HELLO_F_REPLICA))
		return -EINVAL;
	if (copy_field(out->name, h.name, sizeof(h.name)) ||
	    copy_field(out->token, h.token, sizeof(h.token)) || !out->token[0])
		return -EINVAL;
	out->admin = flags & CBS_HELLO_F_ADMIN;
	out->replica = flags & CBS_HELLO_F_REPLICA;
	out->generation = le64toh(h.generation);
	out->session = le64toh(h.session);
	out->epoch = le64toh(h.epoch);
	if (out->admin)
		return out->name[0] || out->generation || out->session || out->epoch ?
		       -EINVAL : 0;
	if (!cbs_proto_name_ok(out->name) || !out->generation)
		return -EINVAL;
	if (out->replica)
		return out->session || !out->epoch ? -EINVAL : 0;
	return out->epoch ? -EINVAL : 0;
}

/* Copy a string into a zeroed wire field, keeping room for its NUL. */
static void put_field(char *dst, const char *src, size_t size)
{
	memset(dst, 0, size);
	memcpy(dst, src, strnlen(src, size - 1));
}

void cbs_proto_encode_hello(const struct cbs_hello_req *req, struct cbs_hello *out)
{
	memset(out, 0, sizeof(*out));
	out->magic = htole32(CBS_HELLO_MAGIC);
	out->version = htole16(CBS_PROTO_VERSION);
	out->flags = htole16(req->admin ? CBS_HELLO_F_ADMIN :
			     req->replica ? CBS_HELLO_F_REPLICA : 0);
	out->generation = htole64(req->generation);
	out->session = htole64(req->session);
	out->epoch = htole64(req->epoch);
	put_field(out->name, req->name, sizeof(out->name));
	put_field(out->token, req->token, sizeof(out->token));
}

uint32_t cbs_proto_payload_len(const struct cbs_req *req)
{
	switch (req->op) {
	case CBS_OP_WRITE:
	case CBS_OP_SNAPSHOT:
	case CBS_OP_CREATE:
	case CBS_OP_DELETE:
	case CBS_OP_RESIZE:
	case CBS_OP_CONFIG:
	case CBS_OP_PROMOTE:
	case CBS_OP_SET_REPLICAS:
	case CBS_OP_STATUS:
	case CBS_OP_DIRTY:
	case CBS_OP_SNAP_CREATE:
	case CBS_OP_SNAP_DELETE:
	case CBS_OP_SNAP_LIST:
	case CBS_OP_CLONE:
	case CBS_OP_ROLLBACK:
		return req->length;
	default:
		return 0;
	}
}

static uint32_t admin_payload_size(uint16_t op)
{
	switch (op) {
	case CBS_OP_LIST:
		return 0;
	case CBS_OP_CREATE:
	case CBS_OP_DELETE:
	case CBS_OP_RESIZE:
		return sizeof(struct cbs_admin_volume);
	case CBS_OP_CONFIG:
	case CBS_OP_PROMOTE:
	case CBS_OP_SET_REPLICAS:
	case CBS_OP_STATUS:
	case CBS_OP_DIRTY:
		return sizeof(struct cbs_admin_config);
	default:
		return sizeof(struct cbs_admin_snapshot);
	}
}

static int check_admin_request(const struct cbs_req *req)
{
	uint32_t want = admin_payload_size(req->op);

	if (req->flags || req->offset || req->generation || req->length != want)
		return -EINVAL;
	return 0;
}

static int check_io_request(const struct cbs_req *req, const struct cbs_session *s)
{
	uint32_t bs = s->block_size;

	/* Fencing comes first: a stale client learns it is stale. */
	if (req->generation < s->volume_generation)
		return -ESTALE;
	if (req->generation != s->generation)
		return -EINVAL;
	if ((req->flags & CBS_REQ_F_FUA) &&
	    req->op != CBS_OP_WRITE && req->op != CBS_OP_WRITE_ZEROES)
		return -EINVAL;
	if ((req->flags & CBS_REQ_F_PROTECTED) && req->op != CBS_OP_SNAPSHOT)
		return -EINVAL;
	if (req->op == CBS_OP_SNAPSHOT)
		return req->offset || req->length != CBS_PROTO_NAME_LEN ? -EINVAL : 0;
	if (req->op == CBS_OP_FLUSH)
		return req->offset || req->length ? -EINVAL : 0;
	if (!req->length || req->length > CBS_PROTO_MAX_LEN || !bs ||
	    req->offset % bs || req->length % bs)
		return -EINVAL;
	if (req->offset > s->size || req->length > s->size - req->offset)
		return -EINVAL;
	return 0;
}

int cbs_proto_decode_request(const void *buf, size_t len, struct cbs_req *req)
{
	struct cbs_request r;

	if (len != sizeof(r))
		return -EPROTO;
	memcpy(&r, buf, sizeof(r));
	if (le32toh(r.magic) != CBS_REQUEST_MAGIC)
		return -EPROTO;
	req->op = le16toh(r.op);
	req->flags = le16toh(r.flags);
	req->handle = le64toh(r.handle);
	req->offset = le64toh(r.offset);
	req->generation = le64toh(r.generation);
	req->length = le32toh(r.length);
	req->reserved = le32toh(r.reserved);
	/* A payload this large is not worth reading just to skip it. */
	if (cbs_proto_payload_len(req) > CBS_PROTO_MAX_LEN)
		return -EPROTO;
	return 0;
}

int cbs_proto_check_request(const struct cbs_req *req, const struct cbs_session *s)
{
	bool admin_op;

	if (req->reserved || (req->flags & ~(CBS_REQ_F_FUA | CBS_REQ_F_PROTECTED)))
		return -EINVAL;
	switch (req->op) {
	case CBS_OP_READ:
	case CBS_OP_WRITE:
	case CBS_OP_FLUSH:
	case CBS_OP_DISCARD:
	case CBS_OP_WRITE_ZEROES:
		admin_op = false;
		break;
	case CBS_OP_SNAPSHOT:
		if (!s->replica)
			return -EPERM;
		admin_op = false;
		break;
	case CBS_OP_CREATE:
	case CBS_OP_DELETE:
	case CBS_OP_RESIZE:
	case CBS_OP_LIST:
	case CBS_OP_CONFIG:
	case CBS_OP_PROMOTE:
	case CBS_OP_SET_REPLICAS:
	case CBS_OP_STATUS:
	case CBS_OP_DIRTY:
	case CBS_OP_SNAP_CREATE:
	case CBS_OP_SNAP_DELETE:
	case CBS_OP_SNAP_LIST:
	case CBS_OP_CLONE:
	case CBS_OP_ROLLBACK:
		admin_op = true;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (admin_op != s->admin)
		return -EPERM;
	return admin_op ? check_admin_request(req) : check_io_request(req, s);
}

bool cbs_proto_attempt_older(uint32_t a, uint32_t b)
{
	/* (int32_t)(a - b) < 0, without the implementation-defined conversion. */
	return (a - b) & 0x80000000U;
}

bool cbs_proto_op_mutates(uint16_t op)
{
	return op == CBS_OP_WRITE || op == CBS_OP_WRITE_ZEROES || op == CBS_OP_DISCARD;
}

int cbs_proto_check_admin(uint16_t op, const void *buf, size_t len,
			  struct cbs_admin_req *out)
{
	struct cbs_admin_volume v;

	if (len != sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (copy_field(out->name, v.name, sizeof(v.name)) ||
	    copy_field(out->token, v.token, sizeof(v.token)) || v.reserved)
		return -EINVAL;
	if (!cbs_proto_name_ok(out->name))
		return -EINVAL;
	out->size = le64toh(v.size);
	out->block_size = le32toh(v.block_size);
	switch (op) {
	case CBS_OP_CREATE:
		if (!out->token[0] || !cbs_proto_block_size_ok(out->block_size) ||
		    !out->size || out->size % out->block_size ||
		    out->size > INT64_MAX)
			return -EINVAL;
		return 0;
	case CBS_OP_RESIZE:
		/* Alignment to the volume's block size is checked by the caller. */
		if (out->token[0] || out->block_size || !out->size ||
		    out->size > INT64_MAX)
			return -EINVAL;
		return 0;
	case CBS_OP_DELETE:
		return out->token[0] || out->size || out->block_size ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

bool cbs_proto_addr_ok(const char *addr)
{
	size_t len = strnlen(addr, CBS_PROTO_ADDR_LEN);

	if (!len || len >= CBS_PROTO_ADDR_LEN || !strchr(addr, ':'))
		return false;
	for (; *addr; addr++)
		if (!isgraph((unsigned char)*addr))
			return false;
	return true;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return false;
	return true;
}

int cbs_proto_check_config(uint16_t op, const void *buf, size_t len,
			   struct cbs_config_req *out)
{
	struct cbs_admin_config c;
	uint32_t i, j;

	if (len != sizeof(c))
		return -EINVAL;
	memcpy(&c, buf, sizeof(c));
	memset(out, 0, sizeof(*out));
	if (copy_field(out->name, c.name, sizeof(c.name)) ||
	    copy_field(out->peer_token, c.peer_token, sizeof(c.peer_token)) ||
	    !cbs_proto_name_ok(out->name))
		return -EINVAL;
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		if (copy_field(out->members[i], c.members[i], CBS_PROTO_ADDR_LEN))
			return -EINVAL;
	out->epoch = le64toh(c.epoch);
	out->flags = le32toh(c.flags);
	out->count = le32toh(c.count);
	out->self = le32toh(c.self);
	out->primary = le32toh(c.primary);
	if (out->flags & ~CBS_CONFIG_F_FORCE)
		return -EINVAL;
	if (op == CBS_OP_STATUS || op == CBS_OP_DIRTY)
		return out->epoch || out->flags || out->count || out->self || out->primary ||
		       out->peer_token[0] || !all_zero(c.members, sizeof(c.members)) ?
		       -EINVAL : 0;
	if (!out->epoch || !out->peer_token[0])
		return -EINVAL;
	if (op == CBS_OP_PROMOTE)
		return out->count || out->self || out->primary ||
		       !all_zero(c.members, sizeof(c.members)) ? -EINVAL : 0;
	if (!out->count || out->count > CBS_PROTO_MAX_REPLICAS)
		return -EINVAL;
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++) {
		if (i >= out->count) {
			if (out->members[i][0])
				return -EINVAL;
			continue;
		}
		if (!cbs_proto_addr_ok(out->members[i]))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(out->members[i], out->members[j]))
				return -EINVAL;
	}
	if (op == CBS_OP_SET_REPLICAS)
		return out->self || out->primary ? -EINVAL : 0;
	if (op != CBS_OP_CONFIG || out->flags)
		return -EINVAL;
	return out->self >= out->count || out->primary >= out->count ? -EINVAL : 0;
}

void cbs_proto_encode_config(const struct cbs_config_req *req, struct cbs_admin_config *out)
{
	uint32_t i;

	memset(out, 0, sizeof(*out));
	put_field(out->name, req->name, sizeof(out->name));
	out->epoch = htole64(req->epoch);
	out->flags = htole32(req->flags);
	out->count = htole32(req->count);
	out->self = htole32(req->self);
	out->primary = htole32(req->primary);
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		put_field(out->members[i], req->members[i], CBS_PROTO_ADDR_LEN);
	put_field(out->peer_token, req->peer_token, sizeof(out->peer_token));
}

int cbs_proto_check_snapshot(uint16_t op, const void *buf, size_t len,
			     struct cbs_snap_req *out)
{
	struct cbs_admin_snapshot s;
	bool clone = op == CBS_OP_CLONE;

	memset(out, 0, sizeof(*out));
	if (op == CBS_OP_SNAPSHOT) {
		if (len != CBS_PROTO_NAME_LEN ||
		    copy_field(out->snap, buf, CBS_PROTO_NAME_LEN) ||
		    !cbs_proto_name_ok(out->snap))
			return -EINVAL;
		return 0;
	}
	if (len != sizeof(s))
		return -EINVAL;
	memcpy(&s, buf, sizeof(s));
	if (copy_field(out->volume, s.volume, sizeof(s.volume)) ||
	    copy_field(out->snap, s.snap, sizeof(s.snap)) ||
	    copy_field(out->clone, s.clone, sizeof(s.clone)) ||
	    copy_field(out->token, s.token, sizeof(s.token)) || s.reserved)
		return -EINVAL;
	out->flags = le32toh(s.flags);
	if (!cbs_proto_name_ok(out->volume) || (out->flags & ~CBS_SNAP_F_PROTECTED))
		return -EINVAL;
	if (out->flags && op != CBS_OP_SNAP_CREATE)
		return -EINVAL;
	if (clone != !!out->clone[0] || clone != !!out->token[0])
		return -EINVAL;
	if (clone && !cbs_proto_name_ok(out->clone))
		return -EINVAL;
	switch (op) {
	case CBS_OP_SNAP_LIST:
		return out->snap[0] ? -EINVAL : 0;
	case CBS_OP_SNAP_CREATE:
	case CBS_OP_SNAP_DELETE:
	case CBS_OP_CLONE:
	case CBS_OP_ROLLBACK:
		return cbs_proto_name_ok(out->snap) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

void cbs_proto_encode_snapshot(const struct cbs_snap_req *req, struct cbs_admin_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	put_field(out->volume, req->volume, sizeof(out->volume));
	put_field(out->snap, req->snap, sizeof(out->snap));
	put_field(out->clone, req->clone, sizeof(out->clone));
	put_field(out->token, req->token, sizeof(out->token));
	out->flags = htole32(req->flags);
}
