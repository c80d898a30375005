// SPDX-License-Identifier: GPL-2.0
/*
 * The DHCPv6 server of each port (RFC 8415), answered by the module on the
 * VM's own host: SOLICIT, REQUEST, RENEW and REBIND for a non-temporary
 * address (IA_NA) get the port's first IPv6 host address, with the
 * subnet's DNS servers and search domain; INFORMATION-REQUEST gets those
 * alone; CONFIRM, RELEASE and DECLINE get a success status, since the
 * address is the controller's and no lease is kept.  The server is the
 * gateway: its link-local address, and a DUID made of the gateway MAC.
 */
#include <linux/etherdevice.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "dns.h"
#include "pernet.h"
#include "port.h"
#include "ratelimit.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

#define VPC_DHCP6_CLIENT_PORT	546
#define VPC_DHCP6_SERVER_PORT	547
#define VPC_DHCP6_DUID_MAX	130	/* RFC 8415 11.1: 2 + 128 */
#define VPC_DHCP6_MAX		400	/* the largest reply we build */

enum {
	VPC_DHCP6_SOLICIT = 1,
	VPC_DHCP6_ADVERTISE,
	VPC_DHCP6_REQUEST,
	VPC_DHCP6_CONFIRM,
	VPC_DHCP6_RENEW,
	VPC_DHCP6_REBIND,
	VPC_DHCP6_REPLY,
	VPC_DHCP6_RELEASE,
	VPC_DHCP6_DECLINE,
	VPC_DHCP6_INFO_REQUEST = 11,
};

enum {
	VPC_OPT6_CLIENTID = 1,
	VPC_OPT6_SERVERID = 2,
	VPC_OPT6_IA_NA = 3,
	VPC_OPT6_IAADDR = 5,
	VPC_OPT6_STATUS = 13,
	VPC_OPT6_RAPID_COMMIT = 14,
	VPC_OPT6_DNS = 23,
	VPC_OPT6_DOMAINS = 24,
};

/* What a client's message says. */
struct vpc_dhcp6_req {
	u8 type;
	u8 xid[3];
	const u8 *client;	/* its DUID, or NULL */
	unsigned int client_len;
	const u8 *server;	/* the DUID it addresses, or NULL */
	unsigned int server_len;
	bool ia;		/* it asks for a non-temporary address */
	__be32 iaid;
	bool rapid;
};

bool vpc_dhcp6_is_request(struct sk_buff *skb)
{
	const struct udphdr *udph;

	if (ipv6_hdr(skb)->nexthdr != IPPROTO_UDP ||
	    !pskb_may_pull(skb, sizeof(struct ipv6hdr) + sizeof(*udph)))
		return false;
	udph = (const struct udphdr *)(ipv6_hdr(skb) + 1);
	return udph->dest == htons(VPC_DHCP6_SERVER_PORT) &&
	       udph->source == htons(VPC_DHCP6_CLIENT_PORT);
}

static bool vpc_dhcp6_parse(const u8 *msg, unsigned int len,
			    struct vpc_dhcp6_req *req)
{
	memset(req, 0, sizeof(*req));
	if (len < 4)
		return false;
	req->type = msg[0];
	memcpy(req->xid, msg + 1, 3);
	msg += 4;
	len -= 4;
	while (len >= 4) {
		u16 code = get_unaligned_be16(msg);
		u16 olen = get_unaligned_be16(msg + 2);

		if (olen > len - 4)
			return false;
		switch (code) {
		case VPC_OPT6_CLIENTID:
			if (olen > VPC_DHCP6_DUID_MAX)
				return false;
			req->client = msg + 4;
			req->client_len = olen;
			break;
		case VPC_OPT6_SERVERID:
			req->server = msg + 4;
			req->server_len = olen;
			break;
		case VPC_OPT6_IA_NA:
			if (olen < 12 || req->ia)
				break;
			req->ia = true;
			memcpy(&req->iaid, msg + 4, 4);
			break;
		case VPC_OPT6_RAPID_COMMIT:
			req->rapid = true;
			break;
		}
		msg += 4 + olen;
		len -= 4 + olen;
	}
	return !len;
}

/* Our DUID: DUID-LL (type 3, hardware type 1) of the gateway MAC. */
static void vpc_dhcp6_duid(const struct vpc_net *vnet, u8 *duid)
{
	put_unaligned_be16(3, duid);
	put_unaligned_be16(1, duid + 2);
	ether_addr_copy(duid + 4, vnet->gw_mac);
}

#define VPC_DHCP6_DUID_LEN	10

static u8 *vpc_dhcp6_opt(u8 *p, u16 code, const void *data, u16 len)
{
	put_unaligned_be16(code, p);
	put_unaligned_be16(len, p + 2);
	memcpy(p + 4, data, len);
	return p + 4 + len;
}

/* The port's first IPv6 host address, as given at port add; false if none. */
static bool vpc_dhcp6_port_ip(const struct vpc_port *port,
			      struct in6_addr *ip)
{
	unsigned int i;

	for (i = 0; i < port->n_addrs; i++) {
		if (port->addrs[i].ip6 && port->addrs[i].plen == 128) {
			*ip = port->addrs[i].key6.ip;
			return true;
		}
	}
	return false;
}

/* IA_NA with the address IP and the lease, at P. */
static u8 *vpc_dhcp6_put_ia(u8 *p, __be32 iaid, const struct in6_addr *ip)
{
	u32 lease = vpc_dhcp_lease();
	u8 ia[12 + 4 + 24];

	memcpy(ia, &iaid, 4);
	put_unaligned_be32(lease / 2, ia + 4);
	put_unaligned_be32(lease / 5 * 4, ia + 8);
	put_unaligned_be16(VPC_OPT6_IAADDR, ia + 12);
	put_unaligned_be16(24, ia + 14);
	memcpy(ia + 16, ip, 16);
	put_unaligned_be32(lease, ia + 32);	/* preferred */
	put_unaligned_be32(lease, ia + 36);	/* valid */
	return vpc_dhcp6_opt(p, VPC_OPT6_IA_NA, ia, sizeof(ia));
}

/* The subnet's IPv6 DNS servers and its domain (RFC 3646), at P. */
static u8 *vpc_dhcp6_put_dns(u8 *p, const struct vpc_dns *dns)
{
	struct in6_addr servers[VPC_DNS_MAX];
	u8 name[VPC_DOMAIN_MAXLEN + 2];
	unsigned int i, n = 0, len = 0;
	const char *s, *dot;

	if (!dns)
		return p;
	for (i = 0; i < dns->n; i++)
		if (!ipv6_addr_v4mapped(&dns->server[i]))
			servers[n++] = dns->server[i];
	if (n)
		p = vpc_dhcp6_opt(p, VPC_OPT6_DNS, servers, n * sizeof(servers[0]));
	if (!dns->domain[0])
		return p;
	for (s = dns->domain; *s; s = *dot ? dot + 1 : dot) {
		dot = strchrnul(s, '.');
		name[len++] = dot - s;
		memcpy(name + len, s, dot - s);
		len += dot - s;
	}
	name[len++] = 0;
	return vpc_dhcp6_opt(p, VPC_OPT6_DOMAINS, name, len);
}

static void vpc_dhcp6_reply(struct vpc_pernet *pn, struct vpc_port *port,
			    const struct in6_addr *daddr,
			    const struct vpc_dhcp6_req *req, u8 type,
			    const struct in6_addr *ip,
			    const struct vpc_prefix *subnet)
{
	const struct vpc_net *vnet = port->vnet;
	unsigned int len = sizeof(struct udphdr) + VPC_DHCP6_MAX;
	u8 duid[VPC_DHCP6_DUID_LEN], status[2] = { 0, 0 };
	struct in6_addr saddr;
	struct sk_buff *skb;
	struct udphdr *udph;
	u8 *msg, *p;

	vpc_gw_ll6(vnet, &saddr);
	skb = vpc_reply_ip6(port, vnet->gw_mac, &saddr, daddr, IPPROTO_UDP,
			    64, len);
	if (!skb)
		return;
	udph = (struct udphdr *)(ipv6_hdr(skb) + 1);
	msg = (u8 *)(udph + 1);
	msg[0] = type;
	memcpy(msg + 1, req->xid, 3);
	p = msg + 4;
	vpc_dhcp6_duid(vnet, duid);
	p = vpc_dhcp6_opt(p, VPC_OPT6_SERVERID, duid, sizeof(duid));
	if (req->client)
		p = vpc_dhcp6_opt(p, VPC_OPT6_CLIENTID, req->client,
				  req->client_len);
	if (type == VPC_DHCP6_REPLY && req->rapid &&
	    req->type == VPC_DHCP6_SOLICIT)
		p = vpc_dhcp6_opt(p, VPC_OPT6_RAPID_COMMIT, NULL, 0);
	if (ip)
		p = vpc_dhcp6_put_ia(p, req->iaid, ip);
	else
		p = vpc_dhcp6_opt(p, VPC_OPT6_STATUS, status, sizeof(status));
	if (subnet)
		p = vpc_dhcp6_put_dns(p, vpc_dns_find(vnet, subnet));

	len = sizeof(*udph) + (p - msg);
	skb_trim(skb, ETH_HLEN + sizeof(struct ipv6hdr) + len);
	ipv6_hdr(skb)->payload_len = htons(len);
	udph->source = htons(VPC_DHCP6_SERVER_PORT);
	udph->dest = htons(VPC_DHCP6_CLIENT_PORT);
	udph->len = htons(len);
	udph->check = csum_ipv6_magic(&saddr, daddr, len, IPPROTO_UDP,
				      csum_partial(udph, len, 0));
	if (!udph->check)
		udph->check = CSUM_MANGLED_0;
	vpc_stats_inc(port->stats, VPC_STATS_A_DHCP6_REPLIES);
	vpc_deliver(port, skb);
}

void vpc_dhcp6_rx(struct vpc_pernet *pn, struct vpc_port *port,
		  struct sk_buff *skb)
{
	const unsigned int hlen = sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	const struct vpc_prefix *subnet = NULL;
	const struct ipv6hdr *ip6h;
	struct vpc_dhcp6_req req;
	u8 duid[VPC_DHCP6_DUID_LEN];
	struct in6_addr ip, saddr;
	bool has_ip, ours;
	unsigned int len;
	u8 type = VPC_DHCP6_REPLY;

	len = ntohs(ipv6_hdr(skb)->payload_len) + sizeof(struct ipv6hdr);
	if (len < hlen || len > skb->len || !pskb_may_pull(skb, len) ||
	    !vpc_dhcp6_parse(skb->data + hlen, len - hlen, &req))
		goto malformed;
	ip6h = ipv6_hdr(skb);
	saddr = ip6h->saddr;
	if (!(ipv6_addr_type(&saddr) & IPV6_ADDR_LINKLOCAL) &&
	    !vpc_port_src_ok6(port, eth_hdr(skb)->h_source, &saddr)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_IP, skb);
		return;
	}
	has_ip = vpc_dhcp6_port_ip(port, &ip);
	if (has_ip)
		subnet = vpc_subnet_lookup6(port->vnet, &ip);
	if (!subnet || !req.client) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_UNSUPPORTED, skb);
		return;
	}
	vpc_dhcp6_duid(port->vnet, duid);
	ours = req.server && req.server_len == sizeof(duid) &&
	       !memcmp(req.server, duid, sizeof(duid));
	switch (req.type) {
	case VPC_DHCP6_SOLICIT:
		if (!req.rapid)
			type = VPC_DHCP6_ADVERTISE;
		fallthrough;
	case VPC_DHCP6_REBIND:
		break;
	case VPC_DHCP6_REQUEST:
	case VPC_DHCP6_RENEW:
		if (!ours)
			type = 0;	/* another server's */
		break;
	case VPC_DHCP6_RELEASE:
	case VPC_DHCP6_DECLINE:
		if (!ours)
			type = 0;
		has_ip = false;
		break;
	case VPC_DHCP6_CONFIRM:
	case VPC_DHCP6_INFO_REQUEST:
		has_ip = false;
		break;
	default:
		type = 0;
		break;
	}
	if (has_ip && !req.ia)
		has_ip = false;
	/* REQ points into SKB. */
	if (type && vpc_ratelimit(port, VPC_RL_ANSWER))
		vpc_dhcp6_reply(pn, port, &saddr, &req, type,
				has_ip ? &ip : NULL, subnet);
	consume_skb(skb);
	return;

malformed:
	vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
}
