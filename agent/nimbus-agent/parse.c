// SPDX-License-Identifier: GPL-2.0
/*
 * The controller's documents into the agent's model (model.h): HostState
 * and HostEvents of Documentation/api/openapi.yaml.  Every field the agent
 * uses is checked (present, of its type, a valid value); members it does
 * not use are passed over, so that a controller may add some.  A document
 * with one bad object is refused whole and changes nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/nimbus-agent/model.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The string member KEY of O, copied into BUF of LEN bytes (1..LEN-1 characters). */
static int get_str(const json_t *o, const char *key, char *buf, size_t len, char *err,
		   size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return fail(err, errlen, "\"%s\" is missing or not a string", key);
	n = json_string_length(v);
	if (!n || n >= len || strlen(json_string_value(v)) != n)
		return fail(err, errlen, "\"%s\" must be 1..%zu characters", key, len - 1);
	memcpy(buf, json_string_value(v), n + 1);
	return 0;
}

/* The integer member KEY of O, in MIN..MAX. */
static int get_uint(const json_t *o, const char *key, uint64_t min, uint64_t max,
		    uint64_t *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	json_int_t n;

	if (!json_is_integer(v))
		return fail(err, errlen, "\"%s\" is missing or not an integer", key);
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return fail(err, errlen, "\"%s\" must be %llu..%llu", key,
			    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

static int get_vni(const json_t *o, uint32_t *vni, char *err, size_t errlen)
{
	uint64_t v;

	if (get_uint(o, "vni", VPC_NET_ID_MIN, VPC_NET_ID_MAX, &v, err, errlen))
		return -1;
	*vni = (uint32_t)v;
	return 0;
}

static int get_array(const json_t *o, const char *key, size_t max, const json_t **out,
		     char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_array(v))
		return fail(err, errlen, "\"%s\" is missing or not an array", key);
	if (json_array_size(v) > max)
		return fail(err, errlen, "\"%s\" has more than %zu members", key, max);
	*out = v;
	return 0;
}

static int get_addr(const json_t *o, const char *key, struct nb_addr *a, char *err,
		    size_t errlen)
{
	char s[NB_ADDR_STRLEN];

	if (get_str(o, key, s, sizeof(s), err, errlen))
		return -1;
	if (nb_addr_parse(s, a))
		return fail(err, errlen, "\"%s\" is not an IP address: \"%s\"", key, s);
	return 0;
}

static int get_prefix(const json_t *o, const char *key, bool bare_ok, struct nb_prefix *p,
		      char *err, size_t errlen)
{
	char s[NB_PREFIX_STRLEN];

	if (get_str(o, key, s, sizeof(s), err, errlen))
		return -1;
	if (nb_prefix_parse(s, p, bare_ok) || !nb_prefix_canonical(p))
		return fail(err, errlen, "\"%s\" is not a prefix: \"%s\"", key, s);
	return 0;
}

/* The underlay list: 1 or 2 IPv4 addresses (plane 0, plane 1). */
static int get_underlay(const json_t *o, uint32_t host[VPC_PLANES], char *err, size_t errlen)
{
	const json_t *arr, *v;
	size_t i;

	if (get_array(o, "underlay", VPC_PLANES, &arr, err, errlen))
		return -1;
	if (!json_array_size(arr))
		return fail(err, errlen, "\"underlay\" is empty");
	memset(host, 0, sizeof(uint32_t) * VPC_PLANES);
	for (i = 0; i < json_array_size(arr) && (v = json_array_get(arr, i)); i++) {
		if (!json_is_string(v) || nb_addr_parse4(json_string_value(v), &host[i]) ||
		    !host[i])
			return fail(err, errlen, "\"underlay\" holds no IPv4 address at %zu", i);
	}
	return 0;
}

static int get_mac(const json_t *o, unsigned char mac[6], char *err, size_t errlen)
{
	char s[NB_MAC_STRLEN];

	if (get_str(o, "mac", s, sizeof(s), err, errlen))
		return -1;
	if (nb_mac_parse(s, mac))
		return fail(err, errlen, "\"mac\" is not a MAC address: \"%s\"", s);
	return 0;
}

/* Subnets (KEY "subnets", ADDR "gateway") or routes ("routes", "via"). */
static int get_prefixes(const json_t *o, const char *key, const char *addr, unsigned int max,
			struct ag_prefix *out, unsigned int *n, char *err, size_t errlen)
{
	const json_t *arr, *v;
	size_t i;

	if (get_array(o, key, max, &arr, err, errlen))
		return -1;
	for (i = 0; i < json_array_size(arr) && (v = json_array_get(arr, i)); i++) {
		if (!json_is_object(v))
			return fail(err, errlen, "\"%s\" holds a non-object", key);
		if (get_prefix(v, "cidr", false, &out[i].prefix, err, errlen) ||
		    get_addr(v, addr, &out[i].addr, err, errlen))
			return -1;
		if (out[i].addr.family != out[i].prefix.addr.family)
			return fail(err, errlen, "\"%s\" of another family than its cidr", addr);
	}
	*n = (unsigned int)i;
	return 0;
}

int ag_parse_vpc(const json_t *o, struct ag_vpc *v, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if (!json_is_object(o))
		return fail(err, errlen, "a VPC is not an object");
	if (get_vni(o, &v->vni, err, errlen) ||
	    get_str(o, "id", v->id, sizeof(v->id), err, errlen) ||
	    get_prefixes(o, "subnets", "gateway", VPC_SUBNETS_MAX, v->subnets, &v->n_subnets,
			 err, errlen) ||
	    get_prefixes(o, "routes", "via", VPC_ROUTES_MAX, v->routes, &v->n_routes, err,
			 errlen))
		return -1;
	return 0;
}

/*
 * An allowed address pair: a single address is a VIP (an ag_pair, with
 * its optional MAC), a shorter prefix an allowed source of the port.
 */
static int get_pair(const json_t *o, struct ag_port *p, char *err, size_t errlen)
{
	const json_t *mac = json_object_get(o, "mac");
	struct nb_prefix pfx;
	struct ag_pair pair = { 0 };

	if (!json_is_object(o) || get_prefix(o, "ip", true, &pfx, err, errlen))
		return -1;
	if (pfx.plen < nb_addr_bits(pfx.addr.family)) {
		if (mac && !json_is_null(mac))
			return fail(err, errlen, "a MAC is only for a pair of one address");
		if (p->n_addrs == VPC_PORT_ADDRS_MAX)
			return fail(err, errlen, "more than %d allowed prefixes",
				    VPC_PORT_ADDRS_MAX - 1);
		p->addrs[p->n_addrs++] = pfx;
		return 0;
	}
	if (p->n_pairs == VPC_PORT_ALLOWS_MAX)
		return fail(err, errlen, "more than %d pairs of one address", VPC_PORT_ALLOWS_MAX);
	if (ag_port_pair(p, &pfx.addr))
		return fail(err, errlen, "a pair given twice");
	pair.ip = pfx.addr;
	if (mac && !json_is_null(mac)) {
		if (get_mac(o, pair.mac, err, errlen))
			return -1;
		pair.has_mac = true;
	}
	p->pairs[p->n_pairs++] = pair;
	return 0;
}

/*
 * One direction of a port's qos (QosDirectionFull; members left out are 0):
 * on when it has a min or a max; the rates from bits/s to bytes/s.
 */
static int get_qos_dir(const json_t *qos, const char *key, bool *on, struct qos_dir *d,
		       char *err, size_t errlen)
{
	const json_t *o = json_object_get(qos, key);
	uint64_t v[3] = { 0, 0, 0 };
	static const char *const names[] = { "min", "max", "burst" };
	char msg[128];

	*on = false;
	memset(d, 0, sizeof(*d));
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return fail(err, errlen, "\"qos\": \"%s\" is not an object", key);
	for (int i = 0; i < 3; i++)
		if (json_object_get(o, names[i]) &&
		    get_uint(o, names[i], 0, i == 2 ? UINT32_MAX : INT64_MAX, &v[i], msg,
			     sizeof(msg)))
			return fail(err, errlen, "\"qos\": %s: %s", key, msg);
	if (v[1] && v[1] < v[0])
		return fail(err, errlen, "\"qos\": %s max is below its min", key);
	*on = v[0] || v[1];
	if (*on) {
		/* A rate below 8 bit/s is still one: 1 byte/s. */
		d->min = v[0] ? (v[0] / 8 ? v[0] / 8 : 1) : 0;
		d->max = v[1] ? (v[1] / 8 ? v[1] / 8 : 1) : 0;
		d->burst = (uint32_t)v[2];
	}
	return 0;
}

/* A port's qos (QosFull); absent (an older controller): none. */
static int get_qos(const json_t *o, struct ag_qos *q, char *err, size_t errlen)
{
	const json_t *qos = json_object_get(o, "qos");

	memset(q, 0, sizeof(*q));
	if (!qos || json_is_null(qos))
		return 0;
	if (!json_is_object(qos))
		return fail(err, errlen, "\"qos\" is not an object");
	return get_qos_dir(qos, "egress", &q->egress_on, &q->egress, err, errlen) ||
	       get_qos_dir(qos, "ingress", &q->ingress_on, &q->ingress, err, errlen) ? -1 : 0;
}

int ag_parse_port(const json_t *o, struct ag_port *p, char *err, size_t errlen)
{
	const json_t *pairs, *v;
	struct nb_addr ip;
	char msg[128];
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(o))
		return fail(err, errlen, "a port is not an object");
	if (get_str(o, "id", p->id, sizeof(p->id), err, errlen) ||
	    get_vni(o, &p->vni, err, errlen) ||
	    get_str(o, "ifname", p->ifname, sizeof(p->ifname), err, errlen) ||
	    get_mac(o, p->mac, err, errlen) || get_addr(o, "ip", &ip, err, errlen) ||
	    get_array(o, "allowed_address_pairs", VPC_PORT_ADDRS_MAX - 1 + VPC_PORT_ALLOWS_MAX,
		      &pairs, err, errlen))
		return -1;
	if (strchr(p->ifname, '/') || strchr(p->ifname, ' '))
		return fail(err, errlen, "\"ifname\" is no device name: \"%s\"", p->ifname);
	if (get_qos(o, &p->qos, msg, sizeof(msg)))
		return fail(err, errlen, "port %s: %s", p->id, msg);
	p->addrs[0].addr = ip;
	p->addrs[0].plen = nb_addr_bits(ip.family);
	p->n_addrs = 1;
	for (i = 0; i < json_array_size(pairs) && (v = json_array_get(pairs, i)); i++)
		if (get_pair(v, p, msg, sizeof(msg)))
			return fail(err, errlen, "port %s: a bad allowed address pair: %s", p->id,
				    msg);
	return 0;
}

int ag_parse_map(const json_t *o, struct ag_mapping *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (!json_is_object(o))
		return fail(err, errlen, "a mapping is not an object");
	if (get_vni(o, &m->vni, err, errlen) || get_addr(o, "ip", &m->ip, err, errlen) ||
	    get_mac(o, m->mac, err, errlen) || get_underlay(o, m->host, err, errlen))
		return -1;
	return 0;
}

int ag_parse_volume(const json_t *o, struct ag_volume *v, char *err, size_t errlen)
{
	uint64_t bs;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(o))
		return fail(err, errlen, "a volume is not an object");
	if (get_str(o, "id", v->id, sizeof(v->id), err, errlen) ||
	    get_str(o, "name", v->name, sizeof(v->name), err, errlen) ||
	    get_str(o, "server", v->server, sizeof(v->server), err, errlen) ||
	    get_str(o, "token", v->token, sizeof(v->token), err, errlen) ||
	    get_uint(o, "size", 1, INT64_MAX, &v->size, err, errlen) ||
	    get_uint(o, "block_size", 512, 4096, &bs, err, errlen) ||
	    get_uint(o, "generation", 1, INT64_MAX, &v->generation, err, errlen))
		return -1;
	if (bs != 512 && bs != 4096)
		return fail(err, errlen, "volume %s: block_size must be 512 or 4096", v->id);
	v->block_size = (uint32_t)bs;
	return 0;
}

/*
 * The host's underlay and its capacity (bits/s per plane; absent, the
 * controller's default): RATE gets each plane's QoS rate in bytes/s.
 */
static int get_underlay_rate(const json_t *o, uint32_t underlay[VPC_PLANES],
			     uint64_t rate[VPC_PLANES], char *err, size_t errlen)
{
	uint64_t cap = AG_CAPACITY_DEFAULT;

	if (get_underlay(o, underlay, err, errlen) ||
	    (json_object_get(o, "capacity") &&
	     get_uint(o, "capacity", 1, INT64_MAX, &cap, err, errlen)))
		return -1;
	for (unsigned int i = 0; i < VPC_PLANES; i++)
		rate[i] = underlay[i] ? (cap >= 8 ? cap / 8 : 1) : 0;
	return 0;
}

static int parse_host(const json_t *o, struct ag_state *s, char *err, size_t errlen)
{
	if (!json_is_object(o))
		return fail(err, errlen, "\"host\" is missing or not an object");
	return get_str(o, "id", s->host_id, sizeof(s->host_id), err, errlen) ||
	       get_underlay_rate(o, s->underlay, s->qos_rate, err, errlen) ? -1 : 0;
}

struct ag_host_obj {
	uint32_t underlay[VPC_PLANES];
	uint64_t qos_rate[VPC_PLANES];
};

/* One parsed object: big (a VPC's tables), so one at a time, on the heap. */
union ag_obj {
	struct ag_vpc vpc;
	struct ag_port port;
	struct ag_mapping map;
	struct ag_volume volume;
	struct ag_host_obj host;
};

static int parse_host_obj(const json_t *o, union ag_obj *u, char *err, size_t errlen)
{
	if (!json_is_object(o))
		return fail(err, errlen, "not an object");
	return get_underlay_rate(o, u->host.underlay, u->host.qos_rate, err, errlen);
}

static int parse_vpc_obj(const json_t *o, union ag_obj *u, char *err, size_t errlen)
{
	return ag_parse_vpc(o, &u->vpc, err, errlen);
}

static int parse_port_obj(const json_t *o, union ag_obj *u, char *err, size_t errlen)
{
	return ag_parse_port(o, &u->port, err, errlen);
}

static int parse_map_obj(const json_t *o, union ag_obj *u, char *err, size_t errlen)
{
	return ag_parse_map(o, &u->map, err, errlen);
}

static int parse_volume_obj(const json_t *o, union ag_obj *u, char *err, size_t errlen)
{
	return ag_parse_volume(o, &u->volume, err, errlen);
}

/* Put (or delete) U in S; D, if not NULL, gets the keys touched. */
static void apply_host(struct ag_state *s, const union ag_obj *u, bool put, struct ag_dirty *d)
{
	if (!put)
		return;	/* a host is deleted only without ports or volumes: nothing to do */
	memcpy(s->underlay, u->host.underlay, sizeof(s->underlay));
	memcpy(s->qos_rate, u->host.qos_rate, sizeof(s->qos_rate));
	if (d)
		d->underlay = true;
}

static void apply_vpc(struct ag_state *s, const union ag_obj *u, bool put, struct ag_dirty *d)
{
	char key[AG_KEY_LEN];

	if (d)
		hmap_put(&d->vpcs, ag_vpc_key(u->vpc.vni, key), (void *)1);
	if (put)
		ag_put_vpc(s, &u->vpc);
	else
		ag_del_vpc(s, u->vpc.vni, d ? &d->ports : NULL, d ? &d->maps : NULL);
}

static void apply_port(struct ag_state *s, const union ag_obj *u, bool put, struct ag_dirty *d)
{
	if (d)
		hmap_put(&d->ports, u->port.ifname, (void *)1);
	if (put)
		ag_put_port(s, &u->port);
	else
		ag_del(&s->ports, u->port.ifname);
}

static void apply_map(struct ag_state *s, const union ag_obj *u, bool put, struct ag_dirty *d)
{
	char key[AG_KEY_LEN];

	ag_map_key(u->map.vni, &u->map.ip, key);
	if (d)
		hmap_put(&d->maps, key, (void *)1);
	if (put)
		ag_put_map(s, &u->map);
	else
		ag_del(&s->maps, key);
}

static void apply_volume(struct ag_state *s, const union ag_obj *u, bool put,
			 struct ag_dirty *d)
{
	if (d)
		d->volumes = true;
	if (put)
		ag_put_volume(s, &u->volume);
	else
		ag_del(&s->volumes, u->volume.id);
}

/* The kinds of objects: an event's "kind", and its list in a HostState. */
static const struct ag_kind {
	const char *name;
	const char *list;	/* NULL: the host, a single object */
	int (*parse)(const json_t *o, union ag_obj *u, char *err, size_t errlen);
	void (*apply)(struct ag_state *s, const union ag_obj *u, bool put, struct ag_dirty *d);
} kinds[] = {
	{ "host", NULL, parse_host_obj, apply_host },
	{ "vpc", "vpcs", parse_vpc_obj, apply_vpc },
	{ "port", "ports", parse_port_obj, apply_port },
	{ "mapping", "mappings", parse_map_obj, apply_map },
	{ "volume", "volumes", parse_volume_obj, apply_volume },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static union ag_obj *obj_alloc(void)
{
	union ag_obj *u = malloc(sizeof(*u));

	if (!u)
		abort();
	return u;
}

static json_t *load(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!doc) {
		fail(err, errlen, "not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		     jerr.column);
	} else if (!json_is_object(doc)) {
		fail(err, errlen, "not a JSON object");
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

int ag_parse_state(const char *text, size_t len, struct ag_state *out, char *err,
		   size_t errlen)
{
	json_t *doc = load(text, len, err, errlen);
	const json_t *arr, *v;
	union ag_obj *u;
	char msg[256];
	size_t i;
	int ret = -1;

	ag_state_init(out);
	if (!doc)
		return -1;
	u = obj_alloc();
	if (get_uint(doc, "revision", 0, INT64_MAX, &out->revision, err, errlen) ||
	    parse_host(json_object_get(doc, "host"), out, err, errlen))
		goto out;
	for (const struct ag_kind *k = kinds; k < kinds + N_KINDS; k++) {
		if (!k->list)
			continue;
		if (get_array(doc, k->list, SIZE_MAX, &arr, err, errlen))
			goto out;
		for (i = 0; i < json_array_size(arr) && (v = json_array_get(arr, i)); i++) {
			if (k->parse(v, u, msg, sizeof(msg))) {
				fail(err, errlen, "%s[%zu]: %s", k->list, i, msg);
				goto out;
			}
			k->apply(out, u, true, NULL);
		}
	}
	ret = 0;
out:
	free(u);
	json_decref(doc);
	if (ret)
		ag_state_free(out);
	return ret;
}

/* Check event E; with S, also apply it. */
static int do_event(const json_t *e, size_t i, union ag_obj *u, struct ag_state *s,
		    struct ag_dirty *d, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *kind = json_string_value(json_object_get(e, "kind"));
	const struct ag_kind *k;
	uint64_t rev;
	char msg[256];

	if (!json_is_object(e) || !type || !kind ||
	    get_uint(e, "revision", 0, INT64_MAX, &rev, msg, sizeof(msg)))
		return fail(err, errlen, "event %zu: no revision, type or kind", i);
	if (strcmp(type, "put") && strcmp(type, "delete"))
		return fail(err, errlen, "event %zu: unknown type \"%s\"", i, type);
	for (k = kinds; k < kinds + N_KINDS && strcmp(kind, k->name); k++)
		;
	if (k == kinds + N_KINDS)
		return fail(err, errlen, "event %zu: unknown kind \"%s\"", i, kind);
	if (k->parse(json_object_get(e, "object"), u, msg, sizeof(msg)))
		return fail(err, errlen, "event %zu (%s %s): %s", i, type, kind, msg);
	if (s)
		k->apply(s, u, !strcmp(type, "put"), d);
	return 0;
}

int ag_parse_events(const char *text, size_t len, struct ag_state *s, uint64_t *revision,
		    struct ag_dirty *dirty, char *err, size_t errlen)
{
	json_t *doc = load(text, len, err, errlen);
	const json_t *events, *e;
	union ag_obj *u;
	uint64_t rev;
	size_t i;
	int ret = -1;

	if (!doc)
		return -1;
	u = obj_alloc();
	if (get_uint(doc, "revision", 0, INT64_MAX, &rev, err, errlen) ||
	    get_array(doc, "events", SIZE_MAX, &events, err, errlen))
		goto out;
	/* Check them all first: a document with a bad event changes nothing. */
	for (i = 0; i < json_array_size(events) && (e = json_array_get(events, i)); i++)
		if (do_event(e, i, u, NULL, NULL, err, errlen))
			goto out;
	for (i = 0; i < json_array_size(events) && (e = json_array_get(events, i)); i++)
		do_event(e, i, u, s, dirty, err, errlen);
	s->revision = rev;
	*revision = rev;
	ret = 0;
out:
	free(u);
	json_decref(doc);
	return ret;
}
