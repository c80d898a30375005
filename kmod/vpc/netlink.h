/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_NETLINK_H
#define _VPC_NETLINK_H

#include <linux/vpc.h>

int vpc_genl_init(void);
void vpc_genl_exit(void);

#endif /* _VPC_NETLINK_H */
