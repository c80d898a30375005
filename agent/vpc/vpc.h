/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NIMBUS_VPC_H
#define NIMBUS_VPC_H

#include <stdbool.h>

#include "../lib/cli.h"
#include "../lib/genl.h"

struct vpc_opts {
	bool json;
	bool stats;
	bool details;
};

extern struct vpc_opts vpc_opts;

/* The socket to the "vpc" family, opened on first use. */
struct genl_sock *vpc_sock(void);
/* Report a failed request the way ip(8) does and return 2. */
int vpc_nl_error(const char *what, int err, const struct genl_sock *gs);
int vpc_invarg(const char *msg, const char *arg);

int do_net(int argc, char **argv);

#endif /* NIMBUS_VPC_H */
