// SPDX-License-Identifier: GPL-2.0
/*
 * cbs snapshot: create (on the primary, which takes it at the same point
 * of the write stream on every replica), list and delete the snapshots of
 * a volume.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cbs_proto.h"
#include "lib/output.h"
#include "agent/cbs/cbs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs snapshot create VOLUME@SNAP SERVERS\n"
		"       cbs snapshot list VOLUME SERVERS\n"
		"       cbs snapshot delete VOLUME@SNAP SERVERS\n"
		"where  SERVERS := server ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]\n"
		"                  { admin-token TOKEN | admin-token-file PATH }\n"
		"create and list go to the volume's primary (found with STATUS on the listed\n"
		"servers); delete to the primary, then, if it agreed, to the other listed servers.\n");
}

/* A snapshot op to the primary of the volume among the listed servers. */
int snap_op_primary(const struct volume_args *a, uint16_t op, const char *obj,
		    const struct cbs_snap_req *r, void **reply, uint32_t *reply_len)
{
	char primary[CBS_PROTO_ADDR_LEN];
	struct cbs_admin_snapshot arg;
	int ret;

	ret = find_primary(&a->servers, a->admin_token, r->volume, primary);
	if (ret)
		return ret;
	cbs_proto_encode_snapshot(r, &arg);
	return admin_report(primary, op, obj,
			    admin_call(primary, a->admin_token, op, &arg, sizeof(arg),
				       reply, reply_len));
}

/* VOLUME@SNAP SERVERS; 0, or 1 with the error printed. */
static int parse_snap_cmd(int argc, char **argv, struct volume_args *a, struct cbs_snap_req *r)
{
	if (argc < 1) {
		fprintf(stderr, "Error: VOLUME@SNAP is required\n");
		return 1;
	}
	return parse_snap_name(argv[0], r->volume, r->snap) ||
	       parse_volume_args(argc - 1, argv + 1, false, 0, a);
}

static int snapshot_create(int argc, char **argv)
{
	struct volume_args a = { .object = "snapshot" };
	struct cbs_snap_req r = { 0 };

	if (parse_snap_cmd(argc, argv, &a, &r))
		return 1;
	return snap_op_primary(&a, CBS_OP_SNAP_CREATE, argv[0], &r, NULL, NULL);
}

static int snapshot_delete(int argc, char **argv)
{
	struct volume_args a = { .object = "snapshot" };
	struct cbs_snap_req r = { 0 };
	struct cbs_admin_snapshot arg;

	char primary[CBS_PROTO_ADDR_LEN];
	int ret, status = 0;

	if (parse_snap_cmd(argc, argv, &a, &r))
		return 1;
	/*
	 * The primary first: it knows the snapshot's clones and protection
	 * for the whole set, so its refusal (EBUSY) keeps every copy.
	 */
	ret = snap_op_primary(&a, CBS_OP_SNAP_DELETE, argv[0], &r, NULL, NULL);
	if (ret || find_primary(&a.servers, a.admin_token, r.volume, primary))
		return ret ? ret : 2;
	cbs_proto_encode_snapshot(&r, &arg);
	for (unsigned int i = 0; i < a.servers.n; i++) {
		if (!strcmp(a.servers.addr[i], primary))
			continue;
		ret = admin_op_on(&a, i, CBS_OP_SNAP_DELETE, argv[0], &arg, sizeof(arg), NULL, NULL);
		if (ret && !status)
			status = ret;
	}
	return status;
}

static int print_snaps(const char *volume, const void *buf, uint32_t len)
{
	const struct cbs_snap_list_header *h = buf;
	const struct cbs_snap_list_entry *e = (const void *)(h + 1);
	char snap[CBS_PROTO_NAME_LEN];
	uint32_t count, flags;

	if (len < sizeof(*h))
		goto bad;
	count = le32toh(h->count);
	if ((len - sizeof(*h)) % sizeof(*e) || (len - sizeof(*h)) / sizeof(*e) != count)
		goto bad;
	for (uint32_t i = 0; i < count; i++, e++) {
		snprintf(snap, sizeof(snap), "%.*s", (int)sizeof(snap) - 1, e->snap);
		flags = le32toh(e->flags);
		out_obj_begin();
		if (cbs_opts.json)
			out_str("volume", "%s", volume);
		else
			printf("%s@", volume);
		out_str("snap", "%s", snap);
		out_uint("created", " created %llu", le64toh(e->created) / 1000000000);
		out_uint("allocated", " allocated %llu", le64toh(e->allocated));
		out_uint("clones", " clones %llu", le32toh(e->clones));
		if (cbs_opts.json)
			out_uint("protected", "", !!(flags & CBS_SNAP_F_PROTECTED));
		else if (flags & CBS_SNAP_F_PROTECTED)
			printf(" protected");
		out_obj_end();
	}
	return 0;
bad:
	fprintf(stderr, "Error: snapshot list: malformed reply\n");
	return 2;
}

static int snapshot_list(int argc, char **argv)
{
	struct volume_args a = { .object = "snapshot" };
	struct cbs_snap_req r = { 0 };
	uint32_t len = 0;
	void *buf = NULL;
	int ret;

	if (argc < 1) {
		fprintf(stderr, "Error: a VOLUME is required\n");
		return 1;
	}
	if (!cbs_proto_name_ok(argv[0]))
		return invarg("a volume name is 1..63 printable characters, no '/', not starting with '.'",
			      argv[0]);
	if (parse_volume_args(argc - 1, argv + 1, false, 0, &a))
		return 1;
	snprintf(r.volume, sizeof(r.volume), "%s", argv[0]);
	ret = snap_op_primary(&a, CBS_OP_SNAP_LIST, argv[0], &r, &buf, &len);
	if (!ret)
		ret = print_snaps(argv[0], buf, len);
	free(buf);
	return ret;
}

static const struct cli_cmd snapshot_cmds[] = {
	{ "create", snapshot_create },
	{ "list", snapshot_list },
	{ "delete", snapshot_delete },
	{ NULL, NULL }
};

int do_snapshot(int argc, char **argv)
{
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	return cli_dispatch(snapshot_cmds, argc, argv, usage, "Command", "cbs snapshot help");
}
