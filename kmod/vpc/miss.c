// SPDX-License-Identifier: GPL-2.0
/*
 * Miss events: a VM sent to an address of its VPC's subnets that this host
 * has neither as a port nor as a mapping.  The frame is dropped as before;
 * the event tells the control plane which mapping this host lacks, the hook
 * by which an agent can fetch mappings on demand instead of holding every
 * mapping of every VPC.
 */
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <net/ipv6.h>

#include "miss.h"
#include "netlink.h"
#include "port.h"
#include "ratelimit.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

void vpc_miss_init(struct vpc_miss_table *t)
{
	spin_lock_init(&t->lock);
	memset(t->slot, 0, sizeof(t->slot));
}

/* Whether IP was announced for this port less than a second ago; if not, it is now. */
static bool vpc_miss_seen(struct vpc_miss_table *t, const struct in6_addr *ip)
{
	struct vpc_miss_slot *s;
	unsigned long now = jiffies;
	bool seen;

	s = &t->slot[jhash2(ip->s6_addr32, 4, 0) % VPC_MISS_SLOTS];
	spin_lock(&t->lock);
	seen = s->when && ipv6_addr_equal(&s->ip, ip) &&
	       time_before(now, s->when + HZ);
	if (!seen) {
		s->ip = *ip;
		/* 0 means empty. */
		s->when = now ?: 1;
	}
	spin_unlock(&t->lock);
	return seen;
}

static void vpc_miss(struct vpc_pernet *pn, struct vpc_port *port,
		     const struct in6_addr *ip)
{
	if (vpc_miss_seen(&port->misses, ip) ||
	    !vpc_ratelimit(port, VPC_RL_MISS))
		return;
	vpc_stats_inc(port->stats, VPC_STATS_A_MISSES);
	vpc_nl_miss_notify(pn, port, ip);
}

void vpc_miss4(struct vpc_pernet *pn, struct vpc_port *port, __be32 ip)
{
	const struct vpc_prefix *subnet;
	struct in6_addr key;
	__be32 host;

	subnet = vpc_subnet_lookup(port->vnet, ip);
	if (!subnet || subnet->addr == ip)
		return;
	/* Not the network or broadcast address of a subnet with room for them. */
	host = ip & ~inet_make_mask(subnet->plen);
	if (subnet->plen < 31 && (!host || host == ~inet_make_mask(subnet->plen)))
		return;
	ipv6_addr_set_v4mapped(ip, &key);
	vpc_miss(pn, port, &key);
}

void vpc_miss6(struct vpc_pernet *pn, struct vpc_port *port,
	       const struct in6_addr *ip)
{
	const struct vpc_prefix *subnet;

	subnet = vpc_subnet_lookup6(port->vnet, ip);
	if (!subnet || ipv6_addr_equal(&subnet->addr6, ip))
		return;
	vpc_miss(pn, port, ip);
}
