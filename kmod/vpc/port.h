/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_PORT_H
#define _VPC_PORT_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <net/netlink.h>

#include "miss.h"
#include "pernet.h"
#include "ratelimit.h"

struct vpc_allows;
struct vpc_net;
struct vpc_port;

/*
 * An allowed source of a port; host addresses (/32, /128) are also
 * reachable.  IPv6 ones have key6 instead of key and ip6 set.
 */
struct vpc_port_addr {
	struct rhash_head node;		/* in pn->addrs(6) if a host address */
	union {
		struct vpc_key key;
		struct vpc_key6 key6;
	};
	u8 plen;
	bool ip6;
	struct vpc_port *port;
};

/* One VM NIC: a host netdev bound to one VPC. */
struct vpc_port {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct vpc_net *vnet;		/* outlives the port */
	u8 mac[ETH_ALEN];
	unsigned int n_addrs;
	struct vpc_port_addr addrs[VPC_PORT_ADDRS_MAX];
	struct vpc_allows __rcu *allows; /* address pairs, VIPs (vip.c) */
	struct vpc_stats __percpu *stats;
	struct vpc_bucket buckets[VPC_RL_CLASSES]; /* ratelimit.c */
	struct vpc_miss_table misses;	/* miss.c */
	u32 qos_class;			/* its HTB class id (qos.c) */
	bool qos_egress, qos_ingress;	/* classified; pn->lock, RCU readers */
	struct rcu_head rcu;
};

/* The class of a frame from PORT's VM: its own, or 0 (HTB's default). */
static inline u32 vpc_qos_egress_prio(const struct vpc_port *port)
{
	return READ_ONCE(port->qos_egress) ? port->qos_class : 0;
}

int vpc_port_cache_init(void);
void vpc_port_cache_exit(void);
int vpc_port_table_init(struct vpc_pernet *pn);
void vpc_port_table_exit(struct vpc_pernet *pn);

/*
 * Packet path, under RCU.  The local port with host address IP, else the
 * local owner of the VIP IP (vip.c), else NULL; the _mac forms also give
 * the MAC to answer ARP or ND with (the port's, or the VIP's).
 */
struct vpc_port *vpc_port_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip);
struct vpc_port *vpc_port_lookup6(struct vpc_pernet *pn, u32 vpc,
				  const struct in6_addr *ip);
struct vpc_port *vpc_port_lookup_mac(struct vpc_pernet *pn, u32 vpc,
				     __be32 ip, u8 *mac);
struct vpc_port *vpc_port_lookup6_mac(struct vpc_pernet *pn, u32 vpc,
				      const struct in6_addr *ip, u8 *mac);
/* IP is one of the port's addresses or prefixes (not its pairs). */
bool vpc_port_src_allowed(const struct vpc_port *port, __be32 ip);
bool vpc_port_src_allowed6(const struct vpc_port *port,
			   const struct in6_addr *ip);
/*
 * The VM may send from IP with source MAC: the port's MAC and one of its
 * addresses or pairs, or a pair's own MAC and that pair's IP.
 */
bool vpc_port_src_ok(const struct vpc_port *port, const u8 *mac, __be32 ip);
bool vpc_port_src_ok6(const struct vpc_port *port, const u8 *mac,
		      const struct in6_addr *ip);
/* MAC is the port's, or the MAC of one of its pairs. */
bool vpc_port_has_mac(const struct vpc_port *port, const u8 *mac);

/* Changes, under RTNL and pn->lock. */
struct vpc_port *vpc_port_find(struct vpc_pernet *pn, int ifindex);
struct vpc_port *vpc_port_add(struct vpc_pernet *pn, struct vpc_net *vnet,
			      struct net_device *dev, const u8 *mac,
			      const struct vpc_port_addr *addrs,
			      unsigned int n_addrs,
			      struct netlink_ext_ack *extack);
void vpc_port_del(struct vpc_pernet *pn, struct vpc_port *port);
/* Delete the ports of VNET, or all ports when VNET is NULL. */
void vpc_port_flush(struct vpc_pernet *pn, struct vpc_net *vnet);

#endif /* _VPC_PORT_H */
