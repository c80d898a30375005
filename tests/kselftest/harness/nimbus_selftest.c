// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that scripts/vm-run catches kernel bugs: with warn=1 the module
 * WARNs at load; with leak=1 it leaves an object in its own kmem_cache at
 * unload, which SLUB reports as "Objects remaining".
 */
#include <linux/module.h>
#include <linux/slab.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN once at load");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak one object from the module's cache at unload");

struct nimbus_selftest_obj {
	u64 payload[4];
};

static struct kmem_cache *nimbus_selftest_cache;
static struct nimbus_selftest_obj *nimbus_selftest_obj;

static int __init nimbus_selftest_init(void)
{
	nimbus_selftest_cache = KMEM_CACHE(nimbus_selftest_obj, 0);
	if (!nimbus_selftest_cache)
		return -ENOMEM;
	nimbus_selftest_obj = kmem_cache_zalloc(nimbus_selftest_cache, GFP_KERNEL);
	if (!nimbus_selftest_obj) {
		kmem_cache_destroy(nimbus_selftest_cache);
		return -ENOMEM;
	}
	WARN(warn, "nimbus_selftest: deliberate warning\n");
	return 0;
}

static void __exit nimbus_selftest_exit(void)
{
	if (!leak)
		kmem_cache_free(nimbus_selftest_cache, nimbus_selftest_obj);
	kmem_cache_destroy(nimbus_selftest_cache);
}

module_init(nimbus_selftest_init);
module_exit(nimbus_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Nimbus VM harness self-test module");
