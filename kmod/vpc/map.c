// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings of remote VMs, and the remote hosts they name.  The packet path
 * finds both in per-netns rhashtables keyed by (VPC, IPv4) under RCU; each
 * VPC also indexes its mappings by IP in an xarray, so that dumps resume in
 * order and a VPC's mappings go with it.
 */
#include <linux/etherdevice.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "map.h"
#include "vnet.h"

static struct kmem_cache *vpc_map_cache __read_mostly;
static struct kmem_cache *vpc_host_cache __read_mostly;

static const struct rhashtable_params vpc_map_params = {
	.key_len = sizeof(struct vpc_key),
	.key_offset = offsetof(struct vpc_map, key),
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
	ret = rhashtable_init(&pn->hosts, &vpc_host_params);
	if (ret)
		rhashtable_destroy(&pn->maps);
	return ret;
}

/* Every VPC, and so every mapping and host, is gone by now. */
void vpc_map_tables_exit(struct vpc_pernet *pn)
{
	WARN_ON(atomic_read(&pn->maps.nelems));
	WARN_ON(atomic_read(&pn->hosts.nelems));
	rhashtable_destroy(&pn->hosts);
	rhashtable_destroy(&pn->maps);
}

struct vpc_map *vpc_map_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "mapping lookup needs RCU");
	return rhashtable_lookup(&pn->maps, &key, vpc_map_params);
}

bool vpc_host_known(struct vpc_pernet *pn, u32 vpc, __be32 ip)
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
	kmem_cache_free(vpc_host_cache, container_of(head, struct vpc_host, rcu));
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

static void vpc_map_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(vpc_map_cache, container_of(head, struct vpc_map, rcu));
}

/*
 * Add a mapping, or with REPLACE create or update one.  An update swaps in
 * a new object so that a reader never sees half of the old and half of the
 * new MAC and hosts.
 */
struct vpc_map *vpc_map_set(struct vpc_pernet *pn, struct vpc_net *vnet,
			    __be32 ip, const u8 *mac, const __be32 *host,
			    bool replace, struct netlink_ext_ack *extack)
{
	struct vpc_map *old, *map;
	int ret;

	lockdep_assert_held(&pn->lock);
	old = vpc_map_find(pn, vnet, ip);
	if (old && !replace) {
		NL_SET_ERR_MSG_MOD(extack, "a mapping for this IP exists in this VPC");
		return ERR_PTR(-EEXIST);
	}
	map = kmem_cache_zalloc(vpc_map_cache, GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->key.vpc = vnet->id;
	map->key.ip = ip;
	ether_addr_copy(map->mac, mac);
	memcpy(map->host, host, sizeof(map->host));

	ret = vpc_map_get_hosts(pn, map);
	if (ret)
		goto err_free;
	ret = xa_err(xa_store(&vnet->maps, ntohl(ip), map, GFP_KERNEL));
	if (ret)
		goto err_hosts;
	if (old)
		ret = rhashtable_replace_fast(&pn->maps, &old->node, &map->node,
					      vpc_map_params);
	else
		ret = rhashtable_insert_fast(&pn->maps, &map->node,
					     vpc_map_params);
	if (ret)
		goto err_xa;
	if (old) {
		vpc_map_put_hosts(pn, old);
		call_rcu(&old->rcu, vpc_map_free_rcu);
	}
	vpc_pernet_changed(pn);
	return map;

err_xa:
	if (old)
		xa_store(&vnet->maps, ntohl(ip), old, GFP_KERNEL);
	else
		xa_erase(&vnet->maps, ntohl(ip));
err_hosts:
	vpc_map_put_hosts(pn, map);
err_free:
	kmem_cache_free(vpc_map_cache, map);
	if (ret == -ENOMEM)
		NL_SET_ERR_MSG_MOD(extack, "out of memory for the mapping");
	return ERR_PTR(ret);
}

void vpc_map_del(struct vpc_pernet *pn, struct vpc_net *vnet,
		 struct vpc_map *map)
{
	lockdep_assert_held(&pn->lock);
	xa_erase(&vnet->maps, ntohl(map->key.ip));
	rhashtable_remove_fast(&pn->maps, &map->node, vpc_map_params);
	vpc_map_put_hosts(pn, map);
	vpc_pernet_changed(pn);
	/* Packet-path readers may still hold it under RCU. */
	call_rcu(&map->rcu, vpc_map_free_rcu);
}

void vpc_map_flush(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	struct vpc_map *map;
	unsigned long ip;

	lockdep_assert_held(&pn->lock);
	xa_for_each(&vnet->maps, ip, map) {
		vpc_map_del(pn, vnet, map);
		cond_resched();
	}
}
