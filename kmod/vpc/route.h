/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_ROUTE_H
#define _VPC_ROUTE_H

#include <linux/types.h>
#include <net/netlink.h>

#include "prefix.h"

struct vpc_net;
struct vpc_pernet;
struct vpc_port;

/*
 * Packet path, under RCU: the next hop of the user route for DST, or 0 when
 * DST is inside a subnet of the VPC (the subnet, like every cloud's "local"
 * route, wins over any user route) or no route matches.
 */
__be32 vpc_route_nexthop(const struct vpc_net *vnet, __be32 dst);
/* The same for IPv6: NULL instead of 0, else a pointer into the table. */
const struct in6_addr *vpc_route_nexthop6(const struct vpc_net *vnet,
					  const struct in6_addr *dst);
/* The local port that is the next hop for DST, or NULL. */
struct vpc_port *vpc_route_port(struct vpc_pernet *pn,
				const struct vpc_net *vnet, __be32 dst);
struct vpc_port *vpc_route_port6(struct vpc_pernet *pn,
				 const struct vpc_net *vnet,
				 const struct in6_addr *dst);

/* Changes, under pn->lock. */
int vpc_route_add(struct vpc_pernet *pn, struct vpc_net *vnet,
		  const struct vpc_prefix *p, struct netlink_ext_ack *extack);
int vpc_route_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		  const struct vpc_prefix *p, struct netlink_ext_ack *extack);
void vpc_route_flush(struct vpc_pernet *pn, struct vpc_net *vnet);
/* The table, for dumps under pn->lock. */
const struct vpc_ptable *vpc_routes(struct vpc_pernet *pn,
				    const struct vpc_net *vnet);

#endif /* _VPC_ROUTE_H */
