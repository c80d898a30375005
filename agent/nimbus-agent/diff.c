// SPDX-License-Identifier: GPL-2.0
/* Reconciling as a pure function: see diff.h. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "agent/nimbus-agent/diff.h"

void ag_plan_init(struct ag_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void ag_plan_free(struct ag_plan *p)
{
	free(p->a);
	ag_plan_init(p);
}

static struct ag_action *add(struct ag_plan *p, enum ag_op op, uint32_t vni)
{
	struct ag_action *a;

	nb_grow(&p->a, p->n, &p->cap, sizeof(*p->a));
	a = &p->a[p->n++];
	memset(a, 0, sizeof(*a));
	a->op = op;
	a->vni = vni;
	return a;
}

/*
 * Call FN for each key to compare in maps WANT and HAVE: the dirty ones
 * (DIRTY), or with DIRTY NULL every key of either.
 */
static void for_keys(const struct hmap *want, const struct hmap *have, const struct hmap *dirty,
		     void (*fn)(const char *key, void *ctx), void *ctx)
{
	if (dirty) {
		hmap_foreach(dirty, i)
			fn(dirty->e[i].key, ctx);
		return;
	}
	hmap_foreach(want, i)
		fn(want->e[i].key, ctx);
	hmap_foreach(have, i)
		if (!hmap_has(want, have->e[i].key))
			fn(have->e[i].key, ctx);
}

struct diff_ctx {
	const struct ag_state *want, *have;
	const struct hmap *links;
	struct ag_plan *plan;
	struct hmap deleting;	/* VNIs whose VPC the plan deletes */
	/* QoS changes that free room (offs, no min raised), and that take it. */
	struct ag_plan qos_free, qos_take;
	bool qos_gc;		/* a port that may have QoS classes goes */
};

static bool has_prefix(const struct ag_prefix *tab, unsigned int n, const struct ag_prefix *e)
{
	for (unsigned int i = 0; i < n; i++)
		if (tab[i].prefix.plen == e->prefix.plen &&
		    nb_addr_eq(&tab[i].prefix.addr, &e->prefix.addr) &&
		    nb_addr_eq(&tab[i].addr, &e->addr))
			return true;
	return false;
}

/* OP for each entry of FROM[0..N-1] that is not in NOT[0..N_NOT-1]. */
static void prefix_ops(struct ag_plan *p, enum ag_op op, uint32_t vni,
		       const struct ag_prefix *from, unsigned int n,
		       const struct ag_prefix *not, unsigned int n_not)
{
	for (unsigned int i = 0; i < n; i++)
		if (!has_prefix(not, n_not, &from[i]))
			add(p, op, vni)->prefix = from[i];
}

static void diff_vpc(const char *key, void *arg)
{
	struct diff_ctx *c = arg;
	const struct ag_vpc *w = hmap_get(&c->want->vpcs, key);
	const struct ag_vpc *h = hmap_get(&c->have->vpcs, key);
	static const struct ag_vpc none;

	if (!w && !h)
		return;
	if (!w) {
		add(c->plan, AG_NET_DEL, h->vni);
		hmap_put(&c->deleting, key, (void *)1);
		c->qos_gc = true;	/* its ports may have had QoS */
		return;
	}
	if (!h) {
		add(c->plan, AG_NET_ADD, w->vni)->vpc = w;
		h = &none;
	}
	/* Routes need their next hop inside a subnet: routes go first, come last. */
	prefix_ops(c->plan, AG_ROUTE_DEL, w->vni, h->routes, h->n_routes, w->routes, w->n_routes);
	prefix_ops(c->plan, AG_SUBNET_DEL, w->vni, h->subnets, h->n_subnets, w->subnets,
		   w->n_subnets);
	prefix_ops(c->plan, AG_SUBNET_ADD, w->vni, w->subnets, w->n_subnets, h->subnets,
		   h->n_subnets);
	prefix_ops(c->plan, AG_ROUTE_ADD, w->vni, w->routes, w->n_routes, h->routes, h->n_routes);
}

/* The kernel's object, unless its VPC is being deleted (it goes with it). */
static const void *kept(const struct diff_ctx *c, const void *h, uint32_t vni)
{
	char key[AG_KEY_LEN];

	return h && !hmap_has(&c->deleting, ag_vpc_key(vni, key)) ? h : NULL;
}

static bool pair_equal(const struct ag_pair *a, const struct ag_pair *b)
{
	return a->has_mac == b->has_mac && (!a->has_mac || !memcmp(a->mac, b->mac, 6));
}

/* The pairs of port W (desired) against H's (the kernel's; NULL: a new port). */
static void diff_pairs(struct diff_ctx *c, const struct ag_port *w, const struct ag_port *h,
		       uint32_t ifindex)
{
	const struct ag_pair *have;
	struct ag_action *a;

	/* Disallows first: a port holds at most VPC_PORT_ALLOWS_MAX pairs. */
	for (unsigned int i = 0; h && i < h->n_pairs; i++) {
		if (ag_port_pair(w, &h->pairs[i].ip))
			continue;
		a = add(c->plan, AG_PAIR_DISALLOW, h->vni);
		a->port = h;
		a->ifindex = ifindex;
		a->pair = h->pairs[i];
	}
	for (unsigned int i = 0; i < w->n_pairs; i++) {
		have = h ? ag_port_pair(h, &w->pairs[i].ip) : NULL;
		if (have && pair_equal(have, &w->pairs[i]))
			continue;
		a = add(c->plan, AG_PAIR_ALLOW, w->vni);
		a->port = w;
		a->ifindex = ifindex;
		a->pair = w->pairs[i];
	}
}

static bool port_has_qos(const struct ag_port *h)
{
	return ag_qos_any(&h->qos) || h->qos_unknown;
}

/* Does W's direction raise the min that HAVE has (on or off)? */
static bool raises(bool w_on, const struct qos_dir *w, bool h_on, const struct qos_dir *h)
{
	return w_on && w->min > (h_on ? h->min : 0);
}

/* The QoS of port W (desired) against H's (the kernel's; NULL: a new port). */
static void diff_qos(struct diff_ctx *c, const struct ag_port *w, const struct ag_port *h)
{
	static const struct ag_port none;
	const struct ag_qos *want = &w->qos, *have;
	unsigned int dirs;
	bool off_first;
	struct ag_action *a;

	if (!h)
		h = &none;
	have = &h->qos;
	dirs = h->qos_unknown ? QOS_EGRESS | QOS_INGRESS : ag_qos_diff(want, have);
	if (!dirs)
		return;
	if (!ag_qos_any(want)) {
		a = add(&c->qos_free, AG_QOS_PORT_OFF, w->vni);
		a->port = w;
		return;
	}
	/* The library turns a port's QoS off as a whole: then the other one on again. */
	off_first = (!want->egress_on && (have->egress_on || h->qos_unknown)) ||
		    (!want->ingress_on && (have->ingress_on || h->qos_unknown));
	if (off_first)
		dirs = (want->egress_on ? QOS_EGRESS : 0) | (want->ingress_on ? QOS_INGRESS : 0);
	a = add(raises(want->egress_on, &want->egress, have->egress_on, &have->egress) ||
		raises(want->ingress_on, &want->ingress, have->ingress_on, &have->ingress) ||
		h->qos_unknown ? &c->qos_take : &c->qos_free, AG_QOS_PORT_SET, w->vni);
	a->port = w;
	a->qos_dirs = dirs;
	a->qos_off_first = off_first;
}

static void diff_port(const char *key, void *arg)
{
	struct diff_ctx *c = arg;
	const struct ag_port *w = hmap_get(&c->want->ports, key);
	const struct ag_port *h = hmap_get(&c->have->ports, key);
	const struct ag_link *link = hmap_get(c->links, key);
	struct ag_action *a;

	if (h)
		h = kept(c, h, h->vni);
	if (!link) {
		/* No device: no port in the kernel either; desired, it waits. */
		if (w)
			c->plan->pending++;
		return;
	}
	if (h && (!w || !ag_port_equal(w, h))) {
		a = add(c->plan, AG_PORT_DEL, h->vni);
		a->port = h;
		a->ifindex = link->ifindex;
		c->qos_gc |= port_has_qos(h);
		h = NULL;
	}
	if (!w)
		return;
	if (!h) {
		a = add(c->plan, AG_PORT_ADD, w->vni);
		a->port = w;
		a->ifindex = link->ifindex;
	}
	diff_pairs(c, w, h, link->ifindex);
	if (!link->up) {
		a = add(c->plan, AG_LINK_UP, w->vni);
		a->port = w;
		a->ifindex = link->ifindex;
	}
	diff_qos(c, w, h);
}

static void diff_map(const char *key, void *arg)
{
	struct diff_ctx *c = arg;
	const struct ag_mapping *w = hmap_get(&c->want->maps, key);
	const struct ag_mapping *h = hmap_get(&c->have->maps, key);

	if (h)
		h = kept(c, h, h->vni);
	if (!w && h)
		add(c->plan, AG_MAP_DEL, h->vni)->map = h;
	else if (w && (!h || !ag_map_equal(w, h)))
		add(c->plan, AG_MAP_SET, w->vni)->map = w;
}

/* Append the QoS changes of FROM to PLAN. */
static void append(struct ag_plan *plan, const struct ag_plan *from)
{
	for (size_t i = 0; i < from->n; i++)
		*add(plan, from->a[i].op, from->a[i].vni) = from->a[i];
}

/* Plane rates: raised ones into RAISE, lowered ones into LOWER. */
static void diff_rates(const struct ag_state *want, const struct ag_state *have,
		       struct ag_plan *raise, struct ag_plan *lower)
{
	for (unsigned int plane = 0; plane < VPC_PLANES; plane++) {
		struct ag_action *a;

		if (!want->qos_rate[plane] || want->qos_rate[plane] == have->qos_rate[plane])
			continue;
		a = add(want->qos_rate[plane] > have->qos_rate[plane] ? raise : lower,
			AG_QOS_RATE, 0);
		a->qos_rate.plane = plane;
		a->qos_rate.rate = want->qos_rate[plane];
	}
}

void ag_diff(const struct ag_state *want, const struct ag_state *have,
	     const struct hmap *links, const struct ag_dirty *dirty, struct ag_plan *plan)
{
	struct diff_ctx c = { .want = want, .have = have, .links = links, .plan = plan };
	struct ag_plan raise, lower;
	bool all = dirty->all;
	size_t n0;

	hmap_init(&c.deleting);
	ag_plan_init(&c.qos_free);
	ag_plan_init(&c.qos_take);
	ag_plan_init(&raise);
	ag_plan_init(&lower);
	for (unsigned int plane = 0; plane < VPC_PLANES && (all || dirty->underlay); plane++) {
		struct ag_action *a;

		if (!want->underlay[plane] || want->underlay[plane] == have->underlay[plane])
			continue;
		a = add(plan, AG_UNDERLAY_SET, 0);
		a->underlay.plane = plane;
		a->underlay.ip = want->underlay[plane];
	}
	for_keys(&want->vpcs, &have->vpcs, all ? NULL : &dirty->vpcs, diff_vpc, &c);
	for_keys(&want->ports, &have->ports, all ? NULL : &dirty->ports, diff_port, &c);
	for_keys(&want->maps, &have->maps, all ? NULL : &dirty->maps, diff_map, &c);

	if (all || dirty->underlay)
		diff_rates(want, have, &raise, &lower);
	n0 = plan->n;
	append(plan, &raise);
	/* Classes no port has (after a read of the kernel, a port or VPC gone) take room. */
	if (dirty->qos_gc || c.qos_gc)
		add(plan, AG_QOS_GC, 0);
	append(plan, &c.qos_free);
	append(plan, &c.qos_take);
	append(plan, &lower);
	plan->n_qos += plan->n - n0;
	ag_plan_free(&raise);
	ag_plan_free(&lower);
	ag_plan_free(&c.qos_free);
	ag_plan_free(&c.qos_take);
	hmap_free(&c.deleting);
}

uint32_t ag_host_tag(const char *host_id)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*host_id)
		h = (h ^ (unsigned char)*host_id++) * 16777619u;
	return h ? h : 1;
}

uint64_t ag_session(uint32_t tag, uint32_t random)
{
	return (uint64_t)tag << 32 | (random ? random : 1);
}

bool ag_session_ours(uint64_t session, uint32_t tag)
{
	return (uint32_t)(session >> 32) == tag && (uint32_t)session;
}

size_t ag_diff_volumes(const struct ag_state *want, const struct ag_dev *devs, size_t n_devs,
		       uint32_t tag, struct ag_vol_action *out)
{
	size_t n = 0;

	hmap_foreach(&want->volumes, i) {
		const struct ag_volume *v = want->volumes.e[i].val;
		const struct ag_dev *d = NULL;

		for (size_t j = 0; j < n_devs && !d; j++)
			if (ag_session_ours(devs[j].session, tag) && !strcmp(devs[j].name, v->name))
				d = &devs[j];
		if (!d)
			out[n++] = (struct ag_vol_action){ AG_VOL_MAP, v, NULL };
		else if (d->generation < v->generation)
			out[n++] = (struct ag_vol_action){ AG_VOL_REMAP, v, d };
		else if (d->live < d->conns && !d->fenced)
			out[n++] = (struct ag_vol_action){ AG_VOL_RECONNECT, v, d };
	}
	for (size_t j = 0; j < n_devs; j++) {
		bool wanted = false;

		if (!ag_session_ours(devs[j].session, tag))
			continue;
		hmap_foreach(&want->volumes, i)
			if (!strcmp(((const struct ag_volume *)want->volumes.e[i].val)->name,
				    devs[j].name))
				wanted = true;
		if (!wanted)
			out[n++] = (struct ag_vol_action){ AG_VOL_UNMAP, NULL, &devs[j] };
	}
	return n;
}
