// SPDX-License-Identifier: GPL-2.0
/*
 * cbs-server: serves Cloud Block Store volumes over TCP (linux/cbs_proto.h).
 * The main thread accepts connections and waits for SIGTERM/SIGINT in one
 * epoll loop; each connection is served by its own thread (conn.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "lib/sock.h"
#include "lib/token.h"
#include "storage/conn.h"
#include "storage/fsck.h"
#include "storage/replica.h"
#include "storage/volume.h"

#define DEFAULT_MAX_CONNS 1024

struct config {
	char listen[128];
	char data[4096];
	char admin_token[CBS_PROTO_TOKEN_LEN];
	unsigned int max_conns;
	unsigned int replica_timeout;	/* seconds */
	uint64_t resync_rate;		/* bytes/s */
	bool fsck;			/* --fsck: check --data and exit */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs-server --listen ADDR:PORT --data DIR\n"
		"                  { --admin-token TOKEN | --admin-token-file PATH }\n"
		"                  [--max-connections N] [--replica-timeout SECONDS]\n"
		"                  [--resync-rate BYTES/S] [--config FILE]\n"
		"       cbs-server --fsck --data DIR\n");
}

static int copy_opt(char *dst, size_t size, const char *value)
{
	if (!*value || strlen(value) >= size)
		return -EINVAL;
	strcpy(dst, value);
	return 0;
}

/* One setter for the command line and the config file; later settings win. */
static int set_option(struct config *cfg, const char *key, const char *value)
{
	char *end;
	unsigned long n;
	int ret;

	if (!strcmp(key, "listen"))
		ret = copy_opt(cfg->listen, sizeof(cfg->listen), value);
	else if (!strcmp(key, "data"))
		ret = copy_opt(cfg->data, sizeof(cfg->data), value);
	else if (!strcmp(key, "admin-token"))
		ret = cbs_token_set(cfg->admin_token, value);
	else if (!strcmp(key, "admin-token-file"))
		ret = cbs_token_read_file(cfg->admin_token, value);
	else if (!strcmp(key, "max-connections")) {
		errno = 0;
		n = strtoul(value, &end, 10);
		ret = errno || *end || !n || n > 65536 ? -EINVAL : 0;
		if (!ret)
			cfg->max_conns = (unsigned int)n;
	} else if (!strcmp(key, "replica-timeout")) {
		errno = 0;
		n = strtoul(value, &end, 10);
		ret = errno || *end || !n || n > 3600 ? -EINVAL : 0;
		if (!ret)
			cfg->replica_timeout = (unsigned int)n;
	} else if (!strcmp(key, "resync-rate")) {
		ret = parse_size(value, &cfg->resync_rate);
		if (!ret && !cfg->resync_rate)
			ret = -EINVAL;
	} else {
		fprintf(stderr, "cbs-server: unknown option \"%s\"\n", key);
		return -EINVAL;
	}
	if (ret)
		fprintf(stderr, "cbs-server: bad value for \"%s\": %s\n", key,
			strstr(key, "token") && ret == -EINVAL ?
			"must be 1..63 printable characters" : strerror(-ret));
	return ret;
}

/* Lines "KEY VALUE" with the long option names; '#' starts a comment. */
static int read_config(struct config *cfg, const char *path)
{
	char line[4352], *key, *value, *end;
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f) {
		fprintf(stderr, "cbs-server: cannot open %s: %m\n", path);
		return -errno;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		key = line + strspn(line, " \t");
		if (!*key)
			continue;
		end = key + strcspn(key, " \t=");
		value = end + strspn(end, " \t=");
		*end = '\0';
		value[strcspn(value, " \t")] = '\0';
		ret = set_option(cfg, key, value);
		if (ret)
			fprintf(stderr, "cbs-server: %s:%u: bad line\n", path, lineno);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return ret;
}

static int parse_args(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 0 },
		{ "data", required_argument, NULL, 0 },
		{ "admin-token", required_argument, NULL, 0 },
		{ "admin-token-file", required_argument, NULL, 0 },
		{ "max-connections", required_argument, NULL, 0 },
		{ "replica-timeout", required_argument, NULL, 0 },
		{ "resync-rate", required_argument, NULL, 0 },
		{ "config", required_argument, NULL, 0 },
		{ "fsck", no_argument, NULL, 0 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, idx, ret;

	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c != 0)
			return -EINVAL;
		if (!strcmp(opts[idx].name, "fsck")) {
			cfg->fsck = true;
			continue;
		}
		if (!strcmp(opts[idx].name, "config"))
			ret = read_config(cfg, optarg);
		else
			ret = set_option(cfg, opts[idx].name, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc) {
		fprintf(stderr, "cbs-server: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->fsck && !cfg->data[0]) {
		fprintf(stderr, "cbs-server: --fsck needs --data\n");
		return -EINVAL;
	}
	if (!cfg->fsck && (!cfg->listen[0] || !cfg->data[0] || !cfg->admin_token[0])) {
		fprintf(stderr, "cbs-server: --listen, --data and an admin token are required\n");
		return -EINVAL;
	}
	return 0;
}

static int open_listener(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct addrinfo *res;
	char name[128];
	int fd, one = 1;

	if (nb_sock_resolve(addr, true, &res)) {
		nb_log("bad listen address \"%s\" (want ADDR:PORT)", addr);
		return -EINVAL;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		nb_log("cannot listen on %s: %m", addr);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	/* The real port, for a listen address with port 0. */
	nb_sock_format((struct sockaddr *)&ss, len, name, sizeof(name));
	nb_log("listening on %s", name);
	return fd;
}

static void accept_all(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char peer[64];
	int fd, err, ret;

	for (;;) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0) {
			err = errno;
			if (err == EAGAIN || err == EINTR || err == ECONNABORTED)
				return;
			nb_log("accept: %s", strerror(err));
			/* Out of fds: the listener stays readable, so do not spin. */
			if (err == EMFILE || err == ENFILE)
				usleep(100 * 1000);
			return;
		}
		nb_sock_format((struct sockaddr *)&ss, len, peer, sizeof(peer));
		ret = conn_start(fd, peer);
		if (ret) {
			nb_log("%s: connection refused: %s", peer, strerror(-ret));
			close(fd);
		}
	}
}

/* Until SIGTERM or SIGINT; 0 or -1. */
static int run(int lfd, int sfd)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[2];
	int ep, n, ret = -1;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		goto out;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		goto out;
	for (;;) {
		n = epoll_wait(ep, evs, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.fd == lfd) {
				accept_all(lfd);
				continue;
			}
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				nb_log("signal %u, stopping", si.ssi_signo);
				ret = 0;
				goto out;
			}
		}
	}
out:
	if (ret)
		nb_log("event loop: %m");
	close(ep);
	return ret;
}

int main(int argc, char **argv)
{
	struct config cfg = { .max_conns = DEFAULT_MAX_CONNS };
	struct rlimit rl;
	sigset_t mask;
	int lfd, sfd, ret;

	nb_log_init("cbs-server");
	if (parse_args(&cfg, argc, argv)) {
		usage(stderr);
		return 1;
	}
	/* Offline: nothing is served, nothing on disk changes. */
	if (cfg.fsck) {
		explicit_bzero(cfg.admin_token, sizeof(cfg.admin_token));
		return fsck_run(cfg.data, stdout);
	}
	/* Each connection and each volume holds an fd. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Blocked before any thread starts, so only the signalfd sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sigdelset(&mask, SIGPIPE);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		nb_log("signalfd: %m");
		return 1;
	}
	ret = vol_table_init(cfg.data);
	if (ret) {
		nb_log("data directory %s: %s", cfg.data, strerror(-ret));
		return 1;
	}
	ret = replica_init(cfg.data, cfg.replica_timeout, cfg.resync_rate);
	if (ret) {
		nb_log("data directory %s: %s", cfg.data, strerror(-ret));
		vol_table_exit();
		return 1;
	}
	conn_init(cfg.admin_token, cfg.max_conns);
	explicit_bzero(cfg.admin_token, sizeof(cfg.admin_token));
	lfd = open_listener(cfg.listen);
	if (lfd < 0) {
		replica_exit();
		vol_table_exit();
		return 1;
	}
	ret = run(lfd, sfd);
	close(lfd);
	replica_stop();
	conn_stop_all();
	replica_exit();
	vol_table_exit();
	close(sfd);
	nb_log("stopped");
	return ret ? 1 : 0;
}
