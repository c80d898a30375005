// SPDX-License-Identifier: GPL-2.0
/*
 * cbs.ko: the Cloud Block Store device, a blk-mq disk backed by storage
 * servers over TCP.  This file only orders initialisation.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "dev.h"
#include "netlink.h"

static int __init cbs_init(void)
{
	int ret;

	ret = cbs_dev_init();
	if (ret)
		return ret;
	ret = cbs_genl_init();
	if (ret)
		goto err_dev;
	pr_info("cbs: loaded\n");
	return 0;

err_dev:
	cbs_dev_exit();
	return ret;
}

static void __exit cbs_exit(void)
{
	cbs_genl_exit();
	cbs_dev_exit();
}

module_init(cbs_init);
module_exit(cbs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Nimbus Cloud Block Store device");
MODULE_AUTHOR("Nimbus developers");
MODULE_ALIAS_GENL_FAMILY(CBS_GENL_NAME);
