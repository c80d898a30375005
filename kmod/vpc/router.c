// SPDX-License-Identifier: GPL-2.0
/*
 * The distributed router: every host routes its own VMs' frames that are
 * addressed to the gateway MAC of their VPC.  The destination is a local
 * port, a mapping, or the next hop of a user route (an appliance VM); the
 * frame leaves with the gateway MAC as source, the target's MAC as
 * destination and its TTL decremented, as from one router hop.  An ICMP
 * echo request to a gateway IP is answered; other frames to it are dropped.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "datapath.h"
#include "map.h"
#include "pernet.h"
#include "port.h"
#include "route.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

/* The TTL of the gateway's echo replies, as of a host's own packets. */
#define VPC_GW_TTL	64

/* Turn an echo request to the gateway into the reply, back to PORT. */
static void vpc_router_echo(struct vpc_port *port, struct sk_buff *skb)
{
	unsigned int ihl = ip_hdrlen(skb);
	struct icmphdr *icmp;
	struct ethhdr *eth;
	struct iphdr *iph;

	/* skb->data is at the IPv4 header. */
	if (ip_hdr(skb)->protocol != IPPROTO_ICMP ||
	    ip_is_fragment(ip_hdr(skb)) ||
	    !pskb_may_pull(skb, ihl + sizeof(*icmp)) ||
	    ((struct icmphdr *)(skb->data + ihl))->type != ICMP_ECHO) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_NO_DEST, skb);
		return;
	}
	skb_push(skb, ETH_HLEN);
	if (skb_ensure_writable(skb, ETH_HLEN + ihl + sizeof(*icmp))) {
		kfree_skb(skb);
		return;
	}
	eth = eth_hdr(skb);
	iph = ip_hdr(skb);
	icmp = (struct icmphdr *)((u8 *)iph + ihl);
	ether_addr_copy(eth->h_dest, eth->h_source);
	ether_addr_copy(eth->h_source, port->vnet->gw_mac);
	swap(iph->saddr, iph->daddr);
	iph->ttl = VPC_GW_TTL;
	ip_send_check(iph);
	icmp->type = ICMP_ECHOREPLY;
	csum_replace2(&icmp->checksum, htons(ICMP_ECHO << 8),
		      htons(ICMP_ECHOREPLY << 8));
	skb_forward_csum(skb);
	vpc_stats_inc(port->stats, VPC_STATS_A_GW_ECHO_REPLIES);
	vpc_deliver(port, skb);
}

/* Where DST of VNET goes: *PORT (local) or *MAP (remote), else false. */
static bool vpc_router_resolve(struct vpc_pernet *pn,
			       const struct vpc_net *vnet, __be32 dst,
			       struct vpc_port **port, struct vpc_map **map)
{
	__be32 nexthop;

	*port = vpc_port_lookup(pn, vnet->id, dst);
	if (*port)
		return true;
	*map = vpc_map_lookup(pn, vnet->id, dst);
	if (*map)
		return true;
	nexthop = vpc_route_nexthop(vnet, dst);
	if (!nexthop)
		return false;
	*port = vpc_port_lookup(pn, vnet->id, nexthop);
	if (*port)
		return true;
	*map = vpc_map_lookup(pn, vnet->id, nexthop);
	return *map;
}

void vpc_router_rx(struct vpc_pernet *pn, struct vpc_port *port,
		   struct sk_buff *skb)
{
	struct vpc_net *vnet = port->vnet;
	struct vpc_port *to = NULL;
	struct vpc_map *map = NULL;
	struct ethhdr *eth;
	struct iphdr *iph;

	if (vpc_subnet_is_gw(vnet, ip_hdr(skb)->daddr)) {
		vpc_router_echo(port, skb);
		return;
	}
	if (!vpc_router_resolve(pn, vnet, ip_hdr(skb)->daddr, &to, &map)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_NO_DEST, skb);
		return;
	}
	if (ip_hdr(skb)->ttl <= 1) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_TTL, skb);
		return;
	}
	skb_push(skb, ETH_HLEN);
	if (skb_ensure_writable(skb, ETH_HLEN + sizeof(*iph))) {
		kfree_skb(skb);
		return;
	}
	eth = eth_hdr(skb);
	iph = ip_hdr(skb);
	ether_addr_copy(eth->h_source, vnet->gw_mac);
	ether_addr_copy(eth->h_dest, to ? to->mac : map->mac);
	ip_decrease_ttl(iph);
	/* The bytes changed: a CHECKSUM_COMPLETE sum no longer holds. */
	skb_forward_csum(skb);
	vpc_stats_inc(port->stats, VPC_STATS_A_ROUTED_PACKETS);
	if (to)
		vpc_deliver(to, skb);
	else
		vpc_encap(pn, port, map, skb);
}
