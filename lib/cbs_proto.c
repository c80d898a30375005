// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "lib/cbs_proto.h"

/* The sizes Documentation/cbs-protocol.md gives. */
_Static_assert(sizeof(struct cbs_hello) == 152, "cbs_hello");
_Static_assert(sizeof(struct cbs_hello_reply) == 32, "cbs_hello_reply");
_Static_assert(sizeof(struct cbs_request) == 40, "cbs_request");
_Static_assert(sizeof(struct cbs_reply) == 24, "cbs_reply");
_Static_assert(sizeof(struct cbs_admin_volume) == 144, "cbs_admin_volume");
_Static_assert(sizeof(struct cbs_list_header) == 24, "cbs_list_header");
_Static_assert(sizeof(struct cbs_list_entry) == 96, "cbs_list_entry");

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
	if (flags & ~CBS_HELLO_F_ADMIN)
		return -EINVAL;
	if (copy_field(out->name, h.name, sizeof(h.name)) ||
	    copy_field(out->token, h.token, sizeof(h.token)) || !out->token[0])
		return -EINVAL;
	out->admin = flags & CBS_HELLO_F_ADMIN;
	out->generation = le64toh(h.generation);
	out->session = le64toh(h.session);
	if (out->admin)
		return out->name[0] || out->generation || out->session ? -EINVAL : 0;
	if (!cbs_proto_name_ok(out->name) || !out->generation)
		return -EINVAL;
	return 0;
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
	out->flags = htole16(req->admin ? CBS_HELLO_F_ADMIN : 0);
	out->generation = htole64(req->generation);
	out->session = htole64(req->session);
	put_field(out->name, req->name, sizeof(out->name));
	put_field(out->token, req->token, sizeof(out->token));
}

uint32_t cbs_proto_payload_len(const struct cbs_req *req)
{
	switch (req->op) {
	case CBS_OP_WRITE:
	case CBS_OP_CREATE:
	case CBS_OP_DELETE:
	case CBS_OP_RESIZE:
		return req->length;
	default:
		return 0;
	}
}

static int check_admin_request(const struct cbs_req *req)
{
	uint32_t want = req->op == CBS_OP_LIST ? 0 : sizeof(struct cbs_admin_volume);

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

	if (req->reserved || (req->flags & ~CBS_REQ_F_FUA))
		return -EINVAL;
	switch (req->op) {
	case CBS_OP_READ:
	case CBS_OP_WRITE:
	case CBS_OP_FLUSH:
	case CBS_OP_DISCARD:
	case CBS_OP_WRITE_ZEROES:
		admin_op = false;
		break;
	case CBS_OP_CREATE:
	case CBS_OP_DELETE:
	case CBS_OP_RESIZE:
	case CBS_OP_LIST:
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
