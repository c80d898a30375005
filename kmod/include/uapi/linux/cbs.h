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

enum cbs_cmd {
	CBS_CMD_UNSPEC,
	CBS_CMD_MAP,
	CBS_CMD_UNMAP,
	CBS_CMD_RECONFIGURE,
	CBS_CMD_STATUS,
	CBS_CMD_LINK_DEAD,	/* notification only */

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

	__CBS_A_MAX,
	CBS_A_MAX = __CBS_A_MAX - 1
};

#endif /* _UAPI_LINUX_CBS_H */
