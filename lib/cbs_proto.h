/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding and validation of cbs wire frames (linux/cbs_proto.h).  Pure
 * functions of their arguments: no I/O, no global state, so they can be
 * unit-tested and fuzzed.  Each returns 0, -EPROTO when the stream cannot
 * be trusted any more (the caller closes the connection), or another
 * negative errno that the caller sends back in an error reply.
 */
#ifndef NIMBUS_CBS_PROTO_H
#define NIMBUS_CBS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/cbs_proto.h>

/* A handshake in host byte order; name and token NUL-padded to full size. */
struct cbs_hello_req {
	bool admin;
	bool replica;			/* a primary's session to a backup */
	uint64_t generation;
	uint64_t epoch;			/* replica session: the primary's, else 0 */
	uint64_t session;		/* 0: no session (admin, simple tools) */
	char name[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
};

/* A request header in host byte order. */
struct cbs_req {
	uint16_t op;
	uint16_t flags;
	uint64_t handle;
	uint64_t offset;
	uint64_t generation;
	uint32_t length;
	uint32_t reserved;
};

/* What a request is checked against: a snapshot of its session and volume. */
struct cbs_session {
	bool admin;
	bool replica;			/* SNAPSHOT is allowed only here */
	uint64_t generation;		/* from the session's handshake */
	uint64_t volume_generation;	/* the volume's current one */
	uint64_t size;
	uint32_t block_size;
};

/* An admin payload (struct cbs_admin_volume) in host byte order. */
struct cbs_admin_req {
	char name[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
	uint64_t size;
	uint32_t block_size;
};

/* A CONFIG, PROMOTE, SET_REPLICAS, STATUS or DIRTY payload in host byte order. */
struct cbs_config_req {
	char name[CBS_PROTO_NAME_LEN];
	uint64_t epoch;
	uint32_t flags;
	uint32_t count;
	uint32_t self;
	uint32_t primary;
	char members[CBS_PROTO_MAX_REPLICAS][CBS_PROTO_ADDR_LEN];
	char peer_token[CBS_PROTO_TOKEN_LEN];
};

/* A snapshot op's payload in host byte order. */
struct cbs_snap_req {
	char volume[CBS_PROTO_NAME_LEN];
	char snap[CBS_PROTO_NAME_LEN];
	char clone[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
	uint32_t flags;
};

/* 1..63 printable characters, no '/', not starting with '.'. */
bool cbs_proto_name_ok(const char *name);
bool cbs_proto_block_size_ok(uint32_t block_size);

int cbs_proto_check_hello(const void *buf, size_t len, struct cbs_hello_req *out);
/* The wire form of a client's handshake; name and token cut to fit with their NUL. */
void cbs_proto_encode_hello(const struct cbs_hello_req *req, struct cbs_hello *out);

/*
 * Decode a request header: -EPROTO on a bad magic or a payload larger than
 * CBS_PROTO_MAX_LEN, else 0 and the caller may read the payload.
 */
int cbs_proto_decode_request(const void *buf, size_t len, struct cbs_req *req);

/* Check a decoded request against its session before acting on it. */
int cbs_proto_check_request(const struct cbs_req *req, const struct cbs_session *s);

/* Bytes of payload that follow this request header on the wire. */
uint32_t cbs_proto_payload_len(const struct cbs_req *req);

/*
 * Within a session (a non-zero session id in the hello), a request's handle
 * is (attempt << 32 | slot), and a WRITE, WRITE_ZEROES or DISCARD older than
 * the newest attempt begun for its slot is refused (storage/attempt.h).
 */
static inline uint32_t cbs_proto_handle_slot(uint64_t handle)
{
	return (uint32_t)handle;
}

static inline uint32_t cbs_proto_handle_attempt(uint64_t handle)
{
	return (uint32_t)(handle >> 32);
}

/* Serial-number order (RFC 1982): a is older than b, across wraparound. */
bool cbs_proto_attempt_older(uint32_t a, uint32_t b);
/* The ops the ordering rule applies to: those that change the volume. */
bool cbs_proto_op_mutates(uint16_t op);

/* Decode and check the payload of a CREATE, DELETE or RESIZE. */
int cbs_proto_check_admin(uint16_t op, const void *buf, size_t len,
			  struct cbs_admin_req *out);

/*
 * A replica's address: "ADDR:PORT" as the clients and the other members
 * reach it, 1..63 printable characters.
 */
bool cbs_proto_addr_ok(const char *addr);

/*
 * Decode and check the payload of CONFIG, PROMOTE, SET_REPLICAS, STATUS or DIRTY:
 * the fields each op uses are well-formed and the others 0; members are
 * distinct.  Whether an epoch is new enough is the server's business.
 */
int cbs_proto_check_config(uint16_t op, const void *buf, size_t len,
			   struct cbs_config_req *out);
void cbs_proto_encode_config(const struct cbs_config_req *req, struct cbs_admin_config *out);

/*
 * Decode and check a snapshot op's payload (SNAP_CREATE, SNAP_DELETE,
 * SNAP_LIST, CLONE, ROLLBACK), or of a replica session's SNAPSHOT (the
 * name alone: op CBS_OP_SNAPSHOT, 64 bytes, into out->snap).
 */
int cbs_proto_check_snapshot(uint16_t op, const void *buf, size_t len,
			     struct cbs_snap_req *out);
void cbs_proto_encode_snapshot(const struct cbs_snap_req *req, struct cbs_admin_snapshot *out);

#endif /* NIMBUS_CBS_PROTO_H */
