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

#endif /* NIMBUS_CBS_CMD_H */
