// SPDX-License-Identifier: GPL-2.0
/* cbs: manage Cloud Block Store volumes and devices, in the style of ip(8). */
#include <stdio.h>
#include <string.h>

#include "lib/output.h"
#include "agent/cbs/cbs.h"

struct cli_opts cbs_opts;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs [OPTIONS] { volume | snapshot | image } { COMMAND | help }\n"
		"       cbs map NAME server ADDR:PORT[,ADDR:PORT[,ADDR:PORT]] { token T | token-file PATH } [ conns N ]\n"
		"               [ generation G ] [ dead-timeout S ] [ io-timeout S ] [ reconnect ]\n"
		"       cbs unmap DEV [ force ]\n"
		"       cbs reconfigure DEV [ size SIZE ] [ dead-timeout S ]\n"
		"       cbs [ -s ] [ -d ] show [ DEV ]\n"
		"       cbs monitor\n"
		"where  OPTIONS := { -j[son] | -s[tatistics] | -d[etails] | -h[elp] }\n");
}

static const struct cli_cmd cbs_objects[] = {
	{ "volume", do_volume },
	{ "snapshot", do_snapshot },
	{ "image", do_image },
	{ "map", do_map },
	{ "unmap", do_unmap },
	{ "reconfigure", do_reconfigure },
	{ "show", do_show },
	{ "monitor", do_monitor },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	int ret;

	while (argc > 1 && argv[1][0] == '-') {
		const char *opt = argv[1] + 1 + (argv[1][1] == '-');

		if (matches(opt, "help")) {
			usage(stdout);
			return 0;
		}
		if (!cli_opt(&cbs_opts, opt))
			return cli_unknown("Option", argv[1], "cbs -help");
		argc--;
		argv++;
	}
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	out_init(cbs_opts.json);
	ret = cli_dispatch(cbs_objects, argc - 1, argv + 1, usage, "Command", "cbs help");
	out_flush();
	return ret;
}
