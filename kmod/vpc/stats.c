// SPDX-License-Identifier: GPL-2.0
/* Counters: per CPU on the packet path, summed when userspace asks. */
#include <linux/cpumask.h>

#include "stats.h"

struct vpc_stats __percpu *vpc_stats_alloc(void)
{
	struct vpc_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct vpc_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void vpc_stats_free(struct vpc_stats __percpu *stats)
{
	free_percpu(stats);
}

static u64 vpc_stats_sum(struct vpc_stats __percpu *stats, unsigned int idx)
{
	unsigned int start;
	u64 sum = 0, v;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct vpc_stats *s = per_cpu_ptr(stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v = u64_stats_read(&s->cnt[idx]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum += v;
	}
	return sum;
}

int vpc_stats_fill(struct sk_buff *skb, struct vpc_stats __percpu *stats,
		   unsigned int first, unsigned int last)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, VPC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = first; i <= last; i++) {
		if (nla_put_u64_64bit(skb, i, vpc_stats_sum(stats, i),
				      VPC_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

const struct vpc_stats_range vpc_stats_port_ranges[2] = {
	{ VPC_STATS_PORT_FIRST, VPC_STATS_PORT_LAST },
	{ VPC_STATS_PORT2_FIRST, VPC_STATS_PORT2_LAST },
};

const struct vpc_stats_range vpc_stats_net_ranges[3] = {
	{ VPC_STATS_PORT_FIRST, VPC_STATS_PORT_LAST },
	{ VPC_STATS_PORT2_FIRST, VPC_STATS_PORT2_LAST },
	/* gre-drop-unknown-key stays 0: such a key names no VPC. */
	{ VPC_STATS_A_GRE_RX_PACKETS, VPC_STATS_GRE_LAST },
};

void vpc_stats_accumulate(struct vpc_stats __percpu *stats, u64 *sum)
{
	unsigned int i;

	for (i = VPC_STATS_A_PAD + 1; i < __VPC_STATS_A_MAX; i++)
		sum[i] += vpc_stats_sum(stats, i);
}

int vpc_stats_fill_sums(struct sk_buff *skb, const u64 *sum,
			const struct vpc_stats_range *ranges,
			unsigned int n_ranges)
{
	struct nlattr *nest;
	unsigned int r, i;

	nest = nla_nest_start(skb, VPC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (r = 0; r < n_ranges; r++) {
		for (i = ranges[r].first; i <= ranges[r].last; i++) {
			if (nla_put_u64_64bit(skb, i, sum[i],
					      VPC_STATS_A_PAD)) {
				nla_nest_cancel(skb, nest);
				return -EMSGSIZE;
			}
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int vpc_stats_fill_ranges(struct sk_buff *skb,
			  struct vpc_stats __percpu *stats,
			  const struct vpc_stats_range *ranges,
			  unsigned int n_ranges)
{
	u64 sum[__VPC_STATS_A_MAX] = { 0 };

	vpc_stats_accumulate(stats, sum);
	return vpc_stats_fill_sums(skb, sum, ranges, n_ranges);
}
