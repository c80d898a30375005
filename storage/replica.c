// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "lib/log.h"
#include "lib/token.h"
#include "storage/file.h"
#include "storage/replica_int.h"

#define CONFIG_MAX 2048
/* A down backup is tried again this often while writes wait for it. */
#define RETRY_MS 1000

static pthread_mutex_t vols_lock = PTHREAD_MUTEX_INITIALIZER;
static struct replica_vol *vols;	/* vols_lock */
int replica_dir_fd = -1;
unsigned int replica_timeout_s = REPLICA_DEFAULT_TIMEOUT_S;
uint64_t replica_resync_rate = REPLICA_DEFAULT_RESYNC_RATE;
volatile bool replica_stopping;

int replica_init(const char *dir, unsigned int timeout, uint64_t resync_rate)
{
	int ret;

	replica_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (replica_dir_fd < 0)
		return -errno;
	if (timeout)
		replica_timeout_s = timeout;
	if (resync_rate)
		replica_resync_rate = resync_rate;
	ret = resync_start();
	if (ret) {
		close(replica_dir_fd);
		replica_dir_fd = -1;
	}
	return ret;
}

void replica_stop(void)
{
	replica_stopping = true;
}

void replica_exit(void)
{
	struct replica_vol *rv;

	resync_stop();
	while ((rv = vols)) {
		vols = rv->next;
		dirty_close(rv->dirty);
		pthread_rwlock_destroy(&rv->lock);
		pthread_mutex_destroy(&rv->change);
		pthread_mutex_destroy(&rv->dirty_lock);
		explicit_bzero(rv->cfg.peer_token, sizeof(rv->cfg.peer_token));
		free(rv);
	}
	if (replica_dir_fd >= 0)
		close(replica_dir_fd);
	replica_dir_fd = -1;
}

static void config_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s.replica", name);
}

/* Text, one "key value" a line; members in order, then the absent ones. */
static int config_write(const struct cbs_config_req *c, const struct replica_absent *absent,
			uint32_t nabsent)
{
	char path[CBS_PROTO_NAME_LEN + 16], text[CONFIG_MAX];
	int len, ret;
	uint32_t i;

	config_path(path, sizeof(path), c->name);
	len = snprintf(text, sizeof(text), "epoch %llu\nself %u\nprimary %u\n",
		       (unsigned long long)c->epoch, c->self, c->primary);
	for (i = 0; i < c->count; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "member %s\n",
				c->members[i]);
	for (i = 0; i < nabsent; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "absent %s %s\n",
				absent[i].addr, absent[i].full ? "full" : "map");
	len += snprintf(text + len, sizeof(text) - (size_t)len, "peer_token %s\n",
			c->peer_token);
	ret = file_replace(replica_dir_fd, path, text, (size_t)len);
	explicit_bzero(text, sizeof(text));
	return ret;
}

static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || end == s || n > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int config_parse(struct cbs_config_req *c, struct replica_absent *absent,
			uint32_t *nabsent, char *text)
{
	unsigned long long epoch;
	char *line, *save = NULL, *end, *kind;
	int ret = 0;

	for (line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "epoch ", 6)) {
			errno = 0;
			epoch = strtoull(line + 6, &end, 10);
			ret = errno || *end || !epoch ? -EINVAL : 0;
			c->epoch = epoch;
		} else if (!strncmp(line, "self ", 5)) {
			ret = parse_u32(line + 5, &c->self);
		} else if (!strncmp(line, "primary ", 8)) {
			ret = parse_u32(line + 8, &c->primary);
		} else if (!strncmp(line, "member ", 7)) {
			if (c->count >= CBS_PROTO_MAX_REPLICAS ||
			    strlen(line + 7) >= CBS_PROTO_ADDR_LEN)
				return -EINVAL;
			strcpy(c->members[c->count++], line + 7);
		} else if (!strncmp(line, "absent ", 7)) {
			kind = strrchr(line, ' ');
			*kind++ = '\0';
			if (*nabsent >= CBS_PROTO_MAX_REPLICAS ||
			    strlen(line + 7) >= CBS_PROTO_ADDR_LEN)
				return -EINVAL;
			strcpy(absent[*nabsent].addr, line + 7);
			absent[(*nabsent)++].full = strcmp(kind, "map");
		} else if (!strncmp(line, "peer_token ", 11)) {
			ret = cbs_token_set(c->peer_token, line + 11);
		} else {
			ret = -EINVAL;
		}
	}
	if (ret || !c->epoch || !c->count || c->self >= c->count ||
	    c->primary >= c->count || !c->peer_token[0])
		return -EINVAL;
	return 0;
}

/* The absent entry of addr; lock held (or rv not shared yet). */
static struct replica_absent *absent_find(struct replica_vol *rv, const char *addr)
{
	uint32_t i;

	for (i = 0; i < rv->nabsent; i++)
		if (!strcmp(rv->absent[i].addr, addr))
			return &rv->absent[i];
	return NULL;
}

void replica_absent_add_locked(struct replica_vol *rv, const char *addr, bool full)
{
	struct replica_absent *a = absent_find(rv, addr);

	if (!a && rv->nabsent < CBS_PROTO_MAX_REPLICAS) {
		a = &rv->absent[rv->nabsent++];
		memset(a, 0, sizeof(*a));
		snprintf(a->addr, sizeof(a->addr), "%s", addr);
		a->full = full;
	} else if (a) {
		a->full |= full;
	}
}

static void absent_remove_locked(struct replica_vol *rv, const char *addr)
{
	struct replica_absent *a = absent_find(rv, addr);

	if (a) {
		*a = rv->absent[--rv->nabsent];
		memset(&rv->absent[rv->nabsent], 0, sizeof(*a));
	}
}

/* The recorded configuration of rv, if any; vols_lock held. */
static void config_load(struct replica_vol *rv)
{
	char path[CBS_PROTO_NAME_LEN + 16], text[CONFIG_MAX];
	struct cbs_config_req c = { 0 };
	uint32_t i;
	ssize_t n;
	int fd;

	config_path(path, sizeof(path), rv->name);
	fd = openat(replica_dir_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			nb_log("volume %s: cannot read its replica configuration: %m", rv->name);
		return;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return;
	text[n] = '\0';
	memcpy(c.name, rv->name, sizeof(c.name));
	if (config_parse(&c, rv->absent, &rv->nabsent, text)) {
		/* Serving it as standalone could make a second primary: refuse all. */
		nb_log("volume %s: bad replica configuration %s, the volume is not served",
			rv->name, path);
		rv->deposed = true;
	} else {
		rv->cfg = c;
		/* What it knew of its backups' sync is in the absent list. */
		for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
			rv->state[i] = i < c.count && !absent_find(rv, c.members[i]) ?
				       CBS_REPLICA_IN_SYNC : CBS_REPLICA_DOWN;
	}
	explicit_bzero(text, sizeof(text));
	explicit_bzero(&c, sizeof(c));
}

/* vols_lock held. */
static struct replica_vol *replica_find(const char *name)
{
	struct replica_vol *rv;

	for (rv = vols; rv; rv = rv->next)
		if (!strcmp(rv->name, name))
			return rv;
	return NULL;
}

/* The volume exists on this server (its metadata file, volume.c). */
static bool volume_exists(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8];

	snprintf(path, sizeof(path), "%s.meta", name);
	return !faccessat(replica_dir_fd, path, F_OK, 0);
}

int replica_get(const char *name, struct replica_vol **out)
{
	struct replica_vol *rv;

	/* Only for volumes that exist: a stranger's names take no memory. */
	if (!volume_exists(name))
		return -ENOENT;
	pthread_mutex_lock(&vols_lock);
	rv = replica_find(name);
	if (rv)
		goto out;
	rv = calloc(1, sizeof(*rv));
	if (!rv) {
		pthread_mutex_unlock(&vols_lock);
		return -ENOMEM;
	}
	snprintf(rv->name, sizeof(rv->name), "%s", name);
	pthread_rwlock_init(&rv->lock, NULL);
	pthread_mutex_init(&rv->change, NULL);
	pthread_mutex_init(&rv->dirty_lock, NULL);
	config_load(rv);
	rv->next = vols;
	vols = rv;
out:
	pthread_mutex_unlock(&vols_lock);
	*out = rv;
	return 0;
}

int replica_freeze(struct cbs_volume *v)
{
	struct timespec until;
	int ret;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2 * (time_t)replica_timeout_s;
	ret = pthread_rwlock_timedwrlock(&v->io_lock, &until);
	return ret == ETIMEDOUT ? -EBUSY : -ret;
}

unsigned int replica_vols(struct replica_vol **out, unsigned int max)
{
	struct replica_vol *rv;
	unsigned int n = 0;

	pthread_mutex_lock(&vols_lock);
	for (rv = vols; rv && n < max; rv = rv->next)
		out[n++] = rv;
	pthread_mutex_unlock(&vols_lock);
	return n;
}

struct dirty_map *replica_dirty(struct replica_vol *rv, uint64_t size)
{
	struct dirty_map *m;
	int ret;

	pthread_mutex_lock(&rv->dirty_lock);
	if (!rv->dirty) {
		ret = dirty_open(replica_dir_fd, rv->name, size, &rv->dirty);
		if (ret)
			nb_log("volume %s: cannot open its dirty-region map: %s", rv->name,
				strerror(-ret));
	}
	m = rv->dirty;
	pthread_mutex_unlock(&rv->dirty_lock);
	return m;
}

bool replica_is_primary(const struct replica_vol *rv)
{
	return !rv->deposed && rv->cfg.self == rv->cfg.primary;
}

/* lock held: the newest epoch known here and its primary, if known. */
static uint64_t newest(const struct replica_vol *rv, char primary[CBS_PROTO_ADDR_LEN])
{
	memset(primary, 0, CBS_PROTO_ADDR_LEN);
	if (rv->newest_epoch > rv->cfg.epoch) {
		memcpy(primary, rv->newest_primary, CBS_PROTO_ADDR_LEN);
		return rv->newest_epoch;
	}
	if (rv->cfg.epoch)
		memcpy(primary, rv->cfg.members[rv->cfg.primary], CBS_PROTO_ADDR_LEN);
	return rv->cfg.epoch;
}

/*
 * A replica session of session_epoch may write here: this is a backup of
 * exactly that epoch, or the session is a newer epoch's primary catching
 * this server up (it is not a member of that epoch yet).  lock held.
 */
static bool replica_ok(const struct replica_vol *rv, uint64_t session_epoch)
{
	if (session_epoch > rv->cfg.epoch)
		return true;
	return !rv->deposed && rv->cfg.epoch && session_epoch == rv->cfg.epoch &&
	       rv->cfg.self != rv->cfg.primary;
}

/* A peer speaks for epoch, newer than the recorded one: no longer primary. */
static void learn_epoch(struct replica_vol *rv, uint64_t epoch)
{
	pthread_rwlock_wrlock(&rv->lock);
	if (epoch > rv->cfg.epoch && epoch > rv->newest_epoch) {
		if (rv->cfg.epoch && rv->cfg.self == rv->cfg.primary && !rv->deposed)
			nb_log("volume %s: a primary of epoch %llu exists: no longer primary",
				rv->name, (unsigned long long)epoch);
		rv->newest_epoch = epoch;
		memset(rv->newest_primary, 0, sizeof(rv->newest_primary));
		if (rv->cfg.epoch)
			rv->deposed = true;
	}
	pthread_rwlock_unlock(&rv->lock);
}

int replica_hello(struct replica_vol *rv, bool replica, uint64_t session_epoch,
		  uint64_t *epoch, char primary[CBS_PROTO_ADDR_LEN])
{
	int ret;

	if (replica && session_epoch > 1)
		learn_epoch(rv, session_epoch);
	pthread_rwlock_rdlock(&rv->lock);
	*epoch = newest(rv, primary);
	if (replica)
		ret = replica_ok(rv, session_epoch) ? 0 : -CBS_ERR_NOT_PRIMARY;
	else
		ret = replica_is_primary(rv) ? 0 : -CBS_ERR_NOT_PRIMARY;
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_check_client(struct replica_vol *rv)
{
	int ret;

	pthread_rwlock_rdlock(&rv->lock);
	ret = replica_is_primary(rv) ? 0 : -CBS_ERR_NOT_PRIMARY;
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_check_name(const char *name)
{
	struct replica_vol *rv;
	int ret;

	/* Without replica_init() (a unit test of volume.c): all standalone. */
	if (replica_dir_fd < 0)
		return 0;
	ret = replica_get(name, &rv);
	return ret ? ret : replica_check_client(rv);
}

int replica_backup_begin(struct replica_vol *rv, uint64_t session_epoch)
{
	pthread_rwlock_rdlock(&rv->lock);
	if (replica_ok(rv, session_epoch))
		return 0;
	pthread_rwlock_unlock(&rv->lock);
	return -CBS_ERR_NOT_PRIMARY;
}

void replica_backup_end(struct replica_vol *rv)
{
	pthread_rwlock_unlock(&rv->lock);
}

bool replica_has_backups(struct replica_vol *rv)
{
	bool ret;

	/* A server catching up needs the writes marked even with no backup in sync. */
	pthread_rwlock_rdlock(&rv->lock);
	ret = rv->cfg.count > 1 || rv->nabsent;
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_save_locked(struct replica_vol *rv)
{
	return config_write(&rv->cfg, rv->absent, rv->nabsent);
}

int replica_install_locked(struct replica_vol *rv, const struct cbs_config_req *c)
{
	uint32_t i;
	int ret;

	/* The absent list is the primary's; nobody is absent from itself. */
	if (c->self != c->primary)
		rv->nabsent = 0;
	absent_remove_locked(rv, c->members[c->self]);
	ret = config_write(c, rv->absent, rv->nabsent);
	if (ret)
		return ret;
	if (rv->cfg.epoch != c->epoch)
		nb_log("volume %s: epoch %llu -> %llu, %s of %u, primary %s", rv->name,
			(unsigned long long)rv->cfg.epoch, (unsigned long long)c->epoch,
			c->self == c->primary ? "primary" : "backup", c->count,
			c->members[c->primary]);
	rv->cfg = *c;
	rv->deposed = false;
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		rv->state[i] = i < c->count && !absent_find(rv, c->members[i]) ?
			       CBS_REPLICA_IN_SYNC : CBS_REPLICA_DOWN;
	return 0;
}

int replica_config(const struct cbs_config_req *r)
{
	struct replica_vol *rv;
	int ret;

	ret = replica_get(r->name, &rv);
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&rv->lock);
	if (r->epoch <= rv->cfg.epoch)
		ret = -ESTALE;
	else
		ret = replica_install_locked(rv, r);
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_status(const char *name, struct cbs_replica_status *out)
{
	struct replica_vol *rv;
	struct cbs_replica_entry *e;
	uint32_t i, n;
	int ret;

	ret = replica_get(name, &rv);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&rv->lock);
	if (!rv->cfg.epoch) {
		/* Standalone: one member, this server, whose address it does not know. */
		out->count = htole32(1);
		out->members[0].role = htole32(rv->deposed ? CBS_ROLE_STALE : CBS_ROLE_PRIMARY);
		out->members[0].state = htole32(CBS_REPLICA_IN_SYNC);
		goto out;
	}
	out->epoch = htole64(rv->cfg.epoch);
	out->self = htole32(rv->cfg.self);
	out->primary = htole32(rv->cfg.primary);
	for (i = 0; i < rv->cfg.count; i++) {
		e = &out->members[i];
		memcpy(e->addr, rv->cfg.members[i], sizeof(e->addr));
		e->epoch = htole64(rv->cfg.epoch);
		e->role = htole32(i == rv->cfg.primary ? CBS_ROLE_PRIMARY : CBS_ROLE_BACKUP);
		e->state = htole32(rv->state[i]);
	}
	if (rv->deposed)
		out->members[rv->cfg.self].role = htole32(CBS_ROLE_STALE);
	/* Then the servers catching up to join, as far as there is room. */
	n = rv->cfg.count;
	for (i = 0; i < rv->nabsent; i++) {
		struct replica_absent *a = &rv->absent[i];
		uint32_t j;

		for (j = 0; j < rv->cfg.count && strcmp(rv->cfg.members[j], a->addr); j++)
			;
		if (j == rv->cfg.count) {
			if (n == CBS_PROTO_MAX_REPLICAS)
				continue;
			e = &out->members[n++];
			memcpy(e->addr, a->addr, sizeof(e->addr));
			e->role = htole32(CBS_ROLE_STALE);
		} else {
			e = &out->members[j];
		}
		e->state = htole32(a->copying ? CBS_REPLICA_CATCHING_UP : CBS_REPLICA_DOWN);
		e->lag = htole64(a->lag);
		e->epoch = 0;
	}
	out->count = htole32(n);
out:
	pthread_rwlock_unlock(&rv->lock);
	return 0;
}

void replica_list_info(const char *name, uint64_t *epoch, uint32_t *role)
{
	struct replica_vol *rv;

	*epoch = 0;
	*role = CBS_ROLE_PRIMARY;
	if (replica_get(name, &rv))
		return;
	pthread_rwlock_rdlock(&rv->lock);
	*epoch = rv->newest_epoch > rv->cfg.epoch ? rv->newest_epoch : rv->cfg.epoch;
	if (rv->deposed)
		*role = CBS_ROLE_STALE;
	else if (rv->cfg.epoch && rv->cfg.self != rv->cfg.primary)
		*role = CBS_ROLE_BACKUP;
	pthread_rwlock_unlock(&rv->lock);
}

void replica_forget(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 16];
	struct replica_vol *rv;

	config_path(path, sizeof(path), name);
	unlinkat(replica_dir_fd, path, 0);
	dirty_remove(replica_dir_fd, name);
	fsync(replica_dir_fd);
	pthread_mutex_lock(&vols_lock);
	rv = replica_find(name);
	pthread_mutex_unlock(&vols_lock);
	if (!rv)
		return;
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_wrlock(&rv->lock);
	memset(&rv->cfg, 0, sizeof(rv->cfg));
	memcpy(rv->cfg.name, rv->name, sizeof(rv->cfg.name));
	rv->deposed = false;
	rv->newest_epoch = 0;
	rv->nabsent = 0;
	pthread_mutex_lock(&rv->dirty_lock);
	dirty_close(rv->dirty);
	rv->dirty = NULL;
	pthread_mutex_unlock(&rv->dirty_lock);
	pthread_rwlock_unlock(&rv->lock);
	pthread_mutex_unlock(&rv->change);
}

int replica_copy(const char *src, const char *dst)
{
	struct replica_vol *rs, *rd;
	struct cbs_config_req c;
	int ret;

	if (replica_dir_fd < 0)
		return 0;
	ret = replica_get(src, &rs);
	if (!ret)
		ret = replica_get(dst, &rd);
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&rs->lock);
	c = rs->cfg;
	pthread_rwlock_unlock(&rs->lock);
	if (!c.epoch)
		return 0;
	memcpy(c.name, rd->name, sizeof(c.name));
	c.epoch = 1;
	pthread_rwlock_wrlock(&rd->lock);
	rd->nabsent = 0;
	ret = replica_install_locked(rd, &c);
	pthread_rwlock_unlock(&rd->lock);
	explicit_bzero(&c, sizeof(c));
	return ret;
}

int replica_take_dirty(const char *name, void **bits, uint32_t *len)
{
	struct replica_vol *rv;
	struct cbs_volume *v;
	struct dirty_map *m;
	int ret;

	ret = replica_get(name, &rv);
	if (!ret)
		ret = vol_get(name, &v);
	if (ret)
		return ret;
	m = replica_dirty(rv, v->size);
	ret = m ? dirty_take_flight(m, bits, len) : -EIO;
	vol_close(v, NULL);
	return ret;
}

/*
 * The start of a new configuration nc after old, for the request r:
 * -EINVAL for a standalone volume (CONFIG makes a replica set), -ESTALE
 * unless r's epoch is newer.
 */
static int new_config(struct cbs_config_req *nc, const struct cbs_config_req *old,
		      const struct cbs_config_req *r)
{
	if (!old->epoch)
		return -EINVAL;
	if (r->epoch <= old->epoch)
		return -ESTALE;
	memset(nc, 0, sizeof(*nc));
	memcpy(nc->name, old->name, sizeof(nc->name));
	memcpy(nc->peer_token, r->peer_token, sizeof(nc->peer_token));
	nc->epoch = r->epoch;
	return 0;
}

/*
 * The members' flight maps, merged into this server's: regions whose last
 * writes some member may have and another not.
 */
static void gather_flight(struct replica_vol *rv, struct dirty_map *m,
			  const struct cbs_config_req *nc, const bool ok[CBS_PROTO_MAX_REPLICAS])
{
	uint32_t i, len;
	void *bits;
	int ret;

	for (i = 0; i < nc->count; i++) {
		if (i == nc->self || !ok[i])
			continue;
		ret = peer_dirty(nc->members[i], nc->peer_token, nc->name, &bits, &len);
		if (ret) {
			/* Its unacknowledged writes are unknown: it needs a full copy. */
			nb_log("volume %s: no dirty map from %s: %s", rv->name,
				nc->members[i], strerror(-ret));
			pthread_rwlock_wrlock(&rv->lock);
			replica_absent_add_locked(rv, nc->members[i], true);
			pthread_rwlock_unlock(&rv->lock);
			continue;
		}
		dirty_merge(m, DIRTY_FLIGHT, bits, len);
		free(bits);
	}
}

/*
 * Become the primary of nc, recorded where ok[] says, with v frozen: its
 * io_lock held for writing, so no write is in flight and none starts until
 * the members are in step.  Members not reached or that did not record nc
 * catch up later (a full copy); those that did get every region of the
 * merged flight map copied from here before the first new write.
 */
static int take_over(struct replica_vol *rv, struct cbs_volume *v, struct cbs_config_req *nc,
		     bool ok[CBS_PROTO_MAX_REPLICAS], const struct cbs_config_req *old)
{
	struct dirty_map *m = replica_dirty(rv, v->size);
	uint32_t i, j;
	int ret;

	if (!m)
		return -EIO;
	gather_flight(rv, m, nc, ok);
	pthread_rwlock_wrlock(&rv->lock);
	if (rv->cfg.epoch >= nc->epoch) {
		pthread_rwlock_unlock(&rv->lock);
		return -ESTALE;
	}
	for (i = 0; i < old->count; i++) {
		for (j = 0; j < nc->count && strcmp(nc->members[j], old->members[i]); j++)
			;
		if (j == nc->count || !ok[j])
			replica_absent_add_locked(rv, old->members[i], true);
	}
	ret = replica_install_locked(rv, nc);
	pthread_rwlock_unlock(&rv->lock);
	if (ret)
		return ret;
	ok[nc->self] = false;
	resync_flight(rv, v, nc, ok);
	pthread_rwlock_wrlock(&rv->lock);
	for (i = 0; i < nc->count; i++) {
		if (i != nc->self && !ok[i]) {
			replica_absent_add_locked(rv, nc->members[i], true);
			rv->state[i] = CBS_REPLICA_DOWN;
		}
	}
	ret = replica_save_locked(rv);
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_promote(const struct cbs_config_req *r)
{
	struct cbs_config_req old, nc = { 0 };
	bool ok[CBS_PROTO_MAX_REPLICAS] = { false };
	struct replica_vol *rv;
	struct cbs_volume *v;
	unsigned int recorded;
	uint64_t epoch;
	uint32_t i;
	int ret;

	ret = replica_get(r->name, &rv);
	if (!ret)
		ret = vol_get(r->name, &v);
	if (ret)
		return ret;
	/* Frozen from the start: the old primary's writes wait, or fail. */
	ret = replica_freeze(v);
	if (ret) {
		vol_close(v, NULL);
		return ret;
	}
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_rdlock(&rv->lock);
	old = rv->cfg;
	pthread_rwlock_unlock(&rv->lock);
	ret = new_config(&nc, &old, r);
	if (ret)
		goto out;
	/* This server first, then the members that answer. */
	memcpy(nc.members[nc.count++], old.members[old.self], CBS_PROTO_ADDR_LEN);
	for (i = 0; i < old.count; i++) {
		if (i == old.self)
			continue;
		ret = peer_epoch(old.members[i], r->peer_token, old.name, &epoch);
		if (ret) {
			nb_log("volume %s: promote: %s does not answer: %s", old.name,
				old.members[i], strerror(-ret));
			continue;
		}
		if (epoch >= r->epoch) {
			nb_log("volume %s: promote: %s has epoch %llu, not below %llu",
				old.name, old.members[i], (unsigned long long)epoch,
				(unsigned long long)r->epoch);
			ret = -ESTALE;
			goto out;
		}
		/*
		 * A member knows a newer configuration than this server: one
		 * formed without it (it was dropped, or a promotion did not
		 * reach it), whose writes it may lack.  Its votes from an
		 * older configuration do not make it a safe primary.
		 */
		if (epoch > old.epoch && !(r->flags & CBS_CONFIG_F_FORCE)) {
			nb_log("volume %s: promote to epoch %llu refused: %s has epoch %llu, "
				"newer than this server's %llu: writes acknowledged since may "
				"be missing here", old.name, (unsigned long long)r->epoch,
				old.members[i], (unsigned long long)epoch,
				(unsigned long long)old.epoch);
			ret = -ESTALE;
			goto out;
		}
		if (epoch > old.epoch)
			nb_log("volume %s: promote to epoch %llu FORCED although %s has the "
				"newer epoch %llu: writes acknowledged there since this "
				"server's epoch %llu are lost", old.name,
				(unsigned long long)r->epoch, old.members[i],
				(unsigned long long)epoch, (unsigned long long)old.epoch);
		memcpy(nc.members[nc.count++], old.members[i], CBS_PROTO_ADDR_LEN);
	}
	ret = 0;
	recorded = 1 + record_on_peers(&nc, ok);
	if (2 * recorded <= old.count) {
		if (!(r->flags & CBS_CONFIG_F_FORCE)) {
			nb_log("volume %s: promote to epoch %llu refused: recorded on %u of "
				"the %u members of epoch %llu, not a majority", old.name,
				(unsigned long long)r->epoch, recorded, old.count,
				(unsigned long long)old.epoch);
			ret = -EHOSTDOWN;
			goto out;
		}
		nb_log("volume %s: promote to epoch %llu FORCED with %u of %u members: "
			"the members not reached may form another side with its own "
			"primary, and writes acknowledged there since are not here",
			old.name, (unsigned long long)r->epoch, recorded, old.count);
	}
	ret = take_over(rv, v, &nc, ok, &old);
out:
	pthread_mutex_unlock(&rv->change);
	pthread_rwlock_unlock(&v->io_lock);
	vol_close(v, NULL);
	explicit_bzero(&nc, sizeof(nc));
	explicit_bzero(&old, sizeof(old));
	return ret;
}

int replica_set_replicas(const struct cbs_config_req *r)
{
	struct cbs_config_req old, nc = { 0 };
	bool ok[CBS_PROTO_MAX_REPLICAS], listed;
	struct replica_vol *rv;
	unsigned int recorded = 1;
	uint32_t i, j;
	int ret;

	ret = replica_get(r->name, &rv);
	if (ret)
		return ret;
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_rdlock(&rv->lock);
	old = rv->cfg;
	ret = old.epoch && !replica_is_primary(rv) ? -CBS_ERR_NOT_PRIMARY : 0;
	pthread_rwlock_unlock(&rv->lock);
	if (!ret)
		ret = new_config(&nc, &old, r);
	if (ret)
		goto out;
	/* The members that stay, in their order; this server must be one. */
	listed = false;
	for (i = 0; i < old.count; i++) {
		for (j = 0; j < r->count && strcmp(r->members[j], old.members[i]); j++)
			;
		if (j == r->count)
			continue;
		if (i == old.self) {
			nc.self = nc.primary = nc.count;
			listed = true;
		}
		memcpy(nc.members[nc.count++], old.members[i], CBS_PROTO_ADDR_LEN);
	}
	if (!listed) {
		ret = -EINVAL;		/* another primary: PROMOTE it */
		goto out;
	}
	if (nc.count > 1 || old.count > 1) {
		recorded += record_on_peers(&nc, ok);
		/* Only the old members' votes count. */
		if (2 * recorded <= old.count && !(r->flags & CBS_CONFIG_F_FORCE)) {
			ret = -EHOSTDOWN;
			goto out;
		}
	}
	pthread_rwlock_wrlock(&rv->lock);
	if (rv->cfg.epoch != old.epoch) {
		ret = -ESTALE;
	} else {
		/* Who left is no longer wanted; the new ones catch up, then join. */
		for (i = 0; i < rv->nabsent; i++) {
			for (j = 0; j < r->count && strcmp(r->members[j], rv->absent[i].addr); j++)
				;
			if (j == r->count)
				absent_remove_locked(rv, rv->absent[i--].addr);
		}
		for (j = 0; j < r->count; j++) {
			for (i = 0; i < nc.count && strcmp(nc.members[i], r->members[j]); i++)
				;
			if (i == nc.count)
				replica_absent_add_locked(rv, r->members[j], true);
		}
		ret = replica_install_locked(rv, &nc);
	}
	pthread_rwlock_unlock(&rv->lock);
out:
	pthread_mutex_unlock(&rv->change);
	explicit_bzero(&nc, sizeof(nc));
	explicit_bzero(&old, sizeof(old));
	return ret;
}

/* ---- The primary's forwarding ---- */

/*
 * A backup knows an epoch newer than epoch: unless this server moved on
 * to a newer one itself meanwhile, it is deposed.  true if deposed.
 */
static bool depose(struct replica_vol *rv, uint64_t epoch, uint64_t newer,
		   const char *newer_primary)
{
	bool ret = false;

	/* Not while this server records a newer epoch of its own (drop_backup()). */
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_wrlock(&rv->lock);
	if (rv->cfg.epoch == epoch) {
		if (!rv->deposed)
			nb_log("volume %s: a backup knows an epoch newer than %llu: "
				"no longer primary", rv->name, (unsigned long long)epoch);
		rv->deposed = true;
		if (newer > rv->newest_epoch) {
			rv->newest_epoch = newer;
			memcpy(rv->newest_primary, newer_primary, CBS_PROTO_ADDR_LEN);
		}
		ret = true;
	}
	pthread_rwlock_unlock(&rv->lock);
	pthread_mutex_unlock(&rv->change);
	return ret;
}

/*
 * Backup dead of epoch c (the caller's snapshot of cfg) does not answer.
 * With three members the primary drops it: epoch + 1 without it, recorded
 * on the other backup (with this server, a majority of three), and it
 * becomes absent: what it missed is the flight map (its unacknowledged
 * writes) and all written from now on.  Else nothing: the write waits.
 * true if the configuration changed.
 */
static bool drop_backup(struct replica_vol *rv, struct dirty_map *m,
			const struct cbs_config_req *c, uint32_t dead)
{
	struct cbs_config_req nc = { 0 };
	bool ok[CBS_PROTO_MAX_REPLICAS];
	uint32_t i;
	bool ret = false;

	if (c->count < 3)
		return false;
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_rdlock(&rv->lock);
	i = rv->cfg.epoch == c->epoch && replica_is_primary(rv);
	pthread_rwlock_unlock(&rv->lock);
	if (!i) {
		/* Someone changed it already: the caller starts over. */
		pthread_mutex_unlock(&rv->change);
		return true;
	}
	memcpy(nc.name, c->name, sizeof(nc.name));
	memcpy(nc.peer_token, c->peer_token, sizeof(nc.peer_token));
	nc.epoch = c->epoch + 1;
	for (i = 0; i < c->count; i++) {
		if (i == dead)
			continue;
		if (i == c->self)
			nc.self = nc.primary = nc.count;
		memcpy(nc.members[nc.count++], c->members[i], CBS_PROTO_ADDR_LEN);
	}
	if (2 * (1 + record_on_peers(&nc, ok)) > c->count) {
		if (m)
			dirty_copy_kind(m, DIRTY_FLIGHT, DIRTY_ABSENT);
		pthread_rwlock_wrlock(&rv->lock);
		if (rv->cfg.epoch == c->epoch) {
			replica_absent_add_locked(rv, c->members[dead], !m);
			if (!replica_install_locked(rv, &nc)) {
				nb_log("volume %s: backup %s dropped after %us without an answer",
					rv->name, c->members[dead], replica_timeout_s);
				ret = true;
			}
		}
		pthread_rwlock_unlock(&rv->lock);
	}
	pthread_mutex_unlock(&rv->change);
	explicit_bzero(&nc, sizeof(nc));
	return ret;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int replica_write(struct replica_vol *rv, struct replica_links *links, uint64_t size,
		  uint64_t generation, const struct cbs_req *req, const void *payload,
		  int (*apply)(void *arg), void *arg)
{
	enum link_result res[CBS_PROTO_MAX_REPLICAS];
	char newer_primary[CBS_PROTO_ADDR_LEN] = "";
	bool use[CBS_PROTO_MAX_REPLICAS], absent;
	bool track = req->op != CBS_OP_FLUSH;
	struct dirty_map *m = NULL;
	struct cbs_config_req c;
	uint64_t newer;
	uint32_t i, down;
	int ret, err;

	/* A FLUSH needs it too: a backup it finds dead is dropped with the map. */
	m = replica_dirty(rv, size);
	if (track) {
		if (!m)
			return -EIO;
		pthread_rwlock_rdlock(&rv->lock);
		absent = rv->nabsent > 0;
		pthread_rwlock_unlock(&rv->lock);
		/* On disk before any replica has it: a new primary will know. */
		ret = dirty_begin(m, req->offset, req->length, absent);
		if (ret)
			return ret;
	}
again:
	pthread_rwlock_rdlock(&rv->lock);
	c = rv->cfg;
	ret = replica_is_primary(rv) ? 0 : -CBS_ERR_NOT_PRIMARY;
	/* The in-sync backups count; the others catch up on their own. */
	for (i = 0; i < c.count; i++)
		use[i] = i != c.self && rv->state[i] == CBS_REPLICA_IN_SYNC;
	pthread_rwlock_unlock(&rv->lock);
	if (ret)
		goto out;
	/* Send to all, apply here, then collect: the backups work meanwhile. */
	newer = 0;
	for (i = 0; i < c.count; i++) {
		if (!use[i])
			continue;
		res[i] = link_open(&links->l[i], &c, generation, c.members[i], &newer,
				   newer_primary);
		if (res[i] == LINK_OK)
			res[i] = link_send(&links->l[i], req, payload);
	}
	/* A retry applies again: the same data to the same place. */
	ret = apply(arg);
	for (i = 0; i < c.count; i++) {
		if (!use[i] || res[i] != LINK_OK)
			continue;
		res[i] = link_reply(&links->l[i], &err);
		if (res[i] == LINK_FAILED && !ret)
			ret = -err;
	}
	down = c.count;
	for (i = 0; i < c.count; i++) {
		if (!use[i])
			continue;
		if (res[i] == LINK_NEWER) {
			if (depose(rv, c.epoch, newer, newer_primary)) {
				ret = -CBS_ERR_NOT_PRIMARY;
				goto out;
			}
			goto again;	/* this server moved on: resend at its epoch */
		}
		if (res[i] == LINK_DOWN)
			down = i;
	}
	if (down < c.count) {
		if (!drop_backup(rv, m, &c, down)) {
			if (replica_stopping) {
				ret = -EIO;
				goto out;
			}
			sleep_ms(RETRY_MS);
		}
		goto again;
	}
	/* Acknowledged by every member: unless a newer epoch exists here now. */
	pthread_rwlock_rdlock(&rv->lock);
	if (rv->cfg.epoch != c.epoch)
		err = replica_is_primary(rv) ? 1 : -CBS_ERR_NOT_PRIMARY;
	else
		err = 0;
	pthread_rwlock_unlock(&rv->lock);
	if (err > 0)
		goto again;
	if (err)
		ret = err;
	/* On every member (or failed on one): no longer in flight. */
	if (track && !ret)
		dirty_end(m, req->offset, req->length);
out:
	explicit_bzero(&c, sizeof(c));
	return ret;
}

int replica_backup_track(struct replica_vol *rv, uint64_t size, struct replica_pending *p,
			 const struct cbs_req *req)
{
	struct dirty_map *m;
	int ret;

	if (!cbs_proto_op_mutates(req->op))
		return 0;
	m = replica_dirty(rv, size);
	if (!m)
		return -EIO;
	ret = dirty_begin(m, req->offset, req->length, false);
	if (!ret) {
		p->set = true;
		p->off = req->offset;
		p->len = req->length;
	}
	return ret;
}

void replica_backup_next(struct replica_vol *rv, struct replica_pending *p)
{
	if (!p->set)
		return;
	p->set = false;
	pthread_mutex_lock(&rv->dirty_lock);
	if (rv->dirty)
		dirty_end(rv->dirty, p->off, p->len);
	pthread_mutex_unlock(&rv->dirty_lock);
}

int replica_snapshot(struct cbs_volume *v, const char *snap, uint32_t flags)
{
	struct cbs_req req = {
		.op = CBS_OP_SNAPSHOT,
		.flags = flags & CBS_SNAP_F_PROTECTED ? CBS_REQ_F_PROTECTED : 0,
		.length = CBS_PROTO_NAME_LEN,
	};
	struct replica_link l[CBS_PROTO_MAX_REPLICAS];
	char np[CBS_PROTO_ADDR_LEN], name[CBS_PROTO_NAME_LEN] = { 0 };
	enum link_result res[CBS_PROTO_MAX_REPLICAS];
	bool use[CBS_PROTO_MAX_REPLICAS];
	struct cbs_config_req c;
	struct replica_vol *rv;
	uint64_t newer = 0;
	uint32_t i;
	int ret, err;

	if (replica_dir_fd < 0)
		return 0;
	ret = replica_get(v->name, &rv);
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&rv->lock);
	c = rv->cfg;
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		use[i] = i < c.count && i != c.self && rv->state[i] == CBS_REPLICA_IN_SYNC;
	ret = c.epoch && !replica_is_primary(rv) ? -CBS_ERR_NOT_PRIMARY : 0;
	pthread_rwlock_unlock(&rv->lock);
	snprintf(name, sizeof(name), "%s", snap);
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].fd = -1;
		if (ret || !use[i])
			continue;
		res[i] = link_open(&l[i], &c, v->generation, c.members[i], &newer, np);
		if (res[i] == LINK_OK)
			res[i] = link_send(&l[i], &req, name);
	}
	for (i = 0; i < c.count && !ret; i++) {
		if (!use[i])
			continue;
		if (res[i] == LINK_OK)
			res[i] = link_reply(&l[i], &err);
		if (res[i] == LINK_OK)
			continue;
		nb_log("volume %s: snapshot %s not taken on %s", v->name, snap, c.members[i]);
		ret = -EIO;
	}
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		link_close(&l[i]);
	explicit_bzero(&c, sizeof(c));
	return ret;
}
