/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_MAP_H
#define _VPC_MAP_H

#include <linux/if_ether.h>
#include <linux/rhashtable-types.h>
#include <net/dst_metadata.h>
#include <net/netlink.h>

#include "pernet.h"

struct vpc_net;

/*
 * A remote VM: (VPC, IP) -> its MAC and the underlay IPs of its host.  An
 * IPv6 mapping has key6 instead of key (key.vpc is valid in both) and lives
 * in pn->maps6.
 */
struct vpc_map {
	struct rhash_head node;
	union {
		struct vpc_key key;
		struct vpc_key6 key6;
	};
	u8 mac[ETH_ALEN];
	bool ip6;
	__be32 host[VPC_PLANES];	/* plane 0 first; 0 = none */
	u32 index;			/* IPv6: its slot in vnet->maps6 */
	struct rcu_head rcu;
};

/*
 * A remote host some mapping of a VPC points at, counted per VPC: GRE from
 * an outer source that is not one of these is dropped.  tun_dst is the
 * tunnel metadata of this VPC's frames to it, built by the first frame
 * (forward.c) and held until the host goes.
 */
struct vpc_host {
	struct rhash_head node;
	struct vpc_key key;
	unsigned int refs;		/* mappings that name it; under pn->lock */
	struct metadata_dst __rcu *tun_dst;
	struct rcu_head rcu;
};

int vpc_map_cache_init(void);
void vpc_map_cache_exit(void);
int vpc_map_tables_init(struct vpc_pernet *pn);
void vpc_map_tables_exit(struct vpc_pernet *pn);

/* Packet path, under RCU. */
struct vpc_map *vpc_map_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip);
struct vpc_map *vpc_map_lookup6(struct vpc_pernet *pn, u32 vpc,
				const struct in6_addr *ip);
struct vpc_host *vpc_host_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip);

/* Changes, under pn->lock. */
struct vpc_map *vpc_map_find(struct vpc_pernet *pn, struct vpc_net *vnet,
			     __be32 ip);
struct vpc_map *vpc_map_set(struct vpc_pernet *pn, struct vpc_net *vnet,
			    __be32 ip, const u8 *mac, const __be32 *host,
			    bool replace, struct netlink_ext_ack *extack);
struct vpc_map *vpc_map_find6(struct vpc_pernet *pn, struct vpc_net *vnet,
			      const struct in6_addr *ip);
struct vpc_map *vpc_map_set6(struct vpc_pernet *pn, struct vpc_net *vnet,
			     const struct in6_addr *ip, const u8 *mac,
			     const __be32 *host, bool replace,
			     struct netlink_ext_ack *extack);
void vpc_map_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		 struct vpc_map *map);
void vpc_map_flush(struct vpc_pernet *pn, struct vpc_net *vnet);

#endif /* _VPC_MAP_H */
