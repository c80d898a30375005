/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CBS_NETLINK_H
#define _CBS_NETLINK_H

#include <linux/cbs.h>

struct cbs_device;

int cbs_genl_init(void);
void cbs_genl_exit(void);
void cbs_nl_notify_link_dead(struct cbs_device *dev, unsigned int conn,
			     unsigned int live);
/* The device's epoch changed; caller holds cbs_devs_lock. */
void cbs_nl_notify_epoch(struct cbs_device *dev);

#endif /* _CBS_NETLINK_H */
