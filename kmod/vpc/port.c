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
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "port.h"
#include "qos.h"
#include "stats.h"
#include "vip.h"
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

struct vpc_port *vpc_port_lookup_mac(struct vpc_pernet *pn, u32 vpc,
				     __be32 ip, u8 *mac)
{
	struct vpc_key key = { .vpc = vpc, .ip = ip };
	struct vpc_port_addr *addr;
	struct in6_addr vip;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "port lookup needs RCU");
	addr = rhashtable_lookup(&pn->addrs, &key, vpc_addr_params);
	if (addr) {
		if (mac)
			ether_addr_copy(mac, addr->port->mac);
		return addr->port;
	}
	vpc_vip_key4(ip, &vip);
	return vpc_vip_owner(pn, vpc, &vip, mac);
}

struct vpc_port *vpc_port_lookup(struct vpc_pernet *pn, u32 vpc, __be32 ip)
{
	return vpc_port_lookup_mac(pn, vpc, ip, NULL);
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

struct vpc_port *vpc_port_lookup6_mac(struct vpc_pernet *pn, u32 vpc,
				      const struct in6_addr *ip, u8 *mac)
{
	struct vpc_key6 key = { .vpc = vpc, .ip = *ip };
	struct vpc_port_addr *addr;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "port lookup needs RCU");
	addr = rhashtable_lookup(&pn->addrs6, &key, vpc_addr6_params);
	if (addr) {
		if (mac)
			ether_addr_copy(mac, addr->port->mac);
		return addr->port;
	}
	return vpc_vip_owner(pn, vpc, ip, mac);
}

struct vpc_port *vpc_port_lookup6(struct vpc_pernet *pn, u32 vpc,
				  const struct in6_addr *ip)
{
	return vpc_port_lookup6_mac(pn, vpc, ip, NULL);
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

bool vpc_port_src_ok(const struct vpc_port *port, const u8 *mac, __be32 ip)
{
	struct in6_addr key;

	if (ether_addr_equal(mac, port->mac) && vpc_port_src_allowed(port, ip))
		return true;
	vpc_vip_key4(ip, &key);
	return vpc_allow_src_ok(port, &key, mac);
}

bool vpc_port_src_ok6(const struct vpc_port *port, const u8 *mac,
		      const struct in6_addr *ip)
{
	if (ether_addr_equal(mac, port->mac) && vpc_port_src_allowed6(port, ip))
		return true;
	return vpc_allow_src_ok(port, ip, mac);
}

bool vpc_port_has_mac(const struct vpc_port *port, const u8 *mac)
{
	return ether_addr_equal(mac, port->mac) || vpc_allow_has_mac(port, mac);
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

/* Whether DEV carries a host address: any IPv4 one, or a global IPv6 one. */
static bool vpc_port_dev_has_addr(struct net_device *dev)
{
	struct in_device *in_dev = __in_dev_get_rtnl(dev);
	struct inet6_dev *idev = __in6_dev_get(dev);
	struct inet6_ifaddr *ifp;
	bool found = false;

	ASSERT_RTNL();
	if (in_dev && rtnl_dereference(in_dev->ifa_list))
		return true;
	if (!idev)
		return false;
	read_lock_bh(&idev->lock);
	list_for_each_entry(ifp, &idev->addr_list, if_list) {
		if (!(ipv6_addr_type(&ifp->addr) & IPV6_ADDR_LINKLOCAL)) {
			found = true;
			break;
		}
	}
	read_unlock_bh(&idev->lock);
	return found;
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
	if (vpc_port_dev_has_addr(dev)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the device has a host IPv4 or global IPv6 address: a port must have none");
		return false;
	}
	return true;
}

/*
 * Turn IPv6 off on a port's netdev, so that the host sends its VM no
 * link-local traffic (DAD, router solicitations, MLD reports) and has no
 * address there to be reached at.  A device that is down stays down and
 * will come up without IPv6; one that is up is closed and opened again,
 * which drops its link-local address and multicast memberships.
 */
static int vpc_port_dev_isolate(struct net_device *dev,
				struct netlink_ext_ack *extack)
{
	struct inet6_dev *idev = __in6_dev_get(dev);
	bool up = dev->flags & IFF_UP;

	ASSERT_RTNL();
	if (!idev || READ_ONCE(idev->cnf.disable_ipv6))
		return 0;
	if (up)
		dev_close(dev);
	WRITE_ONCE(idev->cnf.disable_ipv6, 1);
	return up ? dev_open(dev, extack) : 0;
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
	for (i = 0; i < VPC_RL_CLASSES; i++)
		vpc_ratelimit_init(&port->buckets[i]);
	vpc_miss_init(&port->misses);
	port->n_addrs = n_addrs;
	for (i = 0; i < n_addrs; i++) {
		port->addrs[i] = addrs[i];
		port->addrs[i].key.vpc = vnet->id;
		port->addrs[i].port = port;
	}

	ret = vpc_qos_class_get(pn, extack);
	if (ret < 0)
		goto err_stats;
	port->qos_class = ret;
	ret = xa_insert(&pn->ports, dev->ifindex, port, GFP_KERNEL);
	if (ret) {
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG_MOD(extack, "the device is a port already");
			ret = -EEXIST;
		}
		goto err_class;
	}
	ret = vpc_port_hash(pn, port, extack);
	if (ret)
		goto err_xa;
	/* Before the VM's frames come to us: the host must send it nothing. */
	ret = vpc_port_dev_isolate(dev, extack);
	if (ret)
		goto err_hash;
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
err_class:
	vpc_qos_class_put(pn, port->qos_class);
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
 * Teardown: the device goes down, so that a detached VM reaches the host
 * no more than an attached one; the rx_handler goes (netdev_rx_handler_
 * unregister waits for frames in flight from the VM), then the addresses
 * and VIPs (no new delivery to it), then the port is freed after a grace
 * period, since delivery from other ports or from GRE may still hold it
 * under RCU.
 */
void vpc_port_del(struct vpc_pernet *pn, struct vpc_port *port)
{
	ASSERT_RTNL();
	lockdep_assert_held(&pn->lock);
	dev_close(port->dev);
	netdev_rx_handler_unregister(port->dev);
	netdev_reset_rx_headroom(port->dev);
	vpc_port_unhash(pn, port, port->n_addrs);
	vpc_port_allows_flush(pn, port);
	xa_erase(&pn->ports, port->dev->ifindex);
	vpc_qos_class_put(pn, port->qos_class);
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
