// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the address parsers the vpc command uses (lib/addr.c) and
 * of vpc.ko's nested address attributes (lib/vpc_nl.c).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/vpc.h>

#include "lib/addr.h"
#include "lib/vpc_nl.h"

static void ip4_and_ip6(void **state)
{
	struct nb_addr ip;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(nb_addr_parse("10.0.0.1", &ip), 0);
	assert_int_equal(ip.family, AF_INET);
	assert_memory_equal(ip.b, "\x0a\x00\x00\x01", 4);
	assert_int_equal(nb_addr_parse("2001:db8::10", &ip), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_string_equal(nb_addr_fmt6(ip.b, buf, sizeof(buf)), "2001:db8::10");
	assert_int_not_equal(nb_addr_parse("2001:db8::10/64", &ip), 0);
	assert_int_not_equal(nb_addr_parse("10.0.0.256", &ip), 0);
	assert_int_not_equal(nb_addr_parse("2001:db8:::1", &ip), 0);
	assert_int_not_equal(nb_addr_parse("", &ip), 0);
}

static void prefixes(void **state)
{
	struct nb_prefix p;
	uint32_t be;

	(void)state;
	assert_int_equal(nb_prefix_parse("2001:db8:1::/64", &p, true), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(p.plen, 64);
	assert_int_equal(nb_prefix_parse("2001:db8::10", &p, true), 0);
	assert_int_equal(p.plen, 128);
	assert_int_equal(nb_prefix_parse("::/0", &p, true), 0);
	assert_int_equal(p.plen, 0);
	assert_int_equal(nb_prefix_parse("10.0.1.0/24", &p, true), 0);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.plen, 24);
	assert_int_equal(nb_prefix_parse("10.0.0.1", &p, true), 0);
	assert_int_equal(p.plen, 32);
	/* In network order, as vpc_parse_prefix4() (now gone) gave it. */
	assert_int_equal(nb_prefix_parse("10.0.1.0/24", &p, true), 0);
	memcpy(&be, p.addr.b, sizeof(be));
	assert_int_equal(be, htonl(0x0a000100));
}

static void prefixes_reject_bad_input(void **state)
{
	struct nb_prefix p;
	uint32_t be;

	(void)state;
	assert_int_not_equal(nb_prefix_parse("2001:db8::/129", &p, true), 0);
	assert_int_not_equal(nb_prefix_parse("10.0.0.0/33", &p, true), 0);
	assert_int_not_equal(nb_prefix_parse("10.0.0.0/", &p, true), 0);
	assert_int_not_equal(nb_prefix_parse("2001:db8::/-1", &p, true), 0);
	assert_int_not_equal(nb_prefix_parse("2001:db8::/64x", &p, true), 0);
	assert_int_not_equal(nb_prefix_parse("/64", &p, true), 0);
	/* Longer than any address: refused, not truncated. */
	assert_int_not_equal(nb_prefix_parse(
		"0000:0000:0000:0000:0000:ffff:255.255.255.2550/128", &p, true), 0);
	/* The IPv4-only parser refuses IPv6. */
	assert_int_not_equal(nb_addr_parse4("2001:db8::", &be), 0);
}

/* Put TXT/PLEN as an address nest in NLH and read it back. */
static void round_trip(struct nlmsghdr *nlh, const char *txt, uint8_t plen,
		       int family)
{
	struct nlattr *nest = mnl_nlmsg_get_payload_tail(nlh);
	char buf[INET6_ADDRSTRLEN];
	struct nb_addr ip, got;
	uint8_t got_plen;

	assert_int_equal(nb_addr_parse(txt, &ip), 0);
	vpc_put_addr(nlh, 1, &ip, plen);
	assert_int_equal(vpc_get_addr(nest, &got, &got_plen), 0);
	assert_int_equal(got.family, family);
	assert_int_equal(got_plen, plen);
	assert_string_equal(nb_addr_fmt(&got, buf, sizeof(buf)), txt);
}

/* The nested address attribute of subnets and routes, both families. */
static void addr_nest_round_trip(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest;
	struct nb_addr got;
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
