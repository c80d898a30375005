// SPDX-License-Identifier: GPL-2.0
/*
 * Netdev events: a port's netdev or the GRE device going away (deleted,
 * moved to another netns, or its netns exiting) takes its object with it.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "device.h"
#include "netlink.h"
#include "pernet.h"
#include "port.h"
#include "qos.h"
#include "underlay.h"

static int vpc_device_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct vpc_pernet *pn = container_of(nb, struct vpc_pernet, netdev_nb);
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct vpc_port *port;

	/*
	 * A bridge or bond announces a new port with NETDEV_JOIN before it
	 * takes the rx_handler, OVS with NETDEV_PRECHANGEUPPER.
	 */
	if (event == NETDEV_JOIN || event == NETDEV_PRECHANGEUPPER) {
		vpc_underlay_dev_release(pn, dev);
		return NOTIFY_DONE;
	}
	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	mutex_lock(&pn->lock);
	port = vpc_port_find(pn, dev->ifindex);
	if (port && port->dev == dev) {
		vpc_nl_port_notify(pn, port, VPC_CMD_PORT_DEL);
		vpc_port_del(pn, port);
	}
	mutex_unlock(&pn->lock);
	vpc_underlay_gre_gone(pn, dev);
	vpc_qos_dev_gone(pn, dev);
	vpc_underlay_dev_release(pn, dev);
	return NOTIFY_DONE;
}

int vpc_device_notifier_register(struct vpc_pernet *pn)
{
	pn->netdev_nb.notifier_call = vpc_device_event;
	return register_netdevice_notifier_net(pn->net, &pn->netdev_nb);
}

/* Replays NETDEV_UNREGISTER for every netdev left: call after teardown. */
void vpc_device_notifier_unregister(struct vpc_pernet *pn)
{
	unregister_netdevice_notifier_net(pn->net, &pn->netdev_nb);
}
