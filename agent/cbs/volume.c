// SPDX-License-Identifier: GPL-2.0
/* cbs volume: create, delete, resize and list volumes on a cbs-server. */
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

/* Which optional arguments a command takes. */
#define ARG_SIZE	(1U << 0)
#define ARG_BLOCK_SIZE	(1U << 1)
#define ARG_TOKEN	(1U << 2)

struct volume_args {
	const char *name;
	const char *server;
	uint64_t size;
	uint32_t block_size;
	char admin_token[CBS_PROTO_TOKEN_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs volume create NAME size SIZE [block-size { 512 | 4096 }]\n"
		"                         [ { token TOKEN | token-file PATH } ] SERVER\n"
		"       cbs volume delete NAME SERVER\n"
		"       cbs volume resize NAME size SIZE SERVER\n"
		"       cbs volume list SERVER\n"
		"where  SERVER := server ADDR:PORT { admin-token TOKEN | admin-token-file PATH }\n"
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

static int parse_volume_args(int argc, char **argv, bool want_name, unsigned int allowed,
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

		if (argc < 2) {
			fprintf(stderr, "Error: argument \"%s\" needs a value\n", key);
			return 1;
		}
		if (!strcmp(key, "server")) {
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
		} else {
			fprintf(stderr, "Error: argument \"%s\" is unknown here, try \"cbs volume help\".\n",
				key);
			return 1;
		}
		if (ret)
			return ret;
	}
	if (!a->server) {
		fprintf(stderr, "Error: \"server ADDR:PORT\" is required\n");
		return 1;
	}
	if (!a->admin_token[0]) {
		fprintf(stderr, "Error: \"admin-token\" or \"admin-token-file\" is required\n");
		return 1;
	}
	if ((allowed & ARG_SIZE) && !a->size) {
		fprintf(stderr, "Error: \"size SIZE\" is required\n");
		return 1;
	}
	return 0;
}

/* Run one admin op; exit status 0, or 2 with the server's error printed. */
static int admin_op(const struct volume_args *a, uint16_t op, const char *what,
		    const struct cbs_admin_volume *arg, void **reply, uint32_t *reply_len)
{
	struct cbs_hello_req h = { .admin = true };
	struct cbs_hello_reply rep;
	int fd, ret;

	memcpy(h.token, a->admin_token, sizeof(h.token));
	fd = cbs_client_connect(a->server, 0, &h, &rep);
	explicit_bzero(h.token, sizeof(h.token));
	if (fd == -EINVAL) {
		invarg("want ADDR:PORT with a numeric address", a->server);
		return 1;
	}
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open an admin session with %s: %s\n",
			a->server, fd == -EACCES ? "wrong admin token" : strerror(-fd));
		return 2;
	}
	ret = cbs_client_admin(fd, op, arg, arg ? sizeof(*arg) : 0, reply, reply_len);
	close(fd);
	if (ret > 0)
		ret = -ret;	/* the server's answer, printed as our own errors */
	if (ret) {
		if (a->name)
			fprintf(stderr, "Error: %s volume \"%s\": %s\n", what, a->name,
				strerror(-ret));
		else
			fprintf(stderr, "Error: %s: %s\n", what, strerror(-ret));
		return 2;
	}
	return 0;
}

static void admin_arg(struct cbs_admin_volume *v, const struct volume_args *a)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", a->name);
}

static int volume_create(int argc, char **argv)
{
	struct volume_args a = { .block_size = 4096 };
	struct cbs_admin_volume v;
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
	admin_arg(&v, &a);
	memcpy(v.token, a.token, sizeof(v.token));
	v.size = htole64(a.size);
	v.block_size = htole32(a.block_size);
	ret = admin_op(&a, CBS_OP_CREATE, "create", &v, NULL, NULL);
	explicit_bzero(&v, sizeof(v));
	if (!ret) {
		out_obj_begin();
		if (cbs_opts.json)
			out_str("name", "%s", a.name);
		out_str("token", "%s", a.token);
		out_obj_end();
	}
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
	admin_arg(&v, &a);
	return admin_op(&a, CBS_OP_DELETE, "delete", &v, NULL, NULL);
}

static int volume_resize(int argc, char **argv)
{
	struct volume_args a = { 0 };
	struct cbs_admin_volume v;
	int ret;

	ret = parse_volume_args(argc, argv, true, ARG_SIZE, &a);
	if (ret)
		return ret;
	admin_arg(&v, &a);
	v.size = htole64(a.size);
	return admin_op(&a, CBS_OP_RESIZE, "resize", &v, NULL, NULL);
}

static int print_list(const struct volume_args *a, const void *buf, uint32_t len)
{
	const struct cbs_list_header *h = buf;
	const struct cbs_list_entry *e = (const void *)(h + 1);
	char name[CBS_PROTO_NAME_LEN];
	uint32_t count;

	if (len < sizeof(*h))
		goto bad;
	count = le32toh(h->count);
	if ((len - sizeof(*h)) / sizeof(*e) != count || (len - sizeof(*h)) % sizeof(*e))
		goto bad;
	out_obj_begin();
	out_str("server", "server %s ", a->server);
	out_uint("used", "used %llu ", le64toh(h->used_bytes));
	out_uint("free", "free %llu ", le64toh(h->free_bytes));
	out_obj_end();
	for (uint32_t i = 0; i < count; i++, e++) {
		snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, e->name);
		out_obj_begin();
		out_str("name", "%s ", name);
		out_uint("size", "size %llu ", le64toh(e->size));
		out_uint("block_size", "block-size %llu ", le32toh(e->block_size));
		out_uint("allocated", "allocated %llu ", le64toh(e->allocated));
		out_uint("generation", "generation %llu ", le64toh(e->generation));
		out_obj_end();
	}
	return 0;
bad:
	fprintf(stderr, "Error: list: malformed reply from %s\n", a->server);
	return 2;
}

static int volume_list(int argc, char **argv)
{
	struct volume_args a = { 0 };
	uint32_t len = 0;
	void *buf = NULL;
	int ret;

	ret = parse_volume_args(argc, argv, false, 0, &a);
	if (!ret)
		ret = admin_op(&a, CBS_OP_LIST, "list", NULL, &buf, &len);
	if (!ret)
		ret = print_list(&a, buf, len);
	free(buf);
	return ret;
}

static const struct cli_cmd volume_cmds[] = {
	{ "create", volume_create },
	{ "delete", volume_delete },
	{ "resize", volume_resize },
	{ "list", volume_list },
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
