// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"

bool matches(const char *arg, const char *pattern)
{
	size_t len = strlen(arg);

	return len && len <= strlen(pattern) && !strncmp(arg, pattern, len);
}

const struct cli_cmd *cli_lookup(const struct cli_cmd *cmds, const char *word)
{
	for (; cmds->name; cmds++)
		if (matches(word, cmds->name))
			return cmds;
	return NULL;
}

int cli_dispatch(const struct cli_cmd *cmds, int argc, char **argv,
		 void (*usage)(FILE *f), const char *kind, const char *hint)
{
	const struct cli_cmd *cmd = cli_lookup(cmds, argv[0]);

	if (cmd)
		return cmd->func(argc - 1, argv + 1);
	if (matches(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	return cli_unknown(kind, argv[0], hint);
}

bool cli_opt(struct cli_opts *o, const char *opt)
{
	if (matches(opt, "json"))
		o->json = true;
	else if (matches(opt, "statistics"))
		o->stats = true;
	else if (matches(opt, "details"))
		o->details = true;
	else
		return false;
	return true;
}

int invarg(const char *msg, const char *arg)
{
	fprintf(stderr, "Error: argument \"%s\" is wrong: %s\n", arg, msg);
	return 1;
}

int cli_unknown(const char *kind, const char *word, const char *hint)
{
	fprintf(stderr, "%s \"%s\" is unknown, try \"%s\".\n", kind, word, hint);
	return 1;
}

int cli_unknown_arg(const char *arg, const char *hint)
{
	fprintf(stderr, "Error: unknown argument \"%s\", try \"%s\"\n", arg, hint);
	return 1;
}

int cli_needs_value(const char *key)
{
	fprintf(stderr, "Error: \"%s\" needs a value\n", key);
	return 1;
}

int nl_error(const char *what, int err, const struct genl_sock *gs)
{
	if (gs && gs->extack[0])
		fprintf(stderr, "Error: %s: %s: %s\n", what, strerror(-err), gs->extack);
	else
		fprintf(stderr, "Error: %s: %s\n", what, strerror(-err));
	return 2;
}
