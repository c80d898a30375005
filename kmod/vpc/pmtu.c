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
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "datapath.h"
#include "port.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

/*
 * Any IPv4 underlay carries 576-byte packets: smaller frames fit without a
 * route lookup.
 */
#define VPC_PMTU_FLOOR		576

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

/*
 * Frag-needed or packet-too-big to FROM's VM about SKB.  A routed frame
 * (its source MAC is the gateway's by now) is answered by the router: from
 * the gateway MAC and the gateway IP of the sender's subnet.  Any other
 * frame, and a routed one from outside every subnet, gets the address the
 * VM tried to reach as source (Documentation/vpc.md says why).
 */
static void vpc_pmtu_answer(struct vpc_port *from, const struct sk_buff *skb,
			    unsigned int mtu)
{
	const struct vpc_net *vnet = from->vnet;
	const struct vpc_prefix *subnet = NULL;
	const u8 *mac = eth_hdr(skb)->h_dest;
	bool routed;

	routed = ether_addr_equal(eth_hdr(skb)->h_source, vnet->gw_mac);
	if (routed)
		mac = vnet->gw_mac;
	if (skb->protocol == htons(ETH_P_IP)) {
		if (routed)
			subnet = vpc_subnet_lookup(vnet, ip_hdr(skb)->saddr);
		vpc_icmp_error(from, skb, mac,
			       subnet ? subnet->addr : ip_hdr(skb)->daddr,
			       ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
		return;
	}
	if (routed)
		subnet = vpc_subnet_lookup6(vnet, &ipv6_hdr(skb)->saddr);
	vpc_icmp6_error(from, skb, mac,
			subnet ? &subnet->addr6 : &ipv6_hdr(skb)->daddr,
			ICMPV6_PKT_TOOBIG, 0, htonl(mtu));
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
		break;
	case htons(ETH_P_IPV6):
		if (mtu < IPV6_MIN_MTU)
			return true;
		break;
	default:
		return true;
	}
	vpc_pmtu_answer(from, skb, mtu);
	vpc_stats_inc(from->stats, VPC_STATS_A_TOO_BIG);
	consume_skb(skb);
	return false;
}
