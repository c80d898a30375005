// SPDX-License-Identifier: GPL-2.0
/* vpc underlay: this host's tunnel endpoint IPs, one per network plane. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "lib/parse.h"
#include "agent/qos/qos.h"
#include "agent/vpc/vpc.h"

static void underlay_usage(FILE *f)
{
	fprintf(f,
		"Usage: vpc underlay set [ local IP ] [ plane { 0 | 1 } ] [ rate RATE ]\n"
		"                        [ reserve RATE ] [ fastpath { on | off } ]\n"
		"       vpc underlay path HOSTIP plane { 0 | 1 } { up | down }\n"
		"       vpc underlay show\n"
		"where  plane 0 is the business network (default), 1 the storage network;\n"
		"       local, rate and reserve apply to that plane;\n"
		"       rate is the plane's link capacity (each direction) that port QoS\n"
		"       shares out (0: no shaping), reserve the host's own traffic's\n"
		"       guaranteed share of it (default 0), in tc(8) units (10gbit, 40mbit);\n"
		"       HOSTIP names a remote host by its plane-0 IP; while its plane 0 is\n"
		"       down, traffic to it goes over plane 1;\n"
		"       fastpath on takes GRE off the underlay devices before IP (off:\n"
		"       ip_gre and vpc-gre receive it all, the default)\n");
}

/* The rate and reserve through agent/qos: admission first, then the trees. */
static int underlay_qos(uint32_t plane, const uint64_t *rate, const uint64_t *reserve)
{
	struct qos_ctx *ctx = vpc_qos();
	char err[256];

	if (!ctx)
		return 2;
	if (qos_underlay_set(ctx, plane, rate, reserve, err, sizeof(err)))
		return vpc_qos_error(err);
	return 0;
}

static int underlay_set(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t ip = 0, plane = 0;
	uint64_t rate, reserve;
	bool has_rate = false, has_reserve = false;
	int fastpath = -1;
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return cli_needs_value(argv[0]);
		if (!strcmp(argv[0], "local")) {
			if (nb_addr_parse4(argv[1], &ip) || !ip)
				return invarg("not an IPv4 address", argv[1]);
		} else if (!strcmp(argv[0], "plane")) {
			if (parse_u32(argv[1], 0, VPC_PLANE_MAX, &plane))
				return invarg("plane must be 0 or 1", argv[1]);
		} else if (!strcmp(argv[0], "rate")) {
			if (vpc_parse_rate("rate", argv[1], &rate))
				return 1;
			has_rate = true;
		} else if (!strcmp(argv[0], "reserve")) {
			if (vpc_parse_rate("reserve", argv[1], &reserve))
				return 1;
			has_reserve = true;
		} else if (!strcmp(argv[0], "fastpath")) {
			if (strcmp(argv[1], "on") && strcmp(argv[1], "off"))
				return invarg("fastpath is on or off", argv[1]);
			fastpath = !strcmp(argv[1], "on");
		} else {
			return cli_unknown_arg(argv[0], "vpc underlay help");
		}
	}
	if (!ip && fastpath < 0 && !has_rate && !has_reserve) {
		fprintf(stderr, "Error: \"local\", \"rate\", \"reserve\" or \"fastpath\" is required\n");
		return 1;
	}
	/* First: a refused rate or reserve changes nothing. */
	if (has_rate || has_reserve) {
		ret = underlay_qos(plane, has_rate ? &rate : NULL,
				   has_reserve ? &reserve : NULL);
		if (ret)
			return ret;
	}
	if (!ip && fastpath < 0)
		return 0;
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, VPC_CMD_UNDERLAY_SET, NLM_F_REQUEST | NLM_F_ACK);
	if (ip)
		mnl_attr_put_u32(nlh, plane ? VPC_A_LOCAL1 : VPC_A_LOCAL, ip);
	if (fastpath >= 0)
		mnl_attr_put_u8(nlh, VPC_A_FASTPATH, (uint8_t)fastpath);
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret)
		return nl_error("cannot set underlay", ret, gs);
	/* A new local IP may be on another device: the egress tree moves. */
	return ip ? underlay_qos(plane, NULL, NULL) : 0;
}

int vpc_underlay_print_cb(const struct nlmsghdr *nlh, void *data)
{
	/* Shown when set, as local1 is */
	static const struct {
		uint16_t type;
		const char *key, *fmt;
	} rates[] = {
		{ VPC_A_RATE, "rate", " rate %s" },
		{ VPC_A_RESERVE, "reserve", " reserve %s" },
		{ VPC_A_RATE1, "rate1", " rate1 %s" },
		{ VPC_A_RESERVE1, "reserve1", " reserve1 %s" },
	};
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char ip[INET_ADDRSTRLEN];

	(void)data;
	genl_parse(nlh, tb, VPC_A_MAX);
	out_obj_begin();
	out_str("local", "underlay local %s",
		tb[VPC_A_LOCAL] ? nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_LOCAL]), ip, sizeof(ip)) :
		"none");
	if (tb[VPC_A_LOCAL1])
		out_str("local1", " local1 %s",
			nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_LOCAL1]), ip, sizeof(ip)));
	if (tb[VPC_A_IFNAME])
		out_str("dev", " dev %s", mnl_attr_get_str(tb[VPC_A_IFNAME]));
	for (unsigned int i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (tb[rates[i].type] && mnl_attr_get_u64(tb[rates[i].type]))
			vpc_print_rate(rates[i].key, rates[i].fmt,
				       mnl_attr_get_u64(tb[rates[i].type]));
	if (vpc_opts.details && tb[VPC_A_FASTPATH])
		out_str("fastpath", " fastpath %s", mnl_attr_get_u8(tb[VPC_A_FASTPATH]) ? "on" : "off");
	if (vpc_opts.stats && tb[VPC_A_STATS])
		vpc_print_stats(tb[VPC_A_STATS]);
	out_obj_end();
	return MNL_CB_OK;
}

static int underlay_show(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	if (argc > 0) {
		return cli_unknown_arg(argv[0], "vpc underlay help");
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, VPC_CMD_UNDERLAY_GET, NLM_F_REQUEST | NLM_F_ACK);
	ret = genl_talk(gs, nlh, vpc_underlay_print_cb, NULL);
	if (!ret)
		ret = vpc_path_show(gs);
	if (ret)
		return nl_error("cannot show underlay", ret, gs);
	return 0;
}

int do_underlay(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return underlay_show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "set"))
		return underlay_set(argc - 1, argv + 1);
	if (matches(argv[0], "path"))
		return vpc_path_set(argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		underlay_usage(stdout);
		return 0;
	}
	return cli_unknown("Command", argv[0], "vpc underlay help");
}
