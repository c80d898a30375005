// SPDX-License-Identifier: GPL-2.0
/*
 * The underlay: this host's tunnel endpoint IPs, the collect_md gretap
 * device that carries every VPC's traffic to and from other hosts, and the
 * devices holding those IPs, whose GRE we take before IP when they let us
 * (ul_rx.c).
 *
 * gretap_fb_dev_create() lives in ip_gre.ko.  vpc.ko takes it with
 * symbol_get() when the first underlay IP is set instead of linking to it,
 * so vpc.ko loads without ip_gre and a plain insmod works; the reference
 * it holds keeps ip_gre loaded for as long as the device exists.
 */
#include <linux/inetdevice.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/gre.h>

#include "datapath.h"
#include "underlay.h"

typedef struct net_device *(*vpc_gretap_create_t)(struct net *net,
						  const char *name,
						  u8 name_assign_type);

static vpc_gretap_create_t vpc_gretap_get(void)
{
	vpc_gretap_create_t create;

	create = symbol_get(gretap_fb_dev_create);
	if (!create) {
		request_module("ip_gre");
		create = symbol_get(gretap_fb_dev_create);
	}
	return create;
}

static void vpc_gretap_put(void)
{
	symbol_put(gretap_fb_dev_create);
}

/*
 * Writers of pn->gre_dev hold RTNL and pn->lock; the device is created and
 * deleted under RTNL alone, since its unregistration calls our notifier,
 * which takes pn->lock.
 */
static struct net_device *vpc_underlay_gre_create(struct vpc_pernet *pn,
						  vpc_gretap_create_t create,
						  struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int ret;

	ASSERT_RTNL();
	dev = create(pn->net, VPC_GRE_IFNAME, NET_NAME_USER);
	if (IS_ERR(dev)) {
		if (PTR_ERR(dev) == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack,
					   "a collect_md gretap or " VPC_GRE_IFNAME " exists here");
		else
			NL_SET_ERR_MSG_MOD(extack, "cannot create the GRE device");
		return dev;
	}
	ret = dev_change_flags(dev, dev->flags | IFF_UP, extack);
	if (ret)
		goto err_del;
	ret = netdev_rx_handler_register(dev, vpc_gre_rx, pn);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "cannot receive from the GRE device");
		goto err_del;
	}
	return dev;

err_del:
	rtnl_delete_link(dev, 0, NULL);
	return ERR_PTR(ret);
}

/*
 * Take GRE off the device that holds PLANE's underlay IP before IP sees it,
 * if the device is free to take: a bridge port or a bond slave has its own
 * rx_handler, and then ip_gre and the GRE device do it all.  Both planes may
 * share one device.
 */
static void vpc_underlay_take(struct vpc_pernet *pn, unsigned int plane)
{
	struct net_device *dev;

	ASSERT_RTNL();
	if (!pn->fastpath || !pn->underlay[plane])
		return;
	dev = __ip_dev_find(pn->net, pn->underlay[plane], false);
	if (!dev || dev->flags & IFF_LOOPBACK)
		return;
	if (pn->ul_dev[!plane] != dev &&
	    netdev_rx_handler_register(dev, vpc_ul_rx, pn))
		return;
	pn->ul_dev[plane] = dev;
}

/* Give PLANE's device back (netdev_rx_handler_unregister waits for frames). */
static void vpc_underlay_give_back(struct vpc_pernet *pn, unsigned int plane)
{
	struct net_device *dev = pn->ul_dev[plane];

	ASSERT_RTNL();
	if (!dev)
		return;
	pn->ul_dev[plane] = NULL;
	if (pn->ul_dev[!plane] != dev)
		netdev_rx_handler_unregister(dev);
}

void vpc_underlay_dev_release(struct vpc_pernet *pn, struct net_device *dev)
{
	unsigned int plane;

	for (plane = 0; plane < VPC_PLANES; plane++)
		if (pn->ul_dev[plane] == dev)
			vpc_underlay_give_back(pn, plane);
}

int vpc_underlay_set(struct vpc_pernet *pn, unsigned int plane, __be32 ip,
		     struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;
	vpc_gretap_create_t create;

	ASSERT_RTNL();
	if (!rtnl_dereference(pn->gre_dev)) {
		/*
		 * request_module() must not run under RTNL (ip_gre's init
		 * takes it): the caller ran vpc_underlay_prepare() first.
		 */
		create = symbol_get(gretap_fb_dev_create);
		if (!create) {
			NL_SET_ERR_MSG_MOD(extack, "GRE (ip_gre) is not available");
			return -EOPNOTSUPP;
		}
		dev = vpc_underlay_gre_create(pn, create, extack);
		if (IS_ERR(dev)) {
			vpc_gretap_put();
			return PTR_ERR(dev);
		}
	}
	mutex_lock(&pn->lock);
	if (dev)
		rcu_assign_pointer(pn->gre_dev, dev);
	WRITE_ONCE(pn->underlay[plane], ip);
	vpc_pernet_changed(pn);
	mutex_unlock(&pn->lock);
	vpc_underlay_give_back(pn, plane);
	vpc_underlay_take(pn, plane);
	return 0;
}

void vpc_underlay_set_fastpath(struct vpc_pernet *pn, bool on)
{
	unsigned int plane;

	ASSERT_RTNL();
	pn->fastpath = on;
	for (plane = 0; plane < VPC_PLANES; plane++) {
		vpc_underlay_give_back(pn, plane);
		vpc_underlay_take(pn, plane);
	}
}

/* Load ip_gre outside of any lock, for vpc_underlay_set(). */
int vpc_underlay_prepare(void)
{
	vpc_gretap_create_t create = vpc_gretap_get();

	if (!create)
		return -EOPNOTSUPP;
	vpc_gretap_put();
	return 0;
}

static struct net_device *vpc_underlay_gre_detach(struct vpc_pernet *pn)
{
	struct net_device *dev = rtnl_dereference(pn->gre_dev);

	ASSERT_RTNL();
	if (!dev)
		return NULL;
	/* Waits for frames in flight from the underlay. */
	netdev_rx_handler_unregister(dev);
	mutex_lock(&pn->lock);
	RCU_INIT_POINTER(pn->gre_dev, NULL);
	vpc_pernet_changed(pn);
	mutex_unlock(&pn->lock);
	/* Frames from ports may still be sending through it under RCU. */
	synchronize_net();
	return dev;
}

void vpc_underlay_gre_gone(struct vpc_pernet *pn, struct net_device *dev)
{
	ASSERT_RTNL();
	if (dev != rtnl_dereference(pn->gre_dev))
		return;
	vpc_underlay_gre_detach(pn);
	vpc_gretap_put();
}

void vpc_underlay_teardown(struct vpc_pernet *pn)
{
	struct net_device *dev;
	unsigned int plane;

	ASSERT_RTNL();
	for (plane = 0; plane < VPC_PLANES; plane++)
		vpc_underlay_give_back(pn, plane);
	dev = vpc_underlay_gre_detach(pn);
	if (!dev)
		return;
	/* The notifier sees a device that is no longer ours and ignores it. */
	rtnl_delete_link(dev, 0, NULL);
	vpc_gretap_put();
}
