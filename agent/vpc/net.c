// SPDX-License-Identifier: GPL-2.0
/* vpc net: the virtual private clouds of this host. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "lib/parse.h"
#include "agent/vpc/vpc.h"

static void net_usage(FILE *f)
{
	fprintf(f,
		"Usage: vpc net add id ID [ name NAME ]\n"
		"       vpc net del id ID\n"
		"       vpc net show [ id ID ]\n"
		"where  ID := 1..%u (the GRE key)\n",
		VPC_NET_ID_MAX);
}

struct net_args {
	uint32_t id;
	const char *name;
};

static int net_parse(int argc, char **argv, struct net_args *a, bool allow_name)
{
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return cli_needs_value(argv[0]);
		if (!strcmp(argv[0], "id")) {
			if (parse_u32(argv[1], VPC_NET_ID_MIN, VPC_NET_ID_MAX, &a->id))
				return invarg("VPC id must be 1..16777215", argv[1]);
		} else if (allow_name && !strcmp(argv[0], "name")) {
			if (parse_name(argv[1], VPC_NAME_MAXLEN))
				return invarg("name must be 1..31 printable characters", argv[1]);
			a->name = argv[1];
		} else {
			return cli_unknown_arg(argv[0], "vpc net help");
		}
	}
	return 0;
}

static int net_change(int argc, char **argv, uint8_t cmd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct net_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = net_parse(argc, argv, &a, cmd == VPC_CMD_NET_NEW);
	if (ret)
		return ret;
	if (!a.id) {
		fprintf(stderr, "Error: \"id\" is required\n");
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, cmd, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.id);
	if (a.name)
		mnl_attr_put_strz(nlh, VPC_A_NET_NAME, a.name);
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret)
		return nl_error(cmd == VPC_CMD_NET_NEW ? "cannot add VPC" :
				"cannot delete VPC", ret, gs);
	return 0;
}

int vpc_net_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };

	(void)data;
	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID])
		return MNL_CB_OK;
	out_obj_begin();
	out_uint("id", "net %llu", mnl_attr_get_u32(tb[VPC_A_NET_ID]));
	if (tb[VPC_A_NET_NAME])
		out_str("name", " name %s", mnl_attr_get_str(tb[VPC_A_NET_NAME]));
	if (vpc_opts.details && tb[VPC_A_MAC] && mnl_attr_get_payload_len(tb[VPC_A_MAC]) == 6) {
		char mac[18];

		out_str("gateway_mac", " gateway-mac %s",
			nb_mac_fmt(mnl_attr_get_payload(tb[VPC_A_MAC]), mac, sizeof(mac)));
	}
	if (vpc_opts.stats && tb[VPC_A_STATS])
		vpc_print_stats(tb[VPC_A_STATS]);
	out_obj_end();
	return MNL_CB_OK;
}

static int net_show(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct net_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = net_parse(argc, argv, &a, false);
	if (ret)
		return ret;
	gs = vpc_sock();
	if (!gs)
		return 2;
	if (a.id) {
		nlh = genl_msg(gs, buf, VPC_CMD_NET_GET, NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.id);
	} else {
		nlh = genl_msg(gs, buf, VPC_CMD_NET_GET, NLM_F_REQUEST | NLM_F_DUMP);
	}
	ret = genl_talk(gs, nlh, vpc_net_print_cb, NULL);
	if (ret)
		return nl_error("cannot show VPCs", ret, gs);
	return 0;
}

int do_net(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return net_show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "add"))
		return net_change(argc - 1, argv + 1, VPC_CMD_NET_NEW);
	if (matches(argv[0], "delete"))
		return net_change(argc - 1, argv + 1, VPC_CMD_NET_DEL);
	if (matches(argv[0], "help")) {
		net_usage(stdout);
		return 0;
	}
	return cli_unknown("Command", argv[0], "vpc net help");
}
