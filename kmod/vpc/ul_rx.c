// SPDX-License-Identifier: GPL-2.0
/*
 * The receive fast path: GRE for this host taken off the underlay device
 * before IP, as Tungsten's vRouter does, when that device is free to take
 * (underlay.c).  It handles the common case only, an IPv4 packet without
 * options or fragmentation, to one of our underlay IPs, carrying GRE with a
 * key and nothing else around an Ethernet frame, GSO or not; anything else
 * is passed on to IP, ip_gre and the collect_md device (gre_rx.c), which
 * is also the whole path when the fast path is not taken.  It saves the
 * outer packet's trip through IP, the GRE demux, the per-packet tunnel
 * metadata and the device's second receive pass.  Documentation/vpc.md
 * ("The GRE hook") says what it passes by.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/gre.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>

#include "datapath.h"
#include "pernet.h"
#include "stats.h"

/* Outer IPv4 without options, then GRE with a key (flags, protocol, key). */
#define VPC_UL_OUTER	(sizeof(struct iphdr) + 8)

/* Is the packet at skb->data (pulled up to its inner Ethernet) ours? */
static bool vpc_ul_ours(const struct vpc_pernet *pn, const struct sk_buff *skb)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct gre_base_hdr *greh = (const struct gre_base_hdr *)(iph + 1);
	unsigned int len = ntohs(iph->tot_len);

	return iph->version == 4 && iph->ihl == 5 &&
	       iph->protocol == IPPROTO_GRE && !ip_is_fragment(iph) &&
	       len >= VPC_UL_OUTER + ETH_HLEN && len <= skb->len &&
	       (iph->daddr == READ_ONCE(pn->underlay[0]) ||
		iph->daddr == READ_ONCE(pn->underlay[1])) &&
	       greh->flags == GRE_KEY && greh->protocol == htons(ETH_P_TEB) &&
	       !ip_fast_csum(iph, iph->ihl);
}

/*
 * RFC 6040 decapsulation of the outer TOS, as ip_tunnel_rcv() does; false
 * if the frame must be dropped.  A frame too short for its IP header is
 * left to the port lookup, which counts it as malformed.
 */
static bool vpc_ul_ecn(struct sk_buff *skb, u8 outer)
{
	u8 inner;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return true;
		inner = ip_hdr(skb)->tos;
		break;
	case htons(ETH_P_IPV6):
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return true;
		inner = ipv6_get_dsfield(ipv6_hdr(skb));
		break;
	default:
		return true;
	}
	return INET_ECN_decapsulate(skb, outer, inner) <= 1;
}

rx_handler_result_t vpc_ul_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct vpc_pernet *pn;
	unsigned int len;
	__be32 key, src;
	u8 tos;

	if (skb->protocol != htons(ETH_P_IP) || skb->pkt_type != PACKET_HOST)
		return RX_HANDLER_PASS;
	/*
	 * A shared skb (a packet socket holds it too) may not be pulled:
	 * pskb_may_pull() would change what the others see.  The bridge
	 * and ip_rcv() unshare first too; whatever we pass on is the copy.
	 */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	if (!pskb_may_pull(skb, VPC_UL_OUTER + ETH_HLEN))
		return RX_HANDLER_PASS;
	pn = rcu_dereference(skb->dev->rx_handler_data);
	if (!vpc_ul_ours(pn, skb))
		return RX_HANDLER_PASS;

	len = ntohs(ip_hdr(skb)->tot_len);
	src = ip_hdr(skb)->saddr;
	tos = ip_hdr(skb)->tos;
	key = *(__be32 *)(skb->data + VPC_UL_OUTER - 4);
	/* Pulls the headers, and makes a GSO frame one of the inner kind. */
	if (pskb_trim_rcsum(skb, len) ||
	    __iptunnel_pull_header(skb, VPC_UL_OUTER, htons(ETH_P_TEB), false,
				   false))
		goto malformed;
	skb_reset_mac_header(skb);
	skb->protocol = eth_type_trans(skb, skb->dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	skb_reset_network_header(skb);
	skb->mac_len = ETH_HLEN;
	if (!vpc_ul_ecn(skb, tos))
		goto malformed;
	vpc_gre_rx_inner(pn, be32_to_cpu(key), src, skb);
	return RX_HANDLER_CONSUMED;

malformed:
	vpc_drop(pn->stats, VPC_STATS_A_GRE_DROP_MALFORMED, skb);
	return RX_HANDLER_CONSUMED;
}
