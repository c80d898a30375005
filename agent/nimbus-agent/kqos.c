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

static void key_of(char *key, size_t len, const char *ifname)
{
	snprintf(key, len, "qos port %s", ifname);
}

/* A change failed: counted, its error kept, tried again at the next reconcile. */
static void failed(struct agent *a, const char *key, int ret, const char *what,
		   const char *err)
{
	a->change_errors++;
	a->qos_errors++;
	/* The library's admission control refuses with ENOSPC. */
	if (ret == -ENOSPC)
		a->qos_refused++;
	ag_error_set(a, key, "%s: %s", what, err[0] ? err : strerror(-ret));
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
		ag_error_clear(a, key);
		return;
	}
	snprintf(what, sizeof(what), "qos: cannot set plane %u's rate to %llu bit/s",
		 x->qos_rate.plane, (unsigned long long)x->qos_rate.rate * 8);
	failed(a, key, ret, what, err);
	a->qos_retry_rate = true;
}

static void apply_gc(struct agent *a)
{
	char err[QOS_ERRLEN] = "";
	int ret = qos_gc(a->qos, err, sizeof(err));

	if (!ret) {
		ag_error_clear(a, "qos gc");
		return;
	}
	failed(a, "qos gc", ret, "qos: cannot delete the classes of ports that are gone", err);
	a->qos_retry_gc = true;
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
	key_of(key, sizeof(key), p->ifname);
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
		hmap_put(&a->qos_failed, p->ifname, (void *)1);
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
	ag_error_clear(a, key);
}

static int apply_in_netns(struct agent *a)
{
	char err[QOS_ERRLEN];

	if (ensure_open(a, err, sizeof(err))) {
		a->change_errors++;
		a->qos_errors++;
		ag_error_set(a, "qos", "qos: cannot open the QoS library: %s: QoS not applied",
			     err);
		a->qos_retry_rate = a->qos_retry_gc = true;
		return -1;
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
	return 0;
}

void kqos_apply(struct agent *a, const struct ag_plan *plan)
{
	if (!plan->n_qos)
		return;
	apply_plan = plan;
	if (ag_in_netns(a, apply_in_netns) < 0 && a->qos)
		nb_log("qos: cannot enter the host's namespace: %m");
	apply_plan = NULL;
}

/*
 * Before a reconcile's diff: what failed last time is looked at again, and
 * FAILED gets the ports that did (their errors stay until kqos_settled()).
 */
void kqos_retry(struct agent *a, struct hmap *failed_before)
{
	*failed_before = a->qos_failed;
	hmap_init(&a->qos_failed);
	hmap_foreach(failed_before, i)
		hmap_put(&a->dirty.ports, failed_before->e[i].key, (void *)1);
	if (a->qos_retry_rate)
		a->dirty.underlay = true;
	if (a->qos_retry_gc)
		a->dirty.qos_gc = true;
	a->qos_retry_rate = a->qos_retry_gc = false;
}

/* After it: the ports that failed before and not again have no error left. */
void kqos_settled(struct agent *a, struct hmap *failed_before)
{
	char key[64];

	hmap_foreach(failed_before, i) {
		if (hmap_has(&a->qos_failed, failed_before->e[i].key))
			continue;
		key_of(key, sizeof(key), failed_before->e[i].key);
		ag_error_clear(a, key);
	}
	hmap_free(failed_before);
	/* A rate or collection that no longer fails, or is no longer wanted. */
	if (!a->qos_retry_rate)
		ag_error_clear_prefix(a, "qos underlay ");
	if (!a->qos_retry_gc)
		ag_error_clear(a, "qos gc");
}
