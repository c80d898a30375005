// SPDX-License-Identifier: GPL-2.0
/*
 * cbs volume: create, delete, resize and list volumes on cbs-servers (one,
 * or the 1..3 of a replica set), promote and set-replicas, clone and
 * rollback.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cbs_client.h"
#include "lib/cbs_proto.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/token.h"
#include "agent/cbs/cbs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs volume create NAME size SIZE [ block-size { 512 | 4096 } ]\n"
		"                         [ { token TOKEN | token-file PATH } ] SERVERS\n"
		"       cbs volume delete NAME SERVERS\n"
		"       cbs volume resize NAME size SIZE SERVERS\n"
		"       cbs [ -d ] volume list SERVERS\n"
		"       cbs volume promote NAME epoch EPOCH SERVER [ force ]\n"
		"       cbs volume set-replicas NAME replicas LIST epoch EPOCH SERVER [ force ]\n"
		"       cbs volume clone VOLUME@SNAP NAME [ { token TOKEN | token-file PATH } ] SERVERS\n"
		"       cbs volume rollback VOLUME@SNAP SERVERS\n"
		"where  SERVERS := server LIST ADMIN\n"
		"       SERVER := server ADDR:PORT ADMIN\n"
		"       LIST := ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]  (a replica set; the first is primary)\n"
		"       ADMIN := { admin-token TOKEN | admin-token-file PATH }\n"
		"       SIZE := bytes, with an optional K, M, G, T or P suffix (powers of 1024)\n");
}

static int token_arg(char *token, const char *key, const char *value, bool file)
{
	int ret = file ? cbs_token_read_file(token, value) : cbs_token_set(token, value);

	if (!ret)
		return 0;
	if (ret == -EINVAL)
		return invarg(file ? "the file's first line must be a token of 1..63 printable characters"
				       : "a token is 1..63 printable characters", key);
	fprintf(stderr, "Error: argument \"%s\" is wrong: cannot read \"%s\": %s\n",
		key, value, strerror(-ret));
	return 1;
}

int parse_snap_name(const char *s, char *volume, char *snap)
{
	const char *at = strchr(s, '@');
	size_t len = at ? (size_t)(at - s) : 0;

	if (!at || !len || len >= CBS_PROTO_NAME_LEN)
		return invarg("want VOLUME@SNAP", s);
	memset(volume, 0, CBS_PROTO_NAME_LEN);
	memcpy(volume, s, len);
	if (!cbs_proto_name_ok(volume) || strlen(at + 1) >= CBS_PROTO_NAME_LEN ||
	    !cbs_proto_name_ok(at + 1) || strchr(at + 1, '@'))
		return invarg("want VOLUME@SNAP, each a name of 1..63 printable characters, no '/', not starting with '.'",
			      s);
	snprintf(snap, CBS_PROTO_NAME_LEN, "%s", at + 1);
	return 0;
}

static int need(bool missing, const char *what)
{
	if (missing)
		fprintf(stderr, "Error: \"%s\" is required\n", what);
	return missing;
}

int parse_volume_args(int argc, char **argv, bool want_name, unsigned int allowed,
		      struct volume_args *a)
{
	if (want_name) {
		if (argc < 1) {
			fprintf(stderr, "Error: a volume NAME is required\n");
			return 1;
		}
		if (!cbs_proto_name_ok(argv[0]))
			return invarg("a volume name is 1..63 printable characters, no '/', not starting with '.'",
					  argv[0]);
		a->name = argv[0];
		argc--;
		argv++;
	}
	for (; argc > 0; argc -= 2, argv += 2) {
		const char *key = argv[0], *value = argv[1];
		int ret = 0;

		if ((allowed & ARG_FORCE) && !strcmp(key, "force")) {
			a->force = true;
			argc++;		/* a flag: one word, not two */
			argv--;
			continue;
		}
		if (argc < 2) {
			fprintf(stderr, "Error: argument \"%s\" needs a value\n", key);
			return 1;
		}
		if (!strcmp(key, "server")) {
			ret = parse_server_list(value, &a->servers);
			if (!ret && (allowed & ARG_ONE_SERVER) && a->servers.n > 1)
				return invarg("this command talks to one server, ADDR:PORT", value);
			a->server = value;
		} else if (!strcmp(key, "admin-token") || !strcmp(key, "admin-token-file")) {
			ret = token_arg(a->admin_token, key, value, key[11] == '-');
		} else if ((allowed & ARG_TOKEN) &&
			   (!strcmp(key, "token") || !strcmp(key, "token-file"))) {
			ret = token_arg(a->token, key, value, key[5] == '-');
		} else if ((allowed & ARG_SIZE) && !strcmp(key, "size")) {
			if (parse_size(value, &a->size) || !a->size || a->size > INT64_MAX)
				return invarg("a size is 1 byte to 8 EiB, e.g. 10G", value);
		} else if ((allowed & ARG_BLOCK_SIZE) && !strcmp(key, "block-size")) {
			if (parse_u32(value, 512, 4096, &a->block_size) ||
			    !cbs_proto_block_size_ok(a->block_size))
				return invarg("the block size is 512 or 4096", value);
		} else if ((allowed & ARG_EPOCH) && !strcmp(key, "epoch")) {
			if (parse_u64(value, &a->epoch) || !a->epoch)
				return invarg("an epoch is 1 or more", value);
		} else if ((allowed & ARG_REPLICAS) && !strcmp(key, "replicas")) {
			ret = parse_server_list(value, &a->replicas);
		} else {
			fprintf(stderr, "Error: argument \"%s\" is unknown here, try \"cbs %s help\".\n",
				key, a->object ? a->object : "volume");
			return 1;
		}
		if (ret)
			return ret;
	}
	if (need(!a->server, allowed & ARG_ONE_SERVER ? "server ADDR:PORT" :
		 "server ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]") ||
	    need(!a->admin_token[0], "admin-token\" or \"admin-token-file") ||
	    need((allowed & ARG_SIZE) && !a->size, "size SIZE") ||
	    need((allowed & ARG_EPOCH) && !a->epoch, "epoch EPOCH") ||
	    need((allowed & ARG_REPLICAS) && !a->replicas.n,
		 "replicas ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]"))
		return 1;
	return 0;
}

int admin_op_on(const struct volume_args *a, unsigned int i, uint16_t op, const char *obj,
		const void *arg, uint32_t arg_len, void **reply, uint32_t *reply_len)
{
	const char *server = a->servers.addr[i];

	return admin_report(server, op, obj,
			    admin_call(server, a->admin_token, op, arg, arg_len, reply, reply_len));
}

int admin_op_all(const struct volume_args *a, uint16_t op, const char *obj,
		 const void *arg, uint32_t arg_len)
{
	int ret, status = 0;

	for (unsigned int i = 0; i < a->servers.n; i++) {
		ret = admin_op_on(a, i, op, obj, arg, arg_len, NULL, NULL);
		if (ret && !status)
			status = ret;
	}
	return status;
}

static void admin_arg(struct cbs_admin_volume *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
}

void undo_create(const struct volume_args *a, const char *name, unsigned int n)
{
	struct cbs_admin_volume v;
	int ret;

	admin_arg(&v, name);
	while (n--) {
		ret = admin_call(a->servers.addr[n], a->admin_token, CBS_OP_DELETE, &v,
				 sizeof(v), NULL, NULL);
		if (ret)
			fprintf(stderr, "Warning: could not delete \"%s\" again on %s: %s\n",
				name, a->servers.addr[n], strerror(ret > 0 ? ret : -ret));
	}
}

/* CONFIG epoch 1 on each listed server: members = the list, primary the first. */
static int configure_replicas(const struct volume_args *a, const char *name)
{
	struct cbs_config_req c = { .epoch = 1, .count = a->servers.n, .primary = 0 };
	struct cbs_admin_config arg;
	int ret = 0;

	if (a->servers.n == 1)
		return 0;	/* standalone: CREATE made it so */
	snprintf(c.name, sizeof(c.name), "%s", name);
	memcpy(c.peer_token, a->admin_token, sizeof(c.peer_token));
	memcpy(c.members, a->servers.addr, sizeof(c.members));
	for (unsigned int i = 0; i < a->servers.n && !ret; i++) {
		c.self = i;
		cbs_proto_encode_config(&c, &arg);
		ret = admin_op_on(a, i, CBS_OP_CONFIG, name, &arg, sizeof(arg), NULL, NULL);
	}
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(&arg, sizeof(arg));
	return ret;
}

int create_on_all(const struct volume_args *a, const char *name)
{
	struct cbs_admin_volume v;
	unsigned int i;
	int ret = 0;

	admin_arg(&v, name);
	memcpy(v.token, a->token, sizeof(v.token));
	v.size = htole64(a->size);
	v.block_size = htole32(a->block_size);
	for (i = 0; i < a->servers.n && !ret; i++)
		ret = admin_op_on(a, i, CBS_OP_CREATE, name, &v, sizeof(v), NULL, NULL);
	explicit_bzero(&v, sizeof(v));
	if (ret) {
		/* The one that failed created nothing. */
		undo_create(a, name, i - 1);
		return ret;
	}
	ret = configure_replicas(a, name);
	if (ret)
		undo_create(a, name, a->servers.n);
	return ret;
}

void print_token(const char *name, const char *token)
{
	out_obj_begin();
	if (cbs_opts.json)
		out_str("name", "%s", name);
	out_str("token", "%s", token);
	out_obj_end();
}

static int volume_create(int argc, char **argv)
{
	struct volume_args a = { .block_size = 4096 };
	int ret;

	ret = parse_volume_args(argc, argv, true, ARG_SIZE | ARG_BLOCK_SIZE | ARG_TOKEN, &a);
	if (ret)
		return ret;
	if (a.size % a.block_size) {
		fprintf(stderr, "Error: argument \"size\" is wrong: not a multiple of the block size %u\n",
			a.block_size);
		return 1;
	}
	if (!a.token[0] && cbs_token_random(a.token)) {
		fprintf(stderr, "Error: cannot make a random token: %m\n");
		return 1;
	}
	ret = create_on_all(&a, a.name);
	if (!ret)
		print_token(a.name, a.token);
	explicit_bzero(&a, sizeof(a));
	return ret;
}

static int volume_delete(int argc, char **argv)
{
	struct volume_args a = { 0 };
	struct cbs_admin_volume v;
	int ret;

	ret = parse_volume_args(argc, argv, true, 0, &a);
	if (ret)
		return ret;
	admin_arg(&v, a.name);
	return admin_op_all(&a, CBS_OP_DELETE, a.name, &v, sizeof(v));
}

static int volume_resize(int argc, char **argv)
{
	struct volume_args a = { 0 };
	struct cbs_admin_volume v;
	int ret;

	ret = parse_volume_args(argc, argv, true, ARG_SIZE, &a);
	if (ret)
		return ret;
	admin_arg(&v, a.name);
	v.size = htole64(a.size);
	return admin_op_all(&a, CBS_OP_RESIZE, a.name, &v, sizeof(v));
}

/* -d: the volume's replica set as SERVER knows it (STATUS). */
static void print_replicas(const struct volume_args *a, const char *server, const char *name)
{
	struct replica_status st;
	int ret;

	ret = admin_status(server, a->admin_token, name, &st);
	if (ret) {
		out_str("status_error", "\n    status-error \"%s\"",
			strerror(ret > 0 ? ret : -ret));
		return;
	}
	out_uint("config_epoch", "\n    config-epoch %llu", st.epoch);
	out_list_begin("replicas");
	for (unsigned int i = 0; i < st.count; i++) {
		out_obj_begin();
		/* A standalone volume's one member has no address: the server's own. */
		out_str("addr", "\n    replica %s", st.m[i].addr[0] ? st.m[i].addr : server);
		out_str("role", " role %s", role_name(st.m[i].role));
		out_str("state", " state %s", state_name(st.m[i].state));
		out_uint("epoch", " epoch %llu", st.m[i].epoch);
		out_uint("lag", " lag %llu", st.m[i].lag);
		if (i == st.self)
			out_str("self", "%s", cbs_opts.json ? "yes" : " self");
		out_obj_end();
	}
	out_list_end();
}

static int print_list(const struct volume_args *a, const char *server,
		      const void *buf, uint32_t len)
{
	const struct cbs_list_header *h = buf;
	const struct cbs_list_entry *e = (const void *)(h + 1);
	char name[CBS_PROTO_NAME_LEN], parent[2 * CBS_PROTO_NAME_LEN];
	uint32_t count;

	if (len < sizeof(*h))
		goto bad;
	count = le32toh(h->count);
	if ((len - sizeof(*h)) / sizeof(*e) != count || (len - sizeof(*h)) % sizeof(*e))
		goto bad;
	out_obj_begin();
	out_str("server", "server %s ", server);
	out_uint("used", "used %llu ", le64toh(h->used_bytes));
	out_uint("free", "free %llu ", le64toh(h->free_bytes));
	out_obj_end();
	for (uint32_t i = 0; i < count; i++, e++) {
		snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, e->name);
		snprintf(parent, sizeof(parent), "%.*s", (int)sizeof(parent) - 1, e->parent);
		out_obj_begin();
		out_str("name", "%s ", name);
		if (cbs_opts.json)
			out_str("server", "%s", server);
		out_uint("size", "size %llu ", le64toh(e->size));
		out_uint("block_size", "block-size %llu ", le32toh(e->block_size));
		out_uint("allocated", "allocated %llu ", le64toh(e->allocated));
		out_uint("generation", "generation %llu ", le64toh(e->generation));
		out_uint("epoch", "epoch %llu ", le64toh(e->epoch));
		out_str("role", "role %s ", role_name(le32toh(e->role)));
		out_uint("snapshots", "snapshots %llu", le32toh(e->snapshots));
		if (parent[0])
			out_str("parent", " parent %s", parent);
		if (cbs_opts.details)
			print_replicas(a, server, name);
		out_obj_end();
	}
	return 0;
bad:
	fprintf(stderr, "Error: list: malformed reply from %s\n", server);
	return 2;
}

static int volume_list(int argc, char **argv)
{
	struct volume_args a = { 0 };
	int ret, status = 0;

	ret = parse_volume_args(argc, argv, false, 0, &a);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < a.servers.n; i++) {
		uint32_t len = 0;
		void *buf = NULL;

		ret = admin_op_on(&a, i, CBS_OP_LIST, NULL, NULL, 0, &buf, &len);
		if (!ret)
			ret = print_list(&a, a.servers.addr[i], buf, len);
		free(buf);
		if (ret && !status)
			status = ret;
	}
	return status;
}

static void force_warning(const char *what)
{
	fprintf(stderr,
		"Warning: force: %s without a majority of the old configuration.\n"
		"  If the servers not reached still form a majority with a primary (the\n"
		"  other side of a partition), two primaries may acknowledge writes and the\n"
		"  copies diverge; writes acknowledged only by servers left out are lost.\n",
		what);
}

/* PROMOTE or SET_REPLICAS to the one server named. */
static int config_change(int argc, char **argv, uint16_t op, unsigned int allowed)
{
	struct volume_args a = { 0 };
	struct cbs_config_req c = { 0 };
	struct cbs_admin_config arg;
	int ret;

	ret = parse_volume_args(argc, argv, true, allowed | ARG_EPOCH | ARG_FORCE | ARG_ONE_SERVER,
				&a);
	if (ret)
		return ret;
	snprintf(c.name, sizeof(c.name), "%s", a.name);
	c.epoch = a.epoch;
	c.flags = a.force ? CBS_CONFIG_F_FORCE : 0;
	c.count = a.replicas.n;
	memcpy(c.members, a.replicas.addr, sizeof(c.members));
	memcpy(c.peer_token, a.admin_token, sizeof(c.peer_token));
	cbs_proto_encode_config(&c, &arg);
	if (a.force)
		force_warning(op == CBS_OP_PROMOTE ? "promoting" : "changing the replicas");
	ret = admin_op_on(&a, 0, op, a.name, &arg, sizeof(arg), NULL, NULL);
	explicit_bzero(&arg, sizeof(arg));
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(&a, sizeof(a));
	return ret;
}

static int volume_promote(int argc, char **argv)
{
	return config_change(argc, argv, CBS_OP_PROMOTE, 0);
}

static int volume_set_replicas(int argc, char **argv)
{
	return config_change(argc, argv, CBS_OP_SET_REPLICAS, ARG_REPLICAS);
}

static int volume_clone(int argc, char **argv)
{
	struct volume_args a = { 0 };
	struct cbs_snap_req r = { 0 };
	struct cbs_admin_snapshot arg;
	unsigned int i;
	int ret = 0;

	if (argc < 2 || !strcmp(argv[1], "server")) {
		fprintf(stderr, "Error: VOLUME@SNAP and a NAME for the clone are required\n");
		return 1;
	}
	if (parse_snap_name(argv[0], r.volume, r.snap))
		return 1;
	if (!cbs_proto_name_ok(argv[1]))
		return invarg("a volume name is 1..63 printable characters, no '/', not starting with '.'",
			      argv[1]);
	ret = parse_volume_args(argc - 2, argv + 2, false, ARG_TOKEN, &a);
	if (ret)
		return ret;
	if (!a.token[0] && cbs_token_random(a.token)) {
		fprintf(stderr, "Error: cannot make a random token: %m\n");
		return 1;
	}
	snprintf(r.clone, sizeof(r.clone), "%s", argv[1]);
	memcpy(r.token, a.token, sizeof(r.token));
	cbs_proto_encode_snapshot(&r, &arg);
	for (i = 0; i < a.servers.n && !ret; i++)
		ret = admin_op_on(&a, i, CBS_OP_CLONE, argv[0], &arg, sizeof(arg), NULL, NULL);
	explicit_bzero(&arg, sizeof(arg));
	if (ret)
		undo_create(&a, argv[1], i - 1);
	else
		print_token(argv[1], a.token);
	explicit_bzero(&a, sizeof(a));
	return ret;
}

static int volume_rollback(int argc, char **argv)
{
	struct volume_args a = { 0 };
	struct cbs_snap_req r = { 0 };
	struct cbs_admin_snapshot arg;
	int ret;

	if (argc < 1) {
		fprintf(stderr, "Error: VOLUME@SNAP is required\n");
		return 1;
	}
	if (parse_snap_name(argv[0], r.volume, r.snap))
		return 1;
	ret = parse_volume_args(argc - 1, argv + 1, false, 0, &a);
	if (ret)
		return ret;
	cbs_proto_encode_snapshot(&r, &arg);
	return admin_op_all(&a, CBS_OP_ROLLBACK, argv[0], &arg, sizeof(arg));
}

static const struct cli_cmd volume_cmds[] = {
	{ "create", volume_create },
	{ "delete", volume_delete },
	{ "resize", volume_resize },
	{ "list", volume_list },
	{ "promote", volume_promote },
	{ "set-replicas", volume_set_replicas },
	{ "clone", volume_clone },
	{ "rollback", volume_rollback },
	{ NULL, NULL }
};

int do_volume(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 1 || matches(argv[0], "help")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1;
	}
	cmd = cli_lookup(volume_cmds, argv[0]);
	if (cmd)
		return cmd->func(argc - 1, argv + 1);
	return cli_unknown("Command", argv[0], "cbs volume help");
}
