// SPDX-License-Identifier: GPL-2.0
/*
 * The ARP responder: a VM's ARP request for an address of its VPC (a local
 * port or a mapping) is answered here with that VM's MAC, and for a subnet
 * gateway with the VPC's gateway MAC; any other ARP is dropped and
 * counted.  ARP never leaves the host.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <net/arp.h>

#include "datapath.h"
#include "map.h"
#include "pernet.h"
#include "port.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

/* The Ethernet/IPv4 body that follows struct arphdr. */
struct vpc_arp_eth_ip {
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

static const u8 *vpc_arp_target(struct vpc_pernet *pn,
				const struct vpc_net *vnet, __be32 tip)
{
	u32 vpc = vnet->id;
	struct vpc_port *port;
	struct vpc_map *map;

	if (vpc_subnet_is_gw(vnet, tip))
		return vnet->gw_mac;
	port = vpc_port_lookup(pn, vpc, tip);
	if (port)
		return port->mac;
	map = vpc_map_lookup(pn, vpc, tip);
	return map ? map->mac : NULL;
}

void vpc_arp_rx(struct vpc_pernet *pn, struct vpc_port *port,
		struct sk_buff *skb)
{
	const struct vpc_arp_eth_ip *body;
	const struct arphdr *arp;
	struct sk_buff *reply;
	const u8 *mac;

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
	if (!ether_addr_equal(body->sha, port->mac)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_MAC, skb);
		return;
	}
	/* Probes (sender 0.0.0.0), announcements and replies end here. */
	if (arp->ar_op != htons(ARPOP_REQUEST) || !body->sip ||
	    body->sip == body->tip) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_ARP, skb);
		return;
	}
	if (!vpc_port_src_allowed(port, body->sip)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_IP, skb);
		return;
	}
	mac = vpc_arp_target(pn, port->vnet, body->tip);
	if (!mac) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_ARP, skb);
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
