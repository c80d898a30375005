/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replica sets (Documentation/cbs.md, "Replication"): a volume's
 * configuration {epoch, members, self, primary, peer token}, recorded in
 * DIR/NAME.replica and replaced atomically, the role checks that follow from
 * it, the primary's synchronous forwarding of writes to its backups over
 * replica sessions, and the admin ops CONFIG, PROMOTE and STATUS.
 *
 * A volume without a .replica file is standalone: epoch 0, primary, no
 * backups, served as before replication existed.
 *
 * Locking, per volume: lock (a rwlock) is held for reading by a backup's
 * replica request from its epoch check to the end of its local write, and
 * by the primary's short checks; for writing while the configuration
 * changes.  So once a server has recorded a newer epoch, no replica request
 * of the old one still runs there.  change (a mutex) serialises the
 * configuration changes a server makes itself (PROMOTE, dropping a backup)
 * with each other; it is held while talking to the peers, lock is not.
 */
#ifndef NIMBUS_CBS_REPLICA_H
#define NIMBUS_CBS_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cbs_proto.h"

#define REPLICA_DEFAULT_TIMEOUT_S	5
#define REPLICA_DEFAULT_RESYNC_RATE	(100ULL << 20)	/* bytes/s */

struct replica_vol;

/* A primary connection's replica sessions, one per backup; zeroed to start. */
struct replica_link {
	int fd;				/* -1: none */
	uint64_t epoch;			/* of its hello */
	uint64_t generation;		/* of its hello */
	uint64_t handle;
	char addr[CBS_PROTO_ADDR_LEN];
};

struct replica_links {
	struct replica_link l[CBS_PROTO_MAX_REPLICAS];
};

/* A backup's last write on a replica session, until the next request. */
struct replica_pending {
	bool set;
	uint64_t off, len;
};

/*
 * Open DIR for the .replica and .dirty files, start the resync thread;
 * 0 or -errno.  timeout_s: a backup silent this long is down (0: the
 * default); resync_rate: bytes/s a catch-up copies at most (0: the default).
 */
int replica_init(const char *dir, unsigned int timeout_s, uint64_t resync_rate);
/* No new waits for a backup, no more copies: the server is stopping. */
void replica_stop(void);
void replica_exit(void);

/* The state of volume NAME, loaded from its .replica file at first use. */
int replica_get(const char *name, struct replica_vol **out);

/*
 * A hello for the volume.  A client (volume session): 0 if this server is
 * the primary of the newest epoch it knows.  A replica session of epoch:
 * 0 if this server is a backup of exactly that epoch, its recorded one.
 * Else -CBS_ERR_NOT_PRIMARY.  Either way *epoch and primary (ADDR:PORT or
 * empty) say the newest epoch known here and its primary.
 */
int replica_hello(struct replica_vol *rv, bool replica, uint64_t session_epoch,
		  uint64_t *epoch, char primary[CBS_PROTO_ADDR_LEN]);

/* A client request: 0 if this server is still the primary. */
int replica_check_client(struct replica_vol *rv);
/* The same for volume name: its primary (or standalone) takes snapshots. */
int replica_check_name(const char *name);

/*
 * A backup's replica request of session_epoch: 0 with lock held for
 * reading (pair with replica_backup_end() after the local write), or
 * -CBS_ERR_NOT_PRIMARY.
 */
int replica_backup_begin(struct replica_vol *rv, uint64_t session_epoch);
void replica_backup_end(struct replica_vol *rv);
/*
 * Between begin and end, before the local write: the write is in the
 * flight map until the next request on the session (replica_backup_next()),
 * which the primary sends only once every backup has this one.
 */
int replica_backup_track(struct replica_vol *rv, uint64_t size, struct replica_pending *p,
			 const struct cbs_req *req);
void replica_backup_next(struct replica_vol *rv, struct replica_pending *p);

/*
 * Whether writes go through replica_write() (the volume has backups, or
 * servers catching up); they are not spliced.
 */
bool replica_has_backups(struct replica_vol *rv);

/*
 * The primary's write step of a WRITE (payload: its data), WRITE_ZEROES,
 * DISCARD or FLUSH: sent to every in-sync backup of the current epoch,
 * applied locally with apply(arg), then every backup's reply awaited.  0
 * only when the local step and all backups succeeded.  A backup that is
 * down: with three members it is dropped by an epoch bump, else the write
 * waits for it (or for a newer epoch).  A backup that knows a newer epoch
 * deposes this server: -CBS_ERR_NOT_PRIMARY.
 */
int replica_write(struct replica_vol *rv, struct replica_links *links, uint64_t size,
		  uint64_t generation, const struct cbs_req *req, const void *payload,
		  int (*apply)(void *arg), void *arg);
void replica_links_init(struct replica_links *links);
void replica_links_close(struct replica_links *links);

/* CONFIG: record r on this server, durably; -ESTALE unless newer. */
int replica_config(const struct cbs_config_req *r);
/* PROMOTE: make this server the primary of a new epoch (Documentation/cbs.md). */
int replica_promote(const struct cbs_config_req *r);
/* SET_REPLICAS: to the primary; members that leave go now, new ones catch up first. */
int replica_set_replicas(const struct cbs_config_req *r);
/* STATUS. */
int replica_status(const char *name, struct cbs_replica_status *out);
/* DIRTY: this server's flight map, malloc'd, handed over (cleared here). */
int replica_take_dirty(const char *name, void **bits, uint32_t *len);
/* The epoch and role shown by LIST. */
void replica_list_info(const char *name, uint64_t *epoch, uint32_t *role);
/* The volume was created or deleted: it has no configuration. */
void replica_forget(const char *name);
/*
 * Snapshot snap just taken on v, its io_lock held for writing: SNAPSHOT to
 * every in-sync backup, on a replica session, before the next write.  0,
 * or -EIO if a backup does not have it (with three members a silent
 * backup is dropped instead, and lacks it when it rejoins).
 */
struct cbs_volume;
int replica_snapshot(struct cbs_volume *v, const char *snap, uint32_t flags);
/* A clone dst of src: src's members and primary, at epoch 1.  0 or -errno. */
int replica_copy(const char *src, const char *dst);

#endif /* NIMBUS_CBS_REPLICA_H */
