// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed address pairs and the VIPs they make: a port may be allowed
 * further addresses (with a MAC of their own, VRRP's virtual MAC), several
 * ports the same one.  Such an address is owned by the latest of a claim
 * from a local port allowed it (a gratuitous ARP or an unsolicited
 * neighbour advertisement, as keepalived sends on becoming master) and a
 * mapping of it to a remote host; until then nobody owns it.  The claim
 * goes nowhere but to the responder (which answers with the new owner's
 * MAC at once) and to the notify group, so that the control plane can move
 * the mapping on the other hosts.
 */
#include <linux/etherdevice.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "netlink.h"
#include "port.h"
#include "stats.h"
#include "vip.h"
#include "vnet.h"

static struct kmem_cache *vpc_vip_cache __read_mostly;
static struct kmem_cache *vpc_allows_cache __read_mostly;

static const struct rhashtable_params vpc_vip_params = {
	.key_len = sizeof(struct vpc_key6),
	.key_offset = offsetof(struct vpc_vip, key),
	.head_offset = offsetof(struct vpc_vip, node),
	.automatic_shrinking = true,
};

int vpc_vip_cache_init(void)
{
	vpc_vip_cache = KMEM_CACHE(vpc_vip, 0);
	if (!vpc_vip_cache)
		return -ENOMEM;
	vpc_allows_cache = KMEM_CACHE(vpc_allows, 0);
	if (!vpc_allows_cache) {
		kmem_cache_destroy(vpc_vip_cache);
		return -ENOMEM;
	}
	return 0;
}

void vpc_vip_cache_exit(void)
{
	/* Objects freed by call_rcu must be gone before their cache is. */
	rcu_barrier();
	kmem_cache_destroy(vpc_allows_cache);
	kmem_cache_destroy(vpc_vip_cache);
}

int vpc_vip_table_init(struct vpc_pernet *pn)
{
	return rhashtable_init(&pn->vips, &vpc_vip_params);
}

void vpc_vip_table_exit(struct vpc_pernet *pn)
{
	WARN_ON(atomic_read(&pn->vips.nelems));
	rhashtable_destroy(&pn->vips);
}

static struct vpc_vip *vpc_vip_lookup(struct vpc_pernet *pn, u32 vpc,
				      const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = vpc, .ip = *ip };

	return rhashtable_lookup(&pn->vips, &key, vpc_vip_params);
}

struct vpc_port *vpc_vip_owner(struct vpc_pernet *pn, u32 vpc,
			       const struct in6_addr *ip, u8 *mac)
{
	struct vpc_port *owner;
	struct vpc_vip *vip;
	unsigned int seq;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "VIP lookup needs RCU");
	if (!atomic_read(&pn->vips.nelems))
		return NULL;
	vip = vpc_vip_lookup(pn, vpc, ip);
	if (!vip)
		return NULL;
	do {
		seq = read_seqbegin(&vip->lock);
		owner = rcu_dereference(vip->owner);
		if (mac)
			ether_addr_copy(mac, vip->mac);
	} while (read_seqretry(&vip->lock, seq));
	return owner;
}

const struct vpc_allow *vpc_allow_find(const struct vpc_port *port,
				       const struct in6_addr *ip)
{
	const struct vpc_allows *t = rcu_dereference(port->allows);
	unsigned int i;

	for (i = 0; t && i < t->n; i++)
		if (ipv6_addr_equal(&t->e[i].ip, ip))
			return &t->e[i];
	return NULL;
}

bool vpc_allow_has_mac(const struct vpc_port *port, const u8 *mac)
{
	const struct vpc_allows *t = rcu_dereference(port->allows);
	unsigned int i;

	for (i = 0; t && i < t->n; i++)
		if (t->e[i].has_mac && ether_addr_equal(t->e[i].mac, mac))
			return true;
	return false;
}

bool vpc_allow_src_ok(const struct vpc_port *port, const struct in6_addr *ip,
		      const u8 *mac)
{
	const struct vpc_allow *a = vpc_allow_find(port, ip);

	return a && (ether_addr_equal(mac, port->mac) ||
		     (a->has_mac && ether_addr_equal(mac, a->mac)));
}

void vpc_vip_claim(struct vpc_pernet *pn, struct vpc_port *port,
		   const struct in6_addr *ip, const u8 *mac)
{
	struct vpc_vip *vip;
	bool changed;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "VIP claim needs RCU");
	vip = vpc_vip_lookup(pn, port->vnet->id, ip);
	if (!vip)
		return;
	write_seqlock(&vip->lock);
	changed = rcu_access_pointer(vip->owner) != port ||
		  !ether_addr_equal(vip->mac, mac);
	rcu_assign_pointer(vip->owner, port);
	ether_addr_copy(vip->mac, mac);
	write_sequnlock(&vip->lock);
	vpc_stats_inc(port->stats, VPC_STATS_A_CLAIMS);
	if (changed)
		vpc_nl_claim_notify(pn, port, ip, mac);
}

/* Clear the owner of VIP if it is PORT (any port if NULL). */
static void vpc_vip_clear(struct vpc_vip *vip, struct vpc_port *port)
{
	/* Claims run in softirq; writers in process context block them. */
	write_seqlock_bh(&vip->lock);
	if (!port || rcu_access_pointer(vip->owner) == port)
		RCU_INIT_POINTER(vip->owner, NULL);
	write_sequnlock_bh(&vip->lock);
}

static void vpc_vip_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vpc_vip_cache, container_of(head, struct vpc_vip, rcu));
}

static int vpc_vip_get(struct vpc_pernet *pn, u32 vpc,
		       const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = vpc, .ip = *ip };
	struct vpc_vip *vip;
	int ret;

	lockdep_assert_held(&pn->lock);
	vip = rhashtable_lookup_fast(&pn->vips, &key, vpc_vip_params);
	if (vip) {
		vip->refs++;
		return 0;
	}
	vip = kmem_cache_zalloc(vpc_vip_cache, GFP_KERNEL);
	if (!vip)
		return -ENOMEM;
	vip->key = key;
	vip->refs = 1;
	seqlock_init(&vip->lock);
	ret = rhashtable_insert_fast(&pn->vips, &vip->node, vpc_vip_params);
	if (ret)
		kmem_cache_free(vpc_vip_cache, vip);
	return ret;
}

/* PORT lets go of IP: it no longer owns it, and the last port frees it. */
static void vpc_vip_put(struct vpc_pernet *pn, struct vpc_port *port,
			const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = port->vnet->id, .ip = *ip };
	struct vpc_vip *vip;

	lockdep_assert_held(&pn->lock);
	vip = rhashtable_lookup_fast(&pn->vips, &key, vpc_vip_params);
	if (!vip)
		return;
	vpc_vip_clear(vip, port);
	if (--vip->refs)
		return;
	rhashtable_remove_fast(&pn->vips, &vip->node, vpc_vip_params);
	/* The packet path may still be looking at it. */
	call_rcu(&vip->rcu, vpc_vip_free_rcu);
}

void vpc_vip_unclaim(struct vpc_pernet *pn, u32 vpc,
		     const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = vpc, .ip = *ip };
	struct vpc_vip *vip;

	lockdep_assert_held(&pn->lock);
	vip = rhashtable_lookup_fast(&pn->vips, &key, vpc_vip_params);
	if (vip)
		vpc_vip_clear(vip, NULL);
}

static struct vpc_allows *vpc_allows_copy(struct vpc_pernet *pn,
					  struct vpc_port *port)
{
	const struct vpc_allows *old;
	struct vpc_allows *t;

	old = rcu_dereference_protected(port->allows,
					lockdep_is_held(&pn->lock));
	t = kmem_cache_zalloc(vpc_allows_cache, GFP_KERNEL);
	if (t && old) {
		memcpy(t->e, old->e, sizeof(t->e[0]) * old->n);
		t->n = old->n;
	}
	return t;
}

static void vpc_allows_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vpc_allows_cache,
			container_of(head, struct vpc_allows, rcu));
}

static void vpc_allows_swap(struct vpc_pernet *pn, struct vpc_port *port,
			    struct vpc_allows *t)
{
	struct vpc_allows *old;

	old = rcu_replace_pointer(port->allows, t, lockdep_is_held(&pn->lock));
	/* Readers on the packet path may still hold the old table. */
	if (old)
		call_rcu(&old->rcu, vpc_allows_free_rcu);
	vpc_pernet_changed(pn);
}

int vpc_port_allow(struct vpc_pernet *pn, struct vpc_port *port,
		   const struct vpc_allow *a, struct netlink_ext_ack *extack)
{
	struct vpc_allows *t;
	unsigned int i;
	int ret;

	lockdep_assert_held(&pn->lock);
	t = vpc_allows_copy(pn, port);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		if (ipv6_addr_equal(&t->e[i].ip, &a->ip))
			break;
	if (i == t->n) {
		if (t->n == VPC_PORT_ALLOWS_MAX) {
			NL_SET_ERR_MSG_MOD(extack, "too many address pairs for one port");
			ret = -ENOSPC;
			goto err;
		}
		ret = vpc_vip_get(pn, port->vnet->id, &a->ip);
		if (ret)
			goto err;
		t->n++;
	}
	/* An existing pair gets the new MAC (or none). */
	t->e[i] = *a;
	vpc_allows_swap(pn, port, t);
	return 0;

err:
	kmem_cache_free(vpc_allows_cache, t);
	return ret;
}

int vpc_port_disallow(struct vpc_pernet *pn, struct vpc_port *port,
		      const struct in6_addr *ip,
		      struct netlink_ext_ack *extack)
{
	struct vpc_allows *t;
	unsigned int i;

	lockdep_assert_held(&pn->lock);
	t = vpc_allows_copy(pn, port);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		if (ipv6_addr_equal(&t->e[i].ip, ip))
			break;
	if (i == t->n) {
		kmem_cache_free(vpc_allows_cache, t);
		NL_SET_ERR_MSG_MOD(extack, "the port has no such address pair");
		return -ENOENT;
	}
	t->e[i] = t->e[--t->n];
	vpc_allows_swap(pn, port, t);
	/* A claim that still saw the pair must not make the port owner again. */
	synchronize_net();
	vpc_vip_put(pn, port, ip);
	return 0;
}

void vpc_port_allows_flush(struct vpc_pernet *pn, struct vpc_port *port)
{
	struct vpc_allows *t;
	unsigned int i;

	lockdep_assert_held(&pn->lock);
	t = rcu_replace_pointer(port->allows, NULL, lockdep_is_held(&pn->lock));
	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		vpc_vip_put(pn, port, &t->e[i].ip);
	call_rcu(&t->rcu, vpc_allows_free_rcu);
}
