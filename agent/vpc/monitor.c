// SPDX-License-Identifier: GPL-2.0
/* vpc monitor: print the module's change notifications as they happen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <arpa/inet.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "agent/vpc/vpc.h"

static int vpc_event_print_cb(const struct nlmsghdr *nlh, void *data);

static const struct {
	uint8_t cmd;
	const char *verb;
	mnl_cb_t print;
} monitor_events[] = {
	{ VPC_CMD_NET_NEW, "add", vpc_net_print_cb },
	{ VPC_CMD_NET_DEL, "del", vpc_net_print_cb },
	{ VPC_CMD_UNDERLAY_SET, "set", vpc_underlay_print_cb },
	{ VPC_CMD_PORT_NEW, "add", vpc_port_print_cb },
	{ VPC_CMD_PORT_DEL, "del", vpc_port_print_cb },
	{ VPC_CMD_MAP_NEW, "add", vpc_map_print_cb },
	{ VPC_CMD_MAP_DEL, "del", vpc_map_print_cb },
	{ VPC_CMD_SUBNET_NEW, "add", vpc_subnet_print_cb },
	{ VPC_CMD_SUBNET_DEL, "del", vpc_subnet_print_cb },
	{ VPC_CMD_ROUTE_NEW, "add", vpc_route_print_cb },
	{ VPC_CMD_ROUTE_DEL, "del", vpc_route_print_cb },
	{ VPC_CMD_PATH_SET, "set", vpc_path_print_cb },
	{ VPC_CMD_PORT_SET, "set", vpc_port_print_cb },
	{ VPC_CMD_SUBNET_SET, "set", vpc_subnet_print_cb },
	{ VPC_CMD_CLAIM, "claim", vpc_event_print_cb },
	{ VPC_CMD_MISS, "miss", vpc_event_print_cb },
};

/*
 * "claim net 100 ip 10.0.0.9 mac 02:00:00:00:00:01 dev a1",
 * "miss net 100 ip 10.0.0.77 dev a1": the events of the packet path.
 */
static int vpc_event_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char ip[INET6_ADDRSTRLEN];

	(void)data;
	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID])
		return MNL_CB_OK;
	out_obj_begin();
	out_uint("net", "net %llu", mnl_attr_get_u32(tb[VPC_A_NET_ID]));
	if (tb[VPC_A_IP])
		out_str("ip", " ip %s", nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_IP]), ip, sizeof(ip)));
	else if (tb[VPC_A_IP6] && mnl_attr_get_payload_len(tb[VPC_A_IP6]) == 16)
		out_str("ip", " ip %s", nb_addr_fmt6(mnl_attr_get_payload(tb[VPC_A_IP6]), ip,
						     sizeof(ip)));
	if (tb[VPC_A_MAC] && mnl_attr_get_payload_len(tb[VPC_A_MAC]) == 6) {
		char mac[18];

		out_str("mac", " mac %s", nb_mac_fmt(mnl_attr_get_payload(tb[VPC_A_MAC]), mac,
						     sizeof(mac)));
	}
	if (tb[VPC_A_IFNAME])
		out_str("dev", " dev %s", mnl_attr_get_str(tb[VPC_A_IFNAME]));
	out_obj_end();
	return MNL_CB_OK;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	uint16_t family = *(const uint16_t *)data;

	if (nlh->nlmsg_type != family)
		return MNL_CB_OK;
	for (size_t i = 0; i < sizeof(monitor_events) / sizeof(monitor_events[0]); i++) {
		if (monitor_events[i].cmd != g->cmd)
			continue;
		/* Text: "add map net 10 ...", JSON: one array per event. */
		if (!vpc_opts.json)
			printf("%s ", monitor_events[i].verb);
		monitor_events[i].print(nlh, NULL);
		out_flush();
		out_init(vpc_opts.json);
		fflush(stdout);
	}
	return MNL_CB_OK;
}

int do_monitor(int argc, char **argv)
{
	struct genl_sock *gs;
	int ret;

	if (argc > 0) {
		if (matches(argv[0], "help")) {
			printf("Usage: vpc monitor\n");
			return 0;
		}
		return cli_unknown_arg(argv[0], "vpc monitor help");
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	ret = genl_join(gs, VPC_GENL_NAME, VPC_MCGRP_NOTIFY);
	if (ret)
		return nl_error("cannot join the notify group", ret, gs);
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(gs->nl, gs->buf, MNL_SOCKET_BUFFER_SIZE);

		if (len < 0) {
			if (errno == ENOBUFS) {
				fprintf(stderr, "Warning: notifications lost (receive buffer full)\n");
				continue;
			}
			return nl_error("cannot receive", -errno, NULL);
		}
		ret = mnl_cb_run(gs->buf, (size_t)len, 0, 0, monitor_cb, &gs->family);
		if (ret < 0)
			return nl_error("bad notification", -errno, NULL);
	}
}
