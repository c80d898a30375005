// SPDX-License-Identifier: GPL-2.0
/*
 * Subnets of a VPC: IPv4 and IPv6 prefixes that do not overlap another of
 * their family, each with a gateway IP that the distributed router
 * (router.c; arp.c and nd.c for resolution) answers for with the VPC's
 * gateway MAC.
 */
#include <linux/etherdevice.h>

#include "dns.h"
#include "pernet.h"
#include "subnet.h"
#include "vnet.h"

void vpc_gw_mac_init(u8 *mac, u32 id)
{
	mac[0] = VPC_GW_MAC_OUI0;
	mac[1] = VPC_GW_MAC_OUI1;
	mac[2] = VPC_GW_MAC_OUI2;
	mac[3] = id >> 16;
	mac[4] = id >> 8;
	mac[5] = id;
}

const struct vpc_prefix *vpc_subnet_lookup(const struct vpc_net *vnet,
					   __be32 ip)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "subnet lookup needs RCU");
	return vpc_ptable_lookup(rcu_dereference(vnet->subnets), ip);
}

const struct vpc_prefix *vpc_subnet_lookup6(const struct vpc_net *vnet,
					    const struct in6_addr *ip)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "subnet lookup needs RCU");
	return vpc_ptable_lookup6(rcu_dereference(vnet->subnets), ip);
}

bool vpc_subnet_is_gw(const struct vpc_net *vnet, __be32 ip)
{
	const struct vpc_prefix *subnet = vpc_subnet_lookup(vnet, ip);

	return subnet && subnet->addr == ip;
}

bool vpc_subnet_is_bcast(const struct vpc_net *vnet, __be32 ip)
{
	const struct vpc_prefix *subnet = vpc_subnet_lookup(vnet, ip);
	__be32 mask;

	if (!subnet || subnet->plen >= 31)
		return false;
	mask = inet_make_mask(subnet->plen);
	return (ip & ~mask) == ~mask;
}

bool vpc_subnet_is_gw6(const struct vpc_net *vnet, const struct in6_addr *ip)
{
	const struct vpc_prefix *subnet = vpc_subnet_lookup6(vnet, ip);

	return subnet && ipv6_addr_equal(&subnet->addr6, ip);
}

const struct vpc_ptable *vpc_subnets(struct vpc_pernet *pn,
				     const struct vpc_net *vnet)
{
	return rcu_dereference_protected(vnet->subnets,
					 lockdep_is_held(&pn->lock));
}

/*
 * The gateway may not be the network or broadcast address (IPv4), or the
 * subnet-router anycast address, the prefix itself (IPv6, RFC 4291 2.6.1).
 */
static bool vpc_subnet_gw_ok(const struct vpc_prefix *p,
			     struct netlink_ext_ack *extack)
{
	__be32 host;

	if (p->v6) {
		if (!ipv6_addr_equal(&p->addr6, &p->ip6))
			return true;
		NL_SET_ERR_MSG_MOD(extack, "the gateway is the subnet-router anycast address");
		return false;
	}
	host = p->addr & ~inet_make_mask(p->plen);
	if (!host || host == ~inet_make_mask(p->plen)) {
		NL_SET_ERR_MSG_MOD(extack, "the gateway is the network or broadcast address");
		return false;
	}
	return true;
}

int vpc_subnet_add(struct vpc_pernet *pn, struct vpc_net *vnet,
		   const struct vpc_prefix *p, struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&pn->lock);
	if (!vpc_prefix_holds_addr(p)) {
		NL_SET_ERR_MSG_MOD(extack, "the gateway is not inside the subnet");
		return -EINVAL;
	}
	if (!vpc_subnet_gw_ok(p, extack))
		return -EINVAL;
	if (vpc_ptable_find(vpc_subnets(pn, vnet), p)) {
		NL_SET_ERR_MSG_MOD(extack, "this subnet exists in this VPC");
		return -EEXIST;
	}
	if (vpc_ptable_overlap(vpc_subnets(pn, vnet), p)) {
		NL_SET_ERR_MSG_MOD(extack, "overlaps another subnet of this VPC");
		return -EINVAL;
	}
	ret = vpc_ptable_add(&vnet->subnets, &pn->lock, p, VPC_SUBNETS_MAX);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(extack, "too many subnets in this VPC");
	else if (ret)
		NL_SET_ERR_MSG_MOD(extack, "out of memory for the subnet");
	else
		vpc_pernet_changed(pn);
	return ret;
}

int vpc_subnet_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		   const struct vpc_prefix *p, struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&pn->lock);
	ret = vpc_ptable_del(&vnet->subnets, &pn->lock, p);
	if (ret == -ENOENT) {
		NL_SET_ERR_MSG_MOD(extack, "no such subnet in this VPC");
	} else if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory for the subnet table");
	} else {
		vpc_dns_del(pn, vnet, p);
		vpc_pernet_changed(pn);
	}
	return ret;
}

void vpc_subnet_flush(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	vpc_ptable_free(&vnet->subnets, &pn->lock);
}
