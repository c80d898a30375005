// SPDX-License-Identifier: GPL-2.0
/* VPC objects: created, found and destroyed per network namespace. */
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dns.h"
#include "map.h"
#include "pernet.h"
#include "port.h"
#include "route.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

static struct kmem_cache *vpc_net_cache __read_mostly;

int vpc_net_cache_init(void)
{
	vpc_net_cache = KMEM_CACHE(vpc_net, 0);
	return vpc_net_cache ? 0 : -ENOMEM;
}

void vpc_net_cache_exit(void)
{
	/* Objects freed by call_rcu must be gone before their cache is. */
	rcu_barrier();
	kmem_cache_destroy(vpc_net_cache);
}

struct vpc_net *vpc_net_find(struct vpc_pernet *pn, u32 id)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held() && !lockdep_is_held(&pn->lock),
			 "VPC lookup needs RCU or the pernet lock");
	return xa_load(&pn->nets, id);
}

struct vpc_net *vpc_net_add(struct vpc_pernet *pn, u32 id, const char *name,
			    struct netlink_ext_ack *extack)
{
	struct vpc_net *vnet;
	int ret;

	lockdep_assert_held(&pn->lock);
	vnet = kmem_cache_zalloc(vpc_net_cache, GFP_KERNEL);
	if (!vnet)
		return ERR_PTR(-ENOMEM);
	vnet->stats = vpc_stats_alloc();
	if (!vnet->stats) {
		kmem_cache_free(vpc_net_cache, vnet);
		return ERR_PTR(-ENOMEM);
	}
	vnet->id = id;
	if (name)
		strscpy(vnet->name, name, sizeof(vnet->name));
	vpc_gw_mac_init(vnet->gw_mac, id);
	xa_init(&vnet->maps);
	xa_init_flags(&vnet->maps6, XA_FLAGS_ALLOC);
	INIT_LIST_HEAD(&vnet->dns);

	ret = xa_insert(&pn->nets, id, vnet, GFP_KERNEL);
	if (ret) {
		vpc_stats_free(vnet->stats);
		kmem_cache_free(vpc_net_cache, vnet);
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG_MOD(extack, "a VPC with this id exists");
			ret = -EEXIST;
		}
		return ERR_PTR(ret);
	}
	vpc_pernet_changed(pn);
	return vnet;
}

static void vpc_net_free_rcu(struct rcu_head *head)
{
	struct vpc_net *vnet = container_of(head, struct vpc_net, rcu);

	vpc_stats_free(vnet->stats);
	kmem_cache_free(vpc_net_cache, vnet);
}

/*
 * Deleting a VPC, in two steps so that RTNL is held only as long as
 * netdevs need it: vpc_net_unlink() detaches its ports (RTNL) and takes it
 * out of the table, so that nothing finds it any more; vpc_net_destroy()
 * then deletes its mappings, subnets and routes under pn->lock alone,
 * which for a million mappings takes seconds.
 */
void vpc_net_unlink(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	ASSERT_RTNL();
	lockdep_assert_held(&pn->lock);
	vpc_port_flush(pn, vnet);
	xa_erase(&pn->nets, vnet->id);
	vpc_pernet_changed(pn);
}

void vpc_net_destroy(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	lockdep_assert_held(&pn->lock);
	vpc_map_flush(pn, vnet);
	vpc_subnet_flush(pn, vnet);
	vpc_dns_flush(pn, vnet);
	vpc_route_flush(pn, vnet);
	xa_destroy(&vnet->maps);
	xa_destroy(&vnet->maps6);
	vpc_pernet_changed(pn);
	/* Packet-path readers may still hold it under RCU. */
	call_rcu(&vnet->rcu, vpc_net_free_rcu);
}

/* Every VPC, once every port is gone (vpc_port_flush(pn, NULL)). */
void vpc_net_flush(struct vpc_pernet *pn)
{
	struct vpc_net *vnet;
	unsigned long id;

	lockdep_assert_held(&pn->lock);
	xa_for_each(&pn->nets, id, vnet) {
		xa_erase(&pn->nets, id);
		vpc_net_destroy(pn, vnet);
	}
}

void vpc_net_stats(struct vpc_pernet *pn, const struct vpc_net *vnet,
		   u64 *sum)
{
	struct vpc_port *port;
	unsigned long ifindex;

	lockdep_assert_held(&pn->lock);
	memcpy(sum, vnet->retired, sizeof(vnet->retired));
	vpc_stats_accumulate(vnet->stats, sum);
	xa_for_each(&pn->ports, ifindex, port)
		if (port->vnet == vnet)
			vpc_stats_accumulate(port->stats, sum);
}
