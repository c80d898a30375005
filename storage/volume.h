/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The volume table: each volume is a small metadata file DIR/NAME.meta,
 * replaced atomically, that holds its size, block size, generation, token,
 * top layer and snapshots, and its data: a sparse data file DIR/NAME.vol
 * (thin: holes read as zeros) until its first snapshot, then a chain of
 * layers in DIR/layers (storage/store.h, Documentation/cbs.md).
 */
#ifndef NIMBUS_CBS_VOLUME_H
#define NIMBUS_CBS_VOLUME_H

#include <pthread.h>
#include <stdint.h>

#include "lib/cbs_proto.h"
#include "storage/attempt.h"

struct store_layer;

/* A snapshot: a frozen layer under a name. */
struct cbs_snap {
	char name[CBS_PROTO_NAME_LEN];
	struct store_layer *layer;
	uint64_t created;		/* unix time, ns */
	uint64_t size;			/* the volume's size when it was taken */
	uint32_t flags;			/* CBS_SNAP_F_* */
};

#define CBS_MAX_SNAPS 256		/* per volume */

struct cbs_volume {
	char name[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
	/*
	 * Where writes go; its parents serve the rest.  io_lock: held for
	 * reading to use it, for writing to change it (and the snapshots).
	 */
	struct store_layer *top;
	struct cbs_snap *snaps;		/* io_lock: oldest first */
	unsigned int nsnaps;		/* io_lock */
	/* A clone: the snapshot it was made from ("VOLUME@SNAP") and its layer. */
	char origin[2 * CBS_PROTO_NAME_LEN];
	uint64_t origin_layer;
	/*
	 * Readers: a request from its check to its reply.  Writer: changing
	 * the generation or the size.  So once a higher generation is
	 * acknowledged, no request checked against the old one is still
	 * running.
	 */
	pthread_rwlock_t io_lock;
	uint64_t size;			/* io_lock */
	uint64_t generation;		/* io_lock */
	uint32_t block_size;
	unsigned int sessions;		/* table lock: open volume sessions */
	/* The write order of each session id in use (attempt.h). */
	struct attempt_table *attempt_tables;	/* table lock */
	struct cbs_volume *next;	/* table lock */
};

/* NAME.meta as it is on disk (also read by storage/fsck.c). */
struct vol_meta_snap {
	char name[CBS_PROTO_NAME_LEN];
	uint64_t layer;
	uint64_t created;
	uint64_t size;
	uint32_t flags;
};

struct vol_meta {
	uint64_t size;
	uint64_t generation;
	uint32_t block_size;
	char token[CBS_PROTO_TOKEN_LEN];
	uint64_t top;			/* 0: flat, the data is NAME.vol */
	uint64_t origin_layer;		/* a clone's: 0 for none */
	char origin[2 * CBS_PROTO_NAME_LEN];
	unsigned int nsnaps;
	struct vol_meta_snap snaps[CBS_MAX_SNAPS];
};

#define VOL_META_MAX (64 * 1024)

/* Parse NAME.meta's text (changed in place) into *m; 0 or -EINVAL. */
int vol_meta_parse(char *text, struct vol_meta *m);
/* Read DIR/NAME.meta into *m; 0 or -errno. */
int vol_meta_read(int dir, const char *name, struct vol_meta *m);

/* Open DIR and load its volumes; 0 or -errno. */
int vol_table_init(const char *dir);
void vol_table_exit(void);

/*
 * Open a volume session: check the token, fence (-ESTALE) a generation
 * below the volume's, persist a higher one.  A non-zero session id gets the
 * attempt table it shares with the other connections of that session;
 * session 0 gets NULL (no ordering rule).  Pair with vol_close().
 */
int vol_open(const struct cbs_hello_req *h, struct cbs_volume **out,
	     struct attempt_table **attempts);
void vol_close(struct cbs_volume *v, struct attempt_table *attempts);
/*
 * The server's own use of a volume (replica resync): held like a session
 * (no delete meanwhile), without a token or a generation.  Pair with
 * vol_close(v, NULL).
 */
int vol_get(const char *name, struct cbs_volume **out);
/* A client's credentials for volume name: 0, -ENOENT or -EACCES. */
int vol_check_token(const char *name, const char *token);

int vol_create(const struct cbs_admin_req *r);
int vol_delete(const char *name);
int vol_resize(const char *name, uint64_t size);
/* The LIST reply payload, malloc'd into *buf. */
int vol_list(void **buf, uint32_t *len);

/*
 * Snapshots and clones (Documentation/cbs-protocol.md): 0 or -errno,
 * ENOENT, EEXIST, EBUSY, EINVAL as documented there.
 */
int vol_snap_create(const char *volume, const char *snap, uint32_t flags);
/*
 * Take snapshot name of v now: the replica session's SNAPSHOT and
 * vol_snap_create() itself.  v's io_lock held for writing, so no write is
 * in flight: every write acknowledged before is in the snapshot, none after.
 */
int vol_snap_create_locked(struct cbs_volume *v, const char *name, uint32_t flags);
int vol_snap_delete(const char *volume, const char *snap);
/* The SNAP_LIST reply payload, malloc'd into *buf. */
int vol_snap_list(const char *volume, void **buf, uint32_t *len);
int vol_clone(const char *volume, const char *snap, const char *clone, const char *token);
int vol_rollback(const char *volume, const char *snap);
/*
 * An admin session's snapshot op (SNAP_CREATE .. ROLLBACK): its payload
 * checked and done; *reply: SNAP_LIST's malloc'd payload, else NULL.
 */
int vol_snap_admin(uint16_t op, const void *payload, uint32_t len,
		   void **reply, uint32_t *reply_len);

#endif /* NIMBUS_CBS_VOLUME_H */
