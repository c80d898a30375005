/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_DEVICE_H
#define _VPC_DEVICE_H

struct vpc_pernet;

/* A per-netns netdev notifier, so it lives and dies with the netns state. */
int vpc_device_notifier_register(struct vpc_pernet *pn);
void vpc_device_notifier_unregister(struct vpc_pernet *pn);

#endif /* _VPC_DEVICE_H */
