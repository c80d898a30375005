// SPDX-License-Identifier: GPL-2.0
/*
 * Frames the module builds for a VM (neighbour advertisements, ICMP
 * frag-needed, packet-too-big and time exceeded): an Ethernet frame to the
 * port's MAC.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "port.h"
#include "ratelimit.h"

/* An ICMP error quotes the offending packet up to these sizes (RFC 1812, 4443). */
#define VPC_ICMP4_MAX		576
#define VPC_ICMP6_MAX		IPV6_MIN_MTU
/* The TTL and hop limit of the module's own packets, as of a host's. */
#define VPC_ICMP_TTL		64

struct sk_buff *vpc_reply_alloc(const struct vpc_port *port,
				const u8 *src_mac, __be16 proto,
				unsigned int len)
{
	struct net_device *dev = port->dev;
	struct sk_buff *skb;
	struct ethhdr *eth;

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + len + dev->needed_tailroom,
			GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_reset_network_header(skb);
	skb_put_zero(skb, len);
	eth = skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	ether_addr_copy(eth->h_dest, port->mac);
	ether_addr_copy(eth->h_source, src_mac);
	eth->h_proto = proto;
	skb->protocol = proto;
	skb->dev = dev;
	return skb;
}

struct sk_buff *vpc_reply_icmp6(const struct vpc_port *port,
				const u8 *src_mac, const struct in6_addr *saddr,
				const struct in6_addr *daddr, u8 hop_limit,
				unsigned int len)
{
	return vpc_reply_ip6(port, src_mac, saddr, daddr, IPPROTO_ICMPV6,
			     hop_limit, len);
}

struct sk_buff *vpc_reply_ip6(const struct vpc_port *port,
			      const u8 *src_mac, const struct in6_addr *saddr,
			      const struct in6_addr *daddr, u8 nexthdr,
			      u8 hop_limit, unsigned int len)
{
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;

	skb = vpc_reply_alloc(port, src_mac, htons(ETH_P_IPV6),
			      sizeof(*ip6h) + len);
	if (!skb)
		return NULL;
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = nexthdr;
	ip6h->hop_limit = hop_limit;
	ip6h->saddr = *saddr;
	ip6h->daddr = *daddr;
	return skb;
}

void vpc_reply_icmp6_send(struct vpc_port *port, struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int len = ntohs(ip6h->payload_len);
	struct icmp6hdr *icmp6h = (struct icmp6hdr *)(ip6h + 1);

	icmp6h->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
					      IPPROTO_ICMPV6,
					      csum_partial(icmp6h, len, 0));
	vpc_deliver(port, skb);
}

/*
 * RFC 1812 4.3.2.7: no ICMP error about a non-first fragment or about an
 * ICMP error, so that two parties never answer each other's errors.
 */
static bool vpc_icmp_may_answer(const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 _type;
	const u8 *type;

	if (iph->frag_off & htons(IP_OFFSET))
		return false;
	if (iph->protocol != IPPROTO_ICMP)
		return true;
	type = skb_header_pointer(skb, skb_network_offset(skb) + iph->ihl * 4,
				  sizeof(_type), &_type);
	return type && !icmp_is_err(*type);
}

/* RFC 4443 2.4 (e): the same for ICMPv6, past any extension headers. */
static bool vpc_icmp6_may_answer(const struct sk_buff *skb)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	u8 _type;
	const u8 *type;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
			       sizeof(struct ipv6hdr), &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_ICMPV6)
		return true;
	type = skb_header_pointer(skb, off, sizeof(_type), &_type);
	return type && !icmpv6_is_err(*type);
}

void vpc_icmp_error(struct vpc_port *port, const struct sk_buff *skb,
		    const u8 *src_mac, __be32 saddr, u8 type, u8 code,
		    __be32 info)
{
	unsigned int quote, len;
	struct icmphdr *icmph;
	struct sk_buff *reply;
	struct iphdr *iph;

	if (!vpc_icmp_may_answer(skb) || !vpc_ratelimit(port, VPC_RL_ICMP))
		return;
	quote = min_t(unsigned int, skb->len - skb_network_offset(skb),
		      VPC_ICMP4_MAX - sizeof(*iph) - sizeof(*icmph));
	len = sizeof(*iph) + sizeof(*icmph) + quote;
	reply = vpc_reply_alloc(port, src_mac, htons(ETH_P_IP), len);
	if (!reply)
		return;
	iph = ip_hdr(reply);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = IPTOS_PREC_INTERNETCONTROL;
	iph->tot_len = htons(len);
	iph->ttl = VPC_ICMP_TTL;
	iph->protocol = IPPROTO_ICMP;
	iph->saddr = saddr;
	iph->daddr = ip_hdr(skb)->saddr;
	ip_send_check(iph);
	icmph = (struct icmphdr *)(iph + 1);
	icmph->type = type;
	icmph->code = code;
	icmph->un.gateway = info;
	if (skb_copy_bits(skb, skb_network_offset(skb), icmph + 1, quote)) {
		kfree_skb(reply);
		return;
	}
	icmph->checksum = csum_fold(csum_partial(icmph, sizeof(*icmph) + quote,
						 0));
	vpc_deliver(port, reply);
}

void vpc_icmp6_error(struct vpc_port *port, const struct sk_buff *skb,
		     const u8 *src_mac, const struct in6_addr *saddr, u8 type,
		     u8 code, __be32 info)
{
	unsigned int quote, len;
	struct icmp6hdr *icmp6h;
	struct sk_buff *reply;

	if (!vpc_icmp6_may_answer(skb) || !vpc_ratelimit(port, VPC_RL_ICMP))
		return;
	quote = min_t(unsigned int, skb->len - skb_network_offset(skb),
		      VPC_ICMP6_MAX - sizeof(struct ipv6hdr) - sizeof(*icmp6h));
	len = sizeof(*icmp6h) + quote;
	reply = vpc_reply_icmp6(port, src_mac, saddr, &ipv6_hdr(skb)->saddr,
				VPC_ICMP_TTL, len);
	if (!reply)
		return;
	icmp6h = (struct icmp6hdr *)(ipv6_hdr(reply) + 1);
	icmp6h->icmp6_type = type;
	icmp6h->icmp6_code = code;
	icmp6h->icmp6_dataun.un_data32[0] = info;
	if (skb_copy_bits(skb, skb_network_offset(skb), icmp6h + 1, quote)) {
		kfree_skb(reply);
		return;
	}
	vpc_reply_icmp6_send(port, reply);
}
