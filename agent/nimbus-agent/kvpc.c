// SPDX-License-Identifier: GPL-2.0
/*
 * vpc.ko: read the namespace's whole state into the model (at start and at
 * a resync), carry out a plan (diff.h) through lib/genl's pipeline — one
 * send for up to GENL_PIPE_MAX changes, answered only when they fail — and
 * keep the kernel's model in step with what succeeded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/vpc.h>

#include "lib/log.h"
#include "lib/vpc_nl.h"
#include "agent/nimbus-agent/agent.h"

int kvpc_open(struct agent *a)
{
	return genl_open_pair(&a->vpc, &a->vpc_mon, VPC_GENL_NAME, VPC_MCGRP_NOTIFY);
}

void kvpc_close(struct agent *a)
{
	kqos_close(a);
	genl_close(&a->vpc);
	genl_close(&a->vpc_mon);
	a->vpc_ok = false;
}

/* --- reading ------------------------------------------------------------- */

static int vpc_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	struct ag_state *s = data;
	struct ag_vpc *v;

	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID])
		return MNL_CB_OK;
	v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	v->vni = mnl_attr_get_u32(tb[VPC_A_NET_ID]);
	ag_put_vpc(s, v);
	free(v);
	return MNL_CB_OK;
}

/* A subnet or route of the dump: appended to its VPC's table. */
static int prefix_dump_cb(const struct nlmsghdr *nlh, struct ag_state *s, uint16_t addr_attr)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	char key[AG_KEY_LEN];
	struct ag_prefix e;
	struct ag_vpc *v;
	uint8_t plen, aplen;
	unsigned int *n;
	struct ag_prefix *tab;

	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID] || !tb[VPC_A_PREFIX] || !tb[addr_attr] ||
	    vpc_get_addr(tb[VPC_A_PREFIX], &e.prefix.addr, &plen) ||
	    vpc_get_addr(tb[addr_attr], &e.addr, &aplen))
		return MNL_CB_OK;
	e.prefix.plen = plen;
	v = hmap_get(&s->vpcs, ag_vpc_key(mnl_attr_get_u32(tb[VPC_A_NET_ID]), key));
	if (!v)
		return MNL_CB_OK;
	n = addr_attr == VPC_A_GW ? &v->n_subnets : &v->n_routes;
	tab = addr_attr == VPC_A_GW ? v->subnets : v->routes;
	if (*n < VPC_SUBNETS_MAX)
		tab[(*n)++] = e;
	return MNL_CB_OK;
}

static int subnet_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	return prefix_dump_cb(nlh, data, VPC_A_GW);
}

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	return prefix_dump_cb(nlh, data, VPC_A_VIA);
}

static int underlay_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	struct ag_state *s = data;

	genl_parse(nlh, tb, VPC_A_MAX);
	s->underlay[0] = tb[VPC_A_LOCAL] ? mnl_attr_get_u32(tb[VPC_A_LOCAL]) : 0;
	s->underlay[1] = tb[VPC_A_LOCAL1] ? mnl_attr_get_u32(tb[VPC_A_LOCAL1]) : 0;
	return MNL_CB_OK;
}

static int port_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	struct ag_state *s = data;
	const struct nlattr *attr;
	struct ag_port p = { 0 };

	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_IFNAME] || !tb[VPC_A_NET_ID] || !tb[VPC_A_MAC] ||
	    mnl_attr_get_payload_len(tb[VPC_A_MAC]) != 6)
		return MNL_CB_OK;
	snprintf(p.ifname, sizeof(p.ifname), "%s", mnl_attr_get_str(tb[VPC_A_IFNAME]));
	p.vni = mnl_attr_get_u32(tb[VPC_A_NET_ID]);
	memcpy(p.mac, mnl_attr_get_payload(tb[VPC_A_MAC]), 6);
	/* QoS switched on: its rates are read from its classes (kqos_read()). */
	if (tb[VPC_A_QOS_CLASS])
		p.qos_class = mnl_attr_get_u32(tb[VPC_A_QOS_CLASS]);
	p.qos_unknown = (tb[VPC_A_QOS_EGRESS] && mnl_attr_get_u8(tb[VPC_A_QOS_EGRESS])) ||
			(tb[VPC_A_QOS_INGRESS] && mnl_attr_get_u8(tb[VPC_A_QOS_INGRESS]));
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		struct ag_pair pair = { 0 };
		uint8_t plen;

		if (mnl_attr_get_type(attr) == VPC_A_ALLOW &&
		    !vpc_get_addr(attr, &pair.ip, &plen)) {
			pair.has_mac = vpc_get_pair_mac(attr, pair.mac) == 1;
			ag_port_pair_set(&p, &pair);
			continue;
		}
		if (mnl_attr_get_type(attr) != VPC_A_ADDR || p.n_addrs == VPC_PORT_ADDRS_MAX ||
		    vpc_get_addr(attr, &p.addrs[p.n_addrs].addr, &plen))
			continue;
		p.addrs[p.n_addrs++].plen = plen;
	}
	ag_put_port(s, &p);
	return MNL_CB_OK;
}

/* A mapping of a dump or a notification; 0 or -EINVAL. */
static int map_from_msg(const struct nlmsghdr *nlh, struct ag_mapping *m)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };

	memset(m, 0, sizeof(*m));
	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID] || !tb[VPC_A_MAC] || !tb[VPC_A_HOST] ||
	    mnl_attr_get_payload_len(tb[VPC_A_MAC]) != 6)
		return -EINVAL;
	m->vni = mnl_attr_get_u32(tb[VPC_A_NET_ID]);
	if (tb[VPC_A_IP] && mnl_attr_get_payload_len(tb[VPC_A_IP]) == 4) {
		m->ip.family = AF_INET;
		memcpy(m->ip.b, mnl_attr_get_payload(tb[VPC_A_IP]), 4);
	} else if (tb[VPC_A_IP6] && mnl_attr_get_payload_len(tb[VPC_A_IP6]) == 16) {
		m->ip.family = AF_INET6;
		memcpy(m->ip.b, mnl_attr_get_payload(tb[VPC_A_IP6]), 16);
	} else {
		return -EINVAL;
	}
	memcpy(m->mac, mnl_attr_get_payload(tb[VPC_A_MAC]), 6);
	m->host[0] = mnl_attr_get_u32(tb[VPC_A_HOST]);
	m->host[1] = tb[VPC_A_HOST1] ? mnl_attr_get_u32(tb[VPC_A_HOST1]) : 0;
	return 0;
}

static int map_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ag_mapping m;

	if (!map_from_msg(nlh, &m))
		ag_put_map(data, &m);
	return MNL_CB_OK;
}

static int dump(struct agent *a, uint8_t cmd, uint16_t flags, mnl_cb_t cb, struct ag_state *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_msg(&a->vpc, buf, cmd, NLM_F_REQUEST | flags);

	return genl_talk(&a->vpc, nlh, cb, s);
}

int kvpc_read(struct agent *a)
{
	struct ag_state s;
	int ret = -EINTR;

	/* A dump that changed under us (NLM_F_DUMP_INTR) is read again. */
	for (int tries = 0; tries < 5 && ret == -EINTR; tries++) {
		ag_state_init(&s);
		ret = dump(a, VPC_CMD_UNDERLAY_GET, NLM_F_ACK, underlay_cb, &s);
		if (!ret)
			ret = dump(a, VPC_CMD_NET_GET, NLM_F_DUMP, vpc_dump_cb, &s);
		if (!ret)
			ret = dump(a, VPC_CMD_SUBNET_GET, NLM_F_DUMP, subnet_dump_cb, &s);
		if (!ret)
			ret = dump(a, VPC_CMD_ROUTE_GET, NLM_F_DUMP, route_dump_cb, &s);
		if (!ret)
			ret = dump(a, VPC_CMD_PORT_GET, NLM_F_DUMP, port_dump_cb, &s);
		if (!ret)
			ret = dump(a, VPC_CMD_MAP_GET, NLM_F_DUMP, map_dump_cb, &s);
		if (ret)
			ag_state_free(&s);
	}
	if (ret)
		return ret;
	kqos_read(a, &s);
	ag_state_free(&a->have);
	a->have = s;
	a->kernel_read = true;
	return 0;
}

/* --- applying ------------------------------------------------------------ */

/* The request for action X into BUF; NULL for what is no vpc.ko request. */
static struct nlmsghdr *build(struct genl_sock *gs, char *buf, const struct ag_action *x)
{
	static const uint8_t cmds[] = {
		[AG_UNDERLAY_SET] = VPC_CMD_UNDERLAY_SET, [AG_NET_ADD] = VPC_CMD_NET_NEW,
		[AG_NET_DEL] = VPC_CMD_NET_DEL, [AG_ROUTE_DEL] = VPC_CMD_ROUTE_DEL,
		[AG_SUBNET_DEL] = VPC_CMD_SUBNET_DEL, [AG_SUBNET_ADD] = VPC_CMD_SUBNET_NEW,
		[AG_ROUTE_ADD] = VPC_CMD_ROUTE_NEW, [AG_PORT_DEL] = VPC_CMD_PORT_DEL,
		[AG_PORT_ADD] = VPC_CMD_PORT_NEW, [AG_MAP_DEL] = VPC_CMD_MAP_DEL,
		[AG_MAP_SET] = VPC_CMD_MAP_NEW, [AG_PAIR_ALLOW] = VPC_CMD_PORT_SET,
		[AG_PAIR_DISALLOW] = VPC_CMD_PORT_SET,
	};
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	struct nlmsghdr *nlh;
	char name[VPC_NAME_MAXLEN];

	if (x->op == AG_LINK_UP || ag_op_qos(x->op))
		return NULL;
	if (x->op == AG_MAP_SET)
		flags |= NLM_F_CREATE | NLM_F_REPLACE;
	nlh = genl_msg(gs, buf, cmds[x->op], flags);
	switch (x->op) {
	case AG_UNDERLAY_SET:
		mnl_attr_put_u32(nlh, x->underlay.plane ? VPC_A_LOCAL1 : VPC_A_LOCAL, x->underlay.ip);
		break;
	case AG_NET_ADD:
		/* The controller's id names the VPC in `vpc net show`. */
		memcpy(name, x->vpc->id, sizeof(name) - 1);	/* ids are shorter; cut if not */
		name[sizeof(name) - 1] = '\0';
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, x->vni);
		mnl_attr_put_strz(nlh, VPC_A_NET_NAME, name);
		break;
	case AG_NET_DEL:
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, x->vni);
		break;
	case AG_SUBNET_ADD:
	case AG_ROUTE_ADD:
		vpc_put_addr(nlh, x->op == AG_SUBNET_ADD ? VPC_A_GW : VPC_A_VIA, &x->prefix.addr,
			     (uint8_t)nb_addr_bits(x->prefix.addr.family));
		/* fallthrough */
	case AG_SUBNET_DEL:
	case AG_ROUTE_DEL:
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, x->vni);
		vpc_put_addr(nlh, VPC_A_PREFIX, &x->prefix.prefix.addr,
			     (uint8_t)x->prefix.prefix.plen);
		break;
	case AG_PORT_ADD:
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, x->vni);
		mnl_attr_put(nlh, VPC_A_MAC, 6, x->port->mac);
		for (unsigned int i = 0; i < x->port->n_addrs; i++)
			vpc_put_addr(nlh, VPC_A_ADDR, &x->port->addrs[i].addr,
				     (uint8_t)x->port->addrs[i].plen);
		/* fallthrough */
	case AG_PORT_DEL:
		mnl_attr_put_u32(nlh, VPC_A_IFINDEX, x->ifindex);
		break;
	case AG_PAIR_ALLOW:
	case AG_PAIR_DISALLOW:
		/* What `vpc port set dev IFACE allow ip ADDR [mac MAC]` sends. */
		mnl_attr_put_u32(nlh, VPC_A_IFINDEX, x->ifindex);
		vpc_put_pair(nlh, x->op == AG_PAIR_ALLOW ? VPC_A_ALLOW : VPC_A_DISALLOW,
			     &x->pair.ip, x->op == AG_PAIR_ALLOW && x->pair.has_mac ?
			     x->pair.mac : NULL);
		break;
	case AG_MAP_SET:
		mnl_attr_put(nlh, VPC_A_MAC, 6, x->map->mac);
		mnl_attr_put_u32(nlh, VPC_A_HOST, x->map->host[0]);
		if (x->map->host[1])
			mnl_attr_put_u32(nlh, VPC_A_HOST1, x->map->host[1]);
		/* fallthrough */
	case AG_MAP_DEL:
		mnl_attr_put_u32(nlh, VPC_A_NET_ID, x->vni);
		vpc_put_ip(nlh, &x->map->ip);
		break;
	default:
		break;
	}
	return nlh;
}

/* The error key of action X ("map 7/10.0.0.3") and what it did, for messages. */
static void describe(const struct ag_action *x, char *key, size_t keylen, const char **verb)
{
	char k[AG_KEY_LEN], p[NB_PREFIX_STRLEN];

	switch (x->op) {
	case AG_UNDERLAY_SET:
		snprintf(key, keylen, "underlay plane %u", x->underlay.plane);
		*verb = "set";
		return;
	case AG_NET_ADD:
	case AG_NET_DEL:
		snprintf(key, keylen, "vpc %u", x->vni);
		break;
	case AG_SUBNET_ADD:
	case AG_SUBNET_DEL:
	case AG_ROUTE_ADD:
	case AG_ROUTE_DEL:
		nb_prefix_fmt(&x->prefix.prefix, p, sizeof(p));
		snprintf(key, keylen, "vpc %u %s %s", x->vni,
			 x->op == AG_SUBNET_ADD || x->op == AG_SUBNET_DEL ? "subnet" : "route", p);
		break;
	case AG_PORT_ADD:
	case AG_PORT_DEL:
	case AG_LINK_UP:
	case AG_PAIR_ALLOW:
	case AG_PAIR_DISALLOW:
		snprintf(key, keylen, "port %s", x->port->ifname);
		break;
	case AG_MAP_SET:
	case AG_MAP_DEL:
		snprintf(key, keylen, "map %s", ag_map_key(x->vni, &x->map->ip, k));
		break;
	default:	/* QoS: kqos.c */
		snprintf(key, keylen, "qos");
		break;
	}
	*verb = x->op == AG_NET_DEL || x->op == AG_SUBNET_DEL || x->op == AG_ROUTE_DEL ||
		x->op == AG_PORT_DEL || x->op == AG_MAP_DEL ? "delete" :
		x->op == AG_LINK_UP ? "bring up" : x->op == AG_MAP_SET ? "set" :
		x->op == AG_PAIR_ALLOW ? "allow a pair on" :
		x->op == AG_PAIR_DISALLOW ? "disallow a pair on" : "add";
}

static void prefix_remove(struct ag_prefix *tab, unsigned int *n, const struct ag_prefix *e)
{
	for (unsigned int i = 0; i < *n; i++) {
		if (tab[i].prefix.plen == e->prefix.plen &&
		    nb_addr_eq(&tab[i].prefix.addr, &e->prefix.addr)) {
			tab[i] = tab[--*n];
			return;
		}
	}
}

/* Action X succeeded: the kernel's model follows. */
static void applied(struct agent *a, const struct ag_action *x)
{
	struct ag_state *h = &a->have;
	char key[AG_KEY_LEN];
	struct ag_vpc *v = hmap_get(&h->vpcs, ag_vpc_key(x->vni, key));
	struct ag_port port, *p;

	switch (x->op) {
	case AG_UNDERLAY_SET:
		h->underlay[x->underlay.plane] = x->underlay.ip;
		break;
	case AG_NET_ADD:
		v = calloc(1, sizeof(*v));
		if (!v)
			abort();
		v->vni = x->vni;
		ag_put_vpc(h, v);
		free(v);
		break;
	case AG_NET_DEL:
		ag_del_vpc(h, x->vni, NULL, NULL);
		break;
	case AG_SUBNET_ADD:
		if (v && v->n_subnets < VPC_SUBNETS_MAX)
			v->subnets[v->n_subnets++] = x->prefix;
		break;
	case AG_ROUTE_ADD:
		if (v && v->n_routes < VPC_ROUTES_MAX)
			v->routes[v->n_routes++] = x->prefix;
		break;
	case AG_SUBNET_DEL:
		if (v)
			prefix_remove(v->subnets, &v->n_subnets, &x->prefix);
		break;
	case AG_ROUTE_DEL:
		if (v)
			prefix_remove(v->routes, &v->n_routes, &x->prefix);
		break;
	case AG_PORT_DEL:
		snprintf(key, sizeof(key), "%s", x->port->ifname);
		ag_del(&h->ports, key);
		break;
	case AG_PORT_ADD:
		/*
		 * Its pairs and QoS are the actions that follow: the model has
		 * them as they succeed.
		 */
		port = *x->port;
		port.n_pairs = 0;
		memset(&port.qos, 0, sizeof(port.qos));
		port.qos_class = 0;
		port.qos_unknown = false;
		ag_put_port(h, &port);
		break;
	case AG_PAIR_ALLOW:
	case AG_PAIR_DISALLOW:
		p = hmap_get(&h->ports, x->port->ifname);
		if (p && x->op == AG_PAIR_ALLOW)
			ag_port_pair_set(p, &x->pair);
		else if (p)
			ag_port_pair_del(p, &x->pair.ip);
		break;
	case AG_MAP_DEL:
		ag_del(&h->maps, ag_map_key(x->vni, &x->map->ip, key));
		break;
	case AG_MAP_SET:
		ag_put_map(h, x->map);
		break;
	default:
		break;
	}
}

struct batch {
	int *result;			/* per plan action: 0 or -errno */
	size_t index[GENL_PIPE_MAX];	/* pipeline index -> plan action */
	char (*msg)[256];		/* per plan action: the kernel's message */
};

static void batch_failed(unsigned int index, int err, struct genl_sock *gs, void *data)
{
	struct batch *b = data;

	b->result[b->index[index]] = err;
	snprintf(b->msg[b->index[index]], sizeof(b->msg[0]), "%s", gs->extack);
}

/* Send what is queued; a broken exchange fails every action in it. */
static void flush(struct agent *a, struct batch *b, size_t first, size_t last)
{
	int ret = genl_pipe_flush(&a->vpc, batch_failed, b);

	if (ret >= 0)
		return;
	for (size_t i = first; i < last; i++)
		if (!b->result[i]) {
			b->result[i] = ret;
			b->msg[i][0] = '\0';
		}
}

void kvpc_apply(struct agent *a, const struct ag_plan *plan)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], key[128];
	struct batch b = { 0 };
	size_t first = 0;
	const char *verb;

	if (plan->n == plan->n_qos)
		return;
	b.result = calloc(plan->n, sizeof(*b.result));
	b.msg = calloc(plan->n, sizeof(*b.msg));
	if (!b.result || !b.msg)
		abort();
	for (size_t i = 0; i < plan->n; i++) {
		struct nlmsghdr *nlh = build(&a->vpc, buf, &plan->a[i]);
		int idx;

		if (!nlh)
			continue;
		if (genl_pipe_full(&a->vpc)) {
			flush(a, &b, first, i);
			first = i;
		}
		idx = genl_pipe_add(&a->vpc, nlh);
		if (idx < 0) {
			b.result[i] = idx;
			continue;
		}
		b.index[idx] = i;
	}
	flush(a, &b, first, plan->n);

	for (size_t i = 0; i < plan->n; i++) {
		const struct ag_action *x = &plan->a[i];

		if (ag_op_qos(x->op))
			continue;
		describe(x, key, sizeof(key), &verb);
		if (x->op == AG_LINK_UP)
			b.result[i] = links_set_up(a, x->ifindex);
		a->changes++;
		if (!b.result[i]) {
			if (x->op != AG_LINK_UP)
				ag_error_clear(a, key);
			applied(a, x);
			continue;
		}
		a->change_errors++;
		ag_error_set(a, key, "cannot %s %s: %s%s%s", verb, key, strerror(-b.result[i]),
			     b.msg[i][0] ? ": " : "", b.msg[i]);
	}
	free(b.result);
	free(b.msg);
}

/* --- notifications --------------------------------------------------------- */

static int notify_cb(const struct nlmsghdr *nlh, void *data)
{
	struct agent *a = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != a->vpc_mon.family)
		return MNL_CB_OK;
	a->notifications++;
	/*
	 * The changes vpc.ko notifies are this agent's own, or an operator's
	 * (vpc(8)), which the periodic resync undoes; a port that goes with
	 * its device is seen by links.c.  Only what is no change is news:
	 * misses and claims (notify.c), and commands newer than this agent.
	 */
	if (g->cmd == VPC_CMD_MISS || g->cmd == VPC_CMD_CLAIM || g->cmd > VPC_CMD_MAX)
		notify_vpc(a, nlh, g->cmd);
	return MNL_CB_OK;
}

void kvpc_notified(struct agent *a)
{
	ssize_t len;

	for (;;) {
		len = recv(mnl_socket_get_fd(a->vpc_mon.nl), a->vpc_mon.buf, MNL_SOCKET_BUFFER_SIZE,
			   MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS) {
			/* Lost some: read the kernel again soon rather than trust the model. */
			a->t_resync = ag_now_ms() + 1000;
			continue;
		}
		if (len <= 0)
			return;
		mnl_cb_run(a->vpc_mon.buf, (size_t)len, 0, 0, notify_cb, a);
	}
}

/* --- counters ------------------------------------------------------------ */

struct stats_ctx {
	void (*cb)(const char *ifname, uint32_t vni, const struct nlattr *stats, void *data);
	void *data;
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	struct stats_ctx *c = data;

	genl_parse(nlh, tb, VPC_A_MAX);
	if (tb[VPC_A_IFNAME] && tb[VPC_A_NET_ID] && tb[VPC_A_STATS])
		c->cb(mnl_attr_get_str(tb[VPC_A_IFNAME]), mnl_attr_get_u32(tb[VPC_A_NET_ID]),
		      tb[VPC_A_STATS], c->data);
	return MNL_CB_OK;
}

int kvpc_port_stats(struct agent *a,
		    void (*cb)(const char *ifname, uint32_t vni, const struct nlattr *stats,
			       void *data),
		    void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct stats_ctx c = { cb, data };
	struct nlmsghdr *nlh;

	if (!a->vpc_ok)
		return -ENOENT;
	nlh = genl_msg(&a->vpc, buf, VPC_CMD_PORT_GET, NLM_F_REQUEST | NLM_F_DUMP);
	return genl_talk(&a->vpc, nlh, stats_cb, &c);
}
