// SPDX-License-Identifier: GPL-2.0
/* Rates and sizes in tc(8)'s units, for vpc and nimbus-agent alike. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/qos/qos.h"

struct unit {
	const char *name;
	long double scale;
};

/* tc(8): a bare number is bit/s; "bps" is bytes/s, as tc has it. */
static const struct unit rate_units[] = {
	{ "", 1 }, { "bit", 1 },
	{ "kbit", 1e3L }, { "mbit", 1e6L }, { "gbit", 1e9L }, { "tbit", 1e12L },
	{ "kibit", 1024.0L }, { "mibit", 1048576.0L },
	{ "gibit", 1073741824.0L }, { "tibit", 1099511627776.0L },
	{ "bps", 8 },
	{ "kbps", 8e3L }, { "mbps", 8e6L }, { "gbps", 8e9L }, { "tbps", 8e12L },
	{ "kibps", 8 * 1024.0L }, { "mibps", 8 * 1048576.0L },
	{ "gibps", 8 * 1073741824.0L }, { "tibps", 8 * 1099511627776.0L },
	{ NULL, 0 }
};

/* tc(8): a bare number is bytes; k, m, g are binary; kbit is 1024 bits. */
static const struct unit size_units[] = {
	{ "", 1 }, { "b", 1 },
	{ "k", 1024.0L }, { "kb", 1024.0L },
	{ "m", 1048576.0L }, { "mb", 1048576.0L },
	{ "g", 1073741824.0L }, { "gb", 1073741824.0L },
	{ "kbit", 128.0L }, { "mbit", 131072.0L }, { "gbit", 134217728.0L },
	{ NULL, 0 }
};

/* A non-negative decimal (a fraction allowed) times UNITS' scale. */
static int parse_units(const char *s, const struct unit *units, long double *out)
{
	long double v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtold(s, &end);
	/* decimal digits and a point only: no "0x10", "1e3", "nan" */
	if (errno || end != s + strspn(s, "0123456789.") || strchr(s, '.') != strrchr(s, '.'))
		return -EINVAL;
	for (; units->name; units++) {
		if (!strcasecmp(end, units->name)) {
			*out = v * units->scale;
			return 0;
		}
	}
	return -EINVAL;
}

int qos_parse_rate(const char *s, uint64_t *bytes_per_s)
{
	long double bits;

	if (parse_units(s, rate_units, &bits) || bits / 8 >= 18446744073709551615.0L)
		return -EINVAL;
	/* "4bit" is no rate at all, as a class cannot take half a byte/s */
	if (bits > 0 && bits < 8)
		return -EINVAL;
	*bytes_per_s = (uint64_t)(bits / 8);
	return 0;
}

int qos_parse_size(const char *s, uint32_t *bytes)
{
	long double v;

	if (parse_units(s, size_units, &v) || v > 4294967295.0L)
		return -EINVAL;
	*bytes = (uint32_t)v;
	return 0;
}

const char *qos_fmt_rate(uint64_t bytes_per_s, char *buf, size_t len)
{
	static const char *const names[] = { "bit", "kbit", "mbit", "gbit", "tbit" };
	uint64_t bits = bytes_per_s * 8;
	unsigned int i = 0;

	if (bytes_per_s > UINT64_MAX / 8) {
		snprintf(buf, len, "%llubps", (unsigned long long)bytes_per_s);
		return buf;
	}
	/* The largest unit that keeps the number whole: it parses back exactly. */
	while (i + 1 < sizeof(names) / sizeof(names[0]) && bits && bits % 1000 == 0) {
		bits /= 1000;
		i++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)bits, names[i]);
	return buf;
}

const char *qos_fmt_size(uint32_t bytes, char *buf, size_t len)
{
	if (bytes && bytes % 1048576 == 0)
		snprintf(buf, len, "%um", bytes / 1048576);
	else if (bytes && bytes % 1024 == 0)
		snprintf(buf, len, "%uk", bytes / 1024);
	else
		snprintf(buf, len, "%ub", bytes);
	return buf;
}
