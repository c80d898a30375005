/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nimbus-agent: one per hypervisor host, it makes the host's kernel
 * (vpc.ko in the host's network namespace, cbs.ko's devices) match the
 * desired state the controller serves, and reports what it applied.
 * Documentation/agent.md explains it; each file has one concern:
 *
 *   main.c       options and config file, the start ladder, the event loop
 *   model.c      the desired and the kernel's state (model.h)
 *   parse.c      the controller's documents into the model
 *   diff.c       desired vs kernel: the changes, a pure function (diff.h)
 *   reconcile.c  one reconcile: diff, apply, errors, status
 *   kvpc.c       vpc.ko: read its state, apply changes (pipelined), notifications
 *   kqos.c       QoS through agent/qos: read the ports' back, apply the plan's
 *   notify.c     vpc.ko's misses (fetch that mapping) and claims (report them)
 *   links.c      the host namespace's devices (rtnetlink): ports wait for theirs
 *   volumes.c    cbs.ko: map, reconnect, unmap; handshakes without blocking
 *   http.c       the controller: list, watch (long poll), status (libcurl multi)
 *   metrics.c    Prometheus text on --metrics (libmicrohttpd, in the loop)
 */
#ifndef NIMBUS_AGENT_H
#define NIMBUS_AGENT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <curl/curl.h>
#include <libmnl/libmnl.h>

#include "lib/genl.h"
#include "lib/hmap.h"
#include "agent/nimbus-agent/diff.h"

/* Connections per volume: cbs.ko's hardware queues. */
#define AG_VOL_CONNS		2
/* A handshake that has not finished in this time fails (a stopped server). */
#define AG_HANDSHAKE_MS		5000
/* How often volumes are looked at without a notification. */
#define AG_VOL_CHECK_MS		5000
/* Backoff for the controller, failed changes, failed volumes: from, to. */
#define AG_BACKOFF_MIN_MS	500
#define AG_BACKOFF_MAX_MS	30000
/* Long poll: what the agent asks the controller to hold a request for. */
#define AG_POLL_SECONDS		30
/*
 * Status posts: at most one per this interval (each is a commit on the
 * controller; one per event would double its work while ports are created).
 */
#define AG_STATUS_MS		1000
/* The kernel's state is read again from scratch this often (drift). */
#define AG_RESYNC_MS		(10 * 60 * 1000)

struct ag_options {
	const char *controller;		/* URL, without a trailing slash */
	const char *host;		/* the host's id */
	const char *token_file;
	const char *netns;		/* NULL: the namespace the agent runs in */
	const char *metrics;		/* ADDR:PORT or NULL */
	const char *cacert;
	const char *config;
};

struct vol_op;
struct http_req;
struct MHD_Daemon;

struct agent {
	struct ag_options opt;
	char token[512];

	/* The two states, what changed, the namespace's devices. */
	struct ag_state want, have;
	bool listed;			/* want holds a /state */
	bool kernel_read;		/* have holds the kernel's vpc state */
	struct ag_dirty dirty;
	struct hmap links;		/* ifname -> struct ag_link */
	struct hmap pending;		/* ifnames of desired ports without a device */
	/* Errors by object ("map 7/10.0.0.3"): the message of its last failure. */
	struct hmap errors;
	uint32_t tag;			/* ag_host_tag(host) */

	/* vpc.ko and rtnetlink, in the host's namespace. */
	bool vpc_ok;
	struct genl_sock vpc, vpc_mon;
	struct mnl_socket *rtnl;
	/* The QoS library's context, opened in the host's namespace (or NULL). */
	struct qos_ctx *qos;
	/* Error keys of failed QoS changes ("qos port IFNAME"): of before, of now. */
	struct hmap qos_failed, qos_failed_now;
	bool qos_room;			/* a QoS change succeeded: the failed may fit */
	/* cbs.ko, in the initial namespace. */
	bool cbs_ok;
	struct genl_sock cbs, cbs_mon;
	struct hmap vol_ops;		/* volume name -> struct vol_op */
	struct hmap vol_retry;		/* volume name -> struct vol_retry */
	struct ag_dev *devs;		/* the last STATUS dump */
	size_t n_devs, cap_devs;

	/* The controller. */
	CURLM *multi;
	struct http_req *watch;		/* the /state or /events request, or NULL */
	struct http_req *status;	/* the status POST in flight, or NULL */
	struct http_req *oneshots;	/* mapping fetches and claim reports in flight */
	bool relist;			/* read /state again (start, 410, bad document) */
	char *status_sent;		/* the last status document the controller took */
	char *status_want;		/* the one to send */
	char last_http_error[256];

	/* The metrics server, when --metrics. */
	struct MHD_Daemon *mhd;

	/* Timers (monotonic ms); 0: not armed. */
	uint64_t t_watch, t_retry, t_vol, t_reopen, t_resync, t_status;
	uint64_t status_posted;		/* when the last status post began */
	uint64_t watch_backoff, retry_backoff;

	/* Counters for the metrics. */
	uint64_t applied_revision;
	uint64_t reconciles, reconcile_ns, changes, change_errors;
	uint64_t relists, events_batches, notifications;
	uint64_t misses, miss_fetches, miss_found, claims, claim_reports, claim_refused;
	uint64_t qos_changes, qos_errors, qos_refused;

	/* notify.c: "VNI/IP" -> when its mapping was last fetched (ms, as a pointer). */
	struct hmap miss_fetched;
	/* notify.c: "VPC/IP" -> struct claim: the VIP's latest claim until reported. */
	struct hmap claims_unreported;
	uint64_t claim_seq;

	bool stop;
	int sigfd;
};

uint64_t ag_now_ms(void);
/* Run FN(A) inside the host's network namespace (or where we are, without --netns). */
int ag_in_netns(struct agent *a, int (*fn)(struct agent *a));

/* reconcile.c */
void ag_reconcile(struct agent *a);
void ag_error_set(struct agent *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ag_error_clear(struct agent *a, const char *key);
/* Clear the errors whose key starts with PREFIX. */
void ag_error_clear_prefix(struct agent *a, const char *prefix);

/* kvpc.c */
int kvpc_open(struct agent *a);		/* in the host's namespace */
void kvpc_close(struct agent *a);
int kvpc_read(struct agent *a);		/* the kernel's state into a->have */
void kvpc_apply(struct agent *a, const struct ag_plan *plan);
void kvpc_notified(struct agent *a);	/* the notify socket is readable */
/* Port counters, for the metrics: CB for each port's stats nest. */
int kvpc_port_stats(struct agent *a,
		    void (*cb)(const char *ifname, uint32_t vni, const struct nlattr *stats,
			       void *data),
		    void *data);

/* kqos.c */
void kqos_close(struct agent *a);
/* In the host's namespace: the QoS of S's ports whose switches are on (qos_unknown). */
void kqos_read(struct agent *a, struct ag_state *s);
/* The plan's QoS changes (enters the host's namespace). */
void kqos_apply(struct agent *a, const struct ag_plan *plan);
/*
 * Around a reconcile: kqos_begin() before the diff, kqos_settled() after
 * the changes (errors of what no longer fails cleared), kqos_redo() after
 * the dirty set is cleared (what failed, looked at again at once when a
 * QoS change succeeded meanwhile).
 */
void kqos_begin(struct agent *a);
void kqos_settled(struct agent *a);
void kqos_redo(struct agent *a);

/* notify.c: a vpc.ko notification that is no change (a miss, a claim, a newer one). */
void notify_vpc(struct agent *a, const struct nlmsghdr *nlh, uint8_t cmd);
/* The controller's answer to http_get_mapping(). */
void notify_mapping_fetched(struct agent *a, uint32_t vni, const char *ip, long status,
			    const char *body, size_t len);
/*
 * The answer to claim report SEQ of KEY ("VPC/IP"): STATUS, 0 when the
 * controller was not reached, and its body or the transfer's error.
 */
void notify_claim_done(struct agent *a, const char *key, uint64_t seq, long status,
		       const char *text);
/* Claim reports to send again now; the earliest next one, or 0. */
void notify_timers(struct agent *a, uint64_t now);
uint64_t notify_deadline(struct agent *a);

/* links.c */
int links_open(struct agent *a);	/* in the host's namespace */
void links_close(struct agent *a);
int links_read(struct agent *a);
void links_notified(struct agent *a);
/* Bring the device up (no answer awaited: a failure is logged when it comes). */
int links_set_up(struct agent *a, uint32_t ifindex);

/* volumes.c */
int volumes_open(struct agent *a);
void volumes_close(struct agent *a);
void volumes_reconcile(struct agent *a);
void volumes_notified(struct agent *a);
/* The sockets of handshakes in progress, for the loop's poll; then their events. */
unsigned int volumes_pollfds(struct agent *a, struct curl_waitfd *fds, unsigned int max);
void volumes_poll_done(struct agent *a, const struct curl_waitfd *fds, unsigned int n);
/* The earliest handshake deadline, or 0. */
uint64_t volumes_deadline(struct agent *a);
int volumes_status(struct agent *a);	/* a->devs from a STATUS dump */

/* http.c */
int http_init(struct agent *a);
void http_cleanup(struct agent *a);
void http_start_watch(struct agent *a);
void http_done(struct agent *a);	/* handle finished transfers */
void http_post_status(struct agent *a);
/* GET /v1/vpcs/{VPC}/mappings/{IP}; the answer goes to notify_mapping_fetched(). */
void http_get_mapping(struct agent *a, const char *vpc, uint32_t vni, const char *ip);
/* POST /v1/hosts/{id}/claims: port IFNAME claimed IP in VPC; the answer goes to notify_claim_done(). */
void http_post_claim(struct agent *a, const char *vpc, const char *ip, const char *ifname,
		     uint64_t seq);

/* metrics.c */
int metrics_start(struct agent *a);
void metrics_stop(struct agent *a);
int metrics_fd(struct agent *a);
void metrics_run(struct agent *a);

#endif /* NIMBUS_AGENT_H */
