// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"

bool matches(const char *arg, const char *pattern)
{
	size_t len = strlen(arg);

	return len && len <= strlen(pattern) && !strncmp(arg, pattern, len);
}

int invarg(const char *msg, const char *arg)
{
	fprintf(stderr, "Error: argument \"%s\" is wrong: %s\n", arg, msg);
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
