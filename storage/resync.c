// SPDX-License-Identifier: GPL-2.0
/*
 * Resync: the primary copies regions to members that are not in step
 * (Documentation/cbs.md, "Resync").  One thread per server, every second:
 * each dirty map's flight bits are cleaned now and then, and each volume
 * this server is the primary of catches up its absent servers, reachable
 * ones at once: a full copy where needed, then passes over the absent map
 * while writes go on (a region written during its copy is set again and
 * copied again), then a last pass with the volume frozen, and the join:
 * an epoch bump with them, recorded on a majority of the configuration.
 * The copy goes at most --resync-rate bytes a second.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "storage/replica_int.h"
#include "storage/store.h"

#define MAX_VOLS 1024
/* Passes while writes go on; then frozen, whatever is left. */
#define LIVE_PASSES 20
#define FROZEN_MAX 16		/* regions left to copy frozen */
#define CLEAN_TICKS 5

static pthread_t thread;
static bool started;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The rate limit: sleep until bytes copied since start fit in it. */
struct throttle {
	double start;
	uint64_t bytes;
};

static void throttle(struct throttle *t, uint64_t bytes)
{
	double due;
	struct timespec ts;

	t->bytes += bytes;
	due = t->start + (double)t->bytes / (double)replica_resync_rate - now_s();
	if (due <= 0)
		return;
	ts.tv_sec = (time_t)due;
	ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static bool all_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Region r of v to every target's link: its data, or DISCARD where it
 * reads as zeros.  frozen: the caller holds io_lock for writing.  A target
 * that fails is cleared in to[] and its link closed.  Bytes sent.
 */
static uint64_t copy_region(struct cbs_volume *v, uint64_t size, char *buf, uint64_t r,
			    struct replica_link *l, bool *to, uint32_t n, bool frozen)
{
	uint64_t off = r << DIRTY_REGION_SHIFT;
	struct cbs_req req = { 0 };
	uint32_t i, len;
	int ret, err;

	if (off >= size)
		return 0;
	len = (uint32_t)(size - off < DIRTY_REGION_SIZE ? size - off : DIRTY_REGION_SIZE);
	if (!frozen)
		pthread_rwlock_rdlock(&v->io_lock);
	ret = store_read(v, buf, len, off);
	if (!frozen)
		pthread_rwlock_unlock(&v->io_lock);
	if (ret) {
		nb_log("volume %s: resync cannot read region %llu: %s", v->name,
			(unsigned long long)r, strerror(-ret));
		for (i = 0; i < n; i++)
			to[i] = false;
		return 0;
	}
	/* Zeros stay thin: a hole, not allocated zeros. */
	req.op = all_zero(buf, len) ? CBS_OP_DISCARD : CBS_OP_WRITE;
	req.offset = off;
	req.length = len;
	for (i = 0; i < n; i++)
		if (to[i] && link_send(&l[i], &req, buf) != LINK_OK)
			to[i] = false;
	for (i = 0; i < n; i++) {
		if (!to[i])
			continue;
		if (link_reply(&l[i], &err) != LINK_OK) {
			to[i] = false;
			link_close(&l[i]);
		}
	}
	return req.op == CBS_OP_WRITE ? len : 0;
}

static bool any(const bool *to, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (to[i])
			return true;
	return false;
}

void resync_flight(struct replica_vol *rv, struct cbs_volume *v,
		   const struct cbs_config_req *c, bool to[CBS_PROTO_MAX_REPLICAS])
{
	struct replica_link l[CBS_PROTO_MAX_REPLICAS];
	char np[CBS_PROTO_ADDR_LEN];
	struct dirty_map *m = replica_dirty(rv, v->size);
	uint64_t r, newer, copied = 0;
	uint32_t i;
	char *buf;

	buf = malloc(DIRTY_REGION_SIZE);
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].fd = -1;
		if (i < c->count && to[i] && (!buf || !m ||
		    link_open(&l[i], c, v->generation, c->members[i], &newer, np) != LINK_OK))
			to[i] = false;
	}
	for (r = 0; m && any(to, c->count); r++) {
		r = dirty_next(m, DIRTY_FLIGHT, r);
		if (r == UINT64_MAX)
			break;
		if (dirty_claim(m, DIRTY_FLIGHT, r, true))
			continue;
		copy_region(v, v->size, buf, r, l, to, c->count, true);
		copied++;
	}
	if (copied)
		nb_log("volume %s: epoch %llu: %llu regions that were in flight copied to "
			"the members", rv->name, (unsigned long long)c->epoch,
			(unsigned long long)copied);
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		link_close(&l[i]);
	free(buf);
}

/* The absent entry of addr in rv, updated; lock held for writing. */
static void absent_update_locked(struct replica_vol *rv, const char *addr, int copying,
				 int full, uint64_t lag)
{
	uint32_t i;

	for (i = 0; i < rv->nabsent; i++) {
		if (strcmp(rv->absent[i].addr, addr))
			continue;
		if (copying >= 0)
			rv->absent[i].copying = copying;
		if (full >= 0)
			rv->absent[i].full = full;
		rv->absent[i].lag = lag;
	}
}

static void absent_update(struct replica_vol *rv, const char *addr, int copying, int full,
			  uint64_t lag)
{
	pthread_rwlock_wrlock(&rv->lock);
	absent_update_locked(rv, addr, copying, full, lag);
	if (full >= 0)
		replica_save_locked(rv);
	pthread_rwlock_unlock(&rv->lock);
}

/*
 * With v frozen: the targets (caught up) join the configuration c.  Those
 * already members (they missed recording c) get c recorded; others come in
 * through an epoch bump recorded on a majority of c.  0 if they joined.
 */
static int join(struct replica_vol *rv, const struct cbs_config_req *c,
		const struct replica_absent *ab, const bool *to, uint32_t n)
{
	struct cbs_config_req nc = *c;
	bool ok[CBS_PROTO_MAX_REPLICAS] = { false }, bump = false;
	unsigned int votes = 1;
	uint32_t i, j;
	uint64_t epoch;
	int ret = 0;

	for (i = 0; i < n; i++) {
		if (!to[i])
			continue;
		for (j = 0; j < nc.count && strcmp(nc.members[j], ab[i].addr); j++)
			;
		if (j == nc.count && nc.count < CBS_PROTO_MAX_REPLICAS) {
			memcpy(nc.members[nc.count++], ab[i].addr, CBS_PROTO_ADDR_LEN);
			bump = true;
		}
	}
	if (bump) {
		nc.epoch++;
		record_on_peers(&nc, ok);
		for (j = 0; j < c->count; j++)
			votes += j != c->self && ok[j];
		if (2 * votes <= c->count)
			return -EHOSTDOWN;
	} else {
		for (j = 0; j < nc.count; j++) {
			if (j == nc.self)
				continue;
			for (i = 0; i < n && (!to[i] || strcmp(ab[i].addr, nc.members[j])); i++)
				;
			if (i == n)
				continue;
			nc.self = j;
			ret = peer_config(nc.members[j], &nc);
			nc.self = c->self;
			if (ret == -ESTALE && !peer_epoch(nc.members[j], nc.peer_token, nc.name,
							  &epoch) && epoch == nc.epoch)
				ret = 0;
			if (ret)
				return ret;
		}
	}
	pthread_rwlock_wrlock(&rv->lock);
	if (rv->cfg.epoch != c->epoch || !replica_is_primary(rv)) {
		ret = -ESTALE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!to[i])
			continue;
		/* One that did not record the bump stays absent (in the map's care). */
		for (j = 0; bump && j < nc.count && strcmp(nc.members[j], ab[i].addr); j++)
			;
		if (bump && j < nc.count && !ok[j])
			continue;
		for (j = 0; j < rv->nabsent && strcmp(rv->absent[j].addr, ab[i].addr); j++)
			;
		if (j < rv->nabsent)
			rv->absent[j] = rv->absent[--rv->nabsent];
		nb_log("volume %s: %s caught up, in sync at epoch %llu", rv->name, ab[i].addr,
			(unsigned long long)nc.epoch);
	}
	ret = replica_install_locked(rv, &nc);
out:
	pthread_rwlock_unlock(&rv->lock);
	explicit_bzero(&nc, sizeof(nc));
	return ret;
}

/* Every region of v to the targets: a new member, or one whose gap is unknown. */
static void copy_full(struct replica_vol *rv, struct cbs_volume *v, uint64_t size, char *buf,
		      struct replica_link *l, bool *to, uint32_t n,
		      const struct replica_absent *ab, struct throttle *t)
{
	uint64_t r, regions = (size + DIRTY_REGION_SIZE - 1) >> DIRTY_REGION_SHIFT;
	bool full[CBS_PROTO_MAX_REPLICAS];
	uint32_t i;

	for (i = 0; i < n; i++)
		full[i] = to[i] && ab[i].full;
	if (!any(full, n))
		return;
	for (r = 0; r < regions && any(full, n) && !replica_stopping; r++) {
		throttle(t, copy_region(v, size, buf, r, l, full, n, false));
		if (!(r % 64))
			for (i = 0; i < n; i++)
				if (full[i])
					absent_update(rv, ab[i].addr, 1, -1,
						      (regions - r) << DIRTY_REGION_SHIFT);
	}
	for (i = 0; i < n; i++) {
		if (!ab[i].full || !to[i])
			continue;
		if (full[i] && r == regions)
			absent_update(rv, ab[i].addr, 1, 0, 0);
		else
			to[i] = false;
	}
}

/* Catch up the absent servers of rv that answer; v held. */
static void catch_up_vol(struct replica_vol *rv, struct cbs_volume *v, struct dirty_map *m,
			 const struct cbs_config_req *c, struct replica_absent *ab, uint32_t n)
{
	struct replica_link l[CBS_PROTO_MAX_REPLICAS];
	struct throttle t = { .start = now_s() };
	char np[CBS_PROTO_ADDR_LEN];
	bool to[CBS_PROTO_MAX_REPLICAS];
	uint64_t r, gen, size, newer;
	unsigned int pass;
	uint32_t i;
	char *buf;

	buf = malloc(DIRTY_REGION_SIZE);
	if (!buf)
		return;
	pthread_rwlock_rdlock(&v->io_lock);
	gen = v->generation;
	size = v->size;
	pthread_rwlock_unlock(&v->io_lock);
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].fd = -1;
		to[i] = i < n && link_open(&l[i], c, gen, ab[i].addr, &newer, np) == LINK_OK;
		if (to[i])
			absent_update(rv, ab[i].addr, 1, -1, ab[i].lag);
	}
	if (!any(to, n))
		goto out;
	copy_full(rv, v, size, buf, l, to, n, ab, &t);
	/* The absent map is everyone's: one not copied to now needs all later. */
	for (i = 0; i < n; i++)
		if (!to[i])
			absent_update(rv, ab[i].addr, -1, 1, ab[i].lag);
	for (pass = 0; pass < LIVE_PASSES && any(to, n) && !replica_stopping; pass++) {
		for (r = 0; (r = dirty_next(m, DIRTY_ABSENT, r)) != UINT64_MAX; r++) {
			if (dirty_claim(m, DIRTY_ABSENT, r, false))
				continue;
			throttle(&t, copy_region(v, size, buf, r, l, to, n, false));
			if (!any(to, n)) {
				dirty_mark(m, DIRTY_ABSENT, r);
				break;
			}
		}
		for (i = 0; i < n; i++)
			if (to[i])
				absent_update(rv, ab[i].addr, 1, -1,
					      dirty_count(m, DIRTY_ABSENT) << DIRTY_REGION_SHIFT);
		if (dirty_count(m, DIRTY_ABSENT) <= FROZEN_MAX)
			break;
	}
	if (!any(to, n) || replica_stopping)
		goto out;
	/* Frozen: no write in flight; the rest, then the join. */
	if (replica_freeze(v))
		goto out;
	pthread_mutex_lock(&rv->change);
	for (r = 0; (r = dirty_next(m, DIRTY_ABSENT, r)) != UINT64_MAX && any(to, n); r++)
		if (!dirty_claim(m, DIRTY_ABSENT, r, true))
			copy_region(v, size, buf, r, l, to, n, true);
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		link_close(&l[i]);
	if (any(to, n) && join(rv, c, ab, to, n))
		nb_log("volume %s: caught-up servers could not join epoch %llu", rv->name,
			(unsigned long long)c->epoch);
	pthread_mutex_unlock(&rv->change);
	pthread_rwlock_unlock(&v->io_lock);
out:
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		link_close(&l[i]);
	for (i = 0; i < n; i++)
		absent_update(rv, ab[i].addr, 0, -1, ab[i].lag);
	free(buf);
}

static void resync_vol(struct replica_vol *rv, bool clean)
{
	struct replica_absent ab[CBS_PROTO_MAX_REPLICAS];
	struct cbs_config_req c;
	struct cbs_volume *v;
	struct dirty_map *m;
	uint32_t n;

	pthread_mutex_lock(&rv->dirty_lock);
	if (clean && rv->dirty)
		dirty_clean(rv->dirty);
	pthread_mutex_unlock(&rv->dirty_lock);
	pthread_rwlock_rdlock(&rv->lock);
	n = rv->cfg.epoch && replica_is_primary(rv) ? rv->nabsent : 0;
	memcpy(ab, rv->absent, sizeof(ab));
	c = rv->cfg;
	pthread_rwlock_unlock(&rv->lock);
	if (n && !vol_get(rv->name, &v)) {
		m = replica_dirty(rv, v->size);
		if (m)
			catch_up_vol(rv, v, m, &c, ab, n);
		vol_close(v, NULL);
	}
	explicit_bzero(&c, sizeof(c));
}

static void *resync_main(void *arg)
{
	struct replica_vol **vs = calloc(MAX_VOLS, sizeof(*vs));
	struct timespec second = { .tv_sec = 1 };
	unsigned int tick = 0, i, n;

	(void)arg;
	while (vs && !replica_stopping) {
		nanosleep(&second, NULL);
		n = replica_vols(vs, MAX_VOLS);
		for (i = 0; i < n && !replica_stopping; i++)
			resync_vol(vs[i], !(tick % CLEAN_TICKS));
		tick++;
	}
	free(vs);
	return NULL;
}

int resync_start(void)
{
	int ret = -pthread_create(&thread, NULL, resync_main, NULL);

	started = !ret;
	return ret;
}

void resync_stop(void)
{
	replica_stopping = true;
	if (started)
		pthread_join(thread, NULL);
	started = false;
}
