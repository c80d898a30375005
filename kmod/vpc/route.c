// SPDX-License-Identifier: GPL-2.0
/*
 * User routes of a VPC: prefix -> next hop, an address of the same family
 * inside one of the VPC's subnets where an appliance VM (NAT, VPN gateway)
 * runs.  The
 * distributed router (router.c) uses them for destinations that are no
 * port or mapping of the VPC; the host of the next hop uses them again to
 * accept such a frame for that port (gre_rx.c).
 */
#include "pernet.h"
#include "port.h"
#include "route.h"
#include "subnet.h"
#include "vnet.h"

__be32 vpc_route_nexthop(const struct vpc_net *vnet, __be32 dst)
{
	const struct vpc_prefix *route;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "route lookup needs RCU");
	route = vpc_ptable_lookup(rcu_dereference(vnet->routes), dst);
	if (!route || vpc_subnet_lookup(vnet, dst))
		return 0;
	return route->addr;
}

const struct in6_addr *vpc_route_nexthop6(const struct vpc_net *vnet,
					  const struct in6_addr *dst)
{
	const struct vpc_prefix *route;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "route lookup needs RCU");
	route = vpc_ptable_lookup6(rcu_dereference(vnet->routes), dst);
	if (!route || vpc_subnet_lookup6(vnet, dst))
		return NULL;
	return &route->addr6;
}

struct vpc_port *vpc_route_port(struct vpc_pernet *pn,
				const struct vpc_net *vnet, __be32 dst)
{
	__be32 nexthop = vpc_route_nexthop(vnet, dst);

	return nexthop ? vpc_port_lookup(pn, vnet->id, nexthop) : NULL;
}

struct vpc_port *vpc_route_port6(struct vpc_pernet *pn,
				 const struct vpc_net *vnet,
				 const struct in6_addr *dst)
{
	const struct in6_addr *nexthop = vpc_route_nexthop6(vnet, dst);

	return nexthop ? vpc_port_lookup6(pn, vnet->id, nexthop) : NULL;
}

const struct vpc_ptable *vpc_routes(struct vpc_pernet *pn,
				    const struct vpc_net *vnet)
{
	return rcu_dereference_protected(vnet->routes,
					 lockdep_is_held(&pn->lock));
}

int vpc_route_add(struct vpc_pernet *pn, struct vpc_net *vnet,
		  const struct vpc_prefix *p, struct netlink_ext_ack *extack)
{
	const struct vpc_ptable *subnets = vpc_subnets(pn, vnet);
	const struct vpc_prefix *subnet;
	int ret;

	lockdep_assert_held(&pn->lock);
	subnet = vpc_ptable_lookup_of(subnets, p, true);
	if (!subnet) {
		NL_SET_ERR_MSG_MOD(extack, "the next hop is not inside a subnet of this VPC");
		return -EINVAL;
	}
	if (vpc_prefix_addr_equal(subnet, p)) {
		NL_SET_ERR_MSG_MOD(extack, "the next hop is a subnet gateway");
		return -EINVAL;
	}
	subnet = vpc_ptable_lookup_of(subnets, p, false);
	if (subnet && subnet->plen <= p->plen) {
		NL_SET_ERR_MSG_MOD(extack, "the prefix is inside a subnet of this VPC, which wins");
		return -EINVAL;
	}
	ret = vpc_ptable_add(&vnet->routes, &pn->lock, p, VPC_ROUTES_MAX);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack, "a route for this prefix exists in this VPC");
	else if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(extack, "too many routes in this VPC");
	else if (ret)
		NL_SET_ERR_MSG_MOD(extack, "out of memory for the route");
	else
		vpc_pernet_changed(pn);
	return ret;
}

int vpc_route_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		  const struct vpc_prefix *p, struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&pn->lock);
	ret = vpc_ptable_del(&vnet->routes, &pn->lock, p);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_MOD(extack, "no route for this prefix in this VPC");
	else if (ret)
		NL_SET_ERR_MSG_MOD(extack, "out of memory for the route table");
	else
		vpc_pernet_changed(pn);
	return ret;
}

void vpc_route_flush(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	vpc_ptable_free(&vnet->routes, &pn->lock);
}
