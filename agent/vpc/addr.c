// SPDX-License-Identifier: GPL-2.0
/*
 * The MACs of the command line and the counters of a reply; vpc.ko's
 * address attributes are lib/vpc_nl.c's, everything else about addresses
 * lib/addr.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "agent/vpc/vpc.h"

int vpc_parse_mac(const char *s, uint8_t mac[6])
{
	int n = 0;

	if (sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%n", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5], &n) != 6 || s[n])
		return -EINVAL;
	return 0;
}

/* Text: one "\n    name value" per counter; JSON: "name": value. */
void vpc_print_stats(const struct nlattr *nest)
{
	const struct nlattr *a;
	char fmt[64];

	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);

		const char *name = vpc_stat_name(type);

		if (!name || mnl_attr_get_payload_len(a) != sizeof(uint64_t))
			continue;
		snprintf(fmt, sizeof(fmt), "\n    %s %%llu", name);
		out_uint(name, fmt, mnl_attr_get_u64(a));
	}
}
