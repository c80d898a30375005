/* SPDX-License-Identifier: GPL-2.0 */
/* What every ip-style command of Nimbus shares: word matching and errors. */
#ifndef NIMBUS_CLI_H
#define NIMBUS_CLI_H

#include <stdbool.h>

#include "lib/genl.h"

/* ARG is a non-empty prefix of PATTERN ("sh" matches "show"). */
bool matches(const char *arg, const char *pattern);
/* Print 'argument "ARG" is wrong: MSG'; returns the exit status 1. */
int invarg(const char *msg, const char *arg);
/* Print a refused netlink request with the kernel's reason; returns 2. */
int nl_error(const char *what, int err, const struct genl_sock *gs);

#endif /* NIMBUS_CLI_H */
