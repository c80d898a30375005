// SPDX-License-Identifier: GPL-2.0
/*
 * One reconcile: the diff of what changed (or of everything), carried out
 * on vpc.ko, the volumes looked at, the errors kept per object, and the
 * status the controller is to hear: the revision applied and the errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "lib/log.h"
#include "agent/nimbus-agent/agent.h"

/* The controller keeps at most 100 errors of 1024 characters (openapi.yaml). */
#define STATUS_ERRORS_MAX	100
#define STATUS_ERROR_LEN	1024

void ag_error_set(struct agent *a, const char *key, const char *fmt, ...)
{
	char msg[STATUS_ERROR_LEN];
	char *old = hmap_get(&a->errors, key);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (old && !strcmp(old, msg))
		return;
	/* Logged when it starts or changes, not at every retry. */
	nb_log("%s", msg);
	free(old);
	old = strdup(msg);
	if (!old)
		abort();
	hmap_put(&a->errors, key, old);
}

void ag_error_clear(struct agent *a, const char *key)
{
	free(hmap_del(&a->errors, key));
}

void ag_error_clear_prefix(struct agent *a, const char *prefix)
{
	size_t len = strlen(prefix);
	char key[256];

	hmap_foreach(&a->errors, i) {
		if (strncmp(a->errors.e[i].key, prefix, len))
			continue;
		snprintf(key, sizeof(key), "%s", a->errors.e[i].key);
		ag_error_clear(a, key);
	}
}

/* Errors are about objects; the ones of objects the diff will look at go first. */
static void clear_dirty_errors(struct agent *a)
{
	char key[AG_KEY_LEN + 16];
	const struct ag_dirty *d = &a->dirty;

	if (d->all) {
		ag_error_clear_prefix(a, "vpc ");
		ag_error_clear_prefix(a, "port ");
		ag_error_clear_prefix(a, "map ");
		ag_error_clear_prefix(a, "underlay");
		return;
	}
	if (d->underlay)
		ag_error_clear_prefix(a, "underlay");
	hmap_foreach(&d->vpcs, i) {
		snprintf(key, sizeof(key), "vpc %s", d->vpcs.e[i].key);
		ag_error_clear(a, key);
		snprintf(key, sizeof(key), "vpc %s ", d->vpcs.e[i].key);
		ag_error_clear_prefix(a, key);
	}
	hmap_foreach(&d->ports, i) {
		snprintf(key, sizeof(key), "port %s", d->ports.e[i].key);
		ag_error_clear(a, key);
	}
	hmap_foreach(&d->maps, i) {
		snprintf(key, sizeof(key), "map %s", d->maps.e[i].key);
		ag_error_clear(a, key);
	}
}

/* Ports waiting for their device: of every port, or of the ports looked at. */
static void pending_one(struct agent *a, const char *ifname)
{
	if (hmap_has(&a->want.ports, ifname) && !hmap_has(&a->links, ifname))
		hmap_put(&a->pending, ifname, (void *)1);
	else
		hmap_del(&a->pending, ifname);
}

static void track_pending(struct agent *a)
{
	if (!a->dirty.all) {
		hmap_foreach(&a->dirty.ports, i)
			pending_one(a, a->dirty.ports.e[i].key);
		return;
	}
	hmap_free(&a->pending);
	hmap_foreach(&a->want.ports, i)
		pending_one(a, a->want.ports.e[i].key);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The status document: {"revision": R, "errors": [...]}, errors sorted. */
static char *status_doc(struct agent *a)
{
	json_t *doc = json_object(), *errs = json_array();
	const char **msgs = calloc(a->errors.n + 1, sizeof(*msgs));
	size_t n = 0;
	char *text;

	if (!doc || !errs || !msgs)
		abort();
	hmap_foreach(&a->errors, i)
		msgs[n++] = a->errors.e[i].val;
	qsort(msgs, n, sizeof(*msgs), cmp_str);
	for (size_t i = 0; i < n && i < STATUS_ERRORS_MAX; i++)
		json_array_append_new(errs, json_string(msgs[i]));
	json_object_set_new(doc, "revision", json_integer((json_int_t)a->applied_revision));
	json_object_set_new(doc, "errors", errs);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	free(msgs);
	if (!text)
		abort();
	return text;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ag_reconcile(struct agent *a)
{
	uint64_t t0 = now_ns();
	size_t errors_before = a->change_errors;
	struct ag_plan plan;

	if (!a->listed)
		return;
	ag_plan_init(&plan);
	if (a->vpc_ok && a->kernel_read) {
		ag_error_clear(a, "vpc");
		clear_dirty_errors(a);
		kqos_begin(a);
		ag_diff(&a->want, &a->have, &a->links, &a->dirty, &plan);
		kvpc_apply(a, &plan);
		kqos_apply(a, &plan);
		kqos_settled(a);
		track_pending(a);
	} else if (a->want.vpcs.n || a->want.ports.n) {
		ag_error_set(a, "vpc", "vpc: the vpc module is not loaded or not reachable: "
			     "VPCs, ports and mappings are not applied");
	}
	if (a->dirty.all || a->dirty.volumes)
		volumes_reconcile(a);
	ag_dirty_clear(&a->dirty);
	if (a->vpc_ok && a->kernel_read)
		kqos_redo(a);
	a->applied_revision = a->want.revision;
	a->reconciles++;
	a->reconcile_ns += now_ns() - t0;
	if (plan.n)
		nb_log("revision %llu: %zu change(s), %zu failed, %u port(s) waiting for their device",
		       (unsigned long long)a->applied_revision, plan.n,
		       (size_t)(a->change_errors - errors_before), (unsigned int)a->pending.n);
	ag_plan_free(&plan);

	/* Failed changes are tried again: a full reconcile, later and later. */
	if (a->errors.n) {
		a->retry_backoff = a->retry_backoff ? 2 * a->retry_backoff : 2 * AG_BACKOFF_MIN_MS;
		if (a->retry_backoff > AG_BACKOFF_MAX_MS)
			a->retry_backoff = AG_BACKOFF_MAX_MS;
		if (!a->t_retry)
			a->t_retry = ag_now_ms() + a->retry_backoff;
	} else {
		a->retry_backoff = 0;
		a->t_retry = 0;
	}
	free(a->status_want);
	a->status_want = status_doc(a);
	http_post_status(a);
}
