// SPDX-License-Identifier: GPL-2.0
/*
 * The DHCPv4 server of each port, answered by the module on the VM's own
 * host from the port's and its subnet's configuration: the port's first
 * IPv4 host address, the subnet's mask, its gateway as router and server,
 * the interface MTU (underlay MTU - 42), the lease time, and the subnet's
 * DNS servers and domain.  Nothing is flooded and no lease is kept: the
 * address is the controller's, so DISCOVER gets an OFFER, REQUEST an ACK
 * (or a NAK for another address), INFORM an ACK without a lease, and
 * DECLINE and RELEASE nothing (RFC 2131 4.3).
 */
#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/moduleparam.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "datapath.h"
#include "dns.h"
#include "pernet.h"
#include "port.h"
#include "ratelimit.h"
#include "stats.h"
#include "subnet.h"
#include "vnet.h"

static unsigned int dhcp_lease __read_mostly = 86400;
module_param(dhcp_lease, uint, 0644);
MODULE_PARM_DESC(dhcp_lease, "DHCP and DHCPv6 lease time in seconds");

#define VPC_DHCP_SERVER_PORT	67
#define VPC_DHCP_CLIENT_PORT	68
#define VPC_DHCP_COOKIE		0x63825363
#define VPC_BOOTP_MIN		300	/* BOOTP's minimum message (RFC 951) */
#define VPC_DHCP_OPTS_MAX	160	/* all our options, end included */

enum {
	VPC_DHCP_DISCOVER = 1,
	VPC_DHCP_OFFER,
	VPC_DHCP_REQUEST,
	VPC_DHCP_DECLINE,
	VPC_DHCP_ACK,
	VPC_DHCP_NAK,
	VPC_DHCP_RELEASE,
	VPC_DHCP_INFORM,
};

enum {
	VPC_OPT_PAD = 0,
	VPC_OPT_MASK = 1,
	VPC_OPT_ROUTER = 3,
	VPC_OPT_DNS = 6,
	VPC_OPT_DOMAIN = 15,
	VPC_OPT_MTU = 26,
	VPC_OPT_BCAST = 28,
	VPC_OPT_REQ_IP = 50,
	VPC_OPT_LEASE = 51,
	VPC_OPT_TYPE = 53,
	VPC_OPT_SERVER = 54,
	VPC_OPT_T1 = 58,
	VPC_OPT_T2 = 59,
	VPC_OPT_END = 255,
};

/* The fixed part of a BOOTP message (RFC 951, 2131), then its options. */
struct vpc_bootp {
	u8 op;
	u8 htype;
	u8 hlen;
	u8 hops;
	__be32 xid;
	__be16 secs;
	__be16 flags;
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 giaddr;
	u8 chaddr[16];
	u8 sname[64];
	u8 file[128];
	__be32 cookie;
	u8 options[];
} __packed;

#define VPC_BOOTP_BROADCAST	htons(0x8000)

/* What a client's message says. */
struct vpc_dhcp_req {
	u8 type;
	__be32 req_ip;		/* option 50, or 0 */
	__be32 server;		/* option 54, or 0 */
};

bool vpc_dhcp_is_request(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct udphdr *udph;

	if (iph->protocol != IPPROTO_UDP || ip_is_fragment(iph) ||
	    !pskb_may_pull(skb, iph->ihl * 4 + sizeof(*udph)))
		return false;
	udph = (const struct udphdr *)(skb->data + ip_hdr(skb)->ihl * 4);
	return udph->dest == htons(VPC_DHCP_SERVER_PORT) &&
	       udph->source == htons(VPC_DHCP_CLIENT_PORT);
}

/* The options of a client's message; false if they are malformed. */
static bool vpc_dhcp_parse(const u8 *opt, unsigned int len,
			   struct vpc_dhcp_req *req)
{
	memset(req, 0, sizeof(*req));
	while (len) {
		u8 code = opt[0], olen;

		if (code == VPC_OPT_END)
			break;
		if (code == VPC_OPT_PAD) {
			opt++;
			len--;
			continue;
		}
		if (len < 2 || opt[1] > len - 2)
			return false;
		olen = opt[1];
		if (code == VPC_OPT_TYPE && olen == 1)
			req->type = opt[2];
		else if (code == VPC_OPT_REQ_IP && olen == 4)
			memcpy(&req->req_ip, opt + 2, 4);
		else if (code == VPC_OPT_SERVER && olen == 4)
			memcpy(&req->server, opt + 2, 4);
		opt += 2 + olen;
		len -= 2 + olen;
	}
	return req->type;
}

/* The port's first IPv4 host address, as given at port add, or 0. */
static __be32 vpc_dhcp_port_ip(const struct vpc_port *port)
{
	unsigned int i;

	for (i = 0; i < port->n_addrs; i++)
		if (!port->addrs[i].ip6 && port->addrs[i].plen == 32)
			return port->addrs[i].key.ip;
	return 0;
}

unsigned int vpc_dhcp_mtu(struct vpc_pernet *pn)
{
	struct net_device *dev;
	unsigned int mtu = ETH_DATA_LEN;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "the underlay MTU needs RCU");
	dev = __ip_dev_find(pn->net, READ_ONCE(pn->underlay[0]), false);
	if (dev)
		mtu = READ_ONCE(dev->mtu);
	return max(mtu, 576U + VPC_ENCAP_OVERHEAD) - VPC_ENCAP_OVERHEAD;
}

unsigned int vpc_dhcp_lease(void)
{
	return READ_ONCE(dhcp_lease);
}

static u8 *vpc_dhcp_opt(u8 *p, u8 code, const void *data, u8 len)
{
	*p++ = code;
	*p++ = len;
	memcpy(p, data, len);
	return p + len;
}

static u8 *vpc_dhcp_opt32(u8 *p, u8 code, __be32 v)
{
	return vpc_dhcp_opt(p, code, &v, sizeof(v));
}

/* The options of an OFFER or ACK (with a lease unless INFORM). */
static u8 *vpc_dhcp_put_config(struct vpc_pernet *pn, u8 *p,
			       const struct vpc_net *vnet,
			       const struct vpc_prefix *subnet, bool lease)
{
	__be32 mask = inet_make_mask(subnet->plen);
	const struct vpc_dns *dns = vpc_dns_find(vnet, subnet);
	u32 secs = vpc_dhcp_lease();
	__be16 mtu = htons(vpc_dhcp_mtu(pn));
	unsigned int i, n = 0;
	__be32 servers[VPC_DNS_MAX];

	if (lease) {
		p = vpc_dhcp_opt32(p, VPC_OPT_LEASE, htonl(secs));
		p = vpc_dhcp_opt32(p, VPC_OPT_T1, htonl(secs / 2));
		p = vpc_dhcp_opt32(p, VPC_OPT_T2, htonl(secs / 8 * 7));
	}
	p = vpc_dhcp_opt32(p, VPC_OPT_MASK, mask);
	p = vpc_dhcp_opt32(p, VPC_OPT_ROUTER, subnet->addr);
	p = vpc_dhcp_opt32(p, VPC_OPT_BCAST, subnet->ip | ~mask);
	p = vpc_dhcp_opt(p, VPC_OPT_MTU, &mtu, sizeof(mtu));
	for (i = 0; dns && i < dns->n; i++)
		if (ipv6_addr_v4mapped(&dns->server[i]))
			servers[n++] = dns->server[i].s6_addr32[3];
	if (n)
		p = vpc_dhcp_opt(p, VPC_OPT_DNS, servers, n * sizeof(servers[0]));
	if (dns && dns->domain[0])
		p = vpc_dhcp_opt(p, VPC_OPT_DOMAIN, dns->domain,
				 strlen(dns->domain));
	return p;
}

/*
 * Answer REQ (TYPE: OFFER, ACK or NAK) to PORT's VM from the gateway of
 * SUBNET, giving it IP (0 for a NAK or an INFORM's ACK).
 */
static void vpc_dhcp_reply(struct vpc_pernet *pn, struct vpc_port *port,
			   const struct vpc_bootp *req, u8 type,
			   const struct vpc_prefix *subnet, __be32 ip,
			   bool lease)
{
	unsigned int blen = sizeof(struct vpc_bootp) + VPC_DHCP_OPTS_MAX;
	unsigned int len = sizeof(struct iphdr) + sizeof(struct udphdr) + blen;
	const struct vpc_net *vnet = port->vnet;
	struct vpc_bootp *bootp;
	struct sk_buff *skb;
	struct udphdr *udph;
	struct iphdr *iph;
	u8 *p;

	skb = vpc_reply_alloc(port, vnet->gw_mac, htons(ETH_P_IP), len);
	if (!skb)
		return;
	iph = ip_hdr(skb);
	udph = (struct udphdr *)(iph + 1);
	bootp = (struct vpc_bootp *)(udph + 1);
	bootp->op = 2;		/* BOOTREPLY */
	bootp->htype = 1;
	bootp->hlen = ETH_ALEN;
	bootp->xid = req->xid;
	bootp->flags = req->flags;
	bootp->ciaddr = type == VPC_DHCP_NAK ? 0 : req->ciaddr;
	bootp->yiaddr = ip;
	bootp->giaddr = req->giaddr;
	ether_addr_copy(bootp->chaddr, req->chaddr);
	bootp->cookie = htonl(VPC_DHCP_COOKIE);
	p = vpc_dhcp_opt(bootp->options, VPC_OPT_TYPE, &type, 1);
	p = vpc_dhcp_opt32(p, VPC_OPT_SERVER, subnet->addr);
	if (type != VPC_DHCP_NAK)
		p = vpc_dhcp_put_config(pn, p, vnet, subnet, lease);
	*p++ = VPC_OPT_END;

	/* Trim to what was written, but not below BOOTP's minimum. */
	blen = max_t(unsigned int, p - (u8 *)bootp, VPC_BOOTP_MIN);
	len = sizeof(*iph) + sizeof(*udph) + blen;
	skb_trim(skb, ETH_HLEN + len);

	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tot_len = htons(len);
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = subnet->addr;
	/* RFC 2131 4.1: to ciaddr if it has one, else by the broadcast bit. */
	if (req->ciaddr && type != VPC_DHCP_NAK)
		iph->daddr = req->ciaddr;
	else if (req->flags & VPC_BOOTP_BROADCAST || !ip)
		iph->daddr = htonl(INADDR_BROADCAST);
	else
		iph->daddr = ip;
	ip_send_check(iph);
	udph->source = htons(VPC_DHCP_SERVER_PORT);
	udph->dest = htons(VPC_DHCP_CLIENT_PORT);
	udph->len = htons(sizeof(*udph) + blen);
	udph->check = csum_tcpudp_magic(iph->saddr, iph->daddr,
					sizeof(*udph) + blen, IPPROTO_UDP,
					csum_partial(udph, sizeof(*udph) + blen,
						     0));
	if (!udph->check)
		udph->check = CSUM_MANGLED_0;
	vpc_stats_inc(port->stats, VPC_STATS_A_DHCP_REPLIES);
	vpc_deliver(port, skb);
}

/* What a REQUEST (RFC 2131 4.3.2) gets: ACK, NAK, or 0 for nothing. */
static u8 vpc_dhcp_request(const struct vpc_bootp *bootp,
			   const struct vpc_dhcp_req *req,
			   const struct vpc_prefix *subnet, __be32 ip)
{
	/* SELECTING: another server's offer was taken. */
	if (req->server && req->server != subnet->addr)
		return 0;
	if (req->req_ip)
		return req->req_ip == ip ? VPC_DHCP_ACK : VPC_DHCP_NAK;
	/* RENEWING, REBINDING. */
	return bootp->ciaddr == ip ? VPC_DHCP_ACK : VPC_DHCP_NAK;
}

void vpc_dhcp_rx(struct vpc_pernet *pn, struct vpc_port *port,
		 struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int hlen = iph->ihl * 4 + sizeof(struct udphdr);
	const struct vpc_prefix *subnet;
	const struct vpc_bootp *bootp;
	struct vpc_dhcp_req req;
	unsigned int len;
	__be32 ip;
	u8 type;

	len = ntohs(iph->tot_len);
	if (len < hlen + sizeof(*bootp) || len > skb->len ||
	    !pskb_may_pull(skb, len))
		goto malformed;
	iph = ip_hdr(skb);
	bootp = (const struct vpc_bootp *)(skb->data + hlen);
	if (bootp->op != 1 || bootp->htype != 1 || bootp->hlen != ETH_ALEN ||
	    bootp->cookie != htonl(VPC_DHCP_COOKIE) ||
	    !vpc_dhcp_parse(bootp->options, len - hlen - sizeof(*bootp), &req))
		goto malformed;
	/* The client is the port's VM, from no address or one of its own. */
	if (!ether_addr_equal(bootp->chaddr, port->mac)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_MAC, skb);
		return;
	}
	if (iph->saddr && !vpc_port_src_ok(port, eth_hdr(skb)->h_source,
					   iph->saddr)) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_SPOOF_IP, skb);
		return;
	}
	ip = vpc_dhcp_port_ip(port);
	subnet = ip ? vpc_subnet_lookup(port->vnet, ip) : NULL;
	if (!subnet) {
		vpc_drop(port->stats, VPC_STATS_A_DROP_UNSUPPORTED, skb);
		return;
	}
	switch (req.type) {
	case VPC_DHCP_DISCOVER:
		type = VPC_DHCP_OFFER;
		break;
	case VPC_DHCP_REQUEST:
		type = vpc_dhcp_request(bootp, &req, subnet, ip);
		break;
	case VPC_DHCP_INFORM:
		type = VPC_DHCP_ACK;
		ip = 0;
		break;
	default:
		/* DECLINE, RELEASE: nothing to answer, no lease to change. */
		type = 0;
		break;
	}
	if (type && vpc_ratelimit(port, VPC_RL_ANSWER))
		vpc_dhcp_reply(pn, port, bootp, type, subnet,
			       type == VPC_DHCP_NAK ? 0 : ip,
			       req.type != VPC_DHCP_INFORM);
	consume_skb(skb);
	return;

malformed:
	vpc_drop(port->stats, VPC_STATS_A_DROP_MALFORMED, skb);
}
