/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The REST API, independent of the HTTP library: http.c turns a request into
 * a struct api_req, api_handle() answers it in a struct api_reply.
 *
 * State: the store (the truth) and the model (its cache), under one rwlock:
 * reads share it, changes take it exclusively, validate against the model,
 * apply to the model, commit to the store and publish the host events —
 * or, if the commit fails, rebuild the model from the store.
 */
#ifndef NIMBUS_API_H
#define NIMBUS_API_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/jsonx.h"
#include "controller/server/model.h"
#include "controller/server/store.h"

#define API_MAX_QUERY 8
#define API_MAX_PARAMS 3

struct ctx {
	struct store *store;
	struct model model;
	pthread_rwlock_t lock;
	char admin_token[256];
	int poll_timeout;		/* seconds */
	int cbs_timeout_ms;		/* storage server admin sessions */
	volatile bool stopping;
	/* Volumes whose deletion on their storage server is under way. */
	struct hmap deleting;
	/* http.c: wake the long polls of a host (called with the lock held). */
	void (*wake)(void *http, const char *host_id);
	/* http.c: how many long polls of a host it holds. */
	int (*watchers)(void *http, const char *host_id);
	void *http;
};

struct api_req {
	const char *method;
	const char *path;
	const char *auth;		/* Authorization header, or NULL */
	const char *body;
	size_t body_len;
	struct {
		const char *key, *value;
	} query[API_MAX_QUERY];
	int nquery;
	bool too_many_query;
	/* Long poll: 0 on the first call; the deadline of the held request after. */
	double deadline;
};

struct api_reply {
	int status;
	char *body;			/* malloc'd JSON text, or NULL */
	/* Hold the request: until HOST's state changes or DEADLINE. */
	bool wait;
	char wait_host[64];
	int64_t wait_since;
	double deadline;
	char who[80];			/* for the log line */
};

int api_init(struct ctx *c, const char *db, int64_t store_history, size_t host_history,
	     char *err, size_t errlen);
void api_fini(struct ctx *c);
void api_handle(struct ctx *c, const struct api_req *r, struct api_reply *out);
/* A held poll of HOST from SINCE: has the state changed (or the host gone)? */
bool api_host_changed(struct ctx *c, const char *host, int64_t since);
double api_now(void);

/* --- for the handlers (api_*.c) -------------------------------------- */

enum role { R_ADMIN, R_TENANT, R_HOST };

struct call {
	struct ctx *c;
	const struct api_req *r;
	struct api_reply *out;
	enum role role;
	const char *who;		/* tenant or host id; NULL for the admin */
	const char *param[API_MAX_PARAMS];
	json_t *body;			/* parsed on demand by body_obj() */
};

struct change {
	enum kind kind;
	const char *id;
	json_t *newv;			/* stolen; NULL deletes */
};

int reply_json(struct call *k, int status, json_t *v);	/* steals V; 0 */
int reply_text(struct call *k, int status, char *json);	/* steals JSON; 0 */
/* An error reply {"error": MSG}; returns -1 so handlers can `return fail(...)`. */
int fail(struct call *k, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int forbid_unless_admin(struct call *k);

/* The request body as an object checked against FIELDS; NULL after a 400. */
json_t *body_obj(struct call *k, const struct jx_field *fields);
/* A query parameter, or NULL; 400 for any parameter not in ALLOWED. */
const char *query(struct call *k, const char *key);
int check_query(struct call *k, const char *const *allowed);
/* Parse a non-negative integer query parameter; -1 after a 400, 0 absent, 1 ok. */
int query_int(struct call *k, const char *key, long long max, long long *v);

/* Printable, 1..63 bytes. */
bool valid_name(const char *s);
/* A new id PREFIX + 12 hex digits, unused in kind K. */
void new_id(struct ctx *c, enum kind k, const char *prefix, char *buf, size_t len);
/* A new token in TOKEN (64 hex digits) and its SHA-256 in HASH (hex). */
int new_token(char token[65], char hash[65]);

/* The host of path parameter 0, for its own agent (and the admin if ADMIN_OK). */
struct obj *host_self(struct call *k, bool admin_ok);

/* Is O (a VPC, subnet, route, port or volume) the caller's? */
bool visible(struct call *k, const struct obj *o);
/* The object of kind K named by ID that the caller may see; else 404 and NULL. */
struct obj *lookup(struct call *k, enum kind kind, const char *id, const char *what);

/*
 * Apply CHANGES (in order) and commit them, with EXTRA's compares and
 * writes, as one revision.  0, or -1 after an error reply.  Call with the
 * lock held for writing.
 */
int commit(struct call *k, struct change *changes, size_t n, struct store_txn *extra);

/* Commit one change to object ID and answer with it (STATUS), or 204 for a delete. */
int commit_reply(struct call *k, enum kind kind, const char *id, json_t *newv,
		 struct store_txn *extra, int status);

/* Handlers. */
int h_tenants(struct call *k);
int h_tenant(struct call *k);
int h_tenant_token(struct call *k);
int h_hosts(struct call *k);
int h_host(struct call *k);
int h_host_status(struct call *k);
int h_servers(struct call *k);
int h_server(struct call *k);
int h_vpcs(struct call *k);
int h_vpc(struct call *k);
int h_subnets(struct call *k);
int h_subnet(struct call *k);
int h_routes(struct call *k);
int h_route(struct call *k);
int h_ports(struct call *k);
int h_port(struct call *k);
int h_mapping(struct call *k);
int h_claims(struct call *k);
int h_volumes(struct call *k);
int h_volume(struct call *k);
int h_volume_attach(struct call *k);
int h_volume_detach(struct call *k);
int h_host_state(struct call *k);
int h_host_events(struct call *k);
int h_changes(struct call *k);

/* O as the API shows it (view_api(), and what only the api layer knows). */
json_t *view(struct call *k, const struct obj *o);
/* List the objects of kind K in set S (NULL: all) that the caller may see. */
int reply_list(struct call *k, enum kind kind, const struct hmap *s,
		bool (*filter)(struct call *k, const struct obj *o));

#endif /* NIMBUS_API_H */
