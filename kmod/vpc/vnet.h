/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_VNET_H
#define _VPC_VNET_H

#include <linux/if_ether.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/vpc.h>
#include <linux/xarray.h>
#include <net/netlink.h>

struct vpc_pernet;
struct vpc_ptable;

/* One virtual private cloud; its id is the GRE key on the wire. */
struct vpc_net {
	u32 id;
	char name[VPC_NAME_MAXLEN];
	u8 gw_mac[ETH_ALEN];	/* the distributed router's, from the id */
	struct xarray maps;	/* IPv4 (host order) -> struct vpc_map */
	struct xarray maps6;	/* allocated index -> IPv6 struct vpc_map */
	struct vpc_ptable __rcu *subnets; /* subnet.c */
	struct vpc_ptable __rcu *routes;  /* route.c */
	struct list_head dns;		/* subnets' struct vpc_dns (dns.c), RCU */
	struct vpc_stats __percpu *stats; /* its GRE receive counters */
	u64 retired[__VPC_STATS_A_MAX];	/* its deleted ports'; pn->lock */
	struct rcu_head rcu;
};

int vpc_net_cache_init(void);
void vpc_net_cache_exit(void);

struct vpc_net *vpc_net_find(struct vpc_pernet *pn, u32 id);
struct vpc_net *vpc_net_add(struct vpc_pernet *pn, u32 id, const char *name,
			    struct netlink_ext_ack *extack);
/* Detach its ports and unpublish it: RTNL and pn->lock. */
void vpc_net_unlink(struct vpc_pernet *pn, struct vpc_net *vnet);
/* Then free it with its mappings, subnets and routes: pn->lock only. */
void vpc_net_destroy(struct vpc_pernet *pn, struct vpc_net *vnet);
/* Every VPC, after every port is gone: pn->lock only. */
void vpc_net_flush(struct vpc_pernet *pn);
/* Its counters into SUM[__VPC_STATS_A_MAX]: its ports', live and gone. */
void vpc_net_stats(struct vpc_pernet *pn, const struct vpc_net *vnet,
		   u64 *sum);

#endif /* _VPC_VNET_H */
