// SPDX-License-Identifier: GPL-2.0
/*
 * The neighbour discovery responder, the IPv6 twin of arp.c: a VM's
 * neighbour solicitation (solicited-node multicast or unicast) for an IPv6
 * address of its VPC (a local port or a mapping) is answered here with a
 * neighbour advertisement carrying that VM's MAC, and for a subnet gateway
 * with the VPC's gateway MAC and the router flag, within the port's rate
 * limit.  An unsolicited advertisement for a VIP the port is allowed claims
 * it (vip.c); one for an address that is not the VM's is spoofing.  Every
 * other ND message (unknown targets, duplicate address detection,
 * advertisements, redirects) is dropped and counted.  ND never leaves the
 * host.
 */
#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "map.h"
#include "miss.h"
#include "pernet.h"
#include "port.h"
#include "ratelimit.h"
#include "stats.h"
#include "subnet.h"
#include "vip.h"
#include "vnet.h"

/* A neighbour advertisement with its target link-layer address option. */
#define VPC_NA_LEN	(sizeof(struct nd_msg) + NDISC_OPT_SPACE(ETH_ALEN))

/*
 * The MAC that answers for TARGET, asked by FROM's VM, into MAC; false if
 * none (a miss, if nothing has TARGET).  *ROUTER is set for a subnet
 * gateway, which advertises itself as a router.
 */
static bool vpc_nd_target(struct vpc_pernet *pn, struct vpc_port *from,
			  const struct in6_addr *target, u8 *mac, bool *router)
{
	const struct vpc_net *vnet = from->vnet;
	u32 vpc = vnet->id;
	struct vpc_port *port;
	struct vpc_map *map;
	struct in6_addr ll;

	vpc_gw_ll6(vnet, &ll);
	*router = vpc_subnet_is_gw6(vnet, target) ||
		  ipv6_addr_equal(target, &ll);
	if (*router) {
		ether_addr_copy(mac, vnet->gw_mac);
		return true;
	}
	port = vpc_port_lookup6_mac(pn, vpc, target, mac);
	if (port)
		return port != from;
	map = vpc_map_lookup6(pn, vpc, target);
	if (!map) {
		vpc_miss6(pn, from, target);
		return false;
	}
	ether_addr_copy(mac, map->mac);
	return true;
}

/*
 * Find the source link-layer address option in the LEN bytes of options
 * at OPT (NULL if there is none); false if the options are malformed.
 */
static bool vpc_nd_sllao(const u8 *opt, unsigned int len, const u8 **sllao)
{
	*sllao = NULL;
	while (len >= sizeof(struct nd_opt_hdr)) {
		unsigned int olen = opt[1] * 8;

		if (!olen || olen > len)
			return false;
		if (opt[0] == ND_OPT_SOURCE_LL_ADDR) {
			if (olen != NDISC_OPT_SPACE(ETH_ALEN))
				return false;
			*sllao = opt + 2;
		}
		opt += olen;
		len -= olen;
	}
	return true;
}

static void vpc_nd_reply(struct vpc_port *port, const struct in6_addr *target,
			 const struct in6_addr *daddr, const u8 *mac,
			 bool router)
{
	struct sk_buff *skb;
	struct nd_msg *na;

	/* Hop limit 255: RFC 4861 receivers check it. */
	skb = vpc_reply_icmp6(port, mac, target, daddr, 255, VPC_NA_LEN);
	if (!skb)
		return;
	na = (struct nd_msg *)(ipv6_hdr(skb) + 1);
	na->icmph.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	na->icmph.icmp6_router = router;
	na->icmph.icmp6_solicited = 1;
	na->icmph.icmp6_override = 1;
	na->target = *target;
	na->opt[0] = ND_OPT_TARGET_LL_ADDR;
	na->opt[1] = NDISC_OPT_SPACE(ETH_ALEN) / 8;
	ether_addr_copy(&na->opt[2], mac);
	vpc_stats_inc(port->stats, VPC_STATS_A_ND_REPLIES);
	vpc_reply_icmp6_send(port, skb);
}

/*
 * A neighbour advertisement from PORT's VM (SKB pulled up to the message):
 * unsolicited for one of its VIPs, it claims the VIP with the frame's
 * source MAC; for any other address but the VM's own it is spoofing.
 */
static void vpc_nd_na(struct vpc_pernet *pn, struct vpc_port *port,
		      struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct nd_msg *na = (const struct nd_msg *)(ip6h + 1);
	struct in6_addr target = na->target;
	unsigned int reason = VPC_STATS_A_DROP_ND;

	if (!na->icmph.icmp6_code && ip6h->hop_limit == 255 &&
	    !na->icmph.icmp6_solicited && vpc_allow_find(port, &target)) {
		vpc_vip_claim(pn, port, &target, eth_hdr(skb)->h_source);
		consume_skb(skb);
		return;
	}
	if (!(ipv6_addr_type(&target) & IPV6_ADDR_LINKLOCAL) &&
	    !vpc_port_src_ok6(port, eth_hdr(skb)->h_source, &target))
		reason = VPC_STATS_A_DROP_SPOOF_IP;
	vpc_drop(port->stats, reason, skb);
}

/*
 * A router solicitation (RFC 4861 6.1.1) from PORT's VM, from no address,
 * a link-local one or one of its own: answered by ra.c.
 */
static void vpc_nd_rs(struct vpc_pernet *pn, struct vpc_port *port,
		      struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct icmp6hdr *icmp6h = (const struct icmp6hdr *)(ip6h + 1);

	if (icmp6h->icmp6_code || ip6h->hop_limit != 255) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_ND, skb);
		return;
	}
	if (!ipv6_addr_any(&ip6h->saddr) &&
	    !(ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL) &&
	    !vpc_port_src_ok6(port, eth_hdr(skb)->h_source, &ip6h->saddr)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_IP, skb);
		return;
	}
	vpc_ra_rx(pn, port, skb);
}

/* SKB is ICMPv6 neighbour discovery from PORT's VM (port_rx6.c). */
void vpc_nd_rx(struct vpc_pernet *pn, struct vpc_port *port,
	       struct sk_buff *skb)
{
	const unsigned int hlen = sizeof(struct ipv6hdr) + sizeof(struct nd_msg);
	const struct ipv6hdr *ip6h;
	const struct nd_msg *ns;
	struct in6_addr target, saddr;
	unsigned int len;
	u8 mac[ETH_ALEN];
	const u8 *sllao;
	bool router;

	if (!pskb_may_pull(skb, sizeof(*ip6h) + sizeof(struct icmp6hdr)))
		goto drop;
	ip6h = ipv6_hdr(skb);
	ns = (const struct nd_msg *)(ip6h + 1);
	if (ns->icmph.icmp6_type == NDISC_ROUTER_SOLICITATION) {
		vpc_nd_rs(pn, port, skb);
		return;
	}
	if (!pskb_may_pull(skb, hlen))
		goto drop;
	ip6h = ipv6_hdr(skb);
	ns = (const struct nd_msg *)(ip6h + 1);
	if (ns->icmph.icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT) {
		vpc_nd_na(pn, port, skb);
		return;
	}
	/* Only solicitations are answered; RFC 4861 7.1.1 validity. */
	if (ns->icmph.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION ||
	    ns->icmph.icmp6_code || ip6h->hop_limit != 255 ||
	    ipv6_addr_is_multicast(&ns->target))
		goto drop;
	/* Duplicate address detection: the controller hands out addresses. */
	if (ipv6_addr_any(&ip6h->saddr))
		goto drop;
	if (!(ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL) &&
	    !vpc_port_src_ok6(port, eth_hdr(skb)->h_source, &ip6h->saddr)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_IP, skb);
		return;
	}
	len = min_t(unsigned int, ntohs(ip6h->payload_len),
		    skb->len - sizeof(*ip6h));
	if (len < sizeof(*ns) || !pskb_may_pull(skb, sizeof(*ip6h) + len))
		goto malformed;
	ip6h = ipv6_hdr(skb);
	ns = (const struct nd_msg *)(ip6h + 1);
	if (!vpc_nd_sllao(ns->opt, len - sizeof(*ns), &sllao))
		goto malformed;
	/* Like the sender MAC of ARP, it must be the port's. */
	if (sllao && !vpc_port_has_mac(port, sllao)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_MAC, skb);
		return;
	}
	if (!vpc_nd_target(pn, port, &ns->target, mac, &router))
		goto drop;
	if (!vpc_ratelimit(port, VPC_RL_ANSWER)) {
		kfree_skb(skb);
		return;
	}
	target = ns->target;
	saddr = ip6h->saddr;
	consume_skb(skb);
	vpc_nd_reply(port, &target, &saddr, mac, router);
	return;

drop:
	vpc_drop(port->stats, VPC_STATS_A_DROP_ND, skb);
	return;
malformed:
	vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
}
