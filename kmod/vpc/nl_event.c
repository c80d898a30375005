// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink: events the packet path raises, in softirq: a VIP claimed by a
 * local port (vip.c) and a miss (miss.c), multicast on the notify group
 * as VPC_CMD_CLAIM and VPC_CMD_MISS.
 */
#include <net/ipv6.h>

#include "netlink.h"
#include "pernet.h"
#include "port.h"
#include "vnet.h"

/* What one event says: PORT's VPC, IP and, for a claim, MAC. */
struct vpc_nl_event {
	const struct vpc_port *port;
	const struct in6_addr *ip;	/* IPv4 as ::ffff:a.b.c.d */
	const u8 *mac;
};

static int vpc_event_put(struct sk_buff *skb, const struct vpc_nl_event *e)
{
	const struct vpc_port *port = e->port;

	if (nla_put_u32(skb, VPC_A_NET_ID, port->vnet->id) ||
	    (ipv6_addr_v4mapped(e->ip) ?
	     nla_put_in_addr(skb, VPC_A_IP, e->ip->s6_addr32[3]) :
	     nla_put_in6_addr(skb, VPC_A_IP6, e->ip)) ||
	    (e->mac && nla_put(skb, VPC_A_MAC, ETH_ALEN, e->mac)) ||
	    nla_put_u32(skb, VPC_A_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(skb, VPC_A_IFNAME, port->dev->name))
		return -EMSGSIZE;
	return 0;
}

static void vpc_nl_event(struct vpc_pernet *pn, const struct vpc_nl_event *e,
			 u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&vpc_genl_family, pn->net, VPC_MCGRP_NOTIFY_ID))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &vpc_genl_family, 0, cmd);
	if (!hdr || vpc_event_put(skb, e)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&vpc_genl_family, pn->net, skb, 0,
				VPC_MCGRP_NOTIFY_ID, GFP_ATOMIC);
}

void vpc_nl_claim_notify(struct vpc_pernet *pn, const struct vpc_port *port,
			 const struct in6_addr *ip, const u8 *mac)
{
	struct vpc_nl_event e = { .port = port, .ip = ip, .mac = mac };

	vpc_nl_event(pn, &e, VPC_CMD_CLAIM);
}

void vpc_nl_miss_notify(struct vpc_pernet *pn, const struct vpc_port *port,
			const struct in6_addr *ip)
{
	struct vpc_nl_event e = { .port = port, .ip = ip };

	vpc_nl_event(pn, &e, VPC_CMD_MISS);
}
