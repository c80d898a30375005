// SPDX-License-Identifier: GPL-2.0
/* Routing, authentication, validation helpers and commits: see api.h. */
#include "controller/server/api.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/token.h"
#include "lib/util.h"

double api_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void wake(void *ctx, const char *host)
{
	struct ctx *c = ctx;

	if (c->wake)
		c->wake(c->http, host);
}

static int load(struct ctx *c, size_t host_history, char *err, size_t errlen)
{
	int ret = model_init(&c->model, host_history);

	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	c->model.wake = wake;
	c->model.wake_ctx = c;
	return model_load(&c->model, c->store, err, errlen);
}

int api_init(struct ctx *c, const char *db, int64_t store_history, size_t host_history,
	     char *err, size_t errlen)
{
	int ret;

	pthread_rwlock_init(&c->lock, NULL);
	ret = store_open(&c->store, db, store_history, err, errlen);
	if (ret)
		return ret;
	ret = load(c, host_history, err, errlen);
	if (ret) {
		model_free(&c->model);
		store_close(c->store);
		c->store = NULL;
	}
	return ret;
}

void api_fini(struct ctx *c)
{
	model_free(&c->model);
	store_close(c->store);
	c->store = NULL;
	pthread_rwlock_destroy(&c->lock);
}

/* --- replies --------------------------------------------------------- */

int reply_text(struct call *k, int status, char *json)
{
	free(k->out->body);
	k->out->status = status;
	k->out->body = json;
	return 0;
}

int reply_json(struct call *k, int status, json_t *v)
{
	reply_text(k, status, v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL);
	json_decref(v);
	return 0;
}

int fail(struct call *k, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_json(k, status, json_pack("{ss}", "error", msg));
	return -1;
}

int forbid_unless_admin(struct call *k)
{
	if (k->role == R_ADMIN)
		return 0;
	return fail(k, 403, "this operation is for the admin");
}

/* --- requests -------------------------------------------------------- */

json_t *body_obj(struct call *k, const struct jx_field *fields)
{
	json_error_t jerr;
	char err[256];

	if (!k->body) {
		if (!k->r->body_len)
			return fail(k, 400, "a JSON object is required as the request body"), NULL;
		k->body = json_loadb(k->r->body, k->r->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!k->body)
			return fail(k, 400, "malformed JSON: %s (line %d, column %d)", jerr.text,
				    jerr.line, jerr.column), NULL;
	}
	if (jx_check(k->body, "the request body", fields, err, sizeof(err)))
		return fail(k, 400, "%s", err), NULL;
	return k->body;
}

const char *query(struct call *k, const char *key)
{
	for (int i = 0; i < k->r->nquery; i++)
		if (!strcmp(k->r->query[i].key, key))
			return k->r->query[i].value ? k->r->query[i].value : "";
	return NULL;
}

int check_query(struct call *k, const char *const *allowed)
{
	if (k->r->too_many_query)
		return fail(k, 400, "too many query parameters");
	for (int i = 0; i < k->r->nquery; i++) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, k->r->query[i].key))
				break;
		if (!*a)
			return fail(k, 400, "unknown query parameter \"%s\"", k->r->query[i].key);
		for (int j = 0; j < i; j++)
			if (!strcmp(k->r->query[j].key, k->r->query[i].key))
				return fail(k, 400, "query parameter \"%s\" given twice",
					    k->r->query[i].key);
	}
	return 0;
}

int query_int(struct call *k, const char *key, long long max, long long *v)
{
	const char *s = query(k, key);
	char *end;

	if (!s)
		return 0;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (!*s || *end || errno || *v < 0 || *v > max || s[0] == '+' || s[0] == '-')
		return fail(k, 400, "query parameter \"%s\" must be an integer from 0 to %lld",
			    key, max);
	return 1;
}

bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

void new_id(struct ctx *c, enum kind k, const char *prefix, char *buf, size_t len)
{
	char hex[13];

	do {
		if (nb_random_hex(hex, 6))
			abort();
		snprintf(buf, len, "%s%s", prefix, hex);
	} while (model_get(&c->model, k, buf));
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char d[32];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), d);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

int new_token(char token[65], char hash[65])
{
	if (nb_random_hex(token, 32))
		return -1;
	sha256_hex(token, hash);
	return 0;
}

/* --- visibility ------------------------------------------------------ */

/* The tenant that owns O (a VPC or volume, or an object of a VPC). */
static const char *owner(const struct model *m, const struct obj *o)
{
	const struct obj *vpc;

	switch (o->kind) {
	case K_VPC:
	case K_VOLUME:
		return jx_str(o->v, "tenant", NULL);
	case K_SUBNET:
	case K_ROUTE:
	case K_PORT:
		vpc = model_get(m, K_VPC, jx_str(o->v, "vpc", NULL));
		return vpc ? jx_str(vpc->v, "tenant", NULL) : NULL;
	case K_TENANT:
		return o->id;
	default:
		return NULL;
	}
}

bool visible(struct call *k, const struct obj *o)
{
	const char *t;

	if (k->role == R_ADMIN)
		return true;
	if (k->role != R_TENANT)
		return false;
	t = owner(&k->c->model, o);
	return t && !strcmp(t, k->who);
}

struct obj *lookup(struct call *k, enum kind kind, const char *id, const char *what)
{
	struct obj *o = model_get(&k->c->model, kind, id);

	if (!o || !visible(k, o)) {
		fail(k, 404, "%s %s not found", what, id ? id : "(none)");
		return NULL;
	}
	return o;
}

json_t *view(struct call *k, const struct obj *o)
{
	json_t *v = view_api(&k->c->model, o);

	if (o->kind == K_HOST)
		json_object_set_new(v, "watchers", json_integer(k->c->watchers ?
					k->c->watchers(k->c->http, o->id) : 0));
	return v;
}

int reply_list(struct call *k, enum kind kind, const struct hmap *s,
		bool (*filter)(struct call *k, const struct obj *o))
{
	size_t n;
	struct obj **v = model_sorted(&k->c->model, kind, s, &n);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		if (visible(k, v[i]) && (!filter || filter(k, v[i])))
			json_array_append_new(a, view(k, v[i]));
	free(v);
	return reply_json(k, 200, a);
}

/* --- commits --------------------------------------------------------- */

static void reload(struct ctx *c)
{
	char err[256];
	size_t history = c->model.history;

	model_free(&c->model);
	if (load(c, history, err, sizeof(err))) {
		nb_log("cannot rebuild the cache from the store: %s; exiting", err);
		exit(1);
	}
}

int commit(struct call *k, struct change *ch, size_t n, struct store_txn *extra)
{
	struct ctx *c = k->c;
	struct store_txn txn;
	struct pending p;
	char key[160];
	int64_t rev;
	size_t failed = 0;
	int ret;

	store_txn_init(&txn);
	if (extra) {
		txn = *extra;
		store_txn_init(extra);
	}
	pending_init(&p);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%s", kind_prefix[ch[i].kind], ch[i].id);
		if (ch[i].newv) {
			char *s = json_dumps(ch[i].newv, JSON_COMPACT | JSON_PRESERVE_ORDER);

			store_txn_put(&txn, key, s);
			free(s);
		} else {
			store_txn_delete(&txn, key);
		}
		model_apply(&c->model, ch[i].kind, ch[i].id, ch[i].newv, &p);
	}
	/* The revision of each host's state: persisted with the change itself. */
	hmap_foreach(&p.hosts, i) {
		if (!model_get(&c->model, K_HOST, p.hosts.e[i].key))
			continue;
		snprintf(key, sizeof(key), HOSTREV_PREFIX "%s", p.hosts.e[i].key);
		store_txn_put(&txn, key, "{}");
	}
	hmap_foreach(&p.gone, i) {
		snprintf(key, sizeof(key), HOSTREV_PREFIX "%s", p.gone.e[i].key);
		store_txn_delete(&txn, key);
		snprintf(key, sizeof(key), HOSTSTATUS_PREFIX "%s", p.gone.e[i].key);
		store_txn_delete(&txn, key);
	}
	ret = store_commit(c->store, &txn, &rev, &failed);
	if (ret) {
		/* The model ran ahead of the store: rebuild it from the truth. */
		pending_free(&p);
		reload(c);
		if (ret == -EEXIST)
			fail(k, 409, "conflict: %s is taken", txn.ops[failed].key);
		else
			fail(k, 500, "the store failed: %s", strerror(-ret));
		nb_log("commit failed: %s", strerror(-ret));
		store_txn_free(&txn);
		return -1;
	}
	model_publish(&c->model, &p, rev);
	pending_free(&p);
	store_txn_free(&txn);
	return 0;
}

int commit_reply(struct call *k, enum kind kind, const char *id, json_t *newv,
		 struct store_txn *extra, int status)
{
	char copy[128];

	/* ID may be the object's own, which the change frees. */
	snprintf(copy, sizeof(copy), "%s", id);
	if (commit(k, &(struct change){ kind, copy, newv }, 1, extra))
		return -1;
	if (!newv)
		return reply_text(k, 204, NULL);
	return reply_json(k, status, view(k, model_get(&k->c->model, kind, copy)));
}

/* --- authentication and routing -------------------------------------- */

/*
 * BEARER is the admin token: compared in constant time over the admin
 * token's whole buffer (NUL-padded when it was read), so the time tells
 * neither its length nor how much of it matched.
 */
static bool is_admin_token(const char *bearer, const struct ctx *c)
{
	char given[sizeof(c->admin_token)] = { 0 };
	size_t len = strlen(bearer);
	bool eq;

	if (len >= sizeof(given))
		return false;
	memcpy(given, bearer, len);
	eq = nb_token_equal(given, c->admin_token, sizeof(given));
	explicit_bzero(given, sizeof(given));
	return eq;
}

/* 0 with the caller's role, or -1 after a 401. */
static int authenticate(struct call *k, char *who, size_t wholen)
{
	const char *h = k->r->auth;
	char hash[65];
	struct obj *o;

	if (!h || strncasecmp(h, "Bearer ", 7) || !h[7])
		return fail(k, 401, "a bearer token is required (Authorization: Bearer TOKEN)");
	h += 7;
	if (is_admin_token(h, k->c)) {
		k->role = R_ADMIN;
		k->who = NULL;
		snprintf(k->out->who, sizeof(k->out->who), "admin");
		return 0;
	}
	sha256_hex(h, hash);
	o = hmap_get(&k->c->model.tokens, hash);
	if (!o)
		return fail(k, 401, "unknown token");
	k->role = o->kind == K_TENANT ? R_TENANT : R_HOST;
	snprintf(who, wholen, "%s", o->id);
	k->who = who;
	snprintf(k->out->who, sizeof(k->out->who), "%s %s",
		 k->role == R_TENANT ? "tenant" : "host", o->id);
	return 0;
}

enum lock_mode { LK_READ, LK_WRITE, LK_SELF };

struct route {
	const char *method;
	const char *pattern;		/* '*' matches one path segment */
	int (*fn)(struct call *k);
	enum lock_mode lock;
};

static const struct route routes[] = {
	{ "GET", "/v1/tenants", h_tenants, LK_READ },
	{ "POST", "/v1/tenants", h_tenants, LK_WRITE },
	{ "GET", "/v1/tenants/*", h_tenant, LK_READ },
	{ "DELETE", "/v1/tenants/*", h_tenant, LK_WRITE },
	{ "POST", "/v1/tenants/*/token", h_tenant_token, LK_WRITE },
	{ "GET", "/v1/hosts", h_hosts, LK_READ },
	{ "POST", "/v1/hosts", h_hosts, LK_WRITE },
	{ "GET", "/v1/hosts/*", h_host, LK_READ },
	{ "DELETE", "/v1/hosts/*", h_host, LK_WRITE },
	{ "GET", "/v1/hosts/*/state", h_host_state, LK_READ },
	{ "GET", "/v1/hosts/*/events", h_host_events, LK_READ },
	{ "POST", "/v1/hosts/*/status", h_host_status, LK_WRITE },
	{ "POST", "/v1/hosts/*/claims", h_claims, LK_WRITE },
	{ "GET", "/v1/storage-servers", h_servers, LK_READ },
	{ "POST", "/v1/storage-servers", h_servers, LK_WRITE },
	{ "GET", "/v1/storage-servers/*", h_server, LK_READ },
	{ "DELETE", "/v1/storage-servers/*", h_server, LK_WRITE },
	{ "GET", "/v1/vpcs", h_vpcs, LK_READ },
	{ "POST", "/v1/vpcs", h_vpcs, LK_WRITE },
	{ "GET", "/v1/vpcs/*", h_vpc, LK_READ },
	{ "DELETE", "/v1/vpcs/*", h_vpc, LK_WRITE },
	{ "GET", "/v1/vpcs/*/subnets", h_subnets, LK_READ },
	{ "POST", "/v1/vpcs/*/subnets", h_subnets, LK_WRITE },
	{ "GET", "/v1/vpcs/*/routes", h_routes, LK_READ },
	{ "POST", "/v1/vpcs/*/routes", h_routes, LK_WRITE },
	{ "GET", "/v1/vpcs/*/mappings/*", h_mapping, LK_READ },
	{ "GET", "/v1/subnets/*", h_subnet, LK_READ },
	{ "DELETE", "/v1/subnets/*", h_subnet, LK_WRITE },
	{ "GET", "/v1/routes/*", h_route, LK_READ },
	{ "DELETE", "/v1/routes/*", h_route, LK_WRITE },
	{ "GET", "/v1/ports", h_ports, LK_READ },
	{ "POST", "/v1/ports", h_ports, LK_WRITE },
	{ "GET", "/v1/ports/*", h_port, LK_READ },
	{ "PATCH", "/v1/ports/*", h_port, LK_WRITE },
	{ "DELETE", "/v1/ports/*", h_port, LK_WRITE },
	{ "GET", "/v1/volumes", h_volumes, LK_READ },
	/* Volume create and delete talk to a storage server: they lock themselves. */
	{ "POST", "/v1/volumes", h_volumes, LK_SELF },
	{ "GET", "/v1/volumes/*", h_volume, LK_READ },
	{ "DELETE", "/v1/volumes/*", h_volume, LK_SELF },
	{ "POST", "/v1/volumes/*/attach", h_volume_attach, LK_WRITE },
	{ "POST", "/v1/volumes/*/detach", h_volume_detach, LK_WRITE },
	{ "GET", "/v1/changes", h_changes, LK_READ },
};

/* Does PATH match PATTERN?  The '*' segments go to PARAM. */
static bool match(const char *pattern, const char *path, const char **param,
		  char buf[][128])
{
	int np = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (!n || n >= 128 || np == API_MAX_PARAMS)
				return false;
			memcpy(buf[np], path, n);
			buf[np][n] = '\0';
			param[np] = buf[np];
			np++;
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

void api_handle(struct ctx *c, const struct api_req *r, struct api_reply *out)
{
	struct call k = { .c = c, .r = r, .out = out };
	char params[API_MAX_PARAMS][128], who[64];
	const struct route *rt = NULL;
	bool path_known = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const char *param[API_MAX_PARAMS] = { 0 };

		if (!match(routes[i].pattern, r->path, param, params))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, r->method))
			continue;
		rt = &routes[i];
		memcpy(k.param, param, sizeof(param));
		break;
	}
	pthread_rwlock_rdlock(&c->lock);
	if (authenticate(&k, who, sizeof(who))) {
		pthread_rwlock_unlock(&c->lock);
		return;
	}
	if (!rt) {
		pthread_rwlock_unlock(&c->lock);
		if (path_known)
			fail(&k, 405, "method %s is not allowed on %s", r->method, r->path);
		else
			fail(&k, 404, "no such path: %s", r->path);
		return;
	}
	if (rt->lock != LK_READ)
		pthread_rwlock_unlock(&c->lock);
	if (rt->lock == LK_WRITE)
		pthread_rwlock_wrlock(&c->lock);
	rt->fn(&k);
	if (rt->lock != LK_SELF)
		pthread_rwlock_unlock(&c->lock);
	json_decref(k.body);
	if (!out->status && !out->wait)
		fail(&k, 500, "no answer");
}

bool api_host_changed(struct ctx *c, const char *host, int64_t since)
{
	struct obj *h;
	bool changed;

	pthread_rwlock_rdlock(&c->lock);
	h = model_get(&c->model, K_HOST, host);
	changed = !h || h->state_rev > since || c->stopping;
	pthread_rwlock_unlock(&c->lock);
	return changed;
}
