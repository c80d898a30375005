// SPDX-License-Identifier: GPL-2.0
/*
 * Frames from the underlay, decapsulated by the collect_md gretap device or
 * by our fast path (ul_rx.c): the GRE key names the VPC, the outer source
 * must be a host that VPC has a mapping for, and the inner destination must
 * be a port of that VPC, or an address a user route sends to a port of this
 * host (an appliance VM); the inner destination MAC must be that port's.
 * Anything else is dropped and counted in the netns's GRE counters and the
 * VPC's.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>

#include "datapath.h"
#include "map.h"
#include "pernet.h"
#include "port.h"
#include "qos.h"
#include "route.h"
#include "stats.h"
#include "vnet.h"

/*
 * The port of VNET that the inner IPv4 or IPv6 destination names, or that
 * the VPC's user route for it names (the sender routed the frame to an
 * appliance VM here: the same route); NULL if none.  -EINVAL if the inner
 * header is cut short.
 */
static struct vpc_port *vpc_gre_rx_port(struct vpc_pernet *pn,
					const struct vpc_net *vnet,
					struct sk_buff *skb)
{
	const struct in6_addr *daddr6;
	struct vpc_port *port;
	__be32 daddr;

	if (skb->mac_len != ETH_HLEN)
		return NULL;
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return ERR_PTR(-EINVAL);
		daddr = ip_hdr(skb)->daddr;
		port = vpc_port_lookup(pn, vnet->id, daddr);
		return port ?: vpc_route_port(pn, vnet, daddr);
	case htons(ETH_P_IPV6):
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return ERR_PTR(-EINVAL);
		daddr6 = &ipv6_hdr(skb)->daddr;
		port = vpc_port_lookup6(pn, vnet->id, daddr6);
		return port ?: vpc_route_port6(pn, vnet, daddr6);
	default:
		return NULL;
	}
}

void vpc_gre_rx_inner(struct vpc_pernet *pn, u32 vpc, __be32 src,
		      struct sk_buff *skb)
{
	struct vpc_port *port;
	struct vpc_net *vnet;
	unsigned int reason;

	vnet = vpc_net_find(pn, vpc);
	if (!vnet)
		goto unknown_key;
	/* Either plane of a host: its mappings hold both (map.c). */
	if (!vpc_host_lookup(pn, vpc, src)) {
		reason = VPC_STATS_A_GRE_DROP_UNKNOWN_SOURCE;
		goto drop;
	}
	reason = VPC_STATS_A_GRE_DROP_NO_PORT;
	port = vpc_gre_rx_port(pn, vnet, skb);
	if (IS_ERR(port)) {
		reason = VPC_STATS_A_GRE_DROP_MALFORMED;
		goto drop;
	}
	if (!port || !vpc_port_has_mac(port, eth_hdr(skb)->h_dest))
		goto drop;

	vpc_stats_pkt(pn->stats, VPC_STATS_A_GRE_RX_PACKETS,
		      skb->len + ETH_HLEN);
	vpc_stats_pkt(vnet->stats, VPC_STATS_A_GRE_RX_PACKETS,
		      skb->len + ETH_HLEN);
	skb_push(skb, ETH_HLEN);
	vpc_deliver_ingress(pn, port, skb);
	return;

drop:
	vpc_stats_inc(vnet->stats, reason);
	vpc_drop(pn->stats, reason, skb);
	return;
unknown_key:
	vpc_drop(pn->stats, VPC_STATS_A_GRE_DROP_UNKNOWN_KEY, skb);
}

static void vpc_gre_rx_one(struct vpc_pernet *pn, struct sk_buff *skb)
{
	const struct ip_tunnel_info *info = skb_tunnel_info(skb);

	if (!info || ip_tunnel_info_af(info) != AF_INET ||
	    !(info->key.tun_flags & TUNNEL_KEY)) {
		vpc_drop(pn->stats, VPC_STATS_A_GRE_DROP_UNKNOWN_KEY, skb);
		return;
	}
	vpc_gre_rx_inner(pn, be32_to_cpu(tunnel_id_to_key32(info->key.tun_id)),
			 info->key.u.ipv4.src, skb);
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
