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

/* Put the counters of each [first, last] range in RANGES as one nest. */
static int vpc_stats_fill_ranges(struct sk_buff *skb,
				 struct vpc_stats __percpu *stats,
				 const unsigned int (*ranges)[2], unsigned int n)
{
	struct nlattr *nest;
	unsigned int r, i;

	nest = nla_nest_start(skb, VPC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (r = 0; r < n; r++) {
		for (i = ranges[r][0]; i <= ranges[r][1]; i++) {
			if (nla_put_u64_64bit(skb, i, vpc_stats_sum(stats, i),
					      VPC_STATS_A_PAD)) {
				nla_nest_cancel(skb, nest);
				return -EMSGSIZE;
			}
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

int vpc_stats_fill(struct sk_buff *skb, struct vpc_stats __percpu *stats,
		   unsigned int first, unsigned int last)
{
	const unsigned int range[1][2] = { { first, last } };

	return vpc_stats_fill_ranges(skb, stats, range, 1);
}

int vpc_stats_fill_port(struct sk_buff *skb, struct vpc_stats __percpu *stats)
{
	/* Counters added later sit after the GRE group in the enum. */
	static const unsigned int ranges[][2] = {
		{ VPC_STATS_PORT_FIRST, VPC_STATS_PORT_LAST },
		{ VPC_STATS_PORT2_FIRST, VPC_STATS_PORT2_LAST },
	};

	return vpc_stats_fill_ranges(skb, stats, ranges, ARRAY_SIZE(ranges));
}
