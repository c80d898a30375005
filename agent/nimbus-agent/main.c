// SPDX-License-Identifier: GPL-2.0
/*
 * nimbus-agent: options, the start ladder and the event loop.  One thread:
 * curl_multi_poll() waits on the controller's transfers and, beside them,
 * on a signalfd, the netlink sockets (vpc.ko's and cbs.ko's notifications,
 * the host namespace's devices), the metrics server and the handshakes of
 * volumes in progress; timers are its timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "lib/log.h"
#include "lib/token.h"
#include "agent/nimbus-agent/agent.h"

#define MAX_POLLFDS	64

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nimbus-agent --controller URL --host ID --token-file FILE\n"
		"                    [--netns NAME] [--metrics ADDR:PORT] [--cacert FILE]\n"
		"                    [--config FILE]\n"
		"Makes this host's kernel (vpc.ko, cbs.ko) match the controller's desired state.\n"
		"  --controller URL     the controller, e.g. http://127.0.0.1:8080\n"
		"  --host ID            this host's id (from POST /v1/hosts)\n"
		"  --token-file FILE    the host's agent token, its first line\n"
		"  --netns NAME         the host's network namespace (/run/netns/NAME);\n"
		"                       default: the one the agent runs in\n"
		"  --metrics ADDR:PORT  serve Prometheus text at http://ADDR:PORT/metrics\n"
		"  --cacert FILE        the CA of an HTTPS controller\n"
		"  --config FILE        options as \"name value\" lines; the command line wins\n"
		"SIGTERM or SIGINT stops it; the kernel's state stays as it is.\n");
}

uint64_t ag_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int ag_in_netns(struct agent *a, int (*fn)(struct agent *a))
{
	int self, ret;

	if (!a->opt.netns)
		return fn(a);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	ret = netns_enter(a->opt.netns);
	if (!ret) {
		ret = fn(a);
		/* Back where the controller and the storage servers are reached. */
		if (setns(self, CLONE_NEWNET)) {
			nb_log("cannot return to the agent's own network namespace: %m");
			abort();
		}
	}
	close(self);
	return ret;
}

/* --- options ------------------------------------------------------------- */

static const struct option long_opts[] = {
	{ "controller", required_argument, NULL, 'c' },
	{ "host", required_argument, NULL, 'H' },
	{ "token-file", required_argument, NULL, 't' },
	{ "netns", required_argument, NULL, 'n' },
	{ "metrics", required_argument, NULL, 'm' },
	{ "cacert", required_argument, NULL, 'a' },
	{ "config", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char **opt_slot(struct ag_options *o, int c)
{
	switch (c) {
	case 'c': return &o->controller;
	case 'H': return &o->host;
	case 't': return &o->token_file;
	case 'n': return &o->netns;
	case 'm': return &o->metrics;
	case 'a': return &o->cacert;
	case 'f': return &o->config;
	}
	return NULL;
}

/*
 * The config file: "name value" lines with the long options' names, '#'
 * comments and blank lines; what the command line set stays.  The values
 * live as long as the program (KEEP).
 */
static int read_config(struct ag_options *o, char **keep)
{
	FILE *f = fopen(o->config, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "nimbus-agent: cannot open %s: %s\n", o->config, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char name[64], value[1024], extra[2];
		const struct option *lo;
		const char **slot;
		int n;

		lineno++;
		n = sscanf(line, " %63s %1023s %1s", name, value, extra);
		if (n <= 0 || name[0] == '#')
			continue;
		for (lo = long_opts; lo->name && strcmp(lo->name, name); lo++)
			;
		slot = lo->name ? opt_slot(o, lo->val) : NULL;
		if (n != 2 || !slot || lo->val == 'f') {
			fprintf(stderr, "nimbus-agent: %s:%u: expected \"name value\" with an option's name\n",
				o->config, lineno);
			ret = -1;
			break;
		}
		if (!*slot) {
			*keep = strdup(value);
			if (!*keep)
				abort();
			*slot = *keep++;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

static int parse_options(int argc, char **argv, struct ag_options *o, char **keep)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (!opt_slot(o, c)) {
			usage(stderr);
			return -1;
		}
		*opt_slot(o, c) = optarg;
	}
	if (optind < argc) {
		fprintf(stderr, "nimbus-agent: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (o->config && read_config(o, keep))
		return -1;
	if (!o->controller || !o->host || !o->token_file) {
		fprintf(stderr, "nimbus-agent: --controller, --host and --token-file are required\n");
		usage(stderr);
		return -1;
	}
	if (strncmp(o->controller, "http://", 7) && strncmp(o->controller, "https://", 8)) {
		fprintf(stderr, "nimbus-agent: --controller must be an http:// or https:// URL\n");
		return -1;
	}
	if (strspn(o->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
	    strlen(o->host) || strlen(o->host) >= AG_ID_LEN) {
		fprintf(stderr, "nimbus-agent: --host \"%s\" is no host id\n", o->host);
		return -1;
	}
	return 0;
}

/* --- kernel sockets -------------------------------------------------------- */

static int open_host_sockets(struct agent *a)
{
	int ret = a->rtnl ? 0 : links_open(a);

	if (ret)
		return ret;
	ret = links_read(a);
	if (ret)
		return ret;
	ret = kvpc_open(a);
	if (ret)
		return ret;
	ret = kvpc_read(a);
	if (ret) {
		kvpc_close(a);
		return ret;
	}
	a->vpc_ok = true;
	return 0;
}

/* Log MSG about WHICH (0: vpc, 1: cbs) when it is not what was last said. */
static void kernel_log(int which, int err, const char *msg)
{
	static int last[2];

	if (last[which] == err)
		return;
	last[which] = err;
	if (err)
		nb_log("%s", msg);
}

/* vpc.ko and cbs.ko, each when it is there (loaded later: tried again). */
static void open_kernel(struct agent *a)
{
	char msg[256];
	int ret;

	if (!a->rtnl || !a->vpc_ok) {
		ret = ag_in_netns(a, open_host_sockets);
		if (ret == -ENOENT && a->rtnl)
			snprintf(msg, sizeof(msg), "vpc.ko is not loaded (no \"vpc\" netlink family): "
				 "trying again every 5 s");
		else
			snprintf(msg, sizeof(msg), "cannot reach vpc.ko in the host's namespace: %s",
				 strerror(-ret));
		kernel_log(0, ret, msg);
		if (!ret) {
			nb_log("vpc.ko: %zu VPC(s), %zu port(s), %zu mapping(s) in the kernel",
			       a->have.vpcs.n, a->have.ports.n, a->have.maps.n);
			/* QoS verified too: rates set, classes of ports gone collected. */
			a->dirty.all = true;
			a->dirty.qos_gc = true;
		}
	}
	if (!a->cbs_ok) {
		ret = volumes_open(a);
		if (ret == -ENOENT)
			snprintf(msg, sizeof(msg), "cbs.ko is not loaded (no \"cbs\" netlink family): "
				 "trying again every 5 s");
		else
			snprintf(msg, sizeof(msg), "cannot reach cbs.ko: %s", strerror(-ret));
		kernel_log(1, ret, msg);
		if (!ret)
			a->dirty.volumes = true;
	}
	a->t_reopen = a->vpc_ok && a->cbs_ok ? 0 : ag_now_ms() + 5000;
}

static int resync(struct agent *a)
{
	return kvpc_read(a);
}

/* --- the loop ---------------------------------------------------------------- */

static void add_fd(struct curl_waitfd *fds, unsigned int *n, int fd)
{
	if (fd < 0)
		return;
	fds[*n] = (struct curl_waitfd){ .fd = fd, .events = CURL_WAIT_POLLIN };
	(*n)++;
}

/* The next timer, as a timeout from NOW in ms (at most 1 s). */
static int next_timeout(struct agent *a, uint64_t now)
{
	uint64_t t[] = { a->t_watch, a->t_retry, a->t_vol, a->t_reopen, a->t_resync,
			 a->t_status, volumes_deadline(a), notify_deadline(a) };
	uint64_t next = now + 1000;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] && t[i] < next)
			next = t[i];
	return next <= now ? 0 : (int)(next - now);
}

static void timers(struct agent *a, uint64_t now)
{
	if (a->t_reopen && now >= a->t_reopen)
		open_kernel(a);
	if (a->t_resync && now >= a->t_resync && a->vpc_ok) {
		a->t_resync = now + AG_RESYNC_MS;
		if (ag_in_netns(a, resync)) {
			nb_log("cannot read vpc.ko's state again: %m");
		} else {
			a->dirty.all = true;
			a->dirty.qos_gc = true;
		}
	}
	if (a->t_retry && now >= a->t_retry) {
		a->t_retry = 0;
		a->dirty.all = true;
	}
	if (a->t_vol && now >= a->t_vol) {
		a->t_vol = now + AG_VOL_CHECK_MS;
		a->dirty.volumes = true;
	}
	if (!a->watch && (!a->t_watch || now >= a->t_watch))
		http_start_watch(a);
	if (a->t_status && now >= a->t_status) {
		a->t_status = 0;
		http_post_status(a);
	}
	notify_timers(a, now);
}

static void signalled(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			nb_log("signal %u: stopping; the kernel's state stays as it is", si.ssi_signo);
			a->stop = true;
		}
	}
}

static void loop(struct agent *a)
{
	struct curl_waitfd fds[MAX_POLLFDS];
	unsigned int n, fixed;
	int running, fd_vpc, fd_cbs, fd_rtnl, fd_mhd;

	while (!a->stop) {
		uint64_t now = ag_now_ms();

		timers(a, now);
		if (a->listed && !ag_dirty_empty(&a->dirty))
			ag_reconcile(a);
		curl_multi_perform(a->multi, &running);
		http_done(a);
		/* An answer applied at once, without waiting for the next poll. */
		if (a->listed && !ag_dirty_empty(&a->dirty))
			continue;

		n = 0;
		add_fd(fds, &n, a->sigfd);
		fd_vpc = a->vpc_ok ? mnl_socket_get_fd(a->vpc_mon.nl) : -1;
		fd_cbs = a->cbs_ok ? mnl_socket_get_fd(a->cbs_mon.nl) : -1;
		fd_rtnl = a->rtnl ? mnl_socket_get_fd(a->rtnl) : -1;
		fd_mhd = metrics_fd(a);
		add_fd(fds, &n, fd_vpc);
		add_fd(fds, &n, fd_cbs);
		add_fd(fds, &n, fd_rtnl);
		add_fd(fds, &n, fd_mhd);
		fixed = n;
		n += volumes_pollfds(a, fds + n, MAX_POLLFDS - n);
		curl_multi_poll(a->multi, fds, n, next_timeout(a, ag_now_ms()), NULL);

		for (unsigned int i = 0; i < fixed; i++) {
			if (!fds[i].revents)
				continue;
			if (fds[i].fd == a->sigfd)
				signalled(a);
			else if (fds[i].fd == fd_vpc)
				kvpc_notified(a);
			else if (fds[i].fd == fd_cbs)
				volumes_notified(a);
			else if (fds[i].fd == fd_rtnl)
				links_notified(a);
			else if (fds[i].fd == fd_mhd)
				metrics_run(a);
		}
		volumes_poll_done(a, fds + fixed, n - fixed);
		if (a->mhd)
			metrics_run(a);
	}
}

int main(int argc, char **argv)
{
	static struct agent agent;
	struct agent *a = &agent;
	char *keep[16] = { 0 };
	sigset_t mask;
	int ret = 1;

	nb_log_init("nimbus-agent");
	if (parse_options(argc, argv, &a->opt, keep))
		goto out_opts;
	ret = nb_token_read_file(a->opt.token_file, a->token, sizeof(a->token));
	if (ret) {
		fprintf(stderr, "nimbus-agent: cannot read a token from %s: %s\n", a->opt.token_file,
			strerror(-ret));
		ret = 1;
		goto out_opts;
	}
	ret = 1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	a->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (a->sigfd < 0) {
		nb_log("signalfd: %m");
		goto out_opts;
	}
	ag_state_init(&a->want);
	ag_state_init(&a->have);
	ag_dirty_init(&a->dirty);
	hmap_init(&a->links);
	hmap_init(&a->errors);
	hmap_init(&a->pending);
	hmap_init(&a->qos_failed);
	hmap_init(&a->miss_fetched);
	hmap_init(&a->claims_unreported);
	hmap_init(&a->vol_ops);
	hmap_init(&a->vol_retry);
	a->tag = ag_host_tag(a->opt.host);
	if (a->opt.netns) {
		char path[300];

		snprintf(path, sizeof(path), "/run/netns/%s", a->opt.netns);
		if (access(path, F_OK)) {
			nb_log("no network namespace %s: %m", path);
			goto out_state;
		}
	}
	if (http_init(a)) {
		nb_log("cannot set up libcurl");
		goto out_state;
	}
	if (a->opt.metrics) {
		ret = metrics_start(a);
		if (ret) {
			nb_log("cannot serve metrics on %s: %s", a->opt.metrics, strerror(-ret));
			ret = 1;
			goto out_http;
		}
	}
	nb_log("host %s (cbs session tag %08x), controller %s, namespace %s", a->opt.host, a->tag,
	       a->opt.controller, a->opt.netns ? a->opt.netns : "(own)");
	open_kernel(a);
	a->t_resync = ag_now_ms() + AG_RESYNC_MS;
	a->t_vol = ag_now_ms() + AG_VOL_CHECK_MS;
	loop(a);
	ret = 0;

	metrics_stop(a);
out_http:
	http_cleanup(a);
out_state:
	/* Nothing is undone in the kernel: the data plane runs without the agent. */
	volumes_close(a);
	kvpc_close(a);
	links_close(a);
	ag_state_free(&a->want);
	ag_state_free(&a->have);
	ag_dirty_free(&a->dirty);
	hmap_foreach(&a->errors, i)
		free(a->errors.e[i].val);
	hmap_free(&a->errors);
	hmap_free(&a->pending);
	hmap_free(&a->qos_failed);
	hmap_free(&a->miss_fetched);
	hmap_foreach(&a->claims_unreported, i)
		free(a->claims_unreported.e[i].val);
	hmap_free(&a->claims_unreported);
	free(a->status_sent);
	free(a->status_want);
	close(a->sigfd);
out_opts:
	explicit_bzero(a->token, sizeof(a->token));
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		free(keep[i]);
	return ret;
}
