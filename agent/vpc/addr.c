// SPDX-License-Identifier: GPL-2.0
/* Addresses on the command line and in output: IPv4, IPv6, prefixes, MACs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "agent/vpc/vpc.h"

int vpc_parse_ip4(const char *s, uint32_t *be)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*be = a.s_addr;
	return 0;
}

int vpc_parse_ip(const char *s, struct vpc_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->addr) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->addr) == 1)
		ip->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int vpc_parse_prefix(const char *s, struct vpc_ip *ip, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long v, max;
	char *end;

	if (!slash) {
		if (vpc_parse_ip(s, ip))
			return -EINVAL;
		*plen = ip->family == AF_INET ? 32 : 128;
		return 0;
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (vpc_parse_ip(buf, ip) || slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	max = ip->family == AF_INET ? 32 : 128;
	v = strtoul(slash + 1, &end, 10);
	if (*end || v > max)
		return -EINVAL;
	*plen = (uint8_t)v;
	return 0;
}

int vpc_parse_prefix4(const char *s, uint32_t *be, uint8_t *plen)
{
	struct vpc_ip ip;

	if (vpc_parse_prefix(s, &ip, plen) || ip.family != AF_INET)
		return -EINVAL;
	memcpy(be, ip.addr, sizeof(*be));
	return 0;
}

int vpc_parse_mac(const char *s, uint8_t mac[6])
{
	int n = 0;

	if (sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%n", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5], &n) != 6 || s[n])
		return -EINVAL;
	return 0;
}

const char *vpc_fmt_ip4(uint32_t be, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = be };

	return inet_ntop(AF_INET, &a, buf, (socklen_t)len) ? buf : "?";
}

const char *vpc_fmt_ip6(const void *addr, char *buf, size_t len)
{
	return inet_ntop(AF_INET6, addr, buf, (socklen_t)len) ? buf : "?";
}

const char *vpc_fmt_mac(const uint8_t *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

const char *vpc_fmt_ip(const struct vpc_ip *ip, char *buf, size_t len)
{
	return inet_ntop(ip->family, ip->addr, buf, (socklen_t)len) ? buf : "?";
}

void vpc_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct vpc_ip *ip,
		  uint8_t plen)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	if (ip->family == AF_INET6)
		mnl_attr_put(nlh, VPC_ADDR_A_IP6, 16, ip->addr);
	else
		mnl_attr_put(nlh, VPC_ADDR_A_IP4, 4, ip->addr);
	mnl_attr_put_u8(nlh, VPC_ADDR_A_PLEN, plen);
	mnl_attr_nest_end(nlh, nest);
}

int vpc_get_addr(const struct nlattr *nest, struct vpc_ip *ip, uint8_t *plen)
{
	const struct nlattr *a;
	bool has_plen = false;

	memset(ip, 0, sizeof(*ip));
	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		if (type == VPC_ADDR_A_IP4 && len == 4) {
			ip->family = AF_INET;
			memcpy(ip->addr, mnl_attr_get_payload(a), 4);
		} else if (type == VPC_ADDR_A_IP6 && len == 16) {
			ip->family = AF_INET6;
			memcpy(ip->addr, mnl_attr_get_payload(a), 16);
		} else if (type == VPC_ADDR_A_PLEN && len == sizeof(uint8_t)) {
			*plen = mnl_attr_get_u8(a);
			has_plen = true;
		}
	}
	if (!ip->family)
		return -EINVAL;
	if (!has_plen)
		*plen = ip->family == AF_INET ? 32 : 128;
	return 0;
}

static const char *const vpc_stat_names[VPC_STATS_A_MAX + 1] = {
	[VPC_STATS_A_RX_PACKETS] = "rx_packets",
	[VPC_STATS_A_RX_BYTES] = "rx_bytes",
	[VPC_STATS_A_TX_PACKETS] = "tx_packets",
	[VPC_STATS_A_TX_BYTES] = "tx_bytes",
	[VPC_STATS_A_ENCAP_PACKETS] = "encap_packets",
	[VPC_STATS_A_ARP_REPLIES] = "arp_replies",
	[VPC_STATS_A_DROP_SPOOF_MAC] = "drop_spoof_mac",
	[VPC_STATS_A_DROP_SPOOF_IP] = "drop_spoof_ip",
	[VPC_STATS_A_DROP_ARP] = "drop_arp",
	[VPC_STATS_A_DROP_NO_DEST] = "drop_no_dest",
	[VPC_STATS_A_DROP_NO_UNDERLAY] = "drop_no_underlay",
	[VPC_STATS_A_DROP_UNSUPPORTED] = "drop_unsupported",
	[VPC_STATS_A_DROP_MALFORMED] = "drop_malformed",
	[VPC_STATS_A_GRE_RX_PACKETS] = "gre_rx_packets",
	[VPC_STATS_A_GRE_RX_BYTES] = "gre_rx_bytes",
	[VPC_STATS_A_GRE_DROP_UNKNOWN_KEY] = "gre_drop_unknown_key",
	[VPC_STATS_A_GRE_DROP_UNKNOWN_SOURCE] = "gre_drop_unknown_source",
	[VPC_STATS_A_GRE_DROP_NO_PORT] = "gre_drop_no_port",
	[VPC_STATS_A_GRE_DROP_MALFORMED] = "gre_drop_malformed",
	[VPC_STATS_A_ROUTED_PACKETS] = "routed_packets",
	[VPC_STATS_A_DROP_TTL] = "drop_ttl",
	[VPC_STATS_A_DROP_NO_PATH] = "drop_no_path",
	[VPC_STATS_A_GW_ECHO_REPLIES] = "gw_echo_replies",
	[VPC_STATS_A_ND_REPLIES] = "nd_replies",
	[VPC_STATS_A_DROP_ND] = "drop_nd",
	[VPC_STATS_A_TOO_BIG] = "too_big",
};

/* Text: one "\n    name value" per counter; JSON: "name": value. */
void vpc_print_stats(const struct nlattr *nest)
{
	const struct nlattr *a;
	char fmt[64];

	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);

		if (type > VPC_STATS_A_MAX || !vpc_stat_names[type] ||
		    mnl_attr_get_payload_len(a) != sizeof(uint64_t))
			continue;
		snprintf(fmt, sizeof(fmt), "\n    %s %%llu", vpc_stat_names[type]);
		out_uint(vpc_stat_names[type], fmt, mnl_attr_get_u64(a));
	}
}
