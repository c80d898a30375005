// SPDX-License-Identifier: GPL-2.0
/* vpc: configure vpc.ko over generic netlink, in the style of ip(8). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vpc.h>

#include "lib/output.h"
#include "agent/qos/qos.h"
#include "agent/vpc/vpc.h"

struct cli_opts vpc_opts;

static struct genl_sock vpc_gs;
static bool vpc_gs_open;
/*
 * One per process; a batch holds its lock and state from its first QoS
 * line to its end, so that a thousand port sets cost each its own classes.
 */
static struct qos_ctx *vpc_qos_ctx;
static bool vpc_batching;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpc [OPTIONS] OBJECT { COMMAND | help }\n"
		"where  OBJECT := { net | underlay | port | map | subnet | route | monitor }\n"
		"       OPTIONS := { -j[son] | -s[tatistics] | -d[etails] |\n"
		"                    -n[etns] NAME | -b[atch] FILE | -h[elp] }\n");
}

struct genl_sock *vpc_sock(void)
{
	int ret;

	if (vpc_gs_open)
		return &vpc_gs;
	ret = genl_open(&vpc_gs, VPC_GENL_NAME);
	if (ret) {
		if (ret == -ENOENT)
			fprintf(stderr, "Error: the vpc module is not loaded (no \"vpc\" netlink family)\n");
		else
			nl_error("cannot open netlink socket", ret, NULL);
		return NULL;
	}
	vpc_gs_open = true;
	return &vpc_gs;
}

struct qos_ctx *vpc_qos(void)
{
	if (!vpc_qos_ctx) {
		char err[256];

		vpc_qos_ctx = qos_open(err, sizeof(err));
		if (vpc_qos_ctx && vpc_batching && qos_hold(vpc_qos_ctx, err, sizeof(err))) {
			qos_close(vpc_qos_ctx);
			vpc_qos_ctx = NULL;
		}
		if (!vpc_qos_ctx)
			vpc_qos_error(err);
	}
	return vpc_qos_ctx;
}

static bool vpc_qos_gc_due;

/*
 * After a port del: the classes of ports that are gone go now, or once at
 * the end of a batch (each pass reads every tree).
 */
int vpc_qos_gc(void)
{
	struct qos_ctx *ctx;
	char err[256];

	if (vpc_batching) {
		vpc_qos_gc_due = true;
		return 0;
	}
	ctx = vpc_qos();
	if (!ctx)
		return 2;
	return qos_gc(ctx, err, sizeof(err)) ? vpc_qos_error(err) : 0;
}

static const struct cli_cmd vpc_objects[] = {
	{ "net", do_net },
	{ "underlay", do_underlay },
	{ "port", do_port },
	{ "map", do_map },
	{ "subnet", do_subnet },
	{ "route", do_route },
	{ "monitor", do_monitor },
	{ NULL, NULL }
};

static int do_object(int argc, char **argv)
{
	return cli_dispatch(vpc_objects, argc, argv, usage, "Object", "vpc help");
}

/*
 * -batch: the line being run, and for each queued change its line and what
 * it was, to report a failure that comes back later.
 */
static struct {
	const char *path;
	unsigned int lineno;
	struct {
		unsigned int lineno;
		const char *what;
	} queued[GENL_PIPE_MAX];
} vpc_batch;

int vpc_change(struct genl_sock *gs, struct nlmsghdr *nlh, const char *what)
{
	int ret;

	if (!vpc_batch.lineno) {
		ret = genl_talk(gs, nlh, NULL, NULL);
		return ret ? nl_error(what, ret, gs) : 0;
	}
	ret = genl_pipe_add(gs, nlh);
	if (ret < 0)
		return nl_error(what, ret, NULL);
	vpc_batch.queued[ret].lineno = vpc_batch.lineno;
	vpc_batch.queued[ret].what = what;
	return 0;
}

static void batch_failed(unsigned int index, int err, struct genl_sock *gs,
			 void *data)
{
	(void)data;
	nl_error(vpc_batch.queued[index].what, err, gs);
	fprintf(stderr, "Command failed %s:%u\n", vpc_batch.path,
		vpc_batch.queued[index].lineno);
}

/* Send the queued changes; 0 if all of them succeeded. */
static int batch_flush(void)
{
	int ret;

	if (!vpc_gs_open)
		return 0;
	ret = genl_pipe_flush(&vpc_gs, batch_failed, NULL);
	if (ret < 0) {
		nl_error("cannot send the batch", ret, NULL);
		fprintf(stderr, "Command failed %s:%u\n", vpc_batch.path,
			vpc_batch.lineno);
	}
	return ret ? 2 : 0;
}

/* Mapping changes are queued (vpc_change); anything else waits for them. */
static bool batch_queues(int argc, char **argv)
{
	return argc > 1 && matches(argv[0], "map") && !matches(argv[1], "show") &&
	       !matches(argv[1], "list") && !matches(argv[1], "help");
}

/*
 * Commands one per line over the one netlink socket, as ip -batch: blank
 * lines and '#' comments are skipped; the first failure stops the batch.
 * Mapping changes go to the kernel GENL_PIPE_MAX at a time: a failing one
 * is reported with its line, and the changes queued after it in the same
 * group are still made.
 */
static int do_batch(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned int lineno = 0;
	size_t cap = 0;
	char *line = NULL;
	int ret = 0, flushed;

	vpc_batch.path = path;
	vpc_batching = true;
	if (!f) {
		fprintf(stderr, "Error: cannot open batch file \"%s\": %s\n", path,
			strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		char *args[64], *save = NULL, *tok;
		int n = 0;

		lineno++;
		for (tok = strtok_r(line, " \t\r\n", &save); tok && n < 64;
		     tok = strtok_r(NULL, " \t\r\n", &save))
			args[n++] = tok;
		if (!n || args[0][0] == '#')
			continue;
		if (vpc_gs_open && (!batch_queues(n, args) || genl_pipe_full(&vpc_gs))) {
			ret = batch_flush();
			if (ret)
				break;
		}
		vpc_batch.lineno = lineno;
		ret = do_object(n, args);
		if (ret) {
			fprintf(stderr, "Command failed %s:%u\n", path, lineno);
			break;
		}
	}
	/* The lines before a failure are made, whatever their group. */
	flushed = batch_flush();
	vpc_batching = false;
	if (vpc_qos_gc_due && !flushed)
		flushed = vpc_qos_gc();
	if (vpc_qos_ctx)
		qos_release(vpc_qos_ctx);
	if (!ret)
		ret = flushed;
	vpc_batch.lineno = 0;
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *batch = NULL;
	int ret;

	while (argc > 1 && argv[1][0] == '-') {
		const char *opt = argv[1] + 1 + (argv[1][1] == '-');

		if (matches(opt, "batch")) {
			if (argc < 3) {
				fprintf(stderr, "Error: -batch needs a file name ('-' for stdin)\n");
				return 1;
			}
			batch = argv[2];
			argc--;
			argv++;
		} else if (matches(opt, "netns")) {
			if (argc < 3) {
				fprintf(stderr, "Error: -netns needs a namespace name\n");
				return 1;
			}
			netns = argv[2];
			argc--;
			argv++;
		} else if (matches(opt, "help")) {
			usage(stdout);
			return 0;
		} else if (!cli_opt(&vpc_opts, opt)) {
			return cli_unknown("Option", argv[1], "vpc -help");
		}
		argc--;
		argv++;
	}
	if (argc < 2 && !batch) {
		usage(stderr);
		return 1;
	}
	if (netns) {
		ret = netns_enter(netns);
		if (ret) {
			fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s\n",
				netns, strerror(-ret));
			return 1;
		}
	}
	out_init(vpc_opts.json);
	ret = batch ? do_batch(batch) : do_object(argc - 1, argv + 1);
	out_flush();
	if (vpc_gs_open)
		genl_close(&vpc_gs);
	qos_close(vpc_qos_ctx);
	return ret;
}
