/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CBS_NETLINK_H
#define _CBS_NETLINK_H

#include <linux/cbs.h>

int cbs_genl_init(void);
void cbs_genl_exit(void);

#endif /* _CBS_NETLINK_H */
