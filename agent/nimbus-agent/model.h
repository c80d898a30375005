/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's two pictures of one host: the desired state (what the
 * controller's /state and /events say) and the kernel's (what vpc.ko's
 * dumps say, kept up to date as the agent changes it), in the same types,
 * so that reconciling is a pure comparison of the two (diff.h).
 *
 * Keys (strings, lib/hmap.h): a VPC by its VNI ("7"), a port by its
 * device name, a mapping by "VNI/IP" (IP canonical, lib/addr.h), a volume
 * by its id (desired only: cbs devices are read fresh, diff.h's ag_dev).
 */
#ifndef NIMBUS_AGENT_MODEL_H
#define NIMBUS_AGENT_MODEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <linux/vpc.h>

#include "lib/addr.h"
#include "lib/hmap.h"
#include "agent/qos/qos.h"

#define AG_ID_LEN	64	/* controller ids: 1..63 characters */
#define AG_KEY_LEN	(16 + NB_ADDR_STRLEN)

/* A subnet (addr = its gateway) or a route (addr = its next hop). */
struct ag_prefix {
	struct nb_prefix prefix;
	struct nb_addr addr;
};

struct ag_vpc {
	uint32_t vni;
	char id[AG_ID_LEN];		/* desired only: the name given to vpc.ko */
	unsigned int n_subnets, n_routes;
	struct ag_prefix subnets[VPC_SUBNETS_MAX];
	struct ag_prefix routes[VPC_ROUTES_MAX];
};

/*
 * An allowed address pair of one address: a VIP the port may send from and
 * claim (vpc.ko's `port set ... allow`), with its own MAC or the port's.
 */
struct ag_pair {
	struct nb_addr ip;
	bool has_mac;
	unsigned char mac[6];
};

/*
 * A port's QoS (Documentation/vpc.md, "QoS"), bytes/s and bytes as the
 * QoS library takes them: the controller's bits/s divided by 8.  A
 * direction is on when the controller gives it a min or a max.
 */
struct ag_qos {
	bool egress_on, ingress_on;
	struct qos_dir egress, ingress;
};

/* The controller's default capacity of a plane, bits/s (openapi.yaml). */
#define AG_CAPACITY_DEFAULT	10000000000ULL

struct ag_port {
	char ifname[IF_NAMESIZE];
	char id[AG_ID_LEN];		/* desired only */
	uint32_t vni;
	unsigned char mac[6];
	/*
	 * Allowed sources: the port's IP (a host prefix) first, then the
	 * allowed address pairs that are prefixes (appliances).
	 */
	unsigned int n_addrs;
	struct nb_prefix addrs[VPC_PORT_ADDRS_MAX];
	/* The pairs of a single address: VIPs, set apart from the port's add. */
	unsigned int n_pairs;
	struct ag_pair pairs[VPC_PORT_ALLOWS_MAX];
	/*
	 * Its QoS, compared on its own (a change never deletes the port).  The
	 * kernel's: its class (VPC_A_QOS_CLASS, 0 unknown) and, with
	 * qos_unknown, QoS that could not be read back (set it again).
	 */
	struct ag_qos qos;
	uint32_t qos_class;
	bool qos_unknown;
};

struct ag_mapping {
	uint32_t vni;
	struct nb_addr ip;
	unsigned char mac[6];
	uint32_t host[VPC_PLANES];	/* network order; host[1] 0 when none */
};

struct ag_volume {
	char id[AG_ID_LEN];
	char name[AG_ID_LEN];		/* on the storage server */
	char server[AG_ID_LEN + 16];	/* ADDR:PORT */
	char token[AG_ID_LEN];
	uint64_t size;
	uint32_t block_size;
	uint64_t generation;
};

/* One host's vpc.ko state: desired, or the kernel's. */
struct ag_state {
	uint64_t revision;		/* desired only */
	char host_id[AG_ID_LEN];	/* desired only */
	uint32_t underlay[VPC_PLANES];	/* network order, 0: none */
	/*
	 * Each plane's QoS rate, bytes/s: desired, the host's capacity / 8 for
	 * each plane it has; the kernel's, 0 until the agent set it (so every
	 * read of the kernel makes the agent set it, and the trees match, once).
	 */
	uint64_t qos_rate[VPC_PLANES];
	struct hmap vpcs;		/* VNI -> struct ag_vpc */
	struct hmap ports;		/* ifname -> struct ag_port */
	struct hmap maps;		/* "VNI/IP" -> struct ag_mapping */
	struct hmap volumes;		/* id -> struct ag_volume (desired only) */
};

void ag_state_init(struct ag_state *s);
void ag_state_free(struct ag_state *s);

/* Keys of the maps above, into BUF of AG_KEY_LEN bytes. */
const char *ag_vpc_key(uint32_t vni, char *buf);
const char *ag_map_key(uint32_t vni, const struct nb_addr *ip, char *buf);

/* Insert or replace a copy of OBJ in S (the state owns its objects). */
void ag_put_vpc(struct ag_state *s, const struct ag_vpc *v);
void ag_put_port(struct ag_state *s, const struct ag_port *p);
void ag_put_map(struct ag_state *s, const struct ag_mapping *m);
void ag_put_volume(struct ag_state *s, const struct ag_volume *v);
/* Remove by key; false if there was none. */
bool ag_del(struct hmap *m, const char *key);
/*
 * Remove VPC VNI and, as vpc.ko does when a VPC is deleted, its ports and
 * mappings; the keys of what went are added to GONE_PORTS and GONE_MAPS
 * when they are not NULL.
 */
void ag_del_vpc(struct ag_state *s, uint32_t vni, struct hmap *gone_ports,
		struct hmap *gone_maps);

/*
 * The same object, field by field (addresses of a port as a set; a port's
 * pairs are not compared: they change without the port's deletion).
 */
bool ag_vpc_equal(const struct ag_vpc *a, const struct ag_vpc *b);
bool ag_port_equal(const struct ag_port *a, const struct ag_port *b);
bool ag_map_equal(const struct ag_mapping *a, const struct ag_mapping *b);
/* The directions (QOS_EGRESS, QOS_INGRESS) in which A's QoS differs from B's. */
unsigned int ag_qos_diff(const struct ag_qos *a, const struct ag_qos *b);
static inline bool ag_qos_any(const struct ag_qos *q)
{
	return q->egress_on || q->ingress_on;
}
/* Port P's pair of address IP, or NULL. */
const struct ag_pair *ag_port_pair(const struct ag_port *p, const struct nb_addr *ip);
/* Set (add or replace by address) or remove a pair of P; false if none to remove. */
void ag_port_pair_set(struct ag_port *p, const struct ag_pair *pair);
bool ag_port_pair_del(struct ag_port *p, const struct nb_addr *ip);

/*
 * What changed since the last reconcile: the keys to compare.  With ALL
 * set, everything is compared (after a /state, a start, a resync).
 */
struct ag_dirty {
	bool all;
	bool underlay;
	bool qos_gc;			/* a port with QoS went: delete its classes */
	bool volumes;
	struct hmap vpcs, ports, maps;	/* keys -> (void *)1 */
};

void ag_dirty_init(struct ag_dirty *d);
void ag_dirty_clear(struct ag_dirty *d);
void ag_dirty_free(struct ag_dirty *d);
bool ag_dirty_empty(const struct ag_dirty *d);

/*
 * parse.c: the controller's documents (Documentation/api/openapi.yaml).
 * Each returns 0, or -1 with a message for a human in ERR, and then has
 * changed nothing.
 */
/* A HostState document (GET /v1/hosts/{id}/state) into a fresh OUT. */
int ag_parse_state(const char *text, size_t len, struct ag_state *out, char *err,
		   size_t errlen);
/*
 * A HostEvents document (GET /v1/hosts/{id}/events): applied to S in
 * order, all of them or none; *REVISION gets the revision to watch from
 * next, and DIRTY the keys they touched.
 */
int ag_parse_events(const char *text, size_t len, struct ag_state *s,
		    uint64_t *revision, struct ag_dirty *dirty, char *err, size_t errlen);

/* The objects of the documents, one at a time (also for the tests). */
int ag_parse_vpc(const json_t *o, struct ag_vpc *v, char *err, size_t errlen);
int ag_parse_port(const json_t *o, struct ag_port *p, char *err, size_t errlen);
int ag_parse_map(const json_t *o, struct ag_mapping *m, char *err, size_t errlen);
int ag_parse_volume(const json_t *o, struct ag_volume *v, char *err, size_t errlen);

#endif /* NIMBUS_AGENT_MODEL_H */
