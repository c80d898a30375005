/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_PERNET_H
#define _VPC_PERNET_H

#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/vpc.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* The key of every (VPC, IPv4 address) table: mappings, ports, hosts. */
struct vpc_key {
	u32 vpc;
	__be32 ip;
};

/* The same for IPv6 (mappings, ports); vpc first, like vpc_key. */
struct vpc_key6 {
	u32 vpc;
	struct in6_addr ip;
};

/* The devices whose HTB trees shape traffic between local ports (qos.c). */
enum vpc_qos_dev_kind {
	VPC_QOS_DEV_INGRESS,	/* to a port: its ingress class */
	VPC_QOS_DEV_LOCAL,	/* from a port to another here: its egress class */
	VPC_QOS_DEVS,
};

/*
 * Everything vpc.ko knows lives in one of these per network namespace.
 * Lock order: RTNL, then lock.  Changes hold lock (and RTNL when they
 * touch a netdev); the packet path reads under RCU only.
 */
struct vpc_pernet {
	struct net *net;
	struct mutex lock;	/* serialises every change in this netns */
	struct xarray nets;	/* VPC id -> struct vpc_net; RCU for readers */
	struct xarray ports;	/* ifindex -> struct vpc_port */
	struct rhashtable maps;	/* (VPC, IP) -> struct vpc_map, remote VMs */
	struct rhashtable hosts; /* (VPC, underlay IP) -> struct vpc_host */
	struct rhashtable addrs; /* (VPC, IP) -> struct vpc_port_addr, local */
	struct rhashtable maps6; /* (VPC, IPv6) -> struct vpc_map */
	struct rhashtable addrs6; /* (VPC, IPv6) -> struct vpc_port_addr */
	struct rhashtable vips;	/* (VPC, IPv6 or mapped IPv4) -> vpc_vip */
	__be32 underlay[VPC_PLANES]; /* this host's tunnel endpoints */
	struct xarray paths;	/* remote host (host order) -> vpc_path */
	unsigned int n_paths;	/* entries in paths; 0 skips the lookup */
	struct net_device __rcu *gre_dev; /* our collect_md gretap device */
	/* The devices of the underlay IPs whose GRE we take (ul_rx.c); RTNL. */
	struct net_device *ul_dev[VPC_PLANES];
	bool fastpath;		/* take GRE off them at all; RTNL */
	struct vpc_stats __percpu *stats; /* GRE receive counters */
	/* QoS (qos.c): each plane's capacity and host reserve, bytes/s. */
	u64 rate[VPC_PLANES];
	u64 reserve[VPC_PLANES];
	struct ida qos_classes;	/* port class minors */
	struct net_device __rcu *qos_dev[VPC_QOS_DEVS]; /* RTNL to change */
	struct notifier_block netdev_nb; /* this netns's netdev events */
	u32 gen;		/* bumped on every change; dumps check it */
};

extern unsigned int vpc_pernet_id;

static inline struct vpc_pernet *vpc_pernet(const struct net *net)
{
	return net_generic(net, vpc_pernet_id);
}

static inline void vpc_pernet_changed(struct vpc_pernet *pn)
{
	lockdep_assert_held(&pn->lock);
	pn->gen++;
}

int vpc_pernet_init(void);
void vpc_pernet_exit(void);

#endif /* _VPC_PERNET_H */
