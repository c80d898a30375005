/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NIMBUS_CBS_CMD_H
#define NIMBUS_CBS_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/cbs_proto.h>

#include "lib/cli.h"

/* -json, -statistics, -details */
extern struct cli_opts cbs_opts;

int do_volume(int argc, char **argv);
/* map.c: the block devices of cbs.ko. */
int do_map(int argc, char **argv);
int do_unmap(int argc, char **argv);
int do_reconfigure(int argc, char **argv);
int do_show(int argc, char **argv);
int do_monitor(int argc, char **argv);

/* client.c: an admin session with cbs-server. */
/* Connect to ADDR:PORT and authenticate with the admin token; fd or -errno. */
int cbs_admin_connect(const char *server, const char *admin_token);
/*
 * One admin request; the server's answer as 0 or -errno.  With reply,
 * *reply gets the malloc'd reply payload and *reply_len its size.
 */
int cbs_admin_call(int fd, uint16_t op, const struct cbs_admin_volume *arg,
		   void **reply, uint32_t *reply_len);

#endif /* NIMBUS_CBS_CMD_H */
