// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU inside a VPC: a frame from a VM that would not fit the underlay
 * once encapsulated is answered by the module with ICMP fragmentation-needed
 * (IPv4 with DF) or ICMPv6 packet-too-big, so the VM's own PMTU discovery
 * lowers its packet size.  Documentation/vpc.md ("MTU") says why each
 * choice was made.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/dst_cache.h>
#include <net/ip6_checksum.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "datapath.h"
#include "port.h"
#include "stats.h"

/* Outer IPv4 header, GRE header with a key, the inner Ethernet header. */
#define VPC_ENCAP_OVERHEAD	(sizeof(struct iphdr) + 8 + ETH_HLEN)
/*
 * Any IPv4 underlay carries 576-byte packets: smaller frames fit without a
 * route lookup.
 */
#define VPC_PMTU_FLOOR		576
/* An ICMP error quotes the offending packet up to these sizes (RFC 1812, 4443). */
#define VPC_ICMP4_MAX		576
#define VPC_ICMP6_MAX		IPV6_MIN_MTU

/*
 * The MTU of the route of the tunnel INFO: the underlay device's MTU, or
 * the route's own mtu metric when the operator set one for a narrower path.
 * The GRE device keeps that route in INFO's cache.  0 if there is no route
 * (the tunnel will count the frame as an error).
 */
static unsigned int vpc_pmtu_underlay(struct net *net,
				      struct ip_tunnel_info *info)
{
	struct flowi4 fl4 = {
		.daddr = info->key.u.ipv4.dst,
		.saddr = info->key.u.ipv4.src,
		.flowi4_proto = IPPROTO_GRE,
	};
	struct rtable *rt;
	unsigned int mtu;
	__be32 saddr;

	rt = dst_cache_get_ip4(&info->dst_cache, &saddr);
	if (!rt)
		rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return 0;
	mtu = dst_mtu(&rt->dst);
	ip_rt_put(rt);
	return mtu;
}

/* Frag-needed to the VM, from the address it tried to reach. */
static void vpc_pmtu_icmp4(struct vpc_port *port, const struct sk_buff *skb,
			   unsigned int mtu)
{
	const struct iphdr *orig = ip_hdr(skb);
	unsigned int quote, len;
	struct icmphdr *icmph;
	struct sk_buff *reply;
	struct iphdr *iph;

	quote = min_t(unsigned int, skb->len - skb_network_offset(skb),
		      VPC_ICMP4_MAX - sizeof(*iph) - sizeof(*icmph));
	len = sizeof(*iph) + sizeof(*icmph) + quote;
	reply = vpc_reply_alloc(port, eth_hdr(skb)->h_dest, htons(ETH_P_IP),
				len);
	if (!reply)
		return;
	iph = ip_hdr(reply);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = IPTOS_PREC_INTERNETCONTROL;
	iph->tot_len = htons(len);
	iph->ttl = 64;
	iph->protocol = IPPROTO_ICMP;
	iph->saddr = orig->daddr;
	iph->daddr = orig->saddr;
	ip_send_check(iph);
	icmph = (struct icmphdr *)(iph + 1);
	icmph->type = ICMP_DEST_UNREACH;
	icmph->code = ICMP_FRAG_NEEDED;
	icmph->un.frag.mtu = htons(mtu);
	if (skb_copy_bits(skb, skb_network_offset(skb), icmph + 1, quote)) {
		kfree_skb(reply);
		return;
	}
	icmph->checksum = csum_fold(csum_partial(icmph, sizeof(*icmph) + quote,
						 0));
	vpc_deliver(port, reply);
}

/* Packet-too-big to the VM, from the address it tried to reach. */
static void vpc_pmtu_icmp6(struct vpc_port *port, const struct sk_buff *skb,
			   unsigned int mtu)
{
	const struct ipv6hdr *orig = ipv6_hdr(skb);
	unsigned int quote, len;
	struct icmp6hdr *icmp6h;
	struct ipv6hdr *ip6h;
	struct sk_buff *reply;

	quote = min_t(unsigned int, skb->len - skb_network_offset(skb),
		      VPC_ICMP6_MAX - sizeof(*ip6h) - sizeof(*icmp6h));
	len = sizeof(*icmp6h) + quote;
	reply = vpc_reply_alloc(port, eth_hdr(skb)->h_dest, htons(ETH_P_IPV6),
				sizeof(*ip6h) + len);
	if (!reply)
		return;
	ip6h = ipv6_hdr(reply);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = 64;
	ip6h->saddr = orig->daddr;
	ip6h->daddr = orig->saddr;
	icmp6h = (struct icmp6hdr *)(ip6h + 1);
	icmp6h->icmp6_type = ICMPV6_PKT_TOOBIG;
	icmp6h->icmp6_mtu = htonl(mtu);
	if (skb_copy_bits(skb, skb_network_offset(skb), icmp6h + 1, quote)) {
		kfree_skb(reply);
		return;
	}
	icmp6h->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
					      IPPROTO_ICMPV6,
					      csum_partial(icmp6h, len, 0));
	vpc_deliver(port, reply);
}

/*
 * Does SKB, a frame from FROM's VM (skb->data at its Ethernet header, the
 * network header set), fit the tunnel INFO once in GRE?  If
 * not, answer the VM and consume SKB.  GSO frames are checked by the size
 * of their segments.  IPv4 without DF, and IPv6 when the path cannot carry
 * IPv6's minimum MTU, are let through: the outer IPv4 packet is fragmented
 * and the remote host reassembles it before decapsulating.
 */
bool vpc_pmtu_fits(struct vpc_pernet *pn, struct vpc_port *from,
		   struct sk_buff *skb, struct ip_tunnel_info *info)
{
	unsigned int len = skb->len - skb_network_offset(skb);
	unsigned int mtu;

	if (likely(len + VPC_ENCAP_OVERHEAD <= VPC_PMTU_FLOOR))
		return true;
	mtu = vpc_pmtu_underlay(pn->net, info);
	if (mtu <= VPC_ENCAP_OVERHEAD)
		return true;
	mtu -= VPC_ENCAP_OVERHEAD;
	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
			      len <= mtu)
		return true;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return true;
		vpc_pmtu_icmp4(from, skb, mtu);
		break;
	case htons(ETH_P_IPV6):
		if (mtu < IPV6_MIN_MTU)
			return true;
		vpc_pmtu_icmp6(from, skb, mtu);
		break;
	default:
		return true;
	}
	vpc_stats_inc(from->stats, VPC_STATS_A_TOO_BIG);
	consume_skb(skb);
	return false;
}
