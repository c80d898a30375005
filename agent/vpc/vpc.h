/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NIMBUS_VPC_H
#define NIMBUS_VPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/cli.h"
#include "lib/genl.h"
#include "lib/vpc_nl.h"

struct qos_ctx;

/* -json, -statistics, -details */
extern struct cli_opts vpc_opts;

/* The socket to the "vpc" family, opened on first use. */
struct genl_sock *vpc_sock(void);
/* agent/qos's context, opened on first use (NULL: the error is printed). */
struct qos_ctx *vpc_qos(void);
/* Delete the classes of ports that are gone (at the end of a batch). */
int vpc_qos_gc(void);
/*
 * Send a change request and report its failure as "cannot WHAT"; in a
 * batch it is queued and a failure is reported with its line later.
 */
int vpc_change(struct genl_sock *gs, struct nlmsghdr *nlh, const char *what);

/*
 * A MAC on the command line, as ip(8) takes it: each of the six parts one
 * or two hex digits ("2:0:0:0:0:1").  0 or -EINVAL.
 */
int vpc_parse_mac(const char *s, uint8_t mac[6]);
/* The counters of a VPC_A_STATS nest, text or JSON. */
void vpc_print_stats(const struct nlattr *nest);

/* Print one reply or notification of each object (also for monitor). */
int vpc_net_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_underlay_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_port_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_map_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_subnet_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_route_print_cb(const struct nlmsghdr *nlh, void *data);
int vpc_path_print_cb(const struct nlmsghdr *nlh, void *data);

/* qos.c: the QoS of ports, through agent/qos. */
int vpc_qos_error(const char *err);
/* A RATE argument of KEY; 1 (the error printed) if it is none. */
int vpc_parse_rate(const char *key, const char *s, uint64_t *rate);
/* A rate: tc's units in text, bytes/s in JSON. */
void vpc_print_rate(const char *key, const char *fmt, uint64_t rate);
/* vpc port set dev DEV qos ARGS... */
int vpc_port_qos(const char *dev, int argc, char **argv);
/* The QoS of the port with class CLASS (VPC_A_QOS_CLASS, may be NULL). */
void vpc_port_print_qos(struct qos_ctx *ctx, const struct nlattr *class);

int do_net(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_underlay(int argc, char **argv);
int do_port(int argc, char **argv);
int do_map(int argc, char **argv);
int do_subnet(int argc, char **argv);
int do_route(int argc, char **argv);
/* path.c: vpc underlay path, and the paths listed by vpc underlay show. */
int vpc_path_set(int argc, char **argv);
int vpc_path_show(struct genl_sock *gs);

#endif /* NIMBUS_VPC_H */
