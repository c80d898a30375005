// SPDX-License-Identifier: GPL-2.0
/*
 * The DNS servers and search domain of a subnet (vpc subnet set), as DHCP
 * (dhcp.c), DHCPv6 (dhcp6.c) and router advertisements (ra.c) hand them to
 * the subnet's VMs.  A VPC has at most one entry per subnet; the list is
 * short (VPC_SUBNETS_MAX) and read only when a VM asks.
 */
#include <linux/rculist.h>
#include <linux/slab.h>

#include "dns.h"
#include "pernet.h"
#include "vnet.h"

static struct kmem_cache *vpc_dns_cache __read_mostly;

int vpc_dns_cache_init(void)
{
	vpc_dns_cache = KMEM_CACHE(vpc_dns, 0);
	return vpc_dns_cache ? 0 : -ENOMEM;
}

void vpc_dns_cache_exit(void)
{
	/* Objects freed by call_rcu must be gone before their cache is. */
	rcu_barrier();
	kmem_cache_destroy(vpc_dns_cache);
}

static bool vpc_dns_same_subnet(const struct vpc_prefix *a,
				const struct vpc_prefix *b)
{
	if (a->v6 != b->v6 || a->plen != b->plen)
		return false;
	return a->v6 ? ipv6_addr_equal(&a->ip6, &b->ip6) : a->ip == b->ip;
}

const struct vpc_dns *vpc_dns_find(const struct vpc_net *vnet,
				   const struct vpc_prefix *subnet)
{
	const struct vpc_dns *dns;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "DNS lookup needs RCU");
	list_for_each_entry_rcu(dns, &vnet->dns, node)
		if (vpc_dns_same_subnet(&dns->subnet, subnet))
			return dns;
	return NULL;
}

static struct vpc_dns *vpc_dns_find_locked(struct vpc_pernet *pn,
					   struct vpc_net *vnet,
					   const struct vpc_prefix *subnet)
{
	struct vpc_dns *dns;

	lockdep_assert_held(&pn->lock);
	list_for_each_entry(dns, &vnet->dns, node)
		if (vpc_dns_same_subnet(&dns->subnet, subnet))
			return dns;
	return NULL;
}

static void vpc_dns_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vpc_dns_cache, container_of(head, struct vpc_dns, rcu));
}

int vpc_dns_set(struct vpc_pernet *pn, struct vpc_net *vnet,
		const struct vpc_dns *dns)
{
	struct vpc_dns *old, *new = NULL;

	lockdep_assert_held(&pn->lock);
	if (dns->n || dns->domain[0]) {
		new = kmem_cache_alloc(vpc_dns_cache, GFP_KERNEL);
		if (!new)
			return -ENOMEM;
		*new = *dns;
	}
	old = vpc_dns_find_locked(pn, vnet, &dns->subnet);
	if (old && new)
		list_replace_rcu(&old->node, &new->node);
	else if (old)
		list_del_rcu(&old->node);
	else if (new)
		list_add_tail_rcu(&new->node, &vnet->dns);
	/* A VM being answered may still read the old one. */
	if (old)
		call_rcu(&old->rcu, vpc_dns_free_rcu);
	vpc_pernet_changed(pn);
	return 0;
}

void vpc_dns_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		 const struct vpc_prefix *subnet)
{
	struct vpc_dns *old = vpc_dns_find_locked(pn, vnet, subnet);

	if (!old)
		return;
	list_del_rcu(&old->node);
	call_rcu(&old->rcu, vpc_dns_free_rcu);
}

void vpc_dns_flush(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	struct vpc_dns *dns, *tmp;

	lockdep_assert_held(&pn->lock);
	list_for_each_entry_safe(dns, tmp, &vnet->dns, node) {
		list_del_rcu(&dns->node);
		call_rcu(&dns->rcu, vpc_dns_free_rcu);
	}
}
