// SPDX-License-Identifier: GPL-2.0
/*
 * QoS: which HTB class a frame belongs to, and the two devices whose trees
 * shape traffic that never reaches an underlay device (Documentation/
 * vpc.md, "QoS").  vpc.ko sets skb->priority to a port's class id; HTB
 * picks the class from it before any filter.  On vpc-local and vpc-ingress
 * skb->mark carries the destination port's ifindex from enqueue to
 * transmit: HTB and the leaf fifos leave it alone.
 */
#include <linux/etherdevice.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "datapath.h"
#include "port.h"
#include "qos.h"

/* What the devices pass on untouched: GSO frames and partial checksums. */
#define VPC_QOS_FEATURES (NETIF_F_HW_CSUM | NETIF_F_SG | NETIF_F_FRAGLIST | \
			  NETIF_F_GSO_SOFTWARE | NETIF_F_GSO_ENCAP_ALL | \
			  NETIF_F_HIGHDMA | NETIF_F_HW_VLAN_CTAG_TX | \
			  NETIF_F_HW_VLAN_STAG_TX)

static const char * const vpc_qos_dev_names[VPC_QOS_DEVS] = {
	[VPC_QOS_DEV_INGRESS] = VPC_QOS_INGRESS_IFNAME,
	[VPC_QOS_DEV_LOCAL] = VPC_QOS_LOCAL_IFNAME,
};

struct vpc_qos_priv {
	enum vpc_qos_dev_kind kind;
};

static void vpc_qos_enqueue(struct net_device *dev, struct vpc_port *to,
			    u32 classid, struct sk_buff *skb)
{
	/* Tunnel metadata and conntrack stay on this side, as in delivery. */
	skb_scrub_packet(skb, false);
	skb->priority = classid;
	skb->mark = to->dev->ifindex;
	skb->dev = dev;
	dev_queue_xmit(skb);
}

void vpc_deliver_ingress(struct vpc_pernet *pn, struct vpc_port *to,
			 struct sk_buff *skb)
{
	struct net_device *dev;

	dev = rcu_dereference(pn->qos_dev[VPC_QOS_DEV_INGRESS]);
	if (READ_ONCE(to->qos_ingress) && dev)
		vpc_qos_enqueue(dev, to, to->qos_class, skb);
	else
		vpc_deliver(to, skb);
}

void vpc_deliver_local(struct vpc_pernet *pn, struct vpc_port *from,
		       struct vpc_port *to, struct sk_buff *skb)
{
	struct net_device *dev;

	dev = rcu_dereference(pn->qos_dev[VPC_QOS_DEV_LOCAL]);
	if (READ_ONCE(from->qos_egress) && dev)
		vpc_qos_enqueue(dev, to, from->qos_class, skb);
	else
		vpc_deliver_ingress(pn, to, skb);
}

/* Out of the tree: on to the receiver's ingress class, or to its VM. */
static netdev_tx_t vpc_qos_xmit(struct sk_buff *skb, struct net_device *dev)
{
	const struct vpc_qos_priv *priv = netdev_priv(dev);
	struct vpc_pernet *pn = vpc_pernet(dev_net(dev));
	struct vpc_port *to;

	to = xa_load(&pn->ports, skb->mark);
	skb->mark = 0;
	if (unlikely(!to)) {
		/* The port went while its frame was queued. */
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	dev_sw_netstats_tx_add(dev, 1, skb->len);
	if (priv->kind == VPC_QOS_DEV_LOCAL)
		vpc_deliver_ingress(pn, to, skb);
	else
		vpc_deliver(to, skb);
	return NETDEV_TX_OK;
}

static int vpc_qos_dev_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void vpc_qos_dev_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

static const struct net_device_ops vpc_qos_ops = {
	.ndo_init = vpc_qos_dev_init,
	.ndo_uninit = vpc_qos_dev_uninit,
	.ndo_start_xmit = vpc_qos_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

/*
 * No rtnl_link_ops: `ip link add` cannot make one nor `ip link del` delete
 * it; NETIF_F_NETNS_LOCAL keeps it in its namespace.
 */
static void vpc_qos_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &vpc_qos_ops;
	dev->needs_free_netdev = true;
	dev->flags |= IFF_NOARP;
	dev->flags &= ~IFF_MULTICAST;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->features |= VPC_QOS_FEATURES | NETIF_F_LLTX | NETIF_F_NETNS_LOCAL;
	dev->hw_features |= VPC_QOS_FEATURES;
	dev->hw_enc_features |= VPC_QOS_FEATURES;
	dev->vlan_features |= VPC_QOS_FEATURES;
	dev->min_mtu = 0;
	dev->max_mtu = 0;
	eth_hw_addr_random(dev);
}

static int vpc_qos_dev_create(struct vpc_pernet *pn,
			      enum vpc_qos_dev_kind kind,
			      struct netlink_ext_ack *extack)
{
	struct vpc_qos_priv *priv;
	struct net_device *dev;
	int ret;

	dev = alloc_netdev(sizeof(*priv), vpc_qos_dev_names[kind],
			   NET_NAME_PREDICTABLE, vpc_qos_setup);
	if (!dev)
		return -ENOMEM;
	priv = netdev_priv(dev);
	priv->kind = kind;
	dev_net_set(dev, pn->net);
	ret = register_netdevice(dev);
	if (ret) {
		free_netdev(dev);
		if (kind == VPC_QOS_DEV_INGRESS)
			NL_SET_ERR_MSG_MOD(extack, "cannot create vpc-ingress (name in use?)");
		else
			NL_SET_ERR_MSG_MOD(extack, "cannot create vpc-local (name in use?)");
		return ret;
	}
	ret = dev_open(dev, extack);
	if (ret) {
		unregister_netdevice(dev);
		return ret;
	}
	rcu_assign_pointer(pn->qos_dev[kind], dev);
	return 0;
}

int vpc_qos_devs_create(struct vpc_pernet *pn, struct netlink_ext_ack *extack)
{
	int kind, ret;

	ASSERT_RTNL();
	lockdep_assert_held(&pn->lock);
	for (kind = 0; kind < VPC_QOS_DEVS; kind++) {
		if (rtnl_dereference(pn->qos_dev[kind]))
			continue;
		ret = vpc_qos_dev_create(pn, kind, extack);
		if (ret)
			return ret;
	}
	return 0;
}

bool vpc_qos_devs_exist(struct vpc_pernet *pn)
{
	int kind;

	for (kind = 0; kind < VPC_QOS_DEVS; kind++)
		if (!rcu_access_pointer(pn->qos_dev[kind]))
			return false;
	return true;
}

void vpc_qos_dev_gone(struct vpc_pernet *pn, struct net_device *dev)
{
	int kind;

	ASSERT_RTNL();
	for (kind = 0; kind < VPC_QOS_DEVS; kind++)
		if (rtnl_dereference(pn->qos_dev[kind]) == dev)
			RCU_INIT_POINTER(pn->qos_dev[kind], NULL);
}

void vpc_qos_teardown(struct vpc_pernet *pn)
{
	struct net_device *dev;
	int kind;

	ASSERT_RTNL();
	for (kind = 0; kind < VPC_QOS_DEVS; kind++) {
		dev = rtnl_dereference(pn->qos_dev[kind]);
		if (!dev)
			continue;
		RCU_INIT_POINTER(pn->qos_dev[kind], NULL);
		unregister_netdevice(dev);
	}
}

int vpc_qos_class_get(struct vpc_pernet *pn, struct netlink_ext_ack *extack)
{
	int minor;

	lockdep_assert_held(&pn->lock);
	minor = ida_alloc_range(&pn->qos_classes, VPC_QOS_PORT_MINOR_MIN,
				VPC_QOS_PORT_MINOR_MAX, GFP_KERNEL);
	if (minor < 0) {
		NL_SET_ERR_MSG_MOD(extack, "no QoS class left for another port");
		return minor;
	}
	return TC_H_MAKE(VPC_QOS_MAJOR << 16, minor);
}

void vpc_qos_class_put(struct vpc_pernet *pn, u32 classid)
{
	ida_free(&pn->qos_classes, TC_H_MIN(classid));
}

void vpc_qos_init(struct vpc_pernet *pn)
{
	ida_init(&pn->qos_classes);
}

void vpc_qos_exit(struct vpc_pernet *pn)
{
	ida_destroy(&pn->qos_classes);
}
