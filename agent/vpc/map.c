// SPDX-License-Identifier: GPL-2.0
/* vpc map: remote VMs, (VPC, IP) -> MAC and the underlay IPs of their host. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "lib/parse.h"
#include "agent/vpc/vpc.h"

static void map_usage(FILE *f)
{
	fprintf(f,
		"Usage: vpc map { add | replace } net ID ip ADDR mac MAC host IP[,IP]\n"
		"       vpc map del net ID ip ADDR\n"
		"       vpc map show [ net ID ]\n"
		"where  ADDR is the VM's IPv4 or IPv6 address\n"
		"       host is the remote host's plane-0 underlay IP, then its plane-1 IP\n"
		"       add fails if the mapping exists; replace creates or updates\n");
}

struct map_args {
	uint32_t net;
	struct nb_addr ip;
	bool has_mac;
	uint8_t mac[6];
	uint32_t host[VPC_PLANES];
};

static int map_parse_hosts(const char *s, uint32_t host[VPC_PLANES])
{
	char first[INET_ADDRSTRLEN];
	const char *comma = strchr(s, ',');

	if (!comma)
		return nb_addr_parse4(s, &host[0]) || !host[0] ? -EINVAL : 0;
	if ((size_t)(comma - s) >= sizeof(first))
		return -EINVAL;
	memcpy(first, s, (size_t)(comma - s));
	first[comma - s] = '\0';
	if (nb_addr_parse4(first, &host[0]) || nb_addr_parse4(comma + 1, &host[1]) ||
	    !host[0] || !host[1])
		return -EINVAL;
	return 0;
}

static bool map_ip_unspecified(const struct nb_addr *ip)
{
	static const uint8_t zero[16];

	return !memcmp(ip->b, zero, ip->family == AF_INET ? 4 : 16);
}

static int map_parse(int argc, char **argv, struct map_args *a, bool add)
{
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return cli_needs_value(argv[0]);
		if (!strcmp(argv[0], "net")) {
			if (parse_u32(argv[1], VPC_NET_ID_MIN, VPC_NET_ID_MAX, &a->net))
				return invarg("VPC id must be 1..16777215", argv[1]);
		} else if (!strcmp(argv[0], "ip")) {
			if (nb_addr_parse(argv[1], &a->ip) || map_ip_unspecified(&a->ip))
				return invarg("not an IPv4 or IPv6 address", argv[1]);
		} else if (add && !strcmp(argv[0], "mac")) {
			if (vpc_parse_mac(argv[1], a->mac))
				return invarg("not a MAC address", argv[1]);
			a->has_mac = true;
		} else if (add && !strcmp(argv[0], "host")) {
			if (map_parse_hosts(argv[1], a->host))
				return invarg("host must be IP or IP,IP", argv[1]);
		} else {
			return cli_unknown_arg(argv[0], "vpc map help");
		}
	}
	return 0;
}

static int map_change(int argc, char **argv, uint8_t cmd, bool replace)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct map_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	bool add = cmd == VPC_CMD_MAP_NEW;
	int ret;

	ret = map_parse(argc, argv, &a, add);
	if (ret)
		return ret;
	if (!a.net || !a.ip.family || (add && (!a.has_mac || !a.host[0]))) {
		fprintf(stderr, add ? "Error: \"net\", \"ip\", \"mac\" and \"host\" are required\n" :
			"Error: \"net\" and \"ip\" are required\n");
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	if (add)
		flags |= NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
	nlh = genl_msg(gs, buf, cmd, flags);
	mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.net);
	vpc_put_ip(nlh, &a.ip);
	if (add) {
		mnl_attr_put(nlh, VPC_A_MAC, sizeof(a.mac), a.mac);
		mnl_attr_put_u32(nlh, VPC_A_HOST, a.host[0]);
		if (a.host[1])
			mnl_attr_put_u32(nlh, VPC_A_HOST1, a.host[1]);
	}
	return vpc_change(gs, nlh, add ? "cannot add mapping" : "cannot delete mapping");
}

int vpc_map_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char ip[INET6_ADDRSTRLEN], mac[18];

	(void)data;
	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID] || (!tb[VPC_A_IP] && !tb[VPC_A_IP6]) || !tb[VPC_A_MAC] ||
	    !tb[VPC_A_HOST] || mnl_attr_get_payload_len(tb[VPC_A_MAC]) != 6 ||
	    (tb[VPC_A_IP6] && mnl_attr_get_payload_len(tb[VPC_A_IP6]) != 16))
		return MNL_CB_OK;
	out_obj_begin();
	out_uint("net", "map net %llu", mnl_attr_get_u32(tb[VPC_A_NET_ID]));
	out_str("ip", " ip %s", tb[VPC_A_IP] ?
		nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_IP]), ip, sizeof(ip)) :
		nb_addr_fmt6(mnl_attr_get_payload(tb[VPC_A_IP6]), ip, sizeof(ip)));
	out_str("mac", " mac %s", nb_mac_fmt(mnl_attr_get_payload(tb[VPC_A_MAC]), mac,
					     sizeof(mac)));
	out_str("host", " host %s", nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_HOST]), ip, sizeof(ip)));
	if (tb[VPC_A_HOST1])
		out_str("host1", ",%s", nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_HOST1]), ip,
						     sizeof(ip)));
	out_obj_end();
	return MNL_CB_OK;
}

static int map_show(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct map_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = map_parse(argc, argv, &a, false);
	if (ret)
		return ret;
	gs = vpc_sock();
	if (!gs)
		return 2;
	if (a.ip.family) {
		if (!a.net) {
			fprintf(stderr, "Error: \"ip\" needs \"net\"\n");
			return 1;
		}
		nlh = genl_msg(gs, buf, VPC_CMD_MAP_GET, NLM_F_REQUEST | NLM_F_ACK);
		vpc_put_ip(nlh, &a.ip);
	} else {
		nlh = genl_msg(gs, buf, VPC_CMD_MAP_GET, NLM_F_REQUEST | NLM_F_DUMP);
	}
	if (a.net)
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.net);
	ret = genl_talk(gs, nlh, vpc_map_print_cb, NULL);
	if (ret)
		return nl_error("cannot show mappings", ret, gs);
	return 0;
}

int do_map(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return map_show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "add"))
		return map_change(argc - 1, argv + 1, VPC_CMD_MAP_NEW, false);
	if (matches(argv[0], "replace"))
		return map_change(argc - 1, argv + 1, VPC_CMD_MAP_NEW, true);
	if (matches(argv[0], "delete"))
		return map_change(argc - 1, argv + 1, VPC_CMD_MAP_DEL, false);
	if (matches(argv[0], "help")) {
		map_usage(stdout);
		return 0;
	}
	return cli_unknown("Command", argv[0], "vpc map help");
}
