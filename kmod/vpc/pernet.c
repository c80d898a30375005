// SPDX-License-Identifier: GPL-2.0
/* Per-network-namespace state: each simulated or real host is one netns. */
#include <linux/rtnetlink.h>

#include "device.h"
#include "map.h"
#include "path.h"
#include "pernet.h"
#include "port.h"
#include "qos.h"
#include "stats.h"
#include "underlay.h"
#include "vip.h"
#include "vnet.h"

unsigned int vpc_pernet_id __read_mostly;

static int __net_init vpc_pernet_net_init(struct net *net)
{
	struct vpc_pernet *pn = vpc_pernet(net);
	int ret;

	pn->net = net;
	mutex_init(&pn->lock);
	xa_init(&pn->nets);
	xa_init(&pn->ports);
	xa_init(&pn->paths);
	vpc_qos_init(pn);
	pn->stats = vpc_stats_alloc();
	if (!pn->stats) {
		vpc_qos_exit(pn);
		return -ENOMEM;
	}
	ret = vpc_map_tables_init(pn);
	if (ret)
		goto err_stats;
	ret = vpc_port_table_init(pn);
	if (ret)
		goto err_maps;
	ret = vpc_vip_table_init(pn);
	if (ret)
		goto err_ports;
	ret = vpc_device_notifier_register(pn);
	if (ret)
		goto err_vips;
	return 0;

err_vips:
	vpc_vip_table_exit(pn);
err_ports:
	vpc_port_table_exit(pn);
err_maps:
	vpc_map_tables_exit(pn);
err_stats:
	vpc_stats_free(pn->stats);
	vpc_qos_exit(pn);
	return ret;
}

/*
 * On netns exit the netdevs are already gone (device exits run before
 * subsystem exits) and the netdev notifier removed their ports; on module
 * unload they are not, so ports, the GRE device and vpc-ingress and
 * vpc-local are torn down here,
 * under RTNL.  The VPCs and their mappings go after RTNL is released (a
 * million mappings take seconds).
 */
static void __net_exit vpc_pernet_net_exit(struct net *net)
{
	struct vpc_pernet *pn = vpc_pernet(net);

	rtnl_lock();
	mutex_lock(&pn->lock);
	vpc_port_flush(pn, NULL);
	mutex_unlock(&pn->lock);
	vpc_underlay_teardown(pn);
	vpc_qos_teardown(pn);
	rtnl_unlock();

	mutex_lock(&pn->lock);
	vpc_net_flush(pn);
	vpc_path_flush(pn);
	mutex_unlock(&pn->lock);

	vpc_device_notifier_unregister(pn);
	vpc_vip_table_exit(pn);
	vpc_port_table_exit(pn);
	vpc_map_tables_exit(pn);
	vpc_stats_free(pn->stats);
	vpc_qos_exit(pn);
	xa_destroy(&pn->paths);
	xa_destroy(&pn->ports);
	xa_destroy(&pn->nets);
	mutex_destroy(&pn->lock);
}

static struct pernet_operations vpc_pernet_ops = {
	.init = vpc_pernet_net_init,
	.exit = vpc_pernet_net_exit,
	.id = &vpc_pernet_id,
	.size = sizeof(struct vpc_pernet),
};

int vpc_pernet_init(void)
{
	return register_pernet_subsys(&vpc_pernet_ops);
}

void vpc_pernet_exit(void)
{
	unregister_pernet_subsys(&vpc_pernet_ops);
}
