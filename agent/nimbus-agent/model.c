// SPDX-License-Identifier: GPL-2.0
/* The agent's pictures of a host's state: see model.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/nimbus-agent/model.h"

static void free_values(struct hmap *m)
{
	hmap_foreach(m, i)
		free(m->e[i].val);
	hmap_free(m);
}

void ag_state_init(struct ag_state *s)
{
	memset(s, 0, sizeof(*s));
	hmap_init(&s->vpcs);
	hmap_init(&s->ports);
	hmap_init(&s->maps);
	hmap_init(&s->volumes);
}

void ag_state_free(struct ag_state *s)
{
	free_values(&s->vpcs);
	free_values(&s->ports);
	free_values(&s->maps);
	free_values(&s->volumes);
	ag_state_init(s);
}

const char *ag_vpc_key(uint32_t vni, char *buf)
{
	snprintf(buf, AG_KEY_LEN, "%u", vni);
	return buf;
}

const char *ag_map_key(uint32_t vni, const struct nb_addr *ip, char *buf)
{
	char a[NB_ADDR_STRLEN];

	snprintf(buf, AG_KEY_LEN, "%u/%s", vni, nb_addr_fmt(ip, a, sizeof(a)));
	return buf;
}

/* Put a malloc'd copy of the LEN bytes at OBJ under KEY, freeing any old one. */
static void put_copy(struct hmap *m, const char *key, const void *obj, size_t len)
{
	void *copy = malloc(len);

	if (!copy)
		abort();
	memcpy(copy, obj, len);
	free(hmap_get(m, key));
	hmap_put(m, key, copy);
}

void ag_put_vpc(struct ag_state *s, const struct ag_vpc *v)
{
	char key[AG_KEY_LEN];

	put_copy(&s->vpcs, ag_vpc_key(v->vni, key), v, sizeof(*v));
}

void ag_put_port(struct ag_state *s, const struct ag_port *p)
{
	put_copy(&s->ports, p->ifname, p, sizeof(*p));
}

void ag_put_map(struct ag_state *s, const struct ag_mapping *m)
{
	char key[AG_KEY_LEN];

	put_copy(&s->maps, ag_map_key(m->vni, &m->ip, key), m, sizeof(*m));
}

void ag_put_volume(struct ag_state *s, const struct ag_volume *v)
{
	put_copy(&s->volumes, v->id, v, sizeof(*v));
}

bool ag_del(struct hmap *m, const char *key)
{
	void *v = hmap_del(m, key);

	free(v);
	return v != NULL;
}

/* Remove the entries of M whose object's VNI (at offset OFF) is VNI. */
static void del_of_vni(struct hmap *m, size_t off, uint32_t vni, struct hmap *gone)
{
	char key[AG_KEY_LEN];

	hmap_foreach(m, i) {
		uint32_t v;

		memcpy(&v, (const char *)m->e[i].val + off, sizeof(v));
		if (v != vni)
			continue;
		snprintf(key, sizeof(key), "%s", m->e[i].key);
		if (gone)
			hmap_put(gone, key, (void *)1);
		ag_del(m, key);
	}
}

void ag_del_vpc(struct ag_state *s, uint32_t vni, struct hmap *gone_ports,
		struct hmap *gone_maps)
{
	char key[AG_KEY_LEN];

	ag_del(&s->vpcs, ag_vpc_key(vni, key));
	del_of_vni(&s->ports, offsetof(struct ag_port, vni), vni, gone_ports);
	del_of_vni(&s->maps, offsetof(struct ag_mapping, vni), vni, gone_maps);
}

static bool prefix_equal(const struct ag_prefix *a, const struct ag_prefix *b)
{
	return a->prefix.plen == b->prefix.plen && nb_addr_eq(&a->prefix.addr, &b->prefix.addr) &&
	       nb_addr_eq(&a->addr, &b->addr);
}

/* Each entry of A is in B (prefix tables hold no duplicates). */
static bool prefixes_within(const struct ag_prefix *a, unsigned int na,
			    const struct ag_prefix *b, unsigned int nb)
{
	for (unsigned int i = 0; i < na; i++) {
		unsigned int j;

		for (j = 0; j < nb && !prefix_equal(&a[i], &b[j]); j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

bool ag_vpc_equal(const struct ag_vpc *a, const struct ag_vpc *b)
{
	return a->vni == b->vni && a->n_subnets == b->n_subnets &&
	       a->n_routes == b->n_routes &&
	       prefixes_within(a->subnets, a->n_subnets, b->subnets, b->n_subnets) &&
	       prefixes_within(a->routes, a->n_routes, b->routes, b->n_routes);
}

static bool nb_prefix_equal(const struct nb_prefix *a, const struct nb_prefix *b)
{
	return a->plen == b->plen && nb_addr_eq(&a->addr, &b->addr);
}

bool ag_port_equal(const struct ag_port *a, const struct ag_port *b)
{
	if (a->vni != b->vni || memcmp(a->mac, b->mac, 6) || a->n_addrs != b->n_addrs)
		return false;
	for (unsigned int i = 0; i < a->n_addrs; i++) {
		unsigned int j;

		for (j = 0; j < b->n_addrs && !nb_prefix_equal(&a->addrs[i], &b->addrs[j]); j++)
			;
		if (j == b->n_addrs)
			return false;
	}
	return true;
}

bool ag_map_equal(const struct ag_mapping *a, const struct ag_mapping *b)
{
	return a->vni == b->vni && nb_addr_eq(&a->ip, &b->ip) && !memcmp(a->mac, b->mac, 6) &&
	       a->host[0] == b->host[0] && a->host[1] == b->host[1];
}

static bool qos_dir_equal(bool a_on, const struct qos_dir *a, bool b_on,
			  const struct qos_dir *b)
{
	return a_on == b_on && (!a_on || (a->min == b->min && a->max == b->max &&
					  a->burst == b->burst));
}

unsigned int ag_qos_diff(const struct ag_qos *a, const struct ag_qos *b)
{
	return (qos_dir_equal(a->egress_on, &a->egress, b->egress_on, &b->egress) ?
		0 : QOS_EGRESS) |
	       (qos_dir_equal(a->ingress_on, &a->ingress, b->ingress_on, &b->ingress) ?
		0 : QOS_INGRESS);
}

const struct ag_pair *ag_port_pair(const struct ag_port *p, const struct nb_addr *ip)
{
	for (unsigned int i = 0; i < p->n_pairs; i++)
		if (nb_addr_eq(&p->pairs[i].ip, ip))
			return &p->pairs[i];
	return NULL;
}

void ag_port_pair_set(struct ag_port *p, const struct ag_pair *pair)
{
	struct ag_pair *old = (struct ag_pair *)ag_port_pair(p, &pair->ip);

	if (old)
		*old = *pair;
	else if (p->n_pairs < VPC_PORT_ALLOWS_MAX)
		p->pairs[p->n_pairs++] = *pair;
}

bool ag_port_pair_del(struct ag_port *p, const struct nb_addr *ip)
{
	const struct ag_pair *old = ag_port_pair(p, ip);

	if (!old)
		return false;
	p->pairs[old - p->pairs] = p->pairs[--p->n_pairs];
	return true;
}

void ag_dirty_init(struct ag_dirty *d)
{
	memset(d, 0, sizeof(*d));
	hmap_init(&d->vpcs);
	hmap_init(&d->ports);
	hmap_init(&d->maps);
}

void ag_dirty_free(struct ag_dirty *d)
{
	hmap_free(&d->vpcs);
	hmap_free(&d->ports);
	hmap_free(&d->maps);
}

void ag_dirty_clear(struct ag_dirty *d)
{
	ag_dirty_free(d);
	ag_dirty_init(d);
}

bool ag_dirty_empty(const struct ag_dirty *d)
{
	return !d->all && !d->underlay && !d->qos_gc && !d->volumes && !d->vpcs.n &&
	       !d->ports.n && !d->maps.n;
}
