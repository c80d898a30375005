/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controller's cache of the store: every object as the JSON value the
 * store holds, with the indexes the API needs (a VPC's ports by IP and MAC,
 * a host's ports and volumes, which hosts a VPC spans ...), and each host's
 * desired state: its revision and a journal of its recent changes.
 *
 * The cache is a fold of the store's changes: model_load() builds it from a
 * range read, model_apply() applies one object's change.  So it can always
 * be rebuilt, and a controller that follows an etcd watch could keep it the
 * same way.  model_apply() also works out how each host's desired state
 * changes (the events, as /v1/hosts/{id}/events lists them), held in a
 * struct pending until the store has committed the change; then
 * model_publish() stamps them with the revision, appends them to the hosts'
 * journals and wakes the hosts' long polls.
 *
 * Locking is the caller's: readers share, writers exclude (api.c's rwlock).
 */
#ifndef NIMBUS_MODEL_H
#define NIMBUS_MODEL_H

#include <jansson.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/hmap.h"
#include "controller/server/store.h"

enum kind {
	K_TENANT, K_HOST, K_SERVER, K_VPC, K_SUBNET, K_ROUTE, K_PORT, K_VOLUME,
	K_NKINDS
};

/* Store keys: KIND_PREFIX + id.  Host state revisions and statuses: */
extern const char *const kind_prefix[K_NKINDS];
#define HOSTREV_PREFIX "hostrev/"
#define HOSTSTATUS_PREFIX "hoststatus/"

struct journal_ent {
	int64_t rev;
	char *json;		/* one HostEvent */
};

/* A host's recent events: a ring; it holds every event with rev > floor. */
struct journal {
	struct journal_ent *e;
	size_t head, n, cap;
	int64_t floor;
};

struct obj {
	enum kind kind;
	char *id;
	json_t *v;		/* as stored; replaced, never changed in place */
	int64_t create_rev;

	/* Sets and counters of ids, by kind:
	 *   tenant: vpcs, volumes
	 *   host:   ports, volumes, vpcs (vpc id -> ports of it here)
	 *   server: volumes
	 *   vpc:    subnets, routes, ports, ips (ip -> port), macs (mac -> port),
	 *           hosts (host id -> ports of the vpc there)
	 *   subnet: ports
	 */
	struct hmap vpcs, volumes, ports, subnets, routes, ips, macs, hosts;

	/* host */
	uint64_t qos_min[2];	/* sums of the ports' egress, ingress min */
	int64_t state_rev;
	struct journal journal;
	json_t *status;		/* the agent's last report, or NULL */
	/* server */
	uint64_t allocated;
	/* subnet */
	struct nb_prefix pfx;
	struct nb_addr gw;
	uint64_t hint;		/* no free address below this index */
	/* port */
	uint32_t vni;
};

struct model {
	struct hmap objs[K_NKINDS];
	struct hmap tokens;	/* sha256 hex of a token -> tenant or host */
	struct hmap underlays;	/* underlay IP -> host */
	struct hmap addresses;	/* storage server address -> server */
	unsigned char *vnis;	/* bitmap of the VNIs in use */
	uint32_t vni_next;	/* where the next allocation starts looking */
	size_t history;		/* events kept per host */
	int64_t rev;		/* the store revision the model reflects */
	void (*wake)(void *ctx, const char *host_id);
	void *wake_ctx;
};

struct pending_event {
	char *host;
	const char *type;	/* "put" or "delete" */
	const char *kind;
	json_t *object;
};

/* Host-state changes of an applied but not yet committed change. */
struct pending {
	struct pending_event *ev;
	size_t n, cap;
	struct hmap hosts;	/* hosts whose state changes */
	struct hmap gone;	/* hosts deleted: their polls must learn it */
	struct obj *created[4];	/* objects created, to stamp with the revision */
	size_t ncreated;
};

#define VNI_MAX 16777215u

int model_init(struct model *m, size_t history);
void model_free(struct model *m);
/* Fill an empty model from the store.  0, or -errno with a message. */
int model_load(struct model *m, struct store *s, char *err, size_t errlen);

struct obj *model_get(const struct model *m, enum kind k, const char *id);
/*
 * Object ID of kind K becomes NEWV (stolen reference), or is deleted when
 * NEWV is NULL.  Indexes change at once; the host-state changes go to P
 * (NULL while loading).  The caller checked that the change is valid.
 */
struct obj *model_apply(struct model *m, enum kind k, const char *id, json_t *newv,
			struct pending *p);
void pending_init(struct pending *p);
void pending_free(struct pending *p);
/* The change in P was committed as revision REV: journal it, wake polls. */
void model_publish(struct model *m, struct pending *p, int64_t rev);

/* Objects of kind K in the set S (or all when S is NULL), oldest first. */
struct obj **model_sorted(const struct model *m, enum kind k, const struct hmap *s, size_t *n);

/* Views. */
json_t *view_api(const struct model *m, const struct obj *o);
json_t *view_host_state(const struct model *m, const struct obj *host);
json_t *view_mapping(const struct model *m, const struct obj *port);
/*
 * VIPs: a VPC's "_vips" maps a VIP to the port that claimed it last.  The
 * owner's port, if it still exists and is still allowed the VIP, or NULL;
 * the VIP's mapping (as view_mapping(), with "port"), or NULL.
 */
const json_t *model_vip_owner(const struct model *m, const json_t *vpc, const char *ip);
json_t *view_vip_mapping(const struct model *m, const struct obj *vpc, const char *ip);
/*
 * The host's events after SINCE as a HostEvents document; -ESTALE when
 * SINCE is outside the journal.
 */
int model_host_events(const struct model *m, const struct obj *host, int64_t since,
		      char **json);

bool vni_used(const struct model *m, uint32_t vni);

#endif /* NIMBUS_MODEL_H */
