/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Generic netlink family "cbs": the Cloud Block Store device.
 * The contract is Documentation/netlink/specs/cbs.yaml.
 */
#ifndef _UAPI_LINUX_CBS_H
#define _UAPI_LINUX_CBS_H

#define CBS_GENL_NAME		"cbs"
#define CBS_GENL_VERSION	1
#define CBS_MCGRP_NOTIFY	"notify"

#define CBS_NAME_MAXLEN		64	/* including the terminating NUL */
#define CBS_MAX_SOCKETS		16

enum cbs_cmd {
	CBS_CMD_UNSPEC,
	CBS_CMD_MAP,
	CBS_CMD_UNMAP,
	CBS_CMD_RECONFIGURE,
	CBS_CMD_STATUS,
	CBS_CMD_LINK_DEAD,	/* notification only */
	CBS_CMD_EPOCH,		/* notification only: the epoch changed */

	__CBS_CMD_MAX,
	CBS_CMD_MAX = __CBS_CMD_MAX - 1
};

enum cbs_attr {
	CBS_A_UNSPEC,
	CBS_A_INDEX,		/* u32: N of /dev/cbsN */
	CBS_A_NAME,		/* string: volume name */
	CBS_A_SIZE,		/* u64: bytes */
	CBS_A_BLOCK_SIZE,	/* u32: 512 or 4096 */
	CBS_A_SOCKETS,		/* nest of CBS_A_SOCKET_FD (u32) */
	CBS_A_SOCKET_FD,	/* u32 */
	CBS_A_GENERATION,	/* u64 */
	CBS_A_DEAD_TIMEOUT,	/* u32: seconds */
	CBS_A_FORCE,		/* flag */
	CBS_A_IO_TIMEOUT,	/* u32: seconds before a request is retried */
	CBS_A_CONN,		/* u32: connection index (LINK_DEAD) */
	CBS_A_CONNS,		/* u32: connections */
	CBS_A_LIVE_CONNS,	/* u32: connections alive */
	CBS_A_FENCED,		/* flag: a newer generation owns the volume */
	CBS_A_STATS,		/* nest of CBS_A_STATS_* */
	CBS_A_PAD,
	CBS_A_SESSION,		/* u64: the handshake's session id (protocol v2) */
	CBS_A_EPOCH,		/* u64: the replica set's epoch of the links (protocol v3) */

	__CBS_A_MAX,
	CBS_A_MAX = __CBS_A_MAX - 1
};

enum cbs_stats_attr {
	CBS_A_STATS_UNSPEC,
	CBS_A_STATS_PAD,
	CBS_A_STATS_READS,		/* u64 */
	CBS_A_STATS_WRITES,		/* u64 */
	CBS_A_STATS_READ_BYTES,		/* u64 */
	CBS_A_STATS_WRITE_BYTES,	/* u64 */
	CBS_A_STATS_ERRORS,		/* u64 */
	CBS_A_STATS_READ_NS,		/* u64: summed latency of the reads */
	CBS_A_STATS_WRITE_NS,		/* u64: summed latency of the writes */

	__CBS_A_STATS_MAX,
	CBS_A_STATS_MAX = __CBS_A_STATS_MAX - 1
};

#endif /* _UAPI_LINUX_CBS_H */
