// SPDX-License-Identifier: GPL-2.0
/*
 * Frames from a VM: port security first (the source MAC and IP must be the
 * port's), then ARP is answered locally, IPv4 to the VPC's gateway MAC is
 * routed (router.c), other IPv4 goes to a local port of the same VPC or in
 * GRE to the host of a mapping, IPv6 likewise (port_rx6.c), and everything
 * else is dropped and counted.  Nothing is ever flooded.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>

#include "datapath.h"
#include "map.h"
#include "miss.h"
#include "pernet.h"
#include "port.h"
#include "stats.h"
#include "subnet.h"
#include "vip.h"
#include "vnet.h"

/*
 * A source the port may not use: with the port's own MAC the IP is wrong,
 * with a pair's MAC the IP is not that pair's.
 */
unsigned int vpc_port_spoof_reason(const struct vpc_port *port,
				   const struct ethhdr *eth)
{
	return ether_addr_equal(eth->h_source, port->mac) ?
	       VPC_STATS_A_DROP_SPOOF_IP : VPC_STATS_A_DROP_SPOOF_MAC;
}

static void vpc_port_rx_ip(struct vpc_pernet *pn, struct vpc_port *port,
			   struct sk_buff *skb)
{
	u32 vpc = port->vnet->id;
	const struct ethhdr *eth;
	const struct iphdr *iph;
	struct vpc_port *to;
	struct vpc_map *map;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		goto malformed;
	eth = eth_hdr(skb);
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5)
		goto malformed;
	/* DHCP comes from 0.0.0.0 to the broadcast address: its own checks. */
	if (vpc_dhcp_is_request(skb)) {
		vpc_dhcp_rx(pn, port, skb);
		return;
	}
	eth = eth_hdr(skb);
	iph = ip_hdr(skb);
	if (!vpc_port_src_ok(port, eth->h_source, iph->saddr)) {
		vpc_drop(port->stats, vpc_port_spoof_reason(port, eth), skb);
		return;
	}
	/* Broadcast and multicast, in the frame or in the packet. */
	if (is_multicast_ether_addr(eth->h_dest) ||
	    ipv4_is_multicast(iph->daddr) || ipv4_is_lbcast(iph->daddr) ||
	    vpc_subnet_is_bcast(port->vnet, iph->daddr)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_UNSUPPORTED, skb);
		return;
	}
	if (ether_addr_equal(eth->h_dest, port->vnet->gw_mac)) {
		vpc_router_rx(pn, port, skb);
		return;
	}

	skb_push(skb, ETH_HLEN);
	to = vpc_port_lookup(pn, vpc, iph->daddr);
	map = to ? NULL : vpc_map_lookup(pn, vpc, iph->daddr);
	if (!to && !map)
		vpc_miss4(pn, port, iph->daddr);
	vpc_forward(pn, port, to, map, skb);
	return;

malformed:
	vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
}

rx_handler_result_t vpc_port_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct vpc_pernet *pn;
	struct vpc_port *port;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	port = rcu_dereference(skb->dev->rx_handler_data);
	pn = vpc_pernet(dev_net(skb->dev));
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;

	vpc_stats_pkt(port->stats, VPC_STATS_A_RX_PACKETS,
		      skb->len + skb->mac_len);
	if (!vpc_port_has_mac(port, eth_hdr(skb)->h_source)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_MAC, skb);
		return RX_HANDLER_CONSUMED;
	}
	if (skb_vlan_tag_present(skb) || skb->mac_len != ETH_HLEN) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_UNSUPPORTED, skb);
		return RX_HANDLER_CONSUMED;
	}
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		vpc_port_rx_ip(pn, port, skb);
		break;
	case htons(ETH_P_ARP):
		vpc_arp_rx(pn, port, skb);
		break;
	case htons(ETH_P_IPV6):
		vpc_port_rx_ip6(pn, port, skb);
		break;
	default:
		vpc_drop(port->stats, VPC_STATS_A_DROP_UNSUPPORTED, skb);
		break;
	}
	return RX_HANDLER_CONSUMED;
}
