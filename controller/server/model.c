// SPDX-License-Identifier: GPL-2.0
/* The cache of the store and each host's desired state: see model.h. */
#include "controller/server/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonx.h"
#include "lib/util.h"

const char *const kind_prefix[K_NKINDS] = {
	[K_TENANT] = "tenants/",
	[K_HOST] = "hosts/",
	[K_SERVER] = "storage-servers/",
	[K_VPC] = "vpcs/",
	[K_SUBNET] = "subnets/",
	[K_ROUTE] = "routes/",
	[K_PORT] = "ports/",
	[K_VOLUME] = "volumes/",
};

int model_init(struct model *m, size_t history)
{
	memset(m, 0, sizeof(*m));
	m->vnis = calloc(VNI_MAX / 8 + 1, 1);
	if (!m->vnis)
		return -ENOMEM;
	m->vni_next = 1;
	m->history = history ? history : 1;
	return 0;
}

static void journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->e[(j->head + i) % j->cap].json);
	free(j->e);
	memset(j, 0, sizeof(*j));
}

static void obj_free(struct obj *o)
{
	struct hmap *maps[] = { &o->vpcs, &o->volumes, &o->ports, &o->subnets,
				&o->routes, &o->ips, &o->macs, &o->hosts };

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		hmap_free(maps[i]);
	journal_free(&o->journal);
	json_decref(o->status);
	json_decref(o->v);
	free(o->id);
	free(o);
}

void model_free(struct model *m)
{
	for (int k = 0; k < K_NKINDS; k++) {
		hmap_foreach(&m->objs[k], i)
			obj_free(m->objs[k].e[i].val);
		hmap_free(&m->objs[k]);
	}
	hmap_free(&m->tokens);
	hmap_free(&m->underlays);
	hmap_free(&m->addresses);
	free(m->vnis);
	memset(m, 0, sizeof(*m));
}

struct obj *model_get(const struct model *m, enum kind k, const char *id)
{
	return id ? hmap_get(&m->objs[k], id) : NULL;
}

bool vni_used(const struct model *m, uint32_t vni)
{
	return m->vnis[vni / 8] & (1u << (vni % 8));
}

static void vni_set(struct model *m, uint32_t vni, int dir)
{
	if (vni < 1 || vni > VNI_MAX)
		return;
	if (dir > 0)
		m->vnis[vni / 8] |= (unsigned char)(1u << (vni % 8));
	else
		m->vnis[vni / 8] &= (unsigned char)~(1u << (vni % 8));
}

/* The referenced object FIELD of V names, of kind K. */
static struct obj *ref(const struct model *m, enum kind k, const json_t *v, const char *field)
{
	return model_get(m, k, jx_str(v, field, NULL));
}

static void set_op(struct hmap *s, const char *key, void *val, int dir)
{
	if (!key)
		return;
	if (dir > 0)
		hmap_put(s, key, val);
	else
		hmap_del(s, key);
}

static uint64_t qos_min(const json_t *port, const char *dir)
{
	return (uint64_t)jx_int(json_object_get(json_object_get(port, "qos"), dir), "min", 0);
}

/* Add (DIR 1) or remove (DIR -1) O in the indexes. */
static void index_obj(struct model *m, struct obj *o, int dir)
{
	const json_t *v = o->v, *a;
	struct obj *vpc, *host, *sn, *t, *srv;
	const char *ip = jx_str(v, "ip", NULL);
	size_t i;

	switch (o->kind) {
	case K_TENANT:
		set_op(&m->tokens, jx_str(v, "_token_sha256", NULL), o, dir);
		break;
	case K_HOST:
		set_op(&m->tokens, jx_str(v, "_token_sha256", NULL), o, dir);
		a = json_object_get(v, "underlay");
		for (i = 0; i < json_array_size(a); i++)
			set_op(&m->underlays, json_string_value(json_array_get(a, i)), o, dir);
		break;
	case K_SERVER:
		set_op(&m->addresses, jx_str(v, "address", NULL), o, dir);
		break;
	case K_VPC:
		vni_set(m, (uint32_t)jx_int(v, "vni", 0), dir);
		t = ref(m, K_TENANT, v, "tenant");
		if (t)
			set_op(&t->vpcs, o->id, o, dir);
		break;
	case K_SUBNET:
	case K_ROUTE:
		vpc = ref(m, K_VPC, v, "vpc");
		if (vpc)
			set_op(o->kind == K_SUBNET ? &vpc->subnets : &vpc->routes, o->id, o, dir);
		if (dir > 0) {
			if (nb_prefix_parse(jx_str(v, "cidr", ""), &o->pfx, false))
				memset(&o->pfx, 0, sizeof(o->pfx));
			if (nb_addr_parse(jx_str(v, o->kind == K_SUBNET ? "gateway" : "via", ""), &o->gw))
				memset(&o->gw, 0, sizeof(o->gw));
		}
		break;
	case K_PORT:
		vpc = ref(m, K_VPC, v, "vpc");
		host = ref(m, K_HOST, v, "host");
		sn = ref(m, K_SUBNET, v, "subnet");
		if (vpc) {
			o->vni = (uint32_t)jx_int(vpc->v, "vni", 0);
			set_op(&vpc->ports, o->id, o, dir);
			set_op(&vpc->ips, ip, o, dir);
			set_op(&vpc->macs, jx_str(v, "mac", NULL), o, dir);
			hmap_add(&vpc->hosts, jx_str(v, "host", ""), dir);
		}
		if (host) {
			set_op(&host->ports, o->id, o, dir);
			hmap_add(&host->vpcs, jx_str(v, "vpc", ""), dir);
			host->qos_min[0] += (uint64_t)dir * qos_min(v, "egress");
			host->qos_min[1] += (uint64_t)dir * qos_min(v, "ingress");
		}
		if (sn) {
			struct nb_addr a;

			set_op(&sn->ports, o->id, o, dir);
			if (dir < 0 && ip && !nb_addr_parse(ip, &a) && nb_prefix_contains(&sn->pfx, &a)) {
				uint64_t idx = nb_prefix_index(&sn->pfx, &a);

				if (idx < sn->hint)
					sn->hint = idx;
			}
		}
		break;
	case K_VOLUME:
		t = ref(m, K_TENANT, v, "tenant");
		srv = ref(m, K_SERVER, v, "server");
		host = ref(m, K_HOST, v, "host");
		if (t)
			set_op(&t->volumes, o->id, o, dir);
		if (srv) {
			set_op(&srv->volumes, o->id, o, dir);
			srv->allocated += (uint64_t)dir * (uint64_t)jx_int(v, "size", 0);
		}
		if (host)
			set_op(&host->volumes, o->id, o, dir);
		break;
	case K_NKINDS:
		break;
	}
}

/* --- views ----------------------------------------------------------- */

static int cmp_objs(const void *a, const void *b)
{
	const struct obj *x = *(struct obj *const *)a, *y = *(struct obj *const *)b;

	if (x->create_rev != y->create_rev)
		return x->create_rev < y->create_rev ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct obj **model_sorted(const struct model *m, enum kind k, const struct hmap *s, size_t *n)
{
	const struct hmap *set = s ? s : &m->objs[k];
	struct obj **v = malloc((set->n + 1) * sizeof(*v));
	size_t cnt = 0;

	if (!v)
		abort();
	hmap_foreach(set, i) {
		struct obj *o = s ? model_get(m, k, set->e[i].key) : set->e[i].val;

		if (o)
			v[cnt++] = o;
	}
	qsort(v, cnt, sizeof(*v), cmp_objs);
	*n = cnt;
	return v;
}

/* Longest prefix first, as vpc.ko keeps them. */
static int cmp_prefix_len(const void *a, const void *b)
{
	const struct obj *x = *(struct obj *const *)a, *y = *(struct obj *const *)b;

	if (x->pfx.plen != y->pfx.plen)
		return y->pfx.plen - x->pfx.plen;
	return cmp_objs(a, b);
}

json_t *view_api(const struct model *m, const struct obj *o)
{
	json_t *r = json_object();
	const char *key;
	json_t *v;

	for (void *it = json_object_iter(o->v); it; it = json_object_iter_next(o->v, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (key[0] != '_')
			json_object_set(r, key, v);
	}
	if (o->kind == K_HOST)
		json_object_set_new(r, "status", o->status ? json_copy(o->status) : json_null());
	if (o->kind == K_SERVER)
		json_object_set_new(r, "allocated", json_integer((json_int_t)o->allocated));
	(void)m;
	return r;
}

static json_t *pick(const json_t *v, const char *const *keys)
{
	json_t *r = json_object();

	for (; *keys; keys++) {
		json_t *x = json_object_get(v, *keys);

		json_object_set(r, *keys, x ? x : json_null());
	}
	return r;
}

static json_t *state_host(const json_t *v)
{
	static const char *const keys[] = { "id", "name", "underlay", "capacity", NULL };

	return pick(v, keys);
}

static json_t *state_vpc(const struct model *m, const struct obj *vpc)
{
	static const char *const skeys[] = { "cidr", "gateway", "dns", "domain", NULL };
	static const char *const rkeys[] = { "cidr", "via", NULL };
	json_t *r = json_object(), *subnets = json_array(), *routes = json_array();
	struct obj **v;
	size_t n;

	json_object_set(r, "id", json_object_get(vpc->v, "id"));
	json_object_set(r, "vni", json_object_get(vpc->v, "vni"));
	v = model_sorted(m, K_SUBNET, &vpc->subnets, &n);
	qsort(v, n, sizeof(*v), cmp_prefix_len);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(subnets, pick(v[i]->v, skeys));
	free(v);
	v = model_sorted(m, K_ROUTE, &vpc->routes, &n);
	qsort(v, n, sizeof(*v), cmp_prefix_len);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(routes, pick(v[i]->v, rkeys));
	free(v);
	json_object_set_new(r, "subnets", subnets);
	json_object_set_new(r, "routes", routes);
	return r;
}

static json_t *state_port(const struct model *m, const json_t *port)
{
	static const char *const keys[] = { "id", "ifname", "mac", "ip",
					    "allowed_address_pairs", "qos", NULL };
	json_t *r = pick(port, keys);
	struct obj *vpc = ref(m, K_VPC, port, "vpc");

	json_object_set_new(r, "vni", json_integer(vpc ? jx_int(vpc->v, "vni", 0) : 0));
	return r;
}

static json_t *state_mapping(const struct model *m, const json_t *port)
{
	struct obj *vpc = ref(m, K_VPC, port, "vpc"), *host = ref(m, K_HOST, port, "host");
	json_t *r = json_object();

	json_object_set_new(r, "vni", json_integer(vpc ? jx_int(vpc->v, "vni", 0) : 0));
	json_object_set(r, "ip", json_object_get(port, "ip"));
	json_object_set(r, "mac", json_object_get(port, "mac"));
	json_object_set(r, "host", json_object_get(port, "host"));
	json_object_set_new(r, "underlay",
			    host ? json_copy(json_object_get(host->v, "underlay")) : json_array());
	return r;
}

/* Port PORT's allowed address pair of one address IP, or NULL. */
static const json_t *port_pair(const json_t *port, const char *ip)
{
	const json_t *pairs = json_object_get(port, "allowed_address_pairs"), *x;
	size_t i;

	json_array_foreach(pairs, i, x)
		if (!strcmp(jx_str(x, "ip", ""), ip))
			return x;
	return NULL;
}

const json_t *model_vip_owner(const struct model *m, const json_t *vpc, const char *ip)
{
	const char *pid = jx_str(json_object_get(vpc, "_vips"), ip, NULL);
	struct obj *port = model_get(m, K_PORT, pid);

	/* An owner deleted, or no longer allowed the VIP, owns it no more. */
	return port && port_pair(port->v, ip) ? port->v : NULL;
}

/*
 * The mapping of VIP IP of VPC, owned by PORT: the owner's host, and the
 * pair's own MAC or the port's, as vpc.ko's claim takes it.
 */
static json_t *state_vip_mapping(const struct model *m, const struct obj *vpc, const char *ip,
				 const json_t *port)
{
	json_t *r = state_mapping(m, port);
	const char *mac = jx_str(port_pair(port, ip), "mac", NULL);

	json_object_set_new(r, "vni", json_integer(jx_int(vpc->v, "vni", 0)));
	json_object_set_new(r, "ip", json_string(ip));
	if (mac)
		json_object_set_new(r, "mac", json_string(mac));
	return r;
}

json_t *view_vip_mapping(const struct model *m, const struct obj *vpc, const char *ip)
{
	const json_t *port = model_vip_owner(m, vpc->v, ip);
	json_t *r;

	if (!port)
		return NULL;
	r = state_vip_mapping(m, vpc, ip, port);
	json_object_set(r, "vpc", json_object_get(port, "vpc"));
	json_object_set(r, "port", json_object_get(port, "id"));
	return r;
}

json_t *view_mapping(const struct model *m, const struct obj *port)
{
	json_t *r = state_mapping(m, port->v);

	json_object_set(r, "vpc", json_object_get(port->v, "vpc"));
	return r;
}

static json_t *state_volume(const struct model *m, const json_t *vol)
{
	static const char *const keys[] = { "id", "size", "block_size", "generation", NULL };
	struct obj *srv = ref(m, K_SERVER, vol, "server");
	json_t *r = pick(vol, keys);

	/* The volume's name on its server is its id: unique, and a valid cbs name. */
	json_object_set(r, "name", json_object_get(vol, "id"));
	json_object_set_new(r, "server", json_string(srv ? jx_str(srv->v, "address", "") : ""));
	json_object_set(r, "token", json_object_get(vol, "_token"));
	return r;
}

/* The VIPs of VPC owned on other hosts than HOST: their mappings into MAPS. */
static void vip_mappings(const struct model *m, const struct obj *vpc, const char *host,
			 json_t *maps)
{
	const json_t *vips = json_object_get(vpc->v, "_vips"), *port;
	const char *ip;
	json_t *pid;

	json_object_foreach((json_t *)vips, ip, pid) {
		port = model_vip_owner(m, vpc->v, ip);
		if (port && strcmp(jx_str(port, "host", ""), host))
			json_array_append_new(maps, state_vip_mapping(m, vpc, ip, port));
	}
}

json_t *view_host_state(const struct model *m, const struct obj *h)
{
	json_t *r = json_object(), *vpcs = json_array(), *ports = json_array();
	json_t *maps = json_array(), *vols = json_array();
	struct obj **v, **pv;
	size_t n, pn;

	json_object_set_new(r, "revision", json_integer(h->state_rev));
	json_object_set_new(r, "host", state_host(h->v));
	v = model_sorted(m, K_VPC, &h->vpcs, &n);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(vpcs, state_vpc(m, v[i]));
		pv = model_sorted(m, K_PORT, &v[i]->ports, &pn);
		for (size_t j = 0; j < pn; j++)
			if (strcmp(jx_str(pv[j]->v, "host", ""), h->id))
				json_array_append_new(maps, state_mapping(m, pv[j]->v));
		free(pv);
		vip_mappings(m, v[i], h->id, maps);
	}
	free(v);
	v = model_sorted(m, K_PORT, &h->ports, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ports, state_port(m, v[i]->v));
	free(v);
	v = model_sorted(m, K_VOLUME, &h->volumes, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(vols, state_volume(m, v[i]->v));
	free(v);
	json_object_set_new(r, "vpcs", vpcs);
	json_object_set_new(r, "ports", ports);
	json_object_set_new(r, "mappings", maps);
	json_object_set_new(r, "volumes", vols);
	return r;
}

/* --- host events ----------------------------------------------------- */

void pending_init(struct pending *p)
{
	memset(p, 0, sizeof(*p));
}

void pending_free(struct pending *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->ev[i].host);
		json_decref(p->ev[i].object);
	}
	free(p->ev);
	hmap_free(&p->hosts);
	hmap_free(&p->gone);
	pending_init(p);
}

static void emit(struct pending *p, const char *host, const char *type, const char *kind,
		 json_t *object)
{
	nb_grow(&p->ev, p->n, &p->cap, sizeof(*p->ev));
	p->ev[p->n++] = (struct pending_event){
		.host = strdup(host), .type = type, .kind = kind, .object = object,
	};
	hmap_put(&p->hosts, host, NULL);
}

static bool str_differs(const json_t *a, const json_t *b, const char *key)
{
	return strcmp(jx_str(a, key, ""), jx_str(b, key, ""));
}

/*
 * Port OV -> NV (either may be NULL): the VIPs of VPC it owns follow it.
 * One whose owner lost its pair (or went) leaves the other hosts' states;
 * one whose owner got its pair back, moved to another host or changed the
 * pair's MAC is put there again (and leaves the owner's new host).
 */
static void vip_port_events(const struct model *m, const struct obj *vpc, const json_t *ov,
			    const json_t *nv, struct pending *p)
{
	const char *ip, *id = jx_str(nv ? nv : ov, "id", "");
	const char *oh = ov ? jx_str(ov, "host", "") : "";
	const char *nh = nv ? jx_str(nv, "host", "") : "";
	const json_t *was, *is;
	json_t *pid;

	json_object_foreach(json_object_get(vpc->v, "_vips"), ip, pid) {
		if (strcmp(json_string_value(pid), id))
			continue;
		was = ov ? port_pair(ov, ip) : NULL;
		is = nv ? port_pair(nv, ip) : NULL;
		if (was && is && !strcmp(oh, nh) && json_equal((json_t *)was, (json_t *)is))
			continue;
		hmap_foreach(&vpc->hosts, i) {
			const char *r = vpc->hosts.e[i].key;

			if (is && strcmp(r, nh))
				emit(p, r, "put", "mapping", state_vip_mapping(m, vpc, ip, nv));
			else if (was && strcmp(r, oh))
				emit(p, r, "delete", "mapping", state_vip_mapping(m, vpc, ip, ov));
		}
	}
}

/*
 * A port changed from OV to NV (either may be NULL).  Its own host gets the
 * port (and, when the port is the VPC's first there, the VPC with every
 * remote port's mapping); every other host of the VPC gets the mapping.
 */
static void port_events(const struct model *m, const json_t *ov, const json_t *nv,
			struct pending *p)
{
	const json_t *any = nv ? nv : ov;
	struct obj *vpc = ref(m, K_VPC, any, "vpc");
	const char *oh = ov ? jx_str(ov, "host", NULL) : NULL;
	const char *nh = nv ? jx_str(nv, "host", NULL) : NULL;
	bool moved = ov && nv && strcmp(oh, nh);
	bool remote = !ov || !nv || moved || str_differs(ov, nv, "ip") ||
		      str_differs(ov, nv, "mac");

	if (!vpc)
		return;
	if (oh && (!nv || moved)) {
		emit(p, oh, "delete", "port", state_port(m, ov));
		/* Moved away from a host that keeps the VPC: a mapping there now. */
		if (!hmap_count(&vpc->hosts, oh))
			emit(p, oh, "delete", "vpc", state_vpc(m, vpc));
		else if (moved)
			emit(p, oh, "put", "mapping", state_mapping(m, nv));
	}
	if (nh) {
		if ((!ov || moved) && hmap_count(&vpc->hosts, nh) == 1) {
			struct obj **v;
			size_t n;

			emit(p, nh, "put", "vpc", state_vpc(m, vpc));
			json_t *vips = json_array(), *x;

			v = model_sorted(m, K_PORT, &vpc->ports, &n);
			for (size_t i = 0; i < n; i++)
				if (strcmp(jx_str(v[i]->v, "host", ""), nh))
					emit(p, nh, "put", "mapping", state_mapping(m, v[i]->v));
			free(v);
			vip_mappings(m, vpc, nh, vips);
			for (size_t i = 0; (x = json_array_get(vips, i)); i++)
				emit(p, nh, "put", "mapping", json_incref(x));
			json_decref(vips);
		} else if (moved) {
			emit(p, nh, "delete", "mapping", state_mapping(m, ov));
		}
		emit(p, nh, "put", "port", state_port(m, nv));
	}
	vip_port_events(m, vpc, ov, nv, p);
	if (!remote)
		return;
	hmap_foreach(&vpc->hosts, i) {
		const char *r = vpc->hosts.e[i].key;

		if ((oh && !strcmp(r, oh)) || (nh && !strcmp(r, nh)))
			continue;
		if (nv)
			emit(p, r, "put", "mapping", state_mapping(m, nv));
		else
			emit(p, r, "delete", "mapping", state_mapping(m, ov));
	}
}

static void volume_events(const struct model *m, const json_t *ov, const json_t *nv,
			  struct pending *p)
{
	const char *oh = ov ? jx_str(ov, "host", NULL) : NULL;
	const char *nh = nv ? jx_str(nv, "host", NULL) : NULL;

	if (oh && (!nh || strcmp(oh, nh)))
		emit(p, oh, "delete", "volume", state_volume(m, ov));
	if (nh && (!oh || strcmp(oh, nh) || !json_equal((json_t *)ov, (json_t *)nv)))
		emit(p, nh, "put", "volume", state_volume(m, nv));
}

/*
 * VPC's VIP owners changed from OV's to NV's: each moved VIP's mapping goes
 * to every host of the VPC but the new owner's, which loses its mapping of
 * the VIP if it had one (its own port owns it now, in vpc.ko too).
 */
static void vip_events(const struct model *m, const struct obj *vpc, const json_t *ov,
		       const json_t *nv, struct pending *p)
{
	const json_t *old_vips = json_object_get(ov, "_vips");
	const json_t *owner, *old_owner;
	const char *ip, *owner_host;
	struct obj *old_port;
	json_t *pid;

	json_object_foreach(json_object_get(nv, "_vips"), ip, pid) {
		if (!strcmp(jx_str(old_vips, ip, ""), json_string_value(pid)))
			continue;
		owner = model_vip_owner(m, nv, ip);
		if (!owner)
			continue;
		owner_host = jx_str(owner, "host", "");
		old_port = model_get(m, K_PORT, jx_str(old_vips, ip, NULL));
		old_owner = old_port ? old_port->v : NULL;
		hmap_foreach(&vpc->hosts, i) {
			const char *r = vpc->hosts.e[i].key;

			if (strcmp(r, owner_host))
				emit(p, r, "put", "mapping", state_vip_mapping(m, vpc, ip, owner));
			else if (old_owner && strcmp(jx_str(old_owner, "host", ""), r))
				emit(p, r, "delete", "mapping",
				     state_vip_mapping(m, vpc, ip, old_owner));
		}
	}
}

static void events(const struct model *m, struct obj *o, const json_t *ov, const json_t *nv,
		   struct pending *p)
{
	const json_t *any = nv ? nv : ov;
	struct obj *vpc;

	switch (o->kind) {
	case K_HOST:
		if (nv)
			emit(p, o->id, "put", "host", state_host(nv));
		else
			hmap_put(&p->gone, o->id, NULL);
		break;
	case K_SUBNET:
	case K_ROUTE:
		vpc = ref(m, K_VPC, any, "vpc");
		if (!vpc)
			break;
		hmap_foreach(&vpc->hosts, i)
			emit(p, vpc->hosts.e[i].key, "put", "vpc", state_vpc(m, vpc));
		break;
	case K_PORT:
		port_events(m, ov, nv, p);
		break;
	case K_VOLUME:
		volume_events(m, ov, nv, p);
		break;
	case K_VPC:
		if (ov && nv)
			vip_events(m, o, ov, nv, p);
		break;
	default:
		/* Tenants, storage servers and VPCs without ports are no host's state. */
		break;
	}
}

struct obj *model_apply(struct model *m, enum kind k, const char *id, json_t *newv,
			struct pending *p)
{
	struct obj *o = model_get(m, k, id);
	json_t *oldv = o ? json_incref(o->v) : NULL;

	if (!o && !newv)
		return NULL;
	if (o)
		index_obj(m, o, -1);
	if (newv) {
		if (!o) {
			o = calloc(1, sizeof(*o));
			if (!o)
				abort();
			o->kind = k;
			o->id = strdup(id);
			hmap_put(&m->objs[k], id, o);
			if (p && p->ncreated < sizeof(p->created) / sizeof(p->created[0]))
				p->created[p->ncreated++] = o;
		} else {
			json_decref(o->v);
		}
		o->v = newv;
		index_obj(m, o, 1);
	} else {
		hmap_del(&m->objs[k], id);
	}
	if (p)
		events(m, o, oldv, newv, p);
	json_decref(oldv);
	if (!newv) {
		obj_free(o);
		return NULL;
	}
	return o;
}

static void journal_append(struct journal *j, size_t history, int64_t rev, char *json)
{
	if (j->n == history) {
		struct journal_ent *old = &j->e[j->head];

		/* Dropping an event of OLD->rev: the journal no longer has all of it. */
		j->floor = old->rev;
		free(old->json);
		j->head = (j->head + 1) % j->cap;
		j->n--;
	}
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 64;
		struct journal_ent *e;

		if (cap > history)
			cap = history;
		e = malloc(cap * sizeof(*e));
		if (!e)
			abort();
		for (size_t i = 0; i < j->n; i++)
			e[i] = j->e[(j->head + i) % j->cap];
		free(j->e);
		j->e = e;
		j->cap = cap;
		j->head = 0;
	}
	j->e[(j->head + j->n) % j->cap] = (struct journal_ent){ .rev = rev, .json = json };
	j->n++;
}

void model_publish(struct model *m, struct pending *p, int64_t rev)
{
	for (size_t i = 0; i < p->ncreated; i++)
		p->created[i]->create_rev = rev;
	for (size_t i = 0; i < p->n; i++) {
		struct obj *h = model_get(m, K_HOST, p->ev[i].host);
		json_t *e;

		if (!h)
			continue;
		e = json_pack("{sIsssssO}", "revision", (json_int_t)rev, "type", p->ev[i].type,
			      "kind", p->ev[i].kind, "object", p->ev[i].object);
		journal_append(&h->journal, m->history, rev,
			       json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER));
		json_decref(e);
	}
	m->rev = rev;
	hmap_foreach(&p->hosts, i) {
		struct obj *h = model_get(m, K_HOST, p->hosts.e[i].key);

		if (h)
			h->state_rev = rev;
		if (m->wake)
			m->wake(m->wake_ctx, p->hosts.e[i].key);
	}
	hmap_foreach(&p->gone, i)
		if (m->wake)
			m->wake(m->wake_ctx, p->gone.e[i].key);
}

int model_host_events(const struct model *m, const struct obj *h, int64_t since, char **json)
{
	const struct journal *j = &h->journal;
	size_t first = j->n, len = 64, off;
	char *buf;

	if (since < j->floor || since > m->rev)
		return -ESTALE;
	while (first > 0 && j->e[(j->head + first - 1) % j->cap].rev > since)
		first--;
	for (size_t i = first; i < j->n; i++)
		len += strlen(j->e[(j->head + i) % j->cap].json) + 1;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	off = (size_t)sprintf(buf, "{\"revision\":%lld,\"events\":[",
			      (long long)(h->state_rev > since ? h->state_rev : since));
	for (size_t i = first; i < j->n; i++) {
		const char *e = j->e[(j->head + i) % j->cap].json;
		size_t el = strlen(e);

		if (i > first)
			buf[off++] = ',';
		memcpy(buf + off, e, el);
		off += el;
	}
	strcpy(buf + off, "]}");
	*json = buf;
	return 0;
}

/* --- load ------------------------------------------------------------ */

int model_load(struct model *m, struct store *s, char *err, size_t errlen)
{
	struct store_kv *kvs;
	size_t n;
	int ret;

	for (int k = 0; k < K_NKINDS; k++) {
		size_t plen = strlen(kind_prefix[k]);

		ret = store_range(s, kind_prefix[k], &kvs, &n, NULL);
		if (ret) {
			snprintf(err, errlen, "reading %s: %s", kind_prefix[k], strerror(-ret));
			return ret;
		}
		for (size_t i = 0; i < n; i++) {
			json_t *v = json_loads(kvs[i].value, 0, NULL);
			struct obj *o;

			if (!json_is_object(v)) {
				snprintf(err, errlen, "key %s: not a JSON object", kvs[i].key);
				json_decref(v);
				store_kvs_free(kvs, n);
				return -EINVAL;
			}
			o = model_apply(m, (enum kind)k, kvs[i].key + plen, v, NULL);
			o->create_rev = kvs[i].create_rev;
			if (k == K_HOST)
				o->state_rev = kvs[i].mod_rev;
		}
		store_kvs_free(kvs, n);
	}
	hmap_foreach(&m->objs[K_VPC], i) {
		struct obj *o = m->objs[K_VPC].e[i].val;
		uint32_t vni = (uint32_t)jx_int(o->v, "vni", 0);

		if (vni >= m->vni_next)
			m->vni_next = vni + 1;
	}
	ret = store_range(s, HOSTREV_PREFIX, &kvs, &n, NULL);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct obj *h = model_get(m, K_HOST, kvs[i].key + strlen(HOSTREV_PREFIX));

		if (h)
			h->state_rev = kvs[i].mod_rev;
	}
	store_kvs_free(kvs, n);
	ret = store_range(s, HOSTSTATUS_PREFIX, &kvs, &n, NULL);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct obj *h = model_get(m, K_HOST, kvs[i].key + strlen(HOSTSTATUS_PREFIX));

		if (h)
			h->status = json_loads(kvs[i].value, 0, NULL);
	}
	store_kvs_free(kvs, n);
	/* No history before now: a watch from an older revision re-lists. */
	hmap_foreach(&m->objs[K_HOST], i) {
		struct obj *h = m->objs[K_HOST].e[i].val;

		h->journal.floor = h->state_rev;
	}
	m->rev = store_revision(s);
	return 0;
}
