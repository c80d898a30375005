/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_SUBNET_H
#define _VPC_SUBNET_H

#include <linux/types.h>
#include <net/netlink.h>

#include "prefix.h"

struct vpc_net;
struct vpc_pernet;

/* The gateway MAC of VPC ID: 02:76:70 and the id (uapi linux/vpc.h). */
void vpc_gw_mac_init(u8 *mac, u32 id);

/* Packet path, under RCU. */
const struct vpc_prefix *vpc_subnet_lookup(const struct vpc_net *vnet,
					   __be32 ip);
const struct vpc_prefix *vpc_subnet_lookup6(const struct vpc_net *vnet,
					    const struct in6_addr *ip);
bool vpc_subnet_is_gw(const struct vpc_net *vnet, __be32 ip);
bool vpc_subnet_is_gw6(const struct vpc_net *vnet, const struct in6_addr *ip);
/* IP is the broadcast address of an IPv4 subnet (one shorter than /31). */
bool vpc_subnet_is_bcast(const struct vpc_net *vnet, __be32 ip);

/* Changes, under pn->lock. */
int vpc_subnet_add(struct vpc_pernet *pn, struct vpc_net *vnet,
		   const struct vpc_prefix *p, struct netlink_ext_ack *extack);
int vpc_subnet_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		   const struct vpc_prefix *p, struct netlink_ext_ack *extack);
void vpc_subnet_flush(struct vpc_pernet *pn, struct vpc_net *vnet);
/* The table, for dumps under pn->lock. */
const struct vpc_ptable *vpc_subnets(struct vpc_pernet *pn,
				     const struct vpc_net *vnet);

#endif /* _VPC_SUBNET_H */
