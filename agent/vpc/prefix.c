// SPDX-License-Identifier: GPL-2.0
/*
 * vpc subnet and vpc route: the prefix tables of a VPC.  A subnet is a
 * prefix with its gateway IP, a route a prefix with its next hop; both
 * objects have the same grammar and share this code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "lib/parse.h"
#include "agent/vpc/vpc.h"

struct prefix_obj {
	const char *name;	/* "subnet", "route" */
	const char *help;	/* "vpc subnet help" */
	const char *addr_kw;	/* "gw", "via" */
	uint16_t addr_attr;	/* VPC_A_GW, VPC_A_VIA */
	uint8_t new_cmd, del_cmd, get_cmd;
};

static const struct prefix_obj subnet_obj = {
	"subnet", "vpc subnet help", "gw", VPC_A_GW,
	VPC_CMD_SUBNET_NEW, VPC_CMD_SUBNET_DEL, VPC_CMD_SUBNET_GET,
};

static const struct prefix_obj route_obj = {
	"route", "vpc route help", "via", VPC_A_VIA,
	VPC_CMD_ROUTE_NEW, VPC_CMD_ROUTE_DEL, VPC_CMD_ROUTE_GET,
};

static void prefix_usage(FILE *f, const struct prefix_obj *o)
{
	fprintf(f,
		"Usage: vpc %s add net ID PREFIX %s ADDR\n"
		"       vpc %s del net ID PREFIX\n"
		"       vpc %s show [ net ID ]\n"
		"where  PREFIX := ADDR/PLEN (IPv4 or IPv6); ADDR of the same family\n",
		o->name, o->addr_kw, o->name, o->name);
	if (o == &subnet_obj)
		fprintf(f, "       vpc subnet set net ID PREFIX [ dns IP[,IP...] ] [ domain NAME ]\n"
			"       gw is the subnet's gateway, answered by the module with\n"
			"       the VPC's gateway MAC 02:76:70 + the 24-bit VPC id;\n"
			"       set gives the subnet's VMs DNS servers (at most %u, IPv4 for DHCP,\n"
			"       IPv6 for RA and DHCPv6) and a search domain; neither clears them\n",
			(unsigned int)VPC_DNS_MAX);
	else
		fprintf(f, "       via is the next hop, a VM inside a subnet of the VPC\n"
			"       (an appliance such as a NAT or VPN gateway)\n");
}

struct prefix_args {
	uint32_t net;
	bool has_prefix, has_addr;
	struct nb_prefix prefix;
	struct nb_addr addr;
};

static int prefix_parse(int argc, char **argv, const struct prefix_obj *o,
			struct prefix_args *a, bool add, bool show)
{
	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "net") || (add && !strcmp(argv[0], o->addr_kw))) {
			if (argc < 2)
				return cli_needs_value(argv[0]);
			if (argv[0][0] == 'n') {
				if (parse_u32(argv[1], VPC_NET_ID_MIN, VPC_NET_ID_MAX, &a->net))
					return invarg("VPC id must be 1..16777215", argv[1]);
			} else {
				if (nb_addr_parse(argv[1], &a->addr))
					return invarg("not an IPv4 or IPv6 address", argv[1]);
				a->has_addr = true;
			}
			argc--;
			argv++;
		} else if (!show && !a->has_prefix) {
			if (nb_prefix_parse(argv[0], &a->prefix, true))
				return invarg("not an IPv4 or IPv6 prefix (ADDR/PLEN)", argv[0]);
			a->has_prefix = true;
		} else {
			return cli_unknown_arg(argv[0], o->help);
		}
	}
	return 0;
}

static int prefix_change(int argc, char **argv, const struct prefix_obj *o, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct prefix_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = prefix_parse(argc, argv, o, &a, add, false);
	if (ret)
		return ret;
	if (!a.net || !a.has_prefix || (add && !a.has_addr)) {
		if (add)
			fprintf(stderr, "Error: \"net\", PREFIX and \"%s\" are required\n",
				o->addr_kw);
		else
			fprintf(stderr, "Error: \"net\" and PREFIX are required\n");
		return 1;
	}
	if (add && a.addr.family != a.prefix.addr.family) {
		fprintf(stderr, "Error: \"%s\" must be of the prefix's family (IPv4 or IPv6)\n",
			o->addr_kw);
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, add ? o->new_cmd : o->del_cmd, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.net);
	vpc_put_addr(nlh, VPC_A_PREFIX, &a.prefix.addr, (uint8_t)a.prefix.plen);
	if (add)
		vpc_put_addr(nlh, o->addr_attr, &a.addr, a.addr.family == AF_INET ? 32 : 128);
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret) {
		char what[32];

		snprintf(what, sizeof(what), "cannot %s %s", add ? "add" : "delete", o->name);
		return nl_error(what, ret, gs);
	}
	return 0;
}

/* vpc subnet set net ID PREFIX [ dns IP[,IP...] ] [ domain NAME ] */
static int subnet_set(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], list[256], *save = NULL, *tok;
	struct nb_addr dns[VPC_DNS_MAX];
	struct prefix_args a = { 0 };
	const char *domain = NULL;
	unsigned int n = 0;
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "net") || !strcmp(argv[0], "dns") ||
		    !strcmp(argv[0], "domain")) {
			if (argc < 2)
				return cli_needs_value(argv[0]);
			if (argv[0][0] == 'n') {
				if (parse_u32(argv[1], VPC_NET_ID_MIN, VPC_NET_ID_MAX, &a.net))
					return invarg("VPC id must be 1..16777215", argv[1]);
			} else if (!strcmp(argv[0], "dns")) {
				snprintf(list, sizeof(list), "%s", argv[1]);
				for (tok = strtok_r(list, ",", &save); tok;
				     tok = strtok_r(NULL, ",", &save)) {
					if (n == VPC_DNS_MAX)
						return invarg("too many DNS servers", argv[1]);
					if (nb_addr_parse(tok, &dns[n++]))
						return invarg("not an IPv4 or IPv6 address", tok);
				}
			} else {
				if (strlen(argv[1]) >= VPC_DOMAIN_MAXLEN)
					return invarg("domain name too long", argv[1]);
				domain = argv[1];
			}
			argc--;
			argv++;
		} else if (!a.has_prefix) {
			if (nb_prefix_parse(argv[0], &a.prefix, true))
				return invarg("not an IPv4 or IPv6 prefix (ADDR/PLEN)", argv[0]);
			a.has_prefix = true;
		} else {
			return cli_unknown_arg(argv[0], "vpc subnet help");
		}
	}
	if (!a.net || !a.has_prefix) {
		fprintf(stderr, "Error: \"net\" and PREFIX are required\n");
		return 1;
	}
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, VPC_CMD_SUBNET_SET, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.net);
	vpc_put_addr(nlh, VPC_A_PREFIX, &a.prefix.addr, (uint8_t)a.prefix.plen);
	for (unsigned int i = 0; i < n; i++)
		vpc_put_addr(nlh, VPC_A_DNS, &dns[i], dns[i].family == AF_INET ? 32 : 128);
	if (domain)
		mnl_attr_put_strz(nlh, VPC_A_DOMAIN, domain);
	ret = genl_talk(gs, nlh, NULL, NULL);
	if (ret)
		return nl_error("cannot set subnet", ret, gs);
	return 0;
}

/* "10.0.0.53,2001:db8::53": a subnet's DNS servers, as one field. */
static void prefix_fmt_dns(const struct nlmsghdr *nlh, char *out, size_t len)
{
	const struct nlattr *a;
	char ip[INET6_ADDRSTRLEN];
	struct nb_addr addr;
	size_t used = 0;
	uint8_t plen;

	out[0] = '\0';
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != VPC_A_DNS || vpc_get_addr(a, &addr, &plen))
			continue;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s",
						 used ? "," : "", nb_addr_fmt(&addr, ip, sizeof(ip)));
	}
}

static int prefix_print(const struct nlmsghdr *nlh, const struct prefix_obj *o)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char ip[INET6_ADDRSTRLEN], prefix[INET6_ADDRSTRLEN + 4], fmt[16];
	char dns[VPC_DNS_MAX * (INET6_ADDRSTRLEN + 1)];
	struct nb_addr net, addr;
	uint8_t plen, addr_plen;

	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID] || !tb[VPC_A_PREFIX] || !tb[o->addr_attr] ||
	    vpc_get_addr(tb[VPC_A_PREFIX], &net, &plen) ||
	    vpc_get_addr(tb[o->addr_attr], &addr, &addr_plen))
		return MNL_CB_OK;
	snprintf(prefix, sizeof(prefix), "%s/%u", nb_addr_fmt(&net, ip, sizeof(ip)), plen);
	out_obj_begin();
	snprintf(fmt, sizeof(fmt), "%s net %%llu", o->name);
	out_uint("net", fmt, mnl_attr_get_u32(tb[VPC_A_NET_ID]));
	out_str("prefix", " %s", prefix);
	snprintf(fmt, sizeof(fmt), " %s %%s", o->addr_kw);
	out_str(o->addr_kw, fmt, nb_addr_fmt(&addr, ip, sizeof(ip)));
	prefix_fmt_dns(nlh, dns, sizeof(dns));
	if (dns[0])
		out_str("dns", " dns %s", dns);
	if (tb[VPC_A_DOMAIN])
		out_str("domain", " domain %s", mnl_attr_get_str(tb[VPC_A_DOMAIN]));
	out_obj_end();
	return MNL_CB_OK;
}

int vpc_subnet_print_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return prefix_print(nlh, &subnet_obj);
}

int vpc_route_print_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return prefix_print(nlh, &route_obj);
}

static int prefix_show(int argc, char **argv, const struct prefix_obj *o)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct prefix_args a = { 0 };
	struct nlmsghdr *nlh;
	struct genl_sock *gs;
	int ret;

	ret = prefix_parse(argc, argv, o, &a, false, true);
	if (ret)
		return ret;
	gs = vpc_sock();
	if (!gs)
		return 2;
	nlh = genl_msg(gs, buf, o->get_cmd, NLM_F_REQUEST | NLM_F_DUMP);
	if (a.net)
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, a.net);
	ret = genl_talk(gs, nlh, o == &subnet_obj ? vpc_subnet_print_cb : vpc_route_print_cb,
			NULL);
	if (ret) {
		char what[32];

		snprintf(what, sizeof(what), "cannot show %ss", o->name);
		return nl_error(what, ret, gs);
	}
	return 0;
}

static int do_prefix(int argc, char **argv, const struct prefix_obj *o)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return prefix_show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0), o);
	if (matches(argv[0], "add"))
		return prefix_change(argc - 1, argv + 1, o, true);
	if (matches(argv[0], "delete"))
		return prefix_change(argc - 1, argv + 1, o, false);
	if (o == &subnet_obj && matches(argv[0], "set"))
		return subnet_set(argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		prefix_usage(stdout, o);
		return 0;
	}
	return cli_unknown("Command", argv[0], o->help);
}

int do_subnet(int argc, char **argv)
{
	return do_prefix(argc, argv, &subnet_obj);
}

int do_route(int argc, char **argv)
{
	return do_prefix(argc, argv, &route_obj);
}
