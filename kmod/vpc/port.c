// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: a VM's host-side netdev bound to one VPC.  The port is the
 * netdev's rx_handler (datapath.c), so every frame the VM sends comes to
 * vpc.ko first; its host addresses are in pn->addrs for delivery to it.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "port.h"
#include "stats.h"
#include "vnet.h"

/*
 * What encapsulation puts in front of a VM's frame: outer IPv4 and GRE
 * with a key (28 bytes) after the underlay's link header (Ethernet, maybe
 * a VLAN tag, aligned as LL_RESERVED_SPACE does), with room to spare.
 */
#define VPC_PORT_HEADROOM	64

static struct kmem_cache *vpc_port_cache __read_mostly;

static const struct rhashtable_params vpc_addr_params = {
	.key_len = sizeof(struct vpc_key),
	.key_offset = offsetof(struct vpc_port_addr, key),
	.head_offset = offsetof(struct vpc_port_addr, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vpc_addr6_params = {
	.key_len = sizeof(struct vpc_key6),
	.key_offset = offsetof(struct vpc_port_addr, key6),
	.head_offset = offsetof(struct vpc_port_addr, node),
	.automatic_shrinking = true,
};

int vpc_port_cache_init(void)
{
	vpc_port_cache = KMEM_CACHE(vpc_port, 0);
	return vpc_port_cache ? 0 : -ENOMEM;
}

void vpc_port_cache_exit(void)
{
	/* Objects freed by call_rcu must be gone before their cache is. */
	rcu_barrier();
	kmem_cache_destroy(vpc_port_cache);
}

int vpc_port_table_init(struct vpc_pernet *pn)
{
	int ret;

	ret = rhashtable_init(&pn->addrs, &vpc_addr_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&pn->addrs6, &vpc_addr6_params);
	if (ret)
		rhashtable_destroy(&pn->addrs);
	return ret;
}

void vpc_port_table_exit(struct vpc_pernet *pn)
{
	WARN_ON(atomic_read(&pn->addrs.nelems));
	WARN_ON(atomic_read(&pn->addrs6.nelems));
	rhashtable_destroy(&pn->addrs6);
	rhashtable_destroy(&pn->addrs);
}

struct vpc_port *vpc_port_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };
	struct vpc_port_addr *addr;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "port lookup needs RCU");
	addr = rhashtable_lookup(&pn->addrs, &key, vpc_addr_params);
	return addr ? addr->port : NULL;
}

bool vpc_port_src_allowed(const struct vpc_port *port, __be32 ip)
{
	unsigned int i;

	for (i = 0; i < port->n_addrs; i++) {
		const struct vpc_port_addr *a = &port->addrs[i];

		if (!a->ip6 && !((a->key.ip ^ ip) & inet_make_mask(a->plen)))
			return true;
	}
	return false;
}

struct vpc_port *vpc_port_lookup6(struct vpc_pernet *pn, u32 vpc,
				  const struct in6_addr *ip)
{
	struct vpc_key6 key = { .vpc = vpc, .ip = *ip };
	struct vpc_port_addr *addr;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "port lookup needs RCU");
	addr = rhashtable_lookup(&pn->addrs6, &key, vpc_addr6_params);
	return addr ? addr->port : NULL;
}

bool vpc_port_src_allowed6(const struct vpc_port *port,
			   const struct in6_addr *ip)
{
	unsigned int i;

	for (i = 0; i < port->n_addrs; i++) {
		const struct vpc_port_addr *a = &port->addrs[i];

		if (a->ip6 && ipv6_prefix_equal(&a->key6.ip, ip, a->plen))
			return true;
	}
	return false;
}

struct vpc_port *vpc_port_find(struct vpc_pernet *pn, int ifindex)
{
	lockdep_assert_held(&pn->lock);
	return xa_load(&pn->ports, ifindex);
}

/* Host addresses are reachable: they are in pn->addrs or pn->addrs6. */
static bool vpc_port_addr_is_host(const struct vpc_port_addr *a)
{
	return a->plen == (a->ip6 ? 128 : 32);
}

static void vpc_port_unhash(struct vpc_pernet *pn, struct vpc_port *port,
			    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vpc_port_addr *a = &port->addrs[i];

		if (!vpc_port_addr_is_host(a))
			continue;
		if (a->ip6)
			rhashtable_remove_fast(&pn->addrs6, &a->node,
					       vpc_addr6_params);
		else
			rhashtable_remove_fast(&pn->addrs, &a->node,
					       vpc_addr_params);
	}
}

static int vpc_port_hash(struct vpc_pernet *pn, struct vpc_port *port,
			 struct netlink_ext_ack *extack)
{
	unsigned int i;
	int ret;

	for (i = 0; i < port->n_addrs; i++) {
		struct vpc_port_addr *a = &port->addrs[i];

		if (!vpc_port_addr_is_host(a))
			continue;
		if (a->ip6)
			ret = rhashtable_lookup_insert_fast(&pn->addrs6, &a->node,
							    vpc_addr6_params);
		else
			ret = rhashtable_lookup_insert_fast(&pn->addrs, &a->node,
							    vpc_addr_params);
		if (ret) {
			if (ret == -EEXIST)
				NL_SET_ERR_MSG_MOD(extack, "another port of this VPC has this IP");
			vpc_port_unhash(pn, port, i);
			return ret;
		}
	}
	return 0;
}

static bool vpc_port_dev_ok(struct vpc_pernet *pn, struct net_device *dev,
			    struct netlink_ext_ack *extack)
{
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN ||
	    (dev->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG_MOD(extack, "a port must be an Ethernet device");
		return false;
	}
	if (dev == rtnl_dereference(pn->gre_dev)) {
		NL_SET_ERR_MSG_MOD(extack, "the GRE device cannot be a port");
		return false;
	}
	return true;
}

struct vpc_port *vpc_port_add(struct vpc_pernet *pn, struct vpc_net *vnet,
			      struct net_device *dev, const u8 *mac,
			      const struct vpc_port_addr *addrs,
			      unsigned int n_addrs,
			      struct netlink_ext_ack *extack)
{
	struct vpc_port *port;
	unsigned int i;
	int ret;

	ASSERT_RTNL();
	lockdep_assert_held(&pn->lock);
	if (!vpc_port_dev_ok(pn, dev, extack))
		return ERR_PTR(-EINVAL);
	port = kmem_cache_zalloc(vpc_port_cache, GFP_KERNEL);
	if (!port)
		return ERR_PTR(-ENOMEM);
	port->stats = vpc_stats_alloc();
	if (!port->stats) {
		ret = -ENOMEM;
		goto err_free;
	}
	port->dev = dev;
	port->vnet = vnet;
	ether_addr_copy(port->mac, mac);
	port->n_addrs = n_addrs;
	for (i = 0; i < n_addrs; i++) {
		port->addrs[i] = addrs[i];
		port->addrs[i].key.vpc = vnet->id;
		port->addrs[i].port = port;
	}

	ret = xa_insert(&pn->ports, dev->ifindex, port, GFP_KERNEL);
	if (ret) {
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG_MOD(extack, "the device is a port already");
			ret = -EEXIST;
		}
		goto err_stats;
	}
	ret = vpc_port_hash(pn, port, extack);
	if (ret)
		goto err_xa;
	ret = netdev_rx_handler_register(dev, vpc_port_rx, port);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "the device has another rx handler (bridge, bond, ...)");
		goto err_hash;
	}
	/*
	 * Have the VM's side (veth peer, tap) leave room for the outer
	 * headers, as a bridge or OVS does for its tunnel ports: else every
	 * small frame is copied to a larger buffer when it is encapsulated.
	 */
	netdev_set_rx_headroom(dev, VPC_PORT_HEADROOM);
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);
	vpc_pernet_changed(pn);
	return port;

err_hash:
	vpc_port_unhash(pn, port, port->n_addrs);
err_xa:
	xa_erase(&pn->ports, dev->ifindex);
err_stats:
	vpc_stats_free(port->stats);
err_free:
	kmem_cache_free(vpc_port_cache, port);
	return ERR_PTR(ret);
}

static void vpc_port_free_rcu(struct rcu_head *head)
{
	struct vpc_port *port = container_of(head, struct vpc_port, rcu);

	vpc_stats_free(port->stats);
	kmem_cache_free(vpc_port_cache, port);
}

/*
 * Teardown: the rx_handler goes first (netdev_rx_handler_unregister waits
 * for frames in flight from the VM), then the addresses (no new delivery
 * to it), then the port is freed after a grace period, since delivery from
 * other ports or from GRE may still hold it under RCU.
 */
void vpc_port_del(struct vpc_pernet *pn, struct vpc_port *port)
{
	ASSERT_RTNL();
	lockdep_assert_held(&pn->lock);
	netdev_rx_handler_unregister(port->dev);
	netdev_reset_rx_headroom(port->dev);
	vpc_port_unhash(pn, port, port->n_addrs);
	xa_erase(&pn->ports, port->dev->ifindex);
	netdev_put(port->dev, &port->dev_tracker);
	/* Its VPC keeps counting what it did (frames in flight are lost). */
	vpc_stats_accumulate(port->stats, port->vnet->retired);
	vpc_pernet_changed(pn);
	call_rcu(&port->rcu, vpc_port_free_rcu);
}

void vpc_port_flush(struct vpc_pernet *pn, struct vpc_net *vnet)
{
	struct vpc_port *port;
	unsigned long ifindex;

	ASSERT_RTNL();
	lockdep_assert_held(&pn->lock);
	xa_for_each(&pn->ports, ifindex, port)
		if (!vnet || port->vnet == vnet)
			vpc_port_del(pn, port);
}
