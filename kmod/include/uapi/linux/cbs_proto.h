/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The Cloud Block Store wire protocol between a client (cbs.ko, the cbs
 * command) and cbs-server, over TCP.  Every field is little-endian; every
 * struct is fixed-size and packed.  Documentation/cbs-protocol.md is the
 * contract.
 */
#ifndef _UAPI_LINUX_CBS_PROTO_H
#define _UAPI_LINUX_CBS_PROTO_H

#include <linux/types.h>

#define CBS_PROTO_VERSION	2

#define CBS_HELLO_MAGIC		0x4e424831	/* "1HBN" on the wire */
#define CBS_HELLO_REPLY_MAGIC	0x4e425231
#define CBS_REQUEST_MAGIC	0x4e425131
#define CBS_REPLY_MAGIC		0x4e425031

#define CBS_PROTO_NAME_LEN	64	/* NUL-padded, at least one NUL */
#define CBS_PROTO_TOKEN_LEN	64	/* NUL-padded, at least one NUL */
#define CBS_PROTO_MAX_LEN	(32U << 20)	/* largest request or reply payload */

/* cbs_hello.flags */
#define CBS_HELLO_F_ADMIN	(1U << 0)	/* admin session: token is the admin token */

/* cbs_hello_reply.flags: what the volume supports */
#define CBS_VOL_F_FLUSH		(1U << 0)
#define CBS_VOL_F_FUA		(1U << 1)
#define CBS_VOL_F_DISCARD	(1U << 2)
#define CBS_VOL_F_WRITE_ZEROES	(1U << 3)

enum cbs_op {
	CBS_OP_READ		= 0,
	CBS_OP_WRITE		= 1,
	CBS_OP_FLUSH		= 2,
	CBS_OP_DISCARD		= 3,
	CBS_OP_WRITE_ZEROES	= 4,
	/* Admin ops: only in an admin session. */
	CBS_OP_CREATE		= 16,
	CBS_OP_DELETE		= 17,
	CBS_OP_RESIZE		= 18,
	CBS_OP_LIST		= 19,
};

/* cbs_request.flags */
#define CBS_REQ_F_FUA		(1U << 0)	/* WRITE, WRITE_ZEROES: stable before reply */

/* Client -> server, once, first thing on the connection. */
struct cbs_hello {
	__le32 magic;			/* CBS_HELLO_MAGIC */
	__le16 version;			/* CBS_PROTO_VERSION */
	__le16 flags;			/* CBS_HELLO_F_* */
	__le64 generation;		/* >= 1 for a volume session, 0 for admin */
	char name[CBS_PROTO_NAME_LEN];	/* volume; empty for admin */
	char token[CBS_PROTO_TOKEN_LEN];
	/*
	 * Volume session: the client's device instance, the same on every
	 * connection of one device (reconnects included), 0 for none.  Within
	 * a session a request's handle is (attempt << 32 | slot): the server
	 * refuses with ECANCELED a WRITE, WRITE_ZEROES or DISCARD whose attempt
	 * is older than one already begun for its slot, so a retried write's
	 * late first attempt can never land over newer data.  Admin: 0.
	 */
	__le64 session;
} __attribute__((packed));

/* Server -> client; the connection is closed after a non-zero error. */
struct cbs_hello_reply {
	__le32 magic;			/* CBS_HELLO_REPLY_MAGIC */
	__le16 version;			/* CBS_PROTO_VERSION */
	__le16 flags;			/* CBS_VOL_F_* */
	__le32 error;			/* positive errno, 0 on success */
	__le32 block_size;		/* 512 or 4096; 0 for admin */
	__le64 size;			/* bytes; 0 for admin */
	__le64 generation;		/* the volume's generation after the handshake */
} __attribute__((packed));

/*
 * Client -> server.  WRITE and the admin ops CREATE, DELETE and RESIZE are
 * followed by length bytes of payload.
 */
struct cbs_request {
	__le32 magic;			/* CBS_REQUEST_MAGIC */
	__le16 op;			/* enum cbs_op */
	__le16 flags;			/* CBS_REQ_F_* */
	__le64 handle;			/* opaque, echoed in the reply */
	__le64 offset;			/* bytes; multiple of the block size */
	__le64 generation;		/* the session's generation; 0 for admin */
	__le32 length;			/* bytes; multiple of the block size */
	__le32 reserved;		/* 0 */
} __attribute__((packed));

/*
 * Server -> client.  A successful READ or LIST is followed by length bytes
 * of payload.  Replies may come in any order.
 */
struct cbs_reply {
	__le32 magic;			/* CBS_REPLY_MAGIC */
	__le32 error;			/* positive errno, 0 on success */
	__le64 handle;
	__le32 length;			/* payload bytes that follow */
	__le32 reserved;		/* 0 */
} __attribute__((packed));

/* Payload of CREATE, DELETE and RESIZE (unused fields 0). */
struct cbs_admin_volume {
	char name[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];	/* CREATE: the volume's access token */
	__le64 size;				/* CREATE, RESIZE: bytes */
	__le32 block_size;			/* CREATE: 512 or 4096 */
	__le32 reserved;
} __attribute__((packed));

/* Payload of a LIST reply: this header, then count cbs_list_entry. */
struct cbs_list_header {
	__le64 used_bytes;		/* used on the server's data filesystem */
	__le64 free_bytes;		/* available on the server's data filesystem */
	__le32 count;
	__le32 reserved;
} __attribute__((packed));

struct cbs_list_entry {
	char name[CBS_PROTO_NAME_LEN];
	__le64 size;
	__le64 allocated;		/* bytes the volume occupies on disk */
	__le64 generation;
	__le32 block_size;
	__le32 reserved;
} __attribute__((packed));

#endif /* _UAPI_LINUX_CBS_PROTO_H */
