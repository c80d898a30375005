/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_VNET_H
#define _VPC_VNET_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/vpc.h>
#include <linux/xarray.h>
#include <net/netlink.h>

struct vpc_pernet;

/* One virtual private cloud; its id is the GRE key on the wire. */
struct vpc_net {
	u32 id;
	char name[VPC_NAME_MAXLEN];
	struct xarray maps;	/* IPv4 (host order) -> struct vpc_map */
	struct xarray maps6;	/* allocated index -> IPv6 struct vpc_map */
	struct rcu_head rcu;
};

int vpc_net_cache_init(void);
void vpc_net_cache_exit(void);

struct vpc_net *vpc_net_find(struct vpc_pernet *pn, u32 id);
struct vpc_net *vpc_net_add(struct vpc_pernet *pn, u32 id, const char *name,
			    struct netlink_ext_ack *extack);
void vpc_net_del(struct vpc_pernet *pn, struct vpc_net *vnet);
void vpc_net_flush(struct vpc_pernet *pn);

#endif /* _VPC_VNET_H */
