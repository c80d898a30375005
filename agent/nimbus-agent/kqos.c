// SPDX-License-Identifier: GPL-2.0
/*
 * QoS (Documentation/vpc.md, "QoS"), through the library `vpc` shares
 * (agent/qos): the kernel's QoS of the ports read back with the rest of
 * the kernel's state, and the QoS changes of a plan carried out after
 * vpc.ko's: plane rates from the host's capacity, classes of ports that
 * are gone collected, ports' QoS set and turned off.  The library works in
 * the namespace it is called in: every call happens inside the host's.
 *
 * A failed change (an admission refusal above all: the ports' min would
 * not fit) is an error of its object ("qos port IFNAME"), counted, logged
 * when it starts or changes, and tried again at the next reconcile of any
 * kind, not only at the retry timer's: another port's change may have
 * made room.  Never fatal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "agent/nimbus-agent/agent.h"

#define QOS_ERRLEN	512

/* In the host's namespace: the library's context, opened when first needed. */
static int ensure_open(struct agent *a, char *err, size_t errlen)
{
	if (a->qos)
		return 0;
	a->qos = qos_open(err, errlen);
	return a->qos ? 0 : -1;
}

void kqos_close(struct agent *a)
{
	if (a->qos)
		qos_close(a->qos);
	a->qos = NULL;
}

/* The kernel's QoS of port P, from its class; unknown when it cannot be read. */
static void read_port(struct agent *a, struct ag_port *p, char *err, size_t errlen)
{
	struct qos_port q;

	if (!p->qos_class || qos_port_get(a->qos, p->qos_class, &q, NULL, NULL, err, errlen)) {
		p->qos_unknown = true;
		return;
	}
	memset(&p->qos, 0, sizeof(p->qos));
	p->qos.egress_on = q.egress_on;
	p->qos.ingress_on = q.ingress_on;
	if (q.egress_on)
		p->qos.egress = q.egress;
	if (q.ingress_on)
		p->qos.ingress = q.ingress;
	p->qos_unknown = false;
}

void kqos_read(struct agent *a, struct ag_state *s)
{
	char err[QOS_ERRLEN];
	size_t n = 0, unknown = 0;

	/* A fresh snapshot: one dump per tree, then one lookup per port. */
	if (a->qos)
		qos_forget(a->qos);
	hmap_foreach(&s->ports, i) {
		struct ag_port *p = s->ports.e[i].val;

		/* Only a port whose switches vpc.ko reports on has QoS to read. */
		if (!p->qos_unknown)
			continue;
		n++;
		if (ensure_open(a, err, sizeof(err))) {
			unknown++;
			continue;
		}
		read_port(a, p, err, sizeof(err));
		unknown += p->qos_unknown;
	}
	if (unknown)
		nb_log("qos: %zu of %zu port(s) with QoS could not be read back; set again", unknown,
		       n);
}

/* A change failed: counted, its error kept under KEY, tried again (kqos_settled()). */
static void failed(struct agent *a, const char *key, int ret, const char *what,
		   const char *err)
{
	a->change_errors++;
	a->qos_errors++;
	/* The library's admission control refuses with ENOSPC. */
	if (ret == -ENOSPC)
		a->qos_refused++;
	ag_error_set(a, key, "%s: %s", what, err[0] ? err : strerror(-ret));
	hmap_put(&a->qos_failed_now, key, (void *)1);
}

/* The plan's QoS changes, carried out: see kqos_apply(). */
static const struct ag_plan *apply_plan;

static void apply_rate(struct agent *a, const struct ag_action *x)
{
	char err[QOS_ERRLEN] = "", key[64], what[128];
	int ret;

	snprintf(key, sizeof(key), "qos underlay plane %u", x->qos_rate.plane);
	ret = qos_underlay_set(a->qos, x->qos_rate.plane, &x->qos_rate.rate, NULL, err,
			       sizeof(err));
	if (!ret) {
		a->have.qos_rate[x->qos_rate.plane] = x->qos_rate.rate;
		a->qos_room = true;
		return;
	}
	snprintf(what, sizeof(what), "qos: cannot set plane %u's rate to %llu bit/s",
		 x->qos_rate.plane, (unsigned long long)x->qos_rate.rate * 8);
	failed(a, key, ret, what, err);
}

static void apply_gc(struct agent *a)
{
	char err[QOS_ERRLEN] = "";
	int ret = qos_gc(a->qos, err, sizeof(err));

	if (!ret) {
		a->qos_room = true;
		return;
	}
	failed(a, "qos gc", ret, "qos: cannot delete the classes of ports that are gone", err);
}

static void apply_port(struct agent *a, const struct ag_action *x)
{
	char err[QOS_ERRLEN] = "", key[64], what[128];
	struct ag_port *p = hmap_get(&a->have.ports, x->port->ifname);
	const struct ag_qos *q = &x->port->qos;
	int ret = 0;

	/* Not in the kernel: its add failed (an error of its own), or it went. */
	if (!p)
		return;
	snprintf(key, sizeof(key), "qos port %s", p->ifname);
	if (x->op == AG_QOS_PORT_OFF || x->qos_off_first) {
		ret = qos_port_off(a->qos, p->ifname, err, sizeof(err));
		if (!ret) {
			memset(&p->qos, 0, sizeof(p->qos));
			p->qos_unknown = false;
		}
	}
	if (!ret && x->op == AG_QOS_PORT_SET)
		ret = qos_port_set(a->qos, p->ifname, x->qos_dirs, &q->egress, &q->ingress, err,
				   sizeof(err));
	if (ret) {
		snprintf(what, sizeof(what), "qos: cannot %s port %s's QoS",
			 x->op == AG_QOS_PORT_OFF ? "turn off" : "set", p->ifname);
		failed(a, key, ret, what, err);
		return;
	}
	if (x->qos_dirs & QOS_EGRESS) {
		p->qos.egress_on = q->egress_on;
		p->qos.egress = q->egress;
	}
	if (x->qos_dirs & QOS_INGRESS) {
		p->qos.ingress_on = q->ingress_on;
		p->qos.ingress = q->ingress;
	}
	p->qos_unknown = false;
	a->qos_room = true;
}

static int apply_in_netns(struct agent *a)
{
	char err[QOS_ERRLEN];

	if (ensure_open(a, err, sizeof(err))) {
		a->change_errors++;
		a->qos_errors++;
		ag_error_set(a, "qos", "qos: cannot open the QoS library: %s: QoS not applied",
			     err);
		return 0;
	}
	/*
	 * The lock and the state read under it, held for the whole pass: the
	 * first change reads every tree, the others cost what they change.
	 */
	if (qos_hold(a->qos, err, sizeof(err))) {
		a->change_errors++;
		a->qos_errors++;
		ag_error_set(a, "qos", "qos: %s: QoS not applied", err);
		return 0;
	}
	ag_error_clear(a, "qos");
	for (size_t i = 0; i < apply_plan->n; i++) {
		const struct ag_action *x = &apply_plan->a[i];

		if (!ag_op_qos(x->op))
			continue;
		a->changes++;
		a->qos_changes++;
		if (x->op == AG_QOS_RATE)
			apply_rate(a, x);
		else if (x->op == AG_QOS_GC)
			apply_gc(a);
		else
			apply_port(a, x);
	}
	qos_release(a->qos);
	return 0;
}

void kqos_apply(struct agent *a, const struct ag_plan *plan)
{
	int ret;

	if (!plan->n_qos)
		return;
	apply_plan = plan;
	ret = ag_in_netns(a, apply_in_netns);
	apply_plan = NULL;
	if (ret)
		ag_error_set(a, "qos", "qos: cannot enter the host's namespace: %s: QoS not applied",
			     strerror(-ret));
}

/* Which of the failed changes' keys this reconcile looked at again. */
static bool looked_at(const struct agent *a, const char *key)
{
	const struct ag_dirty *d = &a->dirty;

	if (!strncmp(key, "qos port ", 9))
		return d->all || hmap_has(&d->ports, key + 9);
	if (!strncmp(key, "qos underlay ", 13))
		return d->all || d->underlay;
	return d->qos_gc;	/* "qos gc" */
}

/* KEY of a failed change into D, to be looked at again. */
static void redo(struct ag_dirty *d, const char *key)
{
	if (!strncmp(key, "qos port ", 9))
		hmap_put(&d->ports, key + 9, (void *)1);
	else if (!strncmp(key, "qos underlay ", 13))
		d->underlay = true;
	else
		d->qos_gc = true;
}

void kqos_begin(struct agent *a)
{
	/* A full reconcile compares every port and rate; a collection, asked for. */
	if (a->dirty.all && hmap_has(&a->qos_failed, "qos gc"))
		a->dirty.qos_gc = true;
	hmap_init(&a->qos_failed_now);
	a->qos_room = false;
}

void kqos_settled(struct agent *a)
{
	char key[64];

	/*
	 * A failed change looked at again that did not fail again succeeded or
	 * is no longer wanted (the port is gone, its QoS changed back): no error.
	 */
	hmap_foreach(&a->qos_failed, i) {
		snprintf(key, sizeof(key), "%s", a->qos_failed.e[i].key);
		if (!looked_at(a, key) || hmap_has(&a->qos_failed_now, key))
			continue;
		ag_error_clear(a, key);
		hmap_del(&a->qos_failed, key);
	}
	hmap_foreach(&a->qos_failed_now, i)
		hmap_put(&a->qos_failed, a->qos_failed_now.e[i].key, (void *)1);
	hmap_free(&a->qos_failed_now);
}

void kqos_redo(struct agent *a)
{
	/*
	 * A change that succeeded may have made room (a min lowered, a port
	 * gone): what was refused is tried again at once, in the next reconcile.
	 * Otherwise it waits for the retry timer's full reconcile (backoff).
	 */
	if (!a->qos_room)
		return;
	a->qos_room = false;
	hmap_foreach(&a->qos_failed, i)
		redo(&a->dirty, a->qos_failed.e[i].key);
}
