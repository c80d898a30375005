/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Generic netlink family "vpc": per-host VPC networking over GRE.
 * The contract is Documentation/netlink/specs/vpc.yaml.
 */
#ifndef _UAPI_LINUX_VPC_H
#define _UAPI_LINUX_VPC_H

#define VPC_GENL_NAME		"vpc"
#define VPC_GENL_VERSION	1
#define VPC_MCGRP_NOTIFY	"notify"

/* VPC ids are GRE keys; 0 is reserved, ids stay below 2^24. */
#define VPC_NET_ID_MIN		1
#define VPC_NET_ID_MAX		0xffffffU
#define VPC_NAME_MAXLEN		32	/* including the terminating NUL */

enum vpc_cmd {
	VPC_CMD_UNSPEC,
	VPC_CMD_NET_NEW,
	VPC_CMD_NET_DEL,
	VPC_CMD_NET_GET,

	__VPC_CMD_MAX,
	VPC_CMD_MAX = __VPC_CMD_MAX - 1
};

enum vpc_attr {
	VPC_A_UNSPEC,
	VPC_A_NET_ID,		/* u32 */
	VPC_A_NET_NAME,		/* string */

	__VPC_A_MAX,
	VPC_A_MAX = __VPC_A_MAX - 1
};

#endif /* _UAPI_LINUX_VPC_H */
