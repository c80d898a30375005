// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of nimbus-agent's pure logic: the controller's documents into
 * the model (agent/nimbus-agent/parse.c) and the diff of the desired state
 * against the kernel's (diff.c), the session tags of its cbs devices.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/nimbus-agent/diff.h"

/* Two hosts' worth of state: one VPC, a local port, two remote ones, a volume. */
static const char state_doc[] =
	"{\"revision\": 8,"
	" \"host\": {\"id\": \"h-1\", \"name\": \"hv1\", \"underlay\": [\"192.0.2.1\", \"198.51.100.1\"],"
	"          \"capacity\": 10000000000},"
	" \"vpcs\": [{\"id\": \"vpc-1\", \"vni\": 7,"
	"           \"subnets\": [{\"cidr\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\", \"dns\": [], \"domain\": null},"
	"                         {\"cidr\": \"2001:db8::/64\", \"gateway\": \"2001:db8::1\", \"dns\": [], \"domain\": null}],"
	"           \"routes\": [{\"cidr\": \"0.0.0.0/0\", \"via\": \"10.0.0.5\"}]}],"
	" \"ports\": [{\"id\": \"p-1\", \"vni\": 7, \"ifname\": \"np000000000001\", \"mac\": \"4a:d7:c4:51:64:6b\","
	"            \"ip\": \"10.0.0.2\", \"allowed_address_pairs\": [{\"ip\": \"10.9.0.0/16\"},"
	"             {\"ip\": \"10.0.0.100\", \"mac\": \"00:00:5e:00:01:33\"}],"
	"            \"qos\": {\"egress\": {\"min\": 0, \"max\": 0, \"burst\": 0},"
	"                    \"ingress\": {\"min\": 0, \"max\": 0, \"burst\": 0}}},"
	"           {\"id\": \"p-2\", \"vni\": 7, \"ifname\": \"np000000000002\", \"mac\": \"4a:d7:c4:51:64:6c\","
	"            \"ip\": \"10.0.0.4\", \"allowed_address_pairs\": [], \"qos\": {}}],"
	" \"mappings\": [{\"vni\": 7, \"ip\": \"10.0.0.3\", \"mac\": \"9a:d0:bd:c4:41:df\", \"host\": \"h-2\","
	"               \"underlay\": [\"192.0.2.2\"]},"
	"              {\"vni\": 7, \"ip\": \"2001:db8::3\", \"mac\": \"9a:d0:bd:c4:41:e0\", \"host\": \"h-2\","
	"               \"underlay\": [\"192.0.2.2\", \"198.51.100.2\"]}],"
	" \"volumes\": [{\"id\": \"vol-1\", \"name\": \"vol-1\", \"server\": \"127.0.0.1:7000\", \"token\": \"t0k\","
	"              \"size\": 1073741824, \"block_size\": 4096, \"generation\": 2}]}";

struct fixture {
	struct ag_state want, have;
	struct hmap links;
	struct ag_link link1, link2;
	struct ag_dirty dirty;
	struct ag_plan plan;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	assert_int_equal(ag_parse_state(state_doc, sizeof(state_doc) - 1, &f->want, err,
					sizeof(err)), 0);
	ag_state_init(&f->have);
	hmap_init(&f->links);
	f->link1 = (struct ag_link){ .ifindex = 11, .up = false };
	f->link2 = (struct ag_link){ .ifindex = 12, .up = true };
	hmap_put(&f->links, "np000000000001", &f->link1);
	ag_dirty_init(&f->dirty);
	f->dirty.all = true;
	ag_plan_init(&f->plan);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ag_state_free(&f->want);
	ag_state_free(&f->have);
	hmap_free(&f->links);
	ag_dirty_free(&f->dirty);
	ag_plan_free(&f->plan);
	free(f);
	return 0;
}

/* Make HAVE what the kernel would hold after the plan: a copy of WANT's vpc objects. */
static void have_is_want(struct fixture *f)
{
	ag_state_free(&f->have);
	hmap_foreach(&f->want.vpcs, i)
		ag_put_vpc(&f->have, f->want.vpcs.e[i].val);
	hmap_foreach(&f->want.maps, i)
		ag_put_map(&f->have, f->want.maps.e[i].val);
	hmap_foreach(&f->want.ports, i)
		if (hmap_has(&f->links, f->want.ports.e[i].key))
			ag_put_port(&f->have, f->want.ports.e[i].val);
	memcpy(f->have.underlay, f->want.underlay, sizeof(f->have.underlay));
	memcpy(f->have.qos_rate, f->want.qos_rate, sizeof(f->have.qos_rate));
	f->link1.up = true;
}

static size_t count(const struct ag_plan *p, enum ag_op op)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->a[i].op == op;
	return n;
}

static void parse_state(void **state)
{
	struct fixture *f = *state;
	const struct ag_port *p = hmap_get(&f->want.ports, "np000000000001");
	const struct ag_mapping *m = hmap_get(&f->want.maps, "7/2001:db8::3");
	const struct ag_vpc *v = hmap_get(&f->want.vpcs, "7");
	const struct ag_volume *vol = hmap_get(&f->want.volumes, "vol-1");

	assert_int_equal(f->want.revision, 8);
	assert_string_equal(f->want.host_id, "h-1");
	assert_int_equal(f->want.underlay[0], htonl(0xc0000201));
	assert_int_equal(f->want.underlay[1], htonl(0xc6336401));
	assert_non_null(v);
	assert_int_equal(v->n_subnets, 2);
	assert_int_equal(v->n_routes, 1);
	assert_non_null(p);
	assert_int_equal(p->n_addrs, 2);
	assert_int_equal(p->addrs[0].plen, 32);
	assert_int_equal(p->addrs[1].plen, 16);
	/* A pair of one address is a VIP with its MAC, not an allowed source. */
	assert_int_equal(p->n_pairs, 1);
	assert_true(p->pairs[0].has_mac);
	assert_int_equal(p->pairs[0].mac[5], 0x33);
	assert_non_null(m);
	assert_int_equal(m->host[1], htonl(0xc6336402));
	assert_non_null(vol);
	assert_int_equal(vol->generation, 2);
	assert_int_equal(f->want.ports.n, 2);
	assert_int_equal(f->want.maps.n, 2);
}

/* Documents that must be refused whole. */
static void parse_bad_state(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"revision\": 1",
		"{\"revision\": -1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [], \"ports\": [], \"mappings\": [], \"volumes\": []}",
		/* no volumes */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [], \"ports\": [], \"mappings\": []}",
		/* an underlay that is no IPv4 */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"2001:db8::1\"]},"
		" \"vpcs\": [], \"ports\": [], \"mappings\": [], \"volumes\": []}",
		/* a VNI out of range */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [{\"id\": \"v\", \"vni\": 16777216, \"subnets\": [], \"routes\": []}],"
		" \"ports\": [], \"mappings\": [], \"volumes\": []}",
		/* a mapping with a bad MAC */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [], \"ports\": [], \"volumes\": [],"
		" \"mappings\": [{\"vni\": 1, \"ip\": \"10.0.0.3\", \"mac\": \"9a:d0:bd:c4:41\", \"host\": \"x\","
		"   \"underlay\": [\"192.0.2.2\"]}]}",
		/* a subnet with host bits */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [{\"id\": \"v\", \"vni\": 1, \"subnets\": [{\"cidr\": \"10.0.0.1/24\", \"gateway\": \"10.0.0.1\"}],"
		"   \"routes\": []}], \"ports\": [], \"mappings\": [], \"volumes\": []}",
		/* a device name too long */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [], \"mappings\": [], \"volumes\": [],"
		" \"ports\": [{\"id\": \"p\", \"vni\": 1, \"ifname\": \"np0123456789abcdef\", \"mac\": \"02:00:00:00:00:01\","
		"   \"ip\": \"10.0.0.2\", \"allowed_address_pairs\": []}]}",
		/* a MAC for a prefix pair */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [], \"mappings\": [], \"volumes\": [],"
		" \"ports\": [{\"id\": \"p\", \"vni\": 1, \"ifname\": \"np0123456789ab\", \"mac\": \"02:00:00:00:00:01\","
		"   \"ip\": \"10.0.0.2\", \"allowed_address_pairs\": [{\"ip\": \"10.9.0.0/16\", \"mac\": \"02:00:00:00:00:02\"}]}]}",
		/* a VIP pair given twice */
		"{\"revision\": 1, \"host\": {\"id\": \"h\", \"underlay\": [\"192.0.2.1\"]},"
		" \"vpcs\": [], \"mappings\": [], \"volumes\": [],"
		" \"ports\": [{\"id\": \"p\", \"vni\": 1, \"ifname\": \"np0123456789ab\", \"mac\": \"02:00:00:00:00:01\","
		"   \"ip\": \"10.0.0.2\", \"allowed_address_pairs\": [{\"ip\": \"10.0.0.9\"}, {\"ip\": \"10.0.0.9\"}]}]}",
		/* duplicate keys */
		"{\"revision\": 1, \"revision\": 2}",
	};
	struct ag_state s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ag_parse_state(bad[i], strlen(bad[i]), &s, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		/* Nothing is left behind (valgrind checks the frees). */
		assert_int_equal(s.vpcs.n + s.ports.n + s.maps.n + s.volumes.n, 0);
	}
}

/* The first reconcile creates everything; the same state again, nothing. */
static void first_then_empty(void **state)
{
	struct fixture *f = *state;

	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(count(&f->plan, AG_UNDERLAY_SET), 2);
	assert_int_equal(count(&f->plan, AG_NET_ADD), 1);
	assert_int_equal(count(&f->plan, AG_SUBNET_ADD), 2);
	assert_int_equal(count(&f->plan, AG_ROUTE_ADD), 1);
	assert_int_equal(count(&f->plan, AG_PORT_ADD), 1);
	assert_int_equal(count(&f->plan, AG_PAIR_ALLOW), 1);
	assert_int_equal(count(&f->plan, AG_LINK_UP), 1);
	assert_int_equal(count(&f->plan, AG_MAP_SET), 2);
	assert_int_equal(f->plan.pending, 1);
	/* The order the kernel needs: the VPC, its subnets before its routes. */
	assert_int_equal(f->plan.a[0].op, AG_UNDERLAY_SET);
	assert_int_equal(f->plan.a[2].op, AG_NET_ADD);
	assert_int_equal(f->plan.a[3].op, AG_SUBNET_ADD);
	assert_int_equal(f->plan.a[5].op, AG_ROUTE_ADD);
	assert_int_equal(f->plan.a[6].op, AG_PORT_ADD);
	assert_int_equal(f->plan.a[6].ifindex, 11);
	assert_int_equal(f->plan.a[7].op, AG_PAIR_ALLOW);
	assert_int_equal(f->plan.a[7].ifindex, 11);

	have_is_want(f);
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 0);
	assert_int_equal(f->plan.pending, 1);
}

/* A replaced mapping is the one change; so with only its key dirty. */
static void replaced_mapping(void **state)
{
	struct fixture *f = *state;
	struct ag_mapping m = *(const struct ag_mapping *)hmap_get(&f->want.maps, "7/10.0.0.3");

	have_is_want(f);
	m.host[0] = htonl(0xc0000209);
	ag_put_map(&f->want, &m);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(f->plan.a[0].op, AG_MAP_SET);
	assert_int_equal(f->plan.a[0].map->host[0], htonl(0xc0000209));

	ag_plan_free(&f->plan);
	f->dirty.all = false;
	hmap_put(&f->dirty.maps, "7/10.0.0.3", (void *)1);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(f->plan.a[0].op, AG_MAP_SET);
}

/*
 * A port's pairs change without the port's deletion: one disallowed, one
 * allowed, a MAC changed; an equal pair set, nothing.
 */
static void pairs_changed(void **state)
{
	struct fixture *f = *state;
	struct ag_port p = *(const struct ag_port *)hmap_get(&f->want.ports, "np000000000001");
	struct ag_pair vip2 = { .has_mac = false };

	have_is_want(f);
	assert_int_equal(nb_addr_parse("10.0.0.101", &vip2.ip), 0);
	p.n_pairs = 0;
	ag_port_pair_set(&p, &vip2);
	ag_put_port(&f->want, &p);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 2);
	assert_int_equal(f->plan.a[0].op, AG_PAIR_DISALLOW);
	assert_int_equal(f->plan.a[0].pair.ip.b[3], 100);
	assert_int_equal(f->plan.a[1].op, AG_PAIR_ALLOW);
	assert_int_equal(f->plan.a[1].pair.ip.b[3], 101);
	assert_int_equal(f->plan.a[1].ifindex, 11);

	/* The same address with a MAC now: allowed again (vpc.ko replaces it). */
	ag_put_port(&f->have, &p);
	vip2.has_mac = true;
	vip2.mac[5] = 7;
	ag_port_pair_set(&p, &vip2);
	ag_put_port(&f->want, &p);
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(f->plan.a[0].op, AG_PAIR_ALLOW);
	assert_true(f->plan.a[0].pair.has_mac);

	ag_put_port(&f->have, &p);
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 0);
}

/* What the kernel has and the desired state does not goes; only that. */
static void extra_objects_removed(void **state)
{
	struct fixture *f = *state;
	struct ag_mapping m = { .vni = 7, .mac = { 2, 0, 0, 0, 0, 9 }, .host = { 1 } };
	struct ag_vpc v = { .vni = 9 };
	struct ag_vpc *v7;
	struct ag_port *p;

	have_is_want(f);
	nb_addr_parse("10.0.0.99", &m.ip);
	ag_put_map(&f->have, &m);
	/* VPC 9 with a mapping and a port: one deletion takes them all. */
	ag_put_vpc(&f->have, &v);
	m.vni = 9;
	ag_put_map(&f->have, &m);
	hmap_put(&f->links, "np000000000002", &f->link2);
	p = hmap_get(&f->want.ports, "np000000000002");
	ag_put_port(&f->have, p);
	((struct ag_port *)hmap_get(&f->have.ports, "np000000000002"))->vni = 9;
	/* A route the desired state lost. */
	v7 = hmap_get(&f->want.vpcs, "7");
	v7->n_routes = 0;

	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(count(&f->plan, AG_MAP_DEL), 1);
	assert_int_equal(count(&f->plan, AG_NET_DEL), 1);
	assert_int_equal(count(&f->plan, AG_ROUTE_DEL), 1);
	/* The port of VPC 9 goes with its VPC and comes back in VPC 7. */
	assert_int_equal(count(&f->plan, AG_PORT_DEL), 0);
	assert_int_equal(count(&f->plan, AG_PORT_ADD), 1);
	/* Whatever QoS classes VPC 9's ports had are collected. */
	assert_int_equal(count(&f->plan, AG_QOS_GC), 1);
	assert_int_equal(f->plan.n_qos, 1);
	assert_int_equal(f->plan.n, 5);
	for (size_t i = 0; i < f->plan.n; i++)
		if (f->plan.a[i].op == AG_MAP_DEL)
			assert_int_equal(f->plan.a[i].vni, 7);
}

/* A port waits for its device, then is added; a changed one is replaced. */
static void pending_port(void **state)
{
	struct fixture *f = *state;
	struct ag_port *p;

	have_is_want(f);
	f->dirty.all = false;
	hmap_put(&f->dirty.ports, "np000000000002", (void *)1);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 0);
	assert_int_equal(f->plan.pending, 1);

	ag_plan_free(&f->plan);
	hmap_put(&f->links, "np000000000002", &f->link2);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(f->plan.a[0].op, AG_PORT_ADD);
	assert_int_equal(f->plan.a[0].ifindex, 12);
	assert_int_equal(f->plan.pending, 0);

	/* The same port with another allowed address: deleted, added again. */
	ag_put_port(&f->have, f->plan.a[0].port);
	ag_plan_free(&f->plan);
	p = hmap_get(&f->want.ports, "np000000000002");
	p->addrs[p->n_addrs].plen = 32;
	nb_addr_parse("10.1.2.3", &p->addrs[p->n_addrs++].addr);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 2);
	assert_int_equal(f->plan.a[0].op, AG_PORT_DEL);
	assert_int_equal(f->plan.a[1].op, AG_PORT_ADD);
}

static const char events_doc[] =
	"{\"revision\": 12, \"events\": ["
	" {\"revision\": 9, \"type\": \"put\", \"kind\": \"mapping\", \"object\":"
	"  {\"vni\": 7, \"ip\": \"10.0.0.8\", \"mac\": \"fa:25:da:09:97:3b\", \"host\": \"h-3\","
	"   \"underlay\": [\"192.0.2.3\"]}},"
	" {\"revision\": 10, \"type\": \"delete\", \"kind\": \"mapping\", \"object\":"
	"  {\"vni\": 7, \"ip\": \"10.0.0.3\", \"mac\": \"9a:d0:bd:c4:41:df\", \"host\": \"h-2\","
	"   \"underlay\": [\"192.0.2.2\"]}},"
	" {\"revision\": 11, \"type\": \"delete\", \"kind\": \"volume\", \"object\":"
	"  {\"id\": \"vol-1\", \"name\": \"vol-1\", \"server\": \"127.0.0.1:7000\", \"token\": \"t\","
	"   \"size\": 4096, \"block_size\": 4096, \"generation\": 2}},"
	" {\"revision\": 12, \"type\": \"put\", \"kind\": \"host\", \"object\":"
	"  {\"id\": \"h-1\", \"name\": \"hv1\", \"underlay\": [\"192.0.2.11\"], \"capacity\": 1}}]}";

static void events_apply(void **state)
{
	struct fixture *f = *state;
	uint64_t rev = 0;
	char err[256];

	have_is_want(f);
	f->dirty.all = false;
	assert_int_equal(ag_parse_events(events_doc, sizeof(events_doc) - 1, &f->want, &rev,
					 &f->dirty, err, sizeof(err)), 0);
	assert_int_equal(rev, 12);
	assert_int_equal(f->want.revision, 12);
	assert_true(hmap_has(&f->want.maps, "7/10.0.0.8"));
	assert_false(hmap_has(&f->want.maps, "7/10.0.0.3"));
	assert_int_equal(f->want.volumes.n, 0);
	assert_int_equal(f->dirty.maps.n, 2);
	assert_true(f->dirty.volumes);
	assert_true(f->dirty.underlay);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(count(&f->plan, AG_MAP_SET), 1);
	assert_int_equal(count(&f->plan, AG_MAP_DEL), 1);
	assert_int_equal(count(&f->plan, AG_UNDERLAY_SET), 1);
	/* Capacity 1 bit/s: plane 0's rate is 1 byte/s; there is no plane 1 now. */
	assert_int_equal(count(&f->plan, AG_QOS_RATE), 1);
	assert_int_equal(f->plan.a[3].op, AG_QOS_RATE);
	assert_int_equal(f->plan.a[3].qos_rate.plane, 0);
	assert_int_equal(f->plan.a[3].qos_rate.rate, 1);
	assert_int_equal(f->plan.n, 4);
}

/* A VPC's deletion takes its ports and mappings out of the desired state. */
static void events_vpc_delete(void **state)
{
	static const char doc[] =
		"{\"revision\": 9, \"events\": [{\"revision\": 9, \"type\": \"delete\", \"kind\": \"vpc\","
		" \"object\": {\"id\": \"vpc-1\", \"vni\": 7, \"subnets\": [], \"routes\": []}}]}";
	struct fixture *f = *state;
	uint64_t rev;
	char err[256];

	have_is_want(f);
	f->dirty.all = false;
	assert_int_equal(ag_parse_events(doc, sizeof(doc) - 1, &f->want, &rev, &f->dirty, err,
					 sizeof(err)), 0);
	assert_int_equal(f->want.vpcs.n + f->want.ports.n + f->want.maps.n, 0);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 2);
	assert_int_equal(f->plan.a[0].op, AG_NET_DEL);
	assert_int_equal(f->plan.a[0].vni, 7);
	assert_int_equal(f->plan.a[1].op, AG_QOS_GC);
}

/* The plan's only action of OP, or fail. */
static const struct ag_action *only(const struct ag_plan *p, enum ag_op op)
{
	const struct ag_action *a = NULL;

	for (size_t i = 0; i < p->n; i++) {
		if (p->a[i].op != op)
			continue;
		assert_null(a);
		a = &p->a[i];
	}
	assert_non_null(a);
	return a;
}

/*
 * QoS: parsed (bits/s to bytes/s), set after the port's add, changed in
 * place without the port's deletion, turned off; rates from the capacity;
 * the room freed before it is taken; a port gone, its classes collected.
 */
static void qos_changes(void **state)
{
	static const char port_doc[] =
		"{\"id\": \"p-9\", \"vni\": 7, \"ifname\": \"np000000000001\", \"mac\": \"4a:d7:c4:51:64:6b\","
		" \"ip\": \"10.0.0.2\", \"allowed_address_pairs\": [],"
		" \"qos\": {\"egress\": {\"min\": 12000000, \"max\": 40000000, \"burst\": 0},"
		"         \"ingress\": {\"min\": 0, \"max\": 8000000, \"burst\": 20000}}}";
	struct fixture *f = *state;
	struct ag_port p, *h;
	const struct ag_action *a;
	json_t *o = json_loads(port_doc, 0, NULL);
	char err[256];

	/* 10 Gbit/s a plane, both planes. */
	assert_int_equal(f->want.qos_rate[0], 1250000000);
	assert_int_equal(f->want.qos_rate[1], 1250000000);
	assert_non_null(o);
	assert_int_equal(ag_parse_port(o, &p, err, sizeof(err)), 0);
	json_decref(o);
	assert_true(p.qos.egress_on);
	assert_int_equal(p.qos.egress.min, 1500000);
	assert_int_equal(p.qos.egress.max, 5000000);
	assert_true(p.qos.ingress_on);
	assert_int_equal(p.qos.ingress.min, 0);
	assert_int_equal(p.qos.ingress.max, 1000000);
	assert_int_equal(p.qos.ingress.burst, 20000);
	/* The fixture's port np000000000001 has none (zeros): nothing for it. */
	h = hmap_get(&f->want.ports, "np000000000001");
	assert_false(ag_qos_any(&h->qos));
	ag_put_port(&f->want, &p);

	/* Everything new: rates first among the QoS changes, the port's set last. */
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n_qos, 3);
	assert_int_equal(f->plan.a[f->plan.n - 3].op, AG_QOS_RATE);
	assert_int_equal(f->plan.a[f->plan.n - 2].op, AG_QOS_RATE);
	a = only(&f->plan, AG_QOS_PORT_SET);
	assert_ptr_equal(a, &f->plan.a[f->plan.n - 1]);
	assert_int_equal(a->qos_dirs, QOS_EGRESS | QOS_INGRESS);
	assert_false(a->qos_off_first);
	assert_string_equal(a->port->ifname, "np000000000001");

	/* The same QoS in the kernel: nothing; not even a full look. */
	have_is_want(f);
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 0);

	/* A lower egress max: that direction, in place (no port deletion). */
	f->dirty.all = false;
	hmap_put(&f->dirty.ports, "np000000000001", (void *)1);
	h = hmap_get(&f->want.ports, "np000000000001");
	h->qos.egress.max = 4000000;
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(f->plan.a[0].op, AG_QOS_PORT_SET);
	assert_int_equal(f->plan.a[0].qos_dirs, QOS_EGRESS);

	/* Ingress off, egress kept: off first, then egress again. */
	memset(&h->qos.ingress, 0, sizeof(h->qos.ingress));
	h->qos.ingress_on = false;
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	a = only(&f->plan, AG_QOS_PORT_SET);
	assert_true(a->qos_off_first);
	assert_int_equal(a->qos_dirs, QOS_EGRESS);

	/* No QoS at all: off. */
	memset(&h->qos, 0, sizeof(h->qos));
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 1);
	assert_int_equal(f->plan.a[0].op, AG_QOS_PORT_OFF);

	/* QoS the kernel could not tell: set again, every direction wanted. */
	h->qos = p.qos;
	((struct ag_port *)hmap_get(&f->have.ports, "np000000000001"))->qos_unknown = true;
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	a = only(&f->plan, AG_QOS_PORT_SET);
	assert_int_equal(a->qos_dirs, QOS_EGRESS | QOS_INGRESS);
	((struct ag_port *)hmap_get(&f->have.ports, "np000000000001"))->qos_unknown = false;

	/* A raised min waits for a lowered one, which may free the room. */
	hmap_put(&f->links, "np000000000002", &f->link2);
	hmap_put(&f->dirty.ports, "np000000000002", (void *)1);
	p = *(const struct ag_port *)hmap_get(&f->want.ports, "np000000000002");
	p.qos.egress_on = true;
	p.qos.egress.min = 1000;
	ag_put_port(&f->have, &p);
	p.qos.egress.min = 2000;
	ag_put_port(&f->want, &p);
	h->qos.egress.min = 1000;
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.n, 2);
	assert_string_equal(f->plan.a[0].port->ifname, "np000000000001");
	assert_string_equal(f->plan.a[1].port->ifname, "np000000000002");

	/* A port with QoS deleted: its classes collected; a lower capacity, last. */
	ag_del(&f->want.ports, "np000000000002");
	f->want.qos_rate[0] = 1000;
	f->dirty.underlay = true;
	ag_plan_free(&f->plan);
	ag_diff(&f->want, &f->have, &f->links, &f->dirty, &f->plan);
	assert_int_equal(f->plan.a[0].op, AG_PORT_DEL);
	assert_int_equal(f->plan.a[1].op, AG_QOS_GC);
	assert_int_equal(f->plan.a[f->plan.n - 1].op, AG_QOS_RATE);
	assert_int_equal(f->plan.a[f->plan.n - 1].qos_rate.rate, 1000);
}

/* A document with one bad event is refused and changes nothing. */
static void events_bad(void **state)
{
	static const char *const bad[] = {
		"{\"revision\": 12, \"events\": [{\"revision\": 9, \"type\": \"put\", \"kind\": \"mapping\","
		" \"object\": {\"vni\": 7, \"ip\": \"10.0.0.8\", \"mac\": \"fa:25:da:09:97:3b\", \"host\": \"h\","
		" \"underlay\": [\"192.0.2.3\"]}},"
		" {\"revision\": 10, \"type\": \"put\", \"kind\": \"mapping\", \"object\": {\"vni\": 7}}]}",
		"{\"revision\": 12, \"events\": [{\"revision\": 9, \"type\": \"patch\", \"kind\": \"host\","
		" \"object\": {}}]}",
		"{\"revision\": 12, \"events\": [{\"revision\": 9, \"type\": \"put\", \"kind\": \"tenant\","
		" \"object\": {}}]}",
		"{\"revision\": 12, \"events\": {}}",
		"{\"events\": []}",
		"{\"revision\": 12, \"events\": [",
	};
	struct fixture *f = *state;
	uint64_t rev = 5;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ag_parse_events(bad[i], strlen(bad[i]), &f->want, &rev, &f->dirty,
						 err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_int_equal(rev, 5);
		assert_int_equal(f->want.revision, 8);
		assert_int_equal(f->want.maps.n, 2);
		assert_false(hmap_has(&f->want.maps, "7/10.0.0.8"));
	}
}

/* Devices are this host's by their session's tag; others are never touched. */
static void session_tags(void **state)
{
	struct fixture *f = *state;
	uint32_t mine = ag_host_tag("h-1"), theirs = ag_host_tag("h-2");
	struct ag_dev devs[4] = {
		{ .index = 0, .name = "vol-1", .session = ag_session(theirs, 5), .generation = 2,
		  .conns = 2, .live = 0 },
		{ .index = 1, .name = "vol-1", .session = ag_session(mine, 0), .generation = 2,
		  .conns = 2, .live = 1 },
		{ .index = 2, .name = "vol-9", .session = ag_session(mine, 7), .generation = 1,
		  .conns = 2, .live = 2 },
		{ .index = 3, .name = "vol-8", .session = 0x1234, .generation = 1 },
	};
	struct ag_vol_action out[8];
	size_t n;

	assert_int_not_equal(mine, theirs);
	assert_true(ag_session_ours(ag_session(mine, 0), mine));
	assert_int_equal((uint32_t)ag_session(mine, 0), 1);
	assert_false(ag_session_ours(ag_session(theirs, 3), mine));
	assert_false(ag_session_ours((uint64_t)mine << 32, mine));

	n = ag_diff_volumes(&f->want, devs, 4, mine, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].op, AG_VOL_RECONNECT);
	assert_int_equal(out[0].dev->index, 1);
	assert_int_equal(out[1].op, AG_VOL_UNMAP);
	assert_int_equal(out[1].dev->index, 2);

	/* Our device all live: nothing; with an older generation: mapped again. */
	devs[1].live = 2;
	assert_int_equal(ag_diff_volumes(&f->want, devs, 3, mine, out), 1);
	devs[1].generation = 1;
	n = ag_diff_volumes(&f->want, devs, 2, mine, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].op, AG_VOL_REMAP);
	/* No device of ours: map it, even though another host's maps the name. */
	n = ag_diff_volumes(&f->want, devs, 1, mine, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].op, AG_VOL_MAP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parse_state, setup, teardown),
		cmocka_unit_test(parse_bad_state),
		cmocka_unit_test_setup_teardown(first_then_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(replaced_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(pairs_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(extra_objects_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_port, setup, teardown),
		cmocka_unit_test_setup_teardown(events_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(events_vpc_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(events_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(session_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(qos_changes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
