// SPDX-License-Identifier: GPL-2.0
/*
 * cbs map, unmap, show, monitor: the block devices of cbs.ko.  `cbs map`
 * opens the TCP connections, does the handshake of each (the kernel only
 * speaks the request/reply part of the protocol) and hands them over.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <linux/cbs.h>
#include <linux/genetlink.h>

#include "lib/cbs_client.h"
#include "lib/cbs_nl.h"
#include "lib/genl.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/token.h"
#include "agent/cbs/cbs.h"

struct map_args {
	const char *name;
	const char *server;		/* as given: one server or a list */
	struct server_list servers;
	char primary[CBS_PROTO_ADDR_LEN];	/* where the connections go */
	uint64_t epoch;			/* the replica set's, as the primary said */
	char token[CBS_PROTO_TOKEN_LEN];
	uint32_t conns;
	uint64_t generation;
	uint64_t session;		/* the device's, in every hello (reconnects too) */
	uint32_t dead_timeout;
	uint32_t io_timeout;
	bool reconnect;
};

static volatile sig_atomic_t map_stop;

static int cbs_nl_open(struct genl_sock *gs)
{
	int ret = genl_open(gs, CBS_GENL_NAME);

	if (ret == -ENOENT)
		fprintf(stderr, "Error: the cbs module is not loaded (no \"cbs\" netlink family)\n");
	else if (ret)
		fprintf(stderr, "Error: cannot open netlink socket: %s\n", strerror(-ret));
	return ret;
}

/* A handshake with a server of the list that is down or cut off gives up after this. */
#define PROBE_TIMEOUT_MS	5000

/* Connect to SERVER and do a volume handshake; the fd, or -errno. */
static int volume_connect_to(const struct map_args *a, const char *server, int timeout_ms,
			     struct cbs_hello_reply *rep)
{
	struct cbs_hello_req h = { .generation = a->generation, .session = a->session };
	int fd;

	snprintf(h.name, sizeof(h.name), "%s", a->name);
	memcpy(h.token, a->token, sizeof(h.token));
	fd = cbs_client_connect(server, timeout_ms, &h, rep);
	explicit_bzero(h.token, sizeof(h.token));
	return fd;
}

/*
 * The sockets handed to the kernel wait as long as TCP does: its receiver
 * must not time out on an idle link.
 */
static int volume_connect(const struct map_args *a, struct cbs_hello_reply *rep)
{
	return volume_connect_to(a, a->primary, 0, rep);
}

/* Which refusal of a handshake says most: a final one, then not-primary. */
static int refusal_rank(int err)
{
	if (err == -ESTALE || err == -EACCES)
		return 2;
	return err == -CBS_ERR_NOT_PRIMARY;
}

/*
 * With several servers: hello each, and pick the primary of the newest
 * epoch: the server whose hello succeeded with the highest epoch, unless a
 * refusal (CBS_ERR_NOT_PRIMARY) names a newer epoch's primary, which is
 * then followed.  0 with a->primary and a->epoch set, or -errno (the most
 * telling refusal: ESTALE or EACCES, then not-primary, then the last).
 */
static int find_volume_primary(struct map_args *a)
{
	uint64_t ok_epoch = 0, np_epoch = 0;
	const char *ok = NULL;
	char np[CBS_PROTO_ADDR_LEN] = "";
	struct cbs_hello_reply rep;
	int fd, err = -ENOENT;

	if (a->servers.n == 1) {
		snprintf(a->primary, sizeof(a->primary), "%s", a->servers.addr[0]);
		return 0;
	}
	for (unsigned int i = 0; i < a->servers.n; i++) {
		const char *server = a->servers.addr[i];
		uint64_t epoch;

		memset(&rep, 0, sizeof(rep));
		fd = volume_connect_to(a, server, PROBE_TIMEOUT_MS, &rep);
		epoch = le64toh(rep.epoch);
		if (fd >= 0) {
			close(fd);
			if (!ok || epoch > ok_epoch) {
				ok = server;
				ok_epoch = epoch;
			}
			continue;
		}
		if (fd == -CBS_ERR_NOT_PRIMARY && rep.primary[0] && (!np[0] || epoch > np_epoch)) {
			snprintf(np, sizeof(np), "%.*s", (int)sizeof(rep.primary) - 1, rep.primary);
			np_epoch = epoch;
		}
		if (refusal_rank(fd) >= refusal_rank(err))
			err = fd;
	}
	if (ok && (!np[0] || ok_epoch >= np_epoch)) {
		snprintf(a->primary, sizeof(a->primary), "%s", ok);
		a->epoch = ok_epoch;
		return 0;
	}
	if (np[0]) {
		snprintf(a->primary, sizeof(a->primary), "%s", np);
		a->epoch = np_epoch;
		return 0;
	}
	return err;
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close(fds[n]);
}

/* Open N connections; 0 or -errno with none left open. */
static int volume_connect_n(const struct map_args *a, unsigned int n, int *fds,
			    struct cbs_hello_reply *rep)
{
	unsigned int i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = volume_connect(a, rep);
		if (fd < 0) {
			close_fds(fds, i);
			return fd;
		}
		fds[i] = fd;
	}
	return 0;
}

static int map_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CBS_A_MAX + 1] = { 0 };

	genl_parse(nlh, tb, CBS_A_MAX);
	if (tb[CBS_A_INDEX])
		*(int *)data = (int)mnl_attr_get_u32(tb[CBS_A_INDEX]);
	return MNL_CB_OK;
}

struct dev_state {
	bool found;
	uint32_t conns, live;
};

static int state_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CBS_A_MAX + 1] = { 0 };
	struct dev_state *st = data;

	genl_parse(nlh, tb, CBS_A_MAX);
	if (!tb[CBS_A_CONNS] || !tb[CBS_A_LIVE_CONNS])
		return MNL_CB_OK;
	st->found = true;
	st->conns = mnl_attr_get_u32(tb[CBS_A_CONNS]);
	st->live = mnl_attr_get_u32(tb[CBS_A_LIVE_CONNS]);
	return MNL_CB_OK;
}

/* The device's links; st->found is false once it is gone. */
static int dev_state(struct genl_sock *gs, int index, struct dev_state *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(st, 0, sizeof(*st));
	nlh = genl_msg(gs, buf, CBS_CMD_STATUS, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, CBS_A_INDEX, (uint32_t)index);
	ret = genl_talk(gs, nlh, state_cb, st);
	return ret == -ENOENT ? 0 : ret;
}

/* Replace the device's dead connections with new ones. */
static int reconnect_dead(struct genl_sock *gs, struct map_args *a,
			  int index, uint32_t dead)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct cbs_hello_reply rep;
	int fds[CBS_MAX_SOCKETS];
	struct nlmsghdr *nlh;
	int ret;

	ret = find_volume_primary(a);
	if (!ret)
		ret = volume_connect_n(a, dead, fds, &rep);
	if (ret)
		return ret;
	a->epoch = le64toh(rep.epoch);
	nlh = genl_msg(gs, buf, CBS_CMD_RECONFIGURE, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, CBS_A_INDEX, (uint32_t)index);
	cbs_nl_put_sockets(nlh, fds, dead);
	if (a->epoch)
		mnl_attr_put_u64(nlh, CBS_A_EPOCH, a->epoch);
	ret = genl_talk(gs, nlh, NULL, NULL);
	close_fds(fds, dead);
	return ret;
}

static void map_on_signal(int sig)
{
	(void)sig;
	map_stop = 1;
}

/*
 * Stay with the device: whenever the kernel reports a dead link, open a new
 * connection and hand it in; leave when the device is unmapped or on
 * SIGTERM/SIGINT.  The poll timeout also retries a server that was down.
 */
static int map_reconnect_loop(struct map_args *a, int index)
{
	struct genl_sock mon, ctl;
	struct sigaction sa = { .sa_handler = map_on_signal };
	struct dev_state st;
	int ret;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (cbs_nl_open(&mon) || cbs_nl_open(&ctl))
		return 2;
	ret = genl_join(&mon, CBS_GENL_NAME, CBS_MCGRP_NOTIFY);
	if (ret)
		return nl_error("cannot join the notify group", ret, &mon);
	while (!map_stop) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(mon.nl), .events = POLLIN };

		if (poll(&pfd, 1, 1000) > 0)
			/* Any notification means: look at the device again. */
			recv(pfd.fd, mon.buf, MNL_SOCKET_BUFFER_SIZE, MSG_DONTWAIT);
		ret = dev_state(&ctl, index, &st);
		if (ret == -EINTR)
			continue;
		if (ret || !st.found)
			break;
		if (st.live < st.conns) {
			ret = reconnect_dead(&ctl, a, index, st.conns - st.live);
			if (ret)
				fprintf(stderr, "cbs map: cbs%d: reconnect to %s failed: %s%s%s\n",
					index, a->server, strerror(-ret),
					ctl.extack[0] ? ": " : "", ctl.extack);
			else if (a->servers.n > 1)
				fprintf(stderr, "cbs map: cbs%d: %u connection(s) restored to %s, epoch %llu\n",
					index, st.conns - st.live, a->primary,
					(unsigned long long)a->epoch);
			else
				fprintf(stderr, "cbs map: cbs%d: %u connection(s) restored\n",
					index, st.conns - st.live);
		}
	}
	genl_close(&mon);
	genl_close(&ctl);
	return 0;
}

static int map_parse(int argc, char **argv, struct map_args *a)
{
	if (argc < 1 || parse_name(argv[0], CBS_PROTO_NAME_LEN))
		return invarg("a volume name of 1..63 characters is required",
				  argc ? argv[0] : "");
	a->name = argv[0];
	for (argc--, argv++; argc > 0; argc--, argv++) {
		const char *key = argv[0];

		if (!strcmp(key, "reconnect")) {
			a->reconnect = true;
			continue;
		}
		if (argc < 2)
			return cli_needs_value(key);
		argc--;
		argv++;
		if (!strcmp(key, "server")) {
			if (parse_server_list(argv[0], &a->servers))
				return 1;
			a->server = argv[0];
		} else if (!strcmp(key, "token")) {
			if (strlen(argv[0]) >= CBS_PROTO_TOKEN_LEN || !argv[0][0])
				return invarg("token must be 1..63 characters", argv[0]);
			strcpy(a->token, argv[0]);
		} else if (!strcmp(key, "token-file")) {
			if (nb_token_read_file(argv[0], a->token, sizeof(a->token)))
				return invarg("cannot read a token from this file", argv[0]);
		} else if (!strcmp(key, "conns")) {
			if (parse_u32(argv[0], 1, CBS_MAX_SOCKETS, &a->conns))
				return invarg("conns must be 1..16", argv[0]);
		} else if (!strcmp(key, "generation")) {
			if (parse_u64(argv[0], &a->generation) || !a->generation)
				return invarg("generation must be 1 or more", argv[0]);
		} else if (!strcmp(key, "dead-timeout")) {
			if (parse_u32(argv[0], 1, 3600, &a->dead_timeout))
				return invarg("dead-timeout must be 1..3600 seconds", argv[0]);
		} else if (!strcmp(key, "io-timeout")) {
			if (parse_u32(argv[0], 1, 3600, &a->io_timeout))
				return invarg("io-timeout must be 1..3600 seconds", argv[0]);
		} else {
			return cli_unknown_arg(key, "cbs help");
		}
	}
	if (!a->server || !a->token[0]) {
		fprintf(stderr, "Error: \"server\" and \"token\" (or \"token-file\") are required\n");
		return 1;
	}
	return 0;
}

/*
 * A random, non-zero session id: the server keeps one write-ordering table
 * per (volume, session), so two devices on one volume must not share one.
 */
static int new_session_id(uint64_t *session)
{
	ssize_t n;

	do {
		n = getrandom(session, sizeof(*session), 0);
		if (n < 0 && errno != EINTR)
			return -errno;
	} while (n != (ssize_t)sizeof(*session) || !*session);
	return 0;
}

int do_map(int argc, char **argv)
{
	struct map_args a = { .conns = 1, .generation = 1 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct cbs_hello_reply rep;
	int fds[CBS_MAX_SOCKETS];
	struct nlmsghdr *nlh;
	struct genl_sock gs;
	int ret, index = -1;

	ret = map_parse(argc, argv, &a);
	if (ret)
		return ret;
	ret = new_session_id(&a.session);
	if (ret) {
		fprintf(stderr, "Error: cannot pick a session id: %s\n", strerror(-ret));
		return 2;
	}
	if (cbs_nl_open(&gs))
		return 2;
	ret = find_volume_primary(&a);
	if (!ret)
		ret = volume_connect_n(&a, a.conns, fds, &rep);
	if (!ret)
		a.epoch = le64toh(rep.epoch);
	if (ret) {
		fprintf(stderr, "Error: cannot open volume %s on %s: %s\n", a.name,
			a.server, strerror(-ret));
		genl_close(&gs);
		return 2;
	}
	nlh = genl_msg(&gs, buf, CBS_CMD_MAP, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_strz(nlh, CBS_A_NAME, a.name);
	mnl_attr_put_u64(nlh, CBS_A_SIZE, le64toh(rep.size));
	mnl_attr_put_u32(nlh, CBS_A_BLOCK_SIZE, le32toh(rep.block_size));
	mnl_attr_put_u64(nlh, CBS_A_GENERATION, a.generation);
	mnl_attr_put_u64(nlh, CBS_A_SESSION, a.session);
	if (a.epoch)
		mnl_attr_put_u64(nlh, CBS_A_EPOCH, a.epoch);
	if (a.dead_timeout)
		mnl_attr_put_u32(nlh, CBS_A_DEAD_TIMEOUT, a.dead_timeout);
	if (a.io_timeout)
		mnl_attr_put_u32(nlh, CBS_A_IO_TIMEOUT, a.io_timeout);
	cbs_nl_put_sockets(nlh, fds, a.conns);
	ret = genl_talk(&gs, nlh, map_reply_cb, &index);
	close_fds(fds, a.conns);
	if (ret) {
		ret = nl_error("cannot map the volume", ret, &gs);
		genl_close(&gs);
		return ret;
	}
	genl_close(&gs);
	printf("/dev/cbs%d\n", index);
	fflush(stdout);
	if (a.reconnect)
		return map_reconnect_loop(&a, index);
	return 0;
}

static int parse_dev(const char *s, uint32_t *index)
{
	if (!strncmp(s, "/dev/", 5))
		s += 5;
	if (!strncmp(s, "cbs", 3))
		s += 3;
	return parse_u32(s, 0, 65535, index);
}

int do_unmap(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct genl_sock gs;
	bool force = false;
	uint32_t index;
	int ret;

	if (argc < 1 || parse_dev(argv[0], &index))
		return invarg("a device (/dev/cbsN, cbsN or N) is required",
				  argc ? argv[0] : "");
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "force")))
		return invarg("only \"force\" may follow the device", argv[argc - 1]);
	force = argc == 2;
	if (cbs_nl_open(&gs))
		return 2;
	nlh = genl_msg(&gs, buf, CBS_CMD_UNMAP, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, CBS_A_INDEX, index);
	if (force)
		mnl_attr_put(nlh, CBS_A_FORCE, 0, NULL);
	ret = genl_talk(&gs, nlh, NULL, NULL);
	if (ret)
		ret = nl_error("cannot unmap", ret, &gs);
	genl_close(&gs);
	return ret;
}

int do_reconfigure(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t index, dead_timeout = 0;
	struct nlmsghdr *nlh;
	struct genl_sock gs;
	uint64_t size = 0;
	int ret;

	if (argc < 1 || parse_dev(argv[0], &index))
		return invarg("a device (/dev/cbsN, cbsN or N) is required",
				  argc ? argv[0] : "");
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return cli_needs_value(argv[0]);
		if (!strcmp(argv[0], "size")) {
			if (parse_size(argv[1], &size) || !size)
				return invarg("not a size", argv[1]);
		} else if (!strcmp(argv[0], "dead-timeout")) {
			if (parse_u32(argv[1], 1, 3600, &dead_timeout))
				return invarg("dead-timeout must be 1..3600 seconds", argv[1]);
		} else {
			return cli_unknown_arg(argv[0], "cbs help");
		}
	}
	if (cbs_nl_open(&gs))
		return 2;
	nlh = genl_msg(&gs, buf, CBS_CMD_RECONFIGURE, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, CBS_A_INDEX, index);
	if (size)
		mnl_attr_put_u64(nlh, CBS_A_SIZE, size);
	if (dead_timeout)
		mnl_attr_put_u32(nlh, CBS_A_DEAD_TIMEOUT, dead_timeout);
	ret = genl_talk(&gs, nlh, NULL, NULL);
	if (ret)
		ret = nl_error("cannot reconfigure", ret, &gs);
	genl_close(&gs);
	return ret;
}

struct show_filter {
	bool stats;
	bool details;
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CBS_A_MAX + 1] = { 0 };
	const struct show_filter *f = data;
	char dev[32];

	genl_parse(nlh, tb, CBS_A_MAX);
	if (!tb[CBS_A_INDEX] || !tb[CBS_A_NAME] || !tb[CBS_A_SIZE])
		return MNL_CB_OK;
	snprintf(dev, sizeof(dev), "/dev/cbs%u", mnl_attr_get_u32(tb[CBS_A_INDEX]));
	out_obj_begin();
	out_str("dev", "%s:", dev);
	out_str("volume", " volume %s", mnl_attr_get_str(tb[CBS_A_NAME]));
	out_uint("size", " size %llu", mnl_attr_get_u64(tb[CBS_A_SIZE]));
	out_uint("block_size", " block-size %llu", mnl_attr_get_u32(tb[CBS_A_BLOCK_SIZE]));
	out_uint("generation", " generation %llu", mnl_attr_get_u64(tb[CBS_A_GENERATION]));
	out_uint("conns", " conns %llu", mnl_attr_get_u32(tb[CBS_A_CONNS]));
	out_uint("live_conns", " live %llu", mnl_attr_get_u32(tb[CBS_A_LIVE_CONNS]));
	out_str("state", " state %s", tb[CBS_A_FENCED] ? "fenced" :
		mnl_attr_get_u32(tb[CBS_A_LIVE_CONNS]) ? "up" : "waiting");
	if (f->details) {
		if (tb[CBS_A_SESSION]) {
			/* A string: a JSON number loses 64-bit ids in most readers. */
			char session[17];

			snprintf(session, sizeof(session), "%016llx",
				 (unsigned long long)mnl_attr_get_u64(tb[CBS_A_SESSION]));
			out_str("session", "\n    session %s", session);
		}
		if (tb[CBS_A_EPOCH])
			out_uint("epoch", " epoch %llu", mnl_attr_get_u64(tb[CBS_A_EPOCH]));
		if (tb[CBS_A_IO_TIMEOUT])
			out_uint("io_timeout", " io-timeout %llu",
				 mnl_attr_get_u32(tb[CBS_A_IO_TIMEOUT]));
		if (tb[CBS_A_DEAD_TIMEOUT])
			out_uint("dead_timeout", " dead-timeout %llu",
				 mnl_attr_get_u32(tb[CBS_A_DEAD_TIMEOUT]));
	}
	if (f->stats && tb[CBS_A_STATS]) {
		const struct nlattr *s = tb[CBS_A_STATS];
		uint64_t reads = cbs_nl_stat(s, CBS_A_STATS_READS);
		uint64_t writes = cbs_nl_stat(s, CBS_A_STATS_WRITES);

		out_uint("reads", "\n    reads %llu", reads);
		out_uint("read_bytes", " read-bytes %llu", cbs_nl_stat(s, CBS_A_STATS_READ_BYTES));
		out_uint("writes", " writes %llu", writes);
		out_uint("write_bytes", " write-bytes %llu", cbs_nl_stat(s, CBS_A_STATS_WRITE_BYTES));
		out_uint("errors", " errors %llu", cbs_nl_stat(s, CBS_A_STATS_ERRORS));
		out_uint("read_latency_us", "\n    read-latency-avg %lluus",
			 reads ? cbs_nl_stat(s, CBS_A_STATS_READ_NS) / reads / 1000 : 0);
		out_uint("write_latency_us", " write-latency-avg %lluus",
			 writes ? cbs_nl_stat(s, CBS_A_STATS_WRITE_NS) / writes / 1000 : 0);
	}
	out_obj_end();
	return MNL_CB_OK;
}

int do_show(int argc, char **argv)
{
	struct show_filter f = { .stats = cbs_opts.stats, .details = cbs_opts.details };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct genl_sock gs;
	uint32_t index = 0;
	int ret;

	if (argc > 1)
		return invarg("only one device may be named", argv[1]);
	if (argc == 1 && parse_dev(argv[0], &index))
		return invarg("not a device (/dev/cbsN, cbsN or N)", argv[0]);
	if (cbs_nl_open(&gs))
		return 2;
	do {
		if (argc == 1) {
			nlh = genl_msg(&gs, buf, CBS_CMD_STATUS, NLM_F_REQUEST | NLM_F_ACK);
			mnl_attr_put_u32(nlh, CBS_A_INDEX, index);
		} else {
			nlh = genl_msg(&gs, buf, CBS_CMD_STATUS, NLM_F_REQUEST | NLM_F_DUMP);
		}
		ret = genl_talk(&gs, nlh, show_cb, &f);
	} while (ret == -EINTR);
	if (ret)
		ret = nl_error("cannot show devices", ret, &gs);
	genl_close(&gs);
	return ret;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CBS_A_MAX + 1] = { 0 };
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)data;
	genl_parse(nlh, tb, CBS_A_MAX);
	if ((g->cmd != CBS_CMD_LINK_DEAD && g->cmd != CBS_CMD_EPOCH) || !tb[CBS_A_INDEX])
		return MNL_CB_OK;
	out_obj_begin();
	out_str("event", "%s", g->cmd == CBS_CMD_EPOCH ? "epoch" : "link-dead");
	out_uint("index", " dev /dev/cbs%llu", mnl_attr_get_u32(tb[CBS_A_INDEX]));
	if (g->cmd == CBS_CMD_EPOCH && tb[CBS_A_NAME])
		out_str("volume", " volume %s", mnl_attr_get_str(tb[CBS_A_NAME]));
	if (tb[CBS_A_EPOCH])
		out_uint("epoch", " epoch %llu", mnl_attr_get_u64(tb[CBS_A_EPOCH]));
	if (tb[CBS_A_CONN])
		out_uint("conn", " conn %llu", mnl_attr_get_u32(tb[CBS_A_CONN]));
	if (tb[CBS_A_LIVE_CONNS])
		out_uint("live_conns", " live %llu", mnl_attr_get_u32(tb[CBS_A_LIVE_CONNS]));
	out_obj_end();
	out_flush();
	out_init(cbs_opts.json);
	fflush(stdout);
	return MNL_CB_OK;
}

int do_monitor(int argc, char **argv)
{
	struct genl_sock gs;
	ssize_t len;
	int ret;

	if (argc)
		return invarg("monitor takes no arguments", argv[0]);
	if (cbs_nl_open(&gs))
		return 2;
	ret = genl_join(&gs, CBS_GENL_NAME, CBS_MCGRP_NOTIFY);
	if (ret)
		return nl_error("cannot join the notify group", ret, &gs);
	while ((len = mnl_socket_recvfrom(gs.nl, gs.buf, MNL_SOCKET_BUFFER_SIZE)) > 0)
		mnl_cb_run(gs.buf, (size_t)len, 0, 0, monitor_cb, NULL);
	genl_close(&gs);
	return 0;
}
