/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NIMBUS_CBS_CMD_H
#define NIMBUS_CBS_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/cbs_proto.h>

#include "lib/cbs_proto.h"
#include "lib/cli.h"

/* -json, -statistics, -details */
extern struct cli_opts cbs_opts;

int do_volume(int argc, char **argv);
int do_snapshot(int argc, char **argv);
int do_image(int argc, char **argv);

/* admin.c: the servers of a replica set, admin sessions. */

/* An admin request waits this long for each step (a server cut off). */
#define ADMIN_TIMEOUT_MS	30000

struct server_list {
	unsigned int n;
	char addr[CBS_PROTO_MAX_REPLICAS][CBS_PROTO_ADDR_LEN];
};

/* "ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]", distinct; 0, or 1 with the error printed. */
int parse_server_list(const char *s, struct server_list *l);

/*
 * One admin request on a new admin session with SERVER: 0, the server's
 * error (a positive errno), or a negative errno: -EDESTADDRREQ for an
 * address that is not numeric, -EKEYREJECTED for a wrong admin token,
 * else why no answer came.
 */
int admin_call(const char *server, const char *admin_token, uint16_t op,
	       const void *arg, uint32_t arg_len, void **reply, uint32_t *reply_len);
/* Print admin_call()'s error RET for OP on OBJ (may be NULL); the exit status. */
int admin_report(const char *server, uint16_t op, const char *obj, int ret);

/* A STATUS reply in host byte order. */
struct replica_status {
	uint64_t epoch;
	uint32_t count, self, primary;
	struct {
		char addr[CBS_PROTO_ADDR_LEN];
		uint64_t epoch, lag;
		uint32_t role, state;
	} m[CBS_PROTO_MAX_REPLICAS];
};

/* STATUS of volume NAME on SERVER: as admin_call(); -EPROTO for a malformed reply. */
int admin_status(const char *server, const char *admin_token, const char *name,
		 struct replica_status *st);
/*
 * The primary of volume NAME among the listed servers (one server: it),
 * from STATUS: the newest epoch's.  0, or the exit status with the error
 * printed.
 */
int find_primary(const struct server_list *l, const char *admin_token, const char *name,
		 char *primary);
const char *role_name(uint32_t role);

/* volume.c: the arguments of the commands that talk to servers. */
#define ARG_SIZE	(1U << 0)
#define ARG_BLOCK_SIZE	(1U << 1)
#define ARG_TOKEN	(1U << 2)
#define ARG_EPOCH	(1U << 3)	/* required when allowed */
#define ARG_REPLICAS	(1U << 4)	/* required when allowed */
#define ARG_FORCE	(1U << 5)
#define ARG_ONE_SERVER	(1U << 6)	/* server names one server, not a list */

struct volume_args {
	const char *object;		/* for "try cbs OBJECT help"; NULL: volume */
	const char *name;
	const char *server;
	struct server_list servers;
	struct server_list replicas;
	uint64_t size;
	uint64_t epoch;
	uint32_t block_size;
	bool force;
	char admin_token[CBS_PROTO_TOKEN_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
};

/*
 * NAME (if WANT_NAME), then server, admin-token and the ARG_* keys
 * ALLOWED, in any order; 0, or 1 with the error printed.
 */
int parse_volume_args(int argc, char **argv, bool want_name, unsigned int allowed,
		      struct volume_args *a);
/* "VOLUME@SNAP" into two names of CBS_PROTO_NAME_LEN; 0, or 1 printed. */
int parse_snap_name(const char *s, char *volume, char *snap);
/* Admin op OP on server I of the list, on all; the exit status, errors printed. */
int admin_op_on(const struct volume_args *a, unsigned int i, uint16_t op, const char *obj,
		const void *arg, uint32_t arg_len, void **reply, uint32_t *reply_len);
int admin_op_all(const struct volume_args *a, uint16_t op, const char *obj,
		 const void *arg, uint32_t arg_len);
/*
 * Volume NAME (a->size, block_size, token) on every listed server, then
 * with more than one the replica set's epoch 1 (CONFIG); a failure midway
 * deletes what was made.  The exit status.
 */
int create_on_all(const struct volume_args *a, const char *name);
/* Delete volume NAME on the first N listed servers, best effort. */
void undo_create(const struct volume_args *a, const char *name, unsigned int n);
/* snapshot.c: a snapshot op R to the volume's primary; the exit status. */
int snap_op_primary(const struct volume_args *a, uint16_t op, const char *obj,
		    const struct cbs_snap_req *r, void **reply, uint32_t *reply_len);
/* A new volume's access token (with -j: and its name). */
void print_token(const char *name, const char *token);
const char *state_name(uint32_t state);
/* map.c: the block devices of cbs.ko. */
int do_map(int argc, char **argv);
int do_unmap(int argc, char **argv);
int do_reconfigure(int argc, char **argv);
int do_show(int argc, char **argv);
int do_monitor(int argc, char **argv);

#endif /* NIMBUS_CBS_CMD_H */
