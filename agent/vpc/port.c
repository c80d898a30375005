// SPDX-License-Identifier: GPL-2.0
/* vpc port: VM NICs (host netdevs) bound to a VPC. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/genetlink.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "lib/parse.h"
#include "agent/qos/qos.h"
#include "agent/vpc/vpc.h"

static void port_usage(FILE *f)
{
	fprintf(f,
		"Usage: vpc port add dev IFACE net ID mac MAC ip ADDR[/PLEN] [ ip ADDR[/PLEN] ... ]\n"
		"       vpc port set dev IFACE allow ip ADDR [ mac MAC ]\n"
		"       vpc port set dev IFACE disallow ip ADDR\n"
		"       vpc port set dev IFACE qos [ egress QOS ] [ ingress QOS ]\n"
		"       vpc port set dev IFACE qos off\n"
		"       vpc port del dev IFACE\n"
		"       vpc port show [ dev IFACE ]\n"
		"where  ADDR is IPv4 or IPv6, at most %u of them;\n"
		"       a prefix allows a VM to forward for others;\n"
		"       allow adds an address pair (a VIP: at most %u per port), with\n"
		"       its own MAC if given (VRRP's virtual MAC)\n"
		"       QOS := [ min RATE ] [ max RATE ] [ burst SIZE ] (min or max at least):\n"
		"       min is guaranteed (default 0), max the ceiling (default the plane's\n"
		"       rate); egress is what the VM sends, ingress what it receives; a\n"
		"       direction not named keeps its setting; off clears both\n"
		"       RATE in tc(8) units (12mbit, 1gbit, 500kbit, 2mbps), SIZE in bytes\n"
		"       (32k, 1m); -s adds each direction's bytes, packets, drops, overlimits\n",
		(unsigned int)VPC_PORT_ADDRS_MAX, (unsigned int)VPC_PORT_ALLOWS_MAX);
}

struct port_args {
	const char *dev;
	uint32_t ifindex;
	uint32_t net;
	bool has_mac;
	uint8_t mac[6];
	unsigned int n_addrs;
	struct nb_prefix addr[VPC_PORT_ADDRS_MAX];
};

static int port_parse(int argc, char **argv, struct port_args *a, bool add)
{
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return cli_needs_value(argv[0]);
		if (!strcmp(argv[0], "dev")) {
			a->dev = argv[1];
			a->ifindex = if_nametoindex(argv[1]);
			if (!a->ifindex)
				return invarg("no such device", argv[1]);
		} else if (add && !strcmp(argv[0], "net")) {
			if (parse_u32(argv[1], VPC_NET_ID_MIN, VPC_NET_ID_MAX, &a->net))
				return invarg("VPC id must be 1..16777215", argv[1]);
		} else if (add && !strcmp(argv[0], "mac")) {
			if (vpc_parse_mac(argv[1], a->mac))
				return invarg("not a MAC address", argv[1]);
			a->has_mac = true;
		} else if (add && !strcmp(argv[0], "ip")) {
			if (a->n_addrs == VPC_PORT_ADDRS_MAX)
				return invarg("too many addresses", argv[1]);
			if (nb_prefix_parse(argv[1], &a->addr[a->n_addrs], true))
				return invarg("not an IPv4 or IPv6 address or prefix",
					      argv[1]);
			a->n_addrs++;
		} else {
			return cli_unknown_arg(argv[0], "vpc port help");
		}
	}
	return 0;
}

static void port_put_addrs(struct nlmsghdr *nlh, const struct port_args *a)
{
	for (unsigned int i = 0; i < a->n_addrs; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, VPC_A_ADDR);

		if (a->addr[i].addr.family == AF_INET)
			mnl_attr_put(nlh, VPC_ADDR_A_IP4, 4, a->addr[i].addr.b);
		else
			mnl_attr_put(nlh, VPC_ADDR_A_IP6, 16, a->addr[i].addr.b);
		mnl_attr_put_u8(nlh, VPC_ADDR_A_PLEN, (uint8_t)a->addr[i].plen);
		mnl_attr_nest_end(nlh, nest);
	}
}

/*
 * vpc port set dev IFACE { allow ip ADDR [ mac MAC ] | disallow ip ADDR |
 *			    qos ... }
 */
static int port_set(int argc, char **argv)
{
	const char *dev = NULL;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint16_t type = 0;
	struct nb_addr ip = { 0 };
	uint32_t ifindex = 0;
	bool has_mac = false;
	uint8_t mac[6];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct genl_sock *gs;
	int ret;

	while (argc > 0) {
		if (!strcmp(argv[0], "allow") || !strcmp(argv[0], "disallow")) {
			if (type)
				return invarg("give one of allow and disallow", argv[0]);
			type = argv[0][0] == 'a' ? VPC_A_ALLOW : VPC_A_DISALLOW;
			argc--;
			argv++;
			continue;
		}
		if (!strcmp(argv[0], "qos")) {
			if (type || ip.family)
				return invarg("qos goes without allow, disallow and ip", argv[0]);
			return vpc_port_qos(dev, argc - 1, argv + 1);
		}
		if (argc < 2)
			return cli_needs_value(argv[0]);
		if (!strcmp(argv[0], "dev")) {
			dev = argv[1];
			ifindex = if_nametoindex(argv[1]);
			if (!ifindex)
				return invarg("no such device", argv[1]);
		} else if (!strcmp(argv[0], "ip")) {
			if (nb_addr_parse(argv[1], &ip))
				return invarg("not an IPv4 or IPv6 address", argv[1]);
		} else if (type == VPC_A_ALLOW && !strcmp(argv[0], "mac")) {
			if (vpc_parse_mac(argv[1], mac))
				return invarg("not a MAC address", argv[1]);
			has_mac = true;
		} else {
			return cli_unknown_arg(argv[0], "vpc port help");
		}
		argc -= 2;
		argv += 2;
	}
	if (!ifindex || !type || !ip.family) {
		fprintf(stderr, "Error: \"dev\", and \"allow\" or \"disallow\" with \"ip\", or \"qos\" are required\n");
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, VPC_CMD_PORT_SET, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, type);
	if (ip.family == AF_INET)
		mnl_attr_put(nlh, VPC_ADDR_A_IP4, 4, ip.b);
	else
		mnl_attr_put(nlh, VPC_ADDR_A_IP6, 16, ip.b);
	if (has_mac)
		mnl_attr_put(nlh, VPC_ADDR_A_MAC, sizeof(mac), mac);
	mnl_attr_nest_end(nlh, nest);
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret)
		return nl_error("cannot set port", ret, gs);
	return 0;
}

static int port_change(int argc, char **argv, uint8_t cmd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool add = cmd == VPC_CMD_PORT_NEW;
	struct port_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = port_parse(argc, argv, &a, add);
	if (ret)
		return ret;
	if (!a.ifindex || (add && (!a.net || !a.has_mac || !a.n_addrs))) {
		fprintf(stderr, add ? "Error: \"dev\", \"net\", \"mac\" and \"ip\" are required\n" :
			"Error: \"dev\" is required\n");
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, cmd, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_IFINDEX, a.ifindex);
	if (add) {
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.net);
		mnl_attr_put(nlh, VPC_A_MAC, sizeof(a.mac), a.mac);
		port_put_addrs(nlh, &a);
	}
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret)
		return nl_error(add ? "cannot add port" : "cannot delete port", ret, gs);
	/* A deleted port's classes go with it. */
	return add ? 0 : vpc_qos_gc();
}

/*
 * The nests of TYPE as one field, which serves text and JSON alike:
 * VPC_A_ADDR "10.0.0.1/32,2001:db8::/64", VPC_A_ALLOW (the address pairs)
 * "10.0.0.9,10.0.0.10@0:0:5e:0:1:33".
 */
static void port_fmt_nests(const struct nlmsghdr *nlh, uint16_t type, char *out,
			   size_t len)
{
	const struct nlattr *a, *x;
	char ip[INET6_ADDRSTRLEN], suffix[20];
	size_t used = 0;

	out[0] = '\0';
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const char *addr = "?";

		if (mnl_attr_get_type(a) != type)
			continue;
		suffix[0] = '\0';
		if (type == VPC_A_ADDR)
			snprintf(suffix, sizeof(suffix), "/0");
		mnl_attr_for_each_nested(x, a) {
			if (mnl_attr_get_type(x) == VPC_ADDR_A_IP4) {
				addr = nb_addr_fmt4(mnl_attr_get_u32(x), ip, sizeof(ip));
			} else if (mnl_attr_get_type(x) == VPC_ADDR_A_IP6 &&
				   mnl_attr_get_payload_len(x) == 16) {
				addr = nb_addr_fmt6(mnl_attr_get_payload(x), ip, sizeof(ip));
			} else if (mnl_attr_get_type(x) == VPC_ADDR_A_PLEN && type == VPC_A_ADDR) {
				snprintf(suffix, sizeof(suffix), "/%u", mnl_attr_get_u8(x));
			} else if (mnl_attr_get_type(x) == VPC_ADDR_A_MAC && type == VPC_A_ALLOW &&
				   mnl_attr_get_payload_len(x) == 6) {
				suffix[0] = '@';
				nb_mac_fmt(mnl_attr_get_payload(x), suffix + 1, sizeof(suffix) - 1);
			}
		}
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s%s",
						 used ? "," : "", addr, suffix);
	}
}

int vpc_port_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char addrs[VPC_PORT_ADDRS_MAX * (INET6_ADDRSTRLEN + 5)], mac[18];
	char allows[VPC_PORT_ALLOWS_MAX * (INET6_ADDRSTRLEN + 20)];

	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_IFINDEX] || !tb[VPC_A_NET_ID] || !tb[VPC_A_MAC] ||
	    mnl_attr_get_payload_len(tb[VPC_A_MAC]) != 6)
		return MNL_CB_OK;
	out_obj_begin();
	out_str("dev", "port %s", tb[VPC_A_IFNAME] ? mnl_attr_get_str(tb[VPC_A_IFNAME]) : "?");
	out_uint("net", " net %llu", mnl_attr_get_u32(tb[VPC_A_NET_ID]));
	out_str("mac", " mac %s", nb_mac_fmt(mnl_attr_get_payload(tb[VPC_A_MAC]), mac,
					     sizeof(mac)));
	port_fmt_nests(nlh, VPC_A_ADDR, addrs, sizeof(addrs));
	out_str("ip", " ip %s", addrs);
	port_fmt_nests(nlh, VPC_A_ALLOW, allows, sizeof(allows));
	if (allows[0])
		out_str("allow", " allow %s", allows);
	/* DATA: agent/qos's context for the QoS (port show, not monitor) */
	vpc_port_print_qos(data, tb[VPC_A_QOS_CLASS]);
	if (vpc_opts.stats && tb[VPC_A_STATS])
		vpc_print_stats(tb[VPC_A_STATS]);
	out_obj_end();
	return MNL_CB_OK;
}

static int port_show(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct port_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = port_parse(argc, argv, &a, false);
	if (ret)
		return ret;
	gs = vpc_sock();
	if (!gs)
		return 2;
	if (a.ifindex) {
		nlh = genl_msg(gs, buf, VPC_CMD_PORT_GET, NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_u32(nlh, VPC_A_IFINDEX, a.ifindex);
	} else {
		nlh = genl_msg(gs, buf, VPC_CMD_PORT_GET, NLM_F_REQUEST | NLM_F_DUMP);
	}
	ret = genl_talk(gs, nlh, vpc_port_print_cb, vpc_qos());
	if (ret)
		return nl_error("cannot show ports", ret, gs);
	return 0;
}

int do_port(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return port_show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "add"))
		return port_change(argc - 1, argv + 1, VPC_CMD_PORT_NEW);
	if (matches(argv[0], "delete"))
		return port_change(argc - 1, argv + 1, VPC_CMD_PORT_DEL);
	if (matches(argv[0], "set"))
		return port_set(argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		port_usage(stdout);
		return 0;
	}
	return cli_unknown("Command", argv[0], "vpc port help");
}
