// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the vpc command's address parsers (agent/vpc/addr.c). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/vpc.h>

#include "agent/vpc/vpc.h"

static void ip4_and_ip6(void **state)
{
	struct vpc_ip ip;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(vpc_parse_ip("10.0.0.1", &ip), 0);
	assert_int_equal(ip.family, AF_INET);
	assert_memory_equal(ip.addr, "\x0a\x00\x00\x01", 4);
	assert_int_equal(vpc_parse_ip("2001:db8::10", &ip), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_string_equal(vpc_fmt_ip6(ip.addr, buf, sizeof(buf)), "2001:db8::10");
	assert_int_not_equal(vpc_parse_ip("2001:db8::10/64", &ip), 0);
	assert_int_not_equal(vpc_parse_ip("10.0.0.256", &ip), 0);
	assert_int_not_equal(vpc_parse_ip("2001:db8:::1", &ip), 0);
	assert_int_not_equal(vpc_parse_ip("", &ip), 0);
}

static void prefixes(void **state)
{
	struct vpc_ip ip;
	uint8_t plen;
	uint32_t be;

	(void)state;
	assert_int_equal(vpc_parse_prefix("2001:db8:1::/64", &ip, &plen), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_int_equal(plen, 64);
	assert_int_equal(vpc_parse_prefix("2001:db8::10", &ip, &plen), 0);
	assert_int_equal(plen, 128);
	assert_int_equal(vpc_parse_prefix("::/0", &ip, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(vpc_parse_prefix("10.0.1.0/24", &ip, &plen), 0);
	assert_int_equal(ip.family, AF_INET);
	assert_int_equal(plen, 24);
	assert_int_equal(vpc_parse_prefix("10.0.0.1", &ip, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(vpc_parse_prefix4("10.0.1.0/24", &be, &plen), 0);
	assert_int_equal(be, htonl(0x0a000100));
}

static void prefixes_reject_bad_input(void **state)
{
	struct vpc_ip ip;
	uint8_t plen;
	uint32_t be;

	(void)state;
	assert_int_not_equal(vpc_parse_prefix("2001:db8::/129", &ip, &plen), 0);
	assert_int_not_equal(vpc_parse_prefix("10.0.0.0/33", &ip, &plen), 0);
	assert_int_not_equal(vpc_parse_prefix("10.0.0.0/", &ip, &plen), 0);
	assert_int_not_equal(vpc_parse_prefix("2001:db8::/-1", &ip, &plen), 0);
	assert_int_not_equal(vpc_parse_prefix("2001:db8::/64x", &ip, &plen), 0);
	assert_int_not_equal(vpc_parse_prefix("/64", &ip, &plen), 0);
	/* Longer than any address: refused, not truncated. */
	assert_int_not_equal(vpc_parse_prefix(
		"0000:0000:0000:0000:0000:ffff:255.255.255.2550/128", &ip, &plen), 0);
	/* The IPv4-only parser refuses IPv6. */
	assert_int_not_equal(vpc_parse_prefix4("2001:db8::/64", &be, &plen), 0);
}

/* Put TXT/PLEN as an address nest in NLH and read it back. */
static void round_trip(struct nlmsghdr *nlh, const char *txt, uint8_t plen,
		       int family)
{
	struct nlattr *nest = mnl_nlmsg_get_payload_tail(nlh);
	char buf[INET6_ADDRSTRLEN];
	struct vpc_ip ip, got;
	uint8_t got_plen;

	assert_int_equal(vpc_parse_ip(txt, &ip), 0);
	vpc_put_addr(nlh, 1, &ip, plen);
	assert_int_equal(vpc_get_addr(nest, &got, &got_plen), 0);
	assert_int_equal(got.family, family);
	assert_int_equal(got_plen, plen);
	assert_string_equal(vpc_fmt_ip(&got, buf, sizeof(buf)), txt);
}

/* The nested address attribute of subnets and routes, both families. */
static void addr_nest_round_trip(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest;
	struct vpc_ip got;
	uint8_t plen;

	(void)state;
	round_trip(nlh, "2001:db8:1::1", 128, AF_INET6);
	round_trip(nlh, "10.0.1.0", 24, AF_INET);
	/* No plen: a host address of the family; no address: refused. */
	nest = mnl_attr_nest_start(nlh, 3);
	mnl_attr_put(nlh, VPC_ADDR_A_IP6, 16, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1");
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(vpc_get_addr(nest, &got, &plen), 0);
	assert_int_equal(plen, 128);
	nest = mnl_attr_nest_start(nlh, 4);
	mnl_attr_put_u8(nlh, VPC_ADDR_A_PLEN, 8);
	mnl_attr_nest_end(nlh, nest);
	assert_int_not_equal(vpc_get_addr(nest, &got, &plen), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip4_and_ip6),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(prefixes_reject_bad_input),
		cmocka_unit_test(addr_nest_round_trip),
	};

	return cmocka_run_group_tests_name("vpc_addr", tests, NULL, NULL);
}
