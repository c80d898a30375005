// SPDX-License-Identifier: GPL-2.0
/* Prefix tables of a VPC (subnets, user routes): longest prefix first. */
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

const struct vpc_prefix *vpc_ptable_find(const struct vpc_ptable *t,
					 __be32 ip, u8 plen)
{
	unsigned int i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->e[i].ip == ip && t->e[i].plen == plen)
			return &t->e[i];
	return NULL;
}

/* Two prefixes overlap when the shorter one contains the other. */
const struct vpc_prefix *vpc_ptable_overlap(const struct vpc_ptable *t,
					    __be32 ip, u8 plen)
{
	unsigned int i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (!((t->e[i].ip ^ ip) &
		      inet_make_mask(min(t->e[i].plen, plen))))
			return &t->e[i];
	return NULL;
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
	if (vpc_ptable_find(old, p->ip, p->plen))
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
		   __be32 ip, u8 plen)
{
	const struct vpc_prefix *victim;
	const struct vpc_ptable *old;
	struct vpc_ptable *new = NULL;
	unsigned int i, j;

	lockdep_assert_held(lock);
	old = rcu_dereference_protected(*slot, lockdep_is_held(lock));
	victim = vpc_ptable_find(old, ip, plen);
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
