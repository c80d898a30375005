// SPDX-License-Identifier: GPL-2.0
/*
 * vpc.ko: per-host VPC networking over GRE (GRE key = VPC id).
 * This file only orders initialisation; each step lives in its own file.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "dns.h"
#include "map.h"
#include "netlink.h"
#include "pernet.h"
#include "port.h"
#include "vip.h"
#include "vnet.h"

static int __init vpc_init(void)
{
	int ret;

	ret = vpc_net_cache_init();
	if (ret)
		goto err;
	ret = vpc_map_cache_init();
	if (ret)
		goto err_net_cache;
	ret = vpc_port_cache_init();
	if (ret)
		goto err_map_cache;
	ret = vpc_vip_cache_init();
	if (ret)
		goto err_port_cache;
	ret = vpc_dns_cache_init();
	if (ret)
		goto err_vip_cache;
	ret = vpc_pernet_init();
	if (ret)
		goto err_dns_cache;
	ret = vpc_genl_init();
	if (ret)
		goto err_pernet;
	pr_info("vpc: loaded\n");
	return 0;

err_pernet:
	vpc_pernet_exit();
err_dns_cache:
	vpc_dns_cache_exit();
err_vip_cache:
	vpc_vip_cache_exit();
err_port_cache:
	vpc_port_cache_exit();
err_map_cache:
	vpc_map_cache_exit();
err_net_cache:
	vpc_net_cache_exit();
err:
	return ret;
}

static void __exit vpc_exit(void)
{
	vpc_genl_exit();
	vpc_pernet_exit();
	vpc_dns_cache_exit();
	vpc_vip_cache_exit();
	vpc_port_cache_exit();
	vpc_map_cache_exit();
	vpc_net_cache_exit();
}

module_init(vpc_init);
module_exit(vpc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Nimbus per-host VPC networking over GRE");
MODULE_AUTHOR("Nimbus developers");
MODULE_ALIAS_GENL_FAMILY(VPC_GENL_NAME);
