/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NIMBUS_VPC_H
#define NIMBUS_VPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cli.h"
#include "lib/genl.h"

/* -json, -statistics, -details */
extern struct cli_opts vpc_opts;

/* The socket to the "vpc" family, opened on first use. */
struct genl_sock *vpc_sock(void);
/*
 * Send a change request and report its failure as "cannot WHAT"; in a
 * batch it is queued and a failure is reported with its line later.
 */
int vpc_change(struct genl_sock *gs, struct nlmsghdr *nlh, const char *what);

/* An IPv4 or IPv6 address in network order. */
struct vpc_ip {
	int family;		/* AF_INET or AF_INET6; 0 = none */
	uint8_t addr[16];	/* the first 4 bytes for IPv4 */
};

/* addr.c: parsers return 0 or -EINVAL; IPv4 addresses in network order. */
int vpc_parse_ip4(const char *s, uint32_t *be);
int vpc_parse_prefix4(const char *s, uint32_t *be, uint8_t *plen);
/* IPv4 or IPv6; a prefix without /PLEN is a host address (/32, /128). */
int vpc_parse_ip(const char *s, struct vpc_ip *ip);
int vpc_parse_prefix(const char *s, struct vpc_ip *ip, uint8_t *plen);
int vpc_parse_mac(const char *s, uint8_t mac[6]);
const char *vpc_fmt_ip4(uint32_t be, char *buf, size_t len);
/* BUF needs INET6_ADDRSTRLEN bytes. */
const char *vpc_fmt_ip6(const void *addr, char *buf, size_t len);
const char *vpc_fmt_mac(const uint8_t *mac, char *buf, size_t len);
void vpc_print_stats(const struct nlattr *nest);
/* IPv4 or IPv6; BUF needs INET6_ADDRSTRLEN bytes. */
const char *vpc_fmt_ip(const struct vpc_ip *ip, char *buf, size_t len);
/*
 * A nested address attribute (enum vpc_addr_attr) of type TYPE: IP and
 * PLEN; reading one without a plen gives the host length (32, 128).
 */
void vpc_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct vpc_ip *ip,
		  uint8_t plen);
int vpc_get_addr(const struct nlattr *nest, struct vpc_ip *ip, uint8_t *plen);

/* Print one reply or notification of each object (also for monitor). */
int vpc_net_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_underlay_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_port_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_map_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_subnet_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_route_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_path_print_cb(const struct nlmsghdr *nlh, void *data);

int do_net(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_underlay(int argc, char **argv);
int do_port(int argc, char **argv);
int do_map(int argc, char **argv);
int do_subnet(int argc, char **argv);
int do_route(int argc, char **argv);
/* path.c: vpc underlay path, and the paths listed by vpc underlay show. */
int vpc_path_set(int argc, char **argv);
int vpc_path_show(struct genl_sock *gs);

#endif /* NIMBUS_VPC_H */
