// SPDX-License-Identifier: GPL-2.0
/* vpc port set ... qos, and the QoS of vpc port show (agent/qos does the work). */
#include <stdio.h>
#include <string.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "agent/qos/qos.h"
#include "agent/vpc/vpc.h"

int vpc_qos_error(const char *err)
{
	fprintf(stderr, "Error: %s\n", err);
	return 2;
}

int vpc_parse_rate(const char *key, const char *s, uint64_t *rate)
{
	if (qos_parse_rate(s, rate)) {
		fprintf(stderr, "Error: argument \"%s\" is wrong: %s is a rate in tc(8)'s units (8bit at least, or 0): 12mbit, 1gbit, 500kbit, 2mbps\n",
			s, key);
		return 1;
	}
	return 0;
}

/* "egress min RATE max RATE burst SIZE": how many words it took, or -1. */
static int qos_parse_dir(int argc, char **argv, struct qos_dir *dir)
{
	bool has_min = false, has_max = false, has_burst = false;
	const char *name = argv[0];
	int used = 1;

	for (argc--, argv++; argc > 0; argc -= 2, argv += 2, used += 2) {
		bool *has = !strcmp(argv[0], "min") ? &has_min :
			    !strcmp(argv[0], "max") ? &has_max :
			    !strcmp(argv[0], "burst") ? &has_burst : NULL;

		if (!has)
			break;
		if (*has) {
			invarg("given twice", argv[0]);
			return -1;
		}
		*has = true;
		if (argc < 2) {
			cli_needs_value(argv[0]);
			return -1;
		}
		if (has == &has_burst) {
			if (qos_parse_size(argv[1], &dir->burst) || !dir->burst) {
				invarg("burst is a size in bytes: 32k, 1m, 15000", argv[1]);
				return -1;
			}
		} else if (vpc_parse_rate(argv[0], argv[1], has == &has_min ? &dir->min :
					  &dir->max)) {
			return -1;
		}
	}
	if (!has_min && !has_max) {
		fprintf(stderr, "Error: \"%s\" needs \"min RATE\", \"max RATE\" or both\n",
			name);
		return -1;
	}
	if (has_max && !dir->max) {
		invarg("max must be above 0 (leave it out for the plane's rate)", "0");
		return -1;
	}
	if (dir->max && dir->min > dir->max) {
		fprintf(stderr, "Error: %s min is above its max\n", name);
		return -1;
	}
	return used;
}

/*
 * vpc port set dev IFACE qos { off | [ egress DIR ] [ ingress DIR ] }
 * DIR := [ min RATE ] [ max RATE ] [ burst SIZE ]
 */
int vpc_port_qos(const char *dev, int argc, char **argv)
{
	struct qos_dir dir[2] = { { 0 }, { 0 } };
	unsigned int dirs = 0;
	bool off = false;
	struct qos_ctx *ctx;
	char err[256];
	int ret;

	while (argc > 0) {
		unsigned int d = !strcmp(argv[0], "egress") ? QOS_EGRESS :
				 !strcmp(argv[0], "ingress") ? QOS_INGRESS : 0;

		if (!strcmp(argv[0], "off")) {
			off = true;
			argc--;
			argv++;
			continue;
		}
		if (!d)
			return cli_unknown_arg(argv[0], "vpc port help");
		if (dirs & d)
			return invarg("given twice", argv[0]);
		dirs |= d;
		ret = qos_parse_dir(argc, argv, &dir[d == QOS_INGRESS]);
		if (ret < 0)
			return 1;
		argc -= ret;
		argv += ret;
	}
	if (off == !!dirs) {
		fprintf(stderr, "Error: \"qos\" needs \"off\", or \"egress\" or \"ingress\" with their rates\n");
		return 1;
	}
	if (!dev) {
		fprintf(stderr, "Error: \"dev\" is required\n");
		return 1;
	}
	ctx = vpc_qos();
	if (!ctx)
		return 2;
	ret = off ? qos_port_off(ctx, dev, err, sizeof(err)) :
	      qos_port_set(ctx, dev, dirs, &dir[0], &dir[1], err, sizeof(err));
	return ret ? vpc_qos_error(err) : 0;
}

/* A rate: text in tc's units, JSON in bytes/s as tc -j has it. */
void vpc_print_rate(const char *key, const char *fmt, uint64_t rate)
{
	if (vpc_opts.json) {
		out_uint(key, "", rate);
	} else {
		char buf[32];

		out_str(key, fmt, qos_fmt_rate(rate, buf, sizeof(buf)));
	}
}

static void qos_print_dir(const char *name, const struct qos_dir *dir)
{
	char key[32], fmt[48];

	snprintf(key, sizeof(key), "%s_min", name);
	snprintf(fmt, sizeof(fmt), " %s min %%s", name);
	vpc_print_rate(key, fmt, dir->min);
	/* max 0: the plane's rate, as asked */
	if (dir->max) {
		snprintf(key, sizeof(key), "%s_max", name);
		vpc_print_rate(key, " max %s", dir->max);
	}
	if (dir->burst) {
		snprintf(key, sizeof(key), "%s_burst", name);
		if (vpc_opts.json) {
			out_uint(key, "", dir->burst);
		} else {
			char buf[32];

			out_str(key, " burst %s", qos_fmt_size(dir->burst, buf, sizeof(buf)));
		}
	}
}

/* One "\n    name value" each, as the port's own counters. */
static void qos_print_stats(const char *name, const struct qos_stats *st)
{
	char key[32], fmt[48];

	for (unsigned int i = 0; i < 4; i++) {
		static const char *const names[] = { "bytes", "packets", "drops", "overlimits" };
		const uint64_t v[] = { st->bytes, st->packets, st->drops, st->overlimits };

		snprintf(key, sizeof(key), "%s_%s", name, names[i]);
		snprintf(fmt, sizeof(fmt), "\n    %s %%llu", key);
		out_uint(key, fmt, v[i]);
	}
}

void vpc_port_print_qos(struct qos_ctx *ctx, const struct nlattr *class)
{
	struct qos_stats st[2];
	struct qos_port port;
	char err[256];
	uint32_t id;

	if (!class)
		return;
	id = mnl_attr_get_u32(class);
	if (vpc_opts.details) {
		char h[16];

		snprintf(h, sizeof(h), "%x:%x", id >> 16, id & 0xffff);
		out_str("qos_class", " qos-class %s", h);
	}
	if (!ctx || qos_port_get(ctx, id, &port, &st[0], &st[1], err, sizeof(err)))
		return;
	if (!vpc_opts.json && (port.egress_on || port.ingress_on))
		fputs(" qos", stdout);
	if (port.egress_on)
		qos_print_dir("egress", &port.egress);
	if (port.ingress_on)
		qos_print_dir("ingress", &port.ingress);
	if (port.egress_on && vpc_opts.stats)
		qos_print_stats("egress", &st[0]);
	if (port.ingress_on && vpc_opts.stats)
		qos_print_stats("ingress", &st[1]);
}
