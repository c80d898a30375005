// SPDX-License-Identifier: GPL-2.0
/*
 * The ARP responder: a VM's ARP request for an address of its VPC (a local
 * port, a VIP's owner or a mapping) is answered here with that VM's MAC,
 * and for a subnet gateway with the VPC's gateway MAC, within the port's
 * rate limit; a gratuitous ARP for a VIP the port is allowed claims it
 * (vip.c); any other ARP is dropped and counted, after the sender checks.
 * ARP never leaves the host.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <net/arp.h>

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

/* The Ethernet/IPv4 body that follows struct arphdr. */
struct vpc_arp_eth_ip {
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

/* The MAC that answers for TIP into MAC; false if nobody has TIP. */
static bool vpc_arp_target(struct vpc_pernet *pn, const struct vpc_net *vnet,
			   __be32 tip, u8 *mac)
{
	u32 vpc = vnet->id;
	struct vpc_map *map;

	if (vpc_subnet_is_gw(vnet, tip)) {
		ether_addr_copy(mac, vnet->gw_mac);
		return true;
	}
	if (vpc_port_lookup_mac(pn, vpc, tip, mac))
		return true;
	map = vpc_map_lookup(pn, vpc, tip);
	if (map)
		ether_addr_copy(mac, map->mac);
	return map;
}

/*
 * A gratuitous ARP (sender IP = target IP), request or reply, as a VM sends
 * for an address it takes over: a claim if the port is allowed it.
 */
static bool vpc_arp_claim(struct vpc_pernet *pn, struct vpc_port *port,
			  const struct vpc_arp_eth_ip *body)
{
	struct in6_addr key;

	vpc_vip_key4(body->sip, &key);
	if (!vpc_allow_find(port, &key))
		return false;
	vpc_vip_claim(pn, port, &key, body->sha);
	return true;
}

void vpc_arp_rx(struct vpc_pernet *pn, struct vpc_port *port,
		struct sk_buff *skb)
{
	const struct vpc_arp_eth_ip *body;
	const struct arphdr *arp;
	struct sk_buff *reply;
	u8 mac[ETH_ALEN];

	if (!pskb_may_pull(skb, sizeof(*arp) + sizeof(*body))) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
		return;
	}
	arp = arp_hdr(skb);
	body = (const struct vpc_arp_eth_ip *)(arp + 1);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
		return;
	}
	/* The sender first, whatever the operation (vpc.md's order). */
	if (!vpc_port_has_mac(port, body->sha)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_MAC, skb);
		return;
	}
	if (body->sip && !vpc_port_src_ok(port, body->sha, body->sip)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_IP, skb);
		return;
	}
	if (body->sip && body->sip == body->tip && vpc_arp_claim(pn, port, body)) {
		consume_skb(skb);
		return;
	}
	/* Probes (sender 0.0.0.0), other announcements and replies end here. */
	if (arp->ar_op != htons(ARPOP_REQUEST) || !body->sip ||
	    body->sip == body->tip) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_ARP, skb);
		return;
	}
	if (!vpc_arp_target(pn, port->vnet, body->tip, mac)) {
		vpc_miss4(pn, port, body->tip);
		vpc_drop(port->stats, VPC_STATS_A_DROP_ARP, skb);
		return;
	}
	if (!vpc_ratelimit(port, VPC_RL_ANSWER)) {
		kfree_skb(skb);
		return;
	}
	reply = arp_create(ARPOP_REPLY, ETH_P_ARP, body->sip, port->dev,
			   body->tip, body->sha, mac, body->sha);
	consume_skb(skb);
	if (!reply)
		return;
	vpc_stats_inc(port->stats, VPC_STATS_A_ARP_REPLIES);
	vpc_deliver(port, reply);
}
