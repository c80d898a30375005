/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every ip-style command of Nimbus shares: word matching, the table of
 * objects or commands, the common options, and the messages for bad input.
 */
#ifndef NIMBUS_CLI_H
#define NIMBUS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/genl.h"

/* ARG is a non-empty prefix of PATTERN ("sh" matches "show"). */
bool matches(const char *arg, const char *pattern);

/* One object or command of a command line: "vpc map ...", "cbs volume ...". */
struct cli_cmd {
	const char *name;
	int (*func)(int argc, char **argv);	/* the arguments after NAME */
};

/* The first of CMDS (ended by a NULL name) that WORD matches, or NULL. */
const struct cli_cmd *cli_lookup(const struct cli_cmd *cmds, const char *word);
/*
 * Run the entry of CMDS that ARGV[0] names, with the arguments after it;
 * "help" prints USAGE; any other word is 'KIND "WORD" is unknown, try
 * "HINT".'.  Returns the exit status.
 */
int cli_dispatch(const struct cli_cmd *cmds, int argc, char **argv,
		 void (*usage)(FILE *f), const char *kind, const char *hint);

/* The options every command takes: -j[son], -s[tatistics], -d[etails]. */
struct cli_opts {
	bool json;
	bool stats;
	bool details;
};

/* Set the option OPT (without its dashes) in O; false if it is none of them. */
bool cli_opt(struct cli_opts *o, const char *opt);

/* Print 'argument "ARG" is wrong: MSG'; returns the exit status 1. */
int invarg(const char *msg, const char *arg);
/* Print 'KIND "WORD" is unknown, try "HINT".' (Command, Object, Option); returns 1. */
int cli_unknown(const char *kind, const char *word, const char *hint);
/* Print 'unknown argument "ARG", try "HINT"'; returns 1. */
int cli_unknown_arg(const char *arg, const char *hint);
/* Print '"KEY" needs a value'; returns 1. */
int cli_needs_value(const char *key);
/* Print a refused netlink request with the kernel's reason; returns 2. */
int nl_error(const char *what, int err, const struct genl_sock *gs);

#endif /* NIMBUS_CLI_H */
