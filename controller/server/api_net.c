// SPDX-License-Identifier: GPL-2.0
/* VPCs, subnets, routes, ports and the mapping lookup. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "controller/server/api.h"

#define MAX_SUBNETS 64
#define MAX_ROUTES 64
#define MAX_PAIRS 15		/* vpc.ko: 16 addresses per port, one is the port's IP */
#define MAX_VIP_PAIRS 8		/* vpc.ko: 8 address pairs (VIPs) per port */

static int tenant_api(struct call *k)
{
	if (k->role == R_HOST)
		return fail(k, 403, "this operation is not for a host");
	return 0;
}

static int is_get(struct call *k)
{
	return !strcmp(k->r->method, "GET");
}

/* The VPC of path parameter 0. */
static struct obj *path_vpc(struct call *k)
{
	if (tenant_api(k))
		return NULL;
	return lookup(k, K_VPC, k->param[0], "vpc");
}

/* --- VPCs ------------------------------------------------------------ */

static uint32_t alloc_vni(struct model *m)
{
	for (uint32_t i = 0; i < VNI_MAX; i++) {
		uint32_t vni = (m->vni_next - 1 + i) % VNI_MAX + 1;

		/* Start after the last one handed out: a deleted VNI is reused last. */
		if (!vni_used(m, vni)) {
			m->vni_next = vni % VNI_MAX + 1;
			return vni;
		}
	}
	return 0;
}

int h_vpcs(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "name", JX_STRING, true },
		{ "tenant", JX_STRING, false },
		{ NULL, 0, false },
	};
	const char *tenant;
	char id[32], claim[64];
	struct store_txn txn;
	uint32_t vni;
	json_t *b, *v;

	if (tenant_api(k))
		return -1;
	if (is_get(k))
		return reply_list(k, K_VPC, NULL, NULL);
	b = body_obj(k, fields);
	if (!b)
		return -1;
	if (!valid_name(jx_str(b, "name", "")))
		return fail(k, 400, "name must be 1 to 63 printable characters");
	tenant = jx_str(b, "tenant", NULL);
	if (k->role == R_TENANT && tenant)
		return fail(k, 400, "tenant is given by your token; leave it out");
	if (k->role == R_ADMIN && !tenant)
		return fail(k, 400, "field \"tenant\" is missing: the admin names the VPC's owner");
	if (k->role == R_TENANT)
		tenant = k->who;
	if (!lookup(k, K_TENANT, tenant, "tenant"))
		return -1;
	vni = alloc_vni(&k->c->model);
	if (!vni)
		return fail(k, 409, "no VNI left");
	new_id(k->c, K_VPC, "vpc-", id, sizeof(id));
	v = json_pack("{sssOsssi}", "id", id, "name", json_object_get(b, "name"),
		      "tenant", tenant, "vni", (int)vni);
	snprintf(claim, sizeof(claim), "claims/vni/%u", vni);
	store_txn_init(&txn);
	store_txn_absent(&txn, claim);
	store_txn_put(&txn, claim, id);
	return commit_reply(k, K_VPC, id, v, &txn, 201);
}

int h_vpc(struct call *k)
{
	struct change ch[2 * (MAX_SUBNETS + MAX_ROUTES) + 1];
	struct obj *vpc = path_vpc(k);
	struct store_txn txn;
	char claim[64];
	size_t n = 0;

	if (!vpc)
		return -1;
	if (is_get(k))
		return reply_json(k, 200, view_api(&k->c->model, vpc));
	if (vpc->ports.n)
		return fail(k, 409, "vpc %s still has %zu ports", vpc->id, vpc->ports.n);
	/* Its subnets and routes go with it, in the same revision. */
	hmap_foreach(&vpc->routes, i)
		if (n < sizeof(ch) / sizeof(ch[0]) - 1)
			ch[n++] = (struct change){ K_ROUTE, vpc->routes.e[i].key, NULL };
	hmap_foreach(&vpc->subnets, i)
		if (n < sizeof(ch) / sizeof(ch[0]) - 1)
			ch[n++] = (struct change){ K_SUBNET, vpc->subnets.e[i].key, NULL };
	ch[n++] = (struct change){ K_VPC, vpc->id, NULL };
	snprintf(claim, sizeof(claim), "claims/vni/%lld", jx_int(vpc->v, "vni", 0));
	store_txn_init(&txn);
	store_txn_delete(&txn, claim);
	/*
	 * The ids in CH point into the VPC's sets, which model_apply() changes:
	 * copy them first.
	 */
	for (size_t i = 0; i < n; i++)
		ch[i].id = strdup(ch[i].id);
	if (!commit(k, ch, n, &txn))
		reply_text(k, 204, NULL);
	for (size_t i = 0; i < n; i++)
		free((char *)ch[i].id);
	return 0;
}

/* --- subnets and routes ---------------------------------------------- */

static int parse_cidr(struct call *k, const char *field, const char *s, struct nb_prefix *p)
{
	if (nb_prefix_parse(s, p, false))
		return fail(k, 400, "%s \"%s\" is no ADDR/PLEN prefix", field, s);
	if (!nb_prefix_canonical(p))
		return fail(k, 400, "%s \"%s\" has host bits set", field, s);
	return 0;
}

static int parse_ip(struct call *k, const char *field, const char *s, struct nb_addr *a)
{
	if (nb_addr_parse(s, a))
		return fail(k, 400, "%s \"%s\" is no IPv4 or IPv6 address", field, s);
	return 0;
}

static json_t *addr_json(const struct nb_addr *a)
{
	char s[NB_ADDR_STRLEN];

	nb_addr_fmt(a, s, sizeof(s));
	return json_string(s);
}

static json_t *prefix_json(const struct nb_prefix *p)
{
	char s[NB_PREFIX_STRLEN];

	nb_prefix_fmt(p, s, sizeof(s));
	return json_string(s);
}

/* Is A the network address (or IPv4 broadcast) of P: no host's address? */
static bool reserved(const struct nb_prefix *p, const struct nb_addr *a)
{
	uint64_t idx = nb_prefix_index(p, a);

	if (idx == 0)
		return true;	/* the network, or IPv6's subnet-router anycast */
	return p->addr.family == AF_INET && idx == nb_prefix_size(p) - 1;
}

static bool valid_domain(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return false;
	return true;
}

int h_subnets(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "cidr", JX_STRING, true },
		{ "gateway", JX_STRING, true },
		{ "dns", JX_ARRAY, false },
		{ "domain", JX_STRING, false },
		{ NULL, 0, false },
	};
	struct obj *vpc = path_vpc(k);
	struct nb_prefix p;
	struct nb_addr gw;
	json_t *b, *dns, *x, *v;
	const char *domain;
	char id[32];
	size_t i;

	if (!vpc)
		return -1;
	if (is_get(k))
		return reply_list(k, K_SUBNET, &vpc->subnets, NULL);
	b = body_obj(k, fields);
	if (!b || parse_cidr(k, "cidr", jx_str(b, "cidr", ""), &p) ||
	    parse_ip(k, "gateway", jx_str(b, "gateway", ""), &gw))
		return -1;
	if (p.plen > nb_addr_bits(p.addr.family) - 2)
		return fail(k, 400, "cidr: a /%d leaves no room for a gateway and a VM", p.plen);
	if (!nb_prefix_contains(&p, &gw) || reserved(&p, &gw))
		return fail(k, 400, "gateway must be an address inside cidr other than %s",
			    p.addr.family == AF_INET ? "its network and broadcast addresses" :
			    "its subnet-router anycast address");
	if (json_array_size(json_object_get(b, "dns")) > 4)
		return fail(k, 400, "at most 4 dns servers");
	dns = json_array();
	for (i = 0; i < json_array_size(json_object_get(b, "dns")); i++) {
		x = json_array_get(json_object_get(b, "dns"), i);
		struct nb_addr a;

		if (!json_is_string(x) || nb_addr_parse(json_string_value(x), &a)) {
			json_decref(dns);
			return fail(k, 400, "dns[%zu] is no IPv4 or IPv6 address", i);
		}
		json_array_append_new(dns, addr_json(&a));
	}
	domain = jx_str(b, "domain", NULL);
	if (domain && !valid_domain(domain)) {
		json_decref(dns);
		return fail(k, 400, "domain must be a DNS name");
	}
	if (vpc->subnets.n >= MAX_SUBNETS) {
		json_decref(dns);
		return fail(k, 409, "vpc %s has %d subnets already", vpc->id, MAX_SUBNETS);
	}
	hmap_foreach(&vpc->subnets, j) {
		struct obj *o = model_get(&k->c->model, K_SUBNET, vpc->subnets.e[j].key);

		if (o && nb_prefix_overlap(&o->pfx, &p)) {
			json_decref(dns);
			return fail(k, 409, "cidr overlaps subnet %s (%s)", o->id,
				    jx_str(o->v, "cidr", ""));
		}
	}
	new_id(k->c, K_SUBNET, "sn-", id, sizeof(id));
	v = json_pack("{sssssosososo}", "id", id, "vpc", vpc->id, "cidr", prefix_json(&p),
		      "gateway", addr_json(&gw), "dns", dns,
		      "domain", domain ? json_string(domain) : json_null());
	return commit_reply(k, K_SUBNET, id, v, NULL, 201);
}

int h_subnet(struct call *k)
{
	struct obj *sn, *vpc;

	if (tenant_api(k) || !(sn = lookup(k, K_SUBNET, k->param[0], "subnet")))
		return -1;
	if (is_get(k))
		return reply_json(k, 200, view_api(&k->c->model, sn));
	if (sn->ports.n)
		return fail(k, 409, "subnet %s still has %zu ports", sn->id, sn->ports.n);
	vpc = model_get(&k->c->model, K_VPC, jx_str(sn->v, "vpc", NULL));
	if (vpc) {
		hmap_foreach(&vpc->routes, i) {
			struct obj *r = model_get(&k->c->model, K_ROUTE, vpc->routes.e[i].key);

			if (r && nb_prefix_contains(&sn->pfx, &r->gw))
				return fail(k, 409, "route %s goes via an address of subnet %s",
					    r->id, sn->id);
		}
	}
	return commit_reply(k, K_SUBNET, sn->id, NULL, NULL, 204);
}

int h_routes(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "cidr", JX_STRING, true },
		{ "via", JX_STRING, true },
		{ NULL, 0, false },
	};
	struct obj *vpc = path_vpc(k);
	struct nb_prefix p;
	struct nb_addr via;
	bool via_ok = false;
	char id[32];
	json_t *b, *v;

	if (!vpc)
		return -1;
	if (is_get(k))
		return reply_list(k, K_ROUTE, &vpc->routes, NULL);
	b = body_obj(k, fields);
	if (!b || parse_cidr(k, "cidr", jx_str(b, "cidr", ""), &p) ||
	    parse_ip(k, "via", jx_str(b, "via", ""), &via))
		return -1;
	if (via.family != p.addr.family)
		return fail(k, 400, "via must be of the prefix's address family");
	hmap_foreach(&vpc->subnets, i) {
		struct obj *sn = model_get(&k->c->model, K_SUBNET, vpc->subnets.e[i].key);

		if (!sn)
			continue;
		if (nb_prefix_overlap(&sn->pfx, &p) && sn->pfx.plen <= p.plen)
			return fail(k, 400, "cidr lies inside subnet %s: the subnet always wins",
				    sn->id);
		if (nb_prefix_contains(&sn->pfx, &via) && !nb_addr_eq(&sn->gw, &via))
			via_ok = true;
	}
	if (!via_ok)
		return fail(k, 400, "via must be an address inside a subnet of the VPC, not a gateway");
	if (vpc->routes.n >= MAX_ROUTES)
		return fail(k, 409, "vpc %s has %d routes already", vpc->id, MAX_ROUTES);
	hmap_foreach(&vpc->routes, i) {
		struct obj *r = model_get(&k->c->model, K_ROUTE, vpc->routes.e[i].key);

		if (r && r->pfx.plen == p.plen && nb_addr_eq(&r->pfx.addr, &p.addr))
			return fail(k, 409, "vpc %s has a route for %s already (%s)", vpc->id,
				    jx_str(r->v, "cidr", ""), r->id);
	}
	new_id(k->c, K_ROUTE, "rt-", id, sizeof(id));
	v = json_pack("{sssssoso}", "id", id, "vpc", vpc->id, "cidr", prefix_json(&p),
		      "via", addr_json(&via));
	return commit_reply(k, K_ROUTE, id, v, NULL, 201);
}

int h_route(struct call *k)
{
	struct obj *r;

	if (tenant_api(k) || !(r = lookup(k, K_ROUTE, k->param[0], "route")))
		return -1;
	if (is_get(k))
		return reply_json(k, 200, view_api(&k->c->model, r));
	return commit_reply(k, K_ROUTE, r->id, NULL, NULL, 204);
}

/* --- ports ----------------------------------------------------------- */

/*
 * QOS (a request's, or NULL) as a full {egress, ingress} object, members
 * not given taken from BASE (a port's qos, or NULL for zeros, "none");
 * NULL after a 400.
 */
static json_t *parse_qos(struct call *k, const json_t *qos, const json_t *base)
{
	static const struct jx_field top[] = {
		{ "egress", JX_OBJECT, false },
		{ "ingress", JX_OBJECT, false },
		{ NULL, 0, false },
	};
	static const struct jx_field dir[] = {
		{ "min", JX_UINT, false },
		{ "max", JX_UINT, false },
		{ "burst", JX_UINT, false },
		{ NULL, 0, false },
	};
	static const char *const dirs[] = { "egress", "ingress" };
	json_t *r = json_object();
	char err[256];

	if (qos && jx_check(qos, "qos", top, err, sizeof(err))) {
		json_decref(r);
		return fail(k, 400, "%s", err), NULL;
	}
	for (int i = 0; i < 2; i++) {
		const json_t *d = json_object_get(qos, dirs[i]), *bd = json_object_get(base, dirs[i]);
		long long min = jx_int(d, "min", jx_int(bd, "min", 0));
		long long max = jx_int(d, "max", jx_int(bd, "max", 0));
		long long burst = jx_int(d, "burst", jx_int(bd, "burst", 0));

		if (d && jx_check(d, dirs[i], dir, err, sizeof(err))) {
			json_decref(r);
			return fail(k, 400, "qos: %s", err), NULL;
		}
		if (max && max < min) {
			json_decref(r);
			return fail(k, 400, "qos: %s max is below its min", dirs[i]), NULL;
		}
		json_object_set_new(r, dirs[i], json_pack("{sIsIsI}", "min", (json_int_t)min,
							  "max", (json_int_t)max, "burst",
							  (json_int_t)burst));
	}
	return r;
}

/* The guaranteed rates of QOS fit on HOST, besides what OLD_PORT had there. */
static int check_capacity(struct call *k, const struct obj *host, const json_t *qos,
			  const json_t *old_port)
{
	static const char *const dirs[] = { "egress", "ingress" };
	uint64_t cap = (uint64_t)jx_int(host->v, "capacity", 0);

	for (int i = 0; i < 2; i++) {
		uint64_t used = host->qos_min[i];
		uint64_t min = (uint64_t)jx_int(json_object_get(qos, dirs[i]), "min", 0);

		if (old_port && !strcmp(jx_str(old_port, "host", ""), host->id))
			used -= (uint64_t)jx_int(json_object_get(json_object_get(old_port, "qos"),
								 dirs[i]), "min", 0);
		if (min && used + min > cap)
			return fail(k, 409, "qos: %s min %llu bit/s does not fit on host %s "
				    "(capacity %llu, guaranteed already %llu)", dirs[i],
				    (unsigned long long)min, host->id, (unsigned long long)cap,
				    (unsigned long long)used);
	}
	return 0;
}

static json_t *parse_pairs(struct call *k, const json_t *a)
{
	static const struct jx_field fields[] = {
		{ "ip", JX_STRING, true },
		{ "mac", JX_STRING, false },
		{ NULL, 0, false },
	};
	json_t *r = json_array(), *x;
	size_t i, n_vips = 0;
	char err[256];

	if (json_array_size(a) > MAX_PAIRS) {
		json_decref(r);
		return fail(k, 400, "at most %d allowed address pairs", MAX_PAIRS), NULL;
	}
	for (i = 0; i < json_array_size(a); i++) {
		x = json_array_get(a, i);
		const char *s = jx_str(x, "ip", ""), *mac = jx_str(x, "mac", NULL);
		unsigned char macb[6];
		struct nb_prefix p;
		char out[NB_PREFIX_STRLEN], macs[NB_MAC_STRLEN];
		json_t *pair;

		if (jx_check(x, "allowed_address_pairs[]", fields, err, sizeof(err))) {
			json_decref(r);
			return fail(k, 400, "%s", err), NULL;
		}
		if (nb_prefix_parse(s, &p, true) || !nb_prefix_canonical(&p) ||
		    (p.addr.family == AF_INET6 && p.addr.b[0] == 0xfe && (p.addr.b[1] & 0xc0) == 0x80)) {
			json_decref(r);
			return fail(k, 400, "allowed_address_pairs[%zu]: \"%s\" is no address or "
				    "prefix without host bits (nor link-local)", i, s), NULL;
		}
		/* One address is a VIP (vpc.ko's `port set allow`): its own MAC, at most 8. */
		if (p.plen == nb_addr_bits(p.addr.family) && ++n_vips > MAX_VIP_PAIRS) {
			json_decref(r);
			return fail(k, 400, "at most %d allowed address pairs of one address (VIPs)",
				    MAX_VIP_PAIRS), NULL;
		}
		if (mac && (p.plen != nb_addr_bits(p.addr.family) || nb_mac_parse(mac, macb) ||
			    (macb[0] & 1) || !memcmp(macb, "\0\0\0\0\0\0", 6))) {
			json_decref(r);
			return fail(k, 400, "allowed_address_pairs[%zu]: \"mac\" must be a unicast MAC, "
				    "and only for a pair of one address", i), NULL;
		}
		if (strchr(s, '/') && p.plen != nb_addr_bits(p.addr.family))
			nb_prefix_fmt(&p, out, sizeof(out));
		else
			nb_addr_fmt(&p.addr, out, sizeof(out));
		pair = json_pack("{ss}", "ip", out);
		if (mac)
			json_object_set_new(pair, "mac", json_string(nb_mac_fmt(macb, macs, sizeof(macs))));
		json_array_append_new(r, pair);
	}
	return r;
}

/* The first free host address of SN in VPC, into IP; false when full. */
static bool alloc_ip(struct obj *sn, const struct obj *vpc, char *ip, size_t len)
{
	uint64_t size = nb_prefix_size(&sn->pfx);
	uint64_t last = sn->pfx.addr.family == AF_INET ? size - 1 : size;

	if (sn->hint < 1)
		sn->hint = 1;
	/* The hint: no free address below it (a delete lowers it again). */
	for (uint64_t i = sn->hint; i < last; i++) {
		struct nb_addr a;

		nb_prefix_nth(&sn->pfx, i, &a);
		if (nb_addr_eq(&a, &sn->gw))
			continue;
		nb_addr_fmt(&a, ip, len);
		if (hmap_has(&vpc->ips, ip))
			continue;
		sn->hint = i + 1;
		return true;
	}
	sn->hint = last;
	return false;
}

static void random_mac(unsigned char mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		abort();
	/* Locally administered unicast, never the gateways' 02:76:70 prefix. */
	mac[0] = (unsigned char)((mac[0] & 0xfc) | 0x02);
	if (mac[0] == 0x02 && mac[1] == 0x76 && mac[2] == 0x70)
		mac[1] = 0x6e;
}

static bool mac_ok(const unsigned char mac[6], uint32_t vni)
{
	static const unsigned char zero[6];
	const unsigned char gw[6] = { 0x02, 0x76, 0x70, (unsigned char)(vni >> 16),
				      (unsigned char)(vni >> 8), (unsigned char)vni };

	return !(mac[0] & 1) && memcmp(mac, zero, 6) && memcmp(mac, gw, 6);
}

static void claim_keys(const char *vpc, const char *ip, const char *mac, char *ipk,
		       char *mack, size_t len)
{
	snprintf(ipk, len, "claims/ip/%s/%s", vpc, ip);
	snprintf(mack, len, "claims/mac/%s/%s", vpc, mac);
}

static bool port_filter(struct call *k, const struct obj *o)
{
	const char *vpc = query(k, "vpc"), *host = query(k, "host");

	return (!vpc || !strcmp(vpc, jx_str(o->v, "vpc", ""))) &&
	       (!host || !strcmp(host, jx_str(o->v, "host", "")));
}

static int list_ports(struct call *k)
{
	static const char *const allowed[] = { "vpc", "host", NULL };
	const char *vpc = query(k, "vpc"), *host = query(k, "host");
	struct obj *o;

	if (check_query(k, allowed))
		return -1;
	if (vpc) {
		if (!(o = lookup(k, K_VPC, vpc, "vpc")))
			return -1;
		return reply_list(k, K_PORT, &o->ports, port_filter);
	}
	if (host && (o = model_get(&k->c->model, K_HOST, host)))
		return reply_list(k, K_PORT, &o->ports, port_filter);
	return reply_list(k, K_PORT, NULL, port_filter);
}

int h_ports(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "vpc", JX_STRING, true },
		{ "subnet", JX_STRING, true },
		{ "host", JX_STRING, true },
		{ "ip", JX_STRING, false },
		{ "mac", JX_STRING, false },
		{ "qos", JX_OBJECT, false },
		{ "allowed_address_pairs", JX_ARRAY, false },
		{ NULL, 0, false },
	};
	char id[32], ifname[16], ip[NB_ADDR_STRLEN], mac[NB_MAC_STRLEN];
	char ipk[160], mack[160];
	struct obj *vpc, *sn, *host;
	unsigned char m[6];
	json_t *b, *qos, *pairs, *v;
	struct store_txn txn;
	uint32_t vni;

	if (tenant_api(k))
		return -1;
	if (is_get(k))
		return list_ports(k);
	b = body_obj(k, fields);
	if (!b || !(vpc = lookup(k, K_VPC, jx_str(b, "vpc", ""), "vpc")))
		return -1;
	vni = (uint32_t)jx_int(vpc->v, "vni", 0);
	sn = model_get(&k->c->model, K_SUBNET, jx_str(b, "subnet", ""));
	if (!sn || strcmp(jx_str(sn->v, "vpc", ""), vpc->id))
		return fail(k, 404, "subnet %s not found in vpc %s", jx_str(b, "subnet", ""), vpc->id);
	host = model_get(&k->c->model, K_HOST, jx_str(b, "host", ""));
	if (!host)
		return fail(k, 404, "host %s not found", jx_str(b, "host", ""));
	if (json_object_get(b, "ip")) {
		struct nb_addr a;

		if (parse_ip(k, "ip", jx_str(b, "ip", ""), &a))
			return -1;
		if (!nb_prefix_contains(&sn->pfx, &a) || reserved(&sn->pfx, &a) ||
		    nb_addr_eq(&a, &sn->gw))
			return fail(k, 400, "ip %s is no host address of subnet %s (%s)",
				    jx_str(b, "ip", ""), sn->id, jx_str(sn->v, "cidr", ""));
		nb_addr_fmt(&a, ip, sizeof(ip));
		if (hmap_has(&vpc->ips, ip))
			return fail(k, 409, "ip %s is already used in vpc %s", ip, vpc->id);
	}
	if (json_object_get(b, "mac")) {
		if (nb_mac_parse(jx_str(b, "mac", ""), m) || !mac_ok(m, vni))
			return fail(k, 400, "mac \"%s\" is no unicast MAC (nor the gateway's)",
				    jx_str(b, "mac", ""));
		nb_mac_fmt(m, mac, sizeof(mac));
		if (hmap_has(&vpc->macs, mac))
			return fail(k, 409, "mac %s is already used in vpc %s", mac, vpc->id);
	}
	qos = parse_qos(k, json_object_get(b, "qos"), NULL);
	if (!qos)
		return -1;
	pairs = parse_pairs(k, json_object_get(b, "allowed_address_pairs"));
	if (!pairs || check_capacity(k, host, qos, NULL)) {
		json_decref(qos);
		json_decref(pairs);
		return -1;
	}
	if (!json_object_get(b, "ip") && !alloc_ip(sn, vpc, ip, sizeof(ip))) {
		json_decref(qos);
		json_decref(pairs);
		return fail(k, 409, "subnet %s has no free address", sn->id);
	}
	if (!json_object_get(b, "mac")) {
		do {
			random_mac(m);
			nb_mac_fmt(m, mac, sizeof(mac));
		} while (!mac_ok(m, vni) || hmap_has(&vpc->macs, mac));
	}
	new_id(k->c, K_PORT, "p-", id, sizeof(id));
	snprintf(ifname, sizeof(ifname), "np%.12s", id + 2);
	v = json_pack("{sssssssssssssssoso}", "id", id, "vpc", vpc->id, "subnet", sn->id,
		      "host", host->id, "ip", ip, "mac", mac, "ifname", ifname,
		      "qos", qos, "allowed_address_pairs", pairs);
	/* The IP and MAC are claimed in the store too: compare-and-put. */
	claim_keys(vpc->id, ip, mac, ipk, mack, sizeof(ipk));
	store_txn_init(&txn);
	store_txn_absent(&txn, ipk);
	store_txn_absent(&txn, mack);
	store_txn_put(&txn, ipk, id);
	store_txn_put(&txn, mack, id);
	return commit_reply(k, K_PORT, id, v, &txn, 201);
}

static int patch_port(struct call *k, struct obj *port)
{
	static const struct jx_field fields[] = {
		{ "host", JX_STRING, false },
		{ "qos", JX_OBJECT, false },
		{ "allowed_address_pairs", JX_ARRAY, false },
		{ NULL, 0, false },
	};
	json_t *b = body_obj(k, fields), *v, *x;
	struct obj *host;

	if (!b)
		return -1;
	if (!json_object_size(b))
		return fail(k, 400, "nothing to change: give host, qos or allowed_address_pairs");
	host = model_get(&k->c->model, K_HOST, jx_str(b, "host", jx_str(port->v, "host", "")));
	if (!host)
		return fail(k, 404, "host %s not found", jx_str(b, "host", ""));
	v = json_copy(port->v);
	json_object_set_new(v, "host", json_string(host->id));
	if (json_object_get(b, "qos")) {
		/* Merged: what is given replaces, the rest stays. */
		x = parse_qos(k, json_object_get(b, "qos"), json_object_get(port->v, "qos"));
		if (!x) {
			json_decref(v);
			return -1;
		}
		json_object_set_new(v, "qos", x);
	}
	if (json_object_get(b, "allowed_address_pairs")) {
		if (!(x = parse_pairs(k, json_object_get(b, "allowed_address_pairs")))) {
			json_decref(v);
			return -1;
		}
		json_object_set_new(v, "allowed_address_pairs", x);
	}
	if (check_capacity(k, host, json_object_get(v, "qos"), port->v)) {
		json_decref(v);
		return -1;
	}
	return commit_reply(k, K_PORT, port->id, v, NULL, 200);
}

int h_port(struct call *k)
{
	struct obj *port;
	struct store_txn txn;
	char ipk[160], mack[160];

	if (tenant_api(k) || !(port = lookup(k, K_PORT, k->param[0], "port")))
		return -1;
	if (is_get(k))
		return reply_json(k, 200, view_api(&k->c->model, port));
	if (!strcmp(k->r->method, "PATCH"))
		return patch_port(k, port);
	claim_keys(jx_str(port->v, "vpc", ""), jx_str(port->v, "ip", ""),
		   jx_str(port->v, "mac", ""), ipk, mack, sizeof(ipk));
	store_txn_init(&txn);
	store_txn_delete(&txn, ipk);
	store_txn_delete(&txn, mack);
	return commit_reply(k, K_PORT, port->id, NULL, &txn, 204);
}

/* --- mapping lookup -------------------------------------------------- */

int h_mapping(struct call *k)
{
	struct obj *vpc = model_get(&k->c->model, K_VPC, k->param[0]), *port;
	struct nb_addr a;
	char ip[NB_ADDR_STRLEN];
	json_t *vip;

	if (k->role == R_TENANT)
		return fail(k, 403, "this operation is for host agents");
	/* A host reads the mappings of the VPCs it has a port of, and no others. */
	if (!vpc || (k->role == R_HOST && !hmap_count(&vpc->hosts, k->who)))
		return fail(k, 404, "vpc %s not found", k->param[0]);
	if (parse_ip(k, "ip", k->param[1], &a))
		return -1;
	nb_addr_fmt(&a, ip, sizeof(ip));
	port = hmap_get(&vpc->ips, ip);
	if (port)
		return reply_json(k, 200, view_mapping(&k->c->model, port));
	vip = view_vip_mapping(&k->c->model, vpc, ip);
	if (!vip)
		return fail(k, 404, "no port of vpc %s has ip %s, nor claimed it", vpc->id, ip);
	return reply_json(k, 200, vip);
}

/* --- VIP claims ------------------------------------------------------ */

/* The port of host H whose device is IFNAME, or NULL. */
static struct obj *port_by_ifname(struct call *k, const struct obj *h, const char *ifname)
{
	hmap_foreach(&h->ports, i) {
		struct obj *port = model_get(&k->c->model, K_PORT, h->ports.e[i].key);

		if (port && !strcmp(jx_str(port->v, "ifname", ""), ifname))
			return port;
	}
	return NULL;
}

/* Is IP (canonical) one of PORT's allowed address pairs of one address? */
static bool port_allowed_vip(const struct obj *port, const char *ip)
{
	const json_t *pairs = json_object_get(port->v, "allowed_address_pairs"), *x;
	size_t i;

	json_array_foreach(pairs, i, x)
		if (!strcmp(jx_str(x, "ip", ""), ip))
			return true;
	return false;
}

/*
 * POST /v1/hosts/{id}/claims: the host's agent reports that a port of its
 * host claimed a VIP (vpc.ko's VPC_CMD_CLAIM).  The port becomes the VIP's
 * owner, and every other host of the VPC maps the VIP to its host.
 */
int h_claims(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "vpc", JX_STRING, true },
		{ "ip", JX_STRING, true },
		{ "ifname", JX_STRING, true },
		{ NULL, 0, false },
	};
	struct obj *h = host_self(k, false), *vpc, *port;
	const char *ifname;
	struct change ch;
	struct nb_addr a;
	char ip[NB_ADDR_STRLEN];
	json_t *b, *newv, *vips;

	if (!h || !(b = body_obj(k, fields)))
		return -1;
	vpc = model_get(&k->c->model, K_VPC, jx_str(b, "vpc", ""));
	/* As for the mappings: a host knows only the VPCs it has a port of. */
	if (!vpc || !hmap_count(&vpc->hosts, h->id))
		return fail(k, 404, "vpc %s not found", jx_str(b, "vpc", ""));
	if (parse_ip(k, "ip", jx_str(b, "ip", ""), &a))
		return -1;
	nb_addr_fmt(&a, ip, sizeof(ip));
	ifname = jx_str(b, "ifname", "");
	port = port_by_ifname(k, h, ifname);
	if (!port)
		return fail(k, 409, "host %s has no port with ifname %s", h->id, ifname);
	if (strcmp(jx_str(port->v, "vpc", ""), vpc->id))
		return fail(k, 409, "port %s is not in vpc %s", port->id, vpc->id);
	if (!port_allowed_vip(port, ip))
		return fail(k, 409, "port %s is not allowed the address %s (no allowed address "
			    "pair of it)", port->id, ip);
	/* The owner already: nothing changes, no new revision. */
	if (!strcmp(jx_str(json_object_get(vpc->v, "_vips"), ip, ""), port->id))
		return reply_json(k, 200, view_vip_mapping(&k->c->model, vpc, ip));
	newv = json_deep_copy(vpc->v);
	vips = json_object_get(newv, "_vips");
	if (!vips) {
		vips = json_object();
		json_object_set_new(newv, "_vips", vips);
	}
	json_object_set_new(vips, ip, json_string(port->id));
	ch = (struct change){ K_VPC, vpc->id, newv };
	if (commit(k, &ch, 1, NULL))
		return -1;
	vpc = model_get(&k->c->model, K_VPC, ch.id);
	return reply_json(k, 200, view_vip_mapping(&k->c->model, vpc, ip));
}
