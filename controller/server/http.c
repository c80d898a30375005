// SPDX-License-Identifier: GPL-2.0
/* HTTP with libmicrohttpd and suspended long polls: see http.h. */
#include "controller/server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/log.h"

#define MAX_BODY (1 << 20)

struct conn {
	struct http *h;
	struct MHD_Connection *mc;
	char *body;
	size_t len, cap;
	bool too_big;
	double start;
	/* A held long poll. */
	double deadline;
	char host[64];
	int64_t since;
	bool waiting;			/* suspended, in the waiter list */
	struct conn *next, *prev;
};

struct http {
	struct MHD_Daemon *d;
	struct ctx *c;
	pthread_mutex_t lock;		/* the waiter list, active */
	pthread_cond_t cond;		/* the timer thread's */
	struct conn waiters;		/* list head */
	int active;			/* requests not yet completed */
	pthread_t timer;
	bool timer_stop;
};

/* --- waiters ----------------------------------------------------------- */

static void resume_locked(struct conn *cn)
{
	if (!cn->waiting)
		return;
	cn->prev->next = cn->next;
	cn->next->prev = cn->prev;
	cn->waiting = false;
	MHD_resume_connection(cn->mc);
}

/* From model_publish(), with the api lock held: wake HOST's polls. */
static void wake(void *hv, const char *host)
{
	struct http *h = hv;

	pthread_mutex_lock(&h->lock);
	for (struct conn *cn = h->waiters.next, *nx; cn != &h->waiters; cn = nx) {
		nx = cn->next;
		if (!strcmp(cn->host, host))
			resume_locked(cn);
	}
	pthread_mutex_unlock(&h->lock);
}

/* The polls of HOST held now. */
static int watchers(void *hv, const char *host)
{
	struct http *h = hv;
	int n = 0;

	pthread_mutex_lock(&h->lock);
	for (struct conn *cn = h->waiters.next; cn != &h->waiters; cn = cn->next)
		n += !strcmp(cn->host, host);
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void *timer_main(void *arg)
{
	struct http *h = arg;

	pthread_mutex_lock(&h->lock);
	while (!h->timer_stop) {
		double now = api_now(), next = now + 1;
		struct timespec ts;

		for (struct conn *cn = h->waiters.next, *nx; cn != &h->waiters; cn = nx) {
			nx = cn->next;
			if (cn->deadline <= now)
				resume_locked(cn);
			else if (cn->deadline < next)
				next = cn->deadline;
		}
		ts.tv_sec = (time_t)next;
		ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
		pthread_cond_timedwait(&h->cond, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* --- requests ---------------------------------------------------------- */

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct api_req *r = cls;

	(void)kind;
	if (r->nquery == API_MAX_QUERY) {
		r->too_many_query = true;
		return MHD_NO;
	}
	r->query[r->nquery].key = key;
	r->query[r->nquery].value = value;
	r->nquery++;
	return MHD_YES;
}

static enum MHD_Result respond(struct conn *cn, int status, char *body, bool stopping)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (body)
		resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	if (body)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (stopping)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(cn->mc, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void log_request(const char *method, const char *url, const struct api_reply *rep,
			double ms)
{
	const char *msg = "";

	/* Polls answered 200 are routine; log every change and every error. */
	if (!strcmp(method, "GET") && rep->status < 400)
		return;
	if (rep->status >= 400 && rep->body)
		msg = rep->body;
	nb_log("%s %s %d %.1f ms %s %s", method, url, rep->status, ms,
		rep->who[0] ? rep->who : "-", msg);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *mc, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct conn *cn = *con_cls;
	struct api_req req = { 0 };
	struct api_reply rep;

	(void)version;
	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		cn->h = h;
		cn->mc = mc;
		cn->start = api_now();
		*con_cls = cn;
		pthread_mutex_lock(&h->lock);
		h->active++;
		pthread_mutex_unlock(&h->lock);
		return MHD_YES;
	}
	if (*upload_size) {
		if (cn->len + *upload_size > MAX_BODY) {
			cn->too_big = true;
		} else if (!cn->too_big) {
			if (cn->len + *upload_size + 1 > cn->cap) {
				size_t cap = (cn->len + *upload_size + 1) * 2;
				char *b = realloc(cn->body, cap);

				if (!b)
					return MHD_NO;
				cn->body = b;
				cn->cap = cap;
			}
			memcpy(cn->body + cn->len, upload, *upload_size);
			cn->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->too_big) {
		rep = (struct api_reply){ .status = 413 };
		rep.body = strdup("{\"error\":\"the request body is larger than 1 MiB\"}");
		log_request(method, url, &rep, (api_now() - cn->start) * 1e3);
		return respond(cn, 413, rep.body, h->c->stopping);
	}
	req.method = method;
	req.path = url;
	req.auth = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req.body = cn->body;
	req.body_len = cn->len;
	req.deadline = cn->deadline;
	MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, add_query, &req);
	api_handle(h->c, &req, &rep);
	if (rep.wait) {
		cn->deadline = rep.deadline;
		cn->since = rep.wait_since;
		snprintf(cn->host, sizeof(cn->host), "%s", rep.wait_host);
		pthread_mutex_lock(&h->lock);
		cn->next = &h->waiters;
		cn->prev = h->waiters.prev;
		h->waiters.prev->next = cn;
		h->waiters.prev = cn;
		cn->waiting = true;
		MHD_suspend_connection(mc);
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->lock);
		/*
		 * A change published between the handler's look and the
		 * suspension found no waiter to wake: look again.
		 */
		if (api_host_changed(h->c, cn->host, cn->since)) {
			pthread_mutex_lock(&h->lock);
			resume_locked(cn);
			pthread_mutex_unlock(&h->lock);
		}
		return MHD_YES;
	}
	log_request(method, url, &rep, (api_now() - cn->start) * 1e3);
	return respond(cn, rep.status, rep.body, h->c->stopping);
}

static void completed(void *cls, struct MHD_Connection *mc, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct conn *cn = *con_cls;

	(void)mc;
	(void)toe;
	if (!cn)
		return;
	pthread_mutex_lock(&h->lock);
	if (cn->waiting) {
		cn->prev->next = cn->next;
		cn->next->prev = cn->prev;
	}
	h->active--;
	pthread_mutex_unlock(&h->lock);
	free(cn->body);
	free(cn);
	*con_cls = NULL;
}

/* --- daemon ------------------------------------------------------------ */

int http_listen(const char *addr, char *bound, size_t len)
{
	struct sockaddr_storage ss = { 0 };
	unsigned int port;
	struct nb_addr a;
	int fd, one = 1;
	socklen_t sl;

	if (nb_hostport_parse(addr, &a, &port))
		return -EINVAL;
	if (a.family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		memcpy(&in->sin_addr, a.b, 4);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		memcpy(&in6->sin6_addr, a.b, 16);
		sl = sizeof(*in6);
	}
	fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	port = ntohs(a.family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
	nb_hostport_fmt(&a, port, bound, len);
	return fd;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	nb_log("http: %s", line);
}

int http_start(struct http **hp, struct ctx *c, const struct http_opts *o, char *err,
	       size_t errlen)
{
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	struct http *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	if (!h)
		return -ENOMEM;
	h->c = c;
	h->waiters.next = h->waiters.prev = &h->waiters;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (o->tls_cert)
		flags |= MHD_USE_TLS;
	c->http = h;
	c->wake = wake;
	c->watchers = watchers;
	if (pthread_create(&h->timer, NULL, timer_main, h)) {
		free(h);
		snprintf(err, errlen, "cannot start the timer thread");
		return -EAGAIN;
	}
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, o->listen_fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
				MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				MHD_OPTION_CONNECTION_LIMIT, 4096u,
				MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				o->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, o->tls_cert,
				MHD_OPTION_HTTPS_MEM_KEY, o->tls_key,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "libmicrohttpd did not start%s",
			 o->tls_cert ? " (is the TLS certificate and key valid?)" : "");
		pthread_mutex_lock(&h->lock);
		h->timer_stop = true;
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->timer, NULL);
		c->wake = NULL;
		c->watchers = NULL;
		free(h);
		return -EIO;
	}
	*hp = h;
	return 0;
}

void http_stop(struct http *h, double grace_s)
{
	double end = api_now() + grace_s;
	int fd;

	/* No new connections; every held poll is answered at once. */
	fd = MHD_quiesce_daemon(h->d);
	h->c->stopping = true;
	pthread_mutex_lock(&h->lock);
	while (h->waiters.next != &h->waiters)
		resume_locked(h->waiters.next);
	pthread_mutex_unlock(&h->lock);
	for (;;) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		int active;

		pthread_mutex_lock(&h->lock);
		active = h->active;
		pthread_mutex_unlock(&h->lock);
		if (!active || api_now() >= end)
			break;
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(h->d);
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&h->lock);
	h->timer_stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->timer, NULL);
	h->c->wake = NULL;
	h->c->watchers = NULL;
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}
