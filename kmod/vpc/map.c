// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings of remote VMs, and the remote hosts they name.  The packet path
 * finds both in per-netns rhashtables keyed by (VPC, IPv4) or (VPC, IPv6)
 * under RCU; each VPC also indexes its mappings in xarrays (IPv4 by
 * address, IPv6 by an index allocated when the mapping is added), so that
 * dumps resume in order and a VPC's mappings go with it.
 */
#include <linux/etherdevice.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "map.h"
#include "vip.h"
#include "vnet.h"

static struct kmem_cache *vpc_map_cache __read_mostly;
static struct kmem_cache *vpc_host_cache __read_mostly;

static const struct rhashtable_params vpc_map_params = {
	.key_len = sizeof(struct vpc_key),
	.key_offset = offsetof(struct vpc_map, key),
	.head_offset = offsetof(struct vpc_map, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vpc_map6_params = {
	.key_len = sizeof(struct vpc_key6),
	.key_offset = offsetof(struct vpc_map, key6),
	.head_offset = offsetof(struct vpc_map, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vpc_host_params = {
	.key_len = sizeof(struct vpc_key),
	.key_offset = offsetof(struct vpc_host, key),
	.head_offset = offsetof(struct vpc_host, node),
	.automatic_shrinking = true,
};

int vpc_map_cache_init(void)
{
	vpc_map_cache = KMEM_CACHE(vpc_map, 0);
	if (!vpc_map_cache)
		return -ENOMEM;
	vpc_host_cache = KMEM_CACHE(vpc_host, 0);
	if (!vpc_host_cache) {
		kmem_cache_destroy(vpc_map_cache);
		return -ENOMEM;
	}
	return 0;
}

void vpc_map_cache_exit(void)
{
	/* Objects freed by call_rcu must be gone before their cache is. */
	rcu_barrier();
	kmem_cache_destroy(vpc_host_cache);
	kmem_cache_destroy(vpc_map_cache);
}

int vpc_map_tables_init(struct vpc_pernet *pn)
{
	int ret;

	ret = rhashtable_init(&pn->maps, &vpc_map_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&pn->maps6, &vpc_map6_params);
	if (ret)
		goto err_maps;
	ret = rhashtable_init(&pn->hosts, &vpc_host_params);
	if (ret)
		goto err_maps6;
	return 0;

err_maps6:
	rhashtable_destroy(&pn->maps6);
err_maps:
	rhashtable_destroy(&pn->maps);
	return ret;
}

/* Every VPC, and so every mapping and host, is gone by now. */
void vpc_map_tables_exit(struct vpc_pernet *pn)
{
	WARN_ON(atomic_read(&pn->maps.nelems));
	WARN_ON(atomic_read(&pn->maps6.nelems));
	WARN_ON(atomic_read(&pn->hosts.nelems));
	rhashtable_destroy(&pn->hosts);
	rhashtable_destroy(&pn->maps6);
	rhashtable_destroy(&pn->maps);
}

struct vpc_map *vpc_map_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "mapping lookup needs RCU");
	return rhashtable_lookup(&pn->maps, &key, vpc_map_params);
}

struct vpc_map *vpc_map_lookup6(struct vpc_pernet *pn, u32 vpc,
				const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = vpc, .ip = *ip };

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "mapping lookup needs RCU");
	return rhashtable_lookup(&pn->maps6, &key, vpc_map6_params);
}

struct vpc_host *vpc_host_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "host lookup needs RCU");
	return rhashtable_lookup(&pn->hosts, &key, vpc_host_params);
}

static int vpc_host_get(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };
	struct vpc_host *host;
	int ret;

	lockdep_assert_held(&pn->lock);
	host = rhashtable_lookup_fast(&pn->hosts, &key, vpc_host_params);
	if (host) {
		host->refs++;
		return 0;
	}
	host = kmem_cache_zalloc(vpc_host_cache, GFP_KERNEL);
	if (!host)
		return -ENOMEM;
	host->key = key;
	host->refs = 1;
	ret = rhashtable_insert_fast(&pn->hosts, &host->node, vpc_host_params);
	if (ret)
		kmem_cache_free(vpc_host_cache, host);
	return ret;
}

static void vpc_host_free_rcu(struct rcu_head *head)
{
	struct vpc_host *host = container_of(head, struct vpc_host, rcu);
	struct metadata_dst *tun_dst = rcu_dereference_protected(host->tun_dst, 1);

	/* Frames in flight hold their own references. */
	if (tun_dst)
		dst_release(&tun_dst->dst);
	kmem_cache_free(vpc_host_cache, host);
}

static void vpc_host_put(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };
	struct vpc_host *host;

	lockdep_assert_held(&pn->lock);
	host = rhashtable_lookup_fast(&pn->hosts, &key, vpc_host_params);
	if (WARN_ON(!host) || --host->refs)
		return;
	rhashtable_remove_fast(&pn->hosts, &host->node, vpc_host_params);
	/* The GRE receive path may still be looking at it. */
	call_rcu(&host->rcu, vpc_host_free_rcu);
}

static void vpc_map_put_hosts(struct vpc_pernet *pn, const struct vpc_map *map)
{
	int i;

	for (i = 0; i < VPC_PLANES; i++)
		if (map->host[i])
			vpc_host_put(pn, map->key.vpc, map->host[i]);
}

static int vpc_map_get_hosts(struct vpc_pernet *pn, const struct vpc_map *map)
{
	int i, ret;

	for (i = 0; i < VPC_PLANES; i++) {
		if (!map->host[i])
			continue;
		ret = vpc_host_get(pn, map->key.vpc, map->host[i]);
		if (ret)
			goto err;
	}
	return 0;
err:
	while (--i >= 0)
		if (map->host[i])
			vpc_host_put(pn, map->key.vpc, map->host[i]);
	return ret;
}

struct vpc_map *vpc_map_find(struct vpc_pernet *pn, struct vpc_net *vnet,
			     __be32 ip)
{
	lockdep_assert_held(&pn->lock);
	return xa_load(&vnet->maps, ntohl(ip));
}

struct vpc_map *vpc_map_find6(struct vpc_pernet *pn, struct vpc_net *vnet,
			      const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = vnet->id, .ip = *ip };

	lockdep_assert_held(&pn->lock);
	return rhashtable_lookup_fast(&pn->maps6, &key, vpc_map6_params);
}

static void vpc_map_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vpc_map_cache, container_of(head, struct vpc_map, rcu));
}

/* Put MAP in its VPC's xarray, in the slot of OLD if it replaces one. */
static int vpc_map_index(struct vpc_net *vnet, struct vpc_map *map,
			 const struct vpc_map *old)
{
	if (!map->ip6)
		return xa_err(xa_store(&vnet->maps, ntohl(map->key.ip), map,
				       GFP_KERNEL));
	if (!old)
		return xa_alloc(&vnet->maps6, &map->index, map, xa_limit_32b,
				GFP_KERNEL);
	map->index = old->index;
	return xa_err(xa_store(&vnet->maps6, map->index, map, GFP_KERNEL));
}

/* Undo vpc_map_index(): OLD (if any) takes its slot back. */
static void vpc_map_unindex(struct vpc_net *vnet, struct vpc_map *map,
			    struct vpc_map *old)
{
	struct xarray *xa = map->ip6 ? &vnet->maps6 : &vnet->maps;
	unsigned long index = map->ip6 ? map->index : ntohl(map->key.ip);

	if (old)
		xa_store(xa, index, old, GFP_KERNEL);
	else
		xa_erase(xa, index);
}

static int vpc_map_hash(struct vpc_pernet *pn, struct vpc_map *map,
			struct vpc_map *old)
{
	if (map->ip6)
		return old ? rhashtable_replace_fast(&pn->maps6, &old->node,
						     &map->node, vpc_map6_params) :
			     rhashtable_insert_fast(&pn->maps6, &map->node,
						    vpc_map6_params);
	return old ? rhashtable_replace_fast(&pn->maps, &old->node, &map->node,
					     vpc_map_params) :
		     rhashtable_insert_fast(&pn->maps, &map->node,
					    vpc_map_params);
}

/*
 * Add a mapping, or with REPLACE create or update one.  An update swaps in
 * a new object so that a reader never sees half of the old and half of the
 * new MAC and hosts.  MAP comes with its key set; it is freed on error.
 */
static struct vpc_map *vpc_map_commit(struct vpc_pernet *pn,
				      struct vpc_net *vnet,
				      struct vpc_map *map, struct vpc_map *old,
				      const u8 *mac, const __be32 *host,
				      bool replace,
				      struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&pn->lock);
	if (old && !replace) {
		NL_SET_ERR_MSG_MOD(extack, "a mapping for this IP exists in this VPC");
		ret = -EEXIST;
		goto err_free;
	}
	map->key.vpc = vnet->id;
	ether_addr_copy(map->mac, mac);
	memcpy(map->host, host, sizeof(map->host));

	ret = vpc_map_get_hosts(pn, map);
	if (ret)
		goto err_free;
	ret = vpc_map_index(vnet, map, old);
	if (ret)
		goto err_hosts;
	ret = vpc_map_hash(pn, map, old);
	if (ret)
		goto err_xa;
	if (old) {
		vpc_map_put_hosts(pn, old);
		call_rcu(&old->rcu, vpc_map_free_rcu);
	}
	/* A VIP mapped to a remote host has no local owner any more. */
	if (map->ip6) {
		vpc_vip_unclaim(pn, vnet->id, &map->key6.ip);
	} else {
		struct in6_addr vip;

		vpc_vip_key4(map->key.ip, &vip);
		vpc_vip_unclaim(pn, vnet->id, &vip);
	}
	vpc_pernet_changed(pn);
	return map;

err_xa:
	vpc_map_unindex(vnet, map, old);
err_hosts:
	vpc_map_put_hosts(pn, map);
err_free:
	kmem_cache_free(vpc_map_cache, map);
	if (ret == -ENOMEM)
		NL_SET_ERR_MSG_MOD(extack, "out of memory for the mapping");
	return ERR_PTR(ret);
}

struct vpc_map *vpc_map_set(struct vpc_pernet *pn, struct vpc_net *vnet,
			    __be32 ip, const u8 *mac, const __be32 *host,
			    bool replace, struct netlink_ext_ack *extack)
{
	struct vpc_map *map;

	map = kmem_cache_zalloc(vpc_map_cache, GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->key.ip = ip;
	return vpc_map_commit(pn, vnet, map, vpc_map_find(pn, vnet, ip), mac,
			      host, replace, extack);
}

struct vpc_map *vpc_map_set6(struct vpc_pernet *pn, struct vpc_net *vnet,
			     const struct in6_addr *ip, const u8 *mac,
			     const __be32 *host, bool replace,
			     struct netlink_ext_ack *extack)
{
	struct vpc_map *map;

	map = kmem_cache_zalloc(vpc_map_cache, GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->ip6 = true;
	map->key6.ip = *ip;
	return vpc_map_commit(pn, vnet, map, vpc_map_find6(pn, vnet, ip), mac,
			      host, replace, extack);
}

void vpc_map_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		 struct vpc_map *map)
{
	lockdep_assert_held(&pn->lock);
	if (map->ip6) {
		xa_erase(&vnet->maps6, map->index);
		rhashtable_remove_fast(&pn->maps6, &map->node, vpc_map6_params);
	} else {
		xa_erase(&vnet->maps, ntohl(map->key.ip));
		rhashtable_remove_fast(&pn->maps, &map->node, vpc_map_params);
	}
	vpc_map_put_hosts(pn, map);
	vpc_pernet_changed(pn);
	/* Packet-path readers may still hold it under RCU. */
	call_rcu(&map->rcu, vpc_map_free_rcu);
}

void vpc_map_flush(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	struct vpc_map *map;
	unsigned long index;

	lockdep_assert_held(&pn->lock);
	xa_for_each(&vnet->maps, index, map) {
		vpc_map_del(pn, vnet, map);
		cond_resched();
	}
	xa_for_each(&vnet->maps6, index, map) {
		vpc_map_del(pn, vnet, map);
		cond_resched();
	}
}
