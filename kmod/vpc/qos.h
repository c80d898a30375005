/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_QOS_H
#define _VPC_QOS_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/netlink.h>

#include "pernet.h"

struct vpc_port;

/*
 * QoS (Documentation/vpc.md): vpc.ko only classifies, by skb->priority;
 * HTB trees made from userspace shape.  Frames to the same host pass
 * vpc-local (the sender's egress class) and vpc-ingress (the receiver's
 * ingress class), two devices of ours, before they are delivered
 * (enum vpc_qos_dev_kind, pernet.h).
 */

/* Packet path, under RCU: deliver SKB to TO, shaped as TO (and FROM) ask. */
void vpc_deliver_ingress(struct vpc_pernet *pn, struct vpc_port *to,
			 struct sk_buff *skb);
void vpc_deliver_local(struct vpc_pernet *pn, struct vpc_port *from,
		       struct vpc_port *to, struct sk_buff *skb);

/* A port's class id, from a per-netns pool; under pn->lock. */
int vpc_qos_class_get(struct vpc_pernet *pn, struct netlink_ext_ack *extack);
void vpc_qos_class_put(struct vpc_pernet *pn, u32 classid);

/* Create vpc-ingress and vpc-local if need be; under RTNL and pn->lock. */
int vpc_qos_devs_create(struct vpc_pernet *pn, struct netlink_ext_ack *extack);
bool vpc_qos_devs_exist(struct vpc_pernet *pn);
/* DEV is being unregistered: forget it if it is one of ours; RTNL. */
void vpc_qos_dev_gone(struct vpc_pernet *pn, struct net_device *dev);
/* Delete them, on module unload; under RTNL. */
void vpc_qos_teardown(struct vpc_pernet *pn);

void vpc_qos_init(struct vpc_pernet *pn);
void vpc_qos_exit(struct vpc_pernet *pn);

#endif /* _VPC_QOS_H */
