// SPDX-License-Identifier: GPL-2.0
/* vpc.ko's netlink attributes: see vpc_nl.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/vpc_nl.h"

void vpc_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct nb_addr *ip,
		  uint8_t plen)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	if (ip->family == AF_INET6)
		mnl_attr_put(nlh, VPC_ADDR_A_IP6, 16, ip->b);
	else
		mnl_attr_put(nlh, VPC_ADDR_A_IP4, 4, ip->b);
	mnl_attr_put_u8(nlh, VPC_ADDR_A_PLEN, plen);
	mnl_attr_nest_end(nlh, nest);
}

int vpc_get_addr(const struct nlattr *nest, struct nb_addr *ip, uint8_t *plen)
{
	const struct nlattr *a;
	bool has_plen = false;

	memset(ip, 0, sizeof(*ip));
	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		if (type == VPC_ADDR_A_IP4 && len == 4) {
			ip->family = AF_INET;
			memcpy(ip->b, mnl_attr_get_payload(a), 4);
		} else if (type == VPC_ADDR_A_IP6 && len == 16) {
			ip->family = AF_INET6;
			memcpy(ip->b, mnl_attr_get_payload(a), 16);
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

void vpc_put_pair(struct nlmsghdr *nlh, uint16_t type, const struct nb_addr *ip,
		  const uint8_t *mac)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	if (ip->family == AF_INET6)
		mnl_attr_put(nlh, VPC_ADDR_A_IP6, 16, ip->b);
	else
		mnl_attr_put(nlh, VPC_ADDR_A_IP4, 4, ip->b);
	if (mac)
		mnl_attr_put(nlh, VPC_ADDR_A_MAC, 6, mac);
	mnl_attr_nest_end(nlh, nest);
}

int vpc_get_pair_mac(const struct nlattr *nest, uint8_t mac[6])
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == VPC_ADDR_A_MAC && mnl_attr_get_payload_len(a) == 6) {
			memcpy(mac, mnl_attr_get_payload(a), 6);
			return 1;
		}
	}
	return 0;
}

void vpc_put_ip(struct nlmsghdr *nlh, const struct nb_addr *ip)
{
	if (ip->family == AF_INET)
		mnl_attr_put(nlh, VPC_A_IP, 4, ip->b);
	else
		mnl_attr_put(nlh, VPC_A_IP6, 16, ip->b);
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
	[VPC_STATS_A_DROP_RATELIMIT] = "drop_ratelimit",
	[VPC_STATS_A_DHCP_REPLIES] = "dhcp_replies",
	[VPC_STATS_A_RA_REPLIES] = "ra_replies",
	[VPC_STATS_A_DHCP6_REPLIES] = "dhcp6_replies",
	[VPC_STATS_A_CLAIMS] = "claims",
	[VPC_STATS_A_MISSES] = "misses",
};

const char *vpc_stat_name(unsigned int type)
{
	return type <= VPC_STATS_A_MAX ? vpc_stat_names[type] : NULL;
}
