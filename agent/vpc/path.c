// SPDX-License-Identifier: GPL-2.0
/*
 * vpc underlay path: mark the underlay path to a remote host on one plane
 * down or up; traffic to that host moves to the other plane.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "lib/parse.h"
#include "agent/vpc/vpc.h"

int vpc_path_set(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t host, plane = VPC_PLANES;
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int state = -1;
	int ret;

	if (argc < 1) {
		fprintf(stderr, "Error: \"path\" needs the remote host's plane-0 IP\n");
		return 1;
	}
	if (nb_addr_parse4(argv[0], &host) || !host)
		return invarg("not an IPv4 address", argv[0]);
	for (argc--, argv++; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "plane")) {
			if (argc < 2)
				return cli_needs_value("plane");
			if (parse_u32(argv[1], 0, VPC_PLANE_MAX, &plane))
				return invarg("plane must be 0 or 1", argv[1]);
			argc--;
			argv++;
		} else if (!strcmp(argv[0], "up")) {
			state = VPC_PATH_UP;
		} else if (!strcmp(argv[0], "down")) {
			state = VPC_PATH_DOWN;
		} else {
			return cli_unknown_arg(argv[0], "vpc underlay help");
		}
	}
	if (plane == VPC_PLANES || state < 0) {
		fprintf(stderr, "Error: \"plane\" and \"up\" or \"down\" are required\n");
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, VPC_CMD_PATH_SET, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_HOST, host);
	mnl_attr_put_u8(nlh, VPC_A_PLANE, (uint8_t)plane);
	mnl_attr_put_u8(nlh, VPC_A_PATH_STATE, (uint8_t)state);
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret)
		return nl_error("cannot set path", ret, gs);
	return 0;
}

int vpc_path_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char ip[INET_ADDRSTRLEN];

	(void)data;
	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_HOST] || !tb[VPC_A_PLANE] || !tb[VPC_A_PATH_STATE])
		return MNL_CB_OK;
	out_obj_begin();
	out_str("path", "path %s", nb_addr_fmt4(mnl_attr_get_u32(tb[VPC_A_HOST]), ip, sizeof(ip)));
	out_uint("plane", " plane %llu", mnl_attr_get_u8(tb[VPC_A_PLANE]));
	out_str("state", " %s",
		mnl_attr_get_u8(tb[VPC_A_PATH_STATE]) == VPC_PATH_DOWN ? "down" : "up");
	out_obj_end();
	return MNL_CB_OK;
}

/* The paths marked down; the others are up. */
int vpc_path_show(struct genl_sock *gs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(gs, buf, VPC_CMD_PATH_GET, NLM_F_REQUEST | NLM_F_DUMP);
	return genl_talk(gs, nlh, vpc_path_print_cb, NULL);
}
