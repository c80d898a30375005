/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_VIP_H
#define _VPC_VIP_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/rhashtable-types.h>
#include <linux/seqlock.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "pernet.h"

struct vpc_port;

/*
 * An allowed address pair of a port: the VM may send from IP (IPv4 or
 * IPv6) and, with has_mac, with MAC as its source MAC for that IP (VRRP's
 * virtual MAC), and may claim IP as its own (a VIP).
 */
struct vpc_allow {
	struct in6_addr ip;	/* IPv4 as ::ffff:a.b.c.d */
	bool has_mac;
	u8 mac[ETH_ALEN];
};

/* A port's pairs, replaced as a whole under pn->lock, read under RCU. */
struct vpc_allows {
	struct rcu_head rcu;
	unsigned int n;
	struct vpc_allow e[VPC_PORT_ALLOWS_MAX];
};

/*
 * A VIP of a VPC: an address some local ports are allowed.  Its owner is
 * the local port that claimed it last, or none (not claimed yet, or a
 * mapping to a remote host took it since).  MAC is what the owner claimed
 * it with, the MAC the responder answers with.
 */
struct vpc_vip {
	struct rhash_head node;
	struct vpc_key6 key;		/* IPv4 as ::ffff:a.b.c.d */
	unsigned int refs;		/* ports allowed it; pn->lock */
	seqlock_t lock;			/* owner and mac */
	struct vpc_port __rcu *owner;
	u8 mac[ETH_ALEN];
	struct rcu_head rcu;
};

static inline void vpc_vip_key4(__be32 ip, struct in6_addr *key)
{
	ipv6_addr_set_v4mapped(ip, key);
}

int vpc_vip_cache_init(void);
void vpc_vip_cache_exit(void);
int vpc_vip_table_init(struct vpc_pernet *pn);
void vpc_vip_table_exit(struct vpc_pernet *pn);

/* Packet path, under RCU. */
/* The local owner of the VIP IP in VPC and (if MAC) its MAC, or NULL. */
struct vpc_port *vpc_vip_owner(struct vpc_pernet *pn, u32 vpc,
			       const struct in6_addr *ip, u8 *mac);
/* PORT's pair for IP, or NULL. */
const struct vpc_allow *vpc_allow_find(const struct vpc_port *port,
				       const struct in6_addr *ip);
/* Whether MAC is the MAC of one of PORT's pairs. */
bool vpc_allow_has_mac(const struct vpc_port *port, const u8 *mac);
/* Whether PORT's VM may send from IP with source MAC (a pair's). */
bool vpc_allow_src_ok(const struct vpc_port *port, const struct in6_addr *ip,
		      const u8 *mac);
/*
 * PORT's VM announced IP (one of its pairs) as its own with MAC: it owns
 * the VIP from now on.  Announced on the notify group when the owner or
 * its MAC changed.
 */
void vpc_vip_claim(struct vpc_pernet *pn, struct vpc_port *port,
		   const struct in6_addr *ip, const u8 *mac);

/* Changes, under pn->lock. */
int vpc_port_allow(struct vpc_pernet *pn, struct vpc_port *port,
		   const struct vpc_allow *a, struct netlink_ext_ack *extack);
int vpc_port_disallow(struct vpc_pernet *pn, struct vpc_port *port,
		      const struct in6_addr *ip,
		      struct netlink_ext_ack *extack);
/* A deleted port's pairs, after its rx_handler is gone. */
void vpc_port_allows_flush(struct vpc_pernet *pn, struct vpc_port *port);
/* A mapping of IP to a remote host was added or replaced: no local owner. */
void vpc_vip_unclaim(struct vpc_pernet *pn, u32 vpc,
		     const struct in6_addr *ip);

#endif /* _VPC_VIP_H */
