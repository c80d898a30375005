// SPDX-License-Identifier: GPL-2.0
/*
 * Rate limits on everything the module sends a VM on its own (ARP and ND
 * replies, DHCP, router advertisements, ICMP errors and echo replies of the
 * gateway) and on the miss events it raises for a port: a token bucket per
 * port and class, the defaults module parameters (writable at run time in
 * /sys/module/vpc/parameters).  Documentation/vpc.md says why these.
 */
#include <linux/ktime.h>
#include <linux/moduleparam.h>

#include "port.h"
#include "ratelimit.h"
#include "stats.h"

static unsigned int answer_rate __read_mostly = 100;
module_param(answer_rate, uint, 0644);
MODULE_PARM_DESC(answer_rate,
		 "ARP, ND, DHCP, RA and DHCPv6 answers per second per port (0: no limit)");
static unsigned int answer_burst __read_mostly = 100;
module_param(answer_burst, uint, 0644);
MODULE_PARM_DESC(answer_burst, "burst of answers per port");

static unsigned int icmp_rate __read_mostly = 100;
module_param(icmp_rate, uint, 0644);
MODULE_PARM_DESC(icmp_rate,
		 "ICMP errors and gateway echo replies per second per port (0: no limit)");
static unsigned int icmp_burst __read_mostly = 100;
module_param(icmp_burst, uint, 0644);
MODULE_PARM_DESC(icmp_burst, "burst of ICMP messages per port");

static unsigned int miss_rate __read_mostly = 100;
module_param(miss_rate, uint, 0644);
MODULE_PARM_DESC(miss_rate,
		 "miss events per second per port, on top of one per destination per second (0: no limit)");
static unsigned int miss_burst __read_mostly = 100;
module_param(miss_burst, uint, 0644);
MODULE_PARM_DESC(miss_burst, "burst of miss events per port");

void vpc_ratelimit_init(struct vpc_bucket *b)
{
	spin_lock_init(&b->lock);
	/* A new port starts with a full bucket. */
	b->credit = U64_MAX;
	b->last = 0;
}

static void vpc_ratelimit_params(enum vpc_rl_class class, u32 *rate,
				 u32 *burst)
{
	switch (class) {
	case VPC_RL_ANSWER:
		*rate = READ_ONCE(answer_rate);
		*burst = READ_ONCE(answer_burst);
		break;
	case VPC_RL_ICMP:
		*rate = READ_ONCE(icmp_rate);
		*burst = READ_ONCE(icmp_burst);
		break;
	default:
		*rate = READ_ONCE(miss_rate);
		*burst = READ_ONCE(miss_burst);
		break;
	}
}

/*
 * The bucket holds up to BURST tokens of NSEC_PER_SEC / RATE nanoseconds
 * each and refills with the time that passes, as xt_limit and the
 * kernel's ICMP limit (inet_peer_xrlim_allow) do.
 */
bool vpc_ratelimit(struct vpc_port *port, enum vpc_rl_class class)
{
	struct vpc_bucket *b = &port->buckets[class];
	u64 now, cost, max;
	u32 rate, burst;
	bool ok;

	vpc_ratelimit_params(class, &rate, &burst);
	if (!rate)
		return true;
	cost = NSEC_PER_SEC / rate;
	max = cost * max(burst, 1U);
	now = ktime_get_mono_fast_ns();

	spin_lock(&b->lock);
	if (b->credit > max || now - b->last >= max)
		b->credit = max;
	else
		b->credit = min(b->credit + (now - b->last), max);
	b->last = now;
	ok = b->credit >= cost;
	if (ok)
		b->credit -= cost;
	spin_unlock(&b->lock);

	if (!ok)
		vpc_stats_inc(port->stats, VPC_STATS_A_DROP_RATELIMIT);
	return ok;
}
