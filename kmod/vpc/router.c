// SPDX-License-Identifier: GPL-2.0
/*
 * The distributed router: every host routes its own VMs' frames that are
 * addressed to the gateway MAC of their VPC, IPv4 and IPv6 alike.  The
 * destination is a local port, a mapping, or the next hop of a user route
 * (an appliance VM); the frame leaves with the gateway MAC as source, the
 * target's MAC as destination and its TTL or hop limit decremented, as from
 * one router hop.  A frame whose TTL would run out is answered with ICMP
 * time exceeded.  An ICMP echo request to a gateway IP is answered; other
 * frames to it are dropped.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "map.h"
#include "miss.h"
#include "pernet.h"
#include "port.h"
#include "qos.h"
#include "ratelimit.h"
#include "route.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

/* The TTL of the gateway's echo replies, as of a host's own packets. */
#define VPC_GW_TTL	64

/*
 * Turn an echo request to the gateway (skb->data at its IPv4 or IPv6
 * header, HLEN bytes, then the ICMP header) into the reply, back to PORT.
 * The checksum covers neither the swapped addresses (ICMPv4) nor their
 * order (the ICMPv6 pseudo-header sum), so only the type needs an update.
 */
static void vpc_router_echo(struct vpc_port *port, struct sk_buff *skb,
			    unsigned int hlen, u8 request, u8 reply)
{
	__sum16 *check;
	struct ethhdr *eth;
	u8 *type;

	if (!pskb_may_pull(skb, hlen + sizeof(struct icmphdr)) ||
	    skb->data[hlen] != request) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_NO_DEST, skb);
		return;
	}
	if (!vpc_ratelimit(port, VPC_RL_ICMP)) {
		kfree_skb(skb);
		return;
	}
	skb_push(skb, ETH_HLEN);
	if (skb_ensure_writable(skb, ETH_HLEN + hlen + sizeof(struct icmphdr))) {
		kfree_skb(skb);
		return;
	}
	eth = eth_hdr(skb);
	ether_addr_copy(eth->h_dest, eth->h_source);
	ether_addr_copy(eth->h_source, port->vnet->gw_mac);
	if (skb->protocol == htons(ETH_P_IP)) {
		swap(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr);
		ip_hdr(skb)->ttl = VPC_GW_TTL;
		ip_send_check(ip_hdr(skb));
		check = &((struct icmphdr *)(skb_network_header(skb) + hlen))->checksum;
	} else {
		swap(ipv6_hdr(skb)->saddr, ipv6_hdr(skb)->daddr);
		ipv6_hdr(skb)->hop_limit = VPC_GW_TTL;
		check = &((struct icmp6hdr *)(skb_network_header(skb) + hlen))->icmp6_cksum;
	}
	/* The type is the first byte of the ICMP header's first 16 bits. */
	type = skb_network_header(skb) + hlen;
	*type = reply;
	csum_replace2(check, htons(request << 8), htons(reply << 8));
	skb_forward_csum(skb);
	vpc_stats_inc(port->stats, VPC_STATS_A_GW_ECHO_REPLIES);
	vpc_deliver(port, skb);
}

/*
 * The local port (*PORT) or the remote VM (*MAP) at DST, an IPv4 or (V6)
 * IPv6 address of VPC; false if neither.
 */
static bool vpc_router_find(struct vpc_pernet *pn, u32 vpc, bool v6,
			    const void *dst, struct vpc_port **port,
			    struct vpc_map **map)
{
	if (v6) {
		*port = vpc_port_lookup6(pn, vpc, dst);
		if (!*port)
			*map = vpc_map_lookup6(pn, vpc, dst);
	} else {
		*port = vpc_port_lookup(pn, vpc, *(const __be32 *)dst);
		if (!*port)
			*map = vpc_map_lookup(pn, vpc, *(const __be32 *)dst);
	}
	return *port || *map;
}

/*
 * Where the destination of SKB (skb->data at its IPv4 or IPv6 header) goes:
 * a port or mapping of the VPC, else the next hop of the user route.
 */
static bool vpc_router_resolve(struct vpc_pernet *pn,
			       const struct vpc_net *vnet, struct sk_buff *skb,
			       struct vpc_port **port, struct vpc_map **map)
{
	bool v6 = skb->protocol == htons(ETH_P_IPV6);
	const void *dst, *nexthop;
	__be32 nexthop4;

	if (v6)
		dst = &ipv6_hdr(skb)->daddr;
	else
		dst = &ip_hdr(skb)->daddr;
	if (vpc_router_find(pn, vnet->id, v6, dst, port, map))
		return true;
	if (v6) {
		nexthop = vpc_route_nexthop6(vnet, dst);
	} else {
		nexthop4 = vpc_route_nexthop(vnet, *(const __be32 *)dst);
		nexthop = nexthop4 ? &nexthop4 : NULL;
	}
	return nexthop && vpc_router_find(pn, vnet->id, v6, nexthop, port, map);
}

/*
 * The TTL or hop limit would run out at this hop: count the drop and send
 * time exceeded from the gateway of the sender's subnet.  A sender outside
 * every subnet (an appliance forwarding for others) has no gateway to hear
 * from, and gets nothing.
 */
static void vpc_router_expired(struct vpc_port *port, struct sk_buff *skb)
{
	const struct vpc_net *vnet = port->vnet;
	const struct vpc_prefix *subnet;

	if (skb->protocol == htons(ETH_P_IP)) {
		subnet = vpc_subnet_lookup(vnet, ip_hdr(skb)->saddr);
		if (subnet)
			vpc_icmp_error(port, skb, vnet->gw_mac, subnet->addr,
				       ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
	} else {
		subnet = vpc_subnet_lookup6(vnet, &ipv6_hdr(skb)->saddr);
		if (subnet)
			vpc_icmp6_error(port, skb, vnet->gw_mac, &subnet->addr6,
					ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT,
					0);
	}
	vpc_drop(port->stats, VPC_STATS_A_DROP_TTL, skb);
}

/*
 * One router hop for a frame (skb->data at its network header, HLEN bytes
 * of it) from PORT to the local port TO, else to the remote VM MAP.
 */
static void vpc_router_forward(struct vpc_pernet *pn, struct vpc_port *port,
			       struct vpc_port *to, const struct vpc_map *map,
			       struct sk_buff *skb, unsigned int hlen)
{
	struct ethhdr *eth;

	skb_push(skb, ETH_HLEN);
	if (skb_ensure_writable(skb, ETH_HLEN + hlen)) {
		kfree_skb(skb);
		return;
	}
	eth = eth_hdr(skb);
	ether_addr_copy(eth->h_source, port->vnet->gw_mac);
	ether_addr_copy(eth->h_dest, to ? to->mac : map->mac);
	if (skb->protocol == htons(ETH_P_IP))
		ip_decrease_ttl(ip_hdr(skb));
	else
		ipv6_hdr(skb)->hop_limit--;
	/* The bytes changed: a CHECKSUM_COMPLETE sum no longer holds. */
	skb_forward_csum(skb);
	vpc_stats_inc(port->stats, VPC_STATS_A_ROUTED_PACKETS);
	if (to)
		vpc_deliver_local(pn, port, to, skb);
	else
		vpc_encap(pn, port, map, skb);
}

/*
 * A frame to the gateway IP: an echo request is answered, anything else
 * dropped.  Echo requests behind IPv6 extension headers are not answered.
 */
static void vpc_router_to_gw(struct vpc_port *port, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IPV6)) {
		if (ipv6_hdr(skb)->nexthdr == IPPROTO_ICMPV6) {
			vpc_router_echo(port, skb, sizeof(struct ipv6hdr),
					ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY);
			return;
		}
	} else if (ip_hdr(skb)->protocol == IPPROTO_ICMP &&
		   !ip_is_fragment(ip_hdr(skb))) {
		vpc_router_echo(port, skb, ip_hdrlen(skb), ICMP_ECHO,
				ICMP_ECHOREPLY);
		return;
	}
	vpc_drop(port->stats, VPC_STATS_A_DROP_NO_DEST, skb);
}

void vpc_router_rx(struct vpc_pernet *pn, struct vpc_port *port,
		   struct sk_buff *skb)
{
	struct vpc_net *vnet = port->vnet;
	struct vpc_port *to = NULL;
	struct vpc_map *map = NULL;
	unsigned int hlen;
	bool to_gw;
	u8 ttl;

	if (skb->protocol == htons(ETH_P_IPV6)) {
		to_gw = vpc_subnet_is_gw6(vnet, &ipv6_hdr(skb)->daddr);
		ttl = ipv6_hdr(skb)->hop_limit;
		hlen = sizeof(struct ipv6hdr);
	} else {
		to_gw = vpc_subnet_is_gw(vnet, ip_hdr(skb)->daddr);
		ttl = ip_hdr(skb)->ttl;
		hlen = sizeof(struct iphdr);
	}
	if (to_gw) {
		vpc_router_to_gw(port, skb);
		return;
	}
	if (!vpc_router_resolve(pn, vnet, skb, &to, &map)) {
		if (skb->protocol == htons(ETH_P_IPV6))
			vpc_miss6(pn, port, &ipv6_hdr(skb)->daddr);
		else
			vpc_miss4(pn, port, ip_hdr(skb)->daddr);
		vpc_drop(port->stats, VPC_STATS_A_DROP_NO_DEST, skb);
		return;
	}
	if (ttl <= 1) {
		vpc_router_expired(port, skb);
		return;
	}
	vpc_router_forward(pn, port, to, map, skb, hlen);
}
