/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_RATELIMIT_H
#define _VPC_RATELIMIT_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct vpc_port;

/*
 * What a port's VM can make the module send, each class with its own
 * token bucket, so that a VM flooding one class cannot starve another.
 */
enum vpc_rl_class {
	VPC_RL_ANSWER,	/* ARP and ND replies, DHCP, RA, DHCPv6 */
	VPC_RL_ICMP,	/* time exceeded, frag-needed, too-big, echo replies */
	VPC_RL_MISS,	/* miss events to the control plane */
	VPC_RL_CLASSES
};

/* A token bucket; credit and last in nanoseconds, under lock. */
struct vpc_bucket {
	spinlock_t lock;	/* credit and last; softirq only */
	u64 credit;
	u64 last;
};

void vpc_ratelimit_init(struct vpc_bucket *b);
/*
 * Packet path (softirq): whether PORT's VM may get one more of CLASS now.
 * If not, the withheld answer is counted as drop_ratelimit.
 */
bool vpc_ratelimit(struct vpc_port *port, enum vpc_rl_class class);

#endif /* _VPC_RATELIMIT_H */
