// SPDX-License-Identifier: GPL-2.0
/*
 * nimbus-controller: the REST API of a Nimbus cloud's desired state.
 *
 *   nimbus-controller --listen ADDR:PORT --db FILE --admin-token-file FILE
 *       [--tls-cert FILE --tls-key FILE] [--config FILE] [--poll-timeout S]
 *       [--history N] [--store-history N] [--threads N]
 *
 * main() only orders things: options, the store and its cache, the HTTP
 * daemon, then waiting for SIGTERM or SIGINT, and the same steps undone in
 * reverse.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/token.h"
#include "controller/server/api.h"
#include "controller/server/http.h"

struct opts {
	char listen[128];
	char db[4096];
	char admin_token_file[4096];
	char tls_cert[4096];
	char tls_key[4096];
	long poll_timeout;
	long history;
	long store_history;
	long threads;
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "db", required_argument, NULL, 'd' },
	{ "admin-token-file", required_argument, NULL, 'a' },
	{ "tls-cert", required_argument, NULL, 'c' },
	{ "tls-key", required_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'f' },
	{ "poll-timeout", required_argument, NULL, 'p' },
	{ "history", required_argument, NULL, 'H' },
	{ "store-history", required_argument, NULL, 'S' },
	{ "threads", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nimbus-controller --listen ADDR:PORT --db FILE --admin-token-file FILE\n"
		"                         [--tls-cert FILE --tls-key FILE] [--config FILE]\n"
		"                         [--poll-timeout SECONDS] [--history EVENTS]\n"
		"                         [--store-history REVISIONS] [--threads N]\n");
}

static int set_long(const char *name, const char *v, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	if (!*v || *end || errno || *out < min || *out > max) {
		fprintf(stderr, "nimbus-controller: --%s must be an integer from %ld to %ld\n",
			name, min, max);
		return -1;
	}
	return 0;
}

static int set_str(const char *name, const char *v, char *out, size_t len)
{
	if (strlen(v) >= len) {
		fprintf(stderr, "nimbus-controller: --%s is too long\n", name);
		return -1;
	}
	strcpy(out, v);
	return 0;
}

/* One option, from the command line or a config file. */
static int set_opt(struct opts *o, int c, const char *name, const char *v)
{
	switch (c) {
	case 'l':
		return set_str(name, v, o->listen, sizeof(o->listen));
	case 'd':
		return set_str(name, v, o->db, sizeof(o->db));
	case 'a':
		return set_str(name, v, o->admin_token_file, sizeof(o->admin_token_file));
	case 'c':
		return set_str(name, v, o->tls_cert, sizeof(o->tls_cert));
	case 'k':
		return set_str(name, v, o->tls_key, sizeof(o->tls_key));
	case 'p':
		return set_long(name, v, 0, 3600, &o->poll_timeout);
	case 'H':
		return set_long(name, v, 1, 100000000, &o->history);
	case 'S':
		return set_long(name, v, 1, 1000000000, &o->store_history);
	case 't':
		return set_long(name, v, 1, 256, &o->threads);
	}
	return -1;
}

/*
 * A config file: one option a line, "name value" or "name = value", the
 * long option names without dashes; '#' starts a comment.
 */
static int read_config(struct opts *o, const char *path)
{
	char line[8192];
	int lineno = 0, ret = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "nimbus-controller: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		char *p = line, *name, *val, *end;
		const struct option *opt;

		lineno++;
		p[strcspn(p, "#\r\n")] = '\0';
		name = p + strspn(p, " \t");
		if (!*name)
			continue;
		val = name + strcspn(name, " \t=");
		end = val;
		val += strspn(val, " \t=");
		*end = '\0';
		end = val + strlen(val);
		while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		for (opt = longopts; opt->name; opt++)
			if (!strcmp(opt->name, name) && opt->has_arg && strcmp(name, "config"))
				break;
		if (!opt->name || !*val) {
			fprintf(stderr, "nimbus-controller: %s:%d: %s\n", path, lineno,
				opt->name ? "option without a value" : "unknown option");
			ret = -1;
			break;
		}
		ret = set_opt(o, opt->val, name, val);
	}
	fclose(f);
	return ret;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int c, idx;

	/* The config file first, so that the command line overrides it. */
	for (int i = 1; i < argc; i++) {
		const char *path = NULL;

		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			path = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		if (path && read_config(o, path))
			return -1;
	}
	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?') {
			usage(stderr);
			return -1;
		}
		if (c != 'f' && set_opt(o, c, longopts[idx].name, optarg))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "nimbus-controller: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!o->listen[0] || !o->db[0] || !o->admin_token_file[0]) {
		fprintf(stderr, "nimbus-controller: --listen, --db and --admin-token-file are required\n");
		usage(stderr);
		return -1;
	}
	if (!o->tls_cert[0] != !o->tls_key[0]) {
		fprintf(stderr, "nimbus-controller: --tls-cert and --tls-key go together\n");
		return -1;
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct opts o = { .poll_timeout = 30, .history = 20000, .store_history = 100000,
			  .threads = 4 };
	struct http_opts ho = { 0 };
	static struct ctx c;
	struct http *h = NULL;
	char err[512], bound[128];
	char *cert = NULL, *key = NULL;
	sigset_t sigs;
	int ret, sig, fd;

	nb_log_init("nimbus-controller");
	if (parse_args(&o, argc, argv))
		return 1;
	ret = nb_token_read_file(o.admin_token_file, c.admin_token, sizeof(c.admin_token));
	if (ret) {
		fprintf(stderr, "nimbus-controller: %s: %s\n", o.admin_token_file,
			ret == -ENODATA ? "no token on its first line" : strerror(-ret));
		return 1;
	}
	if (o.tls_cert[0]) {
		cert = read_file(o.tls_cert);
		key = read_file(o.tls_key);
		if (!cert || !key) {
			fprintf(stderr, "nimbus-controller: cannot read %s\n",
				cert ? o.tls_key : o.tls_cert);
			goto fail_tls;
		}
	}
	/* Signals are taken by sigwait() below; every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Every held poll is an open connection: allow as many as the hard limit. */
	{
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	c.poll_timeout = (int)o.poll_timeout;
	c.cbs_timeout_ms = 5000;
	if (api_init(&c, o.db, o.store_history, (size_t)o.history, err, sizeof(err))) {
		nb_log("cannot open the store: %s", err);
		goto fail_tls;
	}
	fd = http_listen(o.listen, bound, sizeof(bound));
	if (fd < 0) {
		nb_log("cannot listen on %s: %s", o.listen, strerror(-fd));
		goto fail_api;
	}
	ho.listen_fd = fd;
	ho.threads = (int)o.threads;
	ho.tls_cert = cert;
	ho.tls_key = key;
	if (http_start(&h, &c, &ho, err, sizeof(err))) {
		nb_log("%s", err);
		close(fd);
		goto fail_api;
	}
	nb_log("listening on %s (%s), store %s at revision %lld", bound,
		cert ? "https" : "http", o.db, (long long)store_revision(c.store));

	do
		ret = sigwait(&sigs, &sig);
	while (ret == EINTR);
	nb_log("signal %d: stopping", sig);

	http_stop(h, 5.0);
	api_fini(&c);
	free(cert);
	free(key);
	nb_log("stopped");
	return 0;

fail_api:
	api_fini(&c);
fail_tls:
	free(cert);
	free(key);
	return 1;
}
