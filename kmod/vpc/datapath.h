/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_DATAPATH_H
#define _VPC_DATAPATH_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct vpc_map;
struct vpc_pernet;
struct vpc_port;
struct vpc_stats;

/* rx_handler of a port: every frame the VM sends (port_rx.c). */
rx_handler_result_t vpc_port_rx(struct sk_buff **pskb);
/* rx_handler of the GRE device: every frame from the underlay (gre_rx.c). */
rx_handler_result_t vpc_gre_rx(struct sk_buff **pskb);

/* ARP from a port, answered locally or dropped (arp.c). */
void vpc_arp_rx(struct vpc_pernet *pn, struct vpc_port *port,
		struct sk_buff *skb);

/*
 * A frame (skb->data at its IPv4 header) from a port to its VPC's gateway
 * MAC: routed, or dropped and counted (router.c).
 */
void vpc_router_rx(struct vpc_pernet *pn, struct vpc_port *port,
		   struct sk_buff *skb);

/*
 * forward.c: hand a frame (skb->data at its Ethernet header) to a local
 * port's VM, or to another host in GRE with key = VPC id.  Both consume it.
 */
void vpc_deliver(struct vpc_port *port, struct sk_buff *skb);
void vpc_encap(struct vpc_pernet *pn, struct vpc_port *from,
	       const struct vpc_map *map, struct sk_buff *skb);

/* Drop a frame and count why, in the stats of its port or netns. */
void vpc_drop(struct vpc_stats __percpu *stats, unsigned int reason,
	      struct sk_buff *skb);

#endif /* _VPC_DATAPATH_H */
