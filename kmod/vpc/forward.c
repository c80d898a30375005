// SPDX-License-Identifier: GPL-2.0
/* Forwarding: to a local port, or to another host through the GRE device. */
#include <linux/etherdevice.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>

#include "datapath.h"
#include "map.h"
#include "path.h"
#include "port.h"
#include "stats.h"
#include "vnet.h"

/* The outer TTL of our GRE packets. */
#define VPC_GRE_TTL	64

void vpc_drop(struct vpc_stats __percpu *stats, unsigned int reason,
	      struct sk_buff *skb)
{
	vpc_stats_inc(stats, reason);
	kfree_skb(skb);
}

void vpc_deliver(struct vpc_port *port, struct sk_buff *skb)
{
	/* Tunnel metadata, conntrack and the like stay on this side. */
	skb_scrub_packet(skb, false);
	skb_forward_csum(skb);
	skb->dev = port->dev;
	vpc_stats_pkt(port->stats, VPC_STATS_A_TX_PACKETS, skb->len);
	dev_queue_xmit(skb);
}

void vpc_forward(struct vpc_pernet *pn, struct vpc_port *from,
		 struct vpc_port *to, const struct vpc_map *map,
		 struct sk_buff *skb)
{
	const u8 *dest = eth_hdr(skb)->h_dest;

	if (to && ether_addr_equal(dest, to->mac))
		vpc_deliver(to, skb);
	else if (!to && map && ether_addr_equal(dest, map->mac))
		vpc_encap(pn, from, map, skb);
	else
		vpc_drop(from->stats, VPC_STATS_A_DROP_NO_DEST, skb);
}

/*
 * The collect_md gretap device builds the outer header from the tunnel
 * metadata we attach, and handles GSO, checksum offload and routing.
 */
void vpc_encap(struct vpc_pernet *pn, struct vpc_port *from,
	       const struct vpc_map *map, struct sk_buff *skb)
{
	struct ip_tunnel_info *info;
	struct metadata_dst *md;
	struct net_device *gre;
	__be32 local;
	int plane;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "encap needs RCU");
	gre = rcu_dereference(pn->gre_dev);
	/* Plane 0, or plane 1 when the path on plane 0 is down (path.c). */
	plane = vpc_path_plane(pn, map);
	if (unlikely(!gre || plane < 0)) {
		vpc_drop(from->stats, plane == -ENETUNREACH ?
			 VPC_STATS_A_DROP_NO_PATH : VPC_STATS_A_DROP_NO_UNDERLAY,
			 skb);
		return;
	}
	local = READ_ONCE(pn->underlay[plane]);
	if (!vpc_pmtu_fits(pn, from, skb, local, map->host[plane]))
		return;
	md = metadata_dst_alloc(0, METADATA_IP_TUNNEL, GFP_ATOMIC);
	if (unlikely(!md)) {
		kfree_skb(skb);
		return;
	}
	info = &md->u.tun_info;
	info->mode = IP_TUNNEL_INFO_TX;
	ip_tunnel_key_init(&info->key, local, map->host[plane], 0,
			   VPC_GRE_TTL, 0, 0, 0,
			   key32_to_tunnel_id(htonl(map->key.vpc)), TUNNEL_KEY);

	skb_scrub_packet(skb, false);
	skb_dst_set(skb, &md->dst);
	skb->dev = gre;
	vpc_stats_inc(from->stats, VPC_STATS_A_ENCAP_PACKETS);
	dev_queue_xmit(skb);
}
