// SPDX-License-Identifier: GPL-2.0
/* Tenants, hosts (with their agents' status reports) and storage servers. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/server/api.h"

#define DEFAULT_CAPACITY 10000000000LL	/* 10 Gbit/s */

static json_t *with_token(struct call *k, struct obj *o, const char *token)
{
	json_t *v = view(k, o);

	json_object_set_new(v, "token", json_string(token));
	return v;
}

static int check_name(struct call *k, const json_t *body)
{
	if (!valid_name(jx_str(body, "name", "")))
		return fail(k, 400, "name must be 1 to 63 printable characters");
	return 0;
}

/* --- tenants --------------------------------------------------------- */

int h_tenants(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "name", JX_STRING, true },
		{ NULL, 0, false },
	};
	char id[32], token[65], hash[65];
	json_t *b, *v;
	struct obj *o;

	if (forbid_unless_admin(k))
		return -1;
	if (!strcmp(k->r->method, "GET"))
		return reply_list(k, K_TENANT, NULL, NULL);
	b = body_obj(k, fields);
	if (!b || check_name(k, b))
		return -1;
	if (new_token(token, hash))
		return fail(k, 500, "no randomness");
	new_id(k->c, K_TENANT, "t-", id, sizeof(id));
	v = json_pack("{sssOss}", "id", id, "name", json_object_get(b, "name"),
		      "_token_sha256", hash);
	if (commit(k, &(struct change){ K_TENANT, id, v }, 1, NULL))
		return -1;
	o = model_get(&k->c->model, K_TENANT, id);
	return reply_json(k, 201, with_token(k, o, token));
}

/* The tenant of path parameter 0: the admin's, or the caller's own. */
static struct obj *tenant_self(struct call *k)
{
	if (k->role == R_HOST)
		return fail(k, 403, "this operation is not for a host"), NULL;
	if (k->role == R_TENANT && strcmp(k->who, k->param[0]))
		return fail(k, 404, "tenant %s not found", k->param[0]), NULL;
	return lookup(k, K_TENANT, k->param[0], "tenant");
}

int h_tenant(struct call *k)
{
	struct obj *t;

	if (!strcmp(k->r->method, "DELETE") && forbid_unless_admin(k))
		return -1;
	t = tenant_self(k);
	if (!t)
		return -1;
	if (!strcmp(k->r->method, "GET"))
		return reply_json(k, 200, view_api(&k->c->model, t));
	if (t->vpcs.n || t->volumes.n)
		return fail(k, 409, "tenant %s still has %zu VPCs and %zu volumes",
			    t->id, t->vpcs.n, t->volumes.n);
	return commit_reply(k, K_TENANT, t->id, NULL, NULL, 204);
}

int h_tenant_token(struct call *k)
{
	char token[65], hash[65];
	struct obj *t = tenant_self(k);
	json_t *v;

	if (!t)
		return -1;
	if (new_token(token, hash))
		return fail(k, 500, "no randomness");
	v = json_copy(t->v);
	json_object_set_new(v, "_token_sha256", json_string(hash));
	if (commit(k, &(struct change){ K_TENANT, t->id, v }, 1, NULL))
		return -1;
	return reply_json(k, 200, with_token(k, model_get(&k->c->model, K_TENANT, k->param[0]), token));
}

/* --- hosts ----------------------------------------------------------- */

static int check_underlay(struct call *k, const json_t *a, json_t **canon)
{
	const json_t *x;
	size_t i;

	if (json_array_size(a) < 1 || json_array_size(a) > 2)
		return fail(k, 400, "underlay must list 1 or 2 IPv4 addresses (plane 0, plane 1)");
	*canon = json_array();
	for (i = 0; i < json_array_size(a); i++) {
		x = json_array_get(a, i);
		struct nb_addr addr;
		char s[NB_ADDR_STRLEN];

		if (!json_is_string(x) || nb_addr_parse(json_string_value(x), &addr) ||
		    addr.family != AF_INET)
			return fail(k, 400, "underlay[%zu] is no IPv4 address", i);
		nb_addr_fmt(&addr, s, sizeof(s));
		if (i == 1 && !strcmp(s, json_string_value(json_array_get(*canon, 0))))
			return fail(k, 400, "the two planes' underlay addresses must differ");
		if (hmap_get(&k->c->model.underlays, s))
			return fail(k, 409, "underlay address %s is another host's", s);
		json_array_append_new(*canon, json_string(s));
	}
	return 0;
}

int h_hosts(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "name", JX_STRING, true },
		{ "underlay", JX_ARRAY, true },
		{ "capacity", JX_UINT, false },
		{ NULL, 0, false },
	};
	char id[32], token[65], hash[65];
	json_t *b, *v, *underlay = NULL;
	long long cap;

	if (forbid_unless_admin(k))
		return -1;
	if (!strcmp(k->r->method, "GET"))
		return reply_list(k, K_HOST, NULL, NULL);
	b = body_obj(k, fields);
	if (!b || check_name(k, b))
		return -1;
	if (check_underlay(k, json_object_get(b, "underlay"), &underlay)) {
		json_decref(underlay);
		return -1;
	}
	cap = jx_int(b, "capacity", DEFAULT_CAPACITY);
	if (cap < 1) {
		json_decref(underlay);
		return fail(k, 400, "capacity must be at least 1 bit/s");
	}
	if (new_token(token, hash)) {
		json_decref(underlay);
		return fail(k, 500, "no randomness");
	}
	new_id(k->c, K_HOST, "h-", id, sizeof(id));
	v = json_pack("{sssOsosIss}", "id", id, "name", json_object_get(b, "name"),
		      "underlay", underlay, "capacity", (json_int_t)cap, "_token_sha256", hash);
	if (commit(k, &(struct change){ K_HOST, id, v }, 1, NULL))
		return -1;
	return reply_json(k, 201, with_token(k, model_get(&k->c->model, K_HOST, id), token));
}

/* The host of path parameter 0 for the admin or that host's own agent. */
struct obj *host_self(struct call *k, bool admin_ok)
{
	struct obj *h;

	if (k->role == R_TENANT || (k->role == R_ADMIN && !admin_ok))
		return fail(k, 403, "this operation is for %s", admin_ok ?
			    "the admin and the host's agent" : "the host's agent"), NULL;
	h = model_get(&k->c->model, K_HOST, k->param[0]);
	if (!h || (k->role == R_HOST && strcmp(k->who, k->param[0])))
		return fail(k, 404, "host %s not found", k->param[0]), NULL;
	return h;
}

int h_host(struct call *k)
{
	struct obj *h;

	if (!strcmp(k->r->method, "DELETE") && forbid_unless_admin(k))
		return -1;
	h = host_self(k, true);
	if (!h)
		return -1;
	if (!strcmp(k->r->method, "GET"))
		return reply_json(k, 200, view(k, h));
	if (h->ports.n || h->volumes.n)
		return fail(k, 409, "host %s still has %zu ports and %zu volumes attached",
			    h->id, h->ports.n, h->volumes.n);
	return commit_reply(k, K_HOST, h->id, NULL, NULL, 204);
}

int h_host_status(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "revision", JX_UINT, true },
		{ "errors", JX_ARRAY, false },
		{ NULL, 0, false },
	};
	struct obj *h = host_self(k, false);
	json_t *b, *errors, *x, *st;
	struct store_txn txn;
	char key[128], when[32], *s;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (!h || !(b = body_obj(k, fields)))
		return -1;
	errors = json_object_get(b, "errors");
	if (json_array_size(errors) > 100)
		return fail(k, 400, "at most 100 errors");
	for (i = 0; i < json_array_size(errors); i++) {
		x = json_array_get(errors, i);
		if (!json_is_string(x) || strlen(json_string_value(x)) > 1024)
			return fail(k, 400, "errors[%zu] must be a string of at most 1024 bytes", i);
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	st = json_pack("{sOsoss}", "revision", json_object_get(b, "revision"),
		       "errors", errors ? json_incref(errors) : json_array(), "time", when);
	s = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
	snprintf(key, sizeof(key), HOSTSTATUS_PREFIX "%s", h->id);
	store_txn_init(&txn);
	store_txn_put(&txn, key, s);
	free(s);
	if (commit(k, NULL, 0, &txn)) {
		json_decref(st);
		return -1;
	}
	h = model_get(&k->c->model, K_HOST, k->param[0]);
	json_decref(h->status);
	h->status = json_incref(st);
	return reply_json(k, 200, st);
}

/* --- storage servers ------------------------------------------------- */

/* "IPv4:PORT" or "[IPv6]:PORT", PORT 1..65535, in canonical form into OUT. */
static int parse_address(const char *s, char *out, size_t len)
{
	struct nb_addr a;
	unsigned int port;

	if (nb_hostport_parse(s, &a, &port) || !port)
		return -1;
	nb_hostport_fmt(&a, port, out, len);
	return 0;
}

int h_servers(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "name", JX_STRING, true },
		{ "address", JX_STRING, true },
		{ "capacity", JX_UINT, true },
		{ "admin_token", JX_STRING, true },
		{ NULL, 0, false },
	};
	char id[32], addr[80];
	const char *tok;
	json_t *b, *v;

	if (forbid_unless_admin(k))
		return -1;
	if (!strcmp(k->r->method, "GET"))
		return reply_list(k, K_SERVER, NULL, NULL);
	b = body_obj(k, fields);
	if (!b || check_name(k, b))
		return -1;
	if (parse_address(jx_str(b, "address", ""), addr, sizeof(addr)))
		return fail(k, 400, "address must be IPv4:PORT or [IPv6]:PORT");
	if (jx_int(b, "capacity", 0) < 1)
		return fail(k, 400, "capacity must be at least 1 byte");
	tok = jx_str(b, "admin_token", "");
	if (!valid_name(tok) || strchr(tok, '\n'))
		return fail(k, 400, "admin_token must be 1 to 63 printable characters");
	if (hmap_get(&k->c->model.addresses, addr))
		return fail(k, 409, "storage server %s is already registered", addr);
	new_id(k->c, K_SERVER, "ss-", id, sizeof(id));
	v = json_pack("{sssOsssOss}", "id", id, "name", json_object_get(b, "name"),
		      "address", addr, "capacity", json_object_get(b, "capacity"),
		      "_admin_token", tok);
	return commit_reply(k, K_SERVER, id, v, NULL, 201);
}

int h_server(struct call *k)
{
	struct obj *s;

	if (forbid_unless_admin(k))
		return -1;
	s = lookup(k, K_SERVER, k->param[0], "storage server");
	if (!s)
		return -1;
	if (!strcmp(k->r->method, "GET"))
		return reply_json(k, 200, view_api(&k->c->model, s));
	if (s->volumes.n)
		return fail(k, 409, "storage server %s still holds %zu volumes",
			    s->id, s->volumes.n);
	return commit_reply(k, K_SERVER, s->id, NULL, NULL, 204);
}
