/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_PATH_H
#define _VPC_PATH_H

#include <linux/types.h>
#include <net/netlink.h>

#include "pernet.h"

struct vpc_map;

/*
 * The underlay path to a remote host (named by its plane-0 IP) on each
 * plane is up unless marked down (vpc underlay path); only hosts with a
 * plane marked down have an entry.
 */
struct vpc_path {
	__be32 host;
	unsigned long down;	/* BIT(plane) set: marked down */
	struct rcu_head rcu;
};

/*
 * Packet path, under RCU: the plane to send to MAP's host on, the first
 * that has a local and a remote IP and is not marked down.  -ENETUNREACH:
 * such planes exist but all are marked down; -EADDRNOTAVAIL: none exists.
 */
int vpc_path_plane(struct vpc_pernet *pn, const struct vpc_map *map);

/* Changes, under pn->lock. */
int vpc_path_set(struct vpc_pernet *pn, __be32 host, unsigned int plane,
		 bool down);
void vpc_path_flush(struct vpc_pernet *pn);

#endif /* _VPC_PATH_H */
