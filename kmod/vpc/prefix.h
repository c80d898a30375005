/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_PREFIX_H
#define _VPC_PREFIX_H

#include <linux/inetdevice.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/netlink.h>

/*
 * A small table of IPv4 prefixes, each with one address (a subnet's
 * gateway, a route's next hop), kept longest prefix first so that the first
 * match is the longest.  Readers take it under RCU; a change copies the
 * table and swaps the pointer (Documentation/vpc.md says why this and not a
 * trie).
 */
struct vpc_prefix {
	__be32 ip;
	u8 plen;
	__be32 addr;
};

struct vpc_ptable {
	struct rcu_head rcu;
	unsigned int n;
	struct vpc_prefix e[];
};

static inline bool vpc_prefix_contains(const struct vpc_prefix *p, __be32 ip)
{
	return !((p->ip ^ ip) & inet_make_mask(p->plen));
}

/* Packet path, under RCU: the longest prefix containing IP, or NULL. */
const struct vpc_prefix *vpc_ptable_lookup(const struct vpc_ptable *t,
					   __be32 ip);
/* The entry with exactly this prefix, or NULL; RCU or the writer's lock. */
const struct vpc_prefix *vpc_ptable_find(const struct vpc_ptable *t,
					 __be32 ip, u8 plen);
/* An entry that overlaps the prefix IP/PLEN, or NULL. */
const struct vpc_prefix *vpc_ptable_overlap(const struct vpc_ptable *t,
					    __be32 ip, u8 plen);

/*
 * Changes, under the lock that protects *SLOT: add P (-EEXIST if that
 * prefix is there, -ENOSPC beyond MAX entries), or remove the prefix
 * (-ENOENT if it is not there).  Both replace the table and free the old
 * one after a grace period.
 */
int vpc_ptable_add(struct vpc_ptable __rcu **slot, struct mutex *lock,
		   const struct vpc_prefix *p, unsigned int max);
int vpc_ptable_del(struct vpc_ptable __rcu **slot, struct mutex *lock,
		   __be32 ip, u8 plen);
/* Free the table, at teardown. */
void vpc_ptable_free(struct vpc_ptable __rcu **slot, struct mutex *lock);

#endif /* _VPC_PREFIX_H */
