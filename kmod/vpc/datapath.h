/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_DATAPATH_H
#define _VPC_DATAPATH_H

#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct ip_tunnel_info;
struct vpc_map;
struct vpc_net;
struct vpc_pernet;
struct vpc_port;
struct vpc_stats;

/* rx_handler of a port: every frame the VM sends (port_rx.c). */
rx_handler_result_t vpc_port_rx(struct sk_buff **pskb);
/* rx_handler of the GRE device: every frame from the underlay (gre_rx.c). */
rx_handler_result_t vpc_gre_rx(struct sk_buff **pskb);
/*
 * A decapsulated frame (skb->data after its Ethernet header, mac_len set)
 * of VPC from the host at underlay IP SRC: delivered or dropped and counted.
 */
void vpc_gre_rx_inner(struct vpc_pernet *pn, u32 vpc, __be32 src,
		      struct sk_buff *skb);
/* GRE taken off an underlay device before IP (ul_rx.c). */
rx_handler_result_t vpc_ul_rx(struct sk_buff **pskb);

/* The drop reason of a frame whose source the port may not use (port_rx.c). */
unsigned int vpc_port_spoof_reason(const struct vpc_port *port,
				   const struct ethhdr *eth);

/* ARP from a port, answered locally or dropped (arp.c). */
void vpc_arp_rx(struct vpc_pernet *pn, struct vpc_port *port,
		struct sk_buff *skb);

/* Outer IPv4 header, GRE header with a key, the inner Ethernet header. */
#define VPC_ENCAP_OVERHEAD	(sizeof(struct iphdr) + 8 + ETH_HLEN)

/*
 * DHCPv4 (dhcp.c), DHCPv6 (dhcp6.c) and router advertisements (ra.c)
 * answered for a port's VM.  The _is_request checks look at a frame from
 * a port (skb->data at its IP header); the _rx handlers consume it.
 */
bool vpc_dhcp_is_request(struct sk_buff *skb);
void vpc_dhcp_rx(struct vpc_pernet *pn, struct vpc_port *port,
		 struct sk_buff *skb);
bool vpc_dhcp6_is_request(struct sk_buff *skb);
void vpc_dhcp6_rx(struct vpc_pernet *pn, struct vpc_port *port,
		  struct sk_buff *skb);
void vpc_ra_rx(struct vpc_pernet *pn, struct vpc_port *port,
	       struct sk_buff *skb);
/* A VM's MTU: the underlay device's, less the encapsulation (RCU). */
unsigned int vpc_dhcp_mtu(struct vpc_pernet *pn);
/* The lease time of DHCP and DHCPv6, a module parameter. */
unsigned int vpc_dhcp_lease(void);
/* The gateway's link-local address, fe80:: and the EUI-64 of its MAC. */
void vpc_gw_ll6(const struct vpc_net *vnet, struct in6_addr *ll);

/* IPv6 from a port (port_rx6.c); its neighbour discovery (nd.c). */
void vpc_port_rx_ip6(struct vpc_pernet *pn, struct vpc_port *port,
		     struct sk_buff *skb);
void vpc_nd_rx(struct vpc_pernet *pn, struct vpc_port *port,
	       struct sk_buff *skb);

/*
 * A frame to PORT's VM from SRC_MAC with a zeroed LEN-byte PROTO packet
 * at its network header, for the caller to fill and vpc_deliver() (reply.c).
 */
struct sk_buff *vpc_reply_alloc(const struct vpc_port *port,
				const u8 *src_mac, __be16 proto,
				unsigned int len);

/*
 * An IPv6 packet of LEN bytes of NEXTHDR to PORT's VM, from SRC_MAC and
 * SADDR to DADDR with HOP_LIMIT, zeroed after the IPv6 header for the
 * caller to fill (reply.c).
 */
struct sk_buff *vpc_reply_ip6(const struct vpc_port *port,
			      const u8 *src_mac, const struct in6_addr *saddr,
			      const struct in6_addr *daddr, u8 nexthdr,
			      u8 hop_limit, unsigned int len);
/*
 * The same with ICMPv6; vpc_reply_icmp6_send() sums it and hands it to
 * the VM.
 */
struct sk_buff *vpc_reply_icmp6(const struct vpc_port *port,
				const u8 *src_mac, const struct in6_addr *saddr,
				const struct in6_addr *daddr, u8 hop_limit,
				unsigned int len);
void vpc_reply_icmp6_send(struct vpc_port *port, struct sk_buff *skb);

/*
 * ICMP errors to PORT's VM about SKB, a frame it sent (the network header
 * set), from SRC_MAC and SADDR, with TYPE, CODE and the 32-bit word INFO
 * after the checksum (an MTU, or 0), quoting as much of the offending packet
 * as fits in 576 bytes (IPv4) or 1280 (IPv6); none about an ICMP error or
 * a non-first fragment (reply.c).  SKB is left to the caller.
 */
void vpc_icmp_error(struct vpc_port *port, const struct sk_buff *skb,
		    const u8 *src_mac, __be32 saddr, u8 type, u8 code,
		    __be32 info);
void vpc_icmp6_error(struct vpc_port *port, const struct sk_buff *skb,
		     const u8 *src_mac, const struct in6_addr *saddr, u8 type,
		     u8 code, __be32 info);

/*
 * Whether a frame fits the underlay path once encapsulated; if not, the VM
 * gets ICMP frag-needed or packet-too-big and the frame is consumed (pmtu.c).
 */
bool vpc_pmtu_fits(struct vpc_pernet *pn, struct vpc_port *from,
		   struct sk_buff *skb, struct ip_tunnel_info *info);

/*
 * A frame (skb->data at its IPv4 or IPv6 header) from a port to its VPC's
 * gateway MAC: routed, or dropped and counted (router.c).
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
/*
 * A frame from FROM's VM for the local port TO, else for the remote VM MAP:
 * delivered or encapsulated if its destination MAC is that VM's (the one
 * ARP or ND answered with), else dropped and counted.
 */
void vpc_forward(struct vpc_pernet *pn, struct vpc_port *from,
		 struct vpc_port *to, const struct vpc_map *map,
		 struct sk_buff *skb);

/* Drop a frame and count why, in the stats of its port or netns. */
void vpc_drop(struct vpc_stats __percpu *stats, unsigned int reason,
	      struct sk_buff *skb);

#endif /* _VPC_DATAPATH_H */
