// SPDX-License-Identifier: GPL-2.0
/* Forwarding: to a local port, or to another host through the GRE device. */
#include <linux/etherdevice.h>
#include <net/dst_metadata.h>
#include <net/gre.h>
#include <net/ip_tunnels.h>

#include "datapath.h"
#include "map.h"
#include "path.h"
#include "port.h"
#include "qos.h"
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

	if (to && vpc_port_has_mac(to, dest))
		vpc_deliver_local(pn, from, to, skb);
	else if (!to && map && ether_addr_equal(dest, map->mac))
		vpc_encap(pn, from, map, skb);
	else
		vpc_drop(from->stats, VPC_STATS_A_DROP_NO_DEST, skb);
}

/* Tunnel metadata for GRE with key VPC from LOCAL to REMOTE. */
static struct metadata_dst *vpc_tun_dst_alloc(u32 vpc, __be32 local,
					      __be32 remote)
{
	struct ip_tunnel_info *info;
	struct metadata_dst *md;

	md = metadata_dst_alloc(0, METADATA_IP_TUNNEL, GFP_ATOMIC);
	if (!md)
		return NULL;
	info = &md->u.tun_info;
	info->mode = IP_TUNNEL_INFO_TX;
	ip_tunnel_key_init(&info->key, local, remote, 0, VPC_GRE_TTL, 0, 0, 0,
			   key32_to_tunnel_id(htonl(vpc)), TUNNEL_KEY);
	/* Without it the GRE device routes every frame. */
	if (dst_cache_init(&info->dst_cache, GFP_ATOMIC)) {
		dst_release(&md->dst);
		return NULL;
	}
	return md;
}

/*
 * A reference to the tunnel metadata of VPC's frames from LOCAL to REMOTE:
 * the one kept in the remote host's vpc_host, as Open vSwitch keeps one
 * per flow, since allocating it and routing per frame cost more than all
 * the rest of the datapath.  It is rebuilt when the local underlay IP has
 * changed.  A mapping replaced under our feet may have taken its host
 * along; that frame gets metadata of its own.  NULL when out of memory.
 */
static struct metadata_dst *vpc_tun_dst_get(struct vpc_pernet *pn, u32 vpc,
					    __be32 local, __be32 remote)
{
	struct metadata_dst *md, *cur;
	struct vpc_host *host;

	host = vpc_host_lookup(pn, vpc, remote);
	if (unlikely(!host))
		return vpc_tun_dst_alloc(vpc, local, remote);
	cur = rcu_dereference(host->tun_dst);
	if (likely(cur && cur->u.tun_info.key.u.ipv4.src == local &&
		   dst_hold_safe(&cur->dst)))
		return cur;

	md = vpc_tun_dst_alloc(vpc, local, remote);
	if (!md)
		return NULL;
	/* One reference for the host, one for this frame. */
	dst_hold(&md->dst);
	if (unrcu_pointer(cmpxchg(&host->tun_dst, RCU_INITIALIZER(cur),
				  RCU_INITIALIZER(md))) != cur) {
		/* Another CPU got there first: this frame keeps its own. */
		dst_release(&md->dst);
		return md;
	}
	if (cur)
		dst_release(&cur->dst);
	return md;
}

/*
 * Send SKB (skb->data at its Ethernet header) in GRE as the tunnel INFO
 * says: what the collect_md gretap device's transmit does (gre_fb_xmit(),
 * ip_md_tunnel_xmit()), called here rather than through that device, with
 * the PMTU already checked.  The kernel's own helpers set up GSO and
 * checksum offload of the inner frame as through the device, and the
 * device's counters count the frame.
 */
static void vpc_gre_xmit(struct vpc_pernet *pn, struct net_device *gre,
			 struct ip_tunnel_info *info, struct sk_buff *skb)
{
	const struct ip_tunnel_key *key = &info->key;
	const int hlen = gre_calc_hlen(TUNNEL_KEY);
	struct rtable *rt;
	__be32 saddr;
	u8 tos;

	skb->dev = gre;
	rt = dst_cache_get_ip4(&info->dst_cache, &saddr);
	if (!rt) {
		struct flowi4 fl4 = {
			.daddr = key->u.ipv4.dst,
			.saddr = key->u.ipv4.src,
			.flowi4_proto = IPPROTO_GRE,
			.fl4_gre_key = tunnel_id_to_key32(key->tun_id),
		};

		rt = ip_route_output_key(pn->net, &fl4);
		if (IS_ERR(rt)) {
			gre->stats.tx_carrier_errors++;
			goto err;
		}
		dst_cache_set_ip4(&info->dst_cache, &rt->dst, fl4.saddr);
		saddr = fl4.saddr;
	}
	if (unlikely(rt->dst.dev == gre)) {
		ip_rt_put(rt);
		gre->stats.collisions++;
		goto err;
	}
	skb_reset_mac_header(skb);
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			 rt->dst.header_len + sizeof(struct iphdr) + hlen) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_GRE)) {
		ip_rt_put(rt);
		goto err;
	}
	gre_build_header(skb, hlen, TUNNEL_KEY, htons(ETH_P_TEB),
			 tunnel_id_to_key32(key->tun_id), 0);
	tos = ip_tunnel_ecn_encap(0, (const struct iphdr *)
				  skb_inner_network_header(skb), skb);
	/* No DF outside: a DF-less inner packet may be fragmented (pmtu.c). */
	iptunnel_xmit(NULL, rt, skb, saddr, key->u.ipv4.dst, IPPROTO_GRE, tos,
		      VPC_GRE_TTL, 0, false);
	return;

err:
	gre->stats.tx_errors++;
	kfree_skb(skb);
}

/* Encapsulate a frame from FROM's VM for MAP's host. */
void vpc_encap(struct vpc_pernet *pn, struct vpc_port *from,
	       const struct vpc_map *map, struct sk_buff *skb)
{
	struct metadata_dst *md;
	struct net_device *gre;
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
	md = vpc_tun_dst_get(pn, map->key.vpc, READ_ONCE(pn->underlay[plane]),
			     map->host[plane]);
	if (unlikely(!md)) {
		kfree_skb(skb);
		return;
	}
	/*
	 * The underlay device's HTB tree shapes it in the port's class:
	 * whatever priority the VM's stack set goes.
	 */
	skb->priority = vpc_qos_egress_prio(from);
	if (vpc_pmtu_fits(pn, from, skb, &md->u.tun_info)) {
		vpc_stats_inc(from->stats, VPC_STATS_A_ENCAP_PACKETS);
		vpc_gre_xmit(pn, gre, &md->u.tun_info, skb);
	}
	dst_release(&md->dst);
}
