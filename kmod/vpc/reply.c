// SPDX-License-Identifier: GPL-2.0
/*
 * Frames the module builds for a VM (neighbour advertisements, ICMP
 * frag-needed and packet-too-big): an Ethernet frame to the port's MAC.
 */
#include <linux/etherdevice.h>

#include "datapath.h"
#include "port.h"

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
