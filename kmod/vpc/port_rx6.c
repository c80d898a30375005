// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 frames from a VM (port_rx.c has the rest): neighbour discovery is
 * answered or dropped here (nd.c); anything else must come from one of the
 * port's IPv6 addresses or prefixes, goes to a unicast address of the VPC
 * (a local port or a mapping) or through the gateway MAC to the router
 * (router.c), and is never flooded.  Link-local sources
 * are allowed for neighbour discovery only, so link-local traffic never
 * leaves the VM's port.
 */
#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "map.h"
#include "miss.h"
#include "pernet.h"
#include "port.h"
#include "stats.h"
#include "vnet.h"

/* Router and neighbour solicitations, advertisements and redirects. */
static bool vpc_is_nd(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 type;

	if (ip6h->nexthdr != IPPROTO_ICMPV6 ||
	    skb_copy_bits(skb, sizeof(*ip6h), &type, sizeof(type)))
		return false;
	return type >= NDISC_ROUTER_SOLICITATION && type <= NDISC_REDIRECT;
}

void vpc_port_rx_ip6(struct vpc_pernet *pn, struct vpc_port *port,
		     struct sk_buff *skb)
{
	u32 vpc = port->vnet->id;
	const struct ipv6hdr *ip6h;
	const struct ethhdr *eth;
	struct vpc_port *to;
	struct vpc_map *map;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		goto malformed;
	ip6h = ipv6_hdr(skb);
	if (ip6h->version != 6)
		goto malformed;
	if (vpc_is_nd(skb)) {
		vpc_nd_rx(pn, port, skb);
		return;
	}
	/* DHCPv6 comes from a link-local address to ff02::1:2. */
	if (vpc_dhcp6_is_request(skb)) {
		vpc_dhcp6_rx(pn, port, skb);
		return;
	}
	ip6h = ipv6_hdr(skb);
	eth = eth_hdr(skb);
	/*
	 * MLD and all other multicast: nothing is flooded.  Checked before
	 * the source, since MLD comes from link-local addresses and is no
	 * spoofing.
	 */
	if (is_multicast_ether_addr(eth->h_dest) ||
	    ipv6_addr_is_multicast(&ip6h->daddr)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_UNSUPPORTED, skb);
		return;
	}
	if (!vpc_port_src_ok6(port, eth->h_source, &ip6h->saddr)) {
		vpc_drop(port->stats, vpc_port_spoof_reason(port, eth), skb);
		return;
	}
	if (ether_addr_equal(eth->h_dest, port->vnet->gw_mac)) {
		vpc_router_rx(pn, port, skb);
		return;
	}

	skb_push(skb, ETH_HLEN);
	to = vpc_port_lookup6(pn, vpc, &ip6h->daddr);
	map = to ? NULL : vpc_map_lookup6(pn, vpc, &ip6h->daddr);
	if (!to && !map)
		vpc_miss6(pn, port, &ip6h->daddr);
	vpc_forward(pn, port, to, map, skb);
	return;

malformed:
	vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
}
