/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The volume table: each volume is a sparse data file DIR/NAME.vol (thin:
 * holes read as zeros) and a small metadata file DIR/NAME.meta, replaced
 * atomically, that holds its size, block size, generation and token.
 */
#ifndef NIMBUS_CBS_VOLUME_H
#define NIMBUS_CBS_VOLUME_H

#include <pthread.h>
#include <stdint.h>

#include "lib/cbs_proto.h"
#include "storage/attempt.h"

struct cbs_volume {
	char name[CBS_PROTO_NAME_LEN];
	char token[CBS_PROTO_TOKEN_LEN];
	int fd;				/* the data file */
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

int vol_create(const struct cbs_admin_req *r);
int vol_delete(const char *name);
int vol_resize(const char *name, uint64_t size);
/* The LIST reply payload, malloc'd into *buf. */
int vol_list(void **buf, uint32_t *len);

#endif /* NIMBUS_CBS_VOLUME_H */
