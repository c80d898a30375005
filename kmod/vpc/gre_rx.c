// SPDX-License-Identifier: GPL-2.0
/*
 * Frames from the underlay, decapsulated by the collect_md gretap device:
 * the GRE key names the VPC, the outer source must be a host that VPC has a
 * mapping for, and the inner destination must be a port of that VPC, or
 * an address a user route sends to a port of this host (an appliance VM);
 * the inner destination MAC must be that port's.  Anything else is dropped
 * and counted in the netns's GRE counters and the VPC's.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>

#include "datapath.h"
#include "map.h"
#include "pernet.h"
#include "port.h"
#include "route.h"
#include "stats.h"
#include "vnet.h"

static void vpc_gre_rx_one(struct vpc_pernet *pn, struct sk_buff *skb)
{
	const struct ip_tunnel_info *info = skb_tunnel_info(skb);
	const struct ethhdr *eth;
	const struct iphdr *iph;
	struct vpc_port *port;
	struct vpc_net *vnet;
	unsigned int reason;
	u32 vpc;

	if (!info || ip_tunnel_info_af(info) != AF_INET ||
	    !(info->key.tun_flags & TUNNEL_KEY))
		goto unknown_key;
	vpc = be32_to_cpu(tunnel_id_to_key32(info->key.tun_id));
	vnet = vpc_net_find(pn, vpc);
	if (!vnet)
		goto unknown_key;
	/* Either plane of a host: its mappings hold both (map.c). */
	if (!vpc_host_known(pn, vpc, info->key.u.ipv4.src)) {
		reason = VPC_STATS_A_GRE_DROP_UNKNOWN_SOURCE;
		goto drop;
	}
	reason = VPC_STATS_A_GRE_DROP_NO_PORT;
	if (skb->protocol != htons(ETH_P_IP) || skb->mac_len != ETH_HLEN)
		goto drop;
	if (!pskb_may_pull(skb, sizeof(*iph))) {
		reason = VPC_STATS_A_GRE_DROP_MALFORMED;
		goto drop;
	}
	eth = eth_hdr(skb);
	iph = ip_hdr(skb);
	port = vpc_port_lookup(pn, vpc, iph->daddr);
	/* Routed by the sender to an appliance VM here: the same route. */
	if (!port)
		port = vpc_route_port(pn, vnet, iph->daddr);
	if (!port || !ether_addr_equal(eth->h_dest, port->mac))
		goto drop;

	vpc_stats_pkt(pn->stats, VPC_STATS_A_GRE_RX_PACKETS,
		      skb->len + ETH_HLEN);
	vpc_stats_pkt(vnet->stats, VPC_STATS_A_GRE_RX_PACKETS,
		      skb->len + ETH_HLEN);
	skb_push(skb, ETH_HLEN);
	vpc_deliver(port, skb);
	return;

drop:
	vpc_stats_inc(vnet->stats, reason);
	vpc_drop(pn->stats, reason, skb);
	return;
unknown_key:
	vpc_drop(pn->stats, VPC_STATS_A_GRE_DROP_UNKNOWN_KEY, skb);
}

rx_handler_result_t vpc_gre_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct vpc_pernet *pn;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	pn = rcu_dereference(skb->dev->rx_handler_data);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (skb)
		vpc_gre_rx_one(pn, skb);
	return RX_HANDLER_CONSUMED;
}
