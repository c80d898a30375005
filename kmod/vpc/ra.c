// SPDX-License-Identifier: GPL-2.0
/*
 * Router advertisements, sent only to a VM that solicits them: from the
 * gateway's link-local address (derived from the gateway MAC, and answered
 * for in neighbour discovery like the gateway), with the prefixes of the
 * port's IPv6 subnets on-link but not for autoconfiguration (the address
 * is the controller's, handed out by DHCPv6: the M flag), the MTU, and
 * the DNS servers and search domain of the subnet (RFC 8106).
 */
#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "dns.h"
#include "pernet.h"
#include "port.h"
#include "ratelimit.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

/* Lifetimes: the module answers solicitations only, so make them long. */
#define VPC_RA_ROUTER_LIFETIME	65535	/* seconds, the most (RFC 8319) */
#define VPC_RA_INFINITY		0xffffffff
#define VPC_RA_HOP_LIMIT	64

#define VPC_ND_OPT_RDNSS	25
#define VPC_ND_OPT_DNSSL	31

/* A router advertisement's fixed part (RFC 4861 4.2). */
struct vpc_ra {
	struct icmp6hdr icmph;
	__be32 reachable_time;
	__be32 retrans_timer;
} __packed;

/* The prefix information option (RFC 4861 4.6.2). */
struct vpc_ra_pio {
	u8 type;
	u8 len;
	u8 plen;
	u8 flags;
	__be32 valid;
	__be32 preferred;
	__be32 reserved;
	struct in6_addr prefix;
} __packed;

#define VPC_RA_PIO_ONLINK	0x80

void vpc_gw_ll6(const struct vpc_net *vnet, struct in6_addr *ll)
{
	ipv6_addr_set(ll, htonl(0xfe800000), 0, 0, 0);
	addrconf_addr_eui48(ll->s6_addr + 8, vnet->gw_mac);
}

/* The IPv6 subnets of PORT's host addresses, at most MAX, into OUT. */
static unsigned int vpc_ra_subnets(const struct vpc_port *port,
				   const struct vpc_prefix **out,
				   unsigned int max)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < port->n_addrs && n < max; i++) {
		const struct vpc_port_addr *a = &port->addrs[i];
		const struct vpc_prefix *subnet;

		if (!a->ip6 || a->plen != 128)
			continue;
		subnet = vpc_subnet_lookup6(port->vnet, &a->key6.ip);
		for (j = 0; subnet && j < n; j++)
			if (out[j] == subnet)
				subnet = NULL;
		if (subnet)
			out[n++] = subnet;
	}
	return n;
}

/* A domain name in DNS wire format (RFC 1035 3.1) at P; its length. */
static unsigned int vpc_ra_domain(u8 *p, const char *name)
{
	unsigned int n = 0;
	const char *dot;

	while (*name) {
		dot = strchrnul(name, '.');
		p[n++] = dot - name;
		memcpy(p + n, name, dot - name);
		n += dot - name;
		name = *dot ? dot + 1 : dot;
	}
	p[n++] = 0;
	return n;
}

/* The options after the fixed part, at P; their length. */
static unsigned int vpc_ra_options(struct vpc_pernet *pn, u8 *p,
				   const struct vpc_port *port,
				   const struct vpc_prefix **subnets,
				   unsigned int n)
{
	const struct vpc_net *vnet = port->vnet;
	const struct vpc_dns *dns = NULL;
	unsigned int i, k, len = 0, servers;
	struct vpc_ra_pio *pio;

	/* Source link-layer address: the gateway MAC. */
	p[len] = ND_OPT_SOURCE_LL_ADDR;
	p[len + 1] = 1;
	ether_addr_copy(p + len + 2, vnet->gw_mac);
	len += 8;
	/* MTU. */
	p[len] = ND_OPT_MTU;
	p[len + 1] = 1;
	put_unaligned_be32(vpc_dhcp_mtu(pn), p + len + 4);
	len += 8;
	for (i = 0; i < n; i++) {
		pio = (struct vpc_ra_pio *)(p + len);
		pio->type = ND_OPT_PREFIX_INFO;
		pio->len = sizeof(*pio) / 8;
		pio->plen = subnets[i]->plen;
		/* On-link; not autonomous, so no SLAAC address appears. */
		pio->flags = VPC_RA_PIO_ONLINK;
		pio->valid = htonl(VPC_RA_INFINITY);
		pio->preferred = htonl(VPC_RA_INFINITY);
		pio->prefix = subnets[i]->ip6;
		len += sizeof(*pio);
		if (!dns)
			dns = vpc_dns_find(vnet, subnets[i]);
	}
	if (!dns)
		return len;
	/* RDNSS: the subnet's IPv6 servers. */
	for (i = 0, servers = 0; i < dns->n; i++)
		servers += !ipv6_addr_v4mapped(&dns->server[i]);
	if (servers) {
		p[len] = VPC_ND_OPT_RDNSS;
		p[len + 1] = 1 + 2 * servers;
		put_unaligned_be32(VPC_RA_INFINITY, p + len + 4);
		for (i = 0, k = 0; i < dns->n; i++)
			if (!ipv6_addr_v4mapped(&dns->server[i]))
				memcpy(p + len + 8 + 16 * k++, &dns->server[i], 16);
		len += 8 + 16 * servers;
	}
	/* DNSSL: the search domain, padded to 8 bytes. */
	if (dns->domain[0]) {
		k = 8 + vpc_ra_domain(p + len + 8, dns->domain);
		k = ALIGN(k, 8);
		p[len] = VPC_ND_OPT_DNSSL;
		p[len + 1] = k / 8;
		put_unaligned_be32(VPC_RA_INFINITY, p + len + 4);
		len += k;
	}
	return len;
}

/* The most an advertisement needs: fixed part, SLLAO, MTU, PIOs, DNS. */
#define VPC_RA_SUBNETS_MAX	4
#define VPC_RA_MAX	(sizeof(struct vpc_ra) + 16 + \
			 VPC_RA_SUBNETS_MAX * sizeof(struct vpc_ra_pio) + \
			 8 + 16 * VPC_DNS_MAX + 8 + VPC_DOMAIN_MAXLEN + 8)

/*
 * SKB is a router solicitation from PORT's VM (nd.c has checked it);
 * answered with an advertisement to its source, or to all nodes from ::.
 */
void vpc_ra_rx(struct vpc_pernet *pn, struct vpc_port *port,
	       struct sk_buff *skb)
{
	const struct vpc_prefix *subnets[VPC_RA_SUBNETS_MAX];
	struct in6_addr saddr, daddr;
	struct sk_buff *reply;
	struct vpc_ra *ra;
	unsigned int n, len;

	n = vpc_ra_subnets(port, subnets, ARRAY_SIZE(subnets));
	if (!n) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_ND, skb);
		return;
	}
	daddr = ipv6_hdr(skb)->saddr;
	if (ipv6_addr_any(&daddr))
		ipv6_addr_set(&daddr, htonl(0xff020000), 0, 0, htonl(1));
	consume_skb(skb);
	if (!vpc_ratelimit(port, VPC_RL_ANSWER))
		return;

	vpc_gw_ll6(port->vnet, &saddr);
	reply = vpc_reply_icmp6(port, port->vnet->gw_mac, &saddr, &daddr, 255,
				VPC_RA_MAX);
	if (!reply)
		return;
	ra = (struct vpc_ra *)(ipv6_hdr(reply) + 1);
	ra->icmph.icmp6_type = NDISC_ROUTER_ADVERTISEMENT;
	ra->icmph.icmp6_hop_limit = VPC_RA_HOP_LIMIT;
	/* Addresses by DHCPv6 (M); the rest too, then (O). */
	ra->icmph.icmp6_addrconf_managed = 1;
	ra->icmph.icmp6_addrconf_other = 1;
	ra->icmph.icmp6_rt_lifetime = htons(VPC_RA_ROUTER_LIFETIME);
	len = sizeof(*ra) + vpc_ra_options(pn, (u8 *)(ra + 1), port, subnets, n);
	skb_trim(reply, ETH_HLEN + sizeof(struct ipv6hdr) + len);
	ipv6_hdr(reply)->payload_len = htons(len);
	vpc_stats_inc(port->stats, VPC_STATS_A_RA_REPLIES);
	vpc_reply_icmp6_send(port, reply);
}
