// SPDX-License-Identifier: GPL-2.0
/*
 * What host agents read: their desired state and its changes, held open
 * (long poll) while nothing changed; and the store's own change log.
 *
 * A held request is not a blocked thread: the handler answers "wait" and
 * http.c suspends the connection until model_publish() wakes the host's
 * polls or the deadline passes, then calls the handler again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/server/api.h"

static const char *const poll_params[] = { "since", "timeout", NULL };

/* Parse since and timeout; -1 after a 400.  *HAS_SINCE: was it given? */
static int poll_args(struct call *k, int64_t *since, bool *has_since, double *deadline)
{
	long long v, timeout = k->c->poll_timeout;
	int ret;

	if (check_query(k, poll_params))
		return -1;
	ret = query_int(k, "since", INT64_MAX, &v);
	if (ret < 0)
		return -1;
	*has_since = ret > 0;
	*since = ret > 0 ? v : 0;
	ret = query_int(k, "timeout", 3600, &timeout);
	if (ret < 0)
		return -1;
	*deadline = k->r->deadline ? k->r->deadline : api_now() + (double)timeout;
	return 0;
}

/* Hold the request until HOST's state passes SINCE or DEADLINE. */
static int hold(struct call *k, const struct obj *h, int64_t since, double deadline)
{
	k->out->wait = true;
	snprintf(k->out->wait_host, sizeof(k->out->wait_host), "%s", h->id);
	k->out->wait_since = since;
	k->out->deadline = deadline;
	return 0;
}

static bool expired(struct call *k, double deadline)
{
	return k->c->stopping || api_now() >= deadline;
}

int h_host_state(struct call *k)
{
	struct obj *h = host_self(k, true);
	double deadline;
	bool has_since;
	int64_t since;

	if (!h || poll_args(k, &since, &has_since, &deadline))
		return -1;
	/* A since above our revision: the agent knows a history we do not. */
	if (has_since && h->state_rev <= since && since <= k->c->model.rev &&
	    !expired(k, deadline))
		return hold(k, h, since, deadline);
	return reply_json(k, 200, view_host_state(&k->c->model, h));
}

int h_host_events(struct call *k)
{
	struct obj *h = host_self(k, true);
	double deadline;
	bool has_since;
	int64_t since;
	char *doc;
	int ret;

	if (!h || poll_args(k, &since, &has_since, &deadline))
		return -1;
	if (!has_since)
		return fail(k, 400, "query parameter \"since\" is required");
	ret = model_host_events(&k->c->model, h, since, &doc);
	if (ret == -ESTALE)
		return fail(k, 410, "revision %lld is outside the history kept for host %s "
			    "(%lld to %lld): read its state again", (long long)since, h->id,
			    (long long)h->journal.floor, (long long)k->c->model.rev);
	if (ret)
		return fail(k, 500, "%s", strerror(-ret));
	if (h->state_rev > since || expired(k, deadline))
		return reply_text(k, 200, doc);
	free(doc);
	return hold(k, h, since, deadline);
}

int h_changes(struct call *k)
{
	static const char *const allowed[] = { "since", NULL };
	struct store_event *evs;
	long long since;
	int64_t rev;
	size_t n;
	json_t *a;
	int ret;

	if (forbid_unless_admin(k) || check_query(k, allowed))
		return -1;
	ret = query_int(k, "since", INT64_MAX, &since);
	if (ret <= 0)
		return ret ? -1 : fail(k, 400, "query parameter \"since\" is required");
	ret = store_watch(k->c->store, since, 10000, &evs, &n, &rev);
	if (ret == -ESTALE)
		return fail(k, 410, "revision %lld is compacted: read the objects again", since);
	if (ret)
		return fail(k, 500, "the store failed: %s", strerror(-ret));
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{sIssss}", "revision", (json_int_t)evs[i].rev,
						   "type", evs[i].type == STORE_EV_PUT ? "put" : "delete",
						   "key", evs[i].key));
	store_events_free(evs, n);
	return reply_json(k, 200, json_pack("{sIso}", "revision", (json_int_t)rev, "changes", a));
}
