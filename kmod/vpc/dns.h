/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_DNS_H
#define _VPC_DNS_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/vpc.h>
#include <net/netlink.h>

#include "prefix.h"

struct vpc_net;
struct vpc_pernet;

/*
 * What DHCP, DHCPv6 and router advertisements tell a subnet's VMs besides
 * their addresses: DNS servers (IPv4 and IPv6 ones together) and a search
 * domain.  One per subnet that has any, in its VPC's RCU list; replaced
 * whole on a change.
 */
struct vpc_dns {
	struct list_head node;		/* in vnet->dns, RCU */
	struct vpc_prefix subnet;	/* the subnet's prefix (no address) */
	unsigned int n;
	struct in6_addr server[VPC_DNS_MAX];	/* IPv4 as ::ffff:a.b.c.d */
	char domain[VPC_DOMAIN_MAXLEN];	/* "" for none */
	struct rcu_head rcu;
};

int vpc_dns_cache_init(void);
void vpc_dns_cache_exit(void);

/* Packet path, under RCU: the settings of SUBNET (a subnet of VNET). */
const struct vpc_dns *vpc_dns_find(const struct vpc_net *vnet,
				   const struct vpc_prefix *subnet);

/*
 * Changes, under pn->lock: set SUBNET's to DNS (none if it names no
 * server and no domain), or drop them with the subnet or the VPC.
 */
int vpc_dns_set(struct vpc_pernet *pn, struct vpc_net *vnet,
		const struct vpc_dns *dns);
void vpc_dns_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		 const struct vpc_prefix *subnet);
void vpc_dns_flush(struct vpc_pernet *pn, struct vpc_net *vnet);

#endif /* _VPC_DNS_H */
