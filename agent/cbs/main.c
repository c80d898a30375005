// SPDX-License-Identifier: GPL-2.0
/* cbs: manage Cloud Block Store volumes and devices, in the style of ip(8). */
#include <stdio.h>
#include <string.h>

#include "lib/output.h"
#include "agent/cbs/cbs.h"

struct cbs_opts cbs_opts;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs [OPTIONS] volume { COMMAND | help }\n"
		"       cbs map NAME server ADDR:PORT { token T | token-file PATH } [ conns N ]\n"
		"               [ generation G ] [ dead-timeout S ] [ io-timeout S ] [ reconnect ]\n"
		"       cbs unmap DEV [ force ]\n"
		"       cbs reconfigure DEV [ size SIZE ] [ dead-timeout S ]\n"
		"       cbs [ -s ] [ -d ] show [ DEV ]\n"
		"       cbs monitor\n"
		"where  OPTIONS := { -j[son] | -s[tatistics] | -d[etails] | -h[elp] }\n");
}

static const struct {
	const char *name;
	int (*func)(int argc, char **argv);
} cbs_objects[] = {
	{ "volume", do_volume },
	{ "map", do_map },
	{ "unmap", do_unmap },
	{ "reconfigure", do_reconfigure },
	{ "show", do_show },
	{ "monitor", do_monitor },
};

static int do_object(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(cbs_objects) / sizeof(cbs_objects[0]); i++)
		if (matches(argv[0], cbs_objects[i].name))
			return cbs_objects[i].func(argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "Command \"%s\" is unknown, try \"cbs help\".\n", argv[0]);
	return 1;
}

int main(int argc, char **argv)
{
	int ret;

	while (argc > 1 && argv[1][0] == '-') {
		const char *opt = argv[1] + 1 + (argv[1][1] == '-');

		if (matches(opt, "json")) {
			cbs_opts.json = true;
		} else if (matches(opt, "statistics")) {
			cbs_opts.stats = true;
		} else if (matches(opt, "details")) {
			cbs_opts.details = true;
		} else if (matches(opt, "help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "Option \"%s\" is unknown, try \"cbs -help\".\n",
				argv[1]);
			return 1;
		}
		argc--;
		argv++;
	}
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	out_init(cbs_opts.json);
	ret = do_object(argc - 1, argv + 1);
	out_flush();
	return ret;
}
