/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inside of storage/replica.c, shared with replica_peer.c (talking to
 * the other members) and resync.c (copying regions to them).  Lock order:
 * a volume's io_lock, then change, then lock, then the dirty map's.
 */
#ifndef NIMBUS_CBS_REPLICA_INT_H
#define NIMBUS_CBS_REPLICA_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/dirty.h"
#include "storage/replica.h"
#include "storage/volume.h"

/*
 * A server the primary wants in the configuration and that is not in
 * sync: a former member that left (dropped, or not reached by a PROMOTE),
 * a new one (SET_REPLICAS), or a member that did not record the current
 * epoch.  full: it needs every region (else: the absent map's).
 */
struct replica_absent {
	char addr[CBS_PROTO_ADDR_LEN];
	bool full;
	bool copying;			/* a catch-up is running */
	uint64_t lag;			/* bytes left to copy, roughly */
};

struct replica_vol {
	char name[CBS_PROTO_NAME_LEN];
	pthread_rwlock_t lock;
	pthread_mutex_t change;
	struct cbs_config_req cfg;	/* lock; epoch 0: standalone */
	/*
	 * lock: a backup refused this server's replica session or request
	 * for a newer epoch: it is no longer the primary, until a newer
	 * configuration is recorded here.  Not persisted: after a restart the
	 * backups refuse it again.
	 */
	bool deposed;
	uint64_t newest_epoch;		/* lock: learnt from a peer, else 0 */
	char newest_primary[CBS_PROTO_ADDR_LEN];	/* lock */
	uint8_t state[CBS_PROTO_MAX_REPLICAS];	/* lock: the primary's view */
	struct replica_absent absent[CBS_PROTO_MAX_REPLICAS];	/* lock */
	uint32_t nabsent;		/* lock */
	pthread_mutex_t dirty_lock;
	struct dirty_map *dirty;	/* dirty_lock to open; then stays */
	struct replica_vol *next;	/* vols_lock; never freed before exit */
};

extern unsigned int replica_timeout_s;
extern uint64_t replica_resync_rate;
extern volatile bool replica_stopping;
extern int replica_dir_fd;

/* lock held. */
bool replica_is_primary(const struct replica_vol *rv);
/* Install c (and rv's absent list) durably; lock held for writing. */
int replica_install_locked(struct replica_vol *rv, const struct cbs_config_req *c);
/* Write rv's configuration and absent list again; lock held for writing. */
int replica_save_locked(struct replica_vol *rv);
/* Add addr to the absent list (or make it full); lock held for writing. */
void replica_absent_add_locked(struct replica_vol *rv, const char *addr, bool full);
/* The map of a volume of size bytes, opened at first use; NULL if it cannot be. */
struct dirty_map *replica_dirty(struct replica_vol *rv, uint64_t size);
/*
 * Hold v's io_lock for writing: no write in flight, none starts.  -EBUSY
 * after twice the replica timeout (a write waiting for a dead backup of
 * two holds it for reading until an epoch bump from outside).
 */
int replica_freeze(struct cbs_volume *v);
/* Snapshot all volumes' states (they are never freed before exit). */
unsigned int replica_vols(struct replica_vol **out, unsigned int max);

/* replica_peer.c */
void replica_set_timeouts(int fd);
/* CONFIG c on the peer at addr; 0 or -errno. */
int peer_config(const char *addr, const struct cbs_config_req *c);
/* STATUS of name on the peer: its recorded epoch. */
int peer_epoch(const char *addr, const char *token, const char *name, uint64_t *epoch);
/* DIRTY of name on the peer: its flight map, malloc'd. */
int peer_dirty(const char *addr, const char *token, const char *name,
	       void **bits, uint32_t *len);
/*
 * Record nc (this server is nc->members[nc->self]) on its other members;
 * ok[i]: members[i] recorded it.  Returns how many did.
 */
unsigned int record_on_peers(const struct cbs_config_req *nc,
			     bool ok[CBS_PROTO_MAX_REPLICAS]);

enum link_result {
	LINK_OK,
	LINK_DOWN,		/* no answer, or out of step: not in sync */
	LINK_NEWER,		/* it knows a newer epoch */
	LINK_FAILED,		/* it answered an error */
};

/*
 * The replica session to addr for (c->epoch, generation), opened if
 * needed.  LINK_NEWER: *newer and newer_primary say what it knows.
 */
enum link_result link_open(struct replica_link *l, const struct cbs_config_req *c,
			   uint64_t generation, const char *addr, uint64_t *newer,
			   char newer_primary[CBS_PROTO_ADDR_LEN]);
void link_close(struct replica_link *l);
enum link_result link_send(struct replica_link *l, const struct cbs_req *req,
			   const void *payload);
enum link_result link_reply(struct replica_link *l, int *err);

/* resync.c */
int resync_start(void);
void resync_stop(void);
/*
 * While v is frozen (io_lock held for writing): copy every region set in
 * rv's flight map to the members of c marked in to[]; those that fail
 * are cleared in to[].
 */
void resync_flight(struct replica_vol *rv, struct cbs_volume *v,
		   const struct cbs_config_req *c, bool to[CBS_PROTO_MAX_REPLICAS]);

#endif /* NIMBUS_CBS_REPLICA_INT_H */
