/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_STATS_H
#define _VPC_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <linux/vpc.h>
#include <net/netlink.h>

/* Per-CPU counters indexed by enum vpc_stats_attr; lock-free on the fast path. */
struct vpc_stats {
	u64_stats_t cnt[__VPC_STATS_A_MAX];
	struct u64_stats_sync syncp;
};

struct vpc_stats __percpu *vpc_stats_alloc(void);
void vpc_stats_free(struct vpc_stats __percpu *stats);
/* Put counters FIRST..LAST as a VPC_A_STATS nest. */
int vpc_stats_fill(struct sk_buff *skb, struct vpc_stats __percpu *stats,
		   unsigned int first, unsigned int last);
/* Put a port's counters (both of its groups) as a VPC_A_STATS nest. */
int vpc_stats_fill_port(struct sk_buff *skb, struct vpc_stats __percpu *stats);

/* A run of counters an object reports: first..last. */
struct vpc_stats_range {
	u8 first;
	u8 last;
};

/* Ports report these; a VPC reports them (summed) and its GRE receive. */
extern const struct vpc_stats_range vpc_stats_port_ranges[2];
extern const struct vpc_stats_range vpc_stats_net_ranges[3];

/* Add every counter of STATS to SUM[__VPC_STATS_A_MAX]. */
void vpc_stats_accumulate(struct vpc_stats __percpu *stats, u64 *sum);
/* Put the RANGES of SUM as a VPC_A_STATS nest. */
int vpc_stats_fill_sums(struct sk_buff *skb, const u64 *sum,
			const struct vpc_stats_range *ranges,
			unsigned int n_ranges);
/* Put the RANGES of STATS as a VPC_A_STATS nest. */
int vpc_stats_fill_ranges(struct sk_buff *skb,
			  struct vpc_stats __percpu *stats,
			  const struct vpc_stats_range *ranges,
			  unsigned int n_ranges);

static inline void vpc_stats_add(struct vpc_stats __percpu *stats,
				 unsigned int idx, u64 n)
{
	struct vpc_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->cnt[idx], n);
	u64_stats_update_end(&s->syncp);
}

static inline void vpc_stats_inc(struct vpc_stats __percpu *stats,
				 unsigned int idx)
{
	vpc_stats_add(stats, idx, 1);
}

/* A packet and its bytes, as one update. */
static inline void vpc_stats_pkt(struct vpc_stats __percpu *stats,
				 unsigned int pkt_idx, unsigned int len)
{
	struct vpc_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[pkt_idx]);
	u64_stats_add(&s->cnt[pkt_idx + 1], len);
	u64_stats_update_end(&s->syncp);
}

#endif /* _VPC_STATS_H */
