/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_MISS_H
#define _VPC_MISS_H

#include <linux/in6.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct vpc_pernet;
struct vpc_port;

/*
 * The destinations a port missed lately, so that each is announced at
 * most once a second: a small direct-mapped table, a fixed size per port.
 */
#define VPC_MISS_SLOTS	16

struct vpc_miss_slot {
	struct in6_addr ip;	/* IPv4 as ::ffff:a.b.c.d */
	unsigned long when;	/* jiffies of the last announcement */
};

struct vpc_miss_table {
	spinlock_t lock;	/* the slots; taken in softirq only */
	struct vpc_miss_slot slot[VPC_MISS_SLOTS];
};

void vpc_miss_init(struct vpc_miss_table *t);
/*
 * Packet path: PORT's VM sent to IP (ARP, ND or IP), an address that is
 * neither a port nor a mapping of its VPC.  If IP lies inside a subnet of
 * the VPC (and is not its gateway), it is announced on the notify group,
 * at most once per destination per second per port and within the port's
 * miss rate.  The caller drops the frame.
 */
void vpc_miss4(struct vpc_pernet *pn, struct vpc_port *port, __be32 ip);
void vpc_miss6(struct vpc_pernet *pn, struct vpc_port *port,
	       const struct in6_addr *ip);

#endif /* _VPC_MISS_H */
