/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_PREFIX_H
#define _VPC_PREFIX_H

#include <linux/in6.h>
#include <linux/inetdevice.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/ipv6.h>
#include <net/netlink.h>

/*
 * A small table of IPv4 and IPv6 prefixes, each with one address of its
 * family (a subnet's gateway, a route's next hop), kept longest prefix
 * first so that the first match of a family is the longest.  Readers take
 * it under RCU; a change copies the table and swaps the pointer
 * (Documentation/vpc.md says why this and not a trie).
 */
struct vpc_prefix {
	union {
		__be32 ip;
		struct in6_addr ip6;
	};
	union {
		__be32 addr;
		struct in6_addr addr6;
	};
	u8 plen;
	bool v6;		/* ip6, addr6 instead of ip, addr */
};

struct vpc_ptable {
	struct rcu_head rcu;
	unsigned int n;
	struct vpc_prefix e[];
};

static inline bool vpc_prefix_contains(const struct vpc_prefix *p, __be32 ip)
{
	return !p->v6 && !((p->ip ^ ip) & inet_make_mask(p->plen));
}

static inline bool vpc_prefix_contains6(const struct vpc_prefix *p,
					const struct in6_addr *ip)
{
	return p->v6 && ipv6_prefix_equal(&p->ip6, ip, p->plen);
}

/* Whether P's address (gateway, next hop) is inside its own prefix. */
static inline bool vpc_prefix_holds_addr(const struct vpc_prefix *p)
{
	return p->v6 ? vpc_prefix_contains6(p, &p->addr6) :
		       vpc_prefix_contains(p, p->addr);
}

/* Whether A and B have the same address (gateway, next hop). */
static inline bool vpc_prefix_addr_equal(const struct vpc_prefix *a,
					 const struct vpc_prefix *b)
{
	if (a->v6 != b->v6)
		return false;
	return a->v6 ? ipv6_addr_equal(&a->addr6, &b->addr6) :
		       a->addr == b->addr;
}

/* Packet path, under RCU: the longest prefix containing IP, or NULL. */
const struct vpc_prefix *vpc_ptable_lookup(const struct vpc_ptable *t,
					   __be32 ip);
const struct vpc_prefix *vpc_ptable_lookup6(const struct vpc_ptable *t,
					    const struct in6_addr *ip);
/*
 * The longest entry containing the address (AT_ADDR) or the network
 * address of P, of P's family, or NULL; RCU or the writer's lock.
 */
const struct vpc_prefix *vpc_ptable_lookup_of(const struct vpc_ptable *t,
					      const struct vpc_prefix *p,
					      bool at_addr);
/* The entry with exactly P's prefix, or NULL; RCU or the writer's lock. */
const struct vpc_prefix *vpc_ptable_find(const struct vpc_ptable *t,
					 const struct vpc_prefix *p);
/* An entry of P's family that overlaps P's prefix, or NULL. */
const struct vpc_prefix *vpc_ptable_overlap(const struct vpc_ptable *t,
					    const struct vpc_prefix *p);

/*
 * Changes, under the lock that protects *SLOT: add P (-EEXIST if that
 * prefix is there, -ENOSPC beyond MAX entries of both families), or remove
 * P's prefix (-ENOENT if it is not there).  Both replace the table and
 * free the old one after a grace period.
 */
int vpc_ptable_add(struct vpc_ptable __rcu **slot, struct mutex *lock,
		   const struct vpc_prefix *p, unsigned int max);
int vpc_ptable_del(struct vpc_ptable __rcu **slot, struct mutex *lock,
		   const struct vpc_prefix *p);
/* Free the table, at teardown. */
void vpc_ptable_free(struct vpc_ptable __rcu **slot, struct mutex *lock);

#endif /* _VPC_PREFIX_H */
