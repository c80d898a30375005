// SPDX-License-Identifier: GPL-2.0
/*
 * The controller, over libcurl's multi interface inside the event loop:
 * list (GET /v1/hosts/{id}/state) and watch (GET .../events?since=REV, a
 * long poll), Kubernetes' list-and-watch: a 410 or a document the agent
 * cannot take means list again.  Each answer is applied at once.  Errors
 * (the controller down, 5xx, a bad token) are retried with a growing
 * backoff while the data plane stays as it is.  The status (revision
 * applied, errors) is posted after a reconcile whenever it changed.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "lib/log.h"
#include "lib/util.h"
#include "agent/nimbus-agent/agent.h"

enum req_kind { REQ_STATE, REQ_EVENTS, REQ_STATUS, REQ_MAPPING, REQ_CLAIM };

struct http_req {
	enum req_kind kind;
	CURL *easy;
	struct curl_slist *hdrs;
	struct nb_buf answer;
	char *post;		/* the request's body */
	/* Mapping fetches and claim reports: what it is about, the next in flight. */
	uint32_t vni;
	uint64_t seq;		/* a claim report's: notify.c's number for it */
	char what[160];		/* a fetch's address; a claim's "VPC/IP" */
	struct http_req *next;
};

int http_init(struct agent *a)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	a->multi = curl_multi_init();
	return a->multi ? 0 : -ENOMEM;
}

static void req_free(struct agent *a, struct http_req *r)
{
	if (!r)
		return;
	curl_multi_remove_handle(a->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r->answer.p);
	free(r->post);
	free(r);
}

void http_cleanup(struct agent *a)
{
	req_free(a, a->watch);
	req_free(a, a->status);
	a->watch = a->status = NULL;
	while (a->oneshots) {
		struct http_req *next = a->oneshots->next;

		req_free(a, a->oneshots);
		a->oneshots = next;
	}
	if (a->multi)
		curl_multi_cleanup(a->multi);
	a->multi = NULL;
	curl_global_cleanup();
}

/* A request to PATH (after the controller's URL), its answer awaited TIMEOUT s. */
static struct http_req *req_new(struct agent *a, enum req_kind kind, const char *path,
				long timeout)
{
	struct http_req *r = calloc(1, sizeof(*r));
	char *url, *auth;

	if (!r || asprintf(&url, "%s%s", a->opt.controller, path) < 0 ||
	    asprintf(&auth, "Authorization: Bearer %s", a->token) < 0)
		abort();
	r->kind = kind;
	r->easy = curl_easy_init();
	if (!r->easy)
		abort();
	r->hdrs = curl_slist_append(NULL, auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, nb_buf_append);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, &r->answer);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (a->opt.cacert)
		curl_easy_setopt(r->easy, CURLOPT_CAINFO, a->opt.cacert);
	free(url);
	return r;
}

static void req_go(struct agent *a, struct http_req *r)
{
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_multi_add_handle(a->multi, r->easy);
}

void http_start_watch(struct agent *a)
{
	char path[512];

	if (a->watch)
		return;
	a->t_watch = 0;
	if (a->relist || !a->listed) {
		snprintf(path, sizeof(path), "/v1/hosts/%s/state", a->opt.host);
		a->watch = req_new(a, REQ_STATE, path, 60);
	} else {
		snprintf(path, sizeof(path), "/v1/hosts/%s/events?since=%llu&timeout=%d",
			 a->opt.host, (unsigned long long)a->want.revision, AG_POLL_SECONDS);
		/* The controller answers at its timeout: ours is well after it. */
		a->watch = req_new(a, REQ_EVENTS, path, AG_POLL_SECONDS + 30);
	}
	req_go(a, a->watch);
}

void http_post_status(struct agent *a)
{
	char path[512];

	uint64_t now = ag_now_ms();

	if (a->status || !a->status_want ||
	    (a->status_sent && !strcmp(a->status_sent, a->status_want)))
		return;
	if (a->status_posted && now < a->status_posted + AG_STATUS_MS) {
		a->t_status = a->status_posted + AG_STATUS_MS;
		return;
	}
	a->t_status = 0;
	a->status_posted = now;
	snprintf(path, sizeof(path), "/v1/hosts/%s/status", a->opt.host);
	a->status = req_new(a, REQ_STATUS, path, 30);
	a->status->post = strdup(a->status_want);
	if (!a->status->post)
		abort();
	a->status->hdrs = curl_slist_append(a->status->hdrs, "Content-Type: application/json");
	curl_easy_setopt(a->status->easy, CURLOPT_POSTFIELDS, a->status->post);
	req_go(a, a->status);
}

/* A request of its own beside the watch and the status: in the oneshots list. */
static void oneshot_go(struct agent *a, struct http_req *r)
{
	r->next = a->oneshots;
	a->oneshots = r;
	req_go(a, r);
}

static void oneshot_unlink(struct agent *a, const struct http_req *r)
{
	for (struct http_req **p = &a->oneshots; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			return;
		}
	}
}

void http_get_mapping(struct agent *a, const char *vpc, uint32_t vni, const char *ip)
{
	char path[512];
	struct http_req *r;

	snprintf(path, sizeof(path), "/v1/vpcs/%s/mappings/%s", vpc, ip);
	r = req_new(a, REQ_MAPPING, path, 10);
	r->vni = vni;
	snprintf(r->what, sizeof(r->what), "%s", ip);
	oneshot_go(a, r);
}

void http_post_claim(struct agent *a, const char *vpc, const char *ip, const char *ifname,
		     uint64_t seq)
{
	char path[512];
	struct http_req *r;
	json_t *doc = json_pack("{ssssss}", "vpc", vpc, "ip", ip, "ifname", ifname);

	snprintf(path, sizeof(path), "/v1/hosts/%s/claims", a->opt.host);
	r = req_new(a, REQ_CLAIM, path, 10);
	r->post = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!r->post)
		abort();
	r->seq = seq;
	snprintf(r->what, sizeof(r->what), "%s/%s", vpc, ip);
	r->hdrs = curl_slist_append(r->hdrs, "Content-Type: application/json");
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->post);
	oneshot_go(a, r);
}

static void oneshot_done(struct agent *a, struct http_req *r, CURLcode rc, long status)
{
	oneshot_unlink(a, r);
	if (r->kind == REQ_CLAIM)
		notify_claim_done(a, r->what, r->seq, rc == CURLE_OK ? status : 0,
				  rc == CURLE_OK ? (r->answer.p ? r->answer.p : "") : curl_easy_strerror(rc));
	else if (rc != CURLE_OK)
		nb_log("controller: the mapping fetch of %s: %s", r->what, curl_easy_strerror(rc));
	else
		notify_mapping_fetched(a, r->vni, r->what, status, r->answer.p, r->answer.len);
	req_free(a, r);
}

/* Say what went wrong with the controller, once until it changes. */
static void http_error(struct agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void http_error(struct agent *a, const char *fmt, ...)
{
	char msg[sizeof(a->last_http_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, a->last_http_error))
		nb_log("controller: %s (retrying; the data plane stays as it is)", msg);
	snprintf(a->last_http_error, sizeof(a->last_http_error), "%s", msg);
}

static void watch_backoff(struct agent *a)
{
	a->watch_backoff = a->watch_backoff ? 2 * a->watch_backoff : AG_BACKOFF_MIN_MS;
	if (a->watch_backoff > AG_BACKOFF_MAX_MS)
		a->watch_backoff = AG_BACKOFF_MAX_MS;
	a->t_watch = ag_now_ms() + a->watch_backoff;
}

static void watch_ok(struct agent *a)
{
	if (a->last_http_error[0])
		nb_log("controller: reachable again");
	a->last_http_error[0] = '\0';
	a->watch_backoff = 0;
	a->t_watch = ag_now_ms();
}

static void got_state(struct agent *a, struct http_req *r)
{
	struct ag_state s;
	char err[512];

	if (ag_parse_state(r->answer.p ? r->answer.p : "", r->answer.len, &s, err, sizeof(err))) {
		http_error(a, "a bad /state document: %s", err);
		watch_backoff(a);
		return;
	}
	if (strcmp(s.host_id, a->opt.host))
		nb_log("controller: /state is of host \"%s\", not \"%s\"", s.host_id, a->opt.host);
	ag_state_free(&a->want);
	a->want = s;
	/*
	 * Parsing a large state (1.4 MB of JSON at 10,000 ports) peaks at
	 * several times the model's size: give that back to the system.
	 */
	malloc_trim(0);
	a->listed = true;
	a->relist = false;
	a->relists++;
	a->dirty.all = true;
	watch_ok(a);
	nb_log("desired state: revision %llu, %u VPC(s), %u port(s), %u mapping(s), %u volume(s)",
	       (unsigned long long)s.revision, (unsigned int)a->want.vpcs.n,
	       (unsigned int)a->want.ports.n, (unsigned int)a->want.maps.n,
	       (unsigned int)a->want.volumes.n);
}

static void got_events(struct agent *a, struct http_req *r)
{
	uint64_t rev;
	char err[512];

	if (ag_parse_events(r->answer.p ? r->answer.p : "", r->answer.len, &a->want, &rev, &a->dirty, err,
			    sizeof(err))) {
		http_error(a, "a bad /events document: %s; reading /state again", err);
		a->relist = true;
		watch_backoff(a);
		return;
	}
	a->events_batches++;
	watch_ok(a);
}

static void done(struct agent *a, struct http_req *r, CURLcode rc)
{
	const char *what = r->kind == REQ_STATE ? "/state" : r->kind == REQ_EVENTS ? "/events" :
		"/status";
	long status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->kind == REQ_MAPPING || r->kind == REQ_CLAIM) {
		oneshot_done(a, r, rc, status);
		return;
	}
	if (r->kind == REQ_STATUS) {
		a->status = NULL;
		if (rc == CURLE_OK && status == 200) {
			free(a->status_sent);
			a->status_sent = r->post;
			r->post = NULL;
		} else {
			nb_log("controller: cannot post the status: %s",
			       rc != CURLE_OK ? curl_easy_strerror(rc) : r->answer.p ? r->answer.p : "");
		}
		req_free(a, r);
		/* A newer status may be waiting; a failed one is tried again later. */
		if (rc == CURLE_OK && status == 200)
			http_post_status(a);
		else
			a->t_status = ag_now_ms() + AG_BACKOFF_MAX_MS / 6;
		return;
	}
	a->watch = NULL;
	if (rc != CURLE_OK) {
		http_error(a, "%s: %s", what, curl_easy_strerror(rc));
		watch_backoff(a);
	} else if (r->kind == REQ_EVENTS && status == 410) {
		nb_log("controller: revision %llu is gone from the events; reading /state again",
		       (unsigned long long)a->want.revision);
		a->relist = true;
		watch_ok(a);
	} else if (status != 200) {
		http_error(a, "%s: HTTP %ld %s", what, status, r->answer.p ? r->answer.p : "");
		watch_backoff(a);
	} else if (r->kind == REQ_STATE) {
		got_state(a, r);
	} else {
		got_events(a, r);
	}
	req_free(a, r);
}

void http_done(struct agent *a)
{
	struct http_req *r;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(a->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		done(a, r, m->data.result);
	}
}
