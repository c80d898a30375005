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

#define CBS_PROTO_VERSION	3

#define CBS_HELLO_MAGIC		0x4e424831	/* "1HBN" on the wire */
#define CBS_HELLO_REPLY_MAGIC	0x4e425231
#define CBS_REQUEST_MAGIC	0x4e425131
#define CBS_REPLY_MAGIC		0x4e425031

#define CBS_PROTO_NAME_LEN	64	/* NUL-padded, at least one NUL */
#define CBS_PROTO_TOKEN_LEN	64	/* NUL-padded, at least one NUL */
#define CBS_PROTO_MAX_LEN	(32U << 20)	/* largest request or reply payload */
#define CBS_PROTO_ADDR_LEN	64	/* "ADDR:PORT" of a replica, NUL-padded */
#define CBS_PROTO_MAX_REPLICAS	3

/*
 * The error of a server that is not the primary of the newest epoch it
 * knows (a client: requeue and find the primary; never a fence), and of a
 * replica session whose epoch is not the backup's current one.
 */
#define CBS_ERR_NOT_PRIMARY	78	/* EREMCHG */

/* cbs_hello.flags */
#define CBS_HELLO_F_ADMIN	(1U << 0)	/* admin session: token is the admin token */
/*
 * Replica session: a primary's stream to one backup of a volume.  token is
 * the backup server's admin token, generation the primary's, epoch the
 * primary's; the backup refuses any other epoch than its current one.
 */
#define CBS_HELLO_F_REPLICA	(1U << 1)

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
	/*
	 * Replica sessions only: take snapshot (payload: its name, 64 bytes)
	 * at this point of the write stream.
	 */
	CBS_OP_SNAPSHOT		= 5,
	/* Admin ops: only in an admin session. */
	CBS_OP_CREATE		= 16,
	CBS_OP_DELETE		= 17,
	CBS_OP_RESIZE		= 18,
	CBS_OP_LIST		= 19,
	/* Replica sets: payload struct cbs_admin_config. */
	CBS_OP_CONFIG		= 20,	/* record a configuration on this server */
	CBS_OP_PROMOTE		= 21,	/* make this server the primary */
	CBS_OP_SET_REPLICAS	= 22,	/* to the primary: change the members */
	CBS_OP_STATUS		= 23,	/* reply: struct cbs_replica_status */
	/* Snapshots and clones: payload struct cbs_admin_snapshot. */
	CBS_OP_SNAP_CREATE	= 24,
	CBS_OP_SNAP_DELETE	= 25,
	CBS_OP_SNAP_LIST	= 26,	/* reply: cbs_snap_list_header, entries */
	CBS_OP_CLONE		= 27,
	CBS_OP_ROLLBACK		= 28,
	/*
	 * Replica sets, between servers: a member's flight map (the 1 MiB
	 * regions with writes that may not be on every member), taken over
	 * by a new primary: cleared on the member.  Payload as STATUS;
	 * reply: one bit per region, bit r in byte r / 8 (1 << r % 8).
	 */
	CBS_OP_DIRTY		= 29,
};

/* cbs_request.flags */
#define CBS_REQ_F_FUA		(1U << 0)	/* WRITE, WRITE_ZEROES: stable before reply */
#define CBS_REQ_F_PROTECTED	(1U << 1)	/* SNAPSHOT: a protected snapshot */

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
	/* Replica session: the primary's epoch.  Otherwise 0. */
	__le64 epoch;
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
	/*
	 * Volume and replica sessions, on success and with CBS_ERR_NOT_PRIMARY:
	 * the newest epoch this server knows for the volume, and the primary
	 * of that epoch ("ADDR:PORT", empty if not known here).
	 */
	__le64 epoch;
	char primary[CBS_PROTO_ADDR_LEN];
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
	__le64 epoch;			/* newest known here */
	__le32 role;			/* enum cbs_role of this server */
	__le32 snapshots;
	char parent[2 * CBS_PROTO_NAME_LEN];	/* a clone's "VOLUME@SNAP", else empty */
} __attribute__((packed));

enum cbs_role {
	CBS_ROLE_PRIMARY	= 0,	/* of the newest epoch known here */
	CBS_ROLE_BACKUP		= 1,
	CBS_ROLE_STALE		= 2,	/* not a member of the newest epoch known */
};

/* cbs_admin_config.flags */
#define CBS_CONFIG_F_FORCE	(1U << 0)	/* PROMOTE, SET_REPLICAS: without a majority */

/*
 * Payload of CONFIG, PROMOTE, SET_REPLICAS and STATUS.
 * CONFIG: record epoch, members, primary on this server, which is
 *	members[self]; epoch must be above the one recorded (or 1 on a
 *	volume that has none yet).
 * PROMOTE: name, epoch, flags, peer_token; the rest 0.
 * SET_REPLICAS: name, epoch, flags, count, members, peer_token.
 * STATUS: name only.
 */
struct cbs_admin_config {
	char name[CBS_PROTO_NAME_LEN];
	__le64 epoch;
	__le32 flags;				/* CBS_CONFIG_F_* */
	__le32 count;				/* members: 1..3 */
	__le32 self;				/* CONFIG: index of this server */
	__le32 primary;				/* CONFIG: index of the primary */
	char members[CBS_PROTO_MAX_REPLICAS][CBS_PROTO_ADDR_LEN];
	/* The admin token of the other members, for replica sessions. */
	char peer_token[CBS_PROTO_TOKEN_LEN];
} __attribute__((packed));

enum cbs_replica_state {
	CBS_REPLICA_IN_SYNC	= 0,
	CBS_REPLICA_CATCHING_UP	= 1,
	CBS_REPLICA_DOWN	= 2,
};

struct cbs_replica_entry {
	char addr[CBS_PROTO_ADDR_LEN];
	__le64 epoch;			/* the newest this member acknowledged */
	__le64 lag;			/* bytes still to copy to it */
	__le32 role;			/* enum cbs_role */
	__le32 state;			/* enum cbs_replica_state */
} __attribute__((packed));

/* STATUS reply: the volume's configuration as this server knows it. */
struct cbs_replica_status {
	__le64 epoch;
	__le32 count;
	__le32 self;			/* index of the answering server, or count */
	__le32 primary;
	__le32 reserved;
	struct cbs_replica_entry members[CBS_PROTO_MAX_REPLICAS];
} __attribute__((packed));

/* cbs_admin_snapshot.flags */
#define CBS_SNAP_F_PROTECTED	(1U << 0)	/* SNAP_CREATE: no delete while cloned */

/*
 * Payload of the snapshot ops (unused fields 0).  SNAP_CREATE, SNAP_DELETE,
 * ROLLBACK: volume, snap.  SNAP_LIST: volume.  CLONE: volume, snap, clone,
 * token (the clone's access token).
 */
struct cbs_admin_snapshot {
	char volume[CBS_PROTO_NAME_LEN];
	char snap[CBS_PROTO_NAME_LEN];
	char clone[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
	__le32 flags;			/* CBS_SNAP_F_* */
	__le32 reserved;
} __attribute__((packed));

struct cbs_snap_list_header {
	__le32 count;
	__le32 reserved;
} __attribute__((packed));

struct cbs_snap_list_entry {
	char snap[CBS_PROTO_NAME_LEN];
	__le64 created;			/* unix time, ns */
	__le64 allocated;		/* bytes only this snapshot holds */
	__le32 flags;			/* CBS_SNAP_F_* */
	__le32 clones;			/* volumes cloned from it */
} __attribute__((packed));

#endif /* _UAPI_LINUX_CBS_PROTO_H */
