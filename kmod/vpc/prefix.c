// SPDX-License-Identifier: GPL-2.0
/*
 * Prefix tables of a VPC (subnets, user routes): longest prefix first, IPv4
 * and IPv6 in one table, every lookup matching entries of its own family.
 */
#include <linux/slab.h>

#include "prefix.h"

const struct vpc_prefix *vpc_ptable_lookup(const struct vpc_ptable *t,
					   __be32 ip)
{
	unsigned int i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (vpc_prefix_contains(&t->e[i], ip))
			return &t->e[i];
	return NULL;
}

const struct vpc_prefix *vpc_ptable_lookup6(const struct vpc_ptable *t,
					    const struct in6_addr *ip)
{
	unsigned int i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (vpc_prefix_contains6(&t->e[i], ip))
			return &t->e[i];
	return NULL;
}

const struct vpc_prefix *vpc_ptable_lookup_of(const struct vpc_ptable *t,
					      const struct vpc_prefix *p,
					      bool at_addr)
{
	if (p->v6)
		return vpc_ptable_lookup6(t, at_addr ? &p->addr6 : &p->ip6);
	return vpc_ptable_lookup(t, at_addr ? p->addr : p->ip);
}

/* Whether the shorter of A and B (of one family) contains the other. */
static bool vpc_prefix_overlaps(const struct vpc_prefix *a,
				const struct vpc_prefix *b)
{
	u8 plen = min(a->plen, b->plen);

	if (a->v6 != b->v6)
		return false;
	if (a->v6)
		return ipv6_prefix_equal(&a->ip6, &b->ip6, plen);
	return !((a->ip ^ b->ip) & inet_make_mask(plen));
}

/* The first entry that overlaps P, with SAME also of P's length. */
static const struct vpc_prefix *vpc_ptable_match(const struct vpc_ptable *t,
						 const struct vpc_prefix *p,
						 bool same)
{
	unsigned int i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n; i++)
		if ((!same || t->e[i].plen == p->plen) &&
		    vpc_prefix_overlaps(&t->e[i], p))
			return &t->e[i];
	return NULL;
}

const struct vpc_prefix *vpc_ptable_find(const struct vpc_ptable *t,
					 const struct vpc_prefix *p)
{
	return vpc_ptable_match(t, p, true);
}

const struct vpc_prefix *vpc_ptable_overlap(const struct vpc_ptable *t,
					    const struct vpc_prefix *p)
{
	return vpc_ptable_match(t, p, false);
}

static struct vpc_ptable *vpc_ptable_alloc(unsigned int n)
{
	struct vpc_ptable *t;

	t = kzalloc(struct_size(t, e, n), GFP_KERNEL);
	if (t)
		t->n = n;
	return t;
}

static void vpc_ptable_swap(struct vpc_ptable __rcu **slot,
			    struct mutex *lock, struct vpc_ptable *new)
{
	struct vpc_ptable *old = rcu_dereference_protected(*slot,
							   lockdep_is_held(lock));

	rcu_assign_pointer(*slot, new);
	/* The packet path may still be reading the old table. */
	if (old)
		kfree_rcu(old, rcu);
}

int vpc_ptable_add(struct vpc_ptable __rcu **slot, struct mutex *lock,
		   const struct vpc_prefix *p, unsigned int max)
{
	const struct vpc_ptable *old;
	struct vpc_ptable *new;
	unsigned int i, j, n;

	lockdep_assert_held(lock);
	old = rcu_dereference_protected(*slot, lockdep_is_held(lock));
	n = old ? old->n : 0;
	if (vpc_ptable_find(old, p))
		return -EEXIST;
	if (n >= max)
		return -ENOSPC;
	new = vpc_ptable_alloc(n + 1);
	if (!new)
		return -ENOMEM;
	/* Longest first; P goes after the entries at least as long as it. */
	for (i = 0, j = 0; i < n; i++) {
		if (j == i && old->e[i].plen < p->plen)
			new->e[j++] = *p;
		new->e[j++] = old->e[i];
	}
	if (j == n)
		new->e[j] = *p;
	vpc_ptable_swap(slot, lock, new);
	return 0;
}

int vpc_ptable_del(struct vpc_ptable __rcu **slot, struct mutex *lock,
		   const struct vpc_prefix *p)
{
	const struct vpc_prefix *victim;
	const struct vpc_ptable *old;
	struct vpc_ptable *new = NULL;
	unsigned int i, j;

	lockdep_assert_held(lock);
	old = rcu_dereference_protected(*slot, lockdep_is_held(lock));
	victim = vpc_ptable_find(old, p);
	if (!victim)
		return -ENOENT;
	if (old->n > 1) {
		new = vpc_ptable_alloc(old->n - 1);
		if (!new)
			return -ENOMEM;
		for (i = 0, j = 0; i < old->n; i++)
			if (&old->e[i] != victim)
				new->e[j++] = old->e[i];
	}
	vpc_ptable_swap(slot, lock, new);
	return 0;
}

void vpc_ptable_free(struct vpc_ptable __rcu **slot, struct mutex *lock)
{
	lockdep_assert_held(lock);
	vpc_ptable_swap(slot, lock, NULL);
}
