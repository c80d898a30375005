/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vpc.ko's QoS (Documentation/vpc.md, "QoS"): the HTB trees on the underlay
 * devices, vpc-local and vpc-ingress, made through rtnetlink with
 * libnl-route-3, and the switches and rates vpc.ko keeps, through its
 * generic netlink family.  Shared by `vpc` and nimbus-agent.  Every change
 * takes /run/nimbus/qos.lock, checks admission first and changes nothing
 * when it fails; every error says why in ERR.
 */
#ifndef NIMBUS_AGENT_QOS_H
#define NIMBUS_AGENT_QOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vpc.h>

/* One direction of a port: rates in bytes/s, burst in bytes. */
struct qos_dir {
	uint64_t min;		/* guaranteed; 0: none */
	uint64_t max;		/* ceiling; 0: the tree's capacity */
	uint32_t burst;		/* 0: HTB's default for the rate */
};

/* A port's QoS as the kernel has it. */
struct qos_port {
	uint32_t classid;	/* VPC_A_QOS_CLASS */
	bool egress_on, ingress_on;
	struct qos_dir egress, ingress;
};

/* A direction's class statistics, summed over the trees it is in. */
struct qos_stats {
	uint64_t bytes, packets;
	uint64_t drops, overlimits;
};

/* A plane's capacity and the host's reserve on it, bytes/s. */
struct qos_plane {
	uint64_t rate, reserve;
};

#define QOS_EGRESS	1u
#define QOS_INGRESS	2u

struct qos_ctx;

struct qos_ctx *qos_open(char *err, size_t errlen);
void qos_close(struct qos_ctx *ctx);

/*
 * Set plane PLANE's rate and/or reserve (NULL: leave it), then make every
 * tree match; refused when the ports' min would no longer fit.
 */
int qos_underlay_set(struct qos_ctx *ctx, unsigned int plane,
		     const uint64_t *rate, const uint64_t *reserve,
		     char *err, size_t errlen);
int qos_underlay_get(struct qos_ctx *ctx, struct qos_plane planes[VPC_PLANES],
		     char *err, size_t errlen);

/*
 * Port IFNAME: set the directions in DIRS (QOS_EGRESS, QOS_INGRESS) from
 * EGRESS and INGRESS, leaving the others; qos_port_off() clears both.
 * Also deletes the classes no port has any more.
 */
int qos_port_set(struct qos_ctx *ctx, const char *ifname, unsigned int dirs,
		 const struct qos_dir *egress, const struct qos_dir *ingress,
		 char *err, size_t errlen);
int qos_port_off(struct qos_ctx *ctx, const char *ifname,
		 char *err, size_t errlen);

/* The QoS of the port with class CLASSID, and its statistics (or NULL). */
int qos_port_get(struct qos_ctx *ctx, uint32_t classid, struct qos_port *port,
		 struct qos_stats *egress, struct qos_stats *ingress,
		 char *err, size_t errlen);

/* Delete the classes of ports that are gone (after a port del). */
int qos_gc(struct qos_ctx *ctx, char *err, size_t errlen);

/*
 * qos_port_get() reads a snapshot of the ports and classes, taken by its
 * first call after qos_open() or a change: one dump per tree for a whole
 * `vpc port show`.  qos_forget() drops it (the agent, before each pass).
 */
void qos_forget(struct qos_ctx *ctx);

/*
 * tc(8)'s units (units.c, no netlink): a RATE is bit/s bare or with bit,
 * kbit, mbit, gbit, tbit (or kibit ...), or bytes/s with bps, kbps ...;
 * a SIZE is bytes bare or with b, k, m, g (1024s) or kbit, mbit, gbit.
 * 0 or -EINVAL.  The formatters print what the parsers take back.
 */
int qos_parse_rate(const char *s, uint64_t *bytes_per_s);
int qos_parse_size(const char *s, uint32_t *bytes);
const char *qos_fmt_rate(uint64_t bytes_per_s, char *buf, size_t len);
const char *qos_fmt_size(uint32_t bytes, char *buf, size_t len);

#endif /* NIMBUS_AGENT_QOS_H */
